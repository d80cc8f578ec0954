//! The authorization step: every access the operation needs, decided by the policy engine
//! before the handler runs.
//!
//! The service's authorization table names the accesses (action, resource ARN, service
//! condition keys, the resource's own policy); this step adds the global condition keys the
//! request carries (time, source address, user agent, transport, region) and lets
//! `rampart_svc_identity::Enforcer` decide each over what governs the caller. Deny by default:
//! an operation whose service has no table is refused.

use rampart_policy::Context;
use rampart_protocol::{AwsError, Protocol, Route};
use rampart_service::{Call, Registry, internal_error, no_rule};
use serde_json::Value;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// What the request itself says, for the global condition keys.
pub(crate) struct RequestFacts<'a> {
    pub now: SystemTime,
    pub source_ip: IpAddr,
    pub user_agent: Option<&'a str>,
    pub secure_transport: bool,
    pub region: &'a str,
}

/// `Ok` when the caller of `call` may perform the routed operation with `input`; else AWS's
/// AccessDenied for the request's protocol, with AWS's message.
pub(crate) fn authorize(
    registry: &Registry,
    call: &Call<'_>,
    route: &Route,
    input: &Value,
    facts: &RequestFacts<'_>,
) -> Result<(), AwsError> {
    let service = &route.service.name;
    let operation = &route.operation.name;
    let table = registry
        .authorizer(service)
        .ok_or_else(|| no_rule(service, operation))?;
    let accesses = table(call, operation, input)?;
    if accesses.is_empty() {
        return Ok(());
    }
    let enforcer = rampart_svc_identity::Enforcer::new(call.env, call.principal, context(facts))
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read what governs the caller");
            internal_error()
        })?;
    for access in &accesses {
        enforcer
            .check(access)
            .map_err(|message| access_denied(route.protocol, message))?;
    }
    Ok(())
}

/// AccessDenied in the vocabulary of the request's protocol.
fn access_denied(protocol: Protocol, message: String) -> AwsError {
    match protocol {
        Protocol::AwsQuery | Protocol::RestXml => AwsError::new("AccessDenied", 403, message),
        _ => AwsError::new("AccessDeniedException", 400, message),
    }
}

/// The global condition keys every request carries.
fn context(facts: &RequestFacts<'_>) -> Context {
    let mut context = Context::new()
        .with("aws:SourceIp", facts.source_ip.to_string())
        .with("aws:SecureTransport", facts.secure_transport.to_string())
        .with("aws:RequestedRegion", facts.region)
        .with("aws:ViaAWSService", "false");
    if let Some(agent) = facts.user_agent {
        context.set("aws:UserAgent", agent);
    }
    let seconds = facts
        .now
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    context.set_request_time(seconds);
    context
}
