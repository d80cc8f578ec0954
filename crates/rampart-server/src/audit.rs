//! Turning one served request into its CloudTrail record, and handing that record to
//! EventBridge as CloudTrail does: an `AWS API Call via CloudTrail` event (`source`
//! `aws.<service>`, `detail` the redacted record) on the default bus of the caller's account in
//! the call's region. Which rules receive it is EventBridge's business (read-only calls only
//! reach rules enabled for all management events); it is built only when a rule there could
//! match ([`rampart_service::EventBus::wants`]).

use crate::pipeline::Caller;
use rampart_protocol::{AwsError, Route};
use rampart_service::{AwsEvent, Env, Principal, PrincipalKind, Session};
use rampart_trail::{
    Event, IdentityType, SessionAttributes, SessionContext, SessionIssuer, UserIdentity,
};
use rampart_types::{AccountId, Region};
use serde_json::Value;
use std::net::SocketAddr;
use time::OffsetDateTime;

/// What the pipeline knows about a request once it has been answered.
pub(crate) struct Facts<'a> {
    pub env: &'a Env,
    pub route: &'a Route,
    pub caller: &'a Caller,
    pub region: &'a Region,
    pub request_id: &'a str,
    pub peer: SocketAddr,
    pub user_agent: Option<&'a str>,
    /// The decoded input, when decoding was reached.
    pub input: Option<Value>,
    pub outcome: &'a Result<Value, AwsError>,
    /// Whether the operation only reads; `None` for operations rampart does not implement.
    pub read_only: Option<bool>,
}

/// The `detail-type` of the events CloudTrail puts on EventBridge for API calls.
pub(crate) const API_CALL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";

/// The redacted record of one request; a request by a caller the server could name is also
/// published to EventBridge.
pub(crate) fn event(facts: Facts<'_>) -> Event {
    let env = facts.env;
    let named = !matches!(facts.caller, Caller::Unauthenticated { claimed: None, .. });
    let (identity, account) = match facts.caller {
        Caller::Authenticated(principal) => (identity(principal), principal.account.to_string()),
        Caller::Unauthenticated {
            claimed: Some(principal),
            ..
        } => (identity(principal), principal.account.to_string()),
        Caller::Unauthenticated {
            access_key_id,
            claimed: None,
            ..
        } => (
            UserIdentity::unresolved(access_key_id.clone()),
            facts.env.management_account.to_string(),
        ),
    };
    let identity = match federated_identity(&facts) {
        Some(federated) => federated,
        None => identity,
    };
    let event_source = format!("{}.amazonaws.com", facts.route.service.signing_name());
    let mut event = Event::api_call(
        identity,
        OffsetDateTime::from(facts.env.clock.now()),
        event_source,
        facts.route.operation.name.clone(),
        facts.region.as_str(),
        facts.peer.ip().to_string(),
        account,
    );
    event.user_agent = facts.user_agent.map(str::to_owned);
    event.request_id = Some(facts.request_id.to_owned());
    event.read_only = facts.read_only;
    event.api_version = Some(facts.route.service.metadata.api_version.clone());
    let mut request = facts.input.map(lower_camel).unwrap_or(Value::Null);
    let mut response = Value::Null;
    match facts.outcome {
        Ok(output) if facts.read_only == Some(false) => response = lower_camel(output.clone()),
        Ok(_) => {}
        Err(error) => {
            event.error_code = Some(error.code.to_string());
            event.error_message = Some(error.message.clone());
        }
    }
    rampart_trail::redact(
        &event.event_source,
        &event.event_name,
        &mut request,
        &mut response,
    );
    event.request_parameters = non_empty(request);
    event.response_elements = non_empty(response);
    if named {
        publish(env, &event);
    }
    event
}

/// Puts `record` on EventBridge when a rule of its account and region could want it; a
/// failure is logged, never the request's.
fn publish(env: &Env, record: &Event) {
    let Some(service) = record.event_source.strip_suffix(".amazonaws.com") else {
        return;
    };
    let (Ok(account), Ok(region)) = (
        record.recipient_account_id.parse::<AccountId>(),
        record.aws_region.parse::<Region>(),
    ) else {
        return;
    };
    let source = format!("aws.{service}");
    if !env
        .events
        .wants(env, &account, &region, &source, API_CALL_DETAIL_TYPE)
    {
        return;
    }
    let Some(event) = api_call_event(record, source, account, region) else {
        return;
    };
    if let Err(e) = env.events.emit(env, event) {
        tracing::warn!(error = %e, event_id = %record.event_id, "API call event not put on EventBridge");
    }
}

/// The EventBridge event of `record`.
fn api_call_event(
    record: &Event,
    source: String,
    account: AccountId,
    region: Region,
) -> Option<AwsEvent> {
    Some(AwsEvent {
        source,
        detail_type: API_CALL_DETAIL_TYPE.to_owned(),
        account,
        region,
        time: record.event_time.into(),
        resources: Vec::new(),
        detail: serde_json::to_value(record).ok()?,
    })
}

