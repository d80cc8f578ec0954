//! Enforcement: the policy engine decides each access a request needs, over everything that
//! governs the caller: its identity policies and permissions boundary, its session's policies
//! and tags, its organization's SCPs, and the resource's own policy and its account's RCPs.

use crate::governing::{Governing, governing};
use crate::organizations::{Standing, standing};
use rampart_policy::{Context, Policy, PolicyKind, PolicySet, Request, evaluate};
use rampart_service::{Access, Env, Principal, PrincipalKind};
use rampart_store::StoreError;
use std::sync::Arc;

/// What decides a caller's requests, read once per request.
pub struct Enforcer {
    env: Env,
    subject: rampart_policy::Principal,
    principal_id: String,
    caller_account: String,
    governing: Arc<Governing>,
    session_policies: Vec<Policy>,
    /// An `AssumeRoot` session's task policies with an allow-everything policy beside them:
    /// root is not governed by session policies in the engine, so these are decided apart.
    root_task: Option<Vec<Policy>>,
    standing: Arc<Standing>,
    /// The request's global keys and the caller's own keys.
    context: Context,
}

/// The condition keys of the caller's network, absent from a request a service makes on the
/// caller's behalf.
const NETWORK_KEYS: [&str; 4] = [
    "aws:SourceIp",
    "aws:VpcSourceIp",
    "aws:SourceVpc",
    "aws:SourceVpce",
];

/// Whether the request is one a service makes on the caller's behalf (`aws:ViaAWSService`).
fn via_aws_service(context: &Context) -> bool {
    context
        .get("aws:ViaAWSService")
        .is_some_and(|value| value.values().any(|v| v == "true"))
}

impl Enforcer {
    /// Reads what governs `principal`; `context` holds the request's global condition keys
    /// (time, source address, transport, region, user agent).
    pub fn new(env: &Env, principal: &Principal, mut context: Context) -> Result<Self, StoreError> {
        let governing = governing(env, principal)?;
        let standing = standing(env, &principal.account)?;
        for (key, value) in &governing.tags {
            context.set(&format!("aws:PrincipalTag/{key}"), value.clone());
        }
        if let Some(org_id) = &standing.org_id {
            context.set("aws:PrincipalOrgID", org_id.clone());
        }
        if let Some(path) = &standing.org_path {
            context.set_multi("aws:PrincipalOrgPaths", [path.clone()]);
        }
        let mut session_policies = Vec::new();
        match principal.session.as_deref() {
            Some(session) => {
                // Session tags override the principal's own tags of the same key.
                for (key, value) in &session.tags {
                    context.set(&format!("aws:PrincipalTag/{key}"), value.clone());
                }
                context.set("aws:TokenIssueTime", iso8601(session.issued_at));
                context.set(
                    "aws:MultiFactorAuthPresent",
                    session.mfa_authenticated_at.is_some().to_string(),
                );
                if let Some(at) = session.mfa_authenticated_at {
                    let now = context
                        .single("aws:EpochTime")
                        .and_then(|t| t.parse::<i64>().ok())
                        .unwrap_or(at);
                    context.set("aws:MultiFactorAuthAge", (now - at).max(0).to_string());
                }
                if let Some(source) = &session.source_identity {
                    context.set("aws:SourceIdentity", source.clone());
                }
                if let Some(document) = &session.policy {
                    let policy = Policy::parse_stored(document, PolicyKind::Session)
                        .map_err(|e| StoreError::Corrupt(format!("session policy: {e}")))?;
                    session_policies.push(policy.named("session"));
                }
                let managed = crate::governing::managed_policies(
                    env,
                    &principal.account,
                    &session.policy_arns,
                )?;
                if managed.len() < session.policy_arns.len() {
                    // A managed session policy deleted since still limits the session: it
                    // now allows nothing (skipping it could lift the limit altogether).
                    session_policies.push(Policy::allows_nothing(
                        PolicyKind::Session,
                        "deleted session policy",
                    ));
                }
                session_policies.extend(managed);
            }
            None => {
                context.set("aws:MultiFactorAuthPresent", "false");
            }
        }
        let root_task = match crate::sessions::is_root_task_session(principal) {
            true => Some(root_task_policies(std::mem::take(&mut session_policies))),
            false => None,
        };
        // The keys the caller implies (aws:PrincipalArn, aws:username, aws:userid, ...) are the
        // same for every access of the request: derive them once, here.
        let subject = subject(principal);
        let mut probe = Request::new(subject.clone(), "sts:GetCallerIdentity", "*")
            .with_principal_id(principal.principal_id.clone())
            .with_context(context);
        probe.derive_context();
        Ok(Enforcer {
            env: env.clone(),
            subject,
            principal_id: principal.principal_id.clone(),
            caller_account: principal.account.to_string(),
            governing,
            session_policies,
            root_task,
            standing,
            context: probe.context,
        })
    }

