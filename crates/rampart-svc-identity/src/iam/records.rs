//! The stored forms of IAM users and customer managed policies, and how they are read.
//!
//! Records are keyed by the lower-cased name: IAM names are unique per account regardless of
//! case, and lookups ignore case.

use rampart_crypto::random_token;
use rampart_store::{Key, Store, StoreError, space};
use rampart_types::{AccountId, Partition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The users table, in the account's space.
pub(crate) const USER_TABLE: &str = "iam.user";
/// The customer managed policies table, in the account's space.
pub(crate) const POLICY_TABLE: &str = "iam.policy";
/// The roles table, in the account's space.
pub(crate) const ROLE_TABLE: &str = "iam.role";
/// The groups table, in the account's space.
pub(crate) const GROUP_TABLE: &str = "iam.group";
/// The instance profiles table, in the account's space.
pub(crate) const PROFILE_TABLE: &str = "iam.instance-profile";

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// An IAM user with everything attached to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredUser {
    pub name: String,
    pub path: String,
    /// `AIDA` and 16 base32 characters.
    pub user_id: String,
    pub create_date: f64,
    /// Its access key ids, oldest first.
    pub access_keys: Vec<String>,
    /// Inline policies: name to document, as the caller sent it.
    pub inline_policies: BTreeMap<String, String>,
    /// Attached managed policy ARNs, in attachment order.
    pub attached_policies: Vec<String>,
    /// Its tags (`Key`/`Value` pairs), as given at creation.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The ARN of its permissions boundary (a managed policy).
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// The names of the groups it belongs to, in joining order.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Its console password, if it has one.
    #[serde(default)]
    pub login_profile: Option<super::login::LoginProfile>,
    /// Its X.509 signing certificates.
    #[serde(default)]
    pub signing_certificates: Vec<super::certificates::SigningCertificate>,
    /// Its service-specific credentials (CodeCommit, Keyspaces, Bedrock).
    #[serde(default)]
    pub service_credentials: Vec<super::service_credentials::ServiceCredential>,
    /// Its SSH public keys.
    #[serde(default)]
    pub ssh_keys: Vec<super::ssh_keys::SshKey>,
}

/// An IAM role with everything attached to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredRole {
    pub name: String,
    pub path: String,
    /// `AROA` and 16 base32 characters.
    pub role_id: String,
    pub create_date: f64,
    /// The trust policy, as the caller sent it (URL-decoded).
    pub trust_policy: String,
    pub description: Option<String>,
    /// The longest session `AssumeRole` may grant, in seconds (3600 to 43200).
    pub max_session_duration: u32,
    /// The ARN of its permissions boundary (a managed policy).
    pub permissions_boundary: Option<String>,
    /// Inline policies: name to document, as the caller sent it.
    pub inline_policies: BTreeMap<String, String>,
    /// Attached managed policy ARNs, in attachment order.
    pub attached_policies: Vec<String>,
    pub tags: Vec<Tag>,
    /// When and in which Region the role was last assumed.
    pub role_last_used: Option<(f64, String)>,
}

impl StoredRole {
    /// `arn:<partition>:iam::<account>:role<path><name>`.
    pub(crate) fn arn(&self, partition: Partition, account: &AccountId) -> String {
        format!(
            "arn:{partition}:iam::{account}:role{}{}",
            self.path, self.name
        )
    }

    /// Whether AWS owns it (a service-linked role): customers cannot change it.
    pub(crate) fn is_service_linked(&self) -> bool {
        self.path.starts_with(SERVICE_ROLE_PATH)
    }
}

/// The path prefix of service-linked roles.
pub(crate) const SERVICE_ROLE_PATH: &str = "/aws-service-role/";

/// An IAM group: its policies (its members name it in their records).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredGroup {
    pub name: String,
    pub path: String,
    /// `AGPA` and 16 base32 characters.
    pub group_id: String,
    pub create_date: f64,
    /// Inline policies: name to document, as the caller sent it.
    pub inline_policies: BTreeMap<String, String>,
    /// Attached managed policy ARNs, in attachment order.
    pub attached_policies: Vec<String>,
}

impl StoredGroup {
    /// `arn:<partition>:iam::<account>:group<path><name>`.
    pub(crate) fn arn(&self, partition: Partition, account: &AccountId) -> String {
        format!(
            "arn:{partition}:iam::{account}:group{}{}",
            self.path, self.name
        )
    }
}

/// An IAM tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub key: String,
    pub value: String,
}

impl StoredUser {
    /// `arn:<partition>:iam::<account>:user<path><name>`.
    pub(crate) fn arn(&self, partition: Partition, account: &AccountId) -> String {
        format!(
            "arn:{partition}:iam::{account}:user{}{}",
            self.path, self.name
        )
    }
}

/// A customer managed policy with its versions (at most five, one of them the default).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredPolicy {
    pub name: String,
    pub path: String,
    /// `ANPA` and 16 base32 characters.
    pub policy_id: String,
    pub arn: String,
    pub description: Option<String>,
    pub create_date: f64,
    pub update_date: f64,
    pub default_version_id: String,
    /// Its versions, oldest first.
    pub versions: Vec<StoredVersion>,
    /// The number of the next version (`v<n>`); ids are never reused.
    pub next_version: u32,
    /// How many users, roles and groups it is attached to.
    pub attachment_count: u32,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// One version of a customer managed policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredVersion {
    pub version_id: String,
    pub document: String,
    pub create_date: f64,
}

