//! TLS on a test's connection (`ssl|tls [with options {...}]`, `type tcpssl`, the implicitly
//! secure protocols), through rustls with the ring provider as everywhere in rmonit.
//!
//! As in Monit, the server's certificate is not verified unless `verify: enable`; then it
//! must chain to the CA file (`cacertificatefile`, else Debian's bundle), and
//! `selfsigned: allow` also accepts a certificate nobody issued, if it is within its
//! validity and for the host. `version:` picks TLS 1.2
//! and/or 1.3 (rustls has nothing older); `ciphers:` the suites of an OpenSSL cipher string
//! that rustls has; `clientpemfile` presents a client certificate.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::checks::protocol::Stream;
use crate::config::model::ciphers::CipherChoice;
use crate::config::model::{SslOptions, TlsRemoved, TlsVersion, TlsVersionMeaning};

/// The CA bundle read when `verify: enable` names no `cacertificatefile`.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A TLS client for `options` (none: Monit's defaults).
pub fn connector(options: Option<&SslOptions>) -> Result<TlsConnector, String> {
    client_config(options).map(|config| TlsConnector::from(Arc::new(config)))
}

/// The rustls configuration of a client for `options` (none: Monit's defaults), for
/// connection tests and for other clients that speak TLS (the M/Monit collector's).
pub fn client_config(options: Option<&SslOptions>) -> Result<ClientConfig, String> {
    let default = SslOptions::default();
    let options = options.unwrap_or(&default);
    let provider = provider(options.ciphers.as_deref());
    let versions = versions(&options.versions)?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("TLS: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = if options.verify == Some(true) {
        let roots = trust_roots(options)?;
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| format!("TLS: {e}"))?;
        Arc::new(Verifier { webpki: Some(webpki), selfsigned: options.selfsigned == Some(true), provider })
    } else {
        Arc::new(Verifier { webpki: None, selfsigned: true, provider })
    };
    let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
    let config = match &options.clientpemfile {
        None => builder.with_no_client_auth(),
        Some(file) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
                .and_then(|certs| certs.collect::<Result<_, _>>())
                .map_err(|e| format!("TLS: cannot read the client certificate {file}: {e}"))?;
            let key = PrivateKeyDer::from_pem_file(file)
                .map_err(|e| format!("TLS: cannot read the client key in {file}: {e}"))?;
            builder.with_client_auth_cert(chain, key).map_err(|e| format!("TLS: client certificate {file}: {e}"))?
        }
    };
    Ok(config)
}

/// The ring provider with the cipher suites `ciphers` (an OpenSSL cipher string) names,
/// or all of them (rustls's default set) when it names none rustls has.
pub fn provider(ciphers: Option<&str>) -> Arc<CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(text) = ciphers {
        let choice = CipherChoice::parse(text);
        if !choice.suites.is_empty() {
            provider.cipher_suites.retain(|s| s.suite().as_str().is_some_and(|name| choice.suites.contains(&name)));
        }
    }
    Arc::new(provider)
}

/// How long a built client is reused before its files (CA bundle, client certificate) are
/// read again.
const CONNECTOR_REUSE: std::time::Duration = std::time::Duration::from_secs(300);

/// Built clients by their options: every TLS test of every cycle would otherwise read and
/// parse the CA bundle again.
static CONNECTORS: std::sync::Mutex<Vec<(Option<SslOptions>, std::time::Instant, TlsConnector)>> =
    std::sync::Mutex::new(Vec::new());

/// The client for `options`, built at most every [`CONNECTOR_REUSE`].
fn shared_connector(options: Option<&SslOptions>) -> Result<TlsConnector, String> {
    let key = options.cloned();
    let mut built = CONNECTORS.lock().unwrap_or_else(|p| p.into_inner());
    built.retain(|(_, at, _)| at.elapsed() < CONNECTOR_REUSE);
    if let Some((_, _, connector)) = built.iter().find(|(k, _, _)| *k == key) {
        return Ok(connector.clone());
    }
    let connector = connector(options)?;
    built.push((key, std::time::Instant::now(), connector.clone()));
    Ok(connector)
}

/// Runs the TLS handshake on `stream` for `host`.
pub async fn handshake<S: Stream>(stream: S, host: &str, options: Option<&SslOptions>) -> Result<TlsStream<S>, String> {
    let connector = shared_connector(options)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(bare.to_owned()).map_err(|e| format!("TLS: bad server name {host}: {e}"))?;
    connector.connect(name, stream).await.map_err(|e| format!("TLS handshake failed: {e}"))
}

/// The server's certificate (the first of its chain).
pub fn peer_certificate<S>(stream: &TlsStream<S>) -> Option<CertificateDer<'static>> {
    stream.get_ref().1.peer_certificates()?.first().map(|c| c.clone().into_owned())
}

