//! TLS for the web interface (`set httpd ... with ssl { pemfile: F }`, or `pemchain` and
//! `pemkey`; `clientpemfile` asks browsers for a certificate signed by one in that file).
//! rustls with the ring provider, as everywhere in rmonit.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

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
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("httpd ssl: {e}"))?;
    let builder = match &ssl.clientpemfile {
        None => builder.with_no_client_auth(),
        Some(file) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(file).map_err(|e| format!("httpd ssl: {file}: {e}"))? {
                let cert = cert.map_err(|e| format!("httpd ssl: {file}: {e}"))?;
                roots.add(cert).map_err(|e| format!("httpd ssl: {file}: {e}"))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("httpd ssl: client certificates from {file}: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config =
        builder.with_single_cert(chain, key).map_err(|e| format!("httpd ssl: the certificate and key: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
