//! Tests of running programs: exit codes, output, timeouts that kill the whole group,
//! environment, working directory.

use std::time::Duration;

use super::*;

fn spec(argv: &[&str], timeout: Duration) -> ProgramSpec {
    ProgramSpec {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        env: base_environment(None),
        cwd: None,
        credentials: None,
        timeout,
        output_kept: OUTPUT_KEPT,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn exit_codes_and_output_stderr_first() {
    runtime().block_on(async {
        let f = run(&spec(&["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], Duration::from_secs(10))).await;
        assert_eq!(f.exit, Exit::Code(3));
        assert_eq!(f.output, "err\nout\n");
        let f = run(&spec(&["/bin/sh", "-c", "printf out; printf err >&2"], Duration::from_secs(10))).await;
        assert_eq!(f.output, "err\nout");
    });
}

#[test]
fn a_missing_program_is_a_spawn_failure() {
    runtime().block_on(async {
        let f = run(&spec(&["/nonexistent/prog"], Duration::from_secs(10))).await;
        assert_eq!(f.exit, Exit::SpawnFailed("/nonexistent/prog: no such file or directory".into()));
    });
}

#[test]
fn a_hung_program_and_its_children_are_killed_at_the_timeout() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("child.pid");
        let script = format!("sleep 600 & echo $! > {}; wait", pidfile.display());
        let started = std::time::Instant::now();
        let f = run(&spec(&["/bin/sh", "-c", &script], Duration::from_millis(300))).await;
        assert_eq!(f.exit, Exit::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        let child: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        // The grandchild was in the group: poll until it is gone (it may be a zombie of init briefly).
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let alive = crate::procfs::process::read_stat(child).is_ok_and(|s| !s.is_zombie());
            if !alive {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "grandchild {child} survived the group kill");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}

#[test]
fn environment_is_clean_and_documented() {
    runtime().block_on(async {
        let mut s = spec(&["/bin/sh", "-c", "env | sort"], Duration::from_secs(10));
        set_env(&mut s.env, "MONIT_SERVICE", "web");
        set_env(&mut s.env, "PATH", "/usr/bin:/bin");
        let dir = tempfile::tempdir().unwrap();
        s.cwd = Some(dir.path().to_path_buf());
        let f = run(&s).await;
        assert!(f.exit.success());
        assert!(f.output.contains("MONIT_SERVICE=web\n"), "{}", f.output);
        assert!(f.output.contains("PATH=/usr/bin:/bin\n"), "{}", f.output);
        assert!(f.output.contains("SHELL=/bin/sh\n"), "{}", f.output);
        assert!(!f.output.contains("CARGO_"), "the daemon's environment leaked: {}", f.output);
        let f = run(&ProgramSpec { argv: vec!["/bin/pwd".into()], ..s }).await;
        assert_eq!(f.output.trim(), std::fs::canonicalize(dir.path()).unwrap().to_str().unwrap());
    });
}

#[test]
fn programs_run_in_their_own_session() {
    runtime().block_on(async {
        let f = run(&spec(&["/bin/sh", "-c", "cat /proc/self/stat"], Duration::from_secs(10))).await;
        let stat = crate::procfs::process::parse_stat(&f.output).unwrap();
        // Field 6 (session) equals the pid of the shell that cat ran from: the session leader.
        let session_of = |stat: &str| -> i32 {
            let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split_whitespace().collect();
            fields[3].parse().unwrap()
        };
        let session = session_of(&f.output);
        assert_eq!(session, stat.ppid, "the shell leads its own session");
        // Read from /proc, not getsid(2): in a PID namespace whose session leader lives
        // outside it, the kernel reports session 0 (and rustix's getsid panics on it).
        let ours = session_of(&std::fs::read_to_string("/proc/self/stat").unwrap());
        assert_ne!(session, ours);
    });
}

#[test]
fn credentials_of_root_resolve_with_groups() {
    let c = resolve_credentials(Some("root"), None).unwrap().unwrap();
    assert_eq!((c.uid, c.gid), (0, 0));
    assert!(c.groups.contains(&0));
    assert_eq!(c.home.as_deref(), Some("/root"));
    assert!(resolve_credentials(Some("no-such-user-xyz"), None).is_err());
    assert_eq!(resolve_credentials(None, None).unwrap(), None);
}

#[test]
fn a_program_can_run_as_another_user_when_root() {
    if !rustix::process::geteuid().is_root() {
        return;
    }
    runtime().block_on(async {
        let creds = resolve_credentials(Some("nobody"), None).unwrap();
        let mut s = spec(&["/usr/bin/id", "-u"], Duration::from_secs(10));
        s.credentials = creds.clone();
        let f = run(&s).await;
        assert_eq!(f.output.trim(), creds.unwrap().uid.to_string());
    });
}

#[test]
fn a_check_programs_exit_value_is_its_code_or_signal_as_in_monit() {
    runtime().block_on(async {
        let f = run(&spec(&["/bin/sh", "-c", "kill -15 $$"], Duration::from_secs(10))).await;
        assert_eq!((f.exit.status(), f.exit.program_status()), (-1, 15));
        let f = run(&spec(&["/bin/sleep", "30"], Duration::from_millis(200))).await;
        assert_eq!((f.exit.status(), f.exit.program_status()), (-1, 9), "killed at its timeout");
        assert_eq!(Exit::Code(3).program_status(), 3);
    });
}

#[test]
fn the_output_kept_is_the_specs() {
    let rt = runtime();
    let long = spec(&["/bin/sh", "-c", "printf START; head -c 1000 /dev/zero | tr '\\0' x"], Duration::from_secs(10));
    let default = rt.block_on(run(&long));
    assert!(!default.output.contains("START"), "{}", default.output.len());
    assert!(default.output.len() <= OUTPUT_KEPT + 3, "{}", default.output.len());
    let larger = rt.block_on(run(&ProgramSpec { output_kept: 2048, ..long }));
    assert!(larger.output.starts_with("START"), "{}", &larger.output[..20]);
}
