//! Who is calling ([`Principal`]) and how a policy's `Principal`/`NotPrincipal` element
//! names callers ([`PrincipalPattern`]).

use crate::context::Context;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account root user (`arn:aws:iam::A:root`).
    Root {
        /// Partition, usually `aws`.
        partition: String,
        /// The 12-digit account.
        account: String,
    },
    /// An IAM user with long-term credentials (or a GetSessionToken session of it).
    User {
        /// `arn:aws:iam::A:user/path/name`.
        arn: String,
        /// The user's account.
        account: String,
    },
    /// A session of an IAM role.
    AssumedRole {
        /// The role ARN, with its path: `arn:aws:iam::A:role/path/name`.
        role_arn: String,
        /// The session ARN, without path: `arn:aws:sts::A:assumed-role/name/session`.
        session_arn: String,
        /// The role's account.
        account: String,
    },
    /// A GetFederationToken session.
    FederatedUser {
        /// `arn:aws:sts::A:federated-user/name`.
        session_arn: String,
        /// The IAM user (or root) that created the session.
        parent_arn: String,
        /// The account.
        account: String,
    },
    /// An AWS service principal such as `lambda.amazonaws.com`.
    Service {
        /// The service principal name.
        name: String,
    },
    /// A web-identity or SAML caller of `AssumeRoleWith*` (`{"Federated": provider}`).
    WebIdentity {
        /// The provider: `accounts.google.com` or `arn:aws:iam::A:saml-provider/X` etc.
        provider: String,
    },
    /// An unauthenticated caller.
    Anonymous,
}

impl Principal {
    /// The principal's account, if it has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::Root { account, .. }
            | Principal::User { account, .. }
            | Principal::AssumedRole { account, .. }
            | Principal::FederatedUser { account, .. } => Some(account),
            _ => None,
        }
    }

    /// The ARN shown in AccessDenied messages (`anonymous` for anonymous callers).
    pub fn display_arn(&self) -> String {
        match self {
            Principal::Root { partition, account } => {
                format!("arn:{partition}:iam::{account}:root")
            }
            Principal::User { arn, .. } => arn.clone(),
            Principal::AssumedRole { session_arn, .. }
            | Principal::FederatedUser { session_arn, .. } => session_arn.clone(),
            Principal::Service { name } => name.clone(),
            Principal::WebIdentity { provider } => provider.clone(),
            Principal::Anonymous => "anonymous".to_owned(),
        }
    }

    /// True for callers that can carry identity policies (root, users, sessions).
    pub fn is_iam_identity(&self) -> bool {
        self.account().is_some()
    }

    /// Fills the principal-derived global keys that are missing from `ctx`:
    /// `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` (users
    /// only), `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName` (services) and
    /// `aws:userid` where it needs no unique id: root (the account), federated users
    /// (`account:name`), anonymous (iam.md section 9). See also [`Request::derive_context`].
    ///
    /// [`Request::derive_context`]: crate::Request::derive_context
    pub fn derive_context(&self, ctx: &mut Context) {
        let mut put = |key: &str, value: String| {
            if !ctx.contains(key) {
                ctx.set(key, value);
            }
        };
        let (arn, kind) = match self {
            Principal::Root { .. } => (Some(self.display_arn()), "Account"),
            Principal::User { arn, .. } => (Some(arn.clone()), "User"),
            Principal::AssumedRole { role_arn, .. } => (Some(role_arn.clone()), "AssumedRole"),
            Principal::FederatedUser { session_arn, .. } => {
                (Some(session_arn.clone()), "FederatedUser")
            }
            Principal::Service { .. } => (None, "Service"),
            Principal::WebIdentity { .. } => (None, "WebIdentityUser"),
            Principal::Anonymous => (None, "Anonymous"),
        };
        if let Some(arn) = arn {
            put("aws:PrincipalArn", arn);
        }
        if let Some(account) = self.account() {
            put("aws:PrincipalAccount", account.to_owned());
        }
        if matches!(self, Principal::Anonymous) {
            put("aws:PrincipalAccount", "anonymous".to_owned());
        }
        if !matches!(self, Principal::Service { .. }) {
            put("aws:PrincipalType", kind.to_owned());
        }
        if let Principal::User { arn, .. } = self
            && let Some(name) = arn.rsplit('/').next()
        {
            put("aws:username", name.to_owned());
        }
        put(
            "aws:PrincipalIsAWSService",
            matches!(self, Principal::Service { .. }).to_string(),
        );
        match self {
            Principal::Service { name } => put("aws:PrincipalServiceName", name.clone()),
            Principal::Root { account, .. } => put("aws:userid", account.clone()),
            Principal::FederatedUser {
                session_arn,
                account,
                ..
            } => {
                let name = session_arn.rsplit('/').next().unwrap_or_default();
                put("aws:userid", format!("{account}:{name}"));
            }
            Principal::Anonymous => put("aws:userid", "anonymous".to_owned()),
            _ => {}
        }
    }
}

