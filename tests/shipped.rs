//! What we ship parses and means what it says: monitrc.example (the half that runs here,
//! and the commented half once uncommented), every checks/*.monitrc alone, included and
//! all together, and the demo service the example starts.

use std::path::PathBuf;
use std::time::Duration;

use rmonit::config::model::*;
use rmonit::config::{self, LoadOptions, Loaded};

use crate::util::{KillOnDrop, free_port, live_pid, pid_alive, repo_root, wait_until, write_monitrc};

/// As a user runs it: permissions checked, host facts as warnings.
const OPTIONS: LoadOptions = LoadOptions { strict: false, skip_permissions: false };

/// The ready-made checks the README promises.
const CHECKS: [&str; 13] = [
    "apache2",
    "celery",
    "cron",
    "disk-space",
    "docker",
    "memcached",
    "mysql",
    "nginx",
    "postfix",
    "postgresql",
    "redis",
    "rsyslog",
    "sshd",
];

/// Loads a shipped file. A checkout made with umask 002 is group-writable, which rmonit
/// refuses (and says so); take that bit away first, as the message tells a user to.
fn load(relative: &str) -> Loaded {
    use std::os::unix::fs::PermissionsExt;
    let path = repo_root().join(relative);
    if let Ok(meta) = std::fs::metadata(&path) {
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o022 != 0 {
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & !0o022));
        }
    }
    config::load(&path, OPTIONS).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn service<'a>(config: &'a Config, name: &str) -> &'a ServiceConfig {
    config.service(name).unwrap_or_else(|| panic!("no service '{name}'"))
}

/// The protocols of a service's connection tests, with their targets.
fn connections(s: &ServiceConfig) -> Vec<(&ConnectionTarget, Option<Protocol>)> {
    s.rules
        .iter()
        .filter_map(|r| match &r.test {
            Test::Connection(c) => Some((&c.target, c.protocol.as_ref().map(|p| p.name))),
            _ => None,
        })
        .collect()
}

fn has_protocol(s: &ServiceConfig, protocol: Protocol) -> bool {
    connections(s).iter().any(|(_, p)| *p == Some(protocol))
}

fn has_metric(s: &ServiceConfig, wanted: Metric) -> bool {
    s.rules.iter().any(|r| matches!(&r.test, Test::Resource { metric, .. } if *metric == wanted))
}

fn pidfile(path: &str) -> ServiceKind {
    ServiceKind::Process(ProcessTarget::Pidfile(path.into()))
}

/// The example with its commented half uncommented: below the `## ====` line, lines that
/// start with `# ` are configuration and lose that prefix; `##` lines stay comments.
fn uncomment(example: &str) -> (String, usize) {
    let mut below = false;
    let mut changed = 0;
    let lines: Vec<&str> = example
        .lines()
        .map(|line| {
            below |= line.starts_with("## ====");
            match line.strip_prefix("# ") {
                Some(config) if below => {
                    changed += 1;
                    config
                }
                _ => line,
            }
        })
        .collect();
    (lines.join("\n") + "\n", changed)
}

/// A temporary directory holding `name` with `text`, beside symlinks to the repository's
/// checks/ and demo/, so relative includes and program paths resolve as in the checkout.
fn beside_checkout(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["checks", "demo"] {
        std::os::unix::fs::symlink(repo_root().join(sub), dir.path().join(sub)).expect("symlink");
    }
    let path = write_monitrc(dir.path(), name, text);
    (dir, path)
}