    /// Decides one access: `Ok` when allowed, else AWS's AccessDenied message.
    pub fn check(&self, access: &Access) -> Result<(), String> {
        let mut context = self.context.clone();
        context.merge(&access.context);
        if via_aws_service(&context) {
            // A service calling on the caller's behalf calls from AWS's network: AWS leaves
            // out the caller's network keys.
            for key in NETWORK_KEYS {
                context.remove(key);
            }
        }
        let resource_account = match &access.resource_account {
            Some(account) => account.to_string(),
            None => account_of(&access.resource)
                .unwrap_or(&self.caller_account)
                .to_owned(),
        };
        if let Some(task) = &self.root_task {
            // Decided within the caller's account: only the task policies count here.
            let own = Request::new(self.subject.clone(), &access.action, &access.resource)
                .with_resource_account(self.caller_account.clone())
                .with_principal_id(self.principal_id.clone())
                .with_context(context.clone());
            root_task_check(&own, task)?;
        }
        let resource_standing = self.resource_standing(&resource_account);
        if let Some(org_id) = resource_standing.as_ref().and_then(|s| s.org_id.clone()) {
            context.set("aws:ResourceOrgID", org_id);
        }
        let request = Request::new(self.subject.clone(), &access.action, &access.resource)
            .with_resource_account(resource_account)
            .with_principal_id(self.principal_id.clone())
            .with_context(context);
        let set = PolicySet {
            identity: self.governing.identity.clone(),
            permissions_boundary: self.governing.boundary.clone(),
            session: self.session_policies.clone(),
            resource: access.resource_policy.clone(),
            resource_policy_required: access.resource_policy_required,
            scp_levels: self.standing.scp_levels.clone(),
            principal_in_management_account: self.standing.management,
            rcp_levels: resource_standing
                .as_ref()
                .map(|s| s.rcp_levels.clone())
                .unwrap_or_default(),
            resource_in_management_account: resource_standing
                .as_ref()
                .is_some_and(|s| s.management),
            ..PolicySet::default()
        };
        let decision = evaluate(&request, &set);
        match decision.access_denied_message(&request) {
            None => Ok(()),
            Some(message) => Err(message),
        }
    }

    /// The resource account's standing (the caller's own when it is the same account). An
    /// unreadable standing counts as none: RCPs then do not apply, and the failure is logged.
    fn resource_standing(&self, account: &str) -> Option<Arc<Standing>> {
        if account == self.caller_account {
            return Some(self.standing.clone());
        }
        let account = account.parse().ok()?;
        match standing(&self.env, &account) {
            Ok(standing) => Some(standing),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the resource account's organization");
                None
            }
        }
    }
}

/// The task policies of an `AssumeRoot` session, beside a policy that allows everything: they
/// are written as denials of all but the task, so only their Deny statements limit the root.
fn root_task_policies(mut task: Vec<Policy>) -> Vec<Policy> {
    const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    if let Ok(all) = Policy::parse_stored(ALLOW_ALL, PolicyKind::ServiceControl) {
        task.push(all.named("root session"));
    }
    task
}

/// Decides `request` against an `AssumeRoot` session's task policies alone (evaluated as one
/// level of limiting policies, which the root user is subject to), with AWS's message for a
/// session policy's explicit deny.
fn root_task_check(request: &Request, task: &[Policy]) -> Result<(), String> {
    let set = PolicySet {
        scp_levels: vec![task.to_vec()],
        ..PolicySet::default()
    };
    if evaluate(request, &set).is_allowed() {
        return Ok(());
    }
    let mut message = format!(
        "User: {} is not authorized to perform: {}",
        request.principal.display_arn(),
        request.action()
    );
    if request.resource_str() != "*" {
        message.push_str(&format!(" on resource: {}", request.resource_str()));
    }
    message.push_str(" with an explicit deny in a session policy");
    Err(message)
}

/// The engine's view of a caller.
fn subject(principal: &Principal) -> rampart_policy::Principal {
    let account = principal.account.to_string();
    match &principal.kind {
        PrincipalKind::Anonymous => rampart_policy::Principal::Anonymous,
        PrincipalKind::Root => rampart_policy::Principal::Root {
            partition: principal.partition.to_string(),
            account,
        },
        PrincipalKind::User { .. } => rampart_policy::Principal::User {
            arn: principal.arn(),
            account,
        },
        PrincipalKind::AssumedRole { .. } => rampart_policy::Principal::AssumedRole {
            role_arn: principal.role_arn().unwrap_or_default(),
            session_arn: principal.arn(),
            account,
        },
        PrincipalKind::FederatedUser {
            parent_name,
            parent_id,
            ..
        } => {
            let parent = match *parent_id == account {
                true => "root".to_owned(),
                false => format!("user/{parent_name}"),
            };
            rampart_policy::Principal::FederatedUser {
                session_arn: principal.arn(),
                parent_arn: format!("arn:{}:iam::{account}:{parent}", principal.partition),
                account,
            }
        }
    }
}

/// The account field of an ARN, when it has one.
fn account_of(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// `YYYY-MM-DDThh:mm:ssZ`.
fn iso8601(unix_seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}
