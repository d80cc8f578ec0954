//! Which service and operation a request is for, and in which protocol it speaks.

use std::sync::OnceLock;

use crate::error::AwsError;
use crate::model::{Location, Models, Operation, ServiceModel, Shape};
use crate::protocol::Protocol;
use crate::request::RequestHead;
use crate::response::Response;
use crate::template::{Specificity, Template, parse_query};

/// A routed request.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The service model.
    pub service: &'static ServiceModel,
    /// The operation.
    pub operation: &'static Operation,
    /// The protocol the request speaks (and its response must speak).
    pub protocol: Protocol,
}

impl Route {
    /// The operation's input structure, if it has one.
    pub fn input_shape(&self) -> Option<&'static Shape> {
        let input = self.operation.input.as_ref()?;
        self.service.shape(&input.shape)
    }

    /// The operation's output structure, if it has one.
    pub fn output_shape(&self) -> Option<&'static Shape> {
        let output = self.operation.output.as_ref()?;
        self.service.shape(&output.shape)
    }
}

/// A request that could not be routed: the error, and enough context to encode it.
#[derive(Debug, Clone)]
pub struct RouteError {
    /// The AWS error to answer with.
    pub error: AwsError,
    /// The protocol the request seems to speak.
    pub protocol: Protocol,
    /// The service, when it was identified.
    pub service: Option<&'static ServiceModel>,
}

impl RouteError {
    fn new(error: AwsError, protocol: Protocol, service: Option<&'static ServiceModel>) -> Self {
        RouteError {
            error,
            protocol,
            service,
        }
    }

    /// Encodes the error in the request's protocol.
    pub fn to_response(&self, request_id: &str) -> Response {
        crate::encode_error(self.protocol, self.service, &self.error, request_id)
    }
}

/// Routes a request. `signing_service` is the SigV4 credential scope's service
/// when the request is signed; unsigned requests still route.
pub fn route(
    head: &RequestHead,
    body: &[u8],
    signing_service: Option<&str>,
) -> Result<Route, RouteError> {
    if head
        .header("smithy-protocol")
        .is_some_and(|p| p.eq_ignore_ascii_case("rpc-v2-cbor"))
    {
        return route_cbor(head);
    }
    if let Some(target) = head.header("x-amz-target") {
        return route_json(head, target);
    }
    if let Some(route) = route_query(head, body, signing_service)? {
        return Ok(route);
    }
    route_rest(head, signing_service)
}

/// `service`'s `operation` in `protocol`; one it lacks is UnknownOperationException (`status`)
/// naming `shown`.
fn operation_route(
    service: &'static ServiceModel,
    operation: &str,
    protocol: Protocol,
    status: u16,
    shown: &str,
) -> Result<Route, RouteError> {
    match service.operation(operation) {
        Some(operation) => Ok(Route {
            service,
            operation,
            protocol,
        }),
        None => Err(RouteError::new(
            unknown_operation(status, shown),
            protocol,
            Some(service),
        )),
    }
}

fn unknown_operation(status: u16, what: &str) -> AwsError {
    AwsError::new(
        "UnknownOperationException",
        status,
        format!("Unknown operation {what}"),
    )
}

fn route_cbor(head: &RequestHead) -> Result<Route, RouteError> {
    let protocol = Protocol::RpcV2Cbor;
    let parts: Vec<&str> = head
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .take(4)
        .collect();
    let (service_name, operation) = match parts.as_slice() {
        [op, "operation", svc, "service"] => (*svc, *op),
        _ => {
            return Err(RouteError::new(
                unknown_operation(404, head.path()),
                protocol,
                None,
            ));
        }
    };
    let service = Models::get().services().iter().find(|s| {
        s.speaks("smithy-rpc-v2-cbor") && s.metadata.target_prefix.as_deref() == Some(service_name)
    });
    let Some(service) = service else {
        return Err(RouteError::new(
            unknown_operation(404, service_name),
            protocol,
            None,
        ));
    };
    operation_route(service, operation, protocol, 404, operation)
}

fn route_json(head: &RequestHead, target: &str) -> Result<Route, RouteError> {
    let media = head.media_type();
    let from_header = match media.as_str() {
        "application/x-amz-json-1.0" => Some(Protocol::AwsJson10),
        "application/x-amz-json-1.1" => Some(Protocol::AwsJson11),
        _ => None,
    };
    let (prefix, operation) = target.rsplit_once('.').unwrap_or(("", target));
    let service = json_service(prefix);
    let protocol = from_header.unwrap_or_else(|| match service {
        Some(s) => Protocol::from_model("json", s.metadata.json_version.as_deref()),
        None => Protocol::AwsJson11,
    });
    let Some(service) = service else {
        return Err(RouteError::new(
            unknown_operation(400, target),
            protocol,
            None,
        ));
    };
    operation_route(service, operation, protocol, 400, target)
}

