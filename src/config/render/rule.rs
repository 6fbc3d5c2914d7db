//! One rule as a control-file line: the test (resources, files, traffic, ping, connection
//! and protocol options), its tolerance, its action and its recovery.

use std::fmt::Write as _;

use super::super::model::*;
use super::{checksum_value, interval, quote, quote_always, ssl_clause};

fn tolerance(t: &Option<Tolerance>) -> String {
    match t {
        Some(t) if t.count == t.cycles => format!(" for {} cycles", t.cycles),
        Some(t) => format!(" for {} times within {} cycles", t.count, t.cycles),
        None => String::new(),
    }
}

pub(super) fn action(a: &Action) -> String {
    match a {
        Action::Exec(e) => {
            let mut s = format!("exec {}", quote_always(&e.command));
            if let Some(u) = &e.uid {
                let _ = write!(s, " as uid {}", quote(u));
            }
            if let Some(g) = &e.gid {
                let _ = write!(s, " as gid {}", quote(g));
            }
            if let Some(n) = e.repeat_every {
                let _ = write!(s, " repeat every {n} cycles");
            }
            s
        }
        other => other.name().to_owned(),
    }
}

/// One rule as a control-file line.
pub fn rule_text(rule: &Rule) -> String {
    let mut s = format!("if {}{} then {}", test_text(&rule.test), tolerance(&rule.tolerance), action(&rule.action));
    if let Some(r) = &rule.recovery {
        let _ = write!(s, " else if succeeded{} then {}", tolerance(&r.tolerance), action(&r.action));
    }
    s
}

fn cmp(c: &Comparison) -> String {
    format!("{} {}", c.op.symbol(), quantity(&c.limit))
}

/// An age limit (`uptime`, `timestamp`) in seconds: Monit takes no milliseconds there.
fn age_cmp(c: &Comparison) -> String {
    match c.limit.unit {
        Unit::Milliseconds => format!("{} {} seconds", c.op.symbol(), c.limit.value / 1000.0),
        _ => cmp(c),
    }
}

/// A quantity as the parser reads it back exactly (base units, no rounding).
fn quantity(q: &Quantity) -> String {
    match q.unit {
        Unit::Count => format!("{}", q.value),
        Unit::Percent => format!("{}%", q.value),
        Unit::Bytes => format!("{} B", q.value),
        Unit::BytesPerSecond => format!("{} B/s", q.value),
        Unit::OperationsPerSecond => format!("{} operations/s", q.value),
        Unit::PacketsPerSecond => format!("{} packets/s", q.value),
        Unit::Packets => format!("{} packets", q.value),
        Unit::Milliseconds => format!("{} ms", q.value),
    }
}

pub(super) fn pattern(p: &ContentPattern) -> String {
    let op = if p.matches { "=" } else { "!=" };
    match &p.pattern {
        PatternSource::Regex(r) => format!("{op} {}", quote_always(r)),
        PatternSource::File(f) => format!("{op} {}", quote(&f.path)),
    }
}

fn metric_words(metric: Metric, limit: &Comparison) -> String {
    let ops = limit.limit.unit == Unit::OperationsPerSecond;
    match metric {
        Metric::ReadOperations if ops => "read".to_owned(),
        Metric::WriteOperations if ops => "write".to_owned(),
        Metric::Load1 => "loadavg (1min)".to_owned(),
        Metric::Load5 => "loadavg (5min)".to_owned(),
        Metric::Load15 => "loadavg (15min)".to_owned(),
        Metric::Load1PerCore => "loadavg (1min) per core".to_owned(),
        Metric::Load5PerCore => "loadavg (5min) per core".to_owned(),
        Metric::Load15PerCore => "loadavg (15min) per core".to_owned(),
        other => other.keyword().to_owned(),
    }
}

