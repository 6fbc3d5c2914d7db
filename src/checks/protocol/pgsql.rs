//! PostgreSQL: a StartupMessage (protocol 3.0). Without a `username` any authentication
//! request or error answer shows a live server (Monit's rule; its probe user is `root`).
//! With one, rmonit logs in for real: cleartext, MD5 or SCRAM-SHA-256 with the `password`,
//! up to ReadyForQuery; an error answer is a failure. The database defaults to the user's
//! own, as psql's does. It ends with a Terminate message. With `ssl` the connection is
//! secured the PostgreSQL way first: an SSLRequest answered with `S`, then the handshake.

use md5::{Digest, Md5};

use super::scram::{ClientFinal, Scram};
use super::{Session, Stream, io};
use crate::checks::network::tls;
use crate::config::model::ProtocolConfig;

const PROTOCOL_3_0: u32 = 196_608;
/// The "protocol version" of an SSLRequest.
const SSL_REQUEST_CODE: u32 = 80_877_103;
/// The user Monit's probe uses when none is configured.
const PROBE_USER: &str = "root";
/// The largest message read (authentication and status messages are small).
const MAX_MESSAGE: usize = 64 * 1024;
/// The most messages read before ReadyForQuery.
const MAX_MESSAGES: usize = 200;

const AUTH_OK: u32 = 0;
const AUTH_CLEARTEXT: u32 = 3;
const AUTH_MD5: u32 = 5;
const AUTH_SASL: u32 = 10;
const AUTH_SASL_CONTINUE: u32 = 11;
const AUTH_SASL_FINAL: u32 = 12;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let config = session.config;
    if !super::tls_asked(session.test) {
        return converse(session.stream, config).await;
    }
    io::send(session.stream, &[8u32.to_be_bytes(), SSL_REQUEST_CODE.to_be_bytes()].concat()).await?;
    let answer = io::read_exact(session.stream, 1).await.map_err(|e| format!("answer to the SSLRequest: {e}"))?;
    if answer[0] != b'S' {
        return Err(format!("answer to the SSLRequest: expected 'S' (TLS offered), got '{}'", io::printable(&answer)));
    }
    let mut secured = tls::handshake(&mut *session.stream, session.host, session.test.ssl.as_ref()).await?;
    converse(&mut secured, config).await
}

/// The startup, and a probe or a login, on `stream` (the session's, or TLS over it).
async fn converse(stream: &mut dyn Stream, config: &ProtocolConfig) -> Result<(), String> {
    let Some(user) = config.username.as_deref() else {
        return probe(stream).await;
    };
    let mut parameters = vec![("user", user)];
    if let Some(database) = config.database.as_deref() {
        parameters.push(("database", database));
    }
    io::send(stream, &startup_message(&parameters)).await?;
    let password = config.password.as_deref();
    login(stream, user, password).await?;
    io::send(stream, &terminate()).await
}

/// Without credentials: the first answer must be an authentication request or an error.
async fn probe(stream: &mut dyn Stream) -> Result<(), String> {
    io::send(stream, &startup_message(&[("user", PROBE_USER), ("database", PROBE_USER)])).await?;
    let (kind, _) = read_message(stream).await?;
    if kind != b'R' && kind != b'E' {
        return Err(format!(
            "answer to the startup message: expected an authentication request or an error, got a message of type '{}'",
            io::printable(&[kind])
        ));
    }
    io::send(stream, &terminate()).await
}

