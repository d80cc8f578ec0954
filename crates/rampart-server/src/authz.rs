//! The authorization step: every access the operation needs, decided by the policy engine
//! before the handler runs.
//!
//! The service's authorization table names the accesses (action, resource ARN, service
//! condition keys, the resource's own policy); this step adds the global condition keys the
//! request carries (time, source address, user agent, transport, region) and lets
//! `rampart_svc_identity::Enforcer` decide each over what governs the caller. Deny by default:
//! an operation whose service has no table is refused. The same [`RequestGuard`] decides what a
//! handler asks on its caller's behalf (KMS uses by Secrets Manager and Parameter Store).

use rampart_policy::Context;
use rampart_protocol::{AwsError, Protocol, Route};
use rampart_service::{Access, Call, Env, Guard, Principal, Registry, internal_error, no_rule};
use rampart_svc_identity::Enforcer;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// What the request itself says, for the global condition keys (made into a `Context` only
/// when an access needs deciding: most reads of STS need none).
pub(crate) struct RequestFacts<'a> {
    pub now: SystemTime,
    pub source_ip: IpAddr,
    pub user_agent: Option<&'a str>,
    pub secure_transport: bool,
    pub region: &'a str,
}

/// The policy decision point for one request's caller: the operation's own accesses and those
/// a handler asks on the caller's behalf go through it. What governs the caller is read once,
/// at the first access that needs it.
pub(crate) struct RequestGuard<'a> {
    env: &'a Env,
    principal: &'a Principal,
    protocol: Protocol,
    facts: RequestFacts<'a>,
    enforcer: OnceLock<Option<Enforcer>>,
}

impl<'a> RequestGuard<'a> {
    /// The guard for `principal`'s request that `facts` describe.
    pub(crate) fn new(
        env: &'a Env,
        principal: &'a Principal,
        protocol: Protocol,
        facts: RequestFacts<'a>,
    ) -> Self {
        RequestGuard {
            env,
            principal,
            protocol,
            facts,
            enforcer: OnceLock::new(),
        }
    }

    fn enforcer(&self) -> Result<&Enforcer, AwsError> {
        self.enforcer
            .get_or_init(|| {
                Enforcer::new(self.env, self.principal, context(&self.facts))
                    .inspect_err(
                        |e| tracing::error!(error = %e, "cannot read what governs the caller"),
                    )
                    .ok()
            })
            .as_ref()
            .ok_or_else(internal_error)
    }
}

impl Guard for RequestGuard<'_> {
    fn check(&self, access: &Access) -> Result<(), AwsError> {
        self.enforcer()?
            .check(access)
            .map_err(|message| access_denied(self.protocol, message))
    }
}

/// `Ok` when the caller of `call` may perform the routed operation with `input`; else AWS's
/// AccessDenied for the request's protocol, with AWS's message.
pub(crate) fn authorize(
    registry: &Registry,
    call: &Call<'_>,
    route: &Route,
    input: &Value,
) -> Result<(), AwsError> {
    let service = &route.service.name;
    let operation = &route.operation.name;
    let table = registry
        .authorizer(service)
        .ok_or_else(|| no_rule(service, operation))?;
    table(call, operation, input)?
        .iter()
        .try_for_each(|access| call.guard.check(access))
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