/// How strongly a policy's Principal element named the caller. Ordered: a stronger grant
/// overrides more implicit denies (iam.md 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// The account (`A` or `arn:aws:iam::A:root`): delegation to A's IAM policies only.
    Account,
    /// The role of a role session, or the parent user of a federated session: overrides
    /// the identity-policy implicit deny, not the boundary or session policy.
    Entity,
    /// The caller itself (user ARN, session ARN, service, provider, or `*`).
    Direct,
}

/// One entry of a `Principal`/`NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`.
    Anyone,
    /// `{"AWS": "123456789012"}` or `{"AWS": "arn:aws:iam::123456789012:root"}`.
    Account(Box<str>),
    /// `{"AWS": "<any other ARN or unique id>"}`, compared exactly.
    Aws(Box<str>),
    /// `{"Service": "svc.amazonaws.com"}`.
    Service(Box<str>),
    /// `{"Federated": "..."}`.
    Federated(Box<str>),
    /// `{"CanonicalUser": "..."}` (never matches an IAM caller).
    CanonicalUser(Box<str>),
}

impl PrincipalEntry {
    /// Classifies an `AWS` value.
    pub(crate) fn aws(value: &str) -> PrincipalEntry {
        if value == "*" {
            return PrincipalEntry::Anyone;
        }
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            return PrincipalEntry::Account(value.into());
        }
        if let Some(rest) = value.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            if let [_, "iam", "", account, "root"] = parts.as_slice() {
                return PrincipalEntry::Account((*account).into());
            }
        }
        PrincipalEntry::Aws(value.into())
    }

    /// How this entry names `p`, if it does.
    pub(crate) fn matches(&self, p: &Principal) -> Option<PrincipalMatch> {
        match (self, p) {
            (PrincipalEntry::Anyone, _) => Some(PrincipalMatch::Direct),
            (PrincipalEntry::Account(a), _) => {
                (p.account() == Some(a)).then_some(PrincipalMatch::Account)
            }
            (PrincipalEntry::Aws(arn), Principal::User { arn: user, .. }) => {
                (**arn == **user).then_some(PrincipalMatch::Direct)
            }
            (
                PrincipalEntry::Aws(arn),
                Principal::AssumedRole {
                    role_arn,
                    session_arn,
                    ..
                },
            ) => {
                if **arn == **session_arn {
                    Some(PrincipalMatch::Direct)
                } else {
                    (**arn == **role_arn).then_some(PrincipalMatch::Entity)
                }
            }
            (
                PrincipalEntry::Aws(arn),
                Principal::FederatedUser {
                    session_arn,
                    parent_arn,
                    ..
                },
            ) => {
                if **arn == **session_arn {
                    Some(PrincipalMatch::Direct)
                } else {
                    (**arn == **parent_arn).then_some(PrincipalMatch::Entity)
                }
            }
            (PrincipalEntry::Service(s), Principal::Service { name }) => s
                .eq_ignore_ascii_case(name)
                .then_some(PrincipalMatch::Direct),
            (PrincipalEntry::Federated(f), Principal::WebIdentity { provider }) => {
                (**f == **provider).then_some(PrincipalMatch::Direct)
            }
            _ => None,
        }
    }
}

/// A compiled `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalPattern {
    pub(crate) entries: Vec<PrincipalEntry>,
}

