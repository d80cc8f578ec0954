//! Enforcement: the policy engine decides each access a request needs, over everything that
//! governs the caller (its identity policies, and as they land, its boundary, session policies
//! and its organization's SCPs).

use crate::identity_policies;
use rampart_policy::{Context, PolicySet, Request, evaluate};
use rampart_service::{Access, Env, Principal, PrincipalKind};
use rampart_store::StoreError;

/// What decides a caller's requests, read once per request.
pub struct Enforcer {
    subject: rampart_policy::Principal,
    principal_id: String,
    caller_account: String,
    identity: Vec<rampart_policy::Policy>,
    /// The request's global keys and the caller's own keys.
    context: Context,
}

impl Enforcer {
    /// Reads what governs `principal`; `context` holds the request's global condition keys
    /// (time, source address, transport, region, user agent).
    pub fn new(env: &Env, principal: &Principal, context: Context) -> Result<Self, StoreError> {
        let identity = identity_policies(env, principal)?;
        Ok(Enforcer {
            subject: subject(principal),
            principal_id: principal.principal_id.clone(),
            caller_account: principal.account.to_string(),
            identity,
            context,
        })
    }

    /// Decides one access: `Ok` when allowed, else AWS's AccessDenied message.
    pub fn check(&self, access: &Access) -> Result<(), String> {
        let mut context = self.context.clone();
        context.merge(&access.context);
        let resource_account = match &access.resource_account {
            Some(account) => account.to_string(),
            None => account_of(&access.resource)
                .unwrap_or(&self.caller_account)
                .to_owned(),
        };
        let mut request = Request::new(self.subject.clone(), &access.action, &access.resource)
            .with_resource_account(resource_account)
            .with_principal_id(self.principal_id.clone())
            .with_context(context);
        request.derive_context();
        let set = PolicySet {
            identity: self.identity.clone(),
            resource: access.resource_policy.clone(),
            resource_policy_required: access.resource_policy_required,
            ..PolicySet::default()
        };
        let decision = evaluate(&request, &set);
        match decision.access_denied_message(&request) {
            None => Ok(()),
            Some(message) => Err(message),
        }
    }
}

/// The engine's view of a caller.
fn subject(principal: &Principal) -> rampart_policy::Principal {
    let account = principal.account.to_string();
    match &principal.kind {
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
        PrincipalKind::FederatedUser { parent_name, .. } => {
            rampart_policy::Principal::FederatedUser {
                session_arn: principal.arn(),
                parent_arn: format!(
                    "arn:{}:iam::{account}:user/{parent_name}",
                    principal.partition
                ),
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