/// The caller of `AssumeRoleWithWebIdentity` or `AssumeRoleWithSAML` as CloudTrail names it: a
/// `WebIdentityUser` (`principalId` the provider, audience and subject joined by colons,
/// `userName` the subject, `identityProvider` the provider) or a `SAMLUser` (`principalId` the
/// name qualifier and subject, `identityProvider` the name qualifier). From the answer when the
/// call succeeded; for a refused web identity, from the token's claims as presented.
fn federated_identity(facts: &Facts<'_>) -> Option<UserIdentity> {
    let text = |v: &Value, member: &str| v.get(member).and_then(Value::as_str).map(str::to_owned);
    let operation = facts.route.operation.name.as_str();
    let (identity_type, provider, principal_id, user_name) = match (operation, facts.outcome) {
        ("AssumeRoleWithWebIdentity", Ok(out)) => {
            let provider = text(out, "Provider")?;
            let subject = text(out, "SubjectFromWebIdentityToken")?;
            let audience = text(out, "Audience").unwrap_or_default();
            let id = format!("{provider}:{audience}:{subject}");
            (IdentityType::WebIdentityUser, provider, id, subject)
        }
        ("AssumeRoleWithWebIdentity", Err(_)) => {
            let input = facts.input.as_ref()?;
            let claims = unverified_claims(&text(input, "WebIdentityToken")?)?;
            let issuer = text(&claims, "iss")?;
            let host = issuer.strip_prefix("https://").unwrap_or(&issuer);
            let account = text(input, "RoleArn")?.split(':').nth(4)?.to_owned();
            let provider = format!(
                "arn:{}:iam::{account}:oidc-provider/{host}",
                facts.env.partition
            );
            let subject = text(&claims, "sub")?;
            let audience = match claims.get("aud") {
                Some(Value::Array(all)) => all.first().and_then(Value::as_str)?.to_owned(),
                _ => text(&claims, "aud")?,
            };
            let id = format!("{provider}:{audience}:{subject}");
            (IdentityType::WebIdentityUser, provider, id, subject)
        }
        ("AssumeRoleWithSAML", Ok(out)) => {
            let qualifier = text(out, "NameQualifier")?;
            let subject = text(out, "Subject")?;
            let id = format!("{qualifier}:{subject}");
            (IdentityType::SamlUser, qualifier, id, subject)
        }
        _ => return None,
    };
    Some(UserIdentity {
        identity_type,
        principal_id: Some(principal_id),
        user_name: Some(user_name),
        identity_provider: Some(provider),
        ..UserIdentity::default()
    })
}

/// The claims of a JWT, without checking its signature (only to name who presented it).
fn unverified_claims(token: &str) -> Option<Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// CloudTrail's `userIdentity` for a principal.
fn identity(principal: &Principal) -> UserIdentity {
    if principal.kind == PrincipalKind::Anonymous {
        return UserIdentity::anonymous();
    }
    let mut identity = UserIdentity::unresolved(Some(principal.access_key_id.clone()));
    identity.identity_type = match principal.kind {
        PrincipalKind::Root => IdentityType::Root,
        PrincipalKind::User { .. } => IdentityType::IamUser,
        PrincipalKind::AssumedRole { .. } => IdentityType::AssumedRole,
        PrincipalKind::FederatedUser { .. } => IdentityType::FederatedUser,
        PrincipalKind::Anonymous => IdentityType::AwsAccount,
    };
    identity.principal_id = Some(match &principal.kind {
        PrincipalKind::FederatedUser { name, .. } => format!("{}:{name}", principal.account),
        _ => principal.user_id(),
    });
    identity.arn = Some(principal.arn());
    identity.account_id = Some(principal.account.to_string());
    identity.user_name = principal.user_name().map(str::to_owned);
    identity.session_context = principal
        .session
        .as_deref()
        .map(|session| session_context(principal, session));
    identity
}

/// `userIdentity.sessionContext` for temporary credentials: who issued the session, when, with
/// or without MFA.
fn session_context(principal: &Principal, session: &Session) -> SessionContext {
    let issuer = match &principal.kind {
        PrincipalKind::AssumedRole { role_name, .. } => Some(SessionIssuer {
            issuer_type: "Role".into(),
            principal_id: principal.principal_id.clone(),
            arn: principal.role_arn().unwrap_or_default(),
            account_id: principal.account.to_string(),
            user_name: role_name.clone(),
        }),
        // A root user's federated session names the root as its issuer.
        PrincipalKind::FederatedUser { parent_id, .. }
            if *parent_id == principal.account.as_str() =>
        {
            Some(SessionIssuer {
                issuer_type: "Root".into(),
                principal_id: parent_id.clone(),
                arn: format!(
                    "arn:{}:iam::{}:root",
                    principal.partition, principal.account
                ),
                account_id: principal.account.to_string(),
                user_name: String::new(),
            })
        }
        PrincipalKind::FederatedUser {
            parent_name,
            parent_id,
            ..
        } => Some(SessionIssuer {
            issuer_type: "IAMUser".into(),
            principal_id: parent_id.clone(),
            arn: format!(
                "arn:{}:iam::{}:user/{parent_name}",
                principal.partition, principal.account
            ),
            account_id: principal.account.to_string(),
            user_name: parent_name.clone(),
        }),
        PrincipalKind::Root | PrincipalKind::User { .. } | PrincipalKind::Anonymous => None,
    };
    let web_id_federation_data = match &session.federated_provider {
        Some(provider) => Some(serde_json::json!({
            "federatedProvider": provider,
            "attributes": {},
        })),
        None => issuer.as_ref().map(|_| Value::Object(Default::default())),
    };
    SessionContext {
        web_id_federation_data,
        session_issuer: issuer,
        assumed_root: rampart_svc_identity::is_root_task_session(principal)
            .then(|| "true".to_owned()),
        attributes: SessionAttributes {
            creation_date: OffsetDateTime::from_unix_timestamp(session.issued_at)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            mfa_authenticated: session.mfa_authenticated_at.is_some(),
        },
        source_identity: session.source_identity.clone(),
    }
}

