//! A `check <type> <name>` block: what is watched, its programs, dependencies, schedule,
//! recipients, rules, and our extensions (environment, working directory, named actions).

use serde::{Deserialize, Serialize};

use super::cron::CronSpec;
use super::global::{AlertConfig, EnvVar, OnReboot};
use super::pattern::Pattern;
use super::rule::{ContentPattern, RestartLimit, Rule};
use super::values::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub name: String,
    /// What kind of thing is checked, and how it is found.
    pub check: ServiceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<ProgramConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<ProgramConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<ProgramConfig>,
    /// Names of the services this one depends on (its parents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Every>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onreboot: Option<OnReboot>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restart_limits: Vec<RestartLimit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertConfig>,
    /// `noalert <mail>`: global recipients this service does not mail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub noalerts: Vec<String>,
    /// The tests, in the order written (Monit evaluates them in reverse; we do not).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// `ignore content = "regex"`: lines dropped before content rules see them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_content: Vec<ContentPattern>,
    /// Extension: `environment NAME = "value"` for this service's programs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<EnvVar>,
    /// Extension: `working directory "/path"` for this service's programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// Extension: `action <name> = "<command>"`, run on request or from a rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<CustomAction>,
}

impl ServiceConfig {
    pub fn new(name: impl Into<String>, check: ServiceKind) -> Self {
        ServiceConfig {
            name: name.into(),
            check,
            start: None,
            stop: None,
            restart: None,
            depends: Vec::new(),
            groups: Vec::new(),
            every: None,
            mode: None,
            onreboot: None,
            restart_limits: Vec::new(),
            alerts: Vec::new(),
            noalerts: Vec::new(),
            rules: Vec::new(),
            ignore_content: Vec::new(),
            environment: Vec::new(),
            working_directory: None,
            actions: Vec::new(),
        }
    }

    pub fn type_name(&self) -> &'static str {
        self.check.type_name()
    }
}

/// The service types (reference §1.3), each with how its object is found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ServiceKind {
    Process(ProcessTarget),
    File { path: String },
    Fifo { path: String },
    Directory { path: String },
    Filesystem { path: String },
    Host { address: String },
    System,
    Program(ProgramConfig),
    Network(NetworkTarget),
}

impl ServiceKind {
    /// Monit's type name, as `summary` prints it.
    pub fn type_name(&self) -> &'static str {
        match self {
            ServiceKind::Process(_) => "Process",
            ServiceKind::File { .. } => "File",
            ServiceKind::Fifo { .. } => "Fifo",
            ServiceKind::Directory { .. } => "Directory",
            ServiceKind::Filesystem { .. } => "Filesystem",
            ServiceKind::Host { .. } => "Remote Host",
            ServiceKind::System => "System",
            ServiceKind::Program(_) => "Program",
            ServiceKind::Network(_) => "Network",
        }
    }

    /// The control-file keyword after `check`.
    pub fn keyword(&self) -> &'static str {
        match self {
            ServiceKind::Process(_) => "process",
            ServiceKind::File { .. } => "file",
            ServiceKind::Fifo { .. } => "fifo",
            ServiceKind::Directory { .. } => "directory",
            ServiceKind::Filesystem { .. } => "filesystem",
            ServiceKind::Host { .. } => "host",
            ServiceKind::System => "system",
            ServiceKind::Program(_) => "program",
            ServiceKind::Network(_) => "network",
        }
    }

    /// The filesystem path the service watches, for the types that have one.
    pub fn path(&self) -> Option<&str> {
        match self {
            ServiceKind::File { path }
            | ServiceKind::Fifo { path }
            | ServiceKind::Directory { path }
            | ServiceKind::Filesystem { path } => Some(path),
            ServiceKind::Process(ProcessTarget::Pidfile(path)) | ServiceKind::Process(ProcessTarget::Path(path)) => {
                Some(path)
            }
            _ => None,
        }
    }
}

/// How a process is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ProcessTarget {
    Pidfile(String),
    /// The executable's path.
    Path(String),
    /// A regular expression (POSIX ERE) on the full command line.
    Matching(Pattern),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum NetworkTarget {
    Interface(String),
    Address(String),
}

/// A program with its credentials and timeout: start/stop/restart methods, `check program`,
/// `exec` actions and custom actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramConfig {
    /// The command line as written: the program and its arguments, split like a shell
    /// splits words (quotes group, no expansion).
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// `with ready notification` (start and restart programs): the program gets a
    /// `NOTIFY_SOCKET` and counts as started when it sends `READY=1` (see
    /// `exec::notify`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ready_notification: bool,
}

impl ProgramConfig {
    pub fn new(command: impl Into<String>) -> Self {
        ProgramConfig { command: command.into(), uid: None, gid: None, timeout: None, ready_notification: false }
    }

    /// The program and its arguments.
    pub fn argv(&self) -> Vec<String> {
        split_command(&self.command)
    }
}

/// Splits a command line into words: blanks separate, single and double quotes group,
/// a backslash escapes the next character. No variable or glob expansion.
pub fn split_command(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') | (None, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// `every N cycles`, `every "cron"`, `not every "cron"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Every {
    Cycles(u32),
    Cron(CronSpec),
    NotCron(CronSpec),
}

/// `mode active|passive|manual`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Active,
    Passive,
    Manual,
}

/// Extension: a named program attached to a service (`action configtest = "nginx -t"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAction {
    pub name: String,
    pub program: ProgramConfig,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(split_command("/bin/sh -c 'echo a b'"), ["/bin/sh", "-c", "echo a b"]);
        assert_eq!(split_command("  /x   \"\"  y\\ z "), ["/x", "", "y z"]);
        assert!(split_command("   ").is_empty());
    }
}
