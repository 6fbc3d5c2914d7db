//! Parser unit tests: one or more per statement family of the reference, asserting the model
//! the parser builds (not only that it parses), and the errors it reports.

use std::path::Path;

use super::parse_text;
use crate::config::model::*;
use crate::config::source::{Diagnostics, SourceMap};

mod monit_grammar;
mod set;

/// Parses text and fails the test on any error.
fn parse(text: &str) -> Config {
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let parsed = parse_text(Path::new("/test/monitrc"), text.to_owned(), &mut sources, &mut diags);
    let errors: Vec<String> = diags.errors().map(|d| d.render(&sources)).collect();
    assert!(errors.is_empty(), "unexpected errors:\n{}", errors.join("\n"));
    parsed.config
}

/// The headlines of the errors of text, without the file name.
fn errors(text: &str) -> Vec<String> {
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    parse_text(Path::new("/test/monitrc"), text.to_owned(), &mut sources, &mut diags);
    diags.errors().map(|d| d.headline(&sources).trim_start_matches("/test/monitrc:").to_owned()).collect()
}

fn service(text: &str) -> ServiceConfig {
    let mut config = parse(text);
    assert_eq!(config.services.len(), 1, "one service expected");
    config.services.remove(0)
}

fn rules(text: &str) -> Vec<Rule> {
    service(text).rules
}

fn gt(limit: Quantity) -> Comparison {
    Comparison::new(Operator::Gt, limit)
}

#[test]
fn every_service_type_and_its_target() {
    let config = parse(
        "check process a with pidfile /run/a.pid\ncheck process b path /usr/bin/b\ncheck process c matching \"c.*worker\"\n\
         check file d with path /etc/d\ncheck fifo e path /run/e\ncheck directory f path /var/f\n\
         check filesystem g with path /dev/sda1\ncheck device h path /\ncheck host i with address 10.0.0.1\n if failed ping then alert\n\
         check system j\ncheck program k with path \"/bin/true arg\"\n if status != 0 then alert\n\
         check network l with interface eth0\ncheck network m with address 10.0.0.2",
    );
    let kinds: Vec<ServiceKind> = config.services.iter().map(|s| s.check.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            ServiceKind::Process(ProcessTarget::Pidfile("/run/a.pid".into())),
            ServiceKind::Process(ProcessTarget::Path("/usr/bin/b".into())),
            ServiceKind::Process(ProcessTarget::Matching("c.*worker".into())),
            ServiceKind::File { path: "/etc/d".into() },
            ServiceKind::Fifo { path: "/run/e".into() },
            ServiceKind::Directory { path: "/var/f".into() },
            ServiceKind::Filesystem { path: "/dev/sda1".into() },
            ServiceKind::Filesystem { path: "/".into() },
            ServiceKind::Host { address: "10.0.0.1".into() },
            ServiceKind::System,
            ServiceKind::Program(ProgramConfig::new("/bin/true arg")),
            ServiceKind::Network(NetworkTarget::Interface("eth0".into())),
            ServiceKind::Network(NetworkTarget::Address("10.0.0.2".into())),
        ]
    );
}

#[test]
fn check_system_host_variable_is_expanded() {
    let config = parse("check system $HOST");
    assert_eq!(config.services[0].name, super::local_hostname());
}

#[test]
fn methods_with_uid_gid_timeout() {
    let s = service(
        "check process web with pidfile /run/web.pid\n\
         start program = \"/etc/init.d/web start\" as uid www-data and gid www-data with timeout 60 seconds\n\
         stop program = \"/etc/init.d/web stop\"\nrestart program \"/etc/init.d/web restart\" timeout 120 seconds",
    );
    let start = s.start.unwrap();
    assert_eq!(start.command, "/etc/init.d/web start");
    assert_eq!(start.uid.as_deref(), Some("www-data"));
    assert_eq!(start.gid.as_deref(), Some("www-data"));
    assert_eq!(start.timeout, Some(Duration::from_secs(60)));
    assert_eq!(s.stop.unwrap().command, "/etc/init.d/web stop");
    assert_eq!(s.restart.unwrap().timeout, Some(Duration::from_secs(120)));
}

#[test]
fn a_ready_notification_is_for_start_and_restart_programs() {
    let s = service(
        "check process web with pidfile /run/web.pid\n\
         start program = \"/usr/sbin/webd\" with ready notification with timeout 30 seconds\n\
         restart program = \"/usr/sbin/webd -r\" as uid www and ready notification\n\
         stop program = \"/usr/sbin/webd -s\"",
    );
    let start = s.start.unwrap();
    assert!(start.ready_notification);
    assert_eq!(start.timeout, Some(Duration::from_secs(30)));
    assert!(s.restart.unwrap().ready_notification);
    assert!(!s.stop.unwrap().ready_notification);
    for text in [
        "check process web with pidfile /run/web.pid\n stop program = \"/bin/x\" with ready notification",
        "check program p with path /bin/x with ready notification",
    ] {
        let errors = errors(text);
        assert!(
            errors.iter().any(|e| e.contains("'ready notification' is for start and restart programs only")),
            "{errors:?}"
        );
    }
}

