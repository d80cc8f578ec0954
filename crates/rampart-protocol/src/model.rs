//! Typed view of the trimmed botocore service models embedded in this crate.
//!
//! The JSON files under `models/` are written by `tools/gen_models.py`; they keep
//! botocore's key names, so the structs here deserialize them directly.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{AwsError, Fault};
use crate::protocol::Protocol;

/// The embedded model files, keyed by botocore's service directory name.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "accessanalyzer",
        include_str!("../models/accessanalyzer.json"),
    ),
    ("acm", include_str!("../models/acm.json")),
    ("acm-pca", include_str!("../models/acm-pca.json")),
    ("cloudtrail", include_str!("../models/cloudtrail.json")),
    ("config", include_str!("../models/config.json")),
    ("detective", include_str!("../models/detective.json")),
    ("elbv2", include_str!("../models/elbv2.json")),
    ("events", include_str!("../models/events.json")),
    ("fms", include_str!("../models/fms.json")),
    ("guardduty", include_str!("../models/guardduty.json")),
    ("iam", include_str!("../models/iam.json")),
    ("inspector2", include_str!("../models/inspector2.json")),
    ("kms", include_str!("../models/kms.json")),
    ("macie2", include_str!("../models/macie2.json")),
    (
        "network-firewall",
        include_str!("../models/network-firewall.json"),
    ),
    (
        "organizations",
        include_str!("../models/organizations.json"),
    ),
    ("s3", include_str!("../models/s3.json")),
    (
        "secretsmanager",
        include_str!("../models/secretsmanager.json"),
    ),
    ("securityhub", include_str!("../models/securityhub.json")),
    ("shield", include_str!("../models/shield.json")),
    ("ssm", include_str!("../models/ssm.json")),
    ("sts", include_str!("../models/sts.json")),
    ("wafv2", include_str!("../models/wafv2.json")),
    // rampart's own administration API (the clock, snapshots); written by hand, not botocore's.
    ("rampart", include_str!("../models/rampart.json")),
];

/// Registry of every embedded service model, parsed once on first use.
#[derive(Debug)]
pub struct Models {
    services: Vec<ServiceModel>,
}

impl Models {
    /// The process-wide registry. Models that fail to parse are skipped (a unit
    /// test asserts that every embedded model parses).
    pub fn get() -> &'static Models {
        static MODELS: OnceLock<Models> = OnceLock::new();
        MODELS.get_or_init(|| Models {
            services: EMBEDDED
                .iter()
                .filter_map(|(_, text)| serde_json::from_str(text).ok())
                .collect(),
        })
    }

    /// The model of a service by botocore name (`"kms"`, `"elbv2"`, `"s3"`, ...).
    pub fn service(&self, name: &str) -> Option<&ServiceModel> {
        self.services.iter().find(|s| s.name == name)
    }

    /// Every embedded service model, sorted by name.
    pub fn services(&self) -> &[ServiceModel] {
        &self.services
    }
}

/// One AWS service's wire model.
#[derive(Debug, Deserialize)]
pub struct ServiceModel {
    /// botocore's directory name for the service, e.g. `"kms"`.
    pub name: String,
    /// Service-wide wire settings.
    pub metadata: Metadata,
    /// Operations keyed by name.
    pub operations: BTreeMap<String, Operation>,
    /// Shapes keyed by name.
    pub shapes: BTreeMap<String, Shape>,
}

impl ServiceModel {
    /// The protocol the service's newest model speaks by default.
    pub fn protocol(&self) -> Protocol {
        Protocol::from_model(
            &self.metadata.protocol,
            self.metadata.json_version.as_deref(),
        )
    }

    /// The SigV4 signing name: `signingName`, else `endpointPrefix`.
    pub fn signing_name(&self) -> &str {
        self.metadata
            .signing_name
            .as_deref()
            .unwrap_or(&self.metadata.endpoint_prefix)
    }

