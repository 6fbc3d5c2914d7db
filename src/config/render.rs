//! Writes a [`Config`] back as a monitrc control file (`rmonit config convert --to
//! monitrc`, `config show`, `-t -v`). What the model holds of Monit's language is written in
//! Monit's syntax; our extensions in ours. Parsing the output gives the same model.

use std::fmt::Write as _;

use super::lexer::is_noise;
use super::model::*;

mod rule;
mod set;
#[cfg(test)]
mod tests;

pub use rule::rule_text;
use rule::{action, pattern};
use set::{alert, globals};

/// The control file for a model.
pub fn to_monitrc(config: &Config) -> String {
    render(config, false)
}

/// The configuration as `-t -v` and `config show` print it: monitrc, with the implicit
/// rules of each service written out as comments.
pub fn effective(config: &Config) -> String {
    render(config, true)
}

fn render(config: &Config, implicit: bool) -> String {
    let mut out = String::new();
    if implicit {
        out.push_str("# The effective configuration: includes resolved, implicit rules shown as comments.\n");
    }
    globals(&mut out, config);
    for service in &config.services {
        out.push('\n');
        service_block(&mut out, service, implicit);
    }
    out
}

/// A value as one token: bare if it lexes back as the same word, else quoted.
pub fn quote(text: &str) -> String {
    let bare = !text.is_empty()
        && !is_noise(text)
        && !text.starts_with(['<', '>', '=', '!', '[', ']'])
        && text.chars().all(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(c, ',' | ';' | '(' | ')' | '{' | '}' | '"' | '\'' | '#' | '[' | ']')
        });
    // A word Monit reserves reads back as a keyword where a name is wanted: quoted.
    if bare && !looks_like_keyword(text) && !crate::config::parser::reserved::is_reserved(text) {
        return text.to_owned();
    }
    quote_always(text)
}

/// A value in quotes, escaped so the lexer reads back exactly `text`.
fn quote_always(text: &str) -> String {
    let quote_char = if text.contains('"') && !text.contains('\'') { '\'' } else { '"' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote_char);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == quote_char {
            out.push('\\');
            out.push(c);
        } else if c == '\\' {
            // A backslash survives unless an escape could be read: before the quote, another
            // backslash, or at the end.
            match chars.get(i + 1) {
                Some(&n) if n == quote_char || n == '\\' => out.push_str("\\\\"),
                None => out.push_str("\\\\"),
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out.push(quote_char);
    out
}

/// Words a value must not be written as bare, because the parser would read them as
/// keywords in list positions (`depends on check` ...).
fn looks_like_keyword(text: &str) -> bool {
    /// Option words that may follow a value (beyond the words that start a statement).
    const OPTIONS: &[&str] = &[
        "then",
        "else",
        "timeout",
        "uid",
        "gid",
        "hostname",
        "port",
        "username",
        "password",
        "read-only",
        "readonly",
        "allow",
        "ssl",
        "tls",
        "address",
        "unixsocket",
        "signature",
        "insecure",
        "history",
        "format",
        "header",
        "reminder",
        "digest",
        "mail-format",
        "register",
    ];
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(text));
    is(super::parser::STATEMENT_WORDS) || is(OPTIONS) || super::lexer::alias_of(text).is_some()
}

/// A duration in the form `set daemon` and timeouts take.
fn interval(d: Duration) -> String {
    if d.millis.is_multiple_of(1000) {
        format!("{} seconds", d.millis / 1000)
    } else {
        format!("{} milliseconds", d.millis)
    }
}

fn onreboot(o: OnReboot) -> &'static str {
    match o {
        OnReboot::Start => "start",
        OnReboot::Nostart => "nostart",
        OnReboot::Laststate => "laststate",
    }
}

fn ssl_block(s: &SslOptions) -> String {
    let mut items = Vec::new();
    if !s.versions.is_empty() {
        let words: Vec<&str> = s.versions.iter().map(TlsVersion::word).collect();
        items.push(format!("version: {}", words.join(" ")));
    }
    if let Some(v) = s.verify {
        items.push(format!("verify: {}", if v { "enable" } else { "disable" }));
    }
    if let Some(v) = s.selfsigned {
        items.push(format!("selfsigned: {}", if v { "allow" } else { "reject" }));
    }
    let paths = [
        ("ciphers", &s.ciphers),
        ("pemfile", &s.pemfile),
        ("pemchain", &s.pemchain),
        ("pemkey", &s.pemkey),
        ("clientpemfile", &s.clientpemfile),
        ("cacertificatefile", &s.cacertificatefile),
        ("cacertificatepath", &s.cacertificatepath),
    ];
    for (k, v) in paths {
        if let Some(v) = v {
            items.push(format!("{k}: {}", quote_always(v)));
        }
    }
    format!("{{ {} }}", items.join(", "))
}

fn ssl_clause(s: &SslOptions) -> String {
    if *s == SslOptions::default() { "ssl".to_owned() } else { format!("ssl with options {}", ssl_block(s)) }
}