#[test]
fn depends_group_every_mode_onreboot() {
    let config = parse(
        "check process a pidfile /a.pid\n depends on b, c\n group www\n group backend\n every 2 cycles\n mode passive\n onreboot nostart\n\
         check process b pidfile /b.pid\n every \"*/5 * * * *\"\n mode manual\n\
         check process c pidfile /c.pid\n not every \"* 0-4 * * *\"",
    );
    let a = &config.services[0];
    assert_eq!(a.depends, ["b", "c"]);
    assert_eq!(a.groups, ["www", "backend"]);
    assert_eq!(a.every, Some(Every::Cycles(2)));
    assert_eq!(a.mode, Some(Mode::Passive));
    assert_eq!(a.onreboot, Some(OnReboot::Nostart));
    assert_eq!(config.services[1].every, Some(Every::Cron("*/5 * * * *".into())));
    assert_eq!(config.services[1].mode, Some(Mode::Manual));
    assert_eq!(config.services[2].every, Some(Every::NotCron("* 0-4 * * *".into())));
}

#[test]
fn tolerance_forms_are_the_same_stream() {
    let forms = ["for 3 times within 5 cycles", "3 times within 5 cycles", "3 5 cycles", "(3, 5) cycles"];
    for form in forms {
        let r = rules(&format!("check process a pidfile /a.pid\n if cpu > 80% {form} then alert"));
        assert_eq!(r[0].tolerance, Some(Tolerance { count: 3, cycles: 5 }), "{form}");
    }
    let r = rules("check process a pidfile /a.pid\n if cpu > 80% for 5 cycles then alert");
    assert_eq!(r[0].tolerance, Some(Tolerance { count: 5, cycles: 5 }));
    assert_eq!(
        errors("check process a pidfile /a.pid\n if cpu > 80% for 65 cycles then alert"),
        ["2:19: the number of cycles must be between 1 and 64, not 65"]
    );
    assert_eq!(
        errors("check process a pidfile /a.pid\n if cpu > 80% 4 times within 3 cycles then alert"),
        ["2:15: 4 times cannot happen within 3 cycles"]
    );
}

#[test]
fn recovery_actions_and_restart_limits() {
    let s = service(
        "check process a pidfile /a.pid\n\
         if failed port 80 for 2 cycles then restart else if succeeded 3 cycles then exec \"/bin/ok\"\n\
         if 3 restarts within 5 cycles then unmonitor\n if 5 restarts 10 cycles then timeout\n\
         if cpu > 90% then exec \"/bin/page\" as uid nobody repeat every 3 cycles",
    );
    let r = &s.rules[0];
    assert_eq!(r.action, Action::Restart);
    let recovery = r.recovery.as_ref().unwrap();
    assert_eq!(recovery.tolerance, Some(Tolerance { count: 3, cycles: 3 }));
    assert_eq!(
        recovery.action,
        Action::Exec(ExecAction { command: "/bin/ok".into(), uid: None, gid: None, repeat_every: None })
    );
    assert_eq!(s.restart_limits[0], RestartLimit { count: 3, cycles: 5, action: Action::Unmonitor });
    assert_eq!(s.restart_limits[1], RestartLimit { count: 5, cycles: 10, action: Action::Unmonitor });
    assert_eq!(
        s.rules[1].action,
        Action::Exec(ExecAction {
            command: "/bin/page".into(),
            uid: Some("nobody".into()),
            gid: None,
            repeat_every: Some(3)
        })
    );
}

