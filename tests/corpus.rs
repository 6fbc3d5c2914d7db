//! The control-file corpus: every file under tests/corpus/valid must load, with the number
//! of services its `# expect-services: N` line says; every file under tests/corpus/invalid
//! must fail with the first error its `# expect-error: LINE:COL: MESSAGE` line gives.

use std::path::{Path, PathBuf};

use rmonit::config::{self, LoadOptions};

use crate::util::repo_root;

const OPTIONS: LoadOptions = LoadOptions { strict: false, skip_permissions: true };

/// The corpus files of a directory (fragments for includes live in subdirectories).
pub fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = repo_root().join("tests/corpus").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("monitrc" | "yml" | "yaml")))
        .collect();
    files.sort();
    files
}

fn header(path: &Path, key: &str) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    text.lines().find_map(|l| l.trim_start_matches('#').trim().strip_prefix(key).map(|v| v.trim().to_owned()))
}

#[test]
fn valid_files_load_with_their_services() {
    let files = corpus("valid");
    assert!(files.len() >= 60, "only {} valid corpus files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let expected: usize = header(path, "expect-services:")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{}: no '# expect-services: N' line", path.display()));
        match config::load(path, OPTIONS) {
            Ok(loaded) if loaded.config.services.len() == expected => {}
            Ok(loaded) => failures.push(format!(
                "{}: {} services, expected {expected}",
                path.display(),
                loaded.config.services.len()
            )),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_files_fail_with_their_first_error() {
    let files = corpus("invalid");
    assert!(files.len() >= 30, "only {} invalid corpus files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let expected =
            header(path, "expect-error:").unwrap_or_else(|| panic!("{}: no '# expect-error:' line", path.display()));
        match config::load(path, OPTIONS) {
            Ok(_) => failures.push(format!("{}: loaded, expected {expected}", path.display())),
            Err(e) => {
                let first = e.diagnostics.errors().next().map(|d| d.headline(&e.sources)).unwrap_or_default();
                let prefix = format!("{}:", path.display());
                let root = format!("{}/", repo_root().display());
                let got = first.strip_prefix(&prefix).unwrap_or(&first).replace(&root, "");
                if got != expected {
                    failures.push(format!("{}:\n  got:      {got}\n  expected: {expected}", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn everything_holds_every_family() {
    use rmonit::config::model::*;
    let loaded = config::load(&repo_root().join("tests/corpus/valid/everything.monitrc"), OPTIONS).unwrap();
    let c = &loaded.config;
    assert_eq!(c.daemon.as_ref().unwrap().start_delay, Some(Duration::from_secs(60)));
    assert_eq!(c.mail.as_ref().unwrap().servers.len(), 3);
    assert_eq!(c.alerts.len(), 3);
    assert!(matches!(c.alerts[2].to, AlertTarget::Webhook(ref w) if w.format == WebhookFormat::Slack));
    assert_eq!(c.httpd.as_ref().unwrap().allow.len(), 6);
    let nginx = c.service("nginx").unwrap();
    assert_eq!(nginx.depends, ["nginx_bin", "nginx_conf"]);
    assert_eq!(nginx.actions[0].name, "configtest");
    assert!(nginx.rules.iter().any(|r| r.action == Action::Custom("configtest".into())));
    let kinds: Vec<&str> = c.services.iter().map(|s| s.check.keyword()).collect();
    for kind in ["system", "process", "file", "fifo", "directory", "filesystem", "host", "program", "network"] {
        assert!(kinds.contains(&kind), "no {kind} service");
    }
}
