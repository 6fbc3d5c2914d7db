//! Small tools: `-H [file]` (SHA1 and MD5 of a file or of stdin, as Monit prints them),
//! `-i` / `-r` (print or reset the instance id), and `hash-password` (an argon2id hash for
//! `allow user:"..."`, read from the terminal without echo, or from stdin).

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;

use md5::Md5;
use sha1::{Digest, Sha1};

use super::{Cli, exit};

/// `-H [file]`: `SHA1(file) = ...` and `MD5(file)  = ...`.
pub fn hash_file(file: Option<&PathBuf>) -> Result<u8, String> {
    let (name, mut reader): (String, Box<dyn Read>) = match file {
        Some(path) => (
            path.display().to_string(),
            Box::new(std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?),
        ),
        None => ("stdin".to_owned(), Box::new(std::io::stdin().lock())),
    };
    let (mut sha1, mut md5) = (Sha1::new(), Md5::new());
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buffer).map_err(|e| format!("cannot read {name}: {e}"))?;
        if n == 0 {
            break;
        }
        sha1.update(&buffer[..n]);
        md5.update(&buffer[..n]);
    }
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    println!("SHA1({name}) = {}", hex(&sha1.finalize()));
    println!("MD5({name})  = {}", hex(&md5.finalize()));
    Ok(exit::OK)
}

/// `-i`: `Monit ID: <id>` (made and stored if there is none yet).
pub fn print_id(cli: &Cli) -> Result<u8, String> {
    let config = super::daemon_cmd::load_config(cli)?;
    println!("Monit ID: {}", crate::config::paths::instance_id(&config)?);
    Ok(exit::OK)
}

/// `-r`: asks, then replaces the id file with a new id and tells a running daemon to reload.
pub fn reset_id(cli: &Cli) -> Result<u8, String> {
    let config = super::daemon_cmd::load_config(cli)?;
    print!("Reset rmonit Id? [y/N]> ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| e.to_string())?;
    if !answer.trim().eq_ignore_ascii_case("y") {
        return Ok(exit::OK);
    }
    let path = crate::config::paths::idfile(&config);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove the id file {}: {e}", path.display())),
    }
    let id = crate::config::paths::instance_id(&config)?;
    println!("Monit ID: {id}");
    let pidfile = cli.pidfile.clone().unwrap_or_else(|| crate::config::paths::pidfile(&config));
    if let Some(pid) = crate::daemon::running_daemon(&pidfile) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGHUP);
    }
    Ok(exit::OK)
}

/// `hash-password`: prints an argon2id hash of a password (asked twice on a terminal, with
/// echo off; else the first line of stdin).
pub fn hash_password() -> Result<u8, String> {
    let password = if std::io::stdin().is_terminal() {
        let first = read_hidden("Password: ")?;
        let second = read_hidden("Again: ")?;
        if first != second {
            return Err("the passwords differ".to_owned());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.is_empty() {
        return Err("an empty password is not accepted".to_owned());
    }
    use argon2::password_hash::PasswordHasher;
    let hash = argon2::Argon2::default().hash_password(password.as_bytes()).map_err(|e| e.to_string())?;
    println!("{hash}");
    Ok(exit::OK)
}

/// Reads a line from the terminal with echo off.
fn read_hidden(prompt: &str) -> Result<String, String> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    eprint!("{prompt}");
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).map_err(|e| e.to_string())?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet).map_err(|e| e.to_string())?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    eprintln!();
    read.map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
