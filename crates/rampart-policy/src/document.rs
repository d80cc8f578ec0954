//! The compiled form of a policy: statements with pre-compiled patterns and an index of
//! statements by service prefix. A [`Policy`] is immutable and cheap to clone (an `Arc`);
//! a changed policy is a new `Policy`, so there is no stale compiled state to invalidate.

use std::sync::Arc;

use crate::action::ActionPattern;
use crate::condition::ConditionTest;
use crate::keyhash::Key;
use crate::kind::PolicyKind;
use crate::principal::{Principal, PrincipalMatch, PrincipalPattern};
use crate::request::Request;
use crate::resource::ResourcePattern;

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Denies; always wins.
    Deny,
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2012-10-17`: policy variables are interpreted.
    V2012,
    /// `2008-10-17` or absent: `${...}` is literal text.
    V2008,
}

/// `X` or `NotX`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element<T> {
    pub(crate) items: Vec<T>,
    pub(crate) negated: bool,
}

/// A compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub(crate) sid: Option<Box<str>>,
    pub(crate) effect: Effect,
    pub(crate) actions: Element<ActionPattern>,
    /// `None` when the statement has no Resource element (trust policies): matches all.
    pub(crate) resources: Option<Element<ResourcePattern>>,
    /// `None` in identity-style policies.
    pub(crate) principals: Option<Element<PrincipalPattern>>,
    pub(crate) conditions: Vec<ConditionTest>,
    /// A condition used an unknown operator: the statement never applies.
    pub(crate) has_unknown_operator: bool,
}

impl Statement {
    fn action_matches(&self, req: &Request) -> bool {
        let (service, name) = req.action_parts();
        let any = self.actions.items.iter().any(|a| a.matches(service, name));
        any != self.actions.negated
    }

    fn resource_matches(&self, req: &Request) -> bool {
        let Some(res) = &self.resources else {
            return true;
        };
        // An entry with an unresolvable variable matches nothing (iam.md 8).
        let any = res
            .items
            .iter()
            .any(|r| r.matches(req.resource(), &req.context) == Some(true));
        any != res.negated
    }

    /// How the Principal element names the caller (identity-style statements: `Direct`).
    fn principal_match(&self, req: &Request, has_boundary: bool) -> Option<PrincipalMatch> {
        let Some(p) = &self.principals else {
            return Some(PrincipalMatch::Direct);
        };
        let best = p
            .items
            .iter()
            .filter_map(|pat| {
                let by_id = req
                    .principal_id()
                    .and_then(|id| pat.id_match(id, &req.principal));
                pat.best_match(&req.principal).max(by_id)
            })
            .max();
        if !p.negated {
            return best;
        }
        // Deny + NotPrincipal always applies to a caller with a permissions boundary (iam.md 2.3).
        if self.effect == Effect::Deny && has_boundary {
            return Some(PrincipalMatch::Direct);
        }
        // Listing the account exempts only the account (its root user); other principals
        // must be listed themselves (or through their role / parent user), iam.md 6.2.
        let exempt = match best {
            Some(PrincipalMatch::Account) => matches!(req.principal, Principal::Root { .. }),
            Some(_) => true,
            None => false,
        };
        (!exempt).then_some(PrincipalMatch::Direct)
    }

    /// Whether the statement applies, and how strongly it names the caller.
    pub(crate) fn applies(&self, req: &Request, has_boundary: bool) -> Option<PrincipalMatch> {
        if self.has_unknown_operator || !self.action_matches(req) || !self.resource_matches(req) {
            return None;
        }
        let strength = self.principal_match(req, has_boundary)?;
        self.conditions
            .iter()
            .all(|c| c.evaluate(&req.context))
            .then_some(strength)
    }
}

/// Statement indices by lower-cased service prefix.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ActionIndex {
    /// Statements that may match any service (`*`, `NotAction`).
    pub(crate) any_service: Vec<u32>,
    /// (service prefix, statement indices): a handful per policy, scanned by hash.
    pub(crate) by_service: Vec<(Key, Vec<u32>)>,
}

impl ActionIndex {
    fn build(statements: &[Statement]) -> ActionIndex {
        let mut index = ActionIndex::default();
        for (i, s) in statements.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let all = s.actions.negated
                || s.actions
                    .items
                    .iter()
                    .any(|a| matches!(a, ActionPattern::All));
            if all {
                index.any_service.push(i);
                continue;
            }
            let mut services: Vec<&str> = s
                .actions
                .items
                .iter()
                .filter_map(ActionPattern::service)
                .collect();
            services.sort_unstable();
            services.dedup();
            for service in services {
                let key = Key::new(service);
                match index.by_service.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, list)) => list.push(i),
                    None => index.by_service.push((key, vec![i])),
                }
            }
        }
        index
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Compiled {
    pub(crate) kind: PolicyKind,
    pub(crate) version: Version,
    pub(crate) id: Option<Box<str>>,
    pub(crate) name: Option<Box<str>>,
    pub(crate) statements: Vec<Statement>,
    pub(crate) index: ActionIndex,
}

/// A parsed, validated and compiled policy document. Cheap to clone and share.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy(pub(crate) Arc<Compiled>);

impl Policy {
    pub(crate) fn from_parts(
        kind: PolicyKind,
        version: Version,
        id: Option<Box<str>>,
        statements: Vec<Statement>,
    ) -> Policy {
        let index = ActionIndex::build(&statements);
        Policy(Arc::new(Compiled {
            kind,
            version,
            id,
            name: None,
            statements,
            index,
        }))
    }

    /// Gives the policy a name (an ARN or inline policy name) shown in explanations.
    pub fn named(self, name: impl Into<String>) -> Policy {
        let mut inner = Arc::unwrap_or_clone(self.0);
        inner.name = Some(name.into().into_boxed_str());
        Policy(Arc::new(inner))
    }

    /// The name given with [`Policy::named`].
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The kind the policy was parsed as.
    pub fn kind(&self) -> PolicyKind {
        self.0.kind
    }

    /// The language version.
    pub fn version(&self) -> Version {
        self.0.version
    }

    /// The optional `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.0.id.as_deref()
    }

    /// Number of statements.
    pub fn statement_count(&self) -> usize {
        self.0.statements.len()
    }

    /// The `Sid` of statement `i`, if any.
    pub fn sid(&self, i: usize) -> Option<&str> {
        self.0.statements.get(i).and_then(|s| s.sid.as_deref())
    }

    /// The condition keys the policy uses, as first written, sorted and without
    /// case-insensitive duplicates (IAM's `GetContextKeysFor*Policy`; with the request's
    /// context, the simulator's missing context values).
    pub fn condition_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for test in self.0.statements.iter().flat_map(|s| &s.conditions) {
            let key = test.written_key();
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                keys.push(key.to_owned());
            }
        }
        keys.sort_by_key(|k| k.to_ascii_lowercase());
        keys
    }

    /// The effect of statement `i`.
    pub fn effect(&self, i: usize) -> Option<Effect> {
        self.0.statements.get(i).map(|s| s.effect)
    }

    /// Calls `f(index, effect, strength)` for every statement that applies to `req` among
    /// those whose effect is still `wanted`, visiting only statements indexed under the
    /// request's service.
    pub(crate) fn for_each_applying(
        &self,
        req: &Request,
        has_boundary: bool,
        mut wanted: impl FnMut(Effect) -> bool,
        mut f: impl FnMut(usize, Effect, PrincipalMatch),
    ) {
        let inner = &*self.0;
        let service = req.service_key();
        let by_service = inner
            .index
            .by_service
            .iter()
            .find(|(k, _)| k == service)
            .map(|(_, list)| list.as_slice())
            .unwrap_or(&[]);
        for &i in inner.index.any_service.iter().chain(by_service) {
            let i = i as usize;
            if let Some(s) = inner.statements.get(i)
                && wanted(s.effect)
                && let Some(strength) = s.applies(req, has_boundary)
            {
                f(i, s.effect, strength);
            }
        }
    }
}
