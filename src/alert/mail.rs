//! SMTP delivery through lettre (reference §4 `set mailserver`, §7.4, §9.9): the servers
//! are tried in order until one takes a session (failover); the session then carries
//! every mail waiting, one after the other. `using ssl|tls` means STARTTLS on ports 25
//! and 587 and implicit TLS elsewhere, as in Monit; without it, STARTTLS is used whenever
//! the server offers it (Monit would send in clear). Certificates are checked only with
//! `verify: enable`, Monit 5.33's default; `selfsigned: allow` then also takes a
//! self-signed one that is within its validity and for the host, and `certificate
//! checksum` pins the server's certificate (its MD5, SHA-1 or SHA-256 over the DER).
//! `with timeout` bounds every step as written (Monit raises values under 30 s to 30 s);
//! `using hostname` names us in EHLO.

use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, Identity, TlsParameters, TlsVersion};
use lettre::transport::smtp::extension::ClientId;

use rustls::pki_types::ServerName;

use super::format::RenderedMail;
use crate::checks::network::certificate;
use crate::config::model::defaults::{MAIL_PORT, MAIL_TIMEOUT};
use crate::config::model::{Config, HashType, MailServerConfig, SslOptions};

/// The mail settings of a configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    pub servers: Vec<MailServerConfig>,
    pub timeout: Duration,
    /// The name in EHLO and in `Message-Id`.
    pub hello_name: String,
}

impl MailSettings {
    pub fn of(config: &Config) -> MailSettings {
        let mail = config.mail.clone().unwrap_or_default();
        let mut servers = if mail.servers.is_empty() { vec![default_server()] } else { mail.servers };
        if let Some(global) = &config.ssl {
            for server in &mut servers {
                server.ssl = server.ssl.as_ref().map(|own| own.or_defaults(global));
            }
        }
        MailSettings {
            servers,
            timeout: mail.timeout.map_or(MAIL_TIMEOUT.as_std(), |t| t.as_std()),
            hello_name: mail.hostname.unwrap_or_else(crate::config::parser::local_hostname),
        }
    }
}

/// Without `set mailserver`, Monit mails through localhost, port 25.
fn default_server() -> MailServerConfig {
    MailServerConfig {
        host: "localhost".to_owned(),
        port: None,
        username: None,
        password: None,
        ssl: None,
        certificate_checksum: None,
    }
}

/// Why a mail was not delivered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MailError {
    /// No server took a session, or the session broke: retry later.
    #[error("{0}")]
    Transient(String),
    /// The server refused this mail for good (a 5xx answer, a malformed address).
    #[error("{0}")]
    Rejected(String),
}

/// An open SMTP session.
pub struct Session {
    connection: AsyncSmtpConnection,
    server: String,
    timeout: Duration,
}

impl Session {
    /// Opens a session with the first server that takes one; the error names every
    /// server's failure.
    pub async fn open(settings: &MailSettings) -> Result<Session, String> {
        let mut failures = Vec::new();
        for server in &settings.servers {
            let port = server.port.unwrap_or(MAIL_PORT);
            let name = format!("{}:{port}", server.host);
            match tokio::time::timeout(settings.timeout, connect(server, port, settings)).await {
                Ok(Ok(connection)) => return Ok(Session { connection, server: name, timeout: settings.timeout }),
                Ok(Err(e)) => failures.push(format!("{name}: {e}")),
                Err(_) => failures.push(format!("{name}: no answer within {:?}", settings.timeout)),
            }
            tracing::warn!("mail server {name} failed: {}", failures.last().map_or("", String::as_str));
        }
        Err(failures.join("; "))
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends one mail in this session.
    pub async fn send(&mut self, mail: &RenderedMail) -> Result<(), MailError> {
        let envelope = envelope(mail).map_err(MailError::Rejected)?;
        match tokio::time::timeout(self.timeout, self.connection.send(&envelope, mail.message.as_bytes())).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(MailError::Rejected(format!("{}: {e}", self.server))),
            Ok(Err(e)) => Err(MailError::Transient(format!("{}: {e}", self.server))),
            Err(_) => Err(MailError::Transient(format!("{}: no answer within {:?}", self.server, self.timeout))),
        }
    }

    /// Ends the session politely, within the timeout.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.connection.quit()).await;
    }
}

