//! MySQL and MariaDB: the server's greeting must be a protocol-10 handshake in packet 0 (an
//! error packet, such as "host blocked", is a failure). Without a `username` rmonit stops
//! there, as Monit does. With one it logs in for real: a HandshakeResponse41 with the
//! server's plugin (`mysql_native_password` or `caching_sha2_password`, switching when asked),
//! then COM_QUIT; access denied is a failure. `mysqls` (or `ssl`) asks for TLS the MySQL way,
//! an SSLRequest after the greeting, then the handshake; the server must offer it.
//! caching_sha2_password's full authentication sends the password itself, so rmonit does it
//! only over TLS or a unix socket (elsewhere the server wants RSA, which rmonit does not do):
//! elsewhere it is a clear failure.
use super::mysql_auth::{self, CACHING_SHA2, NATIVE};
use super::{Session, Stream, io, tls_asked};
use crate::checks::network::tls;
use crate::config::model::{ConnectionTarget, Protocol};

/// The largest packet read (greetings and authentication packets are small).
const MAX_PACKET: usize = 64 * 1024;
/// The most authentication round trips (plugin switches, fast-auth results).
const MAX_AUTH_ROUNDS: usize = 8;

const CLIENT_LONG_PASSWORD: u32 = 0x1;
const CLIENT_LONG_FLAG: u32 = 0x4;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SSL: u32 = 0x800;
const CLIENT_TRANSACTIONS: u32 = 0x2000;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x8_0000;
const UTF8_GENERAL_CI: u8 = 33;
const MAX_PACKET_SIZE: u32 = 16 * 1024 * 1024;
const COM_QUIT: u8 = 0x01;

/// The parts of the server's greeting a login needs.
#[derive(Debug)]
struct Greeting {
    capabilities: u32,
    scramble: Vec<u8>,
    plugin: String,
}

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let (sequence, packet) = read_packet(session.stream, "greeting").await?;
    let greeting = parse_greeting(sequence, &packet)?;
    let config = session.config;
    let password = config.password.as_deref().unwrap_or_default();
    if config.name != Protocol::Mysqls && !tls_asked(session.test) {
        let Some(user) = config.username.as_deref() else {
            return Ok(());
        };
        let cleartext_allowed = matches!(session.test.target, ConnectionTarget::Unixsocket { .. });
        login(session.stream, &greeting, Credentials { user, password, extra_capabilities: 0, cleartext_allowed }, 1)
            .await?;
        return send_packet(session.stream, 0, &[COM_QUIT]).await;
    }
    if greeting.capabilities & CLIENT_SSL == 0 {
        return Err("greeting: expected a server that offers TLS (mysqls), got one that does not".to_owned());
    }
    send_packet(session.stream, 1, &ssl_request()).await?;
    let mut secured = tls::handshake(&mut *session.stream, session.host, session.test.ssl.as_ref()).await?;
    let Some(user) = config.username.as_deref() else {
        return Ok(());
    };
    let credentials = Credentials { user, password, extra_capabilities: CLIENT_SSL, cleartext_allowed: true };
    login(&mut secured, &greeting, credentials, 2).await?;
    send_packet(&mut secured, 0, &[COM_QUIT]).await
}

/// Who logs in, and how.
struct Credentials<'a> {
    user: &'a str,
    password: &'a str,
    /// CLIENT_SSL once the connection is secured.
    extra_capabilities: u32,
    /// Whether the password itself may be sent (TLS, unix socket).
    cleartext_allowed: bool,
}

/// Reads one packet: its sequence number and payload.
async fn read_packet(stream: &mut dyn Stream, step: &str) -> Result<(u8, Vec<u8>), String> {
    let header = io::read_exact(stream, 4).await.map_err(|e| format!("{step}: {e}"))?;
    let length = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if length == 0 || length > MAX_PACKET {
        return Err(format!("{step}: expected a MySQL packet, got '{}'", io::printable(&header)));
    }
    let payload = io::read_exact(stream, length).await.map_err(|e| format!("{step}: {e}"))?;
    Ok((header[3], payload))
}

async fn send_packet(stream: &mut dyn Stream, sequence: u8, payload: &[u8]) -> Result<(), String> {
    let length = (payload.len() as u32).to_le_bytes();
    io::send(stream, &[&length[..3], &[sequence], payload].concat()).await
}