/// Answers the server's authentication requests up to ReadyForQuery.
async fn login(stream: &mut dyn Stream, user: &str, password: Option<&str>) -> Result<(), String> {
    let needs_password = || {
        password.ok_or_else(|| {
            "the server asks for a password and the test has none (protocol pgsql password ...)".to_owned()
        })
    };
    let mut scram: Option<Scram> = None;
    let mut scram_final: Option<ClientFinal> = None;
    for _ in 0..MAX_MESSAGES {
        let (kind, body) = read_message(stream).await?;
        match kind {
            b'R' => {
                let (code, data) = authentication(&body)?;
                match code {
                    AUTH_OK => {}
                    AUTH_CLEARTEXT => io::send(stream, &password_message(needs_password()?.as_bytes())).await?,
                    AUTH_MD5 => {
                        let salt = data.get(..4).ok_or("a MD5 request without its salt came back")?;
                        let hash = md5_password(user, needs_password()?, salt);
                        io::send(stream, &password_message(hash.as_bytes())).await?;
                    }
                    AUTH_SASL => {
                        let offered = cstrings(data);
                        if !offered.iter().any(|m| m == "SCRAM-SHA-256") {
                            return Err(format!(
                                "authentication: expected SCRAM-SHA-256 among the SASL mechanisms, got {offered:?}"
                            ));
                        }
                        needs_password()?;
                        let exchange = Scram::new()?;
                        io::send(stream, &sasl_initial(&exchange.client_first())).await?;
                        scram = Some(exchange);
                    }
                    AUTH_SASL_CONTINUE => {
                        let exchange = scram.as_ref().ok_or("a SASL continuation came back before SASL began")?;
                        let last = exchange.client_final(&String::from_utf8_lossy(data), needs_password()?)?;
                        io::send(stream, &sasl_response(&last.message)).await?;
                        scram_final = Some(last);
                    }
                    AUTH_SASL_FINAL => {
                        let last = scram_final.as_ref().ok_or("a SASL final message came back before the proof")?;
                        last.verify(&String::from_utf8_lossy(data))?;
                    }
                    other => {
                        return Err(format!(
                            "authentication: method {other} is not supported ({})",
                            method_name(other)
                        ));
                    }
                }
            }
            b'E' => return Err(format!("login: expected success, got {}", error_text(&body))),
            b'Z' => return Ok(()),
            // ParameterStatus, BackendKeyData, NoticeResponse, NegotiateProtocolVersion.
            b'S' | b'K' | b'N' | b'v' => {}
            other => {
                return Err(format!(
                    "login: expected authentication messages, got a message of type '{}'",
                    io::printable(&[other])
                ));
            }
        }
    }
    Err(format!("login: no ReadyForQuery within {MAX_MESSAGES} messages"))
}

/// Reads one backend message: its type and body.
async fn read_message(stream: &mut dyn Stream) -> Result<(u8, Vec<u8>), String> {
    let header = io::read_exact(stream, 5).await.map_err(|e| format!("answer: {e}"))?;
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if !(4..=MAX_MESSAGE).contains(&length) {
        return Err(format!("answer: expected a PostgreSQL message, got '{}'", io::printable(&header)));
    }
    let body = io::read_exact(stream, length - 4).await.map_err(|e| format!("answer: {e}"))?;
    Ok((header[0], body))
}

/// An Authentication message's code and data.
fn authentication(body: &[u8]) -> Result<(u32, &[u8]), String> {
    let code = body.get(..4).ok_or("an authentication message without its code came back")?;
    Ok((u32::from_be_bytes([code[0], code[1], code[2], code[3]]), &body[4..]))
}

