//! Unit tests of `monit status`: each service type's block, byte for byte as Monit prints it.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use super::super::tests::{service, snapshot};
use super::super::{GREEN, YELLOW, strip_terminal};
use super::*;
use crate::state::status::{ActionOutcome, CpuUsage, PendingAction};

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn web() -> ServiceStatus {
    let mut s = service("web", "Process");
    s.collected_at = Some(at(1_795_462_629));
    s.data = ServiceData::Process(ProcessData {
        pid: 15982,
        ppid: 1,
        uptime_secs: 59,
        threads: 1,
        cpu_percent: Some(0.4),
        cpu_total_percent: Some(0.4),
        memory_bytes: 21_488 * 1024,
        memory_percent: 0.1,
        memory_total_bytes: 21_488 * 1024,
        memory_total_percent: 0.1,
        filedescriptors: Some(4),
        filedescriptors_total: Some(4),
        filedescriptors_limit: Some((20_000, 20_000)),
        ..Default::default()
    });
    s
}

/// Monit 5.33's process I/O lines, recorded on this machine for a shell loop.
#[test]
fn process_io_lines() {
    let mut s = web();
    let counter = |per_second, total| Some(IoCounter { per_second, total });
    if let ServiceData::Process(p) = &mut s.data {
        p.read =
            IoFigures { bytes: counter(0.0, 32_108), disk_bytes: counter(0.0, 4096), operations: counter(0.0, 54) };
        p.write = IoFigures { bytes: counter(0.0, 11), disk_bytes: counter(0.0, 8192), operations: counter(0.0, 3) };
    }
    let text = status(&snapshot(vec![s]), &Filter::default(), Style::Batch);
    let expected = concat!(
        "  total filedescriptors        4\n",
        "  read bytes                   0 B/s [31.4 kB total]\n",
        "  disk read bytes              0 B/s [4 kB total]\n",
        "  disk read operations         0.0 reads/s [54 reads total]\n",
        "  write bytes                  0 B/s [11 B total]\n",
        "  disk write bytes             0 B/s [8 kB total]\n",
        "  disk write operations        0.0 writes/s [3 writes total]\n",
        "  data collected",
    );
    assert!(text.contains(expected), "{text}");
}

#[test]
fn process_status_matches_monit_byte_for_byte() {
    let text = status(&snapshot(vec![web()]), &Filter::default(), Style::Batch);
    let expected = [
        "Monit 5.33.0 uptime: 0m\n",
        "\n",
        "Process 'web'\n",
        "  status                       OK\n",
        "  monitoring status            Monitored\n",
        "  monitoring mode              active\n",
        "  on reboot                    start\n",
        "  pid                          15982\n",
        "  parent pid                   1\n",
        "  uid                          0\n",
        "  effective uid                0\n",
        "  gid                          0\n",
        "  uptime                       0m\n",
        "  threads                      1\n",
        "  children                     0\n",
        "  cpu                          0.4%\n",
        "  cpu total                    0.4%\n",
        "  memory                       0.1% [21.0 MB]\n",
        "  memory total                 0.1% [21.0 MB]\n",
        "  security attribute           -\n",
        "  filedescriptors              4 [0.0% of 20000 limit]\n",
        "  total filedescriptors        4\n",
        &format!("  data collected               {}\n", date(at(1_795_462_629))),
        "\n",
    ]
    .concat();
    assert_eq!(text, expected);
}

