//! The alert mail as Monit writes it (reference §4 `set mail-format`, §7.4, Appendix A):
//! `$EVENT $SERVICE $DATE $HOST $ACTION $DESCRIPTION` substituted into the recipient's
//! format, else `set mail-format`, else Monit's default; Monit's headers plus
//! `Auto-Submitted: auto-generated` (RFC 3834), so that auto-responders stay quiet. The
//! result is the complete message text, queued as is.

use std::time::SystemTime;

use base64ct::Encoding;
use chrono::{DateTime, Local};

use super::Notice;
use crate::config::model::MailFormat;

/// Monit's default sender, subject and body.
pub const DEFAULT_FROM: &str = "monit@$HOST";
pub const DEFAULT_SUBJECT: &str = "monit alert --  $EVENT $SERVICE";
pub const DEFAULT_MESSAGE: &str = "$EVENT Service $SERVICE \r\n\r\n\tDate:        $DATE\r\n\tAction:      $ACTION\r\n\tHost:        $HOST\r\n\tDescription: $DESCRIPTION\r\n\r\nYour faithful employee,\r\nMonit\r\n";

/// A rendered mail: the envelope and the message text (headers, blank line, body; CRLF).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderedMail {
    /// The envelope sender (the address inside `From:`).
    pub from: String,
    pub to: String,
    pub message: String,
    /// For a recipient with `digest`: what a digest mail says of this alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<DigestEntry>,
}

/// What a digest mail tells of each alert it gathers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DigestEntry {
    pub event: String,
    pub service: String,
    pub date: String,
    pub action: String,
    pub description: String,
    pub host: String,
    pub mail_host: String,
    /// When the event happened, in milliseconds since the epoch.
    pub at_ms: u64,
}

impl DigestEntry {
    pub fn of(notice: &Notice, host: &str, mail_host: &str) -> DigestEntry {
        let date: DateTime<Local> = notice.at.into();
        DigestEntry {
            event: notice.event_text().to_owned(),
            service: notice.service.clone(),
            date: date.format("%a, %d %b %Y %H:%M:%S").to_string(),
            action: notice.action.clone(),
            description: notice.message.clone(),
            host: host.to_owned(),
            mail_host: mail_host.to_owned(),
            at_ms: notice.at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
        }
    }
}

/// One mail for several alerts to one recipient (`digest`), from the first one's sender:
/// subject `monit alert --  3 events: Does not exist web, ...`, then each event as
/// Monit's body shows one.
pub fn render_digest(mails: &[&RenderedMail]) -> Option<RenderedMail> {
    let first = mails.first()?;
    let entries: Vec<&DigestEntry> = mails.iter().filter_map(|m| m.digest.as_ref()).collect();
    let head = entries.first()?;
    let listed: Vec<String> = entries.iter().map(|e| format!("{} {}", e.event, e.service)).collect();
    let subject = single_line(&format!("monit alert --  {} events: {}", entries.len(), listed.join(", ")));
    let mut body = format!("{} events on {}\r\n\r\n", entries.len(), head.host);
    for e in &entries {
        body.push_str(&format!(
            "{} Service {}\r\n\tDate:        {}\r\n\tAction:      {}\r\n\tDescription: {}\r\n\r\n",
            e.event,
            e.service,
            e.date,
            e.action,
            single_line(&e.description)
        ));
    }
    body.push_str("Your faithful employee,\r\nMonit\r\n");
    let message = compose(&first.from, &first.to, &subject, None, &head.mail_host, SystemTime::now(), &body);
    Some(RenderedMail { from: first.from.clone(), to: first.to.clone(), message, digest: None })
}

/// Renders `notice` for the mail recipient `to`; `formats` are tried in order for each
/// field, then Monit's defaults. `host` is `$HOST`, `mail_host` the name in `Message-Id`.
pub fn render_mail(
    notice: &Notice,
    to: &str,
    formats: [Option<&MailFormat>; 2],
    host: &str,
    mail_host: &str,
) -> RenderedMail {
    let pick = |field: fn(&MailFormat) -> Option<&String>, default: &str| {
        formats.iter().flatten().find_map(|f| field(f).cloned()).unwrap_or_else(|| default.to_owned())
    };
    let date: DateTime<Local> = notice.at.into();
    let fill = |template: &str| substitute(template, notice, host, &date);
    let from = single_line(&fill(&pick(|f| f.from.as_ref(), DEFAULT_FROM)));
    let reply_to = formats.iter().flatten().find_map(|f| f.reply_to.clone()).map(|r| single_line(&fill(&r)));
    let subject = single_line(&fill(&pick(|f| f.subject.as_ref(), DEFAULT_SUBJECT)));
    let body = crlf(&fill(&pick(|f| f.message.as_ref(), DEFAULT_MESSAGE)));
    let message = compose(&from, to, &subject, reply_to.as_deref(), mail_host, notice.at, &body);
    RenderedMail { from: envelope_address(&from), to: to.to_owned(), message, digest: None }
}

