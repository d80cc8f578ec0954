//! The workloads: each builds one signed request, as an AWS SDK would send it.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};
use rampart_sigv4::{Credentials, SigningParams};
use std::time::SystemTime;

/// A named request shape.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Workload {
    /// STS GetCallerIdentity (awsQuery).
    StsGetCallerIdentity,
    /// CloudTrail ListTrails (awsJson 1.1), a read that touches the store.
    CloudtrailListTrails,
}

/// One request ready to send (to the path `/`).
pub struct Prepared {
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Workload {
    /// Builds and signs one request for `authority` (host:port).
    pub fn request(
        self,
        authority: &str,
        credentials: &Credentials,
        region: &str,
    ) -> Result<Prepared, String> {
        let (service, content_type, target, body): (&str, &str, Option<&str>, &'static [u8]) =
            match self {
                Workload::StsGetCallerIdentity => (
                    "sts",
                    "application/x-www-form-urlencoded; charset=utf-8",
                    None,
                    b"Action=GetCallerIdentity&Version=2011-06-15",
                ),
                Workload::CloudtrailListTrails => (
                    "cloudtrail",
                    "application/x-amz-json-1.1",
                    Some("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListTrails"),
                    b"{}",
                ),
            };
        let uri: Uri = format!("http://{authority}/")
            .parse()
            .map_err(|e| format!("bad endpoint: {e}"))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        if let Some(target) = target {
            headers.insert("x-amz-target", HeaderValue::from_static(target));
        }
        headers.insert(
            http::header::HOST,
            HeaderValue::from_str(authority).map_err(|e| format!("bad authority: {e}"))?,
        );
        let params = SigningParams::new(credentials, region, service, SystemTime::now());
        rampart_sigv4::sign(&Method::POST, &uri, &mut headers, body, &params)
            .map_err(|e| e.to_string())?;
        Ok(Prepared {
            method: Method::POST,
            headers,
            body: Bytes::from_static(body),
        })
    }
}
