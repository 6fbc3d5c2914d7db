//! Who may own and read a control file. Monit refuses one readable by anyone but its owner
//! (mode > 0700), which a git checkout (0644) never is. rmonit refuses one writable by group
//! or others (anyone could make the daemon run their programs), and one readable by others
//! only when it holds a cleartext password.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::model::{Allow, Config, Test};
use super::source::Diagnostic;

pub fn check_control_file(path: &Path, config: &Config) -> Result<(), Diagnostic> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::global(format!("cannot read the control file '{}': {e}", path.display())))?;
    let shown = path.display();
    if !meta.is_file() {
        return Err(Diagnostic::global(format!("the control file '{shown}' is not a regular file")));
    }
    let mode = meta.mode() & 0o7777;
    let euid = nix::unistd::geteuid().as_raw();
    if meta.uid() != euid && meta.uid() != 0 {
        return Err(Diagnostic::global(format!(
            "the control file '{shown}' is owned by uid {}, not by you (uid {euid}) or root; run: chown {euid} '{shown}'",
            meta.uid()
        )));
    }
    if mode & 0o022 != 0 {
        return Err(Diagnostic::global(format!(
            "the control file '{shown}' is writable by group or others (mode {mode:04o}), so they could make rmonit run any program; run: chmod go-w '{shown}'"
        )));
    }
    if mode & 0o004 != 0
        && let Some(what) = cleartext_password(config)
    {
        return Err(Diagnostic::global(format!(
            "the control file '{shown}' is readable by others (mode {mode:04o}) and holds a cleartext password ({what}); run: chmod o-r '{shown}', or use a hashed password"
        )));
    }
    Ok(())
}

/// Where the configuration keeps a password in clear, if anywhere.
pub fn cleartext_password(config: &Config) -> Option<String> {
    if let Some(httpd) = &config.httpd {
        for allow in &httpd.allow {
            if let Allow::User { user, password, .. } = allow
                && !is_password_hash(password)
            {
                return Some(format!("'allow {user}:...'"));
            }
        }
    }
    if let Some(mail) = &config.mail {
        for server in &mail.servers {
            if server.password.is_some() {
                return Some(format!("the password of mail server {}", server.host));
            }
        }
    }
    for service in &config.services {
        for rule in &service.rules {
            if let Test::Connection(c) = &rule.test {
                if c.protocol.as_ref().is_some_and(|p| p.password.is_some() || p.secret.is_some()) {
                    return Some(format!("a protocol password in service '{}'", service.name));
                }
                if let super::model::ConnectionTarget::Url { url } = &c.target
                    && url_has_password(url)
                {
                    return Some(format!("a URL password in service '{}'", service.name));
                }
            }
        }
    }
    None
}

fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    authority.split_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// Whether a password is stored as a hash we can verify (argon2, bcrypt, SHA-crypt, MD5-crypt).
pub fn is_password_hash(password: &str) -> bool {
    ["$argon2id$", "$argon2i$", "$argon2d$", "$2y$", "$2b$", "$2a$", "$6$", "$5$", "$1$", "$apr1$"]
        .iter()
        .any(|p| password.starts_with(p))
}
