//! Checks across a parsed configuration: names, dependencies, completeness, patterns, and
//! facts of the host. A configuration must validate on a build machine that lacks the
//! services it watches, so host facts (missing programs, files, users) are warnings, and
//! errors only with `--strict` for programs (Monit warns about those too).

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::LoadOptions;
use super::model::*;
use super::parser::{Parsed, ServiceSpans, suggest};
use super::source::{Diagnostic, Diagnostics, Severity, Span};

/// The PATH start programs get when they do not set one (documented in the README).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

pub fn validate(parsed: &Parsed, options: LoadOptions, diags: &mut Diagnostics) {
    let config = &parsed.config;
    // YAML services without positions get empty spans.
    let mut all = parsed.spans.clone();
    all.resize_with(config.services.len(), ServiceSpans::default);
    check_names(config, &all, diags);
    check_dependencies(config, &all, diags);
    for (i, service) in config.services.iter().enumerate() {
        let s = &all[i];
        check_complete(service, s, diags);
        check_custom_actions(service, s, diags);
        check_pattern_files(s, options, diags);
        check_host_facts(config, service, s, options, diags);
    }
    for (span, name, is_group) in &parsed.global.accounts {
        check_account(*span, name, *is_group, diags);
    }
    check_httpd(config, &parsed.global.hosts, diags);
    for (span, message) in &parsed.unapplied {
        diags.push(Diagnostic::warning(*span, message.clone()));
    }
}

fn check_names(config: &Config, spans: &[ServiceSpans], diags: &mut Diagnostics) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, service) in config.services.iter().enumerate() {
        let key = service.name.to_lowercase();
        if let Some(&first) = seen.get(&key) {
            let d = Diagnostic::error(
                spans[i].name,
                format!("service name conflict: '{}' is already defined", service.name),
            );
            diags.push(d.with_help(format!(
                "the first definition is '{}'; names are compared without case",
                config.services[first].name
            )));
        } else {
            seen.insert(key, i);
        }
    }
}

fn check_dependencies(config: &Config, spans: &[ServiceSpans], diags: &mut Diagnostics) {
    let index: HashMap<String, usize> =
        config.services.iter().enumerate().map(|(i, s)| (s.name.to_lowercase(), i)).collect();
    let names: Vec<&str> = config.services.iter().map(|s| s.name.as_str()).collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); config.services.len()];
    for (i, service) in config.services.iter().enumerate() {
        for (j, dep) in service.depends.iter().enumerate() {
            let span = spans[i].depends.get(j).copied().unwrap_or(spans[i].name);
            match index.get(&dep.to_lowercase()) {
                Some(&target) if target == i => {
                    diags.push(Diagnostic::error(span, format!("service '{}' depends on itself", service.name)));
                }
                Some(&target) => edges[i].push(target),
                None => {
                    let mut d = Diagnostic::error(
                        span,
                        format!("depending service '{dep}' is not defined in the control file"),
                    );
                    if let Some(s) = suggest(dep, &names) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    diags.push(d);
                }
            }
        }
    }
    // Depth-first search for cycles; each cycle reported once, at its first service.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; edges.len()];
    let mut stack: Vec<usize> = Vec::new();
    fn visit(n: usize, edges: &[Vec<usize>], marks: &mut [Mark], stack: &mut Vec<usize>, cycles: &mut Vec<Vec<usize>>) {
        marks[n] = Mark::Active;
        stack.push(n);
        for &m in &edges[n] {
            match marks[m] {
                Mark::New => visit(m, edges, marks, stack, cycles),
                Mark::Active => {
                    let start = stack.iter().position(|&x| x == m).unwrap_or(0);
                    cycles.push(stack[start..].to_vec());
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[n] = Mark::Done;
    }
    let mut cycles = Vec::new();
    for n in 0..edges.len() {
        if marks[n] == Mark::New {
            visit(n, &edges, &mut marks, &mut stack, &mut cycles);
        }
    }
    for cycle in cycles {
        let first = cycle[0];
        let path: Vec<&str> =
            cycle.iter().chain(std::iter::once(&first)).map(|&i| config.services[i].name.as_str()).collect();
        diags.push(Diagnostic::error(
            spans[first].name,
            format!(
                "found a depend loop in the control file involving the service '{}': {}",
                config.services[first].name,
                path.join(" -> ")
            ),
        ));
    }
}

fn check_complete(service: &ServiceConfig, spans: &ServiceSpans, diags: &mut Diagnostics) {
    let has = |pred: fn(&Test) -> bool| service.rules.iter().any(|r| pred(&r.test));
    let missing = match &service.check {
        ServiceKind::Host { .. } if !has(|t| matches!(t, Test::Connection(_) | Test::Ping(_))) => {
            format!("'check host {}' is incomplete: add a port test or a ping test", service.name)
        }
        ServiceKind::Program(_) if !has(|t| matches!(t, Test::Status(_) | Test::StatusChanged | Test::Content(_))) => {
            format!("'check program {}' is incomplete: add a 'status' or 'content' test", service.name)
        }
        _ => return,
    };
    diags.push(Diagnostic::error(spans.name, missing));
}

/// A pattern file that cannot be read is a fact of the host (a warning, an error with
/// `--strict`); a line of it that does not compile is an error.
fn check_pattern_files(spans: &ServiceSpans, options: LoadOptions, diags: &mut Diagnostics) {
    for (span, file) in &spans.pattern_files {
        match &file.lines {
            Ok(_) | Err(PatternFileError::NotRead) => {}
            Err(PatternFileError::Unreadable(message)) => {
                let severity = if options.strict { Severity::Error } else { Severity::Warning };
                diags.push(Diagnostic { severity, span: Some(*span), message: message.clone(), help: None });
            }
            Err(PatternFileError::BadLine { line, error }) => {
                let message = format!("{error}, on line {line} of the pattern file {}", file.path);
                diags.push(Diagnostic::error(*span, message));
            }
        }
    }
}

fn check_custom_actions(service: &ServiceConfig, spans: &ServiceSpans, diags: &mut Diagnostics) {
    for (span, name) in &spans.custom_actions {
        if service.actions.iter().any(|a| a.name.eq_ignore_ascii_case(name)) {
            continue;
        }
        let mut known: Vec<&str> = vec!["alert", "restart", "start", "stop", "unmonitor", "monitor", "exec"];
        known.extend(service.actions.iter().map(|a| a.name.as_str()));
        let mut d = Diagnostic::error(*span, format!("unknown action '{name}'"));
        d = match suggest(name, &known) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("define it in the service with: action {name} = \"/path/to/program\"")),
        };
        diags.push(d);
    }
}