fn test_text(t: &Test) -> String {
    match t {
        Test::NotExist => "does not exist".to_owned(),
        Test::Exist => "exist".to_owned(),
        Test::PidChanged => "changed pid".to_owned(),
        Test::PpidChanged => "changed ppid".to_owned(),
        Test::Uid { user, effective } => format!("failed {} {}", if *effective { "euid" } else { "uid" }, quote(user)),
        Test::Gid { group } => format!("failed gid {}", quote(group)),
        Test::SecurityAttribute(a) => format!("failed security attribute {}", quote_always(a)),
        Test::Uptime(c) => format!("uptime {}", age_cmp(c)),
        Test::Resource { metric, limit } => format!("{} {}", metric_words(*metric, limit), cmp(limit)),
        Test::TrafficTotal { metric, limit, window } => {
            let word = match metric {
                Metric::UploadBytes | Metric::UploadPackets => "uploaded",
                _ => "downloaded",
            };
            let (count, unit) = if window.millis.is_multiple_of(86_400_000) {
                (window.millis / 86_400_000, "day")
            } else if window.millis.is_multiple_of(3_600_000) {
                (window.millis / 3_600_000, "hours")
            } else {
                (window.millis / 60_000, "minutes")
            };
            format!("total {word} {} in last {count} {unit}", cmp(limit))
        }
        Test::Connection(c) => connection(c),
        Test::Ping(p) => ping(p),
        Test::Checksum { hash, expect } => {
            let mut s = "failed ".to_owned();
            match hash {
                Some(HashType::Md5) => s.push_str("md5 "),
                Some(HashType::Sha1) => s.push_str("sha1 "),
                Some(HashType::Sha256) => s.push_str("sha256 "),
                None => {}
            }
            s.push_str("checksum");
            if let Some(e) = expect {
                let _ = write!(s, " expect {e}");
            }
            s
        }
        Test::ChecksumChanged { hash } => match hash {
            Some(HashType::Md5) => "changed md5 checksum".to_owned(),
            Some(HashType::Sha1) => "changed sha1 checksum".to_owned(),
            Some(HashType::Sha256) => "changed sha256 checksum".to_owned(),
            None => "changed checksum".to_owned(),
        },
        Test::Timestamp { kind, limit } => format!("{} {}", kind.keyword(), age_cmp(limit)),
        Test::TimestampChanged { kind } => format!("changed {}", kind.keyword()),
        Test::Size(c) => format!("size {}", cmp(c)),
        Test::SizeChanged => "changed size".to_owned(),
        Test::Permission(p) => format!("failed permission {p:04o}"),
        Test::PermissionChanged => "changed permission".to_owned(),
        Test::Content(p) => format!("content {}", pattern(p)),
        Test::FsflagsChanged => "changed fsflags".to_owned(),
        Test::Status(c) => format!("status {}", cmp(c)),
        Test::StatusChanged => "changed status".to_owned(),
        Test::LinkDown => "link down".to_owned(),
        Test::LinkUp => "link up".to_owned(),
        Test::LinkChanged => "changed link".to_owned(),
    }
}

fn ping(p: &PingTest) -> String {
    let mut s = format!("{} ", if p.succeeded { "succeeded" } else { "failed" });
    s.push_str(match p.ip_version {
        Some(IpVersion::Ipv4) => "ping4",
        Some(IpVersion::Ipv6) => "ping6",
        None => "ping",
    });
    if let Some(n) = p.count {
        let _ = write!(s, " count {n}");
    }
    if let Some(n) = p.size {
        let _ = write!(s, " size {n}");
    }
    if let Some(c) = &p.response_time {
        let _ = write!(s, " responsetime {}", cmp(c));
    }
    if let Some(t) = p.timeout {
        let _ = write!(s, " timeout {}", interval(t));
    }
    if let Some(a) = &p.address {
        let _ = write!(s, " address {}", quote(a));
    }
    s
}

