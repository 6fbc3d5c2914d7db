//! Running programs: start/stop/restart methods, `exec` actions, custom actions and
//! `check program`. Each runs in its own session and process group, with a documented
//! environment, optional user and groups, a working directory, a hard timeout after which
//! the whole group is killed, and the tail of its output kept for status and alerts.
//!
//! The environment is not the daemon's (which under init is whatever the unit gives): it
//! is `PATH` (the default below unless the configuration sets one), `HOME`, `USER`,
//! `LOGNAME` and `SHELL` of the user the program runs as, `LANG`, `LC_ALL` and `TZ` passed
//! through when set, then `set environment`, the service's `environment`, and the `MONIT_*`
//! variables of the event.

mod children;
pub mod notify;
mod output;
pub mod programs;
mod spawn;

#[cfg(test)]
pub(crate) use children::register as register_for_tests;
pub use children::{forget_gone, is_own_child};
pub use output::OutputTail;
pub use spawn::{OutputSink, Running, set_program_open_files, spawn, spawn_streaming};

use std::path::PathBuf;
use std::time::Duration;

/// `PATH` for programs when the configuration sets none.
pub const DEFAULT_PATH: &str = crate::config::validate::DEFAULT_PATH;

/// How much of a program's output is kept (stdout and stderr each) when the spec does
/// not say: Monit's `programOutput` default.
pub const OUTPUT_KEPT: usize = crate::config::model::defaults::PROGRAM_OUTPUT.bytes as usize;

/// Grace between SIGTERM and SIGKILL when a program's group is killed.
pub const KILL_GRACE: Duration = Duration::from_millis(500);

/// Everything needed to run one program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramSpec {
    /// The program (absolute, or looked up on `PATH` of `env`) and its arguments.
    pub argv: Vec<String>,
    /// The complete environment.
    pub env: Vec<(String, String)>,
    pub cwd: Option<PathBuf>,
    pub credentials: Option<Credentials>,
    pub timeout: Duration,
    /// The bytes of output kept, stdout and stderr each (`set limits { programOutput }`).
    pub output_kept: usize,
}

/// A user to run as, resolved: uid, primary gid, supplementary groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub home: Option<String>,
    pub name: Option<String>,
}

/// How a program ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Killed by us at its timeout.
    TimedOut,
    /// It could not be started (no such file, permission denied, ...).
    SpawnFailed(String),
}

impl Exit {
    pub fn success(&self) -> bool {
        matches!(self, Exit::Code(0))
    }

    /// Monit's "exit status": the code, -1 for anything else.
    pub fn status(&self) -> i32 {
        match self {
            Exit::Code(c) => *c,
            _ => -1,
        }
    }

    /// Monit's `last exit value` of a `check program`: the code, or the number of the
    /// signal that ended it; 9 for a program killed at its timeout (Monit's SIGKILL; ours
    /// gets SIGTERM first, then SIGKILL), -1 for one that could not start.
    pub fn program_status(&self) -> i32 {
        match self {
            Exit::Code(c) => *c,
            Exit::Signal(s) => *s,
            Exit::TimedOut => 9,
            Exit::SpawnFailed(_) => -1,
        }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
            Exit::TimedOut => f.write_str("Program timed out"),
            Exit::SpawnFailed(reason) => write!(f, "cannot start: {reason}"),
        }
    }
}

/// A finished program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub exit: Exit,
    /// stderr first, then stdout, as Monit shows them; each cut to its last
    /// [`ProgramSpec::output_kept`] bytes.
    pub output: String,
    pub duration: Duration,
}

/// Runs a program to its end (or its timeout).
pub async fn run(spec: &ProgramSpec) -> Finished {
    match spawn(spec).await {
        Ok(running) => running.wait().await,
        Err(reason) => Finished { exit: Exit::SpawnFailed(reason), output: String::new(), duration: Duration::ZERO },
    }
}

/// Resolves `uid`/`gid` names of the configuration to credentials. A gid alone keeps the
/// daemon's user; a uid alone takes the user's primary group and supplementary groups.
pub fn resolve_credentials(uid: Option<&str>, gid: Option<&str>) -> Result<Option<Credentials>, String> {
    use nix::unistd::{Gid, Group, Uid, User};
    if uid.is_none() && gid.is_none() {
        return Ok(None);
    }
    let user = match uid {
        Some(u) => {
            let found = match u.parse::<u32>() {
                Ok(n) => User::from_uid(Uid::from_raw(n)),
                Err(_) => User::from_name(u),
            };
            match found {
                Ok(Some(user)) => Some(user),
                Ok(None) if u.parse::<u32>().is_ok() => None,
                Ok(None) => return Err(format!("user '{u}' does not exist")),
                Err(e) => return Err(format!("cannot look up user '{u}': {e}")),
            }
        }
        None => None,
    };
    let gid_value = match gid {
        Some(g) => match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => match Group::from_name(g) {
                Ok(Some(group)) => group.gid.as_raw(),
                Ok(None) => return Err(format!("group '{g}' does not exist")),
                Err(e) => return Err(format!("cannot look up group '{g}': {e}")),
            },
        },
        None => user.as_ref().map_or_else(|| nix::unistd::getegid().as_raw(), |u| u.gid.as_raw()),
    };
    let uid_value = match (&user, uid) {
        (Some(u), _) => u.uid.as_raw(),
        (None, Some(u)) => u.parse::<u32>().unwrap_or(0),
        (None, None) => nix::unistd::geteuid().as_raw(),
    };
    let groups = match &user {
        Some(u) => {
            let name = std::ffi::CString::new(u.name.as_str()).map_err(|e| e.to_string())?;
            nix::unistd::getgrouplist(&name, Gid::from_raw(gid_value))
                .map(|gs| gs.into_iter().map(Gid::as_raw).collect())
                .unwrap_or_else(|_| vec![gid_value])
        }
        None => vec![gid_value],
    };
    Ok(Some(Credentials {
        uid: uid_value,
        gid: gid_value,
        groups,
        home: user.as_ref().map(|u| u.dir.to_string_lossy().into_owned()),
        name: user.map(|u| u.name),
    }))
}

/// The base environment of every program (see the module documentation), before the
/// configuration's variables and the event's `MONIT_*` ones are added.
pub fn base_environment(credentials: Option<&Credentials>) -> Vec<(String, String)> {
    let mut env = vec![("PATH".to_owned(), DEFAULT_PATH.to_owned()), ("SHELL".to_owned(), "/bin/sh".to_owned())];
    let (home, name) = match credentials {
        Some(c) => (c.home.clone(), c.name.clone()),
        None => (std::env::var("HOME").ok(), std::env::var("USER").ok()),
    };
    if let Some(home) = home {
        env.push(("HOME".to_owned(), home));
    }
    if let Some(name) = name {
        env.push(("USER".to_owned(), name.clone()));
        env.push(("LOGNAME".to_owned(), name));
    }
    for key in ["LANG", "LC_ALL", "TZ"] {
        if let Ok(value) = std::env::var(key) {
            env.push((key.to_owned(), value));
        }
    }
    env
}

/// Sets a variable, replacing an earlier value of the same name.
pub fn set_env(env: &mut Vec<(String, String)>, name: &str, value: impl Into<String>) {
    let value = value.into();
    match env.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value,
        None => env.push((name.to_owned(), value)),
    }
}

#[cfg(test)]
mod tests;
