//! Shared helpers for the integration tests: the built binary, temporary control files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `rmonit` binary cargo built for these tests.
pub fn rmonit_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rmonit"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `rmonit` with these arguments and returns its output.
pub fn run_rmonit(args: &[&str]) -> Output {
    Command::new(rmonit_bin()).args(args).env("LC_ALL", "C").output().expect("run rmonit")
}

/// Writes a control file with mode 0600 into `dir` and returns its path.
pub fn write_monitrc(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write control file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod control file");
    path
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
