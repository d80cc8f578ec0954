//! The CloudTrail event record, serialized exactly as AWS writes it in log files and in
//! LookupEvents' `CloudTrailEvent` string.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use time::OffsetDateTime;

/// The record format version AWS currently writes.
pub const EVENT_VERSION: &str = "1.11";

/// What kind of principal made the request (`userIdentity.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum IdentityType {
    /// The account's root user.
    Root,
    /// An IAM user.
    #[serde(rename = "IAMUser")]
    IamUser,
    /// A role session from `AssumeRole*`.
    AssumedRole,
    /// A federated user from `GetFederationToken`.
    FederatedUser,
    /// Another account, or the anonymous principal.
    #[serde(rename = "AWSAccount")]
    AwsAccount,
    /// An AWS service acting on its own behalf.
    #[serde(rename = "AWSService")]
    AwsService,
    /// A SAML-federated caller of `AssumeRoleWithSAML`.
    #[serde(rename = "SAMLUser")]
    SamlUser,
    /// A web-identity caller of `AssumeRoleWithWebIdentity`.
    WebIdentityUser,
    /// A type CloudTrail cannot determine (any type this crate does not know reads as this).
    #[default]
    #[serde(other)]
    Unknown,
}

/// The `userIdentity` element: who made the request and with which credentials.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserIdentity {
    /// The principal's kind.
    #[serde(rename = "type")]
    pub identity_type: IdentityType,
    /// The principal's unique id (`AIDA…`, `AROA…:session`, the account id for root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The principal's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The account owning the principal (`ANONYMOUS_PRINCIPAL` for unsigned calls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The access key that signed the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// The friendly name of a root, IAM user or federated identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Present when temporary credentials were used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_context: Option<SessionContext>,
    /// The service that made the call on the principal's behalf (`AWS Internal`, `kms.amazonaws.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
    /// The identity provider of SAML and web-identity callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<String>,
}

impl UserIdentity {
    /// AWS's identity for an unsigned (anonymous) request:
    /// `{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}`.
    pub fn anonymous() -> Self {
        UserIdentity {
            identity_type: IdentityType::AwsAccount,
            principal_id: Some(String::new()),
            account_id: Some("ANONYMOUS_PRINCIPAL".to_owned()),
            ..UserIdentity::default()
        }
    }

    /// The identity of a signed request whose credentials could not be resolved to a
    /// principal (unknown or invalid access key): only the type and the presented key.
    pub fn unresolved(access_key_id: Option<String>) -> Self {
        UserIdentity {
            identity_type: IdentityType::Unknown,
            access_key_id,
            ..UserIdentity::default()
        }
    }

    /// The caller of `AssumeRoleWithWebIdentity` as AWS records it: type `WebIdentityUser`,
    /// principal `<provider>:<audience>:<subject>`, user name the subject.
    pub fn web_identity(provider: &str, audience: &str, subject: &str) -> Self {
        UserIdentity {
            identity_type: IdentityType::WebIdentityUser,
            principal_id: Some(format!("{provider}:{audience}:{subject}")),
            user_name: Some(subject.to_owned()),
            identity_provider: Some(provider.to_owned()),
            ..UserIdentity::default()
        }
    }

    /// The role session name of an assumed-role identity: the last segment of
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub fn session_name(&self) -> Option<&str> {
        if self.identity_type != IdentityType::AssumedRole {
            return None;
        }
        let arn = self.arn.as_deref()?;
        let resource = arn.splitn(6, ':').nth(5)?;
        let rest = resource.strip_prefix("assumed-role/")?;
        rest.rsplit_once('/').map(|(_, session)| session)
    }
}

/// `userIdentity.sessionContext`: how temporary credentials were obtained.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionContext {
    /// The entity that issued the session (the role, or the user for federation tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_issuer: Option<SessionIssuer>,
    /// Web-identity federation data; AWS writes `{}` for plain role sessions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_id_federation_data: Option<Value>,
    /// When the session was created and whether MFA was used.
    pub attributes: SessionAttributes,
    /// The source identity set at `AssumeRole*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// `"true"` for a root session from `AssumeRoot`, as AWS writes it; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed_root: Option<String>,
}

/// `sessionContext.sessionIssuer`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionIssuer {
    /// `Role`, `IAMUser` or `Root`.
    #[serde(rename = "type")]
    pub issuer_type: String,
    /// The issuer's unique id.
    pub principal_id: String,
    /// The issuer's ARN.
    pub arn: String,
    /// The issuer's account.
    pub account_id: String,
    /// The issuer's friendly name (the role name).
    pub user_name: String,
}