#[test]
fn connection_lines_as_monit_prints_them() {
    use crate::state::network::{ConnectionFigure, ConnectionKind};
    let figure = |kind, target: &str, port, time, available| ConnectionFigure {
        kind,
        target: target.into(),
        port,
        request: if port == 18080 { "/index.html".into() } else { String::new() },
        protocol: if kind == ConnectionKind::Ping { "ECHO".into() } else { "HTTP".into() },
        socket_type: "TCP".into(),
        ip_version: "IP".into(),
        tls: port == 443,
        response_time: time,
        available,
    };
    let mut s = web();
    s.failed.insert(EventKind::Connection, "failed".into());
    s.connections = vec![
        figure(ConnectionKind::Ping, "127.0.0.1", 0, Some(0.000042), Some(true)),
        figure(ConnectionKind::Port, "127.0.0.1", 18080, Some(0.001501), Some(true)),
        figure(ConnectionKind::Port, "127.0.0.1", 443, None, Some(false)),
        figure(ConnectionKind::Port, "127.0.0.1", 81, None, None),
        figure(ConnectionKind::Unix, "/run/app.sock", 0, Some(0.0002), Some(true)),
    ];
    let text = status(&snapshot(vec![s]), &Filter::default(), Style::Batch);
    for line in [
        "  ping response time           0.042 ms\n",
        "  port response time           1.501 ms to 127.0.0.1:18080/index.html type TCP/IP protocol HTTP\n",
        "  port response time           FAILED to [127.0.0.1]:443 type TCP/IP using TLS protocol HTTP\n",
        "  port response time           -\n",
        "  unix socket response time    0.200 ms to /run/app.sock type TCP protocol HTTP\n",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[test]
fn terminal_status_colours_like_monit() {
    let mut s = web();
    s.failed.insert(EventKind::Resource, "cpu usage of 95% matches".into());
    if let ServiceData::Process(p) = &mut s.data {
        p.cpu_percent = None;
    }
    let text = status(&snapshot(vec![s]), &Filter::default(), Style::Terminal);
    assert!(text.starts_with(&format!("Monit 5.33.0 uptime: 0m\n\n{CYAN}Process 'web'{RESET}\n")), "{text}");
    assert!(text.contains(&format!("  status                       {RED}Resource limit matched{RESET}\n")), "{text}");
    assert!(text.contains(&format!("  pid                          {DEFAULT}15982{RESET}\n")), "{text}");
    assert!(text.contains(&format!("  cpu                          {GREY}-{RESET}\n")), "{text}");
    assert!(text.contains(&format!("  threads                      {RED}1{RESET}\n")), "{text}");
    assert!(text.ends_with(&format!("{RESET}\n\n")), "{text}");
}

#[test]
fn states_without_figures() {
    let mut off = web();
    off.monitoring = Monitoring::NotMonitored;
    off.collected_at = None;
    let mut init = service("init", "File");
    init.monitoring = Monitoring::Initializing;
    init.pending = Some(PendingAction::Start);
    let mut gone = web();
    gone.name = "gone".into();
    gone.failed.insert(EventKind::Nonexist, "process is not running".into());
    gone.pending = Some(PendingAction::Restart);
    let snap = snapshot(vec![off, init, gone]);
    let text = status(&snap, &Filter::default(), Style::Batch);
    let collected = date(at(1_795_462_629));
    let started = date(snap.started);
    let expected = [
        "Monit 5.33.0 uptime: 0m\n\n",
        "Process 'web'\n",
        "  status                       Not monitored\n",
        "  monitoring status            Not monitored\n",
        "  monitoring mode              active\n",
        "  on reboot                    start\n",
        &format!("  data collected               {started}\n\n"),
        "File 'init'\n",
        "  status                       Initializing - start pending\n",
        "  monitoring status            Initializing\n",
        "  monitoring mode              active\n",
        "  on reboot                    start\n",
        &format!("  data collected               {started}\n\n"),
        "Process 'gone'\n",
        "  status                       Does not exist - restart pending\n",
        "  monitoring status            Monitored\n",
        "  monitoring mode              active\n",
        "  on reboot                    start\n",
        &format!("  data collected               {collected}\n\n"),
    ]
    .concat();
    assert_eq!(text, expected);
    let colours = status(&snapshot(vec![service("x", "Fifo")]), &Filter::default(), Style::Terminal);
    assert!(colours.contains(&format!("{GREEN}OK{RESET}")));
    let mut off = service("x", "Fifo");
    off.monitoring = Monitoring::NotMonitored;
    let colours = status(&snapshot(vec![off]), &Filter::default(), Style::Terminal);
    assert!(colours.contains(&format!("  monitoring status            {YELLOW}Not monitored{RESET}\n")));
}

#[test]
fn system_block() {
    let mut vm = service("vm", "System");
    vm.collected_at = Some(at(1_795_462_629));
    vm.data = ServiceData::System(SystemData {
        load: [1.38, 0.66, 0.25],
        cpu_count: 2,
        cpu: Some(CpuUsage { user: 84.3, system: 11.4, iowait: 0.2, ..Default::default() }),
        memory_bytes: 763_682_816,
        memory_percent: 3.0,
        swap_bytes: 0,
        swap_percent: 0.0,
        uptime_secs: 6 * 60 + 52,
        boot_time: 1_795_462_217,
        filedescriptors: 632,
        filedescriptors_limit: 2_466_170,
    });
    let text = status(&snapshot(vec![vm]), &Filter::default(), Style::Batch);
    let expected = [
            "  load average                 [1.38] [0.66] [0.25]\n",
            "  cpu                          84.3%usr 11.4%sys 0.0%nice 0.2%iowait 0.0%hardirq 0.0%softirq 0.0%steal 0.0%guest 0.0%guestnice \n",
            "  memory usage                 728.3 MB [3.0%]\n",
            "  swap usage                   0 B [0.0%]\n",
            "  uptime                       6m\n",
            &format!("  boot time                    {}\n", date(at(1_795_462_217))),
            "  filedescriptors              632 [0.0% of 2466170 limit]\n",
            &format!("  data collected               {}\n\n", date(at(1_795_462_629))),
        ]
        .concat();
    assert!(text.ends_with(&expected), "{text}");
    assert!(text.contains("\nSystem 'vm'\n  status                       OK\n"), "{text}");
}

#[test]
fn program_output_lines_are_indented() {
    let mut prog = service("prog", "Program");
    prog.failed.insert(EventKind::Status, "exit value 3".into());
    prog.data = ServiceData::Program(ProgramData {
        started: Some(at(1_795_462_639)),
        exit_status: Some(3),
        output: "to stderr\r\nprogram output line\n".into(),
    });
    let text = status(&snapshot(vec![prog]), &Filter::default(), Style::Batch);
    assert!(
        text.contains(concat!(
            "  status                       Status failed\n",
            "  monitoring status            Monitored\n",
            "  monitoring mode              active\n",
            "  on reboot                    start\n",
            "  last exit value              3\n",
            "  last output                  to stderr\n",
            "                               program output line\n",
            "  data collected               ",
        )),
        "{text}"
    );
    let terminal = status(
        &snapshot(vec![{
            let mut p = service("quiet", "Program");
            p.data =
                ServiceData::Program(ProgramData { started: Some(at(1)), exit_status: Some(0), output: "".into() });
            p
        }]),
        &Filter::default(),
        Style::Terminal,
    );
    assert!(terminal.contains(&format!("  last exit value              {DEFAULT}0{RESET}\n")), "{terminal}");
    assert!(terminal.contains(&format!("  last output                  {GREY}-{RESET}\n")), "{terminal}");
}

#[test]
fn a_program_that_never_ran_shows_no_figures() {
    let mut prog = service("prog", "Program");
    prog.data = ServiceData::Program(ProgramData::default());
    let text = status(&snapshot(vec![prog]), &Filter::default(), Style::Batch);
    assert!(!text.contains("last exit value"), "{text}");
}

#[test]
fn long_output_lines_are_cut() {
    let mut prog = service("prog", "Program");
    prog.data =
        ServiceData::Program(ProgramData { started: Some(at(1)), exit_status: Some(0), output: "x".repeat(300) });
    let text = status(&snapshot(vec![prog]), &Filter::default(), Style::Batch);
    assert!(text.contains(&format!("  last output                  {}\n", "x".repeat(201))), "{text}");
}

#[test]
fn generic_figures_come_in_monits_order() {
    let mut index = service("index", "File");
    index.changed.insert(EventKind::Checksum, "checksum changed".into());
    let fields: BTreeMap<String, String> = [
        ("checksum", "ff1bf7ca4d0996c4e50b36a5f357226a (MD5)"),
        ("size", "12 B"),
        ("uid", "0"),
        ("modify timestamp", "Mon, 23 Nov 2026 19:36:34"),
        ("permission", "644"),
        ("gid", "-"),
        ("zz extension", "ours"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    index.data = ServiceData::Generic(fields);
    let snap = snapshot(vec![index]);
    let text = status(&snap, &Filter::default(), Style::Batch);
    assert!(
        text.contains(concat!(
            "  status                       Checksum changed\n",
            "  monitoring status            Monitored\n",
            "  monitoring mode              active\n",
            "  on reboot                    start\n",
            "  permission                   644\n",
            "  uid                          0\n",
            "  gid                          -\n",
            "  size                         12 B\n",
            "  modify timestamp             Mon, 23 Nov 2026 19:36:34\n",
            "  checksum                     ff1bf7ca4d0996c4e50b36a5f357226a (MD5)\n",
            "  zz extension                 ours\n",
        )),
        "{text}"
    );
    let terminal = status(&snap, &Filter::default(), Style::Terminal);
    assert!(terminal.contains(&format!("  checksum                     {RED}ff1bf7")), "{terminal}");
    assert!(terminal.contains(&format!("  gid                          {GREY}-{RESET}")), "{terminal}");
    assert_eq!(strip_terminal(&terminal), text);
}

fn local(secs: i64) -> String {
    date(at(secs as u64))
}

/// File, directory and fifo blocks as Debian's monit 5.33 printed them on this machine.
#[test]
fn file_blocks_as_monit() {
    let data = |size, checksum: Option<&str>, content_rules| FileData {
        mode: 0o100644,
        uid: 0,
        gid: 0,
        size,
        access: 1_796_027_132,
        change: 1_796_027_130,
        modify: 1_796_027_130,
        checksum: checksum.map(|c| (c.to_owned(), "MD5".to_owned())),
        content_rules,
    };
    let mut f = service("f", "File");
    f.data = ServiceData::File(data(Some(6), Some("b1946ac92492d2347c6235b4d2611184"), false));
    let mut c = service("c", "File");
    c.data = ServiceData::File(data(Some(9), None, true));
    let mut hit = service("hit", "File");
    hit.failed.insert(EventKind::Content, "content match".into());
    hit.data = ServiceData::File(data(Some(9), None, true));
    let mut spool = service("spool", "Directory");
    spool.data = ServiceData::File(FileData { mode: 0o40755, ..data(None, None, false) });
    let text = status(&snapshot(vec![f, c, hit, spool]), &Filter::default(), Style::Batch);
    let times = format!(
        "  access timestamp             {}\n  change timestamp             {}\n  modify timestamp             {}\n",
        local(1_796_027_132),
        local(1_796_027_130),
        local(1_796_027_130)
    );
    let head =
        "  permission                   644\n  uid                          0\n  gid                          0\n";
    for block in [
        format!(
            "{head}  size                         6 B\n{times}  checksum                     b1946ac92492d2347c6235b4d2611184 (MD5)\n  data collected"
        ),
        format!("{head}  size                         9 B\n{times}  content match                no\n  data collected"),
        format!(
            "{head}  size                         9 B\n{times}  content match                yes\n  data collected"
        ),
        format!(
            "Directory 'spool'\n  status                       OK\n  monitoring status            Monitored\n  monitoring mode              active\n  on reboot                    start\n  permission                   755\n  uid                          0\n  gid                          0\n{times}  data collected"
        ),
    ] {
        assert!(text.contains(&block), "{block}\nin\n{text}");
    }
}

/// A filesystem as Debian's monit 5.33 printed `/` on this machine.
#[test]
fn filesystem_block_as_monit() {
    let mut root = service("root", "Filesystem");
    root.data = ServiceData::Filesystem(crate::state::report::tests::sample_filesystem(
        "rw,relatime,discard",
        0o40755,
        0,
        117.8,
        293.0,
    ));
    let text = status(&snapshot(vec![root]), &Filter::default(), Style::Batch);
    let expected = concat!(
        "  on reboot                    start\n",
        "  filesystem type              ext4\n",
        "  filesystem flags             rw,relatime,discard\n",
        "  permission                   755\n",
        "  uid                          0\n",
        "  gid                          0\n",
        "  block size                   4 kB\n",
        "  space total                  252.0 GB (of which 63.9% is reserved for root user)\n",
        "  space free for non superuser 41.2 GB [16.3%]\n",
        "  space free total             202.3 GB [80.3%]\n",
        "  inodes total                 16777216\n",
        "  inodes free                  16314911 [97.2%]\n",
        "  read bytes                   143.3 kB/s [22.6 GB total]\n",
        "  disk read operations         26.0 reads/s [2253768 reads total]\n",
        "  write bytes                  2.2 MB/s [133.5 GB total]\n",
        "  disk write operations        117.8 writes/s [343110 writes total]\n",
        "  service time                 0.238 ms/operation (of which read 0.023 ms, write 0.214 ms)\n",
        "  data collected",
    );
    assert!(text.contains(expected), "{text}");
}

#[test]
fn no_last_action_line_and_filters() {
    let mut s = web();
    s.last_action =
        Some(ActionOutcome { action: "restart".into(), at: at(1_795_462_600), success: false, message: "x".into() });
    let snap = snapshot(vec![s, service("db", "Process")]);
    let text = status(&snap, &Filter { names: Some("web".into()), group_members: None }, Style::Batch);
    assert!(!text.contains("last action"), "Monit's text has no such line: {text}");
    assert!(!text.contains("'db'"));
    let none = Filter { names: Some("nosuch".into()), group_members: None };
    assert_eq!(status(&snap, &none, Style::Batch), "Monit 5.33.0 uptime: 0m\n\n");
    assert_eq!(status(&snapshot(vec![]), &Filter::default(), Style::Terminal), "Monit 5.33.0 uptime: 0m\n\n");
}