/// The awsJson service an `X-Amz-Target` prefix names. botocore sends the model's full target
/// prefix (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`); Smithy-generated SDKs such
/// as the AWS SDK for Rust send only the service shape's name (`CloudTrail_20131101`), the last
/// segment of it. AWS accepts both.
fn json_service(prefix: &str) -> Option<&'static ServiceModel> {
    let services = || Models::get().services().iter().filter(|s| s.speaks("json"));
    let target_of = |s: &'static ServiceModel| s.metadata.target_prefix.as_deref();
    services()
        .find(|s| target_of(s) == Some(prefix))
        .or_else(|| {
            services().find(|s| {
                target_of(s).and_then(|t| t.rsplit('.').next()) == Some(prefix)
                    && !prefix.is_empty()
            })
        })
}

fn route_query(
    head: &RequestHead,
    body: &[u8],
    signing: Option<&str>,
) -> Result<Option<Route>, RouteError> {
    let mut params = head.query_pairs();
    if head.media_type() == "application/x-www-form-urlencoded" {
        params.extend(parse_query(&String::from_utf8_lossy(body)));
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(action) = get("Action") else {
        return Ok(None);
    };
    let version = get("Version").unwrap_or("");
    let protocol = Protocol::AwsQuery;
    let query_services = || {
        Models::get()
            .services()
            .iter()
            .filter(|s| s.speaks("query"))
    };
    let service = signing
        .and_then(|sig| query_services().find(|s| s.signing_name() == sig))
        .or_else(|| query_services().find(|s| s.metadata.api_version == version));
    let not_found = || {
        AwsError::new(
            "InvalidAction",
            400,
            format!("Could not find operation {action} for version {version}"),
        )
    };
    let Some(service) = service else {
        return Err(RouteError::new(not_found(), protocol, None));
    };
    match service.operation(action) {
        Some(operation) => Ok(Some(Route {
            service,
            operation,
            protocol,
        })),
        None => Err(RouteError::new(not_found(), protocol, Some(service))),
    }
}

/// Every REST operation's compiled template.
struct RestRoute {
    service: &'static ServiceModel,
    operation: &'static Operation,
    template: Template,
}

fn rest_routes() -> &'static [RestRoute] {
    static ROUTES: OnceLock<Vec<RestRoute>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let mut routes = Vec::new();
        for service in Models::get().services() {
            if !matches!(service.protocol(), Protocol::RestJson1 | Protocol::RestXml) {
                continue;
            }
            for operation in service.operations.values() {
                routes.push(RestRoute {
                    service,
                    operation,
                    template: Template::parse(&operation.http.request_uri),
                });
            }
        }
        routes
    })
}

/// How well the request fits an operation's required header and query members
/// (tells S3's `CopyObject` from `PutObject` and `UploadPart`, which share a URI).
fn binding_fit(
    service: &ServiceModel,
    operation: &Operation,
    head: &RequestHead,
    query: &[(String, String)],
) -> i32 {
    let Some(input) = operation
        .input
        .as_ref()
        .and_then(|i| service.shape(&i.shape))
    else {
        return 0;
    };
    let mut fit = 0;
    for name in &input.required {
        let Some(r) = input.members.get(name) else {
            continue;
        };
        let wire = r.location_name.as_deref().unwrap_or(name);
        let present = match r.location {
            Some(Location::Header) => head.headers.contains_key(wire),
            Some(Location::Querystring) => query.iter().any(|(k, _)| k == wire),
            _ => continue,
        };
        fit += if present { 1 } else { -1 };
    }
    fit
}