fn checksum_value(hash: Option<HashType>, value: &str) -> String {
    match hash {
        Some(HashType::Md5) => format!("md5 {value}"),
        Some(HashType::Sha1) => format!("sha1 {value}"),
        Some(HashType::Sha256) => format!("sha256 {value}"),
        None => value.to_owned(),
    }
}

fn program(p: &ProgramConfig) -> String {
    let mut s = quote_always(&p.command);
    if let Some(u) = &p.uid {
        let _ = write!(s, " as uid {}", quote(u));
    }
    if let Some(g) = &p.gid {
        let _ = write!(s, " as gid {}", quote(g));
    }
    if let Some(t) = p.timeout {
        let _ = write!(s, " with timeout {}", interval(t));
    }
    if p.ready_notification {
        s.push_str(" with ready notification");
    }
    s
}

fn service_block(out: &mut String, s: &ServiceConfig, implicit: bool) {
    let name = quote(&s.name);
    match &s.check {
        ServiceKind::Process(ProcessTarget::Pidfile(p)) => {
            let _ = writeln!(out, "check process {name} with pidfile {}", quote(p));
        }
        ServiceKind::Process(ProcessTarget::Path(p)) => {
            let _ = writeln!(out, "check process {name} with path {}", quote(p));
        }
        ServiceKind::Process(ProcessTarget::Matching(m)) => {
            let _ = writeln!(out, "check process {name} matching {}", quote_always(m));
        }
        ServiceKind::File { path } => {
            let _ = writeln!(out, "check file {name} with path {}", quote(path));
        }
        ServiceKind::Fifo { path } => {
            let _ = writeln!(out, "check fifo {name} with path {}", quote(path));
        }
        ServiceKind::Directory { path } => {
            let _ = writeln!(out, "check directory {name} with path {}", quote(path));
        }
        ServiceKind::Filesystem { path } => {
            let _ = writeln!(out, "check filesystem {name} with path {}", quote(path));
        }
        ServiceKind::Host { address } => {
            let _ = writeln!(out, "check host {name} with address {}", quote(address));
        }
        ServiceKind::System => {
            let _ = writeln!(out, "check system {name}");
        }
        ServiceKind::Program(p) => {
            let _ = writeln!(out, "check program {name} with path {}", program(p));
        }
        ServiceKind::Network(NetworkTarget::Interface(i)) => {
            let _ = writeln!(out, "check network {name} with interface {}", quote(i));
        }
        ServiceKind::Network(NetworkTarget::Address(a)) => {
            let _ = writeln!(out, "check network {name} with address {}", quote(a));
        }
    }
    for (word, p) in [("start", &s.start), ("stop", &s.stop), ("restart", &s.restart)] {
        if let Some(p) = p {
            let _ = writeln!(out, "    {word} program = {}", program(p));
        }
    }
    for var in &s.environment {
        let _ = writeln!(out, "    environment {} = {}", var.name, quote_always(&var.value));
    }
    if let Some(dir) = &s.working_directory {
        let _ = writeln!(out, "    working directory {}", quote_always(dir));
    }
    for a in &s.actions {
        let _ = writeln!(out, "    action {} = {}", a.name, program(&a.program));
    }
    for rule in &s.rules {
        let _ = writeln!(out, "    {}", rule_text(rule));
    }
    if implicit {
        for rule in implicit::effective_rules(s).iter().filter(|r| !s.rules.contains(r)) {
            let _ = writeln!(out, "    #   implicit: {}", rule_text(rule));
        }
    }
    for p in &s.ignore_content {
        let _ = writeln!(out, "    ignore content {}", pattern(p));
    }
    for l in &s.restart_limits {
        let _ = writeln!(out, "    if {} restarts within {} cycles then {}", l.count, l.cycles, action(&l.action));
    }
    if !s.depends.is_empty() {
        let names: Vec<String> = s.depends.iter().map(|d| quote(d)).collect();
        let _ = writeln!(out, "    depends on {}", names.join(", "));
    }
    for g in &s.groups {
        let _ = writeln!(out, "    group {}", quote(g));
    }
    match &s.every {
        Some(Every::Cycles(n)) => {
            let _ = writeln!(out, "    every {n} cycles");
        }
        Some(Every::Cron(c)) => {
            let _ = writeln!(out, "    every {}", quote_always(c.source()));
        }
        Some(Every::NotCron(c)) => {
            let _ = writeln!(out, "    not every {}", quote_always(c.source()));
        }
        None => {}
    }
    if let Some(m) = s.mode {
        let _ = writeln!(
            out,
            "    mode {}",
            match m {
                Mode::Active => "active",
                Mode::Passive => "passive",
                Mode::Manual => "manual",
            }
        );
    }
    if let Some(o) = s.onreboot {
        let _ = writeln!(out, "    onreboot {}", onreboot(o));
    }
    for a in &s.alerts {
        out.push_str("    ");
        alert(out, a);
        out.push('\n');
    }
    for n in &s.noalerts {
        let _ = writeln!(out, "    noalert {}", quote(n));
    }
}
