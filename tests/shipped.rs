//! What we ship parses and means what it says: monitrc.example, checks/*.monitrc, and the
//! demo service the example starts.

use std::time::Duration;

use rmonit::config::model::*;
use rmonit::config::{self, LoadOptions};

use crate::util::{KillOnDrop, live_pid, repo_root, wait_until, write_monitrc};

/// A git checkout is 0644; that is fine for files without cleartext passwords.
const OPTIONS: LoadOptions = LoadOptions { strict: false, skip_permissions: false };

fn load(relative: &str) -> Config {
    let path = repo_root().join(relative);
    // The checkout's mode is whatever git gave; make it the usual 0644 for the check.
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644));
    config::load(&path, OPTIONS).unwrap_or_else(|e| panic!("{relative}: {e}")).config
}

#[test]
fn the_example_runs_the_demo_with_a_hashed_dashboard_password() {
    let c = load("monitrc.example");
    assert!(c.services.iter().any(|s| s.check == ServiceKind::System));
    assert!(c.services.iter().any(|s| s.check == ServiceKind::Filesystem { path: "/".into() }));
    let demo = c.service("demo").expect("demo service");
    let start = demo.start.as_ref().expect("start program");
    assert!(start.command.ends_with("/demo/demo-service.sh start"), "{}", start.command);
    assert!(std::path::Path::new(start.command.split(' ').next().unwrap()).is_absolute(), "resolved against the file");
    let httpd = c.httpd.as_ref().unwrap();
    assert_eq!(httpd.address.as_deref(), Some("127.0.0.1"));
    assert!(matches!(&httpd.allow[0], Allow::User { password, .. } if password.starts_with("$argon2id$")));
}

#[test]
fn every_ready_made_check_parses() {
    let dir = repo_root().join("checks");
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for wanted in [
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
    ] {
        assert!(names.contains(&format!("{wanted}.monitrc")), "checks/{wanted}.monitrc missing");
    }
    for name in names {
        let c = load(&format!("checks/{name}"));
        assert!(!c.services.is_empty(), "{name} defines no service");
    }
    let nginx = load("checks/nginx.monitrc");
    let web = nginx.service("nginx").unwrap();
    assert_eq!(web.check, ServiceKind::Process(ProcessTarget::Pidfile("/run/nginx.pid".into())));
    assert!(web.rules.iter().any(
        |r| matches!(&r.test, Test::Connection(c) if c.protocol.as_ref().is_some_and(|p| p.name == Protocol::Http))
    ));
    assert_eq!(web.restart_limits[0].action, Action::Unmonitor);
    let celery = load("checks/celery.monitrc");
    assert!(matches!(celery.services[0].check, ServiceKind::Process(ProcessTarget::Matching(_))));
}

#[test]
fn a_check_can_be_included_from_a_control_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("checks")).unwrap();
    std::fs::copy(repo_root().join("checks/nginx.monitrc"), dir.path().join("checks/nginx.monitrc")).unwrap();
    let path = write_monitrc(dir.path(), "monitrc", "set daemon 60\ninclude checks/nginx.monitrc\n");
    let c = config::load(&path, OPTIONS).unwrap().config;
    assert!(c.service("nginx").is_some() && c.service("nginx_bin").is_some());
}

#[test]
fn the_demo_service_starts_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let pidfile = dir.path().join("demo.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let script = repo_root().join("demo/demo-service.sh");
    let run = |verb: &str| {
        std::process::Command::new(&script)
            .arg(verb)
            .env("DEMO_PORT", port.to_string())
            .env("DEMO_DIR", dir.path())
            .status()
            .unwrap()
    };
    assert!(run("start").success());
    assert!(
        wait_until(Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()),
        "the demo server answers"
    );
    let pid = live_pid(&pidfile).expect("a live pid in the pidfile");
    assert!(run("stop").success());
    assert!(wait_until(Duration::from_secs(10), || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_err()
        || std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap().contains(") Z")));
}
