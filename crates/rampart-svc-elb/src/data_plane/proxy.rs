//! One request through a listener: read it whole (under the limits), let the web ACL decide,
//! then answer it (block, CAPTCHA, challenge, fixed response) or forward it to a healthy
//! target with `X-Forwarded-*` and the rule's inserted headers.

use super::limits::{BODY_READ_TIMEOUT, MAX_BODY_BYTES, TARGET_RESPONSE_TIMEOUT};
use super::routing::Routed;
use super::{Running, Shared};
use super::{inspect, interstitial, upstream};
use crate::conditions::Facts;
use crate::records::{self, Listener};
use crate::redirect::{self, Original};
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Request as HttpRequest, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use rampart_waf::{ActionKind, Request};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, UNIX_EPOCH};

/// A response body: buffered, or streamed from the target.
pub(crate) type Body = BoxBody<Bytes, hyper::Error>;

/// Headers that describe one hop, never forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A buffered response.
pub(crate) fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(
        Full::new(body.into())
            .map_err(|never| match never {})
            .boxed(),
    );
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(http::header::SERVER, HeaderValue::from_static("awselb/2.0"));
    r
}

/// The load balancer's own error page for `status`, as an ALB words it.
pub(crate) fn error_page(status: u16) -> Response<Body> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let html = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    );
    respond(status, "text/html", html)
}

/// The answer to a request over the per-source rate limit: 429, `Retry-After: <wait>` and
/// `Connection: close` (the connection ends after it).
fn too_many_requests(wait: u64) -> Response<Body> {
    let mut r = error_page(429);
    r.headers_mut()
        .insert(http::header::RETRY_AFTER, HeaderValue::from(wait));
    r.headers_mut()
        .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    r
}

fn now_ms(shared: &Shared) -> u64 {
    shared
        .env
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn trace_id(now_ms: u64) -> String {
    let random: [u8; 12] = rampart_crypto::random_bytes().unwrap_or([0; 12]);
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("Root=1-{:08x}-{hex}", now_ms / 1000)
}

/// Serves one request on the listener `running`, from `peer`.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    running: Arc<Running>,
    peer: SocketAddr,
    req: HttpRequest<Incoming>,
) -> Result<Response<Body>, std::convert::Infallible> {
    // The per-source rate limit comes first: a request over it reaches nothing else.
    if let Some(rate) = &shared.rate
        && let Err(wait) = rate.take(peer.ip(), Instant::now())
    {
        tracing::debug!(source = %peer.ip(), "request over the per-source rate limit");
        return Ok(too_many_requests(wait));
    }
    let routed = running.config();
    let listener = &routed.listener;
    // Shield counts every request that reaches a protected load balancer.
    shared
        .shield
        .record(&shared.env, &listener.load_balancer_arn, peer.ip());
    let (parts, body) = req.into_parts();
    let body = match tokio::time::timeout(
        BODY_READ_TIMEOUT,
        Limited::new(body, MAX_BODY_BYTES).collect(),
    )
    .await
    {
        Err(_) => return Ok(error_page(408)),
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Ok(error_page(413));
        }
        Ok(Err(_)) => return Ok(error_page(400)),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut wreq = Request::new(parts.method.as_str(), target.as_bytes(), peer.ip());
    for (name, value) in &parts.headers {
        wreq = wreq.with_header(name.as_str(), value.as_bytes());
    }
    wreq = wreq.with_body(body.to_vec());
    wreq.token = shared.tokens.state_of(&wreq, &host);
    let now = now_ms(&shared);
    let trace = trace_id(now);

    // The token endpoints answer before the web ACL, as AWS's token domain does.
    if let Some(r) = interstitial::token_endpoint(&shared, &wreq, &host, now / 1000) {
        return Ok(r);
    }

    let inspection = {
        let shared = shared.clone();
        let lb = listener.load_balancer_arn.clone();
        let wreq = wreq.clone();
        // A compile after a configuration change reads the store: off the async workers.
        tokio::task::spawn_blocking(move || {
            let r = shared.waf.inspect(&shared.env, &lb, &wreq, now);
            (r, wreq)
        })
        .await
    };
    let Ok((inspection, wreq)) = inspection else {
        return Ok(error_page(500));
    };
    let inspection = match inspection {
        Ok(i) => i,
        Err(why) => {
            tracing::error!(error = %why, "web ACL evaluation failed; refusing the request");
            return Ok(error_page(503));
        }
    };
    let mut inserted = Vec::new();
    if let Some(i) = &inspection {
        let v = &i.verdict;
        let response = match v.action {
            ActionKind::Block => Some(match &v.response {
                Some(custom) => {
                    let (ct, body) = custom.body.clone().unwrap_or(("text/plain", String::new()));
                    let mut r = respond(custom.status, ct, body);
                    for (n, val) in &custom.headers {
                        if let (Ok(n), Ok(val)) = (
                            HeaderName::from_bytes(n.as_bytes()),
                            HeaderValue::from_str(val),
                        ) {
                            r.headers_mut().append(n, val);
                        }
                    }
                    r
                }
                None => error_page(403),
            }),
            ActionKind::Captcha => Some(interstitial::captcha_page(&shared, &host, now / 1000)),
            ActionKind::Challenge => Some(interstitial::challenge_page(&host, now / 1000, &shared)),
            ActionKind::Allow | ActionKind::Count => None,
        };
        let status = response.as_ref().map(|r| r.status().as_u16());
        let seen = inspect::Seen {
            lb_arn: &listener.load_balancer_arn,
            status_sent: status,
            now_ms: now,
            request_id: &trace,
        };
        shared.waf.record(&shared.env, &wreq, i, &seen);
        if let Some(r) = response {
            return Ok(r);
        }
        inserted = v.inserted_headers.clone();
    }
    Ok(act(&shared, &routed, peer, parts, body, inserted, &trace).await)
}