fn connection(c: &ConnectionTest) -> String {
    let mut s = format!("{} ", if c.succeeded { "succeeded" } else { "failed" });
    match &c.target {
        ConnectionTarget::Port { host, port, address, ip_version } => {
            if let Some(h) = host {
                let _ = write!(s, "host {} ", quote(h));
            }
            let _ = write!(s, "port {port}");
            if let Some(a) = address {
                let _ = write!(s, " address {}", quote(a));
            }
            match ip_version {
                Some(IpVersion::Ipv4) => s.push_str(" ipv4"),
                Some(IpVersion::Ipv6) => s.push_str(" ipv6"),
                None => {}
            }
        }
        ConnectionTarget::Unixsocket { path } => {
            let _ = write!(s, "unixsocket {}", quote(path));
        }
        ConnectionTarget::Url { url } => {
            let _ = write!(s, "url {url}");
        }
    }
    if let Some(t) = c.socket_type {
        s.push_str(match t {
            SocketType::Tcp => " type tcp",
            SocketType::Udp => " type udp",
            SocketType::Tcpssl => " type tcpssl",
        });
    }
    if let Some(ssl) = &c.ssl {
        let _ = write!(s, " {}", ssl_clause(ssl));
    }
    if let Some(cc) = &c.certificate_checksum {
        let _ = write!(s, " certificate checksum {}", checksum_value(cc.hash, &cc.value));
    }
    if let Some(days) = c.certificate_valid_days {
        let _ = write!(s, " certificate valid > {days} days");
    }
    if let Some(p) = &c.protocol {
        let _ = write!(s, " protocol {}", p.name.keyword());
        protocol_options(&mut s, p);
    }
    for step in &c.send_expect {
        match step {
            SendExpect::Send(v) => {
                let _ = write!(s, " send {}", quote_always(v));
            }
            SendExpect::Expect(v) => {
                let _ = write!(s, " expect {}", quote_always(v));
            }
        }
    }
    if let Some(p) = &c.content {
        let _ = write!(s, " content {}", pattern(p));
    }
    if let Some(r) = &c.response_time {
        let _ = write!(s, " responsetime {}", cmp(r));
    }
    if let Some(t) = c.timeout {
        let _ = write!(s, " with timeout {}", interval(t));
    }
    if let Some(n) = c.retry {
        let _ = write!(s, " retry {n}");
    }
    s
}

fn protocol_options(s: &mut String, p: &ProtocolConfig) {
    let strings = [
        ("username", &p.username),
        ("password", &p.password),
        ("request", &p.request),
        ("hostheader", &p.hostheader),
        ("database", &p.database),
        ("secret", &p.secret),
        ("target", &p.target),
        ("origin", &p.origin),
        ("version", &p.version),
        ("path", &p.path),
    ];
    for (k, v) in strings {
        if let Some(v) = v {
            let _ = write!(s, " {k} {}", quote_always(v));
        }
    }
    if let Some(m) = p.method {
        s.push_str(match m {
            HttpMethod::Get => " method GET",
            HttpMethod::Head => " method HEAD",
        });
    }
    if let Some(st) = &p.status {
        let _ = write!(s, " status {}", cmp(st));
    }
    if let Some(c) = &p.checksum {
        let _ = write!(s, " checksum {}", checksum_value(c.hash, &c.value));
    }
    if !p.headers.is_empty() {
        let items: Vec<String> = p
            .headers
            .iter()
            .map(|h| match h.split_once(':') {
                Some((name, value)) => format!("{}: {}", name.trim(), quote_always(value.trim())),
                None => quote_always(h),
            })
            .collect();
        let _ = write!(s, " http headers [{}]", items.join(", "));
    }
    if let Some(n) = p.maxforward {
        let _ = write!(s, " maxforward {n}");
    }
    if let Some(r) = &p.rsakey_checksum {
        let _ = write!(s, " rsakey checksum {}", checksum_value(r.hash, &r.value));
    }
    for (i, l) in p.limits.iter().enumerate() {
        if i > 0 {
            s.push_str(" or");
        }
        let _ = write!(s, " {} {}", l.name.keyword(), cmp(&l.limit));
    }
}
