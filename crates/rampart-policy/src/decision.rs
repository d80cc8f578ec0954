//! The result of an evaluation, its explanation and AWS's AccessDenied message.

use std::fmt::Write as _;

use crate::document::{Effect, Policy};
use crate::request::Request;

/// The three outcomes of an authorization check (iam.md 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The request is allowed.
    Allowed,
    /// An applying Deny statement decided.
    ExplicitDeny,
    /// Nothing allowed the request (or an SCP/RCP level lacked an Allow).
    ImplicitDeny,
}

/// The policy types that take part in a decision, as AWS names them in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    /// Service control policies.
    ServiceControl,
    /// Resource control policies.
    ResourceControl,
    /// The resource-based policy (trust policies included).
    Resource,
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    PermissionsBoundary,
    /// Session policies.
    Session,
}

impl PolicyType {
    /// The words AWS uses in AccessDenied messages.
    pub fn phrase(self) -> &'static str {
        match self {
            PolicyType::ServiceControl => "service control policy",
            PolicyType::ResourceControl => "resource control policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::Identity => "identity-based policy",
            PolicyType::PermissionsBoundary => "permissions boundary",
            PolicyType::Session => "session policy",
        }
    }

    fn article(self) -> &'static str {
        match self {
            PolicyType::Identity => "an",
            _ => "a",
        }
    }
}

/// Why the engine decided as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `sts:GetCallerIdentity` is never denied.
    AlwaysAllowed,
    /// A Deny statement of this policy type applied.
    ExplicitDeny(PolicyType),
    /// This policy type gave no applying Allow.
    NoAllow(PolicyType),
    /// Every required policy type allowed.
    Allowed,
}

/// One statement that applied to the request.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementRef {
    /// The policy type it belongs to.
    pub policy_type: PolicyType,
    /// For SCPs and RCPs, the level in the hierarchy (0 = root); otherwise 0.
    pub level: usize,
    /// The policy (cheap `Arc` clone).
    pub policy: Policy,
    /// Index of the statement within the policy.
    pub statement: usize,
    /// The statement's effect.
    pub effect: Effect,
}

impl StatementRef {
    /// The statement's `Sid`, if any.
    pub fn sid(&self) -> Option<&str> {
        self.policy.sid(self.statement)
    }
}

/// A decision with its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Allowed, explicitly denied or implicitly denied.
    pub outcome: Outcome,
    /// What decided.
    pub reason: Reason,
    /// The statements that decided, in evaluation order: the first applying Deny of each
    /// policy type and its applying Allows up to the strongest (the engine stops
    /// evaluating a type once nothing further can change the outcome, and evaluates no
    /// Allow once a Deny applied).
    pub statements: Applied,
}

/// How many statement references a decision keeps without allocating.
const INLINE: usize = 8;

/// The statements behind a decision: the first few stored inline, so a typical decision
/// allocates nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applied {
    inline: [Option<StatementRef>; INLINE],
    inline_len: usize,
    spill: Vec<StatementRef>,
}

impl Applied {
    pub(crate) fn push(&mut self, s: StatementRef) {
        match self.inline.get_mut(self.inline_len) {
            Some(slot) => {
                *slot = Some(s);
                self.inline_len += 1;
            }
            None => self.spill.push(s),
        }
    }

    /// The statements in evaluation order.
    pub fn iter(&self) -> impl Iterator<Item = &StatementRef> {
        self.inline
            .iter()
            .map_while(Option::as_ref)
            .chain(&self.spill)
    }

    /// How many statements.
    pub fn len(&self) -> usize {
        self.inline_len + self.spill.len()
    }

    /// True when no statement applied.
    pub fn is_empty(&self) -> bool {
        self.inline_len == 0
    }

    /// Statement `i` in evaluation order.
    pub fn get(&self, i: usize) -> Option<&StatementRef> {
        self.iter().nth(i)
    }
}

impl Decision {
    /// True when the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allowed
    }

    /// AWS's AccessDenied message for this decision, `None` when allowed. For example
    /// `User: arn:aws:iam::111122223333:user/alice is not authorized to perform:
    /// s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy allows
    /// the s3:GetObject action`.
    pub fn access_denied_message(&self, request: &Request) -> Option<String> {
        if self.is_allowed() {
            return None;
        }
        let mut m = format!(
            "User: {} is not authorized to perform: {}",
            request.principal.display_arn(),
            request.action()
        );
        if request.resource_str() != "*" {
            let _ = write!(m, " on resource: {}", request.resource_str());
        }
        match self.reason {
            Reason::ExplicitDeny(t) => {
                let _ = write!(
                    m,
                    " with an explicit deny in {} {}",
                    t.article(),
                    t.phrase()
                );
            }
            Reason::NoAllow(t) => {
                let _ = write!(
                    m,
                    " because no {} allows the {} action",
                    t.phrase(),
                    request.action()
                );
            }
            Reason::AlwaysAllowed | Reason::Allowed => {}
        }
        Some(m)
    }

    /// A human-readable explanation: the outcome, the reason and each applying statement.
    pub fn explain(&self) -> String {
        let mut out = format!("{:?}: {:?}", self.outcome, self.reason);
        for s in self.statements.iter() {
            let _ = write!(out, "\n  {:?} by {}", s.effect, s.policy_type.phrase());
            if matches!(
                s.policy_type,
                PolicyType::ServiceControl | PolicyType::ResourceControl
            ) {
                let _ = write!(out, " (level {})", s.level);
            }
            if let Some(name) = s.policy.name() {
                let _ = write!(out, " {name}");
            }
            let _ = write!(out, " statement #{}", s.statement);
            if let Some(sid) = s.sid() {
                let _ = write!(out, " (Sid {sid})");
            }
        }
        out
    }
}
