//! The authenticated caller.

use rampart_types::{AccountId, Partition};
use serde::{Deserialize, Serialize};

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
    /// The unique id AWS reports as `UserId` / `principalId` (the account id for root).
    pub principal_id: String,
    /// The access key id that signed the request.
    pub access_key_id: String,
}

impl Principal {
    /// The principal's ARN, such as `arn:aws:iam::123456789012:root`.
    pub fn arn(&self) -> String {
        let resource = match &self.kind {
            PrincipalKind::Root => "root".to_owned(),
            PrincipalKind::User { name, path } => format!("user{path}{name}"),
        };
        format!("arn:{}:iam::{}:{resource}", self.partition, self.account)
    }

    /// The name CloudTrail shows as `userName`, if the identity has one.
    pub fn user_name(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::Root => None,
            PrincipalKind::User { name, .. } => Some(name),
        }
    }

    /// CloudTrail's `userIdentity.type` for this principal.
    pub fn identity_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::Root => "Root",
            PrincipalKind::User { .. } => "IAMUser",
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
        };
        assert_eq!(p.arn(), "arn:aws:iam::123456789012:root");
        p.kind = PrincipalKind::User {
            name: "alice".into(),
            path: "/ops/".into(),
        };
        p.partition = Partition::AwsCn;
        assert_eq!(p.arn(), "arn:aws-cn:iam::123456789012:user/ops/alice");
        assert_eq!(p.user_name(), Some("alice"));
    }
}
