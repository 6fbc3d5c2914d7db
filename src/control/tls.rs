//! TLS for the web interface (`set httpd ... with ssl { pemfile: F }`, or `pemchain` and
//! `pemkey`; `clientpemfile` asks browsers for a certificate signed by one in that file,
//! and `allowselfcertification` or `selfsigned: allow` also takes a self-signed one that
//! file lists, within its validity). `version:` and `ciphers:` as for connection tests.
//! rustls with the ring provider, as everywhere in rmonit.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio_rustls::TlsAcceptor;

use crate::checks::network::{certificate, tls};
use crate::config::model::SslOptions;

/// The acceptor for the configured certificate and key.
pub fn acceptor(ssl: &SslOptions) -> Result<TlsAcceptor, String> {
    let (chain_file, key_file) = match (&ssl.pemfile, &ssl.pemchain, &ssl.pemkey) {
        (Some(pem), None, None) => (pem, pem),
        (None, Some(chain), Some(key)) => (chain, key),
        (Some(pem), _, Some(key)) => (pem, key),
        _ => return Err("httpd ssl: give `pemfile` (certificate and key) or `pemchain` and `pemkey`".to_owned()),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(chain_file)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| format!("httpd ssl: cannot read certificates from {chain_file}: {e}"))?;
    if chain.is_empty() {
        return Err(format!("httpd ssl: no certificate in {chain_file}"));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| format!("httpd ssl: cannot read a private key from {key_file}: {e}"))?;
    let provider = tls::provider(ssl.ciphers.as_deref());
    let versions = tls::versions(&ssl.versions).map_err(|e| format!("httpd ssl: {e}"))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("httpd ssl: {e}"))?;
    let builder = match &ssl.clientpemfile {
        None => builder.with_no_client_auth(),
        Some(file) => {
            let mut roots = rustls::RootCertStore::empty();
            let mut listed = Vec::new();
            for cert in CertificateDer::pem_file_iter(file).map_err(|e| format!("httpd ssl: {file}: {e}"))? {
                let cert = cert.map_err(|e| format!("httpd ssl: {file}: {e}"))?;
                listed.push(cert.clone());
                roots.add(cert).map_err(|e| format!("httpd ssl: {file}: {e}"))?;
            }
            let webpki = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("httpd ssl: client certificates from {file}: {e}"))?;
            if ssl.selfsigned == Some(true) {
                builder.with_client_cert_verifier(Arc::new(SelfCertified { webpki, listed }))
            } else {
                builder.with_client_cert_verifier(webpki)
            }
        }
    };
    let mut config =
        builder.with_single_cert(chain, key).map_err(|e| format!("httpd ssl: the certificate and key: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// `allowselfcertification`: a client certificate that chains to `clientpemfile`, or a
/// self-signed one that file lists (Monit takes any self-signed one whose subject the file
/// has; rmonit wants the certificate itself) and that is within its validity.
#[derive(Debug)]
struct SelfCertified {
    webpki: Arc<dyn ClientCertVerifier>,
    listed: Vec<CertificateDer<'static>>,
}

impl ClientCertVerifier for SelfCertified {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match self.webpki.verify_client_cert(end_entity, intermediates, now) {
            Err(error)
                if certificate::is_self_issued(end_entity)
                    && self.listed.iter().any(|c| c.as_ref() == end_entity.as_ref()) =>
            {
                let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
                let start = certificate::not_before(end_entity).unwrap_or(i64::MAX);
                let end = certificate::not_after(end_entity).unwrap_or(i64::MIN);
                if start <= now && now <= end { Ok(ClientCertVerified::assertion()) } else { Err(error) }
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
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