impl StoredPolicy {
    /// The version named `id`.
    pub(crate) fn version(&self, id: &str) -> Option<&StoredVersion> {
        self.versions.iter().find(|v| v.version_id == id)
    }

    /// The default version's document.
    pub(crate) fn default_document(&self) -> Option<&str> {
        self.version(&self.default_version_id)
            .map(|v| v.document.as_str())
    }
}

/// An instance profile: a container for (at most) one role, for EC2 instances.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredProfile {
    pub name: String,
    pub path: String,
    /// `AIPA` and 16 base32 characters.
    pub instance_profile_id: String,
    pub create_date: f64,
    /// The names of its roles.
    pub roles: Vec<String>,
    pub tags: Vec<Tag>,
}

impl StoredProfile {
    /// `arn:<partition>:iam::<account>:instance-profile<path><name>`.
    pub(crate) fn arn(&self, partition: Partition, account: &AccountId) -> String {
        format!(
            "arn:{partition}:iam::{account}:instance-profile{}{}",
            self.path, self.name
        )
    }
}

/// The store key of the record named `name` (any case) in `table`.
pub(crate) fn record_key(account: &AccountId, table: &str, name: &str) -> Key {
    Key::new(space::account(account), table, name.to_lowercase())
}

/// The record at `key` and its version.
pub(crate) fn get_record<T: DeserializeOwned>(
    store: &dyn Store,
    key: &Key,
) -> Result<Option<(T, u64)>, StoreError> {
    let Some(item) = store.get(key)? else {
        return Ok(None);
    };
    let value = serde_json::from_slice(&item.value)
        .map_err(|e| StoreError::Corrupt(format!("{} record: {e}", key.table)))?;
    Ok(Some((value, item.version)))
}

/// The user named `name` (any case) and its record's version.
pub(crate) fn get_user(
    store: &dyn Store,
    account: &AccountId,
    name: &str,
) -> Result<Option<(StoredUser, u64)>, StoreError> {
    get_record(store, &record_key(account, USER_TABLE, name))
}

/// The customer managed policy named `name` (any case) and its record's version.
pub(crate) fn get_policy(
    store: &dyn Store,
    account: &AccountId,
    name: &str,
) -> Result<Option<(StoredPolicy, u64)>, StoreError> {
    get_record(store, &record_key(account, POLICY_TABLE, name))
}

/// The role named `name` (any case) and its record's version.
pub(crate) fn get_role(
    store: &dyn Store,
    account: &AccountId,
    name: &str,
) -> Result<Option<(StoredRole, u64)>, StoreError> {
    get_record(store, &record_key(account, ROLE_TABLE, name))
}

/// The group named `name` (any case) and its record's version.
pub(crate) fn get_group(
    store: &dyn Store,
    account: &AccountId,
    name: &str,
) -> Result<Option<(StoredGroup, u64)>, StoreError> {
    get_record(store, &record_key(account, GROUP_TABLE, name))
}

/// Every record of `table` in the account, ordered by lower-cased name.
pub(crate) fn list<T: DeserializeOwned>(
    store: &dyn Store,
    account: &AccountId,
    table: &str,
) -> Result<Vec<T>, StoreError> {
    store
        .scan(&space::account(account), table, &rampart_store::Scan::all())?
        .into_iter()
        .map(|item| {
            serde_json::from_slice(&item.value)
                .map_err(|e| StoreError::Corrupt(format!("{table} record: {e}")))
        })
        .collect()
}

/// A record's encoded value.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("IAM record encoding: {e}")))
}

/// A new unique id with AWS's prefix for the entity (`AIDA` users, `ANPA` policies).
pub(crate) fn new_unique_id(prefix: &str) -> Result<String, StoreError> {
    random_token(BASE32, 16)
        .map(|t| format!("{prefix}{t}"))
        .ok_or_else(|| StoreError::Unavailable("the system random generator failed".into()))
}

/// A policy document as IAM returns it: percent-encoded (RFC 3986), which the SDKs decode.
pub(crate) fn url_encode(document: &str) -> String {
    let mut out = String::with_capacity(document.len());
    for b in document.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_percent_encoded() {
        assert_eq!(
            url_encode(r#"{"a": "b/c*"}"#),
            "%7B%22a%22%3A%20%22b%2Fc%2A%22%7D"
        );
        assert_eq!(url_encode("é"), "%C3%A9");
    }

    #[test]
    fn ids_have_aws_shapes() {
        let id = new_unique_id("AIDA").unwrap();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AIDA"));
        assert!(id[4..].bytes().all(|b| BASE32.contains(&b)));
    }

    #[test]
    fn user_arns_include_the_path() {
        let user = StoredUser {
            name: "alice".into(),
            path: "/ops/".into(),
            user_id: "AIDAEXAMPLE".into(),
            create_date: 0.0,
            access_keys: vec![],
            inline_policies: BTreeMap::new(),
            attached_policies: vec![],
            tags: vec![],
            permissions_boundary: None,
            groups: vec![],
            login_profile: None,
            signing_certificates: vec![],
            service_credentials: vec![],
            ssh_keys: vec![],
        };
        let account: AccountId = "123456789012".parse().unwrap();
        assert_eq!(
            user.arn(Partition::Aws, &account),
            "arn:aws:iam::123456789012:user/ops/alice"
        );
    }

    /// Percent-decodes, as the SDKs do with a returned policy document.
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn encoding_round_trips_and_leaves_only_safe_bytes(doc in "\\PC{0,200}") {
            let encoded = url_encode(&doc);
            proptest::prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            proptest::prop_assert_eq!(decode(&encoded), doc);
        }
    }
}