/// Monit's headers (plus `Auto-Submitted`), a blank line, and the body.
fn compose(
    from: &str,
    to: &str,
    subject: &str,
    reply_to: Option<&str>,
    mail_host: &str,
    at: SystemTime,
    body: &str,
) -> String {
    let date: DateTime<Local> = at.into();
    let mut headers = vec![
        format!("From: {from}"),
        format!("To: {to}"),
        format!("Subject: {}", encode_header(subject)),
        format!("Date: {}", date.format("%a, %d %b %Y %H:%M:%S %z")),
    ];
    if let Some(reply_to) = reply_to {
        headers.push(format!("Reply-To: {reply_to}"));
    }
    headers.extend([
        format!("X-Mailer: rmonit {}", crate::VERSION),
        "MIME-Version: 1.0".to_owned(),
        "Content-Type: text/plain; charset=utf-8".to_owned(),
        "Content-Transfer-Encoding: 8bit".to_owned(),
        format!("Message-Id: <{}.{}@{mail_host}>", unix_secs(at), random_hex()),
        "Auto-Submitted: auto-generated".to_owned(),
    ]);
    format!("{}\r\n\r\n{body}", headers.join("\r\n"))
}

/// `$EVENT`, `$SERVICE`, `$DATE`, `$HOST`, `$ACTION` and `$DESCRIPTION` filled in.
pub fn substitute(template: &str, notice: &Notice, host: &str, date: &DateTime<Local>) -> String {
    template
        .replace("$EVENT", notice.event_text())
        .replace("$SERVICE", &notice.service)
        .replace("$DATE", &date.format("%a, %d %b %Y %H:%M:%S").to_string())
        .replace("$HOST", host)
        .replace("$ACTION", &notice.action)
        .replace("$DESCRIPTION", &notice.message)
}

/// The address of `Name <address>`, or the whole text.
pub fn envelope_address(from: &str) -> String {
    match (from.rfind('<'), from.rfind('>')) {
        (Some(open), Some(close)) if open < close => from[open + 1..close].trim().to_owned(),
        _ => from.trim().to_owned(),
    }
}

fn single_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ").trim().to_owned()
}

/// Bare LF as CRLF (SMTP's line ending); CRLF stays.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// An RFC 2047 encoded word when the text is not plain ASCII.
fn encode_header(text: &str) -> String {
    if text.is_ascii() {
        text.to_owned()
    } else {
        format!("=?utf-8?B?{}?=", base64ct::Base64::encode_string(text.as_bytes()))
    }
}

fn unix_secs(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::NoticeState;
    use crate::config::model::EventKind;

    fn notice() -> Notice {
        Notice::transition("web", EventKind::Nonexist, NoticeState::Failed, "process is not running", "restart")
    }

    #[test]
    fn the_default_mail_is_monits() {
        let mail = render_mail(&notice(), "root@localhost", [None, None], "vm", "vm");
        assert_eq!(mail.from, "monit@vm");
        let (head, body) = mail.message.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with(
            "From: monit@vm\r\nTo: root@localhost\r\nSubject: monit alert --  Does not exist web\r\nDate: "
        ));
        assert!(head.contains("\r\nAuto-Submitted: auto-generated"));
        assert!(head.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"));
        assert!(body.starts_with("Does not exist Service web \r\n\r\n\tDate:        "));
        assert!(body.ends_with(
            "\r\n\tAction:      restart\r\n\tHost:        vm\r\n\tDescription: process is not running\r\n\r\nYour faithful employee,\r\nMonit\r\n"
        ));
    }

    #[test]
    fn formats_apply_field_by_field_and_lines_are_cleaned() {
        let own = MailFormat { subject: Some("[$HOST] $SERVICE:\n$EVENT".to_owned()), ..Default::default() };
        let global = MailFormat {
            from: Some("Monitor <mon@$HOST>".to_owned()),
            message: Some("$DESCRIPTION\nbye".to_owned()),
            subject: Some("ignored".to_owned()),
            ..Default::default()
        };
        let mail = render_mail(&notice(), "a@x", [Some(&own), Some(&global)], "vm", "mail.vm");
        assert_eq!(mail.from, "mon@vm");
        assert!(mail.message.contains("\r\nSubject: [vm] web: Does not exist\r\n"));
        assert!(mail.message.contains("@mail.vm>\r\n"));
        assert!(mail.message.ends_with("\r\n\r\nprocess is not running\r\nbye"));
        let digest = render_digest(&[&mail]);
        assert_eq!(digest, None, "no digest entry, no digest");
        let utf8 = MailFormat { subject: Some("Störung $SERVICE".to_owned()), ..Default::default() };
        let mail = render_mail(&notice(), "a@x", [Some(&utf8), None], "vm", "vm");
        assert!(mail.message.contains("Subject: =?utf-8?B?"));
    }

    #[test]
    fn a_digest_lists_every_event() {
        let second =
            Notice::transition("db", EventKind::Connection, NoticeState::Failed, "connection refused", "restart");
        let mails: Vec<RenderedMail> = [notice(), second]
            .iter()
            .map(|n| {
                let mut mail = render_mail(n, "ops@x", [None, None], "vm", "vm");
                mail.digest = Some(DigestEntry::of(n, "vm", "vm"));
                mail
            })
            .collect();
        let digest = render_digest(&mails.iter().collect::<Vec<_>>()).unwrap();
        assert!(
            digest
                .message
                .contains("\r\nSubject: monit alert --  2 events: Does not exist web, Connection failed db\r\n")
        );
        assert!(digest.message.contains("\r\n\r\n2 events on vm\r\n\r\nDoes not exist Service web\r\n"));
        assert!(digest.message.contains("Connection failed Service db\r\n\tDate:        "));
        assert!(digest.message.contains("\tDescription: connection refused\r\n\r\nYour faithful employee,"));
        assert_eq!(digest.to, "ops@x");
    }
}