fn route_rest(head: &RequestHead, signing: Option<&str>) -> Result<Route, RouteError> {
    let routes = rest_routes();
    let signed_for = |s: &ServiceModel| {
        signing.is_some_and(|sig| s.signing_name() == sig || s.metadata.endpoint_prefix == sig)
    };
    let preferred = routes.iter().any(|r| signed_for(r.service));
    let query = head.query_pairs();
    let s3_path = head.rest_path("s3");
    let mut best: Option<(&RestRoute, (Specificity, i32, bool))> = None;
    let mut path_matched: Option<&'static ServiceModel> = None;
    for r in routes
        .iter()
        .filter(|r| !preferred || signed_for(r.service))
    {
        let path = if r.service.name == "s3" {
            s3_path.as_ref()
        } else {
            head.path()
        };
        let Some((_, specificity)) = r.template.matches(path, &query) else {
            continue;
        };
        if r.operation.http.method != head.method.as_str() {
            path_matched.get_or_insert(r.service);
            continue;
        }
        let score = (
            specificity,
            binding_fit(r.service, r.operation, head, &query),
            !r.operation.deprecated,
        );
        if best.as_ref().is_none_or(|(_, s)| score > *s) {
            best = Some((r, score));
        }
    }
    if let Some((r, _)) = best {
        return Ok(Route {
            service: r.service,
            operation: r.operation,
            protocol: r.service.protocol(),
        });
    }
    let service = path_matched.or_else(|| {
        preferred
            .then(|| {
                routes
                    .iter()
                    .find(|r| signed_for(r.service))
                    .map(|r| r.service)
            })
            .flatten()
    });
    let protocol = service.map_or(Protocol::RestJson1, |s| s.protocol());
    let error = match (protocol, path_matched.is_some()) {
        (Protocol::RestXml, true) => AwsError::new(
            "MethodNotAllowed",
            405,
            "The specified method is not allowed against this resource.",
        ),
        (Protocol::RestXml, false) => AwsError::new(
            "NotImplemented",
            501,
            "A header you provided implies functionality that is not implemented",
        ),
        _ => unknown_operation(404, &format!("{} {}", head.method, head.path())),
    };
    Err(RouteError::new(error, protocol, service))
}

#[cfg(test)]
mod tests {
    #[test]
    fn smithy_sdks_short_json_targets_route_like_botocores_long_ones() {
        let long =
            super::json_service("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101").unwrap();
        let short = super::json_service("CloudTrail_20131101").unwrap();
        assert_eq!(long.name, "cloudtrail");
        assert_eq!(short.name, "cloudtrail");
        assert_eq!(super::json_service("TrentService").unwrap().name, "kms");
        assert!(super::json_service("").is_none());
    }

    use super::*;
    use http::{HeaderMap, HeaderValue, Method, Uri};

    const FORM: (&str, &str) = (
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    );
    const S3_HOST: (&str, &str) = ("host", "bucket.localhost:4599");
    const COPY: (&str, &str) = ("x-amz-copy-source", "src/k");
    const CBOR: (&str, &str) = ("smithy-protocol", "rpc-v2-cbor");
    const CLOUDTRAIL: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";

