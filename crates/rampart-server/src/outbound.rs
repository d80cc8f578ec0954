//! Outbound HTTPS for services (`rampart_service::Outbound`): one `GET` over HTTP/1.1 and TLS,
//! trusting only what the service names (certificate thumbprints), bounded in time and size.
//!
//! Each request runs on a thread of its own with a small runtime, so a handler may call it from
//! anywhere without blocking the server's async workers.

use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use rampart_service::{Outbound, TlsTrust};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;

/// The longest an outbound request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Outbound HTTPS over rustls and hyper.
pub struct HttpsOutbound;

impl Outbound for HttpsOutbound {
    fn get(&self, url: &str, trust: &TlsTrust, limit: usize) -> Result<Vec<u8>, String> {
        let (url, trust) = (url.to_owned(), trust.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start a runtime: {e}"))?;
            runtime.block_on(async {
                tokio::time::timeout(TIMEOUT, get(&url, trust, limit))
                    .await
                    .map_err(|_| format!("{url} did not answer within {TIMEOUT:?}"))?
            })
        })
        .join()
        .map_err(|_| "the outbound request failed".to_owned())?
    }
}

async fn get(url: &str, trust: TlsTrust, limit: usize) -> Result<Vec<u8>, String> {
    let uri: http::Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    if uri.scheme_str() != Some("https") {
        return Err(format!("{url} is not an https URL"));
    }
    let host = uri
        .host()
        .ok_or_else(|| format!("{url} has no host"))?
        .to_owned();
    let port = uri.port_u16().unwrap_or(443);
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned { trust, provider }))
        .with_no_client_auth();
    let name = ServerName::try_from(host.clone()).map_err(|_| format!("bad host name {host}"))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS with {host}:{port} failed: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| format!("HTTP with {host}:{port} failed: {e}"))?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = http::Request::get(path)
        .header(
            http::header::HOST,
            uri.authority().map_or(host.as_str(), |a| a.as_str()),
        )
        .header(http::header::USER_AGENT, "rampart")
        .body(Empty::<bytes::Bytes>::new())
        .map_err(|e| format!("bad request: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if response.status() != http::StatusCode::OK {
        return Err(format!("{url} answered {}", response.status()));
    }
    let body = Limited::new(response.into_body(), limit)
        .collect()
        .await
        .map_err(|_| format!("{url}: the answer is larger than {limit} bytes or broken"))?;
    Ok(body.to_bytes().to_vec())
}

/// Trusts a server whose chain holds a certificate with a pinned SHA-1 thumbprint, and checks
/// that the server holds the key of the certificate it presented.
#[derive(Debug)]
struct Pinned {
    trust: TlsTrust,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let TlsTrust::Thumbprints(pins) = &self.trust;
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .any(|cert| pins.contains(&thumbprint(cert)));
        match pinned {
            true => Ok(ServerCertVerified::assertion()),
            false => Err(rustls::Error::General(
                "no certificate of the chain matches a configured thumbprint".into(),
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A certificate's SHA-1 fingerprint, as IAM's thumbprints are.
fn thumbprint(cert: &CertificateDer<'_>) -> [u8; 20] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, cert);
    let mut out = [0u8; 20];
    out.copy_from_slice(digest.as_ref());
    out
}