/// CloudTrail writes parameter names in lower camel case (`keyId`, not `KeyId`).
fn lower_camel(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let mut chars = k.chars();
                    let key = match chars.next() {
                        Some(first) => first.to_lowercase().chain(chars).collect(),
                        None => k,
                    };
                    (key, lower_camel(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(lower_camel).collect()),
        other => other,
    }
}

/// `None` for a null or empty object, as CloudTrail writes `null` there.
fn non_empty(value: Value) -> Option<Value> {
    match &value {
        Value::Null => None,
        Value::Object(map) if map.is_empty() => None,
        _ => Some(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_protocol::AwsError;
    use std::sync::{Arc, Mutex};

    /// An event bus that wants what it is told to and keeps what it is given.
    struct Recording {
        wanted: &'static str,
        got: Mutex<Vec<AwsEvent>>,
    }

    impl rampart_service::EventBus for Recording {
        fn emit(&self, _env: &Env, event: AwsEvent) -> Result<(), AwsError> {
            self.got.lock().unwrap().push(event);
            Ok(())
        }

        fn wants(&self, _: &Env, _: &AccountId, _: &Region, source: &str, kind: &str) -> bool {
            source == self.wanted && kind == API_CALL_DETAIL_TYPE
        }
    }

    fn record(source: &str, name: &str) -> Event {
        let mut record = Event::api_call(
            UserIdentity::anonymous(),
            OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            source,
            name,
            "us-east-1",
            "127.0.0.1",
            "123456789012",
        );
        record.read_only = Some(false);
        record.request_id = Some("req-1".into());
        record
    }

    #[test]
    fn api_calls_go_to_eventbridge_as_their_cloudtrail_record_when_wanted() {
        let mut world = rampart_service::testkit::World::new(|_| {});
        let bus = Arc::new(Recording {
            wanted: "aws.iam",
            got: Mutex::new(Vec::new()),
        });
        world.env.events = bus.clone();
        publish(&world.env, &record("kms.amazonaws.com", "CreateKey"));
        assert!(bus.got.lock().unwrap().is_empty(), "no rule wants aws.kms");
        publish(&world.env, &record("iam.amazonaws.com", "CreateUser"));
        let got = bus.got.lock().unwrap();
        let [event] = got.as_slice() else {
            panic!("one event, got {got:?}")
        };
        assert_eq!(event.source, "aws.iam");
        assert_eq!(event.detail_type, "AWS API Call via CloudTrail");
        assert_eq!(event.account.as_str(), "123456789012");
        assert_eq!(event.region.as_str(), "us-east-1");
        assert!(event.resources.is_empty());
        let detail = &event.detail;
        for field in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "requestID",
            "eventID",
            "readOnly",
            "eventType",
            "managementEvent",
            "recipientAccountId",
            "eventCategory",
        ] {
            assert!(
                detail.get(field).is_some(),
                "detail has no {field}: {detail}"
            );
        }
        assert_eq!(detail["eventType"], "AwsApiCall");
        assert_eq!(detail["eventCategory"], "Management");
        assert_eq!(detail["eventName"], "CreateUser");
        assert_eq!(detail["eventTime"], "2023-11-14T22:13:20Z");
        assert_eq!(detail["managementEvent"], true);
        assert_eq!(detail["readOnly"], false);
    }

    #[test]
    fn presented_tokens_name_their_claims_without_a_signature_check() {
        use base64::Engine;
        let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let token = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256"}"#),
            b64(r#"{"iss":"https://idp.example.com","sub":"u1","aud":["app"]}"#)
        );
        let claims = unverified_claims(&token).unwrap();
        assert_eq!(claims["sub"], "u1");
        assert_eq!(unverified_claims("not-a-jwt"), None);
    }

    #[test]
    fn parameter_names_become_lower_camel_case() {
        let v = serde_json::json!({"KeyId": "k", "Tags": [{"TagKey": "a"}]});
        assert_eq!(
            lower_camel(v),
            serde_json::json!({"keyId": "k", "tags": [{"tagKey": "a"}]})
        );
    }
}
