//! Writes a [`Config`] back as a monitrc control file (`rmonit config convert --to
//! monitrc`, `config show`, `-t -v`). What the model holds of Monit's language is written in
//! Monit's syntax; our extensions in ours. Parsing the output gives the same model.

use std::fmt::Write as _;

use super::lexer::is_noise;
use super::model::*;

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

fn globals(out: &mut String, c: &Config) {
    if let Some(d) = &c.daemon {
        let _ = write!(out, "set daemon {}", interval(d.interval));
        if let Some(delay) = d.start_delay {
            let _ = write!(out, " with start delay {}", interval(delay));
        }
        out.push('\n');
    }
    if c.init {
        out.push_str("set init\n");
    }
    if c.terminal_batch {
        out.push_str("set terminal batch\n");
    }
    if c.fips {
        out.push_str("set fips\n");
    }
    match &c.log {
        Some(LogConfig::File(path)) => {
            let _ = writeln!(out, "set log {}", quote(path));
        }
        Some(LogConfig::Syslog { facility }) => {
            out.push_str("set log syslog");
            if let Some(f) = facility {
                let _ = write!(out, " facility {f}");
            }
            out.push('\n');
        }
        None => {}
    }
    for (key, value) in [("pidfile", &c.pidfile), ("idfile", &c.idfile), ("statefile", &c.statefile)] {
        if let Some(v) = value {
            let _ = writeln!(out, "set {key} {}", quote(v));
        }
    }
    if let Some(q) = &c.eventqueue {
        out.push_str("set eventqueue");
        if let Some(dir) = &q.basedir {
            let _ = write!(out, " basedir {}", quote(dir));
        }
        if let Some(slots) = q.slots {
            let _ = write!(out, " slots {slots}");
        }
        out.push('\n');
    }
    if let Some(mail) = &c.mail
        && !mail.servers.is_empty()
    {
        out.push_str("set mailserver");
        for (i, s) in mail.servers.iter().enumerate() {
            out.push_str(if i == 0 { " " } else { ",\n    " });
            out.push_str(&quote(&s.host));
            if let Some(port) = s.port {
                let _ = write!(out, " port {port}");
            }
            if let Some(u) = &s.username {
                let _ = write!(out, " username {}", quote(u));
            }
            if let Some(p) = &s.password {
                let _ = write!(out, " password {}", quote(p));
            }
            if let Some(ssl) = &s.ssl {
                let _ = write!(out, " using {}", ssl_clause(ssl));
            }
            if let Some(cc) = &s.certificate_checksum {
                let _ = write!(out, " certificate checksum {}", checksum_value(cc.hash, &cc.value));
            }
        }
        if let Some(t) = mail.timeout {
            let _ = write!(out, " with timeout {}", interval(t));
        }
        if let Some(h) = &mail.hostname {
            let _ = write!(out, " using hostname {}", quote(h));
        }
        out.push('\n');
    }
    if let Some(f) = &c.mail_format {
        out.push_str("set mail-format ");
        mail_format(out, f);
        out.push('\n');
    }
    for a in &c.alerts {
        out.push_str("set ");
        alert(out, a);
        out.push('\n');
    }
    if let Some(h) = &c.httpd {
        httpd(out, h);
    }
    if !c.limits.is_empty() {
        limits(out, &c.limits);
    }
    if let Some(o) = c.onreboot {
        let _ = writeln!(out, "set onreboot {}", onreboot(o));
    }
    if let Some(ssl) = &c.ssl {
        let _ = writeln!(out, "set ssl {}", ssl_block(ssl));
    }
    for m in &c.mmonit {
        let _ = write!(out, "set mmonit {}", quote(&m.url));
        if let Some(t) = m.timeout {
            let _ = write!(out, " with timeout {}", interval(t));
        }
        if let Some(ssl) = &m.ssl {
            let _ = write!(out, " {}", ssl_clause(ssl));
        }
        if m.register_without_credentials {
            out.push_str(" and register without credentials");
        }
        out.push('\n');
    }
    for var in &c.environment {
        let _ = writeln!(out, "set environment {} = {}", var.name, quote_always(&var.value));
    }
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

fn mail_format(out: &mut String, f: &MailFormat) {
    out.push_str("{\n");
    if let Some(v) = &f.from {
        let _ = writeln!(out, "    from: {v}");
    }
    if let Some(v) = &f.reply_to {
        let _ = writeln!(out, "    reply-to: {v}");
    }
    if let Some(v) = &f.subject {
        let _ = writeln!(out, "    subject: {v}");
    }
    if let Some(v) = &f.message {
        let _ = writeln!(out, "    message: {v}");
    }
    out.push('}');
}

fn alert(out: &mut String, a: &AlertConfig) {
    match &a.to {
        AlertTarget::Email(addr) => {
            let _ = write!(out, "alert {}", quote(addr));
        }
        AlertTarget::Webhook(w) => {
            let _ = write!(out, "alert webhook {}", quote_always(&w.url));
            if w.format == WebhookFormat::Slack {
                out.push_str(" format slack");
            }
            for h in &w.headers {
                let _ = write!(out, " header {}", quote_always(h));
            }
        }
    }
    if !a.events.is_all() {
        if a.events.not {
            out.push_str(" not");
        }
        let names: Vec<&str> = a.events.events.iter().map(|e| e.keyword()).collect();
        let _ = write!(out, " {{ {} }}", names.join(", "));
    }
    if let Some(f) = &a.mail_format {
        out.push_str(" with mail-format ");
        mail_format(out, f);
    }
    if let Some(n) = a.reminder {
        let _ = write!(out, " with reminder on {n} cycles");
    }
    if a.digest {
        out.push_str(" digest");
    }
}

fn httpd(out: &mut String, h: &HttpdConfig) {
    out.push_str("set httpd");
    if let Some(port) = h.port {
        let _ = write!(out, " port {port}");
        if h.port_read_only {
            out.push_str(" read-only");
        }
    }
    if let Some(a) = &h.address {
        let _ = write!(out, " use address {}", quote(a));
    }
    if let Some(s) = &h.unixsocket {
        let _ = write!(out, "\n    unixsocket {}", quote(&s.path));
        if let Some(u) = &s.uid {
            let _ = write!(out, " uid {}", quote(u));
        }
        if let Some(g) = &s.gid {
            let _ = write!(out, " gid {}", quote(g));
        }
        if let Some(p) = s.permission {
            let _ = write!(out, " permission {p:04o}");
        }
        if s.read_only {
            out.push_str(" read-only");
        }
    }
    if let Some(ssl) = &h.ssl {
        let _ = write!(out, "\n    ssl {}", ssl_block(ssl));
    }
    if let Some(sig) = h.signature {
        let _ = write!(out, "\n    signature {}", if sig { "enable" } else { "disable" });
    }
    if h.insecure {
        out.push_str("\n    insecure");
    }
    if let Some(history) = h.history {
        let _ = write!(out, "\n    history {history}");
    }
    for a in &h.allow {
        out.push_str("\n    allow ");
        match a {
            Allow::User { user, password, read_only } => {
                let _ = write!(out, "{}:{}", user, quote_always(password));
                if *read_only {
                    out.push_str(" read-only");
                }
            }
            Allow::Group { group, read_only } => {
                let _ = write!(out, "@{group}");
                if *read_only {
                    out.push_str(" read-only");
                }
            }
            Allow::Htpasswd { path, hash, users, read_only } => {
                if let Some(hash) = hash {
                    out.push_str(match hash {
                        HtpasswdHash::Cleartext => "cleartext ",
                        HtpasswdHash::Md5 => "md5 ",
                        HtpasswdHash::Crypt => "crypt ",
                    });
                }
                out.push_str(&quote(path));
                for u in users {
                    let _ = write!(out, " {}", quote(u));
                }
                if *read_only {
                    out.push_str(" read-only");
                }
            }
            Allow::Host(host) => out.push_str(host),
        }
    }
    out.push('\n');
}

fn limits(out: &mut String, l: &Limits) {
    let mut items = Vec::new();
    let sizes = [
        ("programOutput", l.program_output),
        ("sendExpectBuffer", l.send_expect_buffer),
        ("fileContentBuffer", l.file_content_buffer),
        ("httpContentBuffer", l.http_content_buffer),
    ];
    for (k, v) in sizes {
        if let Some(v) = v {
            items.push(format!("{k}: {} B", v.bytes));
        }
    }
    let times = [
        ("networkTimeout", l.network_timeout),
        ("programTimeout", l.program_timeout),
        ("stopTimeout", l.stop_timeout),
        ("startTimeout", l.start_timeout),
        ("restartTimeout", l.restart_timeout),
        ("execTimeout", l.exec_timeout),
    ];
    for (k, v) in times {
        if let Some(v) = v {
            items.push(format!("{k}: {} ms", v.millis));
        }
    }
    let _ = writeln!(out, "set limits {{ {} }}", items.join(", "));
}

fn ssl_block(s: &SslOptions) -> String {
    let mut items = Vec::new();
    if !s.versions.is_empty() {
        items.push(format!("version: {}", s.versions.join(" ")));
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
            let _ = writeln!(out, "    every {}", quote_always(c));
        }
        Some(Every::NotCron(c)) => {
            let _ = writeln!(out, "    not every {}", quote_always(c));
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

fn tolerance(t: &Option<Tolerance>) -> String {
    match t {
        Some(t) if t.count == t.cycles => format!(" for {} cycles", t.cycles),
        Some(t) => format!(" for {} times within {} cycles", t.count, t.cycles),
        None => String::new(),
    }
}

fn action(a: &Action) -> String {
    match a {
        Action::Exec(e) => {
            let mut s = format!("exec {}", quote_always(&e.command));
            if let Some(u) = &e.uid {
                let _ = write!(s, " as uid {}", quote(u));
            }
            if let Some(g) = &e.gid {
                let _ = write!(s, " as gid {}", quote(g));
            }
            if let Some(n) = e.repeat_every {
                let _ = write!(s, " repeat every {n} cycles");
            }
            s
        }
        other => other.name().to_owned(),
    }
}

/// One rule as a control-file line.
pub fn rule_text(rule: &Rule) -> String {
    let mut s = format!("if {}{} then {}", test_text(&rule.test), tolerance(&rule.tolerance), action(&rule.action));
    if let Some(r) = &rule.recovery {
        let _ = write!(s, " else if succeeded{} then {}", tolerance(&r.tolerance), action(&r.action));
    }
    s
}

fn cmp(c: &Comparison) -> String {
    format!("{} {}", c.op.symbol(), quantity(&c.limit))
}

/// A quantity as the parser reads it back exactly (base units, no rounding).
fn quantity(q: &Quantity) -> String {
    match q.unit {
        Unit::Count => format!("{}", q.value),
        Unit::Percent => format!("{}%", q.value),
        Unit::Bytes => format!("{} B", q.value),
        Unit::BytesPerSecond => format!("{} B/s", q.value),
        Unit::OperationsPerSecond => format!("{} operations/s", q.value),
        Unit::PacketsPerSecond => format!("{} packets/s", q.value),
        Unit::Packets => format!("{} packets", q.value),
        Unit::Milliseconds => format!("{} ms", q.value),
    }
}

fn pattern(p: &ContentPattern) -> String {
    let op = if p.matches { "=" } else { "!=" };
    match &p.pattern {
        PatternSource::Regex(r) => format!("{op} {}", quote_always(r)),
        PatternSource::File(f) => format!("{op} {}", quote(f)),
    }
}

fn metric_words(metric: Metric, limit: &Comparison) -> String {
    let ops = limit.limit.unit == Unit::OperationsPerSecond;
    match metric {
        Metric::ReadOperations if ops => "read".to_owned(),
        Metric::WriteOperations if ops => "write".to_owned(),
        Metric::Load1 => "loadavg (1min)".to_owned(),
        Metric::Load5 => "loadavg (5min)".to_owned(),
        Metric::Load15 => "loadavg (15min)".to_owned(),
        Metric::Load1PerCore => "loadavg (1min) per core".to_owned(),
        Metric::Load5PerCore => "loadavg (5min) per core".to_owned(),
        Metric::Load15PerCore => "loadavg (15min) per core".to_owned(),
        other => other.keyword().to_owned(),
    }
}

fn test_text(t: &Test) -> String {
    match t {
        Test::NotExist => "does not exist".to_owned(),
        Test::Exist => "exist".to_owned(),
        Test::PidChanged => "changed pid".to_owned(),
        Test::PpidChanged => "changed ppid".to_owned(),
        Test::Uid { user, effective } => format!("failed {} {}", if *effective { "euid" } else { "uid" }, quote(user)),
        Test::Gid { group } => format!("failed gid {}", quote(group)),
        Test::SecurityAttribute(a) => format!("failed security attribute {}", quote_always(a)),
        Test::Uptime(c) => format!("uptime {}", cmp(c)),
        Test::Resource { metric, limit } => format!("{} {}", metric_words(*metric, limit), cmp(limit)),
        Test::TrafficTotal { metric, limit, window } => {
            let word = match metric {
                Metric::UploadBytes | Metric::UploadPackets => "uploaded",
                _ => "downloaded",
            };
            let (count, unit) = if window.millis.is_multiple_of(86_400_000) {
                (window.millis / 86_400_000, "day")
            } else if window.millis.is_multiple_of(3_600_000) {
                (window.millis / 3_600_000, "hours")
            } else {
                (window.millis / 60_000, "minutes")
            };
            format!("total {word} {} in last {count} {unit}", cmp(limit))
        }
        Test::Connection(c) => connection(c),
        Test::Ping(p) => ping(p),
        Test::Checksum { hash, expect } => {
            let mut s = "failed ".to_owned();
            match hash {
                Some(HashType::Md5) => s.push_str("md5 "),
                Some(HashType::Sha1) => s.push_str("sha1 "),
                Some(HashType::Sha256) => s.push_str("sha256 "),
                None => {}
            }
            s.push_str("checksum");
            if let Some(e) = expect {
                let _ = write!(s, " expect {e}");
            }
            s
        }
        Test::ChecksumChanged { hash } => match hash {
            Some(HashType::Md5) => "changed md5 checksum".to_owned(),
            Some(HashType::Sha1) => "changed sha1 checksum".to_owned(),
            Some(HashType::Sha256) => "changed sha256 checksum".to_owned(),
            None => "changed checksum".to_owned(),
        },
        Test::Timestamp { kind, limit } => format!("{} {}", kind.keyword(), cmp(limit)),
        Test::TimestampChanged { kind } => format!("changed {}", kind.keyword()),
        Test::Size(c) => format!("size {}", cmp(c)),
        Test::SizeChanged => "changed size".to_owned(),
        Test::Permission(p) => format!("failed permission {p:04o}"),
        Test::PermissionChanged => "changed permission".to_owned(),
        Test::Content(p) => format!("content {}", pattern(p)),
        Test::FsflagsChanged => "changed fsflags".to_owned(),
        Test::Status(c) => format!("status {}", cmp(c)),
        Test::StatusChanged => "changed status".to_owned(),
        Test::LinkDown => "link down".to_owned(),
        Test::LinkUp => "link up".to_owned(),
        Test::LinkChanged => "changed link".to_owned(),
    }
}

fn ping(p: &PingTest) -> String {
    let mut s = format!("{} ", if p.succeeded { "succeeded" } else { "failed" });
    s.push_str(match p.ip_version {
        Some(IpVersion::Ipv4) => "ping4",
        Some(IpVersion::Ipv6) => "ping6",
        None => "ping",
    });
    if let Some(n) = p.count {
        let _ = write!(s, " count {n}");
    }
    if let Some(n) = p.size {
        let _ = write!(s, " size {n}");
    }
    if let Some(c) = &p.response_time {
        let _ = write!(s, " responsetime {}", cmp(c));
    }
    if let Some(t) = p.timeout {
        let _ = write!(s, " timeout {}", interval(t));
    }
    if let Some(a) = &p.address {
        let _ = write!(s, " address {}", quote(a));
    }
    s
}

fn connection(c: &ConnectionTest) -> String {
    let mut s = format!("{} ", if c.succeeded { "succeeded" } else { "failed" });
    match &c.target {
        ConnectionTarget::Port { host, port, address, ip_version } => {
            if let Some(h) = host {
                let _ = write!(s, "host {} ", quote(h));
            }
            let _ = write!(s, "port {port}");
            if let Some(a) = address {
                let _ = write!(s, " address {}", quote(a));
            }
            match ip_version {
                Some(IpVersion::Ipv4) => s.push_str(" ipv4"),
                Some(IpVersion::Ipv6) => s.push_str(" ipv6"),
                None => {}
            }
        }
        ConnectionTarget::Unixsocket { path } => {
            let _ = write!(s, "unixsocket {}", quote(path));
        }
        ConnectionTarget::Url { url } => {
            let _ = write!(s, "url {url}");
        }
    }
    if let Some(t) = c.socket_type {
        s.push_str(match t {
            SocketType::Tcp => " type tcp",
            SocketType::Udp => " type udp",
            SocketType::Tcpssl => " type tcpssl",
        });
    }
    if let Some(ssl) = &c.ssl {
        let _ = write!(s, " {}", ssl_clause(ssl));
    }
    if let Some(cc) = &c.certificate_checksum {
        let _ = write!(s, " certificate checksum {}", checksum_value(cc.hash, &cc.value));
    }
    if let Some(days) = c.certificate_valid_days {
        let _ = write!(s, " certificate valid > {days} days");
    }
    if let Some(p) = &c.protocol {
        let _ = write!(s, " protocol {}", p.name.keyword());
        protocol_options(&mut s, p);
    }
    for step in &c.send_expect {
        match step {
            SendExpect::Send(v) => {
                let _ = write!(s, " send {}", quote_always(v));
            }
            SendExpect::Expect(v) => {
                let _ = write!(s, " expect {}", quote_always(v));
            }
        }
    }
    if let Some(p) = &c.content {
        let _ = write!(s, " content {}", pattern(p));
    }
    if let Some(r) = &c.response_time {
        let _ = write!(s, " responsetime {}", cmp(r));
    }
    if let Some(t) = c.timeout {
        let _ = write!(s, " with timeout {}", interval(t));
    }
    if let Some(n) = c.retry {
        let _ = write!(s, " retry {n}");
    }
    s
}

fn protocol_options(s: &mut String, p: &ProtocolConfig) {
    let strings = [
        ("username", &p.username),
        ("password", &p.password),
        ("request", &p.request),
        ("hostheader", &p.hostheader),
        ("database", &p.database),
        ("secret", &p.secret),
        ("target", &p.target),
        ("origin", &p.origin),
        ("version", &p.version),
        ("path", &p.path),
    ];
    for (k, v) in strings {
        if let Some(v) = v {
            let _ = write!(s, " {k} {}", quote_always(v));
        }
    }
    if let Some(m) = p.method {
        s.push_str(match m {
            HttpMethod::Get => " method GET",
            HttpMethod::Head => " method HEAD",
        });
    }
    if let Some(st) = &p.status {
        let _ = write!(s, " status {}", cmp(st));
    }
    if let Some(c) = &p.checksum {
        let _ = write!(s, " checksum {}", checksum_value(c.hash, &c.value));
    }
    if !p.headers.is_empty() {
        let items: Vec<String> = p
            .headers
            .iter()
            .map(|h| match h.split_once(':') {
                Some((name, value)) => format!("{}: {}", name.trim(), quote_always(value.trim())),
                None => quote_always(h),
            })
            .collect();
        let _ = write!(s, " http headers [{}]", items.join(", "));
    }
    if let Some(n) = p.maxforward {
        let _ = write!(s, " maxforward {n}");
    }
    if let Some(r) = &p.rsakey_checksum {
        let _ = write!(s, " rsakey checksum {}", checksum_value(r.hash, &r.value));
    }
    for (i, l) in p.limits.iter().enumerate() {
        if i > 0 {
            s.push_str(" or");
        }
        let _ = write!(s, " {} {}", l.name.keyword(), cmp(&l.limit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_words_bare_and_escapes_what_must_be() {
        assert_eq!(quote("web"), "web");
        assert_eq!(quote("/run/web.pid"), "/run/web.pid");
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("with"), "\"with\"");
        assert_eq!(quote("check"), "\"check\"");
        assert_eq!(quote("say \"hi\""), "'say \"hi\"'");
        assert_eq!(quote(r"\d+"), r"\d+");
        assert_eq!(quote(r"end\"), r"end\");
        assert_eq!(quote_always(r"end\"), r#""end\\""#);
        assert_eq!(quote_always(r"a\b"), r#""a\b""#);
        assert_eq!(quote("p#w"), "\"p#w\"");
    }

    #[test]
    fn rules_render_in_monit_syntax() {
        let rule = Rule {
            test: Test::Resource { metric: Metric::Cpu, limit: Comparison::new(Operator::Gt, Quantity::percent(80.0)) },
            tolerance: Some(Tolerance { count: 3, cycles: 5 }),
            action: Action::Restart,
            recovery: Some(Recovery { tolerance: None, action: Action::Alert }),
        };
        assert_eq!(
            rule_text(&rule),
            "if cpu > 80% for 3 times within 5 cycles then restart else if succeeded then alert"
        );
    }

    #[test]
    fn a_rendered_file_parses_back_to_the_same_model() {
        let text = "set daemon 30 with start delay 10\nset httpd port 2812 use address 127.0.0.1 allow admin:\"p w\"\n\
            check process web with pidfile /run/web.pid\n start program = \"/etc/init.d/web start\" as uid www with timeout 60 seconds\n\
            if failed host 127.0.0.1 port 80 protocol http request \"/x y\" status = 200 http headers [X: a, Y: \"b:c\"] then restart\n\
            if totalmem > 200 MB for 3 cycles then alert else if succeeded 2 cycles then exec \"/bin/ok\" repeat every 2 cycles\n\
            if 3 restarts within 5 cycles then unmonitor\n depends on db\n group www\n every \"*/5 * * * *\"\n\
            check process db matching \"postgres: .* main\"\n alert ops@example.com not { action } with reminder on 5 cycles\n";
        let first = crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions::default()).unwrap().config;
        let rendered = to_monitrc(&first);
        let second = crate::config::load_str("/x/monitrc", &rendered, crate::config::LoadOptions::default())
            .unwrap_or_else(|e| panic!("{e}\n---\n{rendered}"))
            .config;
        assert_eq!(first, second, "\n{rendered}");
    }

    #[test]
    fn effective_shows_implicit_rules_as_comments() {
        let config = crate::config::load_str(
            "/x/monitrc",
            "check process web pidfile /run/web.pid\n",
            crate::config::LoadOptions::default(),
        )
        .unwrap()
        .config;
        let text = effective(&config);
        assert!(text.contains("#   implicit: if does not exist then restart"), "{text}");
    }
}