/// `http` or `https`: the scheme clients use on `listener`.
fn scheme(listener: &Listener) -> &'static str {
    if listener.protocol == "HTTPS" {
        "https"
    } else {
        "http"
    }
}

/// Carries out the action of the first listener rule the allowed request meets (the default
/// action when it meets none).
async fn act(
    shared: &Shared,
    routed: &Routed,
    peer: SocketAddr,
    parts: http::request::Parts,
    body: Bytes,
    inserted: Vec<(String, String)>,
    trace: &str,
) -> Response<Body> {
    let listener = &routed.listener;
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.host())
        .unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let facts = Facts {
        host,
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        method: parts.method.as_str(),
        headers: &parts.headers,
        source: peer.ip(),
    };
    let Some(action) = routed.action(&facts) else {
        return error_page(503);
    };
    if action.get("Type").and_then(Value::as_str) == Some("redirect") {
        let original = Original {
            protocol: scheme(listener),
            host,
            port: listener.port,
            path: facts.path,
            query: facts.query,
        };
        let config = action.get("RedirectConfig").cloned().unwrap_or_default();
        let (status, location) = redirect::location(&config, &original);
        let mut r = respond(status, "text/html", "");
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert(http::header::LOCATION, v);
        }
        return r;
    }
    if action.get("Type").and_then(Value::as_str) == Some("fixed-response") {
        let cfg = action
            .get("FixedResponseConfig")
            .cloned()
            .unwrap_or_default();
        let status = cfg
            .get("StatusCode")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        let ct = cfg
            .get("ContentType")
            .and_then(Value::as_str)
            .unwrap_or("text/plain");
        let body = cfg
            .get("MessageBody")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        return respond(status, ct, body);
    }
    let groups = records::weighted_groups(action);
    let n = shared
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let Some(group) = records::pick_weighted(&groups, n) else {
        return error_page(503);
    };
    let Some(target) = shared.pools.pool(group).and_then(|p| p.pick()) else {
        return error_page(503);
    };
    let out = Outgoing {
        parts,
        body,
        port: listener.port,
        scheme: scheme(listener),
        peer,
        inserted,
        trace,
    };
    forward(shared, target, out).await
}

/// The request as the target receives it: hop-by-hop headers dropped, `X-Forwarded-*` and
/// the trace id set, the rules' headers inserted.
struct Outgoing<'a> {
    parts: http::request::Parts,
    body: Bytes,
    /// The listener's port.
    port: u16,
    /// `http` or `https`, for `X-Forwarded-Proto`.
    scheme: &'static str,
    peer: SocketAddr,
    inserted: Vec<(String, String)>,
    trace: &'a str,
}

impl Outgoing<'_> {
    fn build(&self) -> Option<HttpRequest<Full<Bytes>>> {
        let Outgoing {
            parts,
            body,
            port,
            scheme,
            peer,
            inserted,
            trace,
        } = self;
        build(parts, body, (*port, scheme), *peer, inserted, trace)
    }
}

fn build(
    parts: &http::request::Parts,
    body: &Bytes,
    (port, scheme): (u16, &str),
    peer: SocketAddr,
    inserted: &[(String, String)],
    trace: &str,
) -> Option<HttpRequest<Full<Bytes>>> {
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut out = HttpRequest::builder()
        .method(parts.method.clone())
        .uri(path);
    let headers = out.headers_mut()?;
    let mut forwarded_for = None;
    for (name, value) in &parts.headers {
        match name.as_str() {
            n if HOP_BY_HOP.contains(&n) => {}
            "x-forwarded-for" => forwarded_for = value.to_str().ok().map(str::to_owned),
            "x-forwarded-proto" | "x-forwarded-port" | "x-amzn-trace-id" => {}
            _ => {
                headers.append(name.clone(), value.clone());
            }
        }
    }
    let xff = match forwarded_for {
        Some(prior) => format!("{prior}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    let set = [
        ("x-forwarded-for".to_owned(), xff),
        ("x-forwarded-proto".to_owned(), scheme.to_owned()),
        ("x-forwarded-port".to_owned(), port.to_string()),
        ("x-amzn-trace-id".to_owned(), trace.to_owned()),
    ];
    for (n, v) in set.iter().chain(inserted) {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(n.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.insert(n, v);
        }
    }
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    out.body(Full::new(body.clone())).ok()
}

/// Sends the request to `target` over a kept-alive connection and streams its answer back
/// (502 when it cannot be reached or answers garbage, 504 when it is too slow). A reused
/// connection the target closed meanwhile is replaced once by a fresh one.
async fn forward(shared: &Shared, target: SocketAddr, out: Outgoing<'_>) -> Response<Body> {
    let Some((mut sender, mut reused)) = shared.upstreams.checkout(target).await else {
        return error_page(502);
    };
    let response = loop {
        let Some(req) = out.build() else {
            return error_page(502);
        };
        match tokio::time::timeout(TARGET_RESPONSE_TIMEOUT, sender.send_request(req)).await {
            Err(_) => return error_page(504),
            Ok(Ok(r)) => break r,
            Ok(Err(_)) if reused => {
                let Some(fresh) = upstream::connect(target).await else {
                    return error_page(502);
                };
                (sender, reused) = (fresh, false);
            }
            Ok(Err(_)) => return error_page(502),
        }
    };
    shared.upstreams.checkin(target, sender);
    let (mut rparts, rbody) = response.into_parts();
    for h in HOP_BY_HOP {
        rparts.headers.remove(*h);
    }
    Response::from_parts(rparts, rbody.boxed())
}