    /// An operation by name.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// A shape by name.
    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// The AWS error for one of the model's error shapes, with the code and HTTP
    /// status the model binds (awsQuery services use the shape's `error.code`,
    /// e.g. IAM's `NoSuchEntityException` answers `NoSuchEntity` 404). An unknown
    /// shape name gives that name as the code with status 400.
    pub fn error(&self, shape_name: &str, message: impl Into<String>) -> AwsError {
        let Some(shape) = self.shape(shape_name) else {
            return AwsError::new(shape_name.to_owned(), 400, message);
        };
        let binding = shape.error.as_ref();
        let code = match (self.protocol(), binding.and_then(|b| b.code.as_deref())) {
            (Protocol::AwsQuery, Some(code)) => code.to_owned(),
            _ => shape_name.to_owned(),
        };
        let status = binding
            .and_then(|b| b.http_status_code)
            .unwrap_or(if shape.fault { 500 } else { 400 });
        let mut error = AwsError::new(code, status, message);
        if shape.fault {
            error.fault = Fault::Receiver;
        }
        error
    }

    /// Whether the model lists `protocol` (botocore name) among its protocols.
    pub fn speaks(&self, protocol: &str) -> bool {
        self.metadata.protocol == protocol || self.metadata.protocols.iter().any(|p| p == protocol)
    }
}

/// Service-wide wire settings from the model's `metadata`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// botocore protocol name: `query`, `json`, `rest-json`, `rest-xml`, `smithy-rpc-v2-cbor`.
    pub protocol: String,
    /// Every protocol the service supports, preferred first.
    #[serde(default)]
    pub protocols: Vec<String>,
    /// API version, e.g. `2011-06-15` (the awsQuery `Version=` parameter).
    pub api_version: String,
    /// awsJson `X-Amz-Target` prefix; also the rpc-v2-cbor service name in the path.
    pub target_prefix: Option<String>,
    /// awsJson version: `1.0` or `1.1`.
    pub json_version: Option<String>,
    /// SigV4 signing name when it differs from the endpoint prefix.
    pub signing_name: Option<String>,
    /// Host name prefix of the service's endpoints.
    pub endpoint_prefix: String,
    /// Human service id, e.g. `KMS`.
    pub service_id: String,
    /// XML namespace of awsQuery / restXml responses.
    pub xml_namespace: Option<String>,
    /// Present when a JSON service keeps its awsQuery error codes.
    pub aws_query_compatible: Option<serde_json::Value>,
    /// botocore's unique id of the model version.
    pub uid: Option<String>,
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Operation name, e.g. `AssumeRole`.
    pub name: String,
    /// HTTP binding.
    pub http: HttpBinding,
    /// Input shape reference.
    pub input: Option<OperationInput>,
    /// Output shape reference.
    pub output: Option<OperationOutput>,
    /// Modeled error shape names.
    #[serde(default)]
    pub errors: Vec<String>,
    /// Endpoint host prefix template, if any.
    pub host_prefix: Option<String>,
    /// Whether clients send the operation unsigned (`authtype: none`): the operation
    /// authenticates its caller itself (`AssumeRoleWithWebIdentity` verifies a token).
    #[serde(default)]
    pub unsigned: bool,
    /// Whether the model deprecates the operation (S3's `PutBucketLifecycle`
    /// shares its URI with `PutBucketLifecycleConfiguration`).
    #[serde(default)]
    pub deprecated: bool,
}

/// HTTP method, request URI template and success status of an operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpBinding {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// URI template, e.g. `/{Bucket}/{Key+}?tagging`.
    pub request_uri: String,
    /// Success status code when not 200.
    pub response_code: Option<u16>,
}

/// An operation's input reference.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationInput {
    /// Input shape name.
    pub shape: String,
    /// restXml root element name of the payload.
    pub location_name: Option<String>,
    /// restXml namespace of the payload.
    pub xml_namespace: Option<XmlNamespace>,
}

/// An operation's output reference.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutput {
    /// Output shape name.
    pub shape: String,
    /// awsQuery result element, e.g. `AssumeRoleResult`.
    pub result_wrapper: Option<String>,
}

