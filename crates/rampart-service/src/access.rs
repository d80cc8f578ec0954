//! What a request asks of the policy engine, as the service that serves it describes it.
//!
//! Every service registers one authorization table ([`Authorize`]): for an operation and its
//! decoded input, the [`Access`]es the caller needs, each an action on a resource with the
//! service's condition keys and, where the resource has one, its resource-based policy. The
//! pipeline checks every access before the handler runs (deny by default); an empty list means
//! the operation needs no permission (STS `GetCallerIdentity`).

use crate::Call;
use rampart_policy::{Context, Policy};
use rampart_protocol::AwsError;
use rampart_types::AccountId;
use serde_json::Value;
use std::sync::Arc;

/// A service's authorization table: the accesses `operation` with `input` needs.
pub type Authorize =
    Arc<dyn Fn(&Call<'_>, &str, &Value) -> Result<Vec<Access>, AwsError> + Send + Sync>;

/// One authorization question: may the caller perform `action` on `resource`?
#[derive(Debug, Clone)]
pub struct Access {
    /// The IAM action, `service:Action` (`kms:Encrypt`).
    pub action: String,
    /// The resource ARN, or `*` for actions without resource-level permissions.
    pub resource: String,
    /// The account that owns the resource when its ARN does not say (S3); otherwise the ARN's.
    pub resource_account: Option<AccountId>,
    /// The service's condition keys for this request (`kms:EncryptionContext:Purpose`,
    /// `aws:RequestTag/team`, `aws:ResourceTag/team`, ...).
    pub context: Context,
    /// The resource's own policy: a key policy, a secret's policy, a role's trust policy.
    pub resource_policy: Option<Policy>,
    /// The resource policy must itself allow the caller, even in its own account (KMS key
    /// policies, role trust policies).
    pub resource_policy_required: bool,
}

impl Access {
    /// `action` on `resource`, with no condition keys and no resource policy.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Access {
            action: action.into(),
            resource: resource.into(),
            resource_account: None,
            context: Context::new(),
            resource_policy: None,
            resource_policy_required: false,
        }
    }

    /// Adds a single-valued condition key.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.context.set(key, value);
        self
    }

    /// Adds a multivalued condition key (`aws:TagKeys`).
    pub fn with_multi<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.context.set_multi(key, values);
        self
    }

    /// Adds `aws:RequestTag/<key>` for each tag and `aws:TagKeys` for all of them.
    pub fn with_request_tags<'t>(
        mut self,
        tags: impl IntoIterator<Item = (&'t str, &'t str)>,
    ) -> Self {
        let mut keys = Vec::new();
        for (key, value) in tags {
            self.context.set(&format!("aws:RequestTag/{key}"), value);
            keys.push(key.to_owned());
        }
        if !keys.is_empty() {
            self.context.set_multi("aws:TagKeys", keys);
        }
        self
    }

    /// Adds `aws:ResourceTag/<key>` for each of the resource's tags.
    pub fn with_resource_tags<'t>(
        mut self,
        tags: impl IntoIterator<Item = (&'t str, &'t str)>,
    ) -> Self {
        for (key, value) in tags {
            self.context.set(&format!("aws:ResourceTag/{key}"), value);
        }
        self
    }

    /// Sets the resource's policy; `required` when it must allow the caller by itself.
    pub fn with_resource_policy(mut self, policy: Policy, required: bool) -> Self {
        self.resource_policy = Some(policy);
        self.resource_policy_required = required;
        self
    }

    /// Sets the resource's account, for ARNs without an account field.
    pub fn with_resource_account(mut self, account: AccountId) -> Self {
        self.resource_account = Some(account);
        self
    }
}

/// The answer of an authorization table for an operation it has no rule for (a rampart bug):
/// the request fails, and nothing is allowed that no rule describes.
pub fn no_rule(service: &str, operation: &str) -> AwsError {
    AwsError::new(
        "InternalFailure",
        500,
        format!("rampart has no authorization rule for {service}:{operation}"),
    )
}