fn check_host_facts(
    config: &Config,
    service: &ServiceConfig,
    spans: &ServiceSpans,
    options: LoadOptions,
    diags: &mut Diagnostics,
) {
    let severity = if options.strict { Severity::Error } else { Severity::Warning };
    let path_env = service
        .environment
        .iter()
        .chain(config.environment.iter())
        .find(|v| v.name == "PATH")
        .map_or(DEFAULT_PATH, |v| v.value.as_str());
    for (span, command) in &spans.programs {
        if let Some(problem) = program_problem(command, path_env) {
            diags.push(Diagnostic { severity, span: Some(*span), message: problem, help: None });
        }
    }
    for (span, name, is_group) in &spans.accounts {
        check_account(*span, name, *is_group, diags);
    }
    if let ServiceKind::File { path } | ServiceKind::Fifo { path } | ServiceKind::Directory { path } = &service.check
        && !Path::new(path).exists()
    {
        diags.push(Diagnostic::warning(spans.target, format!("'{}': {path} does not exist (yet)", service.name)));
    }
}

/// Why a program cannot run, if it cannot: a missing or non-executable file.
pub fn program_problem(command: &str, path_env: &str) -> Option<String> {
    let argv = split_command(command);
    let program = argv.first()?;
    if program.contains('/') {
        if !program.starts_with('/') {
            return Some(format!("program '{program}' must be an absolute path or a name found on the PATH"));
        }
        return file_problem(Path::new(program));
    }
    let found = path_env.split(':').map(|dir| Path::new(dir).join(program)).find(|p| p.is_file());
    match found {
        Some(path) => file_problem(&path),
        None => Some(format!("program does not exist: '{program}' is not found on the PATH {path_env}")),
    }
}

fn file_problem(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Err(_) => Some(format!("program does not exist: {}", path.display())),
        Ok(meta) if !meta.is_file() => Some(format!("program is not a file: {}", path.display())),
        Ok(meta) if meta.permissions().mode() & 0o111 == 0 => {
            Some(format!("program is not executable: {}", path.display()))
        }
        Ok(_) => None,
    }
}

fn check_account(span: Span, name: &str, is_group: bool, diags: &mut Diagnostics) {
    if name.chars().all(|c| c.is_ascii_digit()) {
        return;
    }
    let known = if is_group {
        nix::unistd::Group::from_name(name).ok().flatten().is_some()
    } else {
        nix::unistd::User::from_name(name).ok().flatten().is_some()
    };
    if !known {
        let what = if is_group { "group" } else { "user" };
        diags.push(Diagnostic::warning(span, format!("{what} '{name}' is not known on this host")));
    }
}

/// `set httpd`: a credential for the TCP listener, and `allow` nets and masks that mean
/// something (`hosts`: the spans of host words, none from YAML). Host names are resolved
/// later, when the configuration is loaded (see [`super::net::resolve_allows`]).
fn check_httpd(config: &Config, hosts: &[(Span, String)], diags: &mut Diagnostics) {
    let Some(httpd) = &config.httpd else { return };
    for allow in &httpd.allow {
        let Allow::Host(host) = allow else { continue };
        if let Err(e) = super::net::literal(&host.word) {
            let span = hosts.iter().find(|(_, w)| *w == host.word).map(|(span, _)| *span);
            let message = format!("allow {}: {e}", host.word);
            diags.push(Diagnostic { severity: Severity::Error, span, message, help: None });
        }
    }
    if httpd.port.is_some() && !httpd.allow.iter().any(|a| !matches!(a, Allow::Host(_))) {
        diags.push(Diagnostic {
            severity: Severity::Warning,
            span: None,
            message: "'set httpd port' has no 'allow user:password' (or group or htpasswd) credential: the TCP listener will not start, since rmonit has no default password".to_owned(),
            help: None,
        });
    }
}
