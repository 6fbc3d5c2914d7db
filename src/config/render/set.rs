//! The global statements of a control file: `set daemon`, logging, the event queue, mail
//! servers and formats, global alerts, `set httpd` with its `allow` list, limits, SSL and
//! M/Monit, as the parser reads them back.

use std::fmt::Write as _;

use super::super::model::*;
use super::{checksum_value, interval, onreboot, quote, quote_always, ssl_block, ssl_clause};

pub(super) fn globals(out: &mut String, c: &Config) {
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

pub(super) fn alert(out: &mut String, a: &AlertConfig) {
    match &a.to {
        AlertTarget::Email(addr) => {
            let _ = write!(out, "alert {}", quote(addr));
        }
        AlertTarget::Webhook(w) => {
            let _ = write!(out, "alert webhook {}", quote_always(&w.url));
            if w.format != WebhookFormat::Json {
                let _ = write!(out, " format {}", w.format.keyword());
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
            Allow::Host(host) => out.push_str(&host.word),
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
