//! Outbound HTTP(S) for services (`rampart_service::Outbound`): one request over HTTP/1.1,
//! over TLS trusting only what the service names (certificate thumbprints) unless the operator
//! configured a plain `http` URL, bounded in time and size.
//!
//! Each request runs on a thread of its own with a small runtime, so a handler may call it from
//! anywhere without blocking the server's async workers.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use rampart_service::{Answer, Outbound, Post, TlsTrust};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;

/// The longest an outbound request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Outbound HTTP(S) over rustls and hyper.
pub struct HttpsOutbound;

impl Outbound for HttpsOutbound {
    fn get(&self, url: &str, trust: &TlsTrust, limit: usize) -> Result<Vec<u8>, String> {
        if !url.starts_with("https://") {
            return Err(format!("{url} is not an https URL"));
        }
        let request = Outgoing {
            method: http::Method::GET,
            url: url.to_owned(),
            trust: trust.clone(),
            headers: Vec::new(),
            body: Vec::new(),
            limit,
        };
        let answer = on_own_thread(request)?;
        match answer.status {
            200 => Ok(answer.body),
            status => Err(format!("{url} answered {status}")),
        }
    }

    fn post(&self, post: &Post<'_>) -> Result<Answer, String> {
        on_own_thread(Outgoing {
            method: http::Method::POST,
            url: post.url.to_owned(),
            trust: post.trust.clone(),
            headers: post.headers.to_vec(),
            body: post.body.to_vec(),
            limit: post.limit,
        })
    }
}

/// One request, owned so that it can move to the thread that sends it.
struct Outgoing {
    method: http::Method,
    url: String,
    trust: TlsTrust,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    limit: usize,
}

/// Sends `request` from a thread of its own with a small runtime, within [`TIMEOUT`].
fn on_own_thread(request: Outgoing) -> Result<Answer, String> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?;
        let url = request.url.clone();
        runtime.block_on(async {
            tokio::time::timeout(TIMEOUT, send(request))
                .await
                .map_err(|_| format!("{url} did not answer within {TIMEOUT:?}"))?
        })
    })
    .join()
    .map_err(|_| "the outbound request failed".to_owned())?
}

async fn send(request: Outgoing) -> Result<Answer, String> {
    let url = request.url.as_str();
    let uri: http::Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    let secure = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(format!("{url} is neither an http nor an https URL")),
    };
    let host = uri
        .host()
        .ok_or_else(|| format!("{url} has no host"))?
        .to_owned();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut builder = http::Request::builder()
        .method(request.method.clone())
        .uri(path)
        .header(
            http::header::HOST,
            uri.authority().map_or(host.as_str(), |a| a.as_str()),
        )
        .header(http::header::USER_AGENT, "rampart");
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let message = builder
        .body(Full::new(Bytes::from(request.body.clone())))
        .map_err(|e| format!("bad request: {e}"))?;
    if !secure {
        return exchange(TokioIo::new(tcp), message, &request).await;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            trust: request.trust.clone(),
            provider,
        }))
        .with_no_client_auth();
    let name = ServerName::try_from(host.clone()).map_err(|_| format!("bad host name {host}"))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS with {host}:{port} failed: {e}"))?;
    exchange(TokioIo::new(tls), message, &request).await
}

/// One HTTP/1.1 exchange over an open connection.
async fn exchange<T>(
    io: T,
    message: http::Request<Full<Bytes>>,
    request: &Outgoing,
) -> Result<Answer, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let url = request.url.as_str();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP with {url} failed: {e}"))?;
    tokio::spawn(connection);
    let response = sender
        .send_request(message)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.status().as_u16();
    let limit = request.limit;
    let body = Limited::new(response.into_body(), limit)
        .collect()
        .await
        .map_err(|_| format!("{url}: the answer is larger than {limit} bytes or broken"))?;
    Ok(Answer {
        status,
        body: body.to_bytes().to_vec(),
    })
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