impl PrincipalPattern {
    /// How an entry naming the caller's unique id (`AIDA…` user, `AROA…` role) names it:
    /// IAM stores unique ids in place of user and role ARNs (iam.md 6.1), so a recreated
    /// entity with a new id no longer matches.
    pub(crate) fn id_match(&self, id: &str, p: &Principal) -> Option<PrincipalMatch> {
        let named = self
            .entries
            .iter()
            .any(|e| matches!(e, PrincipalEntry::Aws(v) if **v == *id));
        let strength = match p {
            Principal::User { .. } => PrincipalMatch::Direct,
            Principal::AssumedRole { .. } | Principal::FederatedUser { .. } => {
                PrincipalMatch::Entity
            }
            _ => return None,
        };
        named.then_some(strength)
    }

    /// The strongest way any entry names `p`.
    pub(crate) fn best_match(&self, p: &Principal) -> Option<PrincipalMatch> {
        self.entries.iter().filter_map(|e| e.matches(p)).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Principal {
        Principal::AssumedRole {
            role_arn: "arn:aws:iam::111122223333:role/ops/Admin".into(),
            session_arn: "arn:aws:sts::111122223333:assumed-role/Admin/s1".into(),
            account: "111122223333".into(),
        }
    }

    #[test]
    fn account_forms_delegate() {
        assert_eq!(
            PrincipalEntry::aws("111122223333"),
            PrincipalEntry::Account("111122223333".into())
        );
        assert_eq!(
            PrincipalEntry::aws("arn:aws:iam::111122223333:root"),
            PrincipalEntry::Account("111122223333".into())
        );
        assert_eq!(
            PrincipalEntry::aws("111122223333").matches(&session()),
            Some(PrincipalMatch::Account)
        );
    }

    #[test]
    fn role_arn_is_entity_and_session_arn_is_direct() {
        let role = PrincipalEntry::aws("arn:aws:iam::111122223333:role/ops/Admin");
        let sess = PrincipalEntry::aws("arn:aws:sts::111122223333:assumed-role/Admin/s1");
        assert_eq!(role.matches(&session()), Some(PrincipalMatch::Entity));
        assert_eq!(sess.matches(&session()), Some(PrincipalMatch::Direct));
        let other = PrincipalEntry::aws("arn:aws:sts::111122223333:assumed-role/Admin/s2");
        assert_eq!(other.matches(&session()), None);
    }

    #[test]
    fn anyone_includes_anonymous() {
        assert_eq!(
            PrincipalEntry::aws("*").matches(&Principal::Anonymous),
            Some(PrincipalMatch::Direct)
        );
        assert_eq!(
            PrincipalEntry::aws("111122223333").matches(&Principal::Anonymous),
            None
        );
    }

    #[test]
    fn user_arn_is_case_sensitive() {
        let u = Principal::User {
            arn: "arn:aws:iam::111122223333:user/Bob".into(),
            account: "111122223333".into(),
        };
        assert_eq!(
            PrincipalEntry::aws("arn:aws:iam::111122223333:user/bob").matches(&u),
            None
        );
    }

    #[test]
    fn derived_userids() {
        let mut r =
            crate::Request::new(session(), "s3:GetObject", "*").with_principal_id("AROAEXAMPLE");
        r.derive_context();
        assert_eq!(r.context.single("aws:userid"), Some("AROAEXAMPLE:s1"));
        let mut c = Context::new();
        Principal::Root {
            partition: "aws".into(),
            account: "111122223333".into(),
        }
        .derive_context(&mut c);
        assert_eq!(c.single("aws:userid"), Some("111122223333"));
        let mut c = Context::new();
        Principal::Service {
            name: "logs.amazonaws.com".into(),
        }
        .derive_context(&mut c);
        assert_eq!(
            c.single("aws:PrincipalServiceName"),
            Some("logs.amazonaws.com")
        );
        assert_eq!(c.single("aws:PrincipalIsAWSService"), Some("true"));
    }

    #[test]
    fn derived_keys() {
        let mut c = Context::new();
        session().derive_context(&mut c);
        assert_eq!(
            c.single("aws:PrincipalArn"),
            Some("arn:aws:iam::111122223333:role/ops/Admin")
        );
        assert_eq!(c.single("aws:PrincipalType"), Some("AssumedRole"));
        assert!(!c.contains("aws:username"));
        let mut c = Context::new();
        Principal::User {
            arn: "arn:aws:iam::1:user/p/alice".into(),
            account: "1".into(),
        }
        .derive_context(&mut c);
        assert_eq!(c.single("aws:username"), Some("alice"));
    }
}
