//! Step 3 of the pipeline: the policy engine decides.
//!
//! The request becomes a `rampart_policy::Request`: the principal, the action
//! `<service prefix>:<Operation>`, the resource and the global condition keys this request
//! carries (time, source address, user agent, transport, region, and what the principal implies).
//! Today the resource is `*` for every operation (per-operation resource ARNs and service
//! condition keys come with each service's authorization table), so a statement scoped to a
//! specific ARN does not match yet: it can only deny more, never allow more.

use rampart_policy::{Context, Policy, PolicySet, Request, evaluate};
use rampart_protocol::{AwsError, Protocol, Route};
use rampart_service::{Principal, PrincipalKind};
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

/// The IAM action a routed request performs.
pub(crate) fn action(route: &Route) -> String {
    format!("{}:{}", route.service.signing_name(), route.operation.name)
}

/// Decides `principal`'s request with its identity policies; `Ok` when allowed, else AWS's
/// AccessDenied for the request's protocol, with AWS's message.
pub(crate) fn authorize(
    principal: &Principal,
    route: &Route,
    facts: &RequestFacts<'_>,
    identity: Vec<Policy>,
) -> Result<(), AwsError> {
    let account = principal.account.to_string();
    let subject = match principal.kind {
        PrincipalKind::Root => rampart_policy::Principal::Root {
            partition: principal.partition.to_string(),
            account: account.clone(),
        },
        PrincipalKind::User { .. } => rampart_policy::Principal::User {
            arn: principal.arn(),
            account: account.clone(),
        },
    };
    let mut request = Request::new(subject, &action(route), "*")
        .with_resource_account(account)
        .with_principal_id(principal.principal_id.clone())
        .with_context(context(facts));
    request.derive_context();
    let set = PolicySet {
        identity,
        ..PolicySet::default()
    };
    let decision = evaluate(&request, &set);
    if decision.is_allowed() {
        return Ok(());
    }
    let message = decision.access_denied_message(&request).unwrap_or_else(|| {
        format!(
            "User: {} is not authorized to perform: {}",
            principal.arn(),
            request.action()
        )
    });
    Err(match route.protocol {
        Protocol::AwsQuery => AwsError::new("AccessDenied", 403, message),
        Protocol::RestXml => AwsError::new("AccessDenied", 403, message),
        _ => AwsError::new("AccessDeniedException", 400, message),
    })
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