fn startup_message(parameters: &[(&str, &str)]) -> Vec<u8> {
    let mut body = PROTOCOL_3_0.to_be_bytes().to_vec();
    for (name, value) in parameters {
        body.extend_from_slice(name.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    [(body.len() as u32 + 4).to_be_bytes().to_vec(), body].concat()
}

/// A frontend message: its type, its length, its body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    [&[kind][..], &(body.len() as u32 + 4).to_be_bytes(), body].concat()
}

fn password_message(password: &[u8]) -> Vec<u8> {
    message(b'p', &[password, b"\0"].concat())
}

fn sasl_initial(client_first: &str) -> Vec<u8> {
    let data = client_first.as_bytes();
    message(b'p', &[b"SCRAM-SHA-256\0", &(data.len() as u32).to_be_bytes()[..], data].concat())
}

fn sasl_response(client_final: &str) -> Vec<u8> {
    message(b'p', client_final.as_bytes())
}

fn terminate() -> Vec<u8> {
    message(b'X', b"")
}

/// `md5` + md5(md5(password + user) + salt), in hex.
fn md5_password(user: &str, password: &str, salt: &[u8]) -> String {
    let inner = hex(&Md5::digest([password.as_bytes(), user.as_bytes()].concat()));
    format!("md5{}", hex(&Md5::digest([inner.as_bytes(), salt].concat())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// NUL-terminated strings up to an empty one.
fn cstrings(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == 0).take_while(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}

/// An ErrorResponse as `FATAL 28P01: password authentication failed for user "x"`.
fn error_text(body: &[u8]) -> String {
    let mut severity = String::new();
    let mut code = String::new();
    let mut text = String::new();
    for field in body.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let value = String::from_utf8_lossy(&field[1..]).into_owned();
        match field[0] {
            b'S' => severity = value,
            b'C' => code = value,
            b'M' => text = value,
            _ => {}
        }
    }
    format!("{severity} {code}: {text}")
}

fn method_name(code: u32) -> &'static str {
    match code {
        2 => "Kerberos V5",
        6 => "SCM credentials",
        7 => "GSSAPI",
        9 => "SSPI",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    fn credentials(user: &str, password: &str) -> ProtocolConfig {
        let mut config = ProtocolConfig::new(Protocol::Pgsql);
        config.username = Some(user.to_owned());
        config.password = Some(password.to_owned());
        config
    }

    fn backend(kind: u8, body: &[u8]) -> Vec<u8> {
        message(kind, body)
    }

    fn error(text: &str) -> Vec<u8> {
        backend(b'E', format!("SFATAL\0C28P01\0M{text}\0\0").as_bytes())
    }

    #[tokio::test]
    async fn a_probe_takes_any_authentication_request_or_error() {
        let replies = backend(b'R', &[0, 0, 0, 10, b'S', b'C', b'R', b'A', b'M', 0, 0]);
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Pgsql), &replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert!(sent.windows(10).any(|w| w == b"user\0root\0"));
        assert!(sent.ends_with(&terminate()));
        let (verdict, _) =
            converse(ProtocolConfig::new(Protocol::Pgsql), &error("role \"root\" does not exist"), check).await;
        assert_eq!(verdict, Ok(()));
        let (verdict, _) =
            converse(ProtocolConfig::new(Protocol::Pgsql), b"HTTP/1.1 400 Bad Request\r\n\r\n", check).await;
        assert_eq!(verdict, Err("answer: expected a PostgreSQL message, got 'HTTP/'".to_owned()));
    }

    #[tokio::test]
    async fn md5_login() {
        let replies = [
            backend(b'R', &[0, 0, 0, 5, 1, 2, 3, 4]),
            backend(b'R', &[0, 0, 0, 0]),
            backend(b'S', b"server_version\x0015\0"),
            backend(b'Z', b"I"),
        ]
        .concat();
        let (verdict, sent) = converse(credentials("monit", "secret"), &replies, check).await;
        assert_eq!(verdict, Ok(()));
        let expected = password_message(md5_password("monit", "secret", &[1, 2, 3, 4]).as_bytes());
        assert!(sent.windows(expected.len()).any(|w| w == expected), "{}", io::printable(&sent));
        assert!(sent.ends_with(&terminate()));
    }

    #[tokio::test]
    async fn a_refused_login_fails() {
        let replies =
            [backend(b'R', &[0, 0, 0, 3]), error("password authentication failed for user \"monit\"")].concat();
        let (verdict, sent) = converse(credentials("monit", "wrong"), &replies, check).await;
        assert_eq!(
            verdict,
            Err("login: expected success, got FATAL 28P01: password authentication failed for user \"monit\""
                .to_owned())
        );
        assert!(sent.ends_with(&password_message(b"wrong")));
    }

    #[tokio::test]
    async fn scram_needs_a_password_and_other_methods_fail() {
        let mut config = credentials("monit", "");
        config.password = None;
        let replies = backend(b'R', b"\0\0\0\x0aSCRAM-SHA-256\0\0");
        let (verdict, _) = converse(config, &replies, check).await;
        assert!(verdict.unwrap_err().starts_with("the server asks for a password and the test has none"));
        let (verdict, _) = converse(credentials("monit", "pw"), &backend(b'R', &[0, 0, 0, 7]), check).await;
        assert_eq!(verdict, Err("authentication: method 7 is not supported (GSSAPI)".to_owned()));
    }

    #[test]
    fn md5_password_as_postgres_computes_it() {
        // Computed with Python's hashlib: 'md5' + md5(md5('secret' + 'monit').hexdigest() + salt).
        assert_eq!(md5_password("monit", "secret", &[1, 2, 3, 4]), "md5d0a7a3e0a98e0487da69238e93e2443b");
    }

    #[tokio::test]
    async fn ssl_needs_a_server_that_offers_it() {
        let (mut stream, peer) = super::super::testpeer::replying(b"N");
        let mut test = super::super::testpeer::test_for(Protocol::Pgsql);
        test.ssl = Some(crate::config::model::SslOptions::default());
        let config = ProtocolConfig::new(Protocol::Pgsql);
        let verdict = {
            let mut session = super::super::testpeer::local_session(&mut stream, &test, &config, 5432);
            check(&mut session).await
        };
        drop(stream);
        assert_eq!(verdict, Err("answer to the SSLRequest: expected 'S' (TLS offered), got 'N'".to_owned()));
        assert_eq!(peer.await.unwrap(), [0, 0, 0, 8, 4, 210, 22, 47]);
    }
}
