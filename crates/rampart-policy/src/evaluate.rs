//! AWS's evaluation chain (iam.md section 2): explicit deny anywhere, RCP and SCP levels,
//! resource policies (same-account and cross-account), identity policies, permissions
//! boundary, session policies, implicit deny.

use std::cell::Cell;

use crate::decision::{Applied, Decision, Outcome, PolicyType, Reason, StatementRef};
use crate::document::{Effect, Policy};
use crate::kind::PolicyKind;
use crate::principal::{Principal, PrincipalMatch};
use crate::request::Request;

/// Every policy that applies to one request, gathered by the caller.
///
/// Construct with `PolicySet::default()` and fill the fields that apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    /// Identity policies of the principal (user + its groups, or the role).
    pub identity: Vec<Policy>,
    /// The principal's permissions boundary, if it has one.
    pub permissions_boundary: Option<Policy>,
    /// Session policies (inline plus managed) passed when the session was created. Empty
    /// means none was passed: a role session keeps the role's permissions, a federated-user
    /// session has none.
    pub session: Vec<Policy>,
    /// The target's resource-based policy (a trust policy for `sts:AssumeRole*`).
    pub resource: Option<Policy>,
    /// The resource policy must itself allow the caller even in the same account (KMS key
    /// policies). Implied when `resource` is a [`PolicyKind::Trust`] policy.
    pub resource_policy_required: bool,
    /// SCPs of the principal's account, one entry per level from the root to the account.
    /// Empty when the account is not in an organization.
    pub scp_levels: Vec<Vec<Policy>>,
    /// RCPs of the resource's account, one entry per level from the root to the account.
    /// `RCPFullAWSAccess` is implicit at every level (it cannot be detached), so pass only
    /// customer RCPs. Leave empty for services RCPs do not cover.
    pub rcp_levels: Vec<Vec<Policy>>,
    /// The principal belongs to the organization's management account (SCPs do not apply).
    pub principal_in_management_account: bool,
    /// The principal is a service-linked role session (neither SCPs nor RCPs apply).
    pub service_linked_role: bool,
    /// The resource belongs to the management account (RCPs do not apply).
    pub resource_in_management_account: bool,
}

/// What one policy type said.
#[derive(Debug, Clone, Copy, Default)]
struct TypeResult {
    deny: bool,
    /// The strongest principal match among applying Allow statements.
    allow: Option<PrincipalMatch>,
}

impl TypeResult {
    fn allows(self) -> bool {
        self.allow.is_some()
    }
}

struct Scan<'a> {
    req: &'a Request,
    has_boundary: bool,
    /// A Deny applied somewhere: the outcome is decided, Allows no longer matter.
    denied: bool,
    /// Evaluate every statement (for simulation), not only those that can change the outcome.
    exhaustive: bool,
    statements: Applied,
}

impl Scan<'_> {
    fn policies<'p>(
        &mut self,
        policies: impl IntoIterator<Item = &'p Policy>,
        ty: PolicyType,
        level: usize,
    ) -> TypeResult {
        // Only what can still change the outcome is evaluated: one Deny per type, and
        // Allows until the strongest possible one is found (none once anything denied).
        let result = Cell::new(TypeResult::default());
        let (denied, exhaustive) = (self.denied, self.exhaustive);
        let wanted = |effect: Effect| {
            let r = result.get();
            match effect {
                _ if exhaustive => true,
                Effect::Deny => !r.deny,
                Effect::Allow => !denied && r.allow != Some(PrincipalMatch::Direct),
            }
        };
        for policy in policies {
            policy.for_each_applying(
                self.req,
                self.has_boundary,
                &wanted,
                |i, effect, strength| {
                    let mut r = result.get();
                    match effect {
                        Effect::Deny => r.deny = true,
                        Effect::Allow => r.allow = r.allow.max(Some(strength)),
                    }
                    result.set(r);
                    self.statements.push(StatementRef {
                        policy_type: ty,
                        level,
                        policy: policy.clone(),
                        statement: i,
                        effect,
                    });
                },
            );
        }
        let r = result.get();
        self.denied |= r.deny;
        r
    }
}

fn is_get_caller_identity(req: &Request) -> bool {
    let (service, name) = req.action_parts();
    service == "sts" && name.eq_ignore_ascii_case("GetCallerIdentity")
}

fn decide(outcome: Outcome, reason: Reason, statements: Applied) -> Decision {
    Decision {
        outcome,
        reason,
        statements,
    }
}

/// Evaluates `request` against `policies` and explains the result. Pure: reads no clock
/// (time keys come from the request context) and performs no I/O. The explanation lists
/// the statements that decided; see [`evaluate_all_statements`] for every match.
pub fn evaluate(request: &Request, policies: &PolicySet) -> Decision {
    run(request, policies, false)
}