#[test]
fn process_resource_tests() {
    let r = rules(
        "check process a pidfile /a.pid\n\
         if cpu usage > 80% for 5 cycles then alert\n if total cpu > 90% then restart\n if totalcpu > 95% then restart\n\
         if memory > 200 MB then alert\n if mem usage > 5% then alert\n if totalmem > 1 GB then restart\n\
         if total memory > 10% then restart\n if threads > 100 then alert\n if children > 20 then alert\n\
         if loadavg (5min) > 4 then alert\n if filedescriptors > 80% then alert\n if total filedescriptors > 1000 then alert\n\
         if read rate > 10 MB/s then alert\n if disk write > 1 MB/s then alert\n if disk read > 100 operations/s then alert\n\
         if uptime > 3 days then restart\n if changed pid then alert\n if changed ppid then alert\n\
         if failed uid root then alert\n if failed euid www-data then alert\n if failed gid 0 then alert\n\
         if failed security attribute \"unconfined\" then alert\n if does not exist then restart\n if exist then alert",
    );
    let res = |metric, limit| Test::Resource { metric, limit };
    let tests: Vec<Test> = r.iter().map(|r| r.test.clone()).collect();
    assert_eq!(
        tests,
        vec![
            res(Metric::Cpu, gt(Quantity::percent(80.0))),
            res(Metric::TotalCpu, gt(Quantity::percent(90.0))),
            res(Metric::TotalCpu, gt(Quantity::percent(95.0))),
            res(Metric::Memory, gt(Quantity::bytes(200.0 * 1048576.0))),
            res(Metric::Memory, gt(Quantity::percent(5.0))),
            res(Metric::TotalMemory, gt(Quantity::bytes(1073741824.0))),
            res(Metric::TotalMemory, gt(Quantity::percent(10.0))),
            res(Metric::Threads, gt(Quantity::count(100.0))),
            res(Metric::Children, gt(Quantity::count(20.0))),
            res(Metric::Load5, gt(Quantity::count(4.0))),
            res(Metric::Filedescriptors, gt(Quantity::percent(80.0))),
            res(Metric::TotalFiledescriptors, gt(Quantity::count(1000.0))),
            res(Metric::ReadBytes, gt(Quantity { value: 10.0 * 1048576.0, unit: Unit::BytesPerSecond })),
            res(Metric::DiskWriteBytes, gt(Quantity { value: 1048576.0, unit: Unit::BytesPerSecond })),
            res(Metric::ReadOperations, gt(Quantity { value: 100.0, unit: Unit::OperationsPerSecond })),
            Test::Uptime(gt(Quantity::millis(3.0 * 86_400_000.0))),
            Test::PidChanged,
            Test::PpidChanged,
            Test::Uid { user: "root".into(), effective: false },
            Test::Uid { user: "www-data".into(), effective: true },
            Test::Gid { group: "0".into() },
            Test::SecurityAttribute("unconfined".into()),
            Test::NotExist,
            Test::Exist,
        ]
    );
}

#[test]
fn combined_resource_tests_share_one_action() {
    let r = rules("check process a pidfile /a.pid\n if cpu > 50% memory > 100 MB for 2 cycles then alert");
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|r| r.action == Action::Alert && r.tolerance == Some(Tolerance { count: 2, cycles: 2 })));
}

