//! The Debian package: `cargo deb` (cargo-deb, which `.ci/run` installs) builds it from the
//! binary this test suite built, with the generated man page and completions
//! (`dist/make-assets.sh`); it holds what it should, `lintian` finds no error in it, and the
//! control file it installs passes the packaged binary's own `-t`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{repo_root, rmonit_bin};

/// cargo-deb, where `cargo install` puts it.
fn cargo_deb() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let path = home.join("bin/cargo-deb");
    path.exists().then_some(path)
}

fn output_of(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("run");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

#[test]
fn cargo_deb_builds_a_package_lintian_accepts() {
    let (Some(cargo_deb), true) = (cargo_deb(), Path::new("/usr/bin/lintian").exists()) else {
        crate::util::skip("cargo-deb or lintian is not installed (bash .ci/run installs both)");
        return;
    };
    let root = repo_root();
    let (ok, said) = output_of(Command::new("bash").arg(root.join("dist/make-assets.sh")).arg(rmonit_bin()));
    assert!(ok, "make-assets: {said}");
    let dir = tempfile::tempdir().unwrap();
    // The test binary's own profile: the package is built from what the suite tests.
    let profile = if rmonit_bin().components().any(|c| c.as_os_str() == "release") { "release" } else { "dev" };
    let (ok, said) = output_of(
        Command::new(&cargo_deb)
            .args(["deb", "--no-build", "--profile", profile, "-o"])
            .arg(dir.path())
            .current_dir(&root),
    );
    assert!(ok, "cargo deb: {said}");
    let deb = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("a .deb");

    let (ok, contents) = output_of(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    assert!(ok, "{contents}");
    for path in [
        "./usr/bin/rmonit",
        "./usr/lib/systemd/system/rmonit.service",
        "./etc/rmonit/monitrc",
        "./usr/share/man/man1/rmonit.1.gz",
        "./usr/share/bash-completion/completions/rmonit",
        "./usr/share/zsh/vendor-completions/_rmonit",
        "./usr/share/fish/vendor_completions.d/rmonit.fish",
        "./usr/share/rmonit/checks/nginx.monitrc",
        "./usr/share/doc/rmonit/copyright",
    ] {
        assert!(contents.lines().any(|l| l.ends_with(path)), "{path} in\n{contents}");
    }
    assert!(contents.lines().any(|l| l.starts_with("-rw------- 0/0") && l.ends_with("./etc/rmonit/monitrc")));

    let (ok, said) = output_of(Command::new("lintian").args(["--fail-on", "error"]).arg(&deb));
    assert!(ok && !said.lines().any(|l| l.starts_with("E: ")), "lintian: {said}");

    // What it installs works: the packaged binary accepts the packaged control file.
    let unpacked = dir.path().join("root");
    let (ok, said) = output_of(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked));
    assert!(ok, "{said}");
    let (ok, said) = output_of(
        Command::new(unpacked.join("usr/bin/rmonit")).arg("-t").arg("-c").arg(unpacked.join("etc/rmonit/monitrc")),
    );
    assert!(ok && said.contains("Control file syntax OK"), "{said}");
}