/// An XML namespace declaration (`xmlns` or `xmlns:prefix`).
#[derive(Debug, Deserialize)]
pub struct XmlNamespace {
    /// Namespace prefix, if any.
    pub prefix: Option<String>,
    /// Namespace URI.
    pub uri: String,
}

/// The kind of a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ShapeType {
    /// Object with named members.
    Structure,
    /// Ordered list.
    List,
    /// String-keyed map.
    Map,
    /// UTF-8 string (enums included).
    String,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    Long,
    /// 16-bit integer.
    Short,
    /// 8-bit integer.
    Byte,
    /// 32-bit float.
    Float,
    /// 64-bit float.
    Double,
    /// true/false.
    Boolean,
    /// Point in time.
    Timestamp,
    /// Bytes.
    Blob,
    /// Any type botocore adds later; treated as an opaque JSON value.
    #[serde(other)]
    Unknown,
}

/// Where a member is bound on the HTTP message (rest protocols).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    /// A `{label}` of the URI.
    Uri,
    /// A query-string parameter.
    Querystring,
    /// One header.
    Header,
    /// Every header with a prefix (a map).
    Headers,
    /// The HTTP status code.
    StatusCode,
    /// Anything else botocore adds later.
    #[serde(other)]
    Other,
}

/// A reference from a structure member (or list member, map key/value) to a shape.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRef {
    /// Target shape name.
    pub shape: String,
    /// HTTP binding for rest protocols; `None` means the body.
    pub location: Option<Location>,
    /// Wire name (element, header, query key or JSON key).
    pub location_name: Option<String>,
    /// EC2 query name (unused by the protocols here; kept for completeness).
    pub query_name: Option<String>,
    /// Whether a list/map is flattened in XML / query.
    #[serde(default)]
    pub flattened: bool,
    /// Namespace declared on the member's XML element.
    pub xml_namespace: Option<XmlNamespace>,
    /// Whether the member is an XML attribute.
    #[serde(default)]
    pub xml_attribute: bool,
    /// Whether a header string holds base64 JSON.
    #[serde(default)]
    pub jsonvalue: bool,
    /// Whether a missing value is filled with a fresh token by clients.
    #[serde(default)]
    pub idempotency_token: bool,
    /// Whether the member fills the endpoint host prefix.
    #[serde(default)]
    pub host_label: bool,
    /// Whether the member is an event payload.
    #[serde(default)]
    pub eventpayload: bool,
    /// Member-level timestamp format override.
    pub timestamp_format: Option<String>,
    /// Whether the member is a streaming blob.
    #[serde(default)]
    pub streaming: bool,
}

/// A shape: the type of a value.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    /// The kind of shape.
    #[serde(rename = "type")]
    pub kind: ShapeType,
    /// Structure members keyed by member name.
    #[serde(default)]
    pub members: BTreeMap<String, MemberRef>,
    /// List member.
    pub member: Option<MemberRef>,
    /// Map key.
    pub key: Option<MemberRef>,
    /// Map value.
    pub value: Option<MemberRef>,
    /// Required member names (checked by handlers, not here).
    #[serde(default)]
    pub required: Vec<String>,
    /// Minimum length / value.
    pub min: Option<f64>,
    /// Maximum length / value.
    pub max: Option<f64>,
    /// Allowed string values.
    #[serde(rename = "enum", default)]
    pub enum_values: Vec<String>,
    /// Shape-level timestamp format.
    pub timestamp_format: Option<String>,
    /// Error binding (code, status, sender fault).
    pub error: Option<ErrorBinding>,
    /// Whether this structure is an error.
    #[serde(default)]
    pub exception: bool,
    /// Whether this error is the server's fault.
    #[serde(default)]
    pub fault: bool,
    /// Whether this structure is a tagged union.
    #[serde(default)]
    pub union: bool,
    /// Whether values of this shape are secret.
    #[serde(default)]
    pub sensitive: bool,
    /// Whether this structure is a free-form document.
    #[serde(default)]
    pub document: bool,
    /// Whether this blob is streamed.
    #[serde(default)]
    pub streaming: bool,
    /// Whether this structure is an event.
    #[serde(default)]
    pub event: bool,
    /// Whether this union is an event stream.
    #[serde(default)]
    pub eventstream: bool,
    /// Whether this list/map is flattened.
    #[serde(default)]
    pub flattened: bool,
    /// XML element name of the shape.
    pub location_name: Option<String>,
    /// XML namespace of the shape.
    pub xml_namespace: Option<XmlNamespace>,
    /// Name of the member that is the whole HTTP payload.
    pub payload: Option<String>,
}