#[test]
fn operators_in_words_and_symbols() {
    let r = rules(
        "check file f path /f\n if size greater than 10 MB then alert\n if size lt 1 kB then alert\n\
         if timestamp older than 15 minutes then alert\n if mtime newer 1 hour then alert\n if size != 0 then alert\n\
         if size == 5 B then alert\n if size ge 1 then alert\n if size <= 2 MB then alert",
    );
    let ops: Vec<Operator> = r
        .iter()
        .map(|r| match &r.test {
            Test::Size(c) | Test::Timestamp { limit: c, .. } => c.op,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    use Operator::*;
    assert_eq!(ops, [Gt, Lt, Gt, Lt, Ne, Eq, Ge, Le]);
}

#[test]
fn file_tests() {
    let s = service(
        "check file f with path /etc/passwd\n\
         if failed checksum expect the sum 8f7c2a9ab3a5b65b6b0a18d46e0c9b71 then alert\n if changed sha1 checksum then alert\n\
         if failed permission 0644 then unmonitor\n if changed permission then alert\n if failed uid root then alert\n\
         if timestamp > 1 hour then alert\n if changed timestamp then alert\n if size > 100 MB then alert\n if changed size then alert\n\
         if content = \"ERROR\" then alert\n if content != \"^OK\" then alert\n if match /etc/patterns then alert\n\
         ignore content = \"DEBUG\"\n ignore not match \"keep\"",
    );
    let tests: Vec<Test> = s.rules.iter().map(|r| r.test.clone()).collect();
    assert_eq!(
        tests[0],
        Test::Checksum { hash: Some(HashType::Md5), expect: Some("8f7c2a9ab3a5b65b6b0a18d46e0c9b71".into()) }
    );
    assert_eq!(tests[1], Test::ChecksumChanged { hash: Some(HashType::Sha1) });
    assert_eq!(tests[2], Test::Permission(0o644));
    assert_eq!(tests[3], Test::PermissionChanged);
    assert_eq!(tests[5], Test::Timestamp { kind: TimestampKind::Timestamp, limit: gt(Quantity::millis(3_600_000.0)) });
    assert_eq!(tests[6], Test::TimestampChanged { kind: TimestampKind::Timestamp });
    assert_eq!(tests[8], Test::SizeChanged);
    assert_eq!(
        tests[9],
        Test::Content(ContentPattern { matches: true, pattern: PatternSource::Regex("ERROR".into()) })
    );
    assert_eq!(
        tests[10],
        Test::Content(ContentPattern { matches: false, pattern: PatternSource::Regex("^OK".into()) })
    );
    assert_eq!(
        tests[11],
        Test::Content(ContentPattern { matches: true, pattern: PatternSource::File("/etc/patterns".into()) })
    );
    assert_eq!(
        s.ignore_content,
        vec![
            ContentPattern { matches: true, pattern: PatternSource::Regex("DEBUG".into()) },
            ContentPattern { matches: false, pattern: PatternSource::Regex("keep".into()) },
        ]
    );
}

#[test]
fn filesystem_tests() {
    let r = rules(
        "check filesystem root with path /\n if space usage > 90% for 5 times within 15 cycles then alert\n\
         if space free < 1 GB then alert\n if inode usage > 90% then alert\n if inodes free < 1000 then alert\n\
         if read rate > 1 MB/s then alert\n if write > 200 operations/s then alert\n if service time > 10 ms then alert\n\
         if changed fsflags then alert\n if failed permission 755 then alert",
    );
    let metrics: Vec<Metric> =
        r.iter().filter_map(|r| if let Test::Resource { metric, .. } = r.test { Some(metric) } else { None }).collect();
    use Metric::*;
    assert_eq!(metrics, [Space, SpaceFree, Inode, InodeFree, ReadBytes, WriteOperations, ServiceTime]);
    assert_eq!(r[0].tolerance, Some(Tolerance { count: 5, cycles: 15 }));
    assert_eq!(r[7].test, Test::FsflagsChanged);
    assert_eq!(r[8].test, Test::Permission(0o755));
}

#[test]
fn system_tests() {
    let r = rules(
        "check system box\n if loadavg (1min) > 4 then alert\n if loadavg (15min) per core > 1.5 then alert\n\
         if cpu usage > 95% for 10 cycles then alert\n if cpu(wait) > 20% then alert\n if cpu (system) > 30% then alert\n\
         if memory usage > 75% then alert\n if swap usage > 25% then alert\n if uptime < 10 minutes then alert\n\
         if filedescriptors > 90% then alert",
    );
    let tests: Vec<Test> = r.iter().map(|r| r.test.clone()).collect();
    assert_eq!(tests[0], Test::Resource { metric: Metric::Load1, limit: gt(Quantity::count(4.0)) });
    assert_eq!(tests[1], Test::Resource { metric: Metric::Load15PerCore, limit: gt(Quantity::count(1.5)) });
    assert_eq!(tests[3], Test::Resource { metric: Metric::CpuWait, limit: gt(Quantity::percent(20.0)) });
    assert_eq!(tests[4], Test::Resource { metric: Metric::CpuSystem, limit: gt(Quantity::percent(30.0)) });
    assert_eq!(tests[6], Test::Resource { metric: Metric::Swap, limit: gt(Quantity::percent(25.0)) });
    assert_eq!(tests[7], Test::Uptime(Comparison::new(Operator::Lt, Quantity::millis(600_000.0))));
}

#[test]
fn program_tests() {
    let s = service(
        "check program backup with path \"/usr/local/bin/backup --quick\" as uid backup with timeout 600 seconds\n\
         if status != 0 then alert\n if changed status then alert\n if content = \"FAILED\" then alert",
    );
    let ServiceKind::Program(p) = &s.check else { panic!() };
    assert_eq!(p.command, "/usr/local/bin/backup --quick");
    assert_eq!(p.uid.as_deref(), Some("backup"));
    assert_eq!(p.timeout, Some(Duration::from_secs(600)));
    assert_eq!(s.rules[0].test, Test::Status(Comparison::new(Operator::Ne, Quantity::count(0.0))));
    assert_eq!(s.rules[1].test, Test::StatusChanged);
}

#[test]
fn network_tests() {
    let r = rules(
        "check network eth0 with interface eth0\n if link down then alert\n if changed link capacity then alert\n\
         if saturation > 90% then alert\n if upload > 10 MB/s then alert\n if download > 1000 packets/s then alert\n\
         if total uploaded > 10 GB in last 24 hours then alert\n if total downloaded > 1000000 packets in last day then alert\n\
         if failed link then alert",
    );
    assert_eq!(r[0].test, Test::LinkDown);
    assert_eq!(r[1].test, Test::LinkChanged);
    assert_eq!(r[2].test, Test::Resource { metric: Metric::Saturation, limit: gt(Quantity::percent(90.0)) });
    assert_eq!(
        r[4].test,
        Test::Resource {
            metric: Metric::DownloadPackets,
            limit: gt(Quantity { value: 1000.0, unit: Unit::PacketsPerSecond })
        }
    );
    assert_eq!(
        r[5].test,
        Test::TrafficTotal {
            metric: Metric::UploadBytes,
            limit: gt(Quantity::bytes(10.0 * 1073741824.0)),
            window: Duration::from_secs(86_400)
        }
    );
    assert_eq!(
        r[6].test,
        Test::TrafficTotal {
            metric: Metric::DownloadPackets,
            limit: gt(Quantity { value: 1e6, unit: Unit::Packets }),
            window: Duration::from_secs(86_400)
        }
    );
    assert_eq!(r[7].test, Test::LinkDown);
}

#[test]
fn port_test_with_http_protocol_and_options() {
    let r = rules(
        "check process web pidfile /run/web.pid\n\
         if failed host www.example.com port 443 ipv4 type tcpssl ssl with options { verify: enable } \
         certificate valid > 30 days protocol https username \"u\" password \"p\" request \"/health?x=1\" method get \
         status = 200 hostheader \"example.com\" http headers [Cache-Control: no-cache, X-Custom: \"a:b\"] \
         content = \"OK\" responsetime < 500 ms with timeout 10 seconds retry 3 for 3 cycles then restart",
    );
    let Test::Connection(c) = &r[0].test else { panic!() };
    assert_eq!(
        c.target,
        ConnectionTarget::Port {
            host: Some("www.example.com".into()),
            port: 443,
            address: None,
            ip_version: Some(IpVersion::Ipv4)
        }
    );
    assert_eq!(c.socket_type, Some(SocketType::Tcpssl));
    assert_eq!(c.ssl.as_ref().unwrap().verify, Some(true));
    assert_eq!(c.certificate_valid_days, Some(30));
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(p.name, Protocol::Https);
    assert_eq!((p.username.as_deref(), p.password.as_deref()), (Some("u"), Some("p")));
    assert_eq!(p.request.as_deref(), Some("/health?x=1"));
    assert_eq!(p.method, Some(HttpMethod::Get));
    assert_eq!(p.status, Some(Comparison::new(Operator::Eq, Quantity::count(200.0))));
    assert_eq!(p.hostheader.as_deref(), Some("example.com"));
    assert_eq!(p.headers, ["Cache-Control: no-cache", "X-Custom: a:b"]);
    assert_eq!(c.content, Some(ContentPattern { matches: true, pattern: PatternSource::Regex("OK".into()) }));
    assert_eq!(c.response_time, Some(Comparison::new(Operator::Lt, Quantity::millis(500.0))));
    assert_eq!(c.timeout, Some(Duration::from_secs(10)));
    assert_eq!(c.retry, Some(3));
    assert_eq!(r[0].tolerance, Some(Tolerance { count: 3, cycles: 3 }));
}

#[test]
fn unixsocket_url_send_expect_and_succeeded() {
    let r = rules(
        "check process db pidfile /run/db.pid\n if failed unixsocket /run/db.sock protocol mysql username \"m\" password \"x\" then restart\n\
         if failed port 6379 send \"PING\\r\\n\" expect \"\\+PONG\" then alert\n\
         if failed url https://user:pw@example.com:8443/status?full content = \"up\" timeout 5 seconds then alert\n\
         if succeeded port 3306 then alert\n if failed port 53 type udp protocol dns then alert",
    );
    let conn = |i: usize| match &r[i].test {
        Test::Connection(c) => c.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(conn(0).target, ConnectionTarget::Unixsocket { path: "/run/db.sock".into() });
    assert_eq!(conn(0).protocol.unwrap().username.as_deref(), Some("m"));
    assert_eq!(conn(1).send_expect, vec![SendExpect::Send("PING\\r\\n".into()), SendExpect::Expect("\\+PONG".into())]);
    assert_eq!(conn(2).target, ConnectionTarget::Url { url: "https://user:pw@example.com:8443/status?full".into() });
    assert!(conn(3).succeeded);
    assert_eq!(conn(4).socket_type, Some(SocketType::Udp));
    assert_eq!(conn(4).protocol.unwrap().name, Protocol::Dns);
}

#[test]
fn every_protocol_keyword_parses() {
    for protocol in Protocol::ALL {
        let text =
            format!("check host h address 127.0.0.1\n if failed port 1 protocol {} then alert", protocol.keyword());
        let r = rules(&text);
        let Test::Connection(c) = &r[0].test else { panic!() };
        assert_eq!(c.protocol.as_ref().unwrap().name, protocol);
    }
}

#[test]
fn protocol_specific_options() {
    let r = rules(
        "check host h address 127.0.0.1\n\
         if failed port 5432 protocol pgsql username \"u\" password \"p\" database \"db\" then alert\n\
         if failed port 1812 type udp protocol radius secret \"s3\" then alert\n\
         if failed port 5060 protocol sip target \"u@example.com\" maxforward 10 then alert\n\
         if failed port 80 protocol websocket request \"/ws\" hostheader \"h\" origin \"http://o\" version 13 then alert\n\
         if failed port 80 protocol apache-status loglimit > 10% or waitlimit < 20% then alert\n\
         if failed port 3306 protocol mysql username \"u\" password \"p\" rsakey checksum sha1 \
         0123456789abcdef0123456789abcdef01234567 then alert\n\
         if failed port 25 protocol smtp username \"u\" password \"p\" then alert\n if failed ping count 5 size 128 responsetime < 100 ms timeout 2 seconds then alert\n\
         if failed ping6 then alert\n if failed icmp type echo count 2 then alert",
    );
    let p = |i: usize| match &r[i].test {
        Test::Connection(c) => c.protocol.clone().unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(p(0).database.as_deref(), Some("db"));
    assert_eq!(p(1).secret.as_deref(), Some("s3"));
    assert_eq!((p(2).target.as_deref(), p(2).maxforward), (Some("u@example.com"), Some(10)));
    assert_eq!(p(3).origin.as_deref(), Some("http://o"));
    assert_eq!(p(3).version.as_deref(), Some("13"));
    assert_eq!(p(4).limits.len(), 2);
    assert_eq!(
        p(4).limits[1],
        ApacheLimit { name: ApacheScore::Waitlimit, limit: Comparison::new(Operator::Lt, Quantity::percent(20.0)) }
    );
    assert_eq!(p(5).rsakey_checksum.as_ref().unwrap().hash, Some(HashType::Sha1));
    assert_eq!(p(6).username.as_deref(), Some("u"));
    let Test::Ping(ping) = &r[7].test else { panic!() };
    assert_eq!((ping.count, ping.size, ping.timeout), (Some(5), Some(128), Some(Duration::from_secs(2))));
    let Test::Ping(ping6) = &r[8].test else { panic!() };
    assert_eq!(ping6.ip_version, Some(IpVersion::Ipv6));
    let Test::Ping(icmp) = &r[9].test else { panic!() };
    assert_eq!(icmp.count, Some(2));
}

#[test]
fn protocol_options_are_checked() {
    assert_eq!(
        errors("check host h address 127.0.0.1\n if failed port 22 protocol ssh request \"/\" then alert"),
        ["2:33: 'request' is not an option of protocol ssh"]
    );
    assert_eq!(
        errors("check host h address 127.0.0.1\n if failed port 80 protocol htp then alert"),
        ["2:29: unknown protocol 'htp'"]
    );
}

#[test]
fn per_service_alerts_and_noalerts() {
    let s = service(
        "check process a pidfile /a.pid\n alert dev@example.com { nonexist, resource } with mail-format { subject: hi } reminder 5\n\
         alert webhook \"https://h.example/x\"\n noalert ops@example.com",
    );
    assert_eq!(s.alerts[0].events.events, [EventKind::Nonexist, EventKind::Resource]);
    assert_eq!(s.alerts[0].reminder, Some(5));
    assert_eq!(s.alerts[0].mail_format.as_ref().unwrap().subject.as_deref(), Some("hi"));
    assert!(matches!(s.alerts[1].to, AlertTarget::Webhook(_)));
    assert_eq!(s.noalerts, ["ops@example.com"]);
}

#[test]
fn extensions_environment_workdir_and_custom_actions() {
    let config = parse(
        "set environment LANG = \"C.UTF-8\"\n\
         check process web pidfile /run/web.pid\n environment RAILS_ENV = \"production\"\n env PATH=/opt/ruby/bin:/usr/bin\n\
         working directory /srv/app\n action configtest = \"/usr/sbin/nginx -t\" as uid www-data with timeout 10 seconds\n\
         if failed port 80 then configtest",
    );
    assert_eq!(config.environment, [EnvVar { name: "LANG".into(), value: "C.UTF-8".into() }]);
    let s = &config.services[0];
    assert_eq!(
        s.environment,
        [
            EnvVar { name: "RAILS_ENV".into(), value: "production".into() },
            EnvVar { name: "PATH".into(), value: "/opt/ruby/bin:/usr/bin".into() }
        ]
    );
    assert_eq!(s.working_directory.as_deref(), Some("/srv/app"));
    assert_eq!(s.actions[0].name, "configtest");
    assert_eq!(s.actions[0].program.uid.as_deref(), Some("www-data"));
    assert_eq!(s.rules[0].action, Action::Custom("configtest".into()));
}

#[test]
fn keywords_are_case_insensitive_and_punctuation_is_blank() {
    let a = parse(
        "CHECK PROCESS web WITH PIDFILE /run/web.pid\n IF CPU > 80% FOR 3 CYCLES THEN ALERT\n DEPENDS ON (db; cache)",
    );
    let b = parse(
        "check process web with pidfile /run/web.pid\n if cpu > 80% for 3 cycles then alert\n depends on db, cache",
    );
    assert_eq!(a, b);
}

#[test]
fn syntax_errors_have_positions_and_suggestions() {
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    parse_text(
        Path::new("/test/monitrc"),
        "check process a pidfile /a.pid\n if cpu > 80% for 3 cyclez then alert\n".to_owned(),
        &mut sources,
        &mut diags,
    );
    let d = diags.errors().next().unwrap();
    assert_eq!(d.headline(&sources), "/test/monitrc:2:21: unexpected 'cyclez', expected 'cycles'");
    assert_eq!(d.help.as_deref(), Some("did you mean `cycles`?"));
    assert_eq!(errors("chekc process a pidfile /a.pid"), ["1:1: unexpected 'chekc', expected 'set' or 'check'"]);
    assert_eq!(
        errors("check proces a pidfile /a"),
        ["1:7: unexpected 'proces', expected a service type such as 'process', 'file' or 'host'"]
    );
}

#[test]
fn every_error_of_a_file_is_reported() {
    let errs = errors(
        "check process a pidfile /a.pid\n if cpu > 80% for 3 cyclez then alert\n if memory > lots then alert\n\
         if cpu > 50% then restrat\n check file f path /f\n if cpu > 1% then alert\n",
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].starts_with("2:21:"));
    assert!(errs[1].starts_with("3:14:"));
    assert!(errs[2].starts_with("6:5: 'cpu' cannot be tested in a 'check file' service"), "{errs:?}");
}

#[test]
fn change_tests_take_no_else() {
    assert_eq!(
        errors("check file f path /f\n if changed checksum then alert else if succeeded then alert"),
        ["2:5: a 'changed' test has no recovery, so it takes no 'else'"]
    );
}

#[test]
fn bad_values_are_errors_not_panics() {
    assert_eq!(errors("set httpd port 70000 allow a:b"), ["1:16: port number must be between 1 and 65535, not 70000"]);
    assert_eq!(errors("set httpd port 0 allow a:b"), ["1:16: port number must be between 1 and 65535, not 0"]);
    assert_eq!(
        errors("check file f path /f\n if failed md5 checksum expect abc then alert"),
        ["2:32: 'abc' is not an MD5 checksum (32 hexadecimal digits)"]
    );
    assert_eq!(
        errors("check process a pidfile /a\n if memory > 101% then alert"),
        ["2:14: a percentage must be between 0 and 100, not 101"]
    );
    assert!(!errors("check process a pidfile /a\n if cpu > 80% then").is_empty());
    assert!(!errors("set daemon 99999999999999999999").is_empty());
    assert!(!errors("set limits { programOutput: 1 kB").is_empty());
}

#[test]
fn unterminated_strings_and_garbage() {
    assert_eq!(
        errors("check process a pidfile \"/a.pid\n"),
        ["1:25: syntax error: an unterminated string", "2:1: unexpected end of file, expected an absolute path"]
    );
    let errs = errors("\u{1}\u{2}check");
    assert!(errs[0].starts_with("1:1: syntax error: invalid character"), "{errs:?}");
}

#[test]
fn includes_read_globs_in_order_and_detect_loops() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("conf.d")).unwrap();
    std::fs::write(root.join("conf.d/b.conf"), "check process b pidfile /b.pid").unwrap();
    std::fs::write(root.join("conf.d/a.conf"), "check process a pidfile /a.pid").unwrap();
    std::fs::write(root.join("inner"), "  if cpu > 10% then alert\n").unwrap();
    std::fs::write(root.join("loop1"), "include loop2").unwrap();
    std::fs::write(root.join("loop2"), "include loop1").unwrap();
    let text = "include conf.d/*.conf\ninclude \"nothing/*.x\"\ncheck process c pidfile /c.pid\n include inner\n if memory > 1 MB then alert\n";
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let parsed = parse_text(&root.join("monitrc"), text.to_owned(), &mut sources, &mut diags);
    assert!(!diags.has_errors(), "{:?}", diags.items);
    let names: Vec<&str> = parsed.config.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(parsed.config.services[2].rules.len(), 2, "the include inside the service block adds its rule");

    let mut diags = Diagnostics::default();
    parse_text(&root.join("monitrc"), "include loop1".to_owned(), &mut sources, &mut diags);
    let errs: Vec<String> = diags.errors().map(|d| d.message.clone()).collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("include loop:"), "{errs:?}");

    let mut diags = Diagnostics::default();
    parse_text(&root.join("monitrc"), "include missing.conf".to_owned(), &mut sources, &mut diags);
    assert!(!diags.has_errors());
    assert_eq!(diags.warnings().count(), 1);
}

