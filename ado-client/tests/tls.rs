//! TLS against a local server whose certificate is issued by a test CA
//! (`tests/fixtures/tls`: a throwaway CA and server key made for these tests only).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ado_client::{Error, TransportCause};
use common::*;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

fn tls_fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/tls/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An HTTPS server on loopback answering every request with the repositories fixture.
/// Returns its base URL and the number of connections it accepted.
async fn https_server() -> (String, Arc<AtomicUsize>) {
    let certificates = CertificateDer::pem_slice_iter(&tls_fixture("server.pem"))
        .collect::<Result<Vec<_>, _>>()
        .expect("server certificate");
    let key = PrivateKeyDer::from_pem_slice(&tls_fixture("server.key")).expect("server key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(certificates, key)
    .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    let body = fixture("git/7.1/repositories_list.json").to_string();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(socket).await else {
                    return;
                };
                if read_request_head(&mut stream).await {
                    let response = json_response_head(body.len()) + &body;
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
            });
        }
    });
    (format!("https://{address}/fabrikam"), accepted)
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_at_once_and_said_so() {
    let (url, accepted) = https_server().await;
    let client = client_at(&url).build().expect("client");
    let error = all_repositories(&client)
        .await
        .expect_err("untrusted certificate");
    assert!(
        matches!(
            &error,
            Error::Transport {
                cause: TransportCause::CertificateNotTrusted(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_definitive() && !error.is_retryable());
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "not retried");
    assert_eq!(
        error.to_string(),
        "request to organization `fabrikam` on /fabrikam/_apis/git/repositories failed: \
         certificate not trusted: unknown issuer; set SSL_CERT_FILE to your CA bundle"
    );
}

#[tokio::test]
async fn extra_root_certificates_are_trusted() {
    let (url, _) = https_server().await;
    let client = client_at(&url)
        .root_certificates_pem(tls_fixture("ca.pem"))
        .build()
        .expect("client");
    let repositories = all_repositories(&client)
        .await
        .expect("trusted through the extra root");
    assert_eq!(repositories.len(), 3);
}