fn parse_greeting(sequence: u8, packet: &[u8]) -> Result<Greeting, String> {
    if packet[0] == 0xff {
        return Err(format!("greeting: expected a handshake, got {}", error_text(packet)));
    }
    if packet[0] != 10 {
        return Err(format!("greeting: expected protocol version 10, got '{}'", io::printable(packet)));
    }
    if sequence != 0 {
        return Err(format!("greeting: expected packet number 0, got {sequence}"));
    }
    let malformed = || format!("greeting: a malformed handshake came back: '{}'", io::printable(packet));
    let mut rest = &packet[1..];
    let version_end = rest.iter().position(|&b| b == 0).ok_or_else(malformed)?;
    rest = &rest[version_end + 1..];
    // Connection id (4), scramble part 1 (8), filler (1), capabilities (2).
    let fixed = rest.get(..15).ok_or_else(malformed)?;
    let mut scramble = fixed[4..12].to_vec();
    let mut capabilities = u32::from(u16::from_le_bytes([fixed[13], fixed[14]]));
    rest = &rest[15..];
    let mut plugin = NATIVE.to_owned();
    // Character set (1), status (2), capabilities (2), scramble length (1), reserved (10).
    if let Some(more) = rest.get(..16) {
        capabilities |= u32::from(u16::from_le_bytes([more[3], more[4]])) << 16;
        let scramble_len = usize::from(more[5]);
        rest = &rest[16..];
        if capabilities & CLIENT_SECURE_CONNECTION != 0 {
            let part2_len = scramble_len.saturating_sub(8).max(13).min(rest.len());
            let part2 = &rest[..part2_len];
            scramble.extend_from_slice(part2.strip_suffix(&[0]).unwrap_or(part2));
            rest = &rest[part2_len..];
        }
        if capabilities & CLIENT_PLUGIN_AUTH != 0 && !rest.is_empty() {
            let name = rest.split(|&b| b == 0).next().unwrap_or_default();
            plugin = String::from_utf8_lossy(name).into_owned();
        }
    }
    Ok(Greeting { capabilities, scramble, plugin })
}

/// Logs in: the handshake response in packet `sequence`, then plugin switches and results
/// up to OK.
async fn login(
    stream: &mut dyn Stream,
    greeting: &Greeting,
    credentials: Credentials<'_>,
    sequence: u8,
) -> Result<(), String> {
    let Credentials { user, password, extra_capabilities, cleartext_allowed } = credentials;
    if greeting.capabilities & CLIENT_PROTOCOL_41 == 0 {
        return Err("greeting: the server does not speak protocol 4.1, which a login needs".to_owned());
    }
    let mut plugin = if matches!(greeting.plugin.as_str(), NATIVE | CACHING_SHA2) {
        greeting.plugin.clone()
    } else {
        NATIVE.to_owned()
    };
    let auth = mysql_auth::response(&plugin, password, &greeting.scramble).unwrap_or_default();
    let mut sequence = sequence;
    send_packet(stream, sequence, &handshake_response(extra_capabilities, user, &auth, &plugin)).await?;
    for _ in 0..MAX_AUTH_ROUNDS {
        let (got, packet) = read_packet(stream, "login").await?;
        if got != sequence.wrapping_add(1) {
            return Err(format!("login: expected packet number {}, got {got}", sequence.wrapping_add(1)));
        }
        sequence = got;
        match packet[0] {
            0x00 => return Ok(()),
            0xff => return Err(format!("login: expected success, got {}", error_text(&packet))),
            0xfe => {
                let (name, data) = split_cstring(&packet[1..]);
                let scramble = data.strip_suffix(&[0]).unwrap_or(data);
                let response = mysql_auth::response(&name, password, scramble).ok_or_else(|| {
                    format!("login: the server asks for the {name} plugin, which rmonit does not speak")
                })?;
                plugin = name;
                sequence = sequence.wrapping_add(1);
                send_packet(stream, sequence, &response).await?;
            }
            0x01 if plugin == CACHING_SHA2 => match packet.get(1) {
                // Fast authentication succeeded: the OK packet follows.
                Some(3) => {}
                Some(4) if cleartext_allowed => {
                    sequence = sequence.wrapping_add(1);
                    send_packet(stream, sequence, &[password.as_bytes(), b"\0"].concat()).await?;
                }
                Some(4) => {
                    return Err(format!(
                        "login: the server asks for {CACHING_SHA2}'s full authentication (the password is not in its cache), \
                         which rmonit does only over TLS (mysqls) or a unix socket; log in once with the mysql client, or use \
                         mysql_native_password for the monitoring user"
                    ));
                }
                _ => {
                    return Err(format!(
                        "login: an unknown {CACHING_SHA2} answer came back: '{}'",
                        io::printable(&packet)
                    ));
                }
            },
            _ => return Err(format!("login: expected OK or an error packet, got '{}'", io::printable(&packet))),
        }
    }
    Err(format!("login: no result within {MAX_AUTH_ROUNDS} authentication rounds"))
}