#[test]
fn a_yaml_file_can_be_included() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("extra.yml"), "services:\n- name: y\n  check:\n    file:\n      path: /etc/y\n")
        .unwrap();
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let parsed = parse_text(
        &dir.path().join("monitrc"),
        "set daemon 5\ninclude extra.yml\ncheck system s".to_owned(),
        &mut sources,
        &mut diags,
    );
    assert!(!diags.has_errors(), "{:?}", diags.items);
    let names: Vec<&str> = parsed.config.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["y", "s"]);
}

#[test]
fn monit_keyword_spellings_are_accepted() {
    let a = parse(
        "check process a pidfile /a.pid\n if failed portnumber 80 proto http then restart\n if child > 5 then alert\n\
         if thread > 50 then alert\n if mem > 10 MB then alert\n if totalmemory > 20 MB then alert\n\
         if load (5m) > 3 then alert\n if 2 restart 3 cycle then unmonitor\n if cpu > 50% then execute \"/bin/true\"\n\
         if failed unix /run/a.sock then alert",
    );
    let b = parse(
        "check process a pidfile /a.pid\n if failed port 80 protocol http then restart\n if children > 5 then alert\n\
         if threads > 50 then alert\n if memory > 10 MB then alert\n if totalmem > 20 MB then alert\n\
         if loadavg (5min) > 3 then alert\n if 2 restarts 3 cycles then unmonitor\n if cpu > 50% then exec \"/bin/true\"\n\
         if failed unixsocket /run/a.sock then alert",
    );
    assert_eq!(a, b);
}

