//! The XML status of `/_status?format=xml` (version 1: flat `<service type="N">` elements)
//! and `/_status2` (version 2: `<services>`, `<servicegroups>`, the server's identity in
//! attributes of `<monit>`), element for element as Monit's xml.c writes them (reference
//! Appendix B), for M/Monit and the tools that read it.
//!
//! Unlike Monit, text is escaped (`&`, `<`, `>`, `"`), so odd service names still give a
//! well-formed document; ordinary names print the same.

use super::format::epoch_secs;
use super::status::has_figures;
use crate::config::model::{EventKind, Mode, OnReboot};
use crate::state::board::Snapshot;
use crate::state::network::{ConnectionFigure, ConnectionKind};
use crate::state::status::{
    FileData, FilesystemData, IoCounter, Monitoring, PendingAction, ProcessData, ProgramData, ServiceData,
    ServiceStatus, SystemData,
};

/// What the document says about the daemon beyond the snapshot.
#[derive(Debug, Clone, Default)]
pub struct XmlContext<'a> {
    /// The Monit id (the id file's content).
    pub id: &'a str,
    pub start_delay_secs: u64,
    pub localhostname: &'a str,
    pub controlfile: &'a str,
    pub httpd: Option<XmlHttpd<'a>>,
    pub platform: Platform,
    /// Service groups and their members, for version 2.
    pub groups: &'a [(String, Vec<String>)],
    /// For M/Monit: the user and password it may use to reach the web interface (Monit's
    /// registration, `<credentials>` after `<httpd>`).
    pub credentials: Option<(&'a str, &'a str)>,
}