/// Like [`evaluate`], with every applying statement of every policy in the explanation
/// (for the IAM policy simulator's matched statements). Same outcome, slower.
pub fn evaluate_all_statements(request: &Request, policies: &PolicySet) -> Decision {
    run(request, policies, true)
}

fn run(request: &Request, policies: &PolicySet, exhaustive: bool) -> Decision {
    let p = &request.principal;
    if is_get_caller_identity(request) && !matches!(p, Principal::Anonymous) {
        return decide(Outcome::Allowed, Reason::AlwaysAllowed, Applied::default());
    }
    let iam = p.is_iam_identity();
    let root = matches!(p, Principal::Root { .. });
    let session_principal = matches!(
        p,
        Principal::AssumedRole { .. } | Principal::FederatedUser { .. }
    );
    let boundary = policies
        .permissions_boundary
        .as_ref()
        .filter(|_| iam && !root);
    let mut scan = Scan {
        req: request,
        has_boundary: boundary.is_some(),
        denied: false,
        exhaustive,
        statements: Applied::default(),
    };

    let scp_applies =
        iam && !policies.principal_in_management_account && !policies.service_linked_role;
    let mut scp_deny = false;
    let mut scp_levels_ok = true;
    if scp_applies {
        for (level, scps) in policies.scp_levels.iter().enumerate() {
            let r = scan.policies(scps, PolicyType::ServiceControl, level);
            scp_deny |= r.deny;
            scp_levels_ok &= r.allows();
        }
    }
    let rcp_applies = !policies.resource_in_management_account && !policies.service_linked_role;
    let mut rcp_deny = false;
    if rcp_applies {
        for (level, rcps) in policies.rcp_levels.iter().enumerate() {
            rcp_deny |= scan.policies(rcps, PolicyType::ResourceControl, level).deny;
        }
    }
    let resource = scan.policies(policies.resource.as_ref(), PolicyType::Resource, 0);
    let identity = if iam && !root {
        scan.policies(&policies.identity, PolicyType::Identity, 0)
    } else {
        TypeResult::default()
    };
    let boundary_result = scan.policies(boundary, PolicyType::PermissionsBoundary, 0);
    let session_policies: &[Policy] = if session_principal {
        &policies.session
    } else {
        &[]
    };
    let session = scan.policies(session_policies, PolicyType::Session, 0);
    let statements = scan.statements;

    let denies = [
        (scp_deny, PolicyType::ServiceControl),
        (rcp_deny, PolicyType::ResourceControl),
        (resource.deny, PolicyType::Resource),
        (identity.deny, PolicyType::Identity),
        (boundary_result.deny, PolicyType::PermissionsBoundary),
        (session.deny, PolicyType::Session),
    ];
    if let Some((_, ty)) = denies.iter().find(|(d, _)| *d) {
        return decide(Outcome::ExplicitDeny, Reason::ExplicitDeny(*ty), statements);
    }
    let implicit =
        |ty: PolicyType, statements| decide(Outcome::ImplicitDeny, Reason::NoAllow(ty), statements);
    if scp_applies && !scp_levels_ok {
        return implicit(PolicyType::ServiceControl, statements);
    }
    if !iam {
        // Services, web identities and anonymous callers: only resource policies grant.
        return match resource.allow {
            Some(_) => decide(Outcome::Allowed, Reason::Allowed, statements),
            None => implicit(PolicyType::Resource, statements),
        };
    }

    let identity_ok = root || identity.allows();
    let boundary_ok = boundary.is_none() || boundary_result.allows();
    let session_ok = match p {
        Principal::AssumedRole { .. } => session_policies.is_empty() || session.allows(),
        Principal::FederatedUser { .. } => session.allows(),
        _ => true,
    };
    let same_account = request.resource_account() == p.account();
    let required = policies.resource_policy_required
        || policies
            .resource
            .as_ref()
            .is_some_and(|r| r.kind() == PolicyKind::Trust);

    if same_account {
        if required && !resource.allows() {
            return implicit(PolicyType::Resource, statements);
        }
        if resource.allow == Some(PrincipalMatch::Direct) {
            return decide(Outcome::Allowed, Reason::Allowed, statements);
        }
        let via_entity = resource.allow == Some(PrincipalMatch::Entity);
        if !identity_ok && !via_entity {
            return implicit(PolicyType::Identity, statements);
        }
    } else {
        if !identity_ok {
            return implicit(PolicyType::Identity, statements);
        }
        if !resource.allows() {
            return implicit(PolicyType::Resource, statements);
        }
    }
    if !boundary_ok {
        return implicit(PolicyType::PermissionsBoundary, statements);
    }
    if !session_ok {
        return implicit(PolicyType::Session, statements);
    }
    decide(Outcome::Allowed, Reason::Allowed, statements)
}

#[cfg(test)]
mod tests;
