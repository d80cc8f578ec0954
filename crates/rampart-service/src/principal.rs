//! The authenticated caller.

use rampart_types::{AccountId, Partition};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What kind of identity signed the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PrincipalKind {
    /// The account's root user.
    Root,
    /// An IAM user.
    User {
        /// The user's name.
        name: String,
        /// The user's path, such as `/` or `/division/`.
        path: String,
    },
    /// A session of an IAM role (`AssumeRole`, `AssumeRoleWithWebIdentity`, ...).
    AssumedRole {
        /// The role's name.
        role_name: String,
        /// The role's path.
        role_path: String,
        /// The session name the caller chose.
        session_name: String,
    },
    /// An unsigned request, allowed only for operations that authenticate their caller
    /// themselves (`AssumeRoleWithWebIdentity` proves it with a token).
    Anonymous,
    /// A `GetFederationToken` session of an IAM user.
    FederatedUser {
        /// The federated user's name.
        name: String,
        /// The IAM user that asked for the session.
        parent_name: String,
        /// That user's unique id (`AIDA...`).
        parent_id: String,
    },
}

/// What temporary credentials carry beyond the identity: when they were issued and expire, and
/// what the session was given or restricted to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// When the credentials were issued, in seconds since the epoch (`aws:TokenIssueTime`).
    pub issued_at: i64,
    /// When they expire, in seconds since the epoch.
    pub expires_at: i64,
    /// The inline session policy, if one was passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The managed session policies' ARNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<String>,
    /// Session tags, as (key, value) pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// The session tags that pass on to sessions this one creates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
    /// The source identity (`sts:SourceIdentity`), once set never changed down a chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// When the caller proved MFA, in seconds since the epoch, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_authenticated_at: Option<i64>,
    /// The session was created by another role session (role chaining: at most one hour).
    #[serde(default)]
    pub chained: bool,
    /// The identity provider's ARN, for a session from AssumeRoleWithWebIdentity
    /// (CloudTrail's `webIdFederationData.federatedProvider`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated_provider: Option<String>,
}

/// The caller of a request, resolved from its access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account the identity belongs to.
    pub account: AccountId,
    /// The partition of its ARN.
    pub partition: Partition,
    /// Which identity.
    pub kind: PrincipalKind,
    /// The unique id of the IAM entity: the account id for root, `AIDA...` for a user, the
    /// role's `AROA...` for a role session, `account:name` for a federated user.
    pub principal_id: String,
    /// The access key id that signed the request.
    pub access_key_id: String,
    /// The session, for temporary credentials.
    pub session: Option<Arc<Session>>,
}

impl Principal {
    /// The principal's ARN, such as `arn:aws:iam::123456789012:root`.
    pub fn arn(&self) -> String {
        let (service, resource) = match &self.kind {
            PrincipalKind::Root => ("iam", "root".to_owned()),
            PrincipalKind::User { name, path } => ("iam", format!("user{path}{name}")),
            PrincipalKind::AssumedRole {
                role_name,
                session_name,
                ..
            } => ("sts", format!("assumed-role/{role_name}/{session_name}")),
            PrincipalKind::FederatedUser { name, .. } => ("sts", format!("federated-user/{name}")),
            PrincipalKind::Anonymous => return "anonymous".to_owned(),
        };
        format!(
            "arn:{}:{service}::{}:{resource}",
            self.partition, self.account
        )
    }

    /// The ARN of the IAM role behind a role session (with its path).
    pub fn role_arn(&self) -> Option<String> {
        match &self.kind {
            PrincipalKind::AssumedRole {
                role_name,
                role_path,
                ..
            } => Some(format!(
                "arn:{}:iam::{}:role{role_path}{role_name}",
                self.partition, self.account
            )),
            _ => None,
        }
    }

    /// What `GetCallerIdentity` reports as `UserId`: the unique id, followed by the session
    /// name for a role session.
    pub fn user_id(&self) -> String {
        match &self.kind {
            PrincipalKind::AssumedRole { session_name, .. } => {
                format!("{}:{session_name}", self.principal_id)
            }
            _ => self.principal_id.clone(),
        }
    }

    /// The name CloudTrail shows as `userName`, if the identity has one.
    pub fn user_name(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::Root | PrincipalKind::AssumedRole { .. } | PrincipalKind::Anonymous => {
                None
            }
            PrincipalKind::User { name, .. } => Some(name),
            PrincipalKind::FederatedUser { name, .. } => Some(name),
        }
    }

    /// CloudTrail's `userIdentity.type` for this principal.
    pub fn identity_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::Root => "Root",
            PrincipalKind::User { .. } => "IAMUser",
            PrincipalKind::AssumedRole { .. } => "AssumedRole",
            PrincipalKind::FederatedUser { .. } => "FederatedUser",
            PrincipalKind::Anonymous => "AWSAccount",
        }
    }

    /// The caller of an unsigned request to the organization's endpoint.
    pub fn anonymous(account: AccountId, partition: Partition) -> Principal {
        Principal {
            account,
            partition,
            kind: PrincipalKind::Anonymous,
            principal_id: String::new(),
            access_key_id: String::new(),
            session: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_follow_aws_forms() {
        let mut p = Principal {
            account: "123456789012".parse().unwrap(),
            partition: Partition::Aws,
            kind: PrincipalKind::Root,
            principal_id: "123456789012".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            session: None,
        };
        assert_eq!(p.arn(), "arn:aws:iam::123456789012:root");
        p.kind = PrincipalKind::User {
            name: "alice".into(),
            path: "/ops/".into(),
        };
        p.partition = Partition::AwsCn;
        assert_eq!(p.arn(), "arn:aws-cn:iam::123456789012:user/ops/alice");
        assert_eq!(p.user_name(), Some("alice"));
        p.kind = PrincipalKind::AssumedRole {
            role_name: "deploy".into(),
            role_path: "/ci/".into(),
            session_name: "build-7".into(),
        };
        p.principal_id = "AROAEXAMPLE".into();
        assert_eq!(
            p.arn(),
            "arn:aws-cn:sts::123456789012:assumed-role/deploy/build-7"
        );
        assert_eq!(
            p.role_arn().as_deref(),
            Some("arn:aws-cn:iam::123456789012:role/ci/deploy")
        );
        assert_eq!(p.user_id(), "AROAEXAMPLE:build-7");
        p.kind = PrincipalKind::FederatedUser {
            name: "bob".into(),
            parent_name: "alice".into(),
            parent_id: "AIDAEXAMPLE".into(),
        };
        assert_eq!(p.arn(), "arn:aws-cn:sts::123456789012:federated-user/bob");
    }
}