/// Where the control plane listens.
#[derive(Debug, Clone)]
pub enum XmlHttpd<'a> {
    Net { address: &'a str, port: u16, ssl: bool },
    Unix { path: &'a str },
}

/// The `<platform>` element: `uname` fields, CPU count, memory and swap in kB.
#[derive(Debug, Clone, Default)]
pub struct Platform {
    pub name: String,
    pub release: String,
    pub version: String,
    pub machine: String,
    pub cpu: usize,
    pub memory_kb: u64,
    pub swap_kb: u64,
}

/// The whole document, every service in configuration order (Monit ignores filters here).
/// `version` 2 gives `/_status2`'s layout; anything else version 1.
pub fn xml(snapshot: &Snapshot, context: &XmlContext, version: u8) -> String {
    let v2 = version == 2;
    let incarnation = epoch_secs(snapshot.started);
    let uptime = std::time::SystemTime::now().duration_since(snapshot.started).map_or(0, |d| d.as_secs());
    let mut out = String::from(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#);
    if v2 {
        out.push_str(&format!(
            r#"<monit id="{}" incarnation="{incarnation}" version="5.33.0"><server>"#,
            escape(context.id)
        ));
    } else {
        out.push_str(&format!(
            "<monit><server><id>{}</id><incarnation>{incarnation}</incarnation><version>5.33.0</version>",
            escape(context.id)
        ));
    }
    out.push_str(&format!(
        "<uptime>{uptime}</uptime><poll>{}</poll><startdelay>{}</startdelay>\
         <localhostname>{}</localhostname><controlfile>{}</controlfile>",
        snapshot.poll_interval_ms / 1000,
        context.start_delay_secs,
        escape(context.localhostname),
        escape(context.controlfile)
    ));
    match &context.httpd {
        Some(XmlHttpd::Net { address, port, ssl }) => out.push_str(&format!(
            "<httpd><address>{}</address><port>{port}</port><ssl>{}</ssl></httpd>",
            escape(address),
            u8::from(*ssl)
        )),
        Some(XmlHttpd::Unix { path }) => {
            out.push_str(&format!("<httpd><unixsocket>{}</unixsocket></httpd>", escape(path)))
        }
        None => {}
    }
    if let Some((user, password)) = context.credentials {
        out.push_str(&format!(
            "<credentials><username>{}</username><password>{}</password></credentials>",
            escape(user),
            escape(password)
        ));
    }
    let p = &context.platform;
    out.push_str(&format!(
        "</server><platform><name>{}</name><release>{}</release><version>{}</version><machine>{}</machine>\
         <cpu>{}</cpu><memory>{}</memory><swap>{}</swap></platform>",
        escape(&p.name),
        escape(&p.release),
        escape(&p.version),
        escape(&p.machine),
        p.cpu,
        p.memory_kb,
        p.swap_kb
    ));
    if v2 {
        out.push_str("<services>");
    }
    for service in &snapshot.services {
        write_service(&mut out, service, v2);
    }
    if v2 {
        out.push_str("</services><servicegroups>");
        for (group, members) in context.groups {
            out.push_str(&format!(r#"<servicegroup name="{}">"#, escape(group)));
            for member in members {
                out.push_str(&format!("<service>{}</service>", escape(member)));
            }
            out.push_str("</servicegroup>");
        }
        out.push_str("</servicegroups>");
    }
    out.push_str("</monit>");
    out
}

/// An event as M/Monit reads it: Monit appends it to the status it posts.
#[derive(Debug, Clone)]
pub struct XmlEvent<'a> {
    pub at: std::time::SystemTime,
    pub service: &'a str,
    /// Monit's type number of the service (0 filesystem ... 8 network).
    pub type_number: u8,
    pub kind: EventKind,
    /// Monit's `State_Type`: 0 succeeded, 1 failed, 2 changed, 3 changed not.
    pub state: u8,
    /// Monit's `Action_Type`: 1 alert, 2 restart, 3 stop, 4 exec, 5 unmonitor, 6 start, 7 monitor.
    pub action: u8,
    pub message: &'a str,
}

/// `document` (a status from [`xml`]) with `event` as its last element, as Monit posts an
/// event to M/Monit: `<event><collected_sec>...<message><![CDATA[...]]></message></event>`.
pub fn with_event(document: &str, event: &XmlEvent) -> String {
    let at = event.at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let element = format!(
        "<event><collected_sec>{}</collected_sec><collected_usec>{}</collected_usec><service>{}</service>\
         <type>{}</type><id>{}</id><state>{}</state><action>{}</action><message><![CDATA[{}]]></message></event>",
        at.as_secs(),
        at.subsec_micros(),
        escape(event.service),
        event.type_number,
        event_bit(event.kind),
        event.state,
        event.action,
        event.message.replace("]]>", "]]]]><![CDATA[>")
    );
    match document.strip_suffix("</monit>") {
        Some(head) => format!("{head}{element}</monit>"),
        None => format!("{document}{element}"),
    }
}

/// Monit's `Action_Type` number of an action's name.
pub fn action_type(action: &str) -> u8 {
    match action {
        "alert" => 1,
        "restart" => 2,
        "stop" => 3,
        "exec" => 4,
        "unmonitor" => 5,
        "start" => 6,
        "monitor" => 7,
        _ => 0,
    }
}

fn write_service(out: &mut String, s: &ServiceStatus, v2: bool) {
    if v2 {
        out.push_str(&format!(r#"<service name="{}"><type>{}</type>"#, escape(&s.name), s.type_number));
    } else {
        out.push_str(&format!(r#"<service type="{}"><name>{}</name>"#, s.type_number, escape(&s.name)));
    }
    let collected = s.collected_at.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
    let (error, hint) = error_bits(s);
    out.push_str(&format!(
        "<collected_sec>{}</collected_sec><collected_usec>{}</collected_usec><status>{error}</status>\
         <status_hint>{hint}</status_hint><monitor>{}</monitor><monitormode>{}</monitormode>\
         <onreboot>{}</onreboot><pendingaction>{}</pendingaction>",
        collected.as_secs(),
        collected.subsec_micros(),
        monitor_bits(s),
        mode_number(s.mode),
        onreboot_number(s.onreboot),
        s.pending.map_or(0, action_number)
    ));
    if has_figures(s) {
        match &s.data {
            ServiceData::Process(p) => process(out, p),
            ServiceData::System(sys) => system(out, sys),
            ServiceData::Program(p) => program(out, p),
            ServiceData::File(f) => file(out, f),
            ServiceData::Filesystem(f) => filesystem(out, f),
            ServiceData::Network(n) => link(out, n),
            ServiceData::None | ServiceData::Generic(_) => {}
        }
        connections(out, &s.connections);
    }
    out.push_str("</service>");
}

fn process(out: &mut String, p: &ProcessData) {
    let signed = |v: Option<u64>| v.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
    let (soft, hard) = p.filedescriptors_limit.map_or((-1, -1), |(s, h)| (signed(Some(s)), signed(Some(h))));
    out.push_str(&format!(
        "<pid>{}</pid><ppid>{}</ppid><uid>{}</uid><euid>{}</euid><gid>{}</gid><uptime>{}</uptime>\
         <threads>{}</threads><children>{}</children>\
         <memory><percent>{:.1}</percent><percenttotal>{:.1}</percenttotal>\
         <kilobyte>{}</kilobyte><kilobytetotal>{}</kilobytetotal></memory>\
         <cpu><percent>{:.1}</percent><percenttotal>{:.1}</percenttotal></cpu>\
         <filedescriptors><open>{}</open><opentotal>{}</opentotal>\
         <limit><soft>{soft}</soft><hard>{hard}</hard></limit></filedescriptors>",
        p.pid,
        p.ppid,
        p.uid,
        p.euid,
        p.gid,
        p.uptime_secs,
        p.threads,
        p.children,
        p.memory_percent,
        p.memory_total_percent,
        p.memory_bytes / 1024,
        p.memory_total_bytes / 1024,
        p.cpu_percent.unwrap_or(-1.0),
        p.cpu_total_percent.unwrap_or(-1.0),
        signed(p.filedescriptors),
        signed(p.filedescriptors_total),
    ));
    for (tag, io) in [("read", &p.read), ("write", &p.write)] {
        out.push_str(&format!("<{tag}>"));
        counter(out, "bytesgeneric", io.bytes);
        counter(out, "bytes", io.disk_bytes);
        counter(out, "operations", io.operations);
        out.push_str(&format!("</{tag}>"));
    }
}

/// A file's, directory's or fifo's figures: mode in octal, owner, timestamps, then a
/// file's size and checksum.
fn file(out: &mut String, f: &FileData) {
    out.push_str(&format!(
        "<mode>{:o}</mode><uid>{}</uid><gid>{}</gid><timestamps><access>{}</access><change>{}</change>\
         <modify>{}</modify></timestamps>",
        f.mode & 0o7777,
        f.uid,
        f.gid,
        f.access,
        f.change,
        f.modify
    ));
    if let Some(size) = f.size {
        out.push_str(&format!("<size>{size}</size>"));
    }
    if let Some((sum, hash)) = &f.checksum {
        out.push_str(&format!(r#"<checksum type="{}">{}</checksum>"#, escape(hash), escape(sum)));
    }
}

/// A filesystem's figures: space in megabytes, inodes, disk I/O and service time (in
/// milliseconds per second, as Monit writes them).
fn filesystem(out: &mut String, f: &FilesystemData) {
    out.push_str(&format!("<fstype>{}</fstype><fsflags>{}</fsflags>", escape(&f.fs_type), escape(&f.flags)));
    let id = |v: Option<u32>| v.map_or(-1, i64::from);
    out.push_str(&format!(
        "<mode>{}</mode><uid>{}</uid><gid>{}</gid>",
        f.mode.map_or("-1".to_owned(), |m| format!("{:o}", m & 0o7777)),
        id(f.uid),
        id(f.gid)
    ));
    let megabytes = |blocks: u64| blocks as f64 * f.block_size as f64 / 1_048_576.0;
    let used = f.blocks.saturating_sub(f.blocks_free);
    out.push_str(&format!(
        "<block><percent>{:.1}</percent><usage>{:.1}</usage><total>{:.1}</total></block>",
        super::format::percent_f32(used, f.blocks),
        megabytes(used),
        megabytes(f.blocks)
    ));
    if f.inodes > 0 {
        let used = f.inodes.saturating_sub(f.inodes_free);
        out.push_str(&format!(
            "<inode><percent>{:.1}</percent><usage>{used}</usage><total>{}</total></inode>",
            super::format::percent_f32(used, f.inodes),
            f.inodes
        ));
    }
    for (tag, io) in [("read", &f.read), ("write", &f.write)] {
        out.push_str(&format!("<{tag}>"));
        counter(out, "bytes", io.bytes);
        counter(out, "operations", io.operations);
        out.push_str(&format!("</{tag}>"));
    }
    if let Some(t) = f.service_time {
        out.push_str(&format!(
            "<servicetime><read>{:.3}</read><write>{:.3}</write></servicetime>",
            t.read_ms_per_second, t.write_ms_per_second
        ));
    }
}

/// `<tag><count>per second</count><total>total</total></tag>` when the figure is known.
fn counter(out: &mut String, tag: &str, counter: Option<IoCounter>) {
    if let Some(c) = counter {
        out.push_str(&format!("<{tag}><count>{:.0}</count><total>{}</total></{tag}>", c.per_second, c.total));
    }
}

/// The type-specific part of a system service (descriptors), then the `<system>` block
/// Monit writes after the connection tests. Monit 5.33 writes no `<uptime>` or `<boottime>`
/// here (checked with Debian's monit: its `/_status?format=xml` and its M/Monit posts).
fn system(out: &mut String, s: &SystemData) {
    out.push_str(&format!(
        "<filedescriptors><allocated>{}</allocated><unused>0</unused><maximum>{}</maximum></filedescriptors>",
        s.filedescriptors, s.filedescriptors_limit
    ));
    out.push_str(&format!(
        "<system><load><avg01>{:.2}</avg01><avg05>{:.2}</avg05><avg15>{:.2}</avg15></load><cpu>",
        s.load[0], s.load[1], s.load[2]
    ));
    if let Some(c) = s.cpu {
        for (tag, v) in [
            ("user", c.user),
            ("system", c.system),
            ("nice", c.nice),
            ("wait", c.iowait),
            ("hardirq", c.hardirq),
            ("softirq", c.softirq),
            ("steal", c.steal),
            ("guest", c.guest),
            ("guestnice", c.guest_nice),
        ] {
            out.push_str(&format!("<{tag}>{:.1}</{tag}>", v.max(0.0)));
        }
    }
    out.push_str(&format!(
        "</cpu><memory><percent>{:.1}</percent><kilobyte>{}</kilobyte></memory>\
         <swap><percent>{:.1}</percent><kilobyte>{}</kilobyte></swap></system>",
        s.memory_percent,
        s.memory_bytes / 1024,
        s.swap_percent,
        s.swap_bytes / 1024
    ));
}

/// `<icmp>`, `<port>` and `<unix>` per test, as xml.c writes them; the response time in
/// seconds, -1 when the test failed or has not run.
fn connections(out: &mut String, figures: &[ConnectionFigure]) {
    for f in crate::state::network::in_monit_order(figures) {
        let time = match (f.available, f.response_time) {
            (Some(true), Some(secs)) => secs,
            _ => -1.0,
        };
        match f.kind {
            ConnectionKind::Ping => {
                out.push_str(&format!("<icmp><type>Ping</type><responsetime>{time:.6}</responsetime></icmp>"))
            }
            ConnectionKind::Port => out.push_str(&format!(
                "<port><hostname>{}</hostname><portnumber>{}</portnumber><request><![CDATA[{}]]></request>\
                 <protocol>{}</protocol><type>{}</type><responsetime>{time:.6}</responsetime></port>",
                escape(&f.target),
                f.port,
                f.request.replace("]]>", "]]&gt;"),
                escape(&f.protocol),
                escape(&f.socket_type)
            )),
            ConnectionKind::Unix => out.push_str(&format!(
                "<unix><path>{}</path><protocol>{}</protocol><responsetime>{time:.6}</responsetime></unix>",
                escape(&f.target),
                escape(&f.protocol)
            )),
        }
    }
}

/// `<link>` as xml.c writes it: state, speed in bit/s (-1 unknown), duplex (-1 unknown),
/// then per direction packets, bytes and errors, each `now` (per second) and `total`.
fn link(out: &mut String, n: &crate::state::status::NetworkData) {
    let speed = n.speed_mbps.map_or(-1, |mbps| mbps as i64 * 1_000_000);
    let duplex = n.full_duplex.map_or(-1, i32::from);
    out.push_str(&format!("<link><state>{}</state><speed>{speed}</speed><duplex>{duplex}</duplex>", i32::from(n.up)));
    for (tag, d) in [("download", &n.download), ("upload", &n.upload)] {
        out.push_str(&format!(
            "<{tag}><packets><now>{:.0}</now><total>{}</total></packets><bytes><now>{:.0}</now><total>{}</total></bytes>\
             <errors><now>{:.0}</now><total>{}</total></errors></{tag}>",
            d.packets_per_second, d.packets_total, d.bytes_per_second, d.bytes_total, d.errors_per_second, d.errors_total
        ));
    }
    out.push_str("</link>");
}

/// Nothing until the program has run once.
fn program(out: &mut String, p: &ProgramData) {
    let Some(started) = p.started else { return };
    out.push_str(&format!(
        "<program><started>{}</started><status>{}</status><output><![CDATA[{}]]></output></program>",
        epoch_secs(started),
        p.exit_status.unwrap_or(0),
        // Monit strips the last line break.
        p.output.trim_end_matches('\n').replace("]]>", "]]&gt;")
    ));
}

/// Monit's event bits (`Event_Type` in event.h).
fn event_bit(kind: EventKind) -> u32 {
    match kind {
        EventKind::Checksum => 0x1,
        EventKind::Resource => 0x2,
        EventKind::Timeout => 0x4,
        EventKind::Timestamp => 0x8,
        EventKind::Size => 0x10,
        EventKind::Connection => 0x20,
        EventKind::Permission => 0x40,
        EventKind::Uid => 0x80,
        EventKind::Gid => 0x100,
        EventKind::Nonexist => 0x200,
        EventKind::Invalid => 0x400,
        EventKind::Data => 0x800,
        EventKind::Exec => 0x1000,
        EventKind::Fsflags => 0x2000,
        EventKind::Icmp => 0x4000,
        EventKind::Content => 0x8000,
        EventKind::Instance => 0x10000,
        EventKind::Action => 0x20000,
        EventKind::Pid => 0x40000,
        EventKind::Ppid => 0x80000,
        EventKind::Status => 0x200000,
        EventKind::Uptime => 0x400000,
        EventKind::Link => 0x800000,
        EventKind::Speed => 0x1000000,
        EventKind::Saturation => 0x2000000,
        EventKind::Bytein => 0x4000000,
        EventKind::Byteout => 0x8000000,
        EventKind::Packetin => 0x10000000,
        EventKind::Packetout => 0x20000000,
        EventKind::Exist => 0x40000000,
    }
}

/// `<status>` (every failed or changed event; never instance or action events, as Monit)
/// and `<status_hint>` (the changed ones among them).
fn error_bits(s: &ServiceStatus) -> (u32, u32) {
    let counted = |k: &&EventKind| !matches!(k, EventKind::Instance | EventKind::Action);
    let failed = s.failed.keys().filter(counted).fold(0, |bits, k| bits | event_bit(*k));
    let changed = s.changed.keys().filter(counted).fold(0, |bits, k| bits | event_bit(*k));
    (failed | changed, changed & !failed)
}

/// 0 not monitored, 1 monitored, 2 initialising, plus 4 while `every` skips the cycle.
fn monitor_bits(s: &ServiceStatus) -> u8 {
    let base = match s.monitoring {
        Monitoring::NotMonitored => return 0,
        Monitoring::Monitored => 1,
        Monitoring::Initializing => 2,
    };
    if s.waiting { base | 4 } else { base }
}

/// Monit's `Monitor_Mode` (0 active, 1 passive); 2 for our `manual`.
fn mode_number(mode: Mode) -> u8 {
    match mode {
        Mode::Active => 0,
        Mode::Passive => 1,
        Mode::Manual => 2,
    }
}

fn onreboot_number(onreboot: OnReboot) -> u8 {
    match onreboot {
        OnReboot::Start => 0,
        OnReboot::Nostart => 1,
        OnReboot::Laststate => 2,
    }
}

/// Monit's `Action_Type` numbers.
fn action_number(action: PendingAction) -> u8 {
    action_type(action.name())
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::super::tests::service;
    use super::*;

    #[test]
    fn a_network_interface_has_its_link_element() {
        use crate::state::status::{LinkDirection, NetworkData};
        let mut out = String::new();
        let direction = |n: u64| LinkDirection {
            packets_per_second: 18.0,
            packets_total: n,
            bytes_per_second: 3993.6,
            bytes_total: n * 100,
            errors_per_second: 0.0,
            errors_total: 0,
        };
        let data = NetworkData {
            up: true,
            speed_mbps: None,
            full_duplex: None,
            download: direction(10),
            upload: direction(20),
        };
        link(&mut out, &data);
        assert_eq!(
            out,
            "<link><state>1</state><speed>-1</speed><duplex>-1</duplex>\
             <download><packets><now>18</now><total>10</total></packets><bytes><now>3994</now><total>1000</total></bytes>\
             <errors><now>0</now><total>0</total></errors></download>\
             <upload><packets><now>18</now><total>20</total></packets><bytes><now>3994</now><total>2000</total></bytes>\
             <errors><now>0</now><total>0</total></errors></upload></link>"
        );
    }
    use crate::state::status::CpuUsage;

    fn context<'a>(groups: &'a [(String, Vec<String>)]) -> XmlContext<'a> {
        XmlContext {
            id: "f3a6387cfa0fbd2af00793c714f7bd69",
            start_delay_secs: 0,
            localhostname: "vm",
            controlfile: "/etc/monitrc",
            httpd: Some(XmlHttpd::Net { address: "127.0.0.1", port: 2899, ssl: false }),
            platform: Platform {
                name: "Linux".into(),
                release: "6.18.44".into(),
                version: "#1 SMP".into(),
                machine: "x86_64".into(),
                cpu: 2,
                memory_kb: 24_684_084,
                swap_kb: 0,
            },
            groups,
            credentials: None,
        }
    }

    fn snapshot(services: Vec<ServiceStatus>) -> Snapshot {
        Snapshot { services, started: UNIX_EPOCH + Duration::from_secs(1_795_462_609), poll_interval_ms: 5000 }
    }

    fn web() -> ServiceStatus {
        let mut s = service("web", "Process");
        s.collected_at = Some(UNIX_EPOCH + Duration::from_micros(1_795_462_644_622_530));
        s.data = ServiceData::Process(ProcessData {
            pid: 15982,
            ppid: 1,
            uptime_secs: 36,
            threads: 1,
            memory_bytes: 21_488 * 1024,
            memory_percent: 0.1,
            memory_total_bytes: 21_488 * 1024,
            memory_total_percent: 0.1,
            cpu_percent: Some(0.0),
            cpu_total_percent: Some(0.0),
            filedescriptors: Some(4),
            filedescriptors_total: Some(4),
            filedescriptors_limit: Some((20_000, 20_000)),
            ..Default::default()
        });
        s
    }

    fn prog() -> ServiceStatus {
        let mut s = service("prog", "Program");
        s.collected_at = Some(UNIX_EPOCH + Duration::from_secs(1_795_462_644));
        s.failed.insert(EventKind::Status, "exit value 3".into());
        s.data = ServiceData::Program(ProgramData {
            started: Some(UNIX_EPOCH + Duration::from_secs(1_795_462_639)),
            exit_status: Some(3),
            output: "to stderr\nprogram output line".into(),
        });
        s
    }

    /// The document with its `<uptime>` (which follows the clock) blanked.
    fn render(snap: &Snapshot, groups: &[(String, Vec<String>)], version: u8) -> String {
        let text = xml(snap, &context(groups), version);
        let start = text.find("<uptime>").expect("uptime") + "<uptime>".len();
        let end = start + text[start..].find('<').expect("end");
        format!("{}{}", &text[..start], &text[end..])
    }

    #[test]
    fn version_1_matches_appendix_b() {
        let text = render(&snapshot(vec![web(), prog()]), &[], 1);
        let expected = concat!(
            r#"<?xml version="1.0" encoding="ISO-8859-1"?><monit><server><id>f3a6387cfa0fbd2af00793c714f7bd69</id>"#,
            "<incarnation>1795462609</incarnation><version>5.33.0</version><uptime></uptime><poll>5</poll>",
            "<startdelay>0</startdelay><localhostname>vm</localhostname><controlfile>/etc/monitrc</controlfile>",
            "<httpd><address>127.0.0.1</address><port>2899</port><ssl>0</ssl></httpd></server>",
            "<platform><name>Linux</name><release>6.18.44</release><version>#1 SMP</version><machine>x86_64</machine>",
            "<cpu>2</cpu><memory>24684084</memory><swap>0</swap></platform>",
            r#"<service type="3"><name>web</name><collected_sec>1795462644</collected_sec>"#,
            "<collected_usec>622530</collected_usec><status>0</status><status_hint>0</status_hint><monitor>1</monitor>",
            "<monitormode>0</monitormode><onreboot>0</onreboot><pendingaction>0</pendingaction><pid>15982</pid>",
            "<ppid>1</ppid><uid>0</uid><euid>0</euid><gid>0</gid><uptime>36</uptime><threads>1</threads>",
            "<children>0</children><memory><percent>0.1</percent><percenttotal>0.1</percenttotal>",
            "<kilobyte>21488</kilobyte><kilobytetotal>21488</kilobytetotal></memory><cpu><percent>0.0</percent>",
            "<percenttotal>0.0</percenttotal></cpu><filedescriptors><open>4</open><opentotal>4</opentotal>",
            "<limit><soft>20000</soft><hard>20000</hard></limit></filedescriptors><read></read><write></write>",
            "</service>",
            r#"<service type="7"><name>prog</name><collected_sec>1795462644</collected_sec>"#,
            "<collected_usec>0</collected_usec><status>2097152</status><status_hint>0</status_hint>",
            "<monitor>1</monitor><monitormode>0</monitormode><onreboot>0</onreboot><pendingaction>0</pendingaction>",
            "<program><started>1795462639</started><status>3</status>",
            "<output><![CDATA[to stderr\nprogram output line]]></output></program></service></monit>",
        );
        assert_eq!(text, expected);
    }

    /// Recorded from Debian's monit 5.33 for a shell loop (`/proc/PID/io` readable).
    #[test]
    fn process_io_as_monit() {
        use crate::state::status::{IoCounter, IoFigures};
        let mut s = web();
        let counter = |per_second, total| Some(IoCounter { per_second, total });
        if let ServiceData::Process(p) = &mut s.data {
            p.read =
                IoFigures { bytes: counter(0.0, 32_108), disk_bytes: counter(0.0, 4096), operations: counter(0.4, 54) };
            p.write =
                IoFigures { bytes: counter(5.5, 11), disk_bytes: counter(0.0, 8192), operations: counter(0.0, 3) };
        }
        let text = render(&snapshot(vec![s]), &[], 1);
        let expected = concat!(
            "</filedescriptors><read><bytesgeneric><count>0</count><total>32108</total></bytesgeneric>",
            "<bytes><count>0</count><total>4096</total></bytes><operations><count>0</count><total>54</total>",
            "</operations></read><write><bytesgeneric><count>6</count><total>11</total></bytesgeneric>",
            "<bytes><count>0</count><total>8192</total></bytes><operations><count>0</count><total>3</total>",
            "</operations></write></service>",
        );
        assert!(text.contains(expected), "{text}");
    }

    /// File, directory and filesystem elements as Debian's monit 5.33 wrote them on this
    /// machine (`/_status?format=xml`).
    #[test]
    fn file_and_filesystem_as_monit() {
        use crate::state::status::FileData;
        let stamp = UNIX_EPOCH + Duration::from_micros(1_796_027_140_512_110);
        let times = FileData {
            mode: 0o100644,
            access: 1_796_027_132,
            change: 1_796_027_130,
            modify: 1_796_027_130,
            ..Default::default()
        };
        let mut f = service("f", "File");
        f.collected_at = Some(stamp);
        f.data = ServiceData::File(FileData {
            size: Some(6),
            checksum: Some(("b1946ac92492d2347c6235b4d2611184".into(), "MD5".into())),
            ..times.clone()
        });
        let mut spool = service("spool", "Directory");
        spool.collected_at = Some(stamp);
        spool.data = ServiceData::File(FileData { mode: 0o40755, ..times });
        let mut root = service("root", "Filesystem");
        root.collected_at = Some(stamp);
        root.data = ServiceData::Filesystem(crate::state::report::tests::sample_filesystem(
            "rw,relatime",
            0o60600,
            6,
            118.0,
            288.0,
        ));
        let text = render(&snapshot(vec![f, spool, root]), &[], 1);
        let head = |name: &str, kind| {
            format!(
                r#"<service type="{kind}"><name>{name}</name><collected_sec>1796027140</collected_sec><collected_usec>512110</collected_usec><status>0</status><status_hint>0</status_hint><monitor>1</monitor><monitormode>0</monitormode><onreboot>0</onreboot><pendingaction>0</pendingaction>"#
            )
        };
        let stamps = "<timestamps><access>1796027132</access><change>1796027130</change><modify>1796027130</modify></timestamps>";
        for expected in [
            format!(
                r#"{}<mode>644</mode><uid>0</uid><gid>0</gid>{stamps}<size>6</size><checksum type="MD5">b1946ac92492d2347c6235b4d2611184</checksum></service>"#,
                head("f", 2)
            ),
            format!("{}<mode>755</mode><uid>0</uid><gid>0</gid>{stamps}</service>", head("spool", 1)),
            format!(
                "{}<fstype>ext4</fstype><fsflags>rw,relatime</fsflags><mode>600</mode><uid>0</uid><gid>6</gid>\
                 <block><percent>19.7</percent><usage>50884.5</usage><total>258019.6</total></block>\
                 <inode><percent>2.8</percent><usage>462305</usage><total>16777216</total></inode>\
                 <read><bytes><count>146716</count><total>24226391040</total></bytes><operations><count>26</count><total>2253768</total></operations></read>\
                 <write><bytes><count>2309276</count><total>143381766144</total></bytes><operations><count>118</count><total>343110</total></operations></write>\
                 <servicetime><read>6.869</read><write>62.807</write></servicetime></service>",
                head("root", 0)
            ),
        ] {
            assert!(text.contains(&expected), "{expected}\nin\n{text}");
        }
    }

    #[test]
    fn port_unix_and_ping_figures_as_appendix_b() {
        use crate::state::network::{ConnectionFigure, ConnectionKind};
        let figure = |kind, target: &str, port, request: &str, protocol: &str, time, available| ConnectionFigure {
            kind,
            target: target.into(),
            port,
            request: request.into(),
            protocol: protocol.into(),
            socket_type: "TCP".into(),
            ip_version: "IP".into(),
            tls: false,
            response_time: time,
            available,
        };
        let mut host = web();
        host.connections = vec![
            figure(ConnectionKind::Ping, "127.0.0.1", 0, "", "ECHO", Some(0.000042), Some(true)),
            figure(ConnectionKind::Port, "127.0.0.1", 18080, "/index.html", "HTTP", Some(0.003955), Some(true)),
            figure(ConnectionKind::Unix, "/run/app.sock", 0, "", "DEFAULT", None, Some(false)),
        ];
        let text = render(&snapshot(vec![host]), &[], 1);
        let expected = concat!(
            "<read></read><write></write><icmp><type>Ping</type><responsetime>0.000042</responsetime></icmp>",
            "<port><hostname>127.0.0.1</hostname><portnumber>18080</portnumber><request><![CDATA[/index.html]]></request>",
            "<protocol>HTTP</protocol><type>TCP</type><responsetime>0.003955</responsetime></port>",
            "<unix><path>/run/app.sock</path><protocol>DEFAULT</protocol><responsetime>-1.000000</responsetime></unix>",
            "</service></monit>",
        );
        assert!(text.ends_with(expected), "{text}");
    }

    #[test]
    fn version_2_moves_identity_to_attributes_and_lists_groups() {
        let groups = vec![("www".to_owned(), vec!["web".to_owned(), "prog".to_owned()])];
        let text = render(&snapshot(vec![web(), prog()]), &groups, 2);
        assert!(
            text.starts_with(concat!(
                r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#,
                r#"<monit id="f3a6387cfa0fbd2af00793c714f7bd69" incarnation="1795462609" version="5.33.0">"#,
                "<server><uptime></uptime><poll>5</poll>"
            )),
            "{text}"
        );
        assert!(text.contains(r#"</platform><services><service name="web"><type>3</type><collected_sec>"#), "{text}");
        assert!(text.ends_with(concat!(
            "</service></services><servicegroups><servicegroup name=\"www\"><service>web</service>",
            "<service>prog</service></servicegroup></servicegroups></monit>"
        )));
    }

    #[test]
    fn states_bits_and_escaping() {
        let mut odd = service("a<b>&\"c\"", "File");
        odd.monitoring = Monitoring::Initializing;
        odd.waiting = true;
        odd.pending = Some(PendingAction::Restart);
        let mut changed = service("changed", "File");
        changed.changed.insert(EventKind::Checksum, "x".into());
        changed.failed.insert(EventKind::Speed, "x".into());
        changed.failed.insert(EventKind::Action, "x".into());
        let mut off = service("off", "Process");
        off.monitoring = Monitoring::NotMonitored;
        off.data = web().data;
        let mut prog = prog();
        prog.data = ServiceData::Program(ProgramData {
            started: Some(UNIX_EPOCH),
            exit_status: Some(0),
            output: "a]]>b".into(),
        });
        let text = render(&snapshot(vec![odd, changed, off, prog]), &[], 2);
        assert!(text.contains(r#"<service name="a&lt;b&gt;&amp;&quot;c&quot;"><type>2</type>"#), "{text}");
        assert!(text.contains("<monitor>6</monitor>"), "{text}");
        assert!(text.contains("<pendingaction>2</pendingaction>"), "{text}");
        assert!(text.contains("<status>16777217</status><status_hint>1</status_hint>"), "{text}");
        assert!(text.contains("<name>off</name>") || text.contains(r#"name="off""#));
        assert!(!text.contains("<pid>"), "not monitored: no figures: {text}");
        assert!(text.contains("<![CDATA[a]]&gt;b]]>"), "{text}");
    }

    #[test]
    fn system_figures() {
        let mut vm = service("vm", "System");
        vm.data = ServiceData::System(SystemData {
            load: [1.38, 0.66, 0.25],
            cpu_count: 2,
            cpu: Some(CpuUsage { user: 84.3, system: 11.4, iowait: 0.2, steal: -0.1, ..Default::default() }),
            memory_bytes: 763_682_816,
            memory_percent: 3.0,
            swap_bytes: 0,
            swap_percent: 0.0,
            uptime_secs: 412,
            boot_time: 1_795_462_217,
            filedescriptors: 632,
            filedescriptors_limit: 2_466_170,
        });
        let text = xml(&snapshot(vec![vm]), &XmlContext::default(), 1);
        assert!(
            text.contains(concat!(
                "<pendingaction>0</pendingaction>",
                "<filedescriptors><allocated>632</allocated><unused>0</unused><maximum>2466170</maximum></filedescriptors>",
                "<system><load><avg01>1.38</avg01><avg05>0.66</avg05><avg15>0.25</avg15></load>",
                "<cpu><user>84.3</user><system>11.4</system><nice>0.0</nice><wait>0.2</wait><hardirq>0.0</hardirq>",
                "<softirq>0.0</softirq><steal>0.0</steal><guest>0.0</guest><guestnice>0.0</guestnice></cpu>",
                "<memory><percent>3.0</percent><kilobyte>745784</kilobyte></memory>",
                "<swap><percent>0.0</percent><kilobyte>0</kilobyte></swap></system></service></monit>",
            )),
            "{text}"
        );
        assert!(text.contains("<platform><name></name>"), "{text}");
        assert!(!text.contains("<httpd>"));
    }
}