/// `version: tlsv12 | tlsv13 | auto | -tlsv12 ...`: the versions named, or every version
/// rustls has when none (or `auto`) is named, less the ones removed (`-tlsv12`, `!tlsv13`;
/// removing a version rustls does not have changes nothing). `tlsv1` and `tlsv11` (which
/// rustls does not have; `-t` warns) ask for TLS 1.2 and 1.3 instead. Alert mail follows
/// the same rule. An unknown word (`-t` warns) fails here, when the connection is made.
pub fn versions(words: &[TlsVersion]) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
    use rustls::ProtocolVersion::{TLSv1_2, TLSv1_3};
    let (mut wanted, mut removed, mut auto) = (Vec::new(), Vec::new(), false);
    for word in words {
        match word.meaning() {
            TlsVersionMeaning::Auto => auto = true,
            TlsVersionMeaning::Tls12 => wanted.push(TLSv1_2),
            TlsVersionMeaning::Tls13 => wanted.push(TLSv1_3),
            TlsVersionMeaning::Legacy => wanted.extend([TLSv1_2, TLSv1_3]),
            TlsVersionMeaning::Removed(TlsRemoved::Tls12) => removed.push(TLSv1_2),
            TlsVersionMeaning::Removed(TlsRemoved::Tls13) => removed.push(TLSv1_3),
            TlsVersionMeaning::Removed(TlsRemoved::Absent) => {}
            // After `auto`, an unknown word is not asked for.
            TlsVersionMeaning::Unsupported if auto => {}
            TlsVersionMeaning::Unsupported => {
                let other = word.word().to_ascii_lowercase();
                return Err(format!("TLS: version {other} is not supported (only tlsv12 and tlsv13)"));
            }
        }
    }
    let every = auto || wanted.is_empty();
    let left: Vec<_> = rustls::ALL_VERSIONS
        .iter()
        .copied()
        .filter(|v| (every || wanted.contains(&v.version)) && !removed.contains(&v.version))
        .collect();
    if left.is_empty() {
        return Err("TLS: every version was removed (version: ... -tlsv12 -tlsv13)".to_owned());
    }
    Ok(left)
}

/// The certificates trusted: those of `cacertificatefile` and of every file in
/// `cacertificatepath`, else Debian's bundle.
fn trust_roots(options: &SslOptions) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    let mut add = |cert: CertificateDer<'static>, from: &str| roots.add(cert).map_err(|e| format!("TLS: {from}: {e}"));
    if let Some(dir) = &options.cacertificatepath {
        for cert in certificates_in(dir)? {
            add(cert, dir)?;
        }
    }
    let file = match (&options.cacertificatefile, &options.cacertificatepath) {
        (Some(file), _) => file.as_str(),
        (None, Some(_)) => return Ok(roots),
        (None, None) => SYSTEM_CA_BUNDLE,
    };
    for cert in CertificateDer::pem_file_iter(file).map_err(|e| format!("TLS: cannot read {file}: {e}"))? {
        add(cert.map_err(|e| format!("TLS: {file}: {e}"))?, file)?;
    }
    Ok(roots)
}

/// Every certificate of the PEM files in `dir` (`cacertificatepath`: OpenSSL's layout of
/// hashed names, `5ad8a5d6.0`, linking to PEM files, or plain `*.pem`/`*.crt` files; a
/// certificate found under two names counts once). Files that hold no certificate are
/// passed over; a directory without any certificate is an error.
pub fn certificates_in(dir: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("TLS: cannot read the directory {dir}: {e}"))?;
    let mut paths: Vec<std::path::PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut found: Vec<CertificateDer<'static>> = Vec::new();
    for path in paths.iter().filter(|p| p.is_file()) {
        let Ok(certs) = CertificateDer::pem_file_iter(path) else { continue };
        for cert in certs.flatten() {
            if !found.contains(&cert) {
                found.push(cert);
            }
        }
    }
    if found.is_empty() {
        return Err(format!("TLS: no certificate in {dir}"));
    }
    Ok(found)
}

/// Checks the server's certificate as the options ask; handshake signatures are always
/// checked.
#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    selfsigned: bool,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    fn algorithms(&self) -> &WebPkiSupportedAlgorithms {
        &self.provider.signature_verification_algorithms
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.webpki else { return Ok(ServerCertVerified::assertion()) };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(_) if self.selfsigned && intermediates.is_empty() && super::certificate::is_self_issued(end_entity) => {
                // Self-signed, yet within its validity and for this name.
                let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
                super::certificate::accept_self_signed(end_entity, server_name, now)
                    .map(|()| ServerCertVerified::assertion())
                    .map_err(rustls::Error::General)
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, self.algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, self.algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms().supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_the_options() {
        assert_eq!(versions(&[]).unwrap().len(), 2);
        assert_eq!(versions(&["tlsv13".into()]).unwrap().len(), 1);
        assert_eq!(versions(&["-tlsv1".into(), "tlsv12".into()]).unwrap().len(), 1);
        assert!(versions(&["sslv3".into()]).unwrap_err().contains("not supported"));
        let version = |words: &[&str]| {
            let words: Vec<TlsVersion> = words.iter().map(|w| TlsVersion::new(*w)).collect();
            versions(&words).map(|v| v.iter().map(|p| p.version).collect::<Vec<_>>())
        };
        let (v12, v13) = (rustls::ProtocolVersion::TLSv1_2, rustls::ProtocolVersion::TLSv1_3);
        assert_eq!(version(&["-tlsv12"]), Ok(vec![v13]));
        assert_eq!(version(&["auto", "!tlsv13"]), Ok(vec![v12]));
        assert_eq!(version(&["tlsv1"]).map(|v| v.len()), Ok(2), "TLS 1.2 and 1.3 instead");
        assert_eq!(version(&["sslauto"]).map(|v| v.len()), Ok(2));
        assert!(version(&["-tlsv12", "-tlsv13"]).unwrap_err().contains("every version was removed"));
        assert!(connector(None).is_ok());
    }
}