#[test]
fn load_cpu_and_time_spellings() {
    let r = rules(
        "check system s\n if loadavg (5) > 3 then alert\n if loadavg(15min) per core > 1 then alert\n if loadavg > 9 then alert\n\
         if cpu (usr) > 50% then alert\n if cpu usage (sy) > 20% then alert\n if cpu (wa) > 10% then alert",
    );
    let metrics: Vec<Metric> =
        r.iter().filter_map(|r| if let Test::Resource { metric, .. } = r.test { Some(metric) } else { None }).collect();
    use Metric::*;
    assert_eq!(metrics, [Load5, Load15PerCore, Load1, CpuUser, CpuSystem, CpuWait]);
    let r = rules(
        "check file f path /f\n if access time > 1 day then alert\n if modify timestamp > 1 hour then alert\n\
         if changed change time then alert",
    );
    assert_eq!(r[0].test, Test::Timestamp { kind: TimestampKind::Atime, limit: gt(Quantity::millis(86_400_000.0)) });
    assert_eq!(r[1].test, Test::Timestamp { kind: TimestampKind::Mtime, limit: gt(Quantity::millis(3_600_000.0)) });
    assert_eq!(r[2].test, Test::TimestampChanged { kind: TimestampKind::Ctime });
}

#[test]
fn ssl_enable_and_disable_spellings() {
    let r = rules(
        "check host h address example.com\n if failed port 443 ssl enable then alert\n if failed port 80 ssl disable then alert",
    );
    let Test::Connection(a) = &r[0].test else { panic!() };
    let Test::Connection(b) = &r[1].test else { panic!() };
    assert_eq!(a.ssl, Some(SslOptions::default()));
    assert_eq!(b.ssl, None);
}

