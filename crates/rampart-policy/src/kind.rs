//! The kinds of policy documents and their per-kind rules (iam.md sections 3 and 12).

use crate::error::PolicyError;

/// Where a policy document is used; decides validation rules and size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An identity-based policy (managed or inline) of a user, group or role.
    Identity,
    /// A resource-based policy (bucket, key, secret, queue policy ...).
    Resource,
    /// A role trust policy (the resource policy of `sts:AssumeRole*`).
    Trust,
    /// A permissions boundary (a managed policy used as a boundary).
    PermissionsBoundary,
    /// A session policy passed to `AssumeRole*` or `GetFederationToken`.
    Session,
    /// An Organizations service control policy.
    ServiceControl,
    /// An Organizations resource control policy.
    ResourceControl,
}

impl PolicyKind {
    /// True for kinds whose statements must name a `Principal`.
    pub(crate) fn requires_principal(self) -> bool {
        matches!(
            self,
            PolicyKind::Resource | PolicyKind::Trust | PolicyKind::ResourceControl
        )
    }

    /// True for kinds whose statements need `Resource`/`NotResource`.
    pub(crate) fn requires_resource(self) -> bool {
        !matches!(self, PolicyKind::Trust | PolicyKind::Resource)
    }

    /// The largest document size in characters, whitespace excluded, and AWS's quota name.
    /// Inline identity policies have per-entity aggregate limits (user 2,048, group 5,120,
    /// role 10,240) that the caller checks with [`policy_size`]; this is the managed-policy limit.
    pub fn size_limit(self) -> (&'static str, usize) {
        match self {
            PolicyKind::Identity | PolicyKind::PermissionsBoundary => ("PolicySize", 6_144),
            PolicyKind::Trust => ("ACLSizePerRole", 2_048),
            PolicyKind::Session => ("PolicySize", 2_048),
            PolicyKind::ServiceControl | PolicyKind::ResourceControl => ("PolicySize", 5_120),
            PolicyKind::Resource => ("PolicySize", 20_480),
        }
    }

    /// Checks `json` against [`PolicyKind::size_limit`].
    pub fn check_size(self, json: &str) -> Result<(), PolicyError> {
        let (quota, limit) = self.size_limit();
        if policy_size(json) > limit {
            return Err(PolicyError::TooLarge { quota, limit });
        }
        Ok(())
    }
}

/// The size AWS counts for quotas: characters, whitespace excluded.
pub fn policy_size(json: &str) -> usize {
    json.chars().filter(|c| !c.is_whitespace()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_not_counted() {
        assert_eq!(policy_size("{ \"a\" :\n\t1 }"), 7);
    }

    #[test]
    fn limits_per_kind() {
        let big = format!("{{\"x\":\"{}\"}}", "a".repeat(6_200));
        let err = PolicyKind::Identity.check_size(&big);
        assert_eq!(
            err,
            Err(PolicyError::TooLarge {
                quota: "PolicySize",
                limit: 6_144
            })
        );
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("Cannot exceed quota for PolicySize: 6144".to_owned())
        );
        assert!(PolicyKind::Resource.check_size(&big).is_ok());
        let trust = format!("{{\"x\":\"{}\"}}", "a".repeat(2_100));
        assert!(PolicyKind::Trust.check_size(&trust).is_err());
        assert!(PolicyKind::ServiceControl.check_size(&trust).is_ok());
    }
}