/// An error shape's wire binding.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBinding {
    /// awsQuery error code when it differs from the shape name.
    pub code: Option<String>,
    /// HTTP status.
    pub http_status_code: Option<u16>,
    /// Whether the caller is at fault.
    #[serde(default)]
    pub sender_fault: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_model_parses() {
        for (name, text) in EMBEDDED {
            let model: ServiceModel =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&model.name, name);
        }
        assert_eq!(Models::get().services().len(), EMBEDDED.len());
    }

    #[test]
    fn signing_names_and_protocols() {
        let m = Models::get();
        let sts = m.service("sts").unwrap();
        assert_eq!(sts.signing_name(), "sts");
        assert_eq!(sts.protocol(), Protocol::AwsQuery);
        assert_eq!(
            m.service("elbv2").unwrap().signing_name(),
            "elasticloadbalancing"
        );
        assert_eq!(m.service("kms").unwrap().protocol(), Protocol::AwsJson11);
        assert_eq!(
            m.service("network-firewall").unwrap().protocol(),
            Protocol::RpcV2Cbor
        );
        assert_eq!(
            m.service("guardduty").unwrap().protocol(),
            Protocol::RestJson1
        );
        assert_eq!(m.service("s3").unwrap().protocol(), Protocol::RestXml);
        assert!(m.service("shield").unwrap().speaks("json"));
    }

    #[test]
    fn modeled_errors_carry_their_wire_code_and_status() {
        let m = Models::get();
        let e = m
            .service("iam")
            .unwrap()
            .error("NoSuchEntityException", "no user");
        assert_eq!(
            (e.code.as_ref(), e.status, e.fault),
            ("NoSuchEntity", 404, Fault::Sender)
        );
        let e = m
            .service("kms")
            .unwrap()
            .error("NotFoundException", "no key");
        assert_eq!((e.code.as_ref(), e.status), ("NotFoundException", 400));
        let e = m.service("kms").unwrap().error("KMSInternalException", "x");
        assert_eq!((e.status, e.fault), (500, Fault::Receiver));
        let e = m.service("s3").unwrap().error("NoSuchKey", "gone");
        assert_eq!((e.code.as_ref(), e.status), ("NoSuchKey", 404));
        let e = m
            .service("sts")
            .unwrap()
            .error("ExpiredTokenException", "old");
        assert_eq!((e.code.as_ref(), e.status), ("ExpiredTokenException", 400));
        let e = m.service("sts").unwrap().error("Unmodeled", "x");
        assert_eq!((e.code.as_ref(), e.status), ("Unmodeled", 400));
    }

    #[test]
    fn every_reference_resolves() {
        for svc in Models::get().services() {
            for op in svc.operations.values() {
                for r in op
                    .input
                    .iter()
                    .map(|i| &i.shape)
                    .chain(op.output.iter().map(|o| &o.shape))
                {
                    assert!(svc.shape(r).is_some(), "{}: {r}", svc.name);
                }
            }
            for (name, shape) in &svc.shapes {
                let refs = shape
                    .members
                    .values()
                    .chain(&shape.member)
                    .chain(&shape.key)
                    .chain(&shape.value);
                for r in refs {
                    assert!(
                        svc.shape(&r.shape).is_some(),
                        "{}: {name} -> {}",
                        svc.name,
                        r.shape
                    );
                }
                assert_ne!(shape.kind, ShapeType::Unknown, "{}: {name}", svc.name);
            }
        }
    }
}