#[test]
fn more_monit_forms_from_its_grammar() {
    let config = parse(
        "set limits { execTimeout: 10 s }\nset httpd port 2812 disable signature allow a:pw\n\
         set mmonit http://a:b@m1:8080/collector http://a:b@m2:8080/collector with timeout 5 seconds\n",
    );
    assert_eq!(config.limits.exec_timeout, Some(Duration::from_secs(10)));
    assert_eq!(config.httpd.unwrap().signature, Some(false));
    assert_eq!(config.mmonit.len(), 2);
    assert_eq!(config.mmonit[1].timeout, Some(Duration::from_secs(5)));
}

#[test]
fn real_world_spellings_of_credentials_and_recipients() {
    let config = parse(
        "set alert <ops@example.com> not on { instance }\nset httpd port 2812\n allow \"admin\":\"admin\"\n\
         allow ops : \"s3cret\"\n allow guest: guest read-only\n\
         check process a with pidfile /run/a.pid\n alert <dev@example.com>\n noalert <ops@example.com>",
    );
    assert_eq!(config.alerts[0].to, AlertTarget::Email("ops@example.com".into()));
    assert_eq!(config.services[0].alerts[0].to, AlertTarget::Email("dev@example.com".into()));
    assert_eq!(config.services[0].noalerts, ["ops@example.com"]);
    assert_eq!(
        config.httpd.unwrap().allow,
        [
            Allow::User { user: "admin".into(), password: "admin".into(), read_only: false },
            Allow::User { user: "ops".into(), password: "s3cret".into(), read_only: false },
            Allow::User { user: "guest".into(), password: "guest".into(), read_only: true },
        ]
    );
}