    /// A request: method, URI, headers, body and the signing service.
    type Request = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static [u8],
        Option<&'static str>,
    );

    fn send(&(method, uri, headers, body, sig): &Request) -> Result<Route, RouteError> {
        let method: Method = method.parse().unwrap();
        let uri: Uri = uri.parse().unwrap();
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        let head = RequestHead {
            method: &method,
            uri: &uri,
            headers: &map,
        };
        route(&head, body, sig)
    }

    /// Each request routes to (service, operation, protocol).
    fn assert_routes(cases: &[(Request, (&str, &str, Protocol))]) {
        for (request, want) in cases {
            let r = send(request).unwrap_or_else(|e| panic!("{request:?}: {e:?}"));
            let got = (
                r.service.name.as_str(),
                r.operation.name.as_str(),
                r.protocol,
            );
            assert_eq!(got, *want, "{request:?}");
        }
    }

    /// The request fails to route with (code, status, protocol).
    fn route_error(request: &Request) -> (String, u16, Protocol) {
        let e = send(request).unwrap_err();
        (e.error.code.to_string(), e.error.status, e.protocol)
    }

    #[test]
    fn query_by_signing_service_then_version() {
        use Protocol::AwsQuery;
        assert_routes(&[
            (
                (
                    "POST",
                    "/",
                    &[FORM],
                    b"Action=GetCallerIdentity&Version=2011-06-15",
                    Some("sts"),
                ),
                ("sts", "GetCallerIdentity", AwsQuery),
            ),
            (
                (
                    "POST",
                    "/",
                    &[FORM],
                    b"Action=ListUsers&Version=2010-05-08",
                    None,
                ),
                ("iam", "ListUsers", AwsQuery),
            ),
            (
                (
                    "GET",
                    "/?Action=ListUsers&Version=2010-05-08",
                    &[],
                    b"",
                    Some("iam"),
                ),
                ("iam", "ListUsers", AwsQuery),
            ),
            (
                (
                    "POST",
                    "/",
                    &[FORM],
                    b"Action=DescribeLoadBalancers&Version=2015-12-01",
                    Some("elasticloadbalancing"),
                ),
                ("elbv2", "DescribeLoadBalancers", AwsQuery),
            ),
        ]);
    }

    #[test]
    fn query_unknown_action_is_invalid_action() {
        let e = send(&(
            "POST",
            "/",
            &[FORM],
            b"Action=Nope&Version=2010-05-08",
            Some("iam"),
        ))
        .unwrap_err();
        assert_eq!(
            (e.error.code.as_ref(), e.error.status),
            ("InvalidAction", 400)
        );
        assert_eq!(
            e.error.message,
            "Could not find operation Nope for version 2010-05-08"
        );
        assert_eq!(e.protocol, Protocol::AwsQuery);
        assert_eq!(e.service.map(|s| s.name.as_str()), Some("iam"));
    }

    #[test]
    fn json_by_target() {
        use Protocol::{AwsJson10, AwsJson11};
        let kms = &[
            ("x-amz-target", "TrentService.Encrypt"),
            ("content-type", "application/x-amz-json-1.1"),
        ];
        let firewall = &[
            ("x-amz-target", "NetworkFirewall_20201112.ListFirewalls"),
            ("content-type", "application/x-amz-json-1.0"),
        ];
        assert_routes(&[
            (
                ("POST", "/", kms, b"{}", Some("kms")),
                ("kms", "Encrypt", AwsJson11),
            ),
            (
                ("POST", "/", &[("x-amz-target", CLOUDTRAIL)], b"{}", None),
                ("cloudtrail", "LookupEvents", AwsJson11),
            ),
            (
                ("POST", "/", firewall, b"{}", None),
                ("network-firewall", "ListFirewalls", AwsJson10),
            ),
        ]);
        let unknown: Request = (
            "POST",
            "/",
            &[("x-amz-target", "TrentService.Nope")],
            b"{}",
            None,
        );
        assert_eq!(
            route_error(&unknown),
            ("UnknownOperationException".into(), 400, AwsJson11)
        );
    }

    #[test]
    fn cbor_by_path() {
        assert_routes(&[(
            (
                "POST",
                "/service/AWSShield_20160616/operation/ListProtections",
                &[CBOR],
                b"",
                None,
            ),
            ("shield", "ListProtections", Protocol::RpcV2Cbor),
        )]);
        let unknown: Request = (
            "POST",
            "/service/AWSShield_20160616/operation/Nope",
            &[CBOR],
            b"",
            None,
        );
        assert_eq!(
            route_error(&unknown),
            ("UnknownOperationException".into(), 404, Protocol::RpcV2Cbor)
        );
    }

    #[test]
    fn rest_by_template() {
        use Protocol::{RestJson1, RestXml};
        fn s3(
            method: &'static str,
            uri: &'static str,
            headers: &'static [(&'static str, &'static str)],
            operation: &'static str,
        ) -> (Request, (&'static str, &'static str, Protocol)) {
            (
                (method, uri, headers, b"", Some("s3")),
                ("s3", operation, RestXml),
            )
        }
        assert_routes(&[
            (
                (
                    "POST",
                    "/detector/abc/findings/get",
                    &[],
                    b"{}",
                    Some("guardduty"),
                ),
                ("guardduty", "GetFindings", RestJson1),
            ),
            s3("GET", "/bucket?tagging", &[], "GetBucketTagging"),
            s3("GET", "/bucket", &[], "ListObjects"),
            s3("GET", "/bucket?list-type=2", &[], "ListObjectsV2"),
            s3("PUT", "/bucket/a/b.txt", &[], "PutObject"),
            s3("GET", "/", &[], "ListBuckets"),
            s3("GET", "/", &[S3_HOST], "ListObjects"),
            (
                ("PUT", "/key", &[S3_HOST], b"", None),
                ("s3", "PutObject", RestXml),
            ),
            s3(
                "PUT",
                "/bucket?lifecycle",
                &[],
                "PutBucketLifecycleConfiguration",
            ),
            s3("PUT", "/bucket/key", &[COPY], "CopyObject"),
            s3(
                "PUT",
                "/bucket/key?partNumber=1&uploadId=u",
                &[],
                "UploadPart",
            ),
            s3(
                "PUT",
                "/bucket/key?partNumber=1&uploadId=u",
                &[COPY],
                "UploadPartCopy",
            ),
        ]);
        let unknown: Request = ("GET", "/nothing/here/at/all", &[], b"", Some("guardduty"));
        assert_eq!(
            route_error(&unknown),
            ("UnknownOperationException".into(), 404, RestJson1)
        );
    }
}