#[test]
fn the_example_runs_here_as_it_is() {
    let loaded = load("monitrc.example");
    assert!(loaded.warnings.items.is_empty(), "warnings on a fresh machine: {:?}", loaded.render_warnings());
    let c = &loaded.config;

    assert_eq!(c.daemon.as_ref().map(|d| d.interval), Some(rmonit::config::model::Duration::from_secs(5)));
    let under_tmp = |p: Option<&String>| p.is_some_and(|p| p.starts_with("/tmp/rmonit-example/"));
    assert!(under_tmp(c.pidfile.as_ref()) && under_tmp(c.statefile.as_ref()) && under_tmp(c.idfile.as_ref()));
    assert!(under_tmp(c.eventqueue.as_ref().and_then(|q| q.basedir.as_ref())));
    assert!(c.log.is_none(), "logs go to the terminal under -I");

    assert!(c.services.iter().any(|s| s.check == ServiceKind::System));
    let rootfs = c.services.iter().find(|s| s.check == ServiceKind::Filesystem { path: "/".into() }).expect("/");
    assert!(has_metric(rootfs, Metric::Space) && has_metric(rootfs, Metric::Inode));

    let demo = service(c, "demo");
    assert_eq!(demo.check, pidfile("/tmp/rmonit-example/demo.pid"));
    let script = repo_root().join("demo/demo-service.sh");
    for (program, verb) in [(&demo.start, "start"), (&demo.stop, "stop")] {
        let command = &program.as_ref().expect("start and stop programs").command;
        assert_eq!(command, &format!("{} {verb}", script.display()), "resolved against the file's directory");
    }
    assert!(connections(demo).iter().any(|(target, protocol)| {
        matches!(target, ConnectionTarget::Port { host: Some(h), port: 8787, .. } if h == "127.0.0.1")
            && *protocol == Some(Protocol::Http)
    }));
    assert_eq!(demo.restart_limits[0], RestartLimit { count: 3, cycles: 5, action: Action::Unmonitor });
    let page = service(c, "demo_page");
    assert!(matches!(page.check, ServiceKind::Program(_)));
    assert!(page.rules.iter().any(|r| matches!(r.test, Test::Status(_))));
    assert_eq!(page.depends, ["demo"]);

    let httpd = c.httpd.as_ref().expect("set httpd");
    assert_eq!((httpd.port, httpd.address.as_deref()), (Some(2812), Some("127.0.0.1")));
    assert!(httpd.unixsocket.is_some());
    assert!(matches!(&httpd.allow[..], [Allow::User { user, password, .. }]
        if user == "admin" && password.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")));
}

#[test]
fn the_commented_half_of_the_example_parses_when_uncommented() {
    let text = std::fs::read_to_string(repo_root().join("monitrc.example")).expect("read the example");
    let (uncommented, changed) = uncomment(&text);
    assert!(changed > 50, "only {changed} lines uncommented: is the '## ====' line still there?");
    let (_dir, path) = beside_checkout("monitrc", &uncommented);
    let loaded = config::load(&path, OPTIONS).unwrap_or_else(|e| panic!("uncommented example: {e}\n{uncommented}"));
    let c = &loaded.config;

    for name in [
        "app",
        "worker",
        "app_config",
        "app_log",
        "app_pipe",
        "app_uploads",
        "database",
        "backup_age",
        "uplink",
        "nginx",
        "nginx_bin",
    ] {
        service(c, name);
    }
    assert_eq!(c.mail.as_ref().map(|m| m.servers.len()), Some(2));
    assert!(c.mail_format.is_some());
    let webhooks: Vec<&WebhookConfig> = c
        .alerts
        .iter()
        .filter_map(|a| match &a.to {
            AlertTarget::Webhook(w) => Some(w),
            AlertTarget::Email(_) => None,
        })
        .collect();
    assert!(webhooks.iter().any(|w| w.format == WebhookFormat::Slack));
    assert!(webhooks.iter().any(|w| w.headers.iter().any(|h| h.starts_with("Authorization: "))));
    assert!(c.environment.iter().any(|v| v.name == "LANG"));

    let app = service(c, "app");
    assert!(app.environment.iter().any(|v| v.name == "RAILS_ENV") && app.environment.iter().any(|v| v.name == "PATH"));
    assert_eq!(app.working_directory.as_deref(), Some("/srv/app"));
    assert_eq!(app.actions[0].name, "drain");
    assert!(app.rules.iter().any(|r| r.action == Action::Custom("drain".into())));
    assert!(app.rules.iter().any(|r| matches!(r.action, Action::Exec(_))));
    assert_eq!(app.depends, ["app_config", "database"]);
    assert!(app.alerts.iter().any(|a| matches!(a.to, AlertTarget::Webhook(_))));
    assert!(app.alerts.iter().any(|a| a.mail_format.is_some()));
    assert_eq!(app.noalerts, ["ops@example.com"]);
    assert_eq!(service(c, "worker").mode, Some(Mode::Passive));
    assert!(matches!(service(c, "backup_age").every, Some(Every::Cron(_))));
    assert!(has_protocol(service(c, "database"), Protocol::Pgsql));
    assert!(service(c, "app_log").rules.iter().any(|r| matches!(r.test, Test::Content(_))));
    assert!(matches!(service(c, "app_pipe").check, ServiceKind::Fifo { .. }));
    assert!(matches!(service(c, "app_uploads").check, ServiceKind::Directory { .. }));
    assert!(matches!(service(c, "uplink").check, ServiceKind::Network(_)));
}

#[test]
fn every_ready_made_check_parses_and_says_how_to_include_it() {
    let mut found: Vec<String> = std::fs::read_dir(repo_root().join("checks"))
        .expect("checks/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let wanted: Vec<String> = CHECKS.iter().map(|n| format!("{n}.monitrc")).collect();
    assert_eq!(found, wanted, "checks/ holds exactly the documented files");

    for name in CHECKS {
        let relative = format!("checks/{name}.monitrc");
        let text = std::fs::read_to_string(repo_root().join(&relative)).expect("read");
        for part in ["Watches:", "Assumes:", "Adapt:", "Include:", &format!("include {relative}")] {
            assert!(text.lines().take_while(|l| l.starts_with('#')).any(|l| l.contains(part)), "{relative}: no {part}");
        }
        let c = load(&relative).config;
        assert!(!c.services.is_empty(), "{relative} defines no service");
        for s in &c.services {
            assert!(!s.groups.is_empty(), "{relative}: '{}' has no group", s.name);
            if matches!(s.check, ServiceKind::Process(_)) {
                assert!(s.start.is_some() && s.stop.is_some(), "{relative}: '{}' cannot be started", s.name);
                assert!(!s.restart_limits.is_empty(), "{relative}: '{}' restarts forever", s.name);
            }
        }
    }
}

#[test]
fn the_ready_made_checks_mean_what_they_say() {
    // (file, process service, how it is found, protocol of its connection test)
    let processes = [
        ("nginx", "nginx", pidfile("/run/nginx.pid"), Protocol::Http),
        ("apache2", "apache2", pidfile("/run/apache2/apache2.pid"), Protocol::Http),
        ("sshd", "sshd", pidfile("/run/sshd.pid"), Protocol::Ssh),
        ("postgresql", "postgresql", pidfile("/run/postgresql/15-main.pid"), Protocol::Pgsql),
        ("mysql", "mysqld", pidfile("/run/mysqld/mysqld.pid"), Protocol::Mysql),
        ("redis", "redis", pidfile("/run/redis/redis-server.pid"), Protocol::Redis),
        ("memcached", "memcached", pidfile("/run/memcached/memcached.pid"), Protocol::Memcache),
        ("postfix", "postfix", pidfile("/var/spool/postfix/pid/master.pid"), Protocol::Smtp),
        ("docker", "dockerd", pidfile("/run/docker.pid"), Protocol::Http),
    ];
    for (file, name, found_by, protocol) in processes {
        let c = load(&format!("checks/{file}.monitrc")).config;
        let s = service(&c, name);
        assert_eq!(s.check, found_by, "{file}");
        assert!(has_protocol(s, protocol), "{file}: no {protocol:?} test");
        let start = &s.start.as_ref().expect("start").command;
        assert!(start.starts_with("/usr/bin/systemctl start "), "{file}: {start}");
    }

    let nginx = load("checks/nginx.monitrc").config;
    let web = service(&nginx, "nginx");
    assert_eq!(web.restart_limits, [RestartLimit { count: 3, cycles: 5, action: Action::Unmonitor }]);
    assert_eq!(web.depends, ["nginx_bin"]);
    assert_eq!(service(&nginx, "nginx_bin").check, ServiceKind::File { path: "/usr/sbin/nginx".into() });

    let postgresql = load("checks/postgresql.monitrc").config;
    assert!(
        connections(service(&postgresql, "postgresql")).iter().any(
            |(t, _)| matches!(t, ConnectionTarget::Unixsocket { path } if path == "/run/postgresql/.s.PGSQL.5432")
        )
    );
    assert_eq!(service(&postgresql, "postgresql").depends, ["postgresql_data"]);
    assert_eq!(
        service(&postgresql, "postgresql_data").check,
        ServiceKind::Directory { path: "/var/lib/postgresql/15/main".into() }
    );

    for (file, name, path) in [("cron", "cron", "/run/crond.pid"), ("rsyslog", "rsyslogd", "/run/rsyslogd.pid")] {
        assert_eq!(service(&load(&format!("checks/{file}.monitrc")).config, name).check, pidfile(path));
    }

    let celery = load("checks/celery.monitrc").config;
    let worker = service(&celery, "celery_worker");
    assert!(matches!(&worker.check, ServiceKind::Process(ProcessTarget::Matching(p)) if p.contains("worker")));
    assert!(
        worker
            .rules
            .iter()
            .any(|r| matches!(&r.test, Test::Resource { metric: Metric::TotalMemory, .. })
                && r.action == Action::Restart)
    );
    assert!(has_metric(worker, Metric::TotalCpu));
    assert_eq!(worker.depends, ["celery_broker"]);
    assert!(has_protocol(service(&celery, "celery_broker"), Protocol::Redis));

    let disk = load("checks/disk-space.monitrc").config;
    let root = disk.services.iter().find(|s| s.check == ServiceKind::Filesystem { path: "/".into() }).expect("/");
    assert!(has_metric(root, Metric::Space) && has_metric(root, Metric::Inode));
}

#[test]
fn checks_are_included_relative_to_the_including_file() {
    let (_dir, path) = beside_checkout("monitrc", "set daemon 60\ninclude checks/nginx.monitrc\n");
    let c = config::load(&path, OPTIONS).unwrap_or_else(|e| panic!("{e}")).config;
    let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"nginx") && names.contains(&"nginx_bin"), "{names:?}");

    // All of them at once: no two define the same service name.
    let (_dir, path) = beside_checkout("monitrc", "set daemon 60\ninclude checks/*.monitrc\n");
    let all = config::load(&path, OPTIONS).unwrap_or_else(|e| panic!("{e}")).config;
    let separately: usize = CHECKS.iter().map(|n| load(&format!("checks/{n}.monitrc")).config.services.len()).sum();
    assert_eq!(all.services.len(), separately);
}

#[test]
fn the_demo_service_starts_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let pidfile = dir.path().join("demo.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let script = repo_root().join("demo/demo-service.sh");
    let run = |verb: &str| {
        std::process::Command::new(&script)
            .arg(verb)
            .env("DEMO_PORT", port.to_string())
            .env("DEMO_DIR", dir.path())
            .status()
            .expect("run demo-service.sh")
    };
    let answers = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();

    assert!(run("start").success());
    assert!(wait_until(Duration::from_secs(10), answers), "the demo server answers on {port}");
    let pid = live_pid(&pidfile).expect("a live pid in the pidfile");
    assert!(run("start").success());
    assert_eq!(live_pid(&pidfile), Some(pid), "a second start leaves the running server alone");

    assert!(run("stop").success());
    assert!(wait_until(Duration::from_secs(10), || !pid_alive(pid)), "pid {pid} still alive after stop");
    assert!(!pidfile.exists());

    // A stale pidfile naming someone else's process: stop must not kill it.
    let mut bystander = std::process::Command::new("sleep").arg("30").spawn().expect("spawn sleep");
    std::fs::write(&pidfile, bystander.id().to_string()).unwrap();
    assert!(run("stop").success());
    let survived = bystander.try_wait().expect("try_wait").is_none();
    let _ = bystander.kill();
    let _ = bystander.wait();
    assert!(survived, "stop killed a process that was not the demo server");
}
