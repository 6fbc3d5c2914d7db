//! The `rmonit` binary's command line: `-t`, `-V`, `config show`, permissions, exit codes.

use std::os::unix::fs::PermissionsExt;

use crate::util::{run_rmonit, stderr, stdout, write_monitrc};

const VALID: &str = "set daemon 5\ncheck system box\n if loadavg (1min) > 10 then alert\n\
                     check process web with pidfile /run/web.pid\n if cpu > 80% for 3 cycles then alert\n";

#[test]
fn test_option_accepts_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "monitrc", VALID);
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t"]);
    assert_eq!(stdout(&out), "Control file syntax OK\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn test_option_reports_every_error_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(
        dir.path(),
        "monitrc",
        "set daemon 5\ncheck process web with pidfile /run/web.pid\n if cpu > 80% for 3 cyclez then alert\n\
         depends on nosuch\ncheck process WEB with pidfile /run/web2.pid\n",
    );
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    let file = path.display().to_string();
    assert!(err.contains(&format!("{file}:3:21: unexpected 'cyclez', expected 'cycles'")), "{err}");
    assert!(err.contains("3 |  if cpu > 80% for 3 cyclez then alert\n  |                     ^^^^^^"), "{err}");
    assert!(err.contains("= help: did you mean `cycles`?"), "{err}");
    assert!(
        err.contains(&format!("{file}:4:12: depending service 'nosuch' is not defined in the control file")),
        "{err}"
    );
    assert!(err.contains(&format!("{file}:5:15: service name conflict: 'WEB' is already defined")), "{err}");
}

#[test]
fn warnings_do_not_fail_the_test_but_strict_makes_programs_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(
        dir.path(),
        "monitrc",
        "check process web with pidfile /run/web.pid\n start program = \"/nonexistent/bin/web start\"\n",
    );
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("warning: program does not exist: /nonexistent/bin/web"), "{}", stderr(&out));
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(":2:18: program does not exist: /nonexistent/bin/web"), "{}", stderr(&out));
}

#[test]
fn a_group_writable_control_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "monitrc", VALID);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("is writable by group or others (mode 0664)"), "{err}");
    assert!(err.contains("run: chmod go-w"), "{err}");
}

#[test]
fn a_world_readable_file_is_fine_unless_it_holds_a_cleartext_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "monitrc", VALID);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let cleartext = format!("{VALID}set httpd port 2812 allow admin:s3cret\n");
    let path = write_monitrc(dir.path(), "clear", &cleartext);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is readable by others (mode 0644) and holds a cleartext password ('allow admin:...')")
    );

    let hashed =
        format!("{VALID}set httpd port 2812 allow admin:\"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g\"\n");
    let path = write_monitrc(dir.path(), "hashed", &hashed);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "-t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_missing_control_file_is_a_clear_error() {
    let out = run_rmonit(&["-c", "/nonexistent/monitrc", "-t"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), "cannot read the control file '/nonexistent/monitrc': no such file");
}

#[test]
fn version_and_unknown_verbs() {
    let out = run_rmonit(&["-V"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with(&format!("This is rmonit version {}", env!("CARGO_PKG_VERSION"))));
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "monitrc", VALID);
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "frobnicate"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), "Invalid argument -- frobnicate  (-h will show valid arguments)");
}

#[test]
fn config_show_prints_yaml_and_json_of_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "monitrc", VALID);
    let out = run_rmonit(&["-c", path.to_str().unwrap(), "config", "show", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["daemon"]["interval"], "5 s");
    assert_eq!(json["services"][1]["name"], "web");
    assert_eq!(json["services"][1]["check"]["process"]["pidfile"], "/run/web.pid");
    assert_eq!(json["services"][1]["rules"][0]["tolerance"]["count"], 3);

    let out = run_rmonit(&["-c", path.to_str().unwrap(), "config", "show", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let yaml = dir.path().join("monitrc.yml");
    std::fs::write(&yaml, stdout(&out)).unwrap();
    let from_yaml =
        rmonit::config::load(&yaml, rmonit::config::LoadOptions { strict: false, skip_permissions: true }).unwrap();
    let from_monitrc = rmonit::config::load(&path, rmonit::config::LoadOptions::default()).unwrap();
    assert_eq!(from_yaml.config, from_monitrc.config);
}

#[test]
fn the_control_file_is_found_in_the_search_order() {
    let home = tempfile::tempdir().unwrap();
    write_monitrc(home.path(), ".monitrc", VALID);
    let out = std::process::Command::new(crate::util::rmonit_bin())
        .arg("-t")
        .env("HOME", home.path())
        .current_dir(home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Control file syntax OK\n");
}

#[test]
fn dash_h_prints_sha1_and_md5_as_monit_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello");
    std::fs::write(&file, "hello").unwrap();
    let out = run_rmonit(&["-H", file.to_str().unwrap()]);
    assert_eq!(
        stdout(&out),
        format!(
            "SHA1({f}) = aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\nMD5({f})  = 5d41402abc4b2a76b9719d911017c592\n",
            f = file.display()
        )
    );
}

#[test]
fn hash_password_makes_an_argon2id_hash_that_verifies() {
    use std::io::Write;
    let mut child = std::process::Command::new(crate::util::rmonit_bin())
        .arg("hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"s3cret pass\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let hash = stdout(&out).trim().to_owned();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(rmonit::http::password::verify(&hash, "s3cret pass", false));
    assert!(!rmonit::http::password::verify(&hash, "s3cret", false));
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let bash = run_rmonit(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0), "{}", stderr(&bash));
    let script = stdout(&bash);
    assert!(script.contains("--statefile") && script.contains("complete -F _rmonit"), "{script}");
    // bash itself reads it without a syntax error.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rmonit.bash"), &script).unwrap();
    let checked = std::process::Command::new("bash").arg("-n").arg(dir.path().join("rmonit.bash")).output().unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    for shell in ["zsh", "fish"] {
        let out = run_rmonit(&["completions", shell]);
        assert!(out.status.success() && stdout(&out).contains("statefile"), "{shell}: {}", stderr(&out));
    }
    let wrong = run_rmonit(&["completions", "tcsh"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("unknown shell 'tcsh'"), "{}", stderr(&wrong));

    let man = run_rmonit(&["man"]);
    assert_eq!(man.status.code(), Some(0), "{}", stderr(&man));
    let page = stdout(&man);
    assert!(page.contains(".TH rmonit 1") && page.contains(env!("CARGO_PKG_VERSION")), "{page}");
    // groff renders it without a complaint, with every option and the commands.
    std::fs::write(dir.path().join("rmonit.1"), &page).unwrap();
    let rendered = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .arg(dir.path().join("rmonit.1"))
        .output()
        .unwrap();
    assert!(rendered.status.success() && stderr(&rendered).is_empty(), "{}", stderr(&rendered));
    let text = stdout(&rendered);
    assert!(text.contains("-s, --statefile <statefile>"), "{text}");
    assert!(text.contains("import-state") && text.contains("completions"), "{text}");
}