#[test]
fn words_monit_reserves_are_names_only_when_quoted() {
    let r = rules(
        "check file f with path /etc/passwd\n if failed uid \"mysql\" then alert\n if failed gid \"disk\" then alert",
    );
    assert_eq!(r[0].test, Test::Uid { user: "mysql".into(), effective: false });
    assert_eq!(r[1].test, Test::Gid { group: "disk".into() });
    assert_eq!(
        errors("check file f with path /etc/passwd\n if failed uid mysql then alert"),
        ["2:16: 'mysql' is a keyword in Monit's control file, not a user name or id; quote it: \"mysql\""]
    );
    assert_eq!(
        errors("check process p with pidfile /run/p.pid\n start program = \"/bin/true\" as uid daemon"),
        ["2:37: 'daemon' is a keyword in Monit's control file, not a user name or id; quote it: \"daemon\""]
    );
    assert_eq!(
        errors("set httpd port 2812\n allow admin:secret"),
        ["2:14: 'secret' is a keyword in Monit's control file, not a password; quote it: \"secret\""]
    );
}

#[test]
fn group_names_and_ssl_versions_monit_rejects() {
    assert_eq!(
        errors("check process p with pidfile /run/p.pid\n group \"web servers\""),
        ["2:8: a group name cannot contain ' '"]
    );
    assert_eq!(
        errors("check host h address 127.0.0.1\n if failed port 465 type tcpssl sslv3 protocol smtp then alert"),
        ["2:33: SSL version 3 is not supported (use tlsv12 or tlsv13)"]
    );
}
