//! rampart's own endpoints under `/_rampart/`: not AWS APIs.

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;

/// The reserved path prefix.
pub(crate) const PREFIX: &str = "/_rampart/";

/// Answers a request under [`PREFIX`].
pub(crate) fn handle(method: &Method, path: &str) -> Response<Full<Bytes>> {
    match (method, path) {
        (&Method::GET, "/_rampart/health") => json(
            StatusCode::OK,
            serde_json::json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "enforcement": "on",
            }),
        ),
        _ => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": "no such rampart endpoint" }),
        ),
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
