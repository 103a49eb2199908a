//! SIP over TLS (RFC 3261 §26.2, RFC 5630): the server side of TLS, with rustls on the ring
//! backend. The certificate chain and key are read once at start from the PEM files named by
//! `sip.tls_cert` and `sip.tls_key`; a file that does not load stops the start as a
//! configuration error. Each accepted connection does its handshake in its own task, within
//! `HANDSHAKE_TIMEOUT`, and is then run like a TCP connection (Content-Length framing) by
//! `sip::run_stream`, keyed as a TLS peer so requests to phones registered over it reuse it.
//! WSS (`driver::ws`) uses the same acceptor.
//!
//! Outbound TLS connections are not opened: phones register first, and the switch only answers
//! them and rings the contacts they registered, over the connections they opened.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sip::transport::{Peer, Transport};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

use super::sip::{Connections, Incoming};
use crate::config::TlsFiles;

/// A TLS (or WSS) handshake must finish within this time, or the connection is closed.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the TLS certificate or key could not be used. Every variant is a configuration problem
/// and names the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read or holds no PEM certificate.
    #[error("config key `sip.tls_cert`: {path}: {reason}")]
    Cert { path: PathBuf, reason: String },
    /// The key file could not be read or holds no PEM private key.
    #[error("config key `sip.tls_key`: {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    /// rustls refused the pair (the key does not match the certificate, or is of a kind it
    /// does not support).
    #[error("config keys `sip.tls_cert` and `sip.tls_key`: {0}")]
    Rejected(rustls::Error),
}

/// Reads the certificate chain and key and builds the server side of TLS.
pub fn load_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsError> {
    let chain = read_chain(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| TlsError::Key {
        path: files.key.clone(),
        reason: e.to_string(),
    })?;
    // ring, not aws-lc-rs: no cmake and a far lighter C build. rustls marks ring's provider
    // deprecated for lacking post-quantum key exchange, which SIP phones do not offer anyway;
    // the classical groups (X25519, P-256, P-384) remain.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Rejected)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(TlsError::Rejected)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bad = |reason: String| TlsError::Cert {
        path: path.to_path_buf(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if chain.is_empty() {
        return Err(bad("no PEM certificate in the file".into()));
    }
    Ok(chain)
}

/// Accepts TLS connections until the core goes away.
pub async fn tls_accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
) {
    super::sip::accept_loop(listener, "TLS", conns.clone(), to_core.clone(), {
        move |stream, peer, slot| {
            tls_connection(
                stream,
                peer,
                acceptor.clone(),
                to_core.clone(),
                conns.clone(),
                slot,
            )
        }
    })
    .await;
}

async fn tls_connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    to_core: mpsc::Sender<Incoming>,
    conns: Connections,
    slot: OwnedSemaphorePermit,
) {
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::debug!(peer = %crate::redact::Pii(peer), error = %e, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!(peer = %crate::redact::Pii(peer), "TLS handshake timed out");
            return;
        }
    };
    super::sip::run_stream(
        tls,
        local.ip(),
        Peer::new(Transport::Tls, peer),
        to_core,
        conns,
        slot,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate alone (its key was not kept): enough to get past the chain to the key.
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBizCCATCgAwIBAgIUdD67/KLCdBZAstRz1sqVjqN40pIwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQc3dpdGNoYm9hcmQudGVzdDAgFw0yNjEyMDQyMzI4MzZaGA8y
MTI2MTExMDIzMjgzNlowGzEZMBcGA1UEAwwQc3dpdGNoYm9hcmQudGVzdDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABPgUzhMH+N+r0R8W+MHMDjIWBgjF45SsbqqP
A6A2vzCJnU7fJJ1Dnu227oyStLqEBz6NLPt1Tp7cYFosO2zAUDGjUDBOMB0GA1Ud
DgQWBBSblKQdCXbfw7rDViUNQ+TXe9C3ljAfBgNVHSMEGDAWgBSblKQdCXbfw7rD
ViUNQ+TXe9C3ljAMBgNVHRMBAf8EAjAAMAoGCCqGSM49BAMCA0kAMEYCIQClv93l
8qLDHemMdISFJ7gUz7ZrhoLcD4QqgZ1YWOa0/wIhAP6lpbr4MWKy89FnE4BmoAkg
VE0yCiCy5JaktsMR7u2C
-----END CERTIFICATE-----
";

    fn files(dir: &Path, cert: &str, key: &str) -> TlsFiles {
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert).expect("write cert");
        std::fs::write(&files.key, key).expect("write key");
        files
    }

    fn error(files: &TlsFiles) -> String {
        match load_acceptor(files) {
            Ok(_) => panic!("accepted {files:?}"),
            Err(e) => {
                let text = e.to_string();
                assert!(
                    super::super::RunError::from(e).is_config(),
                    "exit code 2, like a config that does not parse"
                );
                text
            }
        }
    }

    #[test]
    fn files_that_do_not_load_name_their_key() {
        let dir = std::env::temp_dir().join(format!(
            "switchboard-tls-unit-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).expect("dir");

        let missing = TlsFiles {
            cert: dir.join("absent.pem"),
            key: dir.join("absent-key.pem"),
        };
        assert!(error(&missing).contains("`sip.tls_cert`"));
        let not_pem = files(&dir, "not a certificate\n", "");
        assert!(error(&not_pem).contains("`sip.tls_cert`"));
        let no_key = files(&dir, CERT, CERT);
        let message = error(&no_key);
        assert!(message.contains("`sip.tls_key`"), "{message}");
        assert!(message.contains("key.pem"), "the path is named: {message}");

        let _ = std::fs::remove_dir_all(&dir);
    }
}