/// `sessionContext.attributes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes {
    /// When the temporary credentials were issued.
    #[serde(with = "crate::timefmt::seconds")]
    pub creation_date: OffsetDateTime,
    /// Whether the session was MFA-authenticated; AWS writes the strings `"true"`/`"false"`.
    #[serde(with = "bool_string")]
    pub mfa_authenticated: bool,
}

impl Default for SessionAttributes {
    fn default() -> Self {
        SessionAttributes {
            creation_date: OffsetDateTime::UNIX_EPOCH,
            mfa_authenticated: false,
        }
    }
}

/// One element of the record's `resources` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The account owning the resource.
    #[serde(rename = "accountId", default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The CloudFormation-style type, such as `AWS::KMS::Key`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The resource's ARN.
    #[serde(rename = "ARN")]
    pub arn: String,
}

/// `tlsDetails`: the TLS session the request came over.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsDetails {
    /// Such as `TLSv1.3`.
    pub tls_version: String,
    /// Such as `TLS_AES_128_GCM_SHA256`.
    pub cipher_suite: String,
    /// The `Host` header the client sent.
    pub client_provided_host_header: String,
    /// The key-exchange group, such as `X25519MLKEM768`, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_exchange: Option<String>,
}

/// One CloudTrail record, field for field as AWS writes it (and in AWS's field order).
///
/// `requestParameters` and `responseElements` are written as `null` when absent, as AWS
/// does; every other optional field is left out when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The record format version, [`EVENT_VERSION`].
    pub event_version: String,
    /// Who made the request.
    pub user_identity: UserIdentity,
    /// When the request completed. The record carries whole seconds, so
    /// [`Event::api_call`] truncates to the second: a record read back equals the one written.
    #[serde(with = "crate::timefmt::seconds")]
    pub event_time: OffsetDateTime,
    /// The service's endpoint name, such as `sts.amazonaws.com`.
    pub event_source: String,
    /// The operation, such as `AssumeRole`.
    pub event_name: String,
    /// The region the request was made to.
    pub aws_region: String,
    /// The caller's IP address, or a service's name for service calls.
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    /// The caller's `User-Agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The AWS error code when the request failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The error message when the request failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The request's parameters, redacted (see [`crate::redact`]).
    #[serde(default)]
    pub request_parameters: Option<Value>,
    /// The response's elements, redacted; `null` for reads and failures.
    #[serde(default)]
    pub response_elements: Option<Value>,
    /// Service-specific extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<Value>,
    /// The service's request id.
    #[serde(rename = "requestID", default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The record's unique id (a UUID; see [`new_event_id`]).
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// Whether the operation only reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Resources the request touched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<Resource>>,
    /// `AwsApiCall`, `AwsServiceEvent` or `AwsConsoleSignIn`.
    pub event_type: String,
    /// The API version, for services that record it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Whether this is a management event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_event: Option<bool>,
    /// The account that receives the record.
    pub recipient_account_id: String,
    /// Links the copies of one cross-account event delivered to each account.
    #[serde(
        rename = "sharedEventID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub shared_event_id: Option<String>,
    /// The VPC endpoint the request came through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_id: Option<String>,
    /// `Management`, `Data` or `Insight`.
    pub event_category: String,
    /// The TLS session, when the request came over TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_details: Option<TlsDetails>,
    /// `"true"` when console-issued session credentials were used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_credential_from_console: Option<String>,
}

impl Event {
    /// A management `AwsApiCall` record with a fresh random [`new_event_id`] and every
    /// optional field empty; the caller fills in the rest (user agent, parameters, error,
    /// resources, ...) and may replace `event_id`.
    pub fn api_call(
        user_identity: UserIdentity,
        event_time: OffsetDateTime,
        event_source: impl Into<String>,
        event_name: impl Into<String>,
        aws_region: impl Into<String>,
        source_ip_address: impl Into<String>,
        recipient_account_id: impl Into<String>,
    ) -> Self {
        Event {
            event_version: EVENT_VERSION.to_owned(),
            user_identity,
            event_time: event_time.replace_nanosecond(0).unwrap_or(event_time),
            event_source: event_source.into(),
            event_name: event_name.into(),
            aws_region: aws_region.into(),
            source_ip_address: source_ip_address.into(),
            user_agent: None,
            error_code: None,
            error_message: None,
            request_parameters: None,
            response_elements: None,
            additional_event_data: None,
            request_id: None,
            event_id: new_event_id(),
            read_only: None,
            resources: None,
            event_type: "AwsApiCall".to_owned(),
            api_version: None,
            management_event: Some(true),
            recipient_account_id: recipient_account_id.into(),
            shared_event_id: None,
            vpc_endpoint_id: None,
            event_category: "Management".to_owned(),
            tls_details: None,
            session_credential_from_console: None,
        }
    }