/// The capabilities, packet size, character set and filler every client packet starts with.
fn client_header(extra_capabilities: u32) -> Vec<u8> {
    let capabilities = extra_capabilities
        | CLIENT_LONG_PASSWORD
        | CLIENT_LONG_FLAG
        | CLIENT_PROTOCOL_41
        | CLIENT_TRANSACTIONS
        | CLIENT_SECURE_CONNECTION
        | CLIENT_PLUGIN_AUTH;
    let mut payload = capabilities.to_le_bytes().to_vec();
    payload.extend_from_slice(&MAX_PACKET_SIZE.to_le_bytes());
    payload.push(UTF8_GENERAL_CI);
    payload.extend_from_slice(&[0; 23]);
    payload
}

/// The SSLRequest: the header of a handshake response, alone, with CLIENT_SSL.
fn ssl_request() -> Vec<u8> {
    client_header(CLIENT_SSL)
}

fn handshake_response(extra_capabilities: u32, user: &str, auth: &[u8], plugin: &str) -> Vec<u8> {
    let mut payload = client_header(extra_capabilities);
    payload.extend_from_slice(user.as_bytes());
    payload.push(0);
    payload.push(auth.len() as u8);
    payload.extend_from_slice(auth);
    payload.extend_from_slice(plugin.as_bytes());
    payload.push(0);
    payload
}

/// A NUL-terminated string and what follows it.
fn split_cstring(data: &[u8]) -> (String, &[u8]) {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    (String::from_utf8_lossy(&data[..end]).into_owned(), data.get(end + 1..).unwrap_or_default())
}

