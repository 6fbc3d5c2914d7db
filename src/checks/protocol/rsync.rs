//! rsync daemon: the greeting `@RSYNCD: <version> [digests]` is echoed back as Monit does
//! (protocol 32 servers want the digest list back), then `#list` asks for the module list,
//! read up to `@RSYNCD: EXIT` (`@ERROR` is a failure).

use super::{Session, io, reply};

/// The most module lines a list may have.
const MAX_MODULES: usize = 10_000;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let greeting = reply::expect_prefix(session.stream, "greeting", "@RSYNCD:").await?;
    let version = greeting["@RSYNCD:".len()..].split_whitespace().next().unwrap_or_default();
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(reply::unexpected("greeting", "'@RSYNCD: <version>'", &greeting));
    }
    io::send(session.stream, format!("{greeting}\n#list\n").as_bytes()).await?;
    for _ in 0..MAX_MODULES {
        let line = reply::line(session.stream, "module list").await?;
        if line.starts_with("@RSYNCD: EXIT") {
            return Ok(());
        }
        if line.starts_with("@ERROR") {
            return Err(reply::unexpected("module list", "modules ended by '@RSYNCD: EXIT'", &line));
        }
    }
    Err(format!("module list: no '@RSYNCD: EXIT' within {MAX_MODULES} lines"))
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn greeting_and_module_list() {
        let replies = b"@RSYNCD: 31.0 sha512 sha256 sha1 md5 md4\nbackup         \tthe backups\n@RSYNCD: EXIT\n";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Rsync), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"@RSYNCD: 31.0 sha512 sha256 sha1 md5 md4\n#list\n");
    }

    #[tokio::test]
    async fn an_error_fails() {
        let replies = b"@RSYNCD: 31.0\n@ERROR: access denied to list from localhost\n";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Rsync), replies, check).await;
        assert_eq!(
            verdict,
            Err("module list: expected modules ended by '@RSYNCD: EXIT', got '@ERROR: access denied to list from localhost'"
                .to_owned())
        );
    }

    #[tokio::test]
    async fn another_greeting_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Rsync), b"SSH-2.0-OpenSSH\r\n", check).await;
        assert_eq!(verdict, Err("greeting: expected '@RSYNCD:...', got 'SSH-2.0-OpenSSH'".to_owned()));
    }
}