    /// The record as AWS's JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Appends the record's JSON text (as [`Event::to_json`] writes it) to `out`; `out` is left
    /// as it was if the record cannot be written.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let start = out.len();
        if serde_json::to_writer(&mut *out, self).is_err() {
            out.truncate(start);
        }
    }

    /// Reads a record from its JSON text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// A fresh random event id (UUID v4) from the system's secure random source.
pub fn new_event_id() -> String {
    // The system RNG does not fail in practice; zero bytes still give a well-formed id.
    rampart_crypto::random_uuid().unwrap_or_else(|| rampart_crypto::uuid_from_bytes([0; 16]))
}

mod bool_string {
    use super::*;

    pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *v { "true" } else { "false" })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(b) => Ok(b),
            Value::String(s) => Ok(s == "true"),
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn role_session() -> UserIdentity {
        UserIdentity {
            identity_type: IdentityType::AssumedRole,
            principal_id: Some("AROAEXAMPLE:ci-run".into()),
            arn: Some("arn:aws:sts::123456789012:assumed-role/Deployer/ci-run".into()),
            account_id: Some("123456789012".into()),
            access_key_id: Some("ASIAEXAMPLE".into()),
            session_context: Some(SessionContext {
                session_issuer: Some(SessionIssuer {
                    issuer_type: "Role".into(),
                    principal_id: "AROAEXAMPLE".into(),
                    arn: "arn:aws:iam::123456789012:role/Deployer".into(),
                    account_id: "123456789012".into(),
                    user_name: "Deployer".into(),
                }),
                web_id_federation_data: Some(json!({})),
                attributes: SessionAttributes {
                    creation_date: datetime!(2026-11-22 19:00:00 UTC),
                    mfa_authenticated: false,
                },
                source_identity: None,
                assumed_root: None,
            }),
            ..UserIdentity::default()
        }
    }

    fn sample() -> Event {
        let mut e = Event::api_call(
            role_session(),
            datetime!(2026-11-22 20:00:00 UTC),
            "sts.amazonaws.com",
            "GetCallerIdentity",
            "us-east-1",
            "192.0.2.10",
            "123456789012",
        );
        e.event_id = "6f1c3c1e-7c2a-4d6e-9b9a-0a2b3c4d5e6f".into();
        e.user_agent = Some("aws-cli/1.46.3".into());
        e.request_id = Some("req-1".into());
        e.read_only = Some(true);
        e
    }

    #[test]
    fn writes_aws_field_names_in_aws_order() {
        let text = sample().to_json();
        let order = [
            "\"eventVersion\":\"1.11\"",
            "\"userIdentity\"",
            "\"eventTime\":\"2026-11-22T20:00:00Z\"",
            "\"eventSource\":\"sts.amazonaws.com\"",
            "\"eventName\"",
            "\"awsRegion\"",
            "\"sourceIPAddress\"",
            "\"userAgent\"",
            "\"requestParameters\":null",
            "\"responseElements\":null",
            "\"requestID\"",
            "\"eventID\"",
            "\"readOnly\":true",
            "\"eventType\":\"AwsApiCall\"",
            "\"managementEvent\":true",
            "\"recipientAccountId\"",
            "\"eventCategory\":\"Management\"",
        ];
        let mut at = 0;
        for field in order {
            let found = text[at..]
                .find(field)
                .unwrap_or_else(|| panic!("{field} after {at} in {text}"));
            at += found;
        }
    }

    #[test]
    fn leaves_out_absent_optional_fields() {
        let v: Value = serde_json::from_str(&sample().to_json()).unwrap();
        for absent in [
            "errorCode",
            "errorMessage",
            "additionalEventData",
            "resources",
            "tlsDetails",
            "sharedEventID",
            "apiVersion",
        ] {
            assert!(v.get(absent).is_none(), "{absent}");
        }
        assert!(v["requestParameters"].is_null());
        assert!(v.get("requestParameters").is_some());
    }

    #[test]
    fn session_context_uses_aws_shapes() {
        let v: Value = serde_json::from_str(&sample().to_json()).unwrap();
        let ctx = &v["userIdentity"]["sessionContext"];
        assert_eq!(v["userIdentity"]["type"], "AssumedRole");
        assert_eq!(ctx["sessionIssuer"]["type"], "Role");
        assert_eq!(ctx["attributes"]["mfaAuthenticated"], "false");
        assert_eq!(ctx["attributes"]["creationDate"], "2026-11-22T19:00:00Z");
        assert_eq!(ctx["webIdFederationData"], json!({}));
    }

    #[test]
    fn round_trips_through_json() {
        let mut e = sample();
        e.resources = Some(vec![Resource {
            account_id: Some("123456789012".into()),
            resource_type: "AWS::KMS::Key".into(),
            arn: "arn:aws:kms:us-east-1:123456789012:key/k".into(),
        }]);
        e.tls_details = Some(TlsDetails {
            tls_version: "TLSv1.3".into(),
            cipher_suite: "TLS_AES_128_GCM_SHA256".into(),
            client_provided_host_header: "sts.amazonaws.com".into(),
            key_exchange: None,
        });
        e.error_code = Some("AccessDenied".into());
        e.request_parameters = Some(json!({"roleArn": "arn:aws:iam::1:role/x"}));
        let back = Event::from_json(&e.to_json()).unwrap();
        assert_eq!(back, e);
        let v: Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(
            v["resources"][0]["ARN"],
            "arn:aws:kms:us-east-1:123456789012:key/k"
        );
        assert_eq!(v["resources"][0]["type"], "AWS::KMS::Key");
        assert_eq!(
            v["tlsDetails"]["clientProvidedHostHeader"],
            "sts.amazonaws.com"
        );
    }

    #[test]
    fn event_time_is_whole_seconds_so_records_round_trip() {
        let e = Event::api_call(
            UserIdentity::anonymous(),
            datetime!(2026-11-22 20:00:00.999 UTC),
            "s3.amazonaws.com",
            "GetObject",
            "us-east-1",
            "192.0.2.1",
            "123456789012",
        );
        assert_eq!(e.event_time, datetime!(2026-11-22 20:00:00 UTC));
        assert_eq!(Event::from_json(&e.to_json()).unwrap(), e);
    }

    #[test]
    fn reads_records_with_unknown_identity_types_and_fields() {
        let text = r#"{"eventVersion":"1.11","userIdentity":{"type":"IdentityCenterUser","accountId":"123456789012"},
            "eventTime":"2026-11-22T20:00:00Z","eventSource":"s.amazonaws.com","eventName":"X","awsRegion":"us-east-1",
            "sourceIPAddress":"1.2.3.4","eventID":"e","eventType":"AwsApiCall","recipientAccountId":"123456789012",
            "eventCategory":"Management","somethingNew":1}"#;
        let e = Event::from_json(text).unwrap();
        assert_eq!(e.user_identity.identity_type, IdentityType::Unknown);
        assert_eq!(e.request_parameters, None);
    }

    #[test]
    fn anonymous_caller_has_aws_shape() {
        let v = serde_json::to_value(UserIdentity::anonymous()).unwrap();
        assert_eq!(
            v,
            json!({"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"})
        );
        let v = serde_json::to_value(UserIdentity::unresolved(Some("AKIAX".into()))).unwrap();
        assert_eq!(v, json!({"type": "Unknown", "accessKeyId": "AKIAX"}));
    }

    #[test]
    fn web_identity_caller_has_aws_shape() {
        let v = serde_json::to_value(UserIdentity::web_identity(
            "accounts.google.com",
            "app.example",
            "1234",
        ))
        .unwrap();
        assert_eq!(
            v,
            json!({"type": "WebIdentityUser", "principalId": "accounts.google.com:app.example:1234",
                   "userName": "1234", "identityProvider": "accounts.google.com"})
        );
    }

    #[test]
    fn session_name_comes_from_assumed_role_arn() {
        assert_eq!(role_session().session_name(), Some("ci-run"));
        let user = UserIdentity {
            identity_type: IdentityType::IamUser,
            arn: Some("arn:aws:iam::1:user/alice".into()),
            ..UserIdentity::default()
        };
        assert_eq!(user.session_name(), None);
    }

    #[test]
    fn event_ids_are_uuid_v4() {
        let id = new_event_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(new_event_id(), id);
    }
}