/// An error packet as `error 1045 (28000): Access denied for user ...`.
fn error_text(packet: &[u8]) -> String {
    let code = packet.get(1..3).map_or(0, |c| u16::from_le_bytes([c[0], c[1]]));
    let rest = packet.get(3..).unwrap_or_default();
    match rest.strip_prefix(b"#") {
        Some(state) if state.len() >= 5 => {
            format!("error {code} ({}): {}", String::from_utf8_lossy(&state[..5]), String::from_utf8_lossy(&state[5..]))
        }
        _ => format!("error {code}: {}", String::from_utf8_lossy(rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    const SCRAMBLE: &[u8; 20] = b"abcdefghijklmnopqrst";

    fn packet(sequence: u8, payload: &[u8]) -> Vec<u8> {
        [&(payload.len() as u32).to_le_bytes()[..3], &[sequence], payload].concat()
    }

    /// A MariaDB-like greeting with `plugin`.
    fn greeting(plugin: &str) -> Vec<u8> {
        let mut payload = vec![10];
        payload.extend_from_slice(b"10.11.6-MariaDB\0");
        payload.extend_from_slice(&7u32.to_le_bytes());
        payload.extend_from_slice(&SCRAMBLE[..8]);
        payload.push(0);
        let capabilities: u32 = 0xf7fe | CLIENT_PLUGIN_AUTH | CLIENT_SECURE_CONNECTION;
        payload.extend_from_slice(&(capabilities as u16).to_le_bytes());
        payload.push(45);
        payload.extend_from_slice(&2u16.to_le_bytes());
        payload.extend_from_slice(&((capabilities >> 16) as u16).to_le_bytes());
        payload.push(21);
        payload.extend_from_slice(&[0; 10]);
        payload.extend_from_slice(&SCRAMBLE[8..]);
        payload.push(0);
        payload.extend_from_slice(plugin.as_bytes());
        payload.push(0);
        packet(0, &payload)
    }

    fn credentials(user: &str, password: &str) -> ProtocolConfig {
        let mut config = ProtocolConfig::new(Protocol::Mysql);
        config.username = Some(user.to_owned());
        config.password = Some(password.to_owned());
        config
    }

    #[test]
    fn the_greeting_gives_scramble_and_plugin() {
        let bytes = greeting(NATIVE);
        let parsed = parse_greeting(0, &bytes[4..]).unwrap();
        assert_eq!(parsed.scramble, SCRAMBLE);
        assert_eq!(parsed.plugin, NATIVE);
    }

    #[tokio::test]
    async fn without_credentials_the_greeting_is_enough() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Mysql), &greeting(NATIVE), check).await;
        assert_eq!(verdict, Ok(()));
        assert!(sent.is_empty());
        let blocked = packet(0, b"\xff\x69\x04Host '127.0.0.1' is blocked because of many connection errors");
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Mysql), &blocked, check).await;
        assert_eq!(
            verdict,
            Err("greeting: expected a handshake, got error 1129: Host '127.0.0.1' is blocked because of many connection errors"
                .to_owned())
        );
    }

    #[tokio::test]
    async fn native_login_then_quit() {
        let replies = [greeting(NATIVE), packet(2, b"\x00\x00\x00\x02\x00\x00\x00")].concat();
        let (verdict, sent) = converse(credentials("monit", "secret"), &replies, check).await;
        assert_eq!(verdict, Ok(()));
        let auth = mysql_auth::response(NATIVE, "secret", SCRAMBLE).unwrap();
        let expected = [packet(1, &handshake_response(0, "monit", &auth, NATIVE)), packet(0, &[COM_QUIT])].concat();
        assert_eq!(sent, expected);
    }

    #[tokio::test]
    async fn access_denied_fails() {
        let denied = b"\xff\x15\x04#28000Access denied for user 'monit'@'localhost' (using password: YES)";
        let replies = [greeting(NATIVE), packet(2, denied)].concat();
        let (verdict, _) = converse(credentials("monit", "wrong"), &replies, check).await;
        assert_eq!(
            verdict,
            Err("login: expected success, got error 1045 (28000): Access denied for user 'monit'@'localhost' (using password: YES)"
                .to_owned())
        );
    }

    #[tokio::test]
    async fn caching_sha2_fast_auth_and_a_plugin_switch() {
        let fast =
            [greeting(CACHING_SHA2), packet(2, b"\x01\x03"), packet(3, b"\x00\x00\x00\x02\x00\x00\x00")].concat();
        let (verdict, _) = converse(credentials("monit", "secret"), &fast, check).await;
        assert_eq!(verdict, Ok(()));
        let switch = [
            greeting(CACHING_SHA2),
            packet(2, &[b"\xfemysql_native_password\0", &SCRAMBLE[..], b"\0"].concat()),
            packet(4, b"\x00\x00\x00\x02\x00\x00\x00"),
        ]
        .concat();
        let (verdict, sent) = converse(credentials("monit", "secret"), &switch, check).await;
        assert_eq!(verdict, Ok(()));
        let switched = packet(3, &mysql_auth::response(NATIVE, "secret", SCRAMBLE).unwrap());
        assert!(sent.windows(switched.len()).any(|w| w == switched));
    }

    #[tokio::test]
    async fn mysqls_needs_a_server_that_offers_tls() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Mysqls), &greeting(NATIVE), check).await;
        assert_eq!(
            verdict,
            Err("greeting: expected a server that offers TLS (mysqls), got one that does not".to_owned())
        );
        assert!(sent.is_empty());
    }

    #[tokio::test]
    async fn caching_sha2_full_auth_over_tcp_fails_clearly() {
        let replies = [greeting(CACHING_SHA2), packet(2, b"\x01\x04")].concat();
        let (verdict, _) = converse(credentials("monit", "secret"), &replies, check).await;
        assert!(
            verdict.unwrap_err().starts_with("login: the server asks for caching_sha2_password's full authentication")
        );
    }
}