/// A session with `server`, secured and its certificate judged, logged in: nothing but
/// EHLO is sent before the certificate passed.
async fn connect(server: &MailServerConfig, port: u16, settings: &MailSettings) -> Result<AsyncSmtpConnection, String> {
    let ssl = server.ssl.as_ref();
    let verify = ssl.and_then(|s| s.verify).unwrap_or(false);
    let selfsigned = verify && ssl.and_then(|s| s.selfsigned).unwrap_or(false);
    // lettre verifies a chain, or accepts anything: with `selfsigned: allow` it accepts
    // anything, and a certificate that is not self-signed is then verified in a second
    // session (lettre has the whole chain there).
    let (mut connection, secured) = open(server, port, settings, !selfsigned).await?;
    let certificate = match secured {
        true => Some(connection.peer_certificate().map_err(|e| format!("the server's certificate: {e}"))?),
        false => None,
    };
    if let Some(expected) = &server.certificate_checksum {
        let Some(der) = &certificate else {
            return Err("the server offers no TLS, so its certificate checksum cannot be compared".to_owned());
        };
        let hash = expected.hash.or(HashType::from_hex_len(expected.value.len())).unwrap_or(HashType::Md5);
        let got = certificate::checksum(der, hash);
        if !got.eq_ignore_ascii_case(&expected.value) {
            let _ = connection.quit().await;
            return Err(format!("certificate checksum mismatch (expected {} got {got})", expected.value));
        }
    }
    if let (true, Some(der)) = (selfsigned, &certificate) {
        if certificate::is_self_issued(der) {
            let name = ServerName::try_from(server.host.as_str()).map_err(|e| format!("bad server name: {e}"))?;
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            if let Err(reason) = certificate::accept_self_signed(der, &name, now as i64) {
                let _ = connection.quit().await;
                return Err(format!("invalid peer certificate: {reason}"));
            }
        } else {
            let _ = connection.quit().await;
            connection = open(server, port, settings, true).await?.0;
        }
    }
    if let Some(user) = &server.username {
        let credentials = Credentials::new(user.clone(), server.password.clone().unwrap_or_default());
        connection
            .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
            .await
            .map_err(|e| format!("authentication as {user}: {e}"))?;
    }
    Ok(connection)
}

/// Connects and says EHLO, with TLS (implicit, or STARTTLS) as the options and the server
/// ask; `verified` lets lettre verify the certificate as the options say, else it accepts
/// any. Returns whether the session is secured.
async fn open(
    server: &MailServerConfig,
    port: u16,
    settings: &MailSettings,
    verified: bool,
) -> Result<(AsyncSmtpConnection, bool), String> {
    let hello = ClientId::Domain(settings.hello_name.clone());
    let tls = tls_parameters(&server.host, server.ssl.as_ref(), verified)?;
    let implicit = server.ssl.is_some() && port != 25 && port != 587;
    let mut connection = AsyncSmtpConnection::connect_tokio1(
        (server.host.as_str(), port),
        Some(settings.timeout),
        &hello,
        implicit.then(|| tls.clone()),
        None,
    )
    .await
    .map_err(|e| e.to_string())?;
    let starttls = !implicit && (server.ssl.is_some() || connection.can_starttls());
    if starttls {
        connection.starttls(tls, &hello).await.map_err(|e| format!("STARTTLS: {e}"))?;
    }
    Ok((connection, implicit || starttls))
}

/// TLS for a server, from its `ssl` options: certificates checked only with `verify:
/// enable` (and `verified`; else [`connect`] judges the certificate), against Debian's
/// bundle plus every certificate of `cacertificatefile` and of the files in
/// `cacertificatepath`; `version:` as for connection tests (only `tlsv13` raises the
/// minimum); `clientpemfile` (certificate and key in one PEM file) is presented to the
/// server.
fn tls_parameters(host: &str, ssl: Option<&SslOptions>, verified: bool) -> Result<TlsParameters, String> {
    let verify = verified && ssl.and_then(|s| s.verify).unwrap_or(false);
    let mut builder = TlsParameters::builder(host.to_owned())
        .dangerous_accept_invalid_certs(!verify)
        .dangerous_accept_invalid_hostnames(!verify);
    let Some(ssl) = ssl else {
        return builder.build_rustls().map_err(|e| format!("TLS settings: {e}"));
    };
    let versions = crate::checks::network::tls::versions(&ssl.versions)?;
    if !versions.contains(&&rustls::version::TLS12) {
        builder = builder.set_min_tls_version(TlsVersion::Tlsv13);
    }
    if let Some(dir) = &ssl.cacertificatepath {
        for der in crate::checks::network::tls::certificates_in(dir)? {
            let cert = Certificate::from_der(der.to_vec()).map_err(|e| format!("{dir}: {e}"))?;
            builder = builder.add_root_certificate(cert);
        }
    }
    if let Some(path) = &ssl.cacertificatefile {
        // Every certificate of the bundle.
        let bundle = Certificate::from_pem(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
        builder = builder.add_root_certificate(bundle);
    }
    if let Some(path) = &ssl.clientpemfile {
        let pem = read(path)?;
        builder = builder.identify_with(Identity::from_pem(&pem, &pem).map_err(|e| format!("{path}: {e}"))?);
    }
    builder.build_rustls().map_err(|e| format!("TLS settings: {e}"))
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn envelope(mail: &RenderedMail) -> Result<Envelope, String> {
    let from: Address = mail.from.parse().map_err(|e| format!("sender '{}': {e}", mail.from))?;
    let to: Address = mail.to.parse().map_err(|e| format!("recipient '{}': {e}", mail.to))?;
    Envelope::new(Some(from), vec![to]).map_err(|e| e.to_string())
}
