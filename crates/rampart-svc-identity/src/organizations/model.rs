//! The stored organization: one record holding its structure (root, OUs, accounts, policy
//! summaries, attachments, tags, delegations), and one record per policy holding its content.
//!
//! Everything lives in the server-wide space: rampart hosts one organization, whose management
//! account is the server's. A change is a compare-and-swap of the structure record (with the
//! policy contents it touches in the same batch), retried when another change won the race.

use super::errors::store_error;
use rampart_crypto::random_token;
use rampart_protocol::AwsError;
use rampart_service::Env;
use rampart_store::{Batch, Expect, Key, Store, StoreError, space};
use rampart_types::Partition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The organization's structure, in the system space.
pub(super) const ORG_TABLE: &str = "organizations.org";
/// Policy contents by policy id, in the system space.
pub(super) const POLICY_TABLE: &str = "organizations.policy";
const ORG_ID: &str = "organization";

/// `SERVICE_CONTROL_POLICY`.
pub(super) const SCP: &str = "SERVICE_CONTROL_POLICY";
/// `RESOURCE_CONTROL_POLICY`.
pub(super) const RCP: &str = "RESOURCE_CONTROL_POLICY";
/// The AWS managed SCP attached everywhere when SCPs are enabled.
pub(super) const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";
/// The AWS managed RCP attached everywhere when RCPs are enabled (never detachable).
pub(super) const RCP_FULL_AWS_ACCESS: &str = "p-RCPFullAWSAccess";
/// How deep OUs nest under the root.
pub(super) const MAX_OU_DEPTH: usize = 5;
/// Most policies of one type attached to one target.
pub(super) const MAX_ATTACHED_PER_TYPE: usize = 5;

/// The organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Org {
    /// `o-` and 10 characters.
    pub id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    pub feature_set: String,
    /// The management account's id.
    pub management: String,
    pub created: f64,
    /// `r-` and 4 characters.
    pub root: String,
    /// The policy types enabled in the root.
    pub enabled_types: Vec<String>,
    /// OUs by id.
    pub units: BTreeMap<String, Unit>,
    /// Accounts (the management account too) by id.
    pub accounts: BTreeMap<String, Member>,
    /// Customer policies' summaries by id.
    pub policies: BTreeMap<String, PolicyMeta>,
    /// Policy ids attached to each target (root, OU or account id), in attachment order.
    pub attached: BTreeMap<String, Vec<String>>,
    /// Tags of accounts, OUs, the root and policies, by id.
    pub tags: BTreeMap<String, Vec<Tag>>,
    /// `CreateAccount` requests, oldest first.
    pub creations: Vec<Creation>,
    /// Delegated administrators: account id to service principal to the date.
    pub delegated: BTreeMap<String, BTreeMap<String, f64>>,
    /// Service principals with trusted access, to the date it was enabled.
    pub service_access: BTreeMap<String, f64>,
    /// The id (`rp-...`) of the delegation policy, whose content is in [`POLICY_TABLE`].
    #[serde(default)]
    pub resource_policy: Option<String>,
    /// Handshakes (invitations, the move to all features), oldest first.
    #[serde(default)]
    pub handshakes: Vec<StoredHandshake>,
    /// IAM's centralized root access features (`RootCredentialsManagement`, `RootSessions`).
    #[serde(default)]
    pub iam_features: Vec<String>,
}

/// A handshake the organization sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StoredHandshake {
    /// `h-` and 10 characters.
    pub id: String,
    /// `INVITE` or `ENABLE_ALL_FEATURES`.
    pub action: String,
    /// The invited account (for `INVITE`).
    pub target: Option<String>,
    /// `OPEN`, `ACCEPTED`, `DECLINED` or `CANCELED` (`EXPIRED` is derived from the clock).
    pub state: String,
    pub requested: f64,
    pub expires: f64,
    pub notes: Option<String>,
}

/// An organizational unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Unit {
    pub name: String,
    /// The root's or an OU's id.
    pub parent: String,
}

/// An account of the organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Member {
    pub name: String,
    pub email: String,
    /// `ACTIVE` or `SUSPENDED`.
    pub status: String,
    /// The root's or an OU's id.
    pub parent: String,
    /// `CREATED` or `INVITED`.
    pub joined_method: String,
    pub joined: f64,
}

/// A customer policy's summary (its content is in [`POLICY_TABLE`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PolicyMeta {
    pub name: String,
    pub description: String,
    /// The policy type (`SERVICE_CONTROL_POLICY`, ...).
    pub kind: String,
    /// When it was created or last updated.
    #[serde(default)]
    pub updated: f64,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Tag {
    pub key: String,
    pub value: String,
}

/// A `CreateAccount` request and its outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Creation {
    /// `car-` and 32 characters.
    pub id: String,
    pub account_name: String,
    /// `SUCCEEDED` or `FAILED`.
    pub state: String,
    pub requested: f64,
    pub completed: f64,
    pub account_id: Option<String>,
    pub failure_reason: Option<String>,
}

/// The AWS managed policies Organizations offers: (id, name, type, content).
pub(super) const AWS_MANAGED: [(&str, &str, &str, &str); 2] = [
    (
        FULL_AWS_ACCESS,
        "FullAWSAccess",
        SCP,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        RCP_FULL_AWS_ACCESS,
        "RCPFullAWSAccess",
        RCP,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    ),
];

/// A policy's summary and content, customer or AWS managed.
#[derive(Debug, Clone)]
pub(super) struct PolicyInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub aws_managed: bool,
}

/// The AWS managed policy `id`, if it is one.
pub(super) fn aws_managed(id: &str) -> Option<PolicyInfo> {
    AWS_MANAGED
        .iter()
        .find(|(pid, ..)| *pid == id)
        .map(|(pid, name, kind, _)| PolicyInfo {
            id: (*pid).to_owned(),
            name: (*name).to_owned(),
            description: "Allows access to every operation".to_owned(),
            kind: (*kind).to_owned(),
            aws_managed: true,
        })
}

/// The content of the AWS managed policy `id`.
pub(super) fn aws_managed_content(id: &str) -> Option<&'static str> {
    AWS_MANAGED
        .iter()
        .find(|(pid, ..)| *pid == id)
        .map(|(.., content)| *content)
}

/// What kind of thing an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Node {
    Root,
    Unit,
    Account,
}

impl Node {
    /// The model's `TargetType`/`ParentType`/`ChildType` word.
    pub(super) fn word(self) -> &'static str {
        match self {
            Node::Root => "ROOT",
            Node::Unit => "ORGANIZATIONAL_UNIT",
            Node::Account => "ACCOUNT",
        }
    }
}

impl Org {
    /// What `id` names in this organization, if anything.
    pub(super) fn node(&self, id: &str) -> Option<Node> {
        if id == self.root {
            Some(Node::Root)
        } else if self.units.contains_key(id) {
            Some(Node::Unit)
        } else if self.accounts.contains_key(id) {
            Some(Node::Account)
        } else {
            None
        }
    }

    /// The parent of an OU or account.
    pub(super) fn parent_of(&self, id: &str) -> Option<&str> {
        self.units
            .get(id)
            .map(|u| u.parent.as_str())
            .or_else(|| self.accounts.get(id).map(|a| a.parent.as_str()))
    }

    /// The containers from the root down to `id`'s parent (the root first).
    pub(super) fn ancestors(&self, id: &str) -> Vec<String> {
        let mut chain = Vec::new();
        let mut at = self.parent_of(id);
        while let Some(parent) = at {
            chain.push(parent.to_owned());
            if parent == self.root || chain.len() > MAX_OU_DEPTH + 1 {
                break;
            }
            at = self.parent_of(parent);
        }
        chain.reverse();
        chain
    }

    /// `o-x/r-x/ou-x/.../`: the path of the container `id` (a root or OU).
    pub(super) fn container_path(&self, id: &str) -> String {
        let mut path = format!("{}/", self.id);
        for level in self.ancestors(id) {
            path.push_str(&level);
            path.push('/');
        }
        path.push_str(id);
        path.push('/');
        path
    }

    /// How deep the container `id` is: the root 0, its OUs 1, ...
    pub(super) fn depth(&self, id: &str) -> usize {
        self.ancestors(id).len()
    }

    /// Whether `kind` is enabled in the root.
    pub(super) fn enabled(&self, kind: &str) -> bool {
        self.enabled_types.iter().any(|t| t == kind)
    }

    /// The summary of the policy `id`, customer or AWS managed.
    pub(super) fn policy(&self, id: &str) -> Option<PolicyInfo> {
        aws_managed(id).or_else(|| {
            self.policies.get(id).map(|p| PolicyInfo {
                id: id.to_owned(),
                name: p.name.clone(),
                description: p.description.clone(),
                kind: p.kind.clone(),
                aws_managed: false,
            })
        })
    }

    /// The type of policy `id`.
    pub(super) fn policy_kind(&self, id: &str) -> Option<String> {
        self.policy(id).map(|p| p.kind)
    }

    /// The ids of the policies of `kind` attached to `target`.
    pub(super) fn attached_of(&self, target: &str, kind: &str) -> Vec<String> {
        self.attached
            .get(target)
            .into_iter()
            .flatten()
            .filter(|p| self.policy_kind(p).as_deref() == Some(kind))
            .cloned()
            .collect()
    }

    /// Every root, OU and account id.
    pub(super) fn targets(&self) -> Vec<String> {
        std::iter::once(self.root.clone())
            .chain(self.units.keys().cloned())
            .chain(self.accounts.keys().cloned())
            .collect()
    }

    /// Attaches the AWS managed policies of the enabled types to a new OU or account.
    pub(super) fn attach_defaults(&mut self, target: &str) {
        let mut defaults = Vec::new();
        if self.enabled(SCP) {
            defaults.push(FULL_AWS_ACCESS.to_owned());
        }
        if self.enabled(RCP) {
            defaults.push(RCP_FULL_AWS_ACCESS.to_owned());
        }
        if !defaults.is_empty() {
            self.attached.insert(target.to_owned(), defaults);
        }
    }

    /// Forgets a removed OU or account: its attachments and tags.
    pub(super) fn forget(&mut self, id: &str) {
        self.attached.remove(id);
        self.tags.remove(id);
    }
}

/// ARNs of the organization's resources.
pub(super) struct Arns<'a> {
    pub partition: Partition,
    pub org: &'a Org,
}

impl Arns<'_> {
    fn base(&self, kind: &str) -> String {
        format!(
            "arn:{}:organizations::{}:{kind}/{}",
            self.partition, self.org.management, self.org.id
        )
    }

    /// The organization's ARN.
    pub(super) fn organization(&self) -> String {
        format!(
            "arn:{}:organizations::{}:organization/{}",
            self.partition, self.org.management, self.org.id
        )
    }

    /// The ARN of a root, OU or account (by what `id` names; an unknown id by its form).
    pub(super) fn node(&self, id: &str) -> String {
        let kind = match self.org.node(id) {
            Some(Node::Root) => "root",
            Some(Node::Unit) => "ou",
            Some(Node::Account) => "account",
            None if id.starts_with("r-") => "root",
            None if id.starts_with("ou-") => "ou",
            None => "account",
        };
        format!("{}/{id}", self.base(kind))
    }

    /// The ARN of policy `id` of type `kind` (AWS managed ones are AWS's).
    pub(super) fn policy(&self, id: &str, kind: &str) -> String {
        let kind = kind.to_ascii_lowercase();
        if aws_managed(id).is_some() {
            format!(
                "arn:{}:organizations::aws:policy/{kind}/{id}",
                self.partition
            )
        } else {
            format!("{}/{kind}/{id}", self.base("policy"))
        }
    }

    /// The ARN of the delegation policy `id`.
    pub(super) fn resource_policy(&self, id: &str) -> String {
        format!("{}/{id}", self.base("resourcepolicy"))
    }

    /// The ARN of handshake `id` for `action` (`handshake/o-x/invite/h-...`).
    pub(super) fn handshake(&self, id: &str, action: &str) -> String {
        format!(
            "{}/{}/{id}",
            self.base("handshake"),
            action.to_ascii_lowercase()
        )
    }

    /// The ARN of the account `id` (`account/o-x/<id>`).
    pub(super) fn account(&self, id: &str) -> String {
        format!("{}/{id}", self.base("account"))
    }
}

fn org_key() -> Key {
    Key::new(space::SYSTEM, ORG_TABLE, ORG_ID)
}

/// The key of policy `id`'s content.
pub(super) fn policy_key(id: &str) -> Key {
    Key::new(space::SYSTEM, POLICY_TABLE, id)
}

/// The organization and its version, if there is one.
pub(super) fn read(store: &dyn Store) -> Result<Option<(Org, u64)>, StoreError> {
    let Some(item) = store.get(&org_key())? else {
        return Ok(None);
    };
    let org = serde_json::from_slice(&item.value)
        .map_err(|e| StoreError::Corrupt(format!("organization record: {e}")))?;
    Ok(Some((org, item.version)))
}

/// The content of policy `id` (AWS managed ones from the catalogue).
pub(super) fn read_content(store: &dyn Store, id: &str) -> Result<Option<String>, StoreError> {
    if let Some(content) = aws_managed_content(id) {
        return Ok(Some(content.to_owned()));
    }
    Ok(store
        .get(&policy_key(id))?
        .map(|item| String::from_utf8_lossy(&item.value).into_owned()))
}

/// What a change does besides rewriting the structure.
pub(super) struct Change<T> {
    /// What the operation answers.
    pub value: T,
    /// Policy contents to write (`Some`) or delete (`None`) in the same batch.
    pub contents: Vec<(String, Option<String>)>,
    /// Delete the organization instead of writing it.
    pub delete: bool,
}

impl<T> Change<T> {
    /// A change of the structure only.
    pub(super) fn of(value: T) -> Self {
        Change {
            value,
            contents: Vec::new(),
            delete: false,
        }
    }
}

/// Applies `edit` to the current organization (`None` when there is none) and commits the
/// result atomically, retrying when another change committed in between.
pub(super) fn update<T>(
    env: &Env,
    mut edit: impl FnMut(Option<&mut Org>) -> Result<(Option<Org>, Change<T>), AwsError>,
) -> Result<T, AwsError> {
    let store = env.store.as_ref();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let current = read(store).map_err(store_error)?;
        let (expect, mut org) = match current {
            Some((org, version)) => (Expect::Version(version), Some(org)),
            None => (Expect::Absent, None),
        };
        let (created, change) = edit(org.as_mut())?;
        let org = created.or(org);
        let mut batch = Batch::new();
        match (&org, change.delete) {
            (Some(org), false) => {
                let bytes =
                    serde_json::to_vec(org).map_err(|_| rampart_service::internal_error())?;
                batch = batch.put_if(org_key(), bytes, expect);
            }
            _ => batch = batch.delete_if(org_key(), expect),
        }
        for (id, content) in &change.contents {
            batch = match content {
                Some(content) => batch.put(policy_key(id), content.clone()),
                None => batch.delete(policy_key(id)),
            };
        }
        match store.commit(batch) {
            Ok(_) => return Ok(change.value),
            Err(StoreError::Conflict { .. }) if attempts < 5 => continue,
            Err(e) => return Err(store_error(e)),
        }
    }
}

/// A fresh id: `prefix` and `len` characters of `alphabet`.
pub(super) fn new_id(prefix: &str, alphabet: &[u8], len: usize) -> Result<String, AwsError> {
    random_token(alphabet, len)
        .map(|t| format!("{prefix}{t}"))
        .ok_or_else(|| {
            tracing::error!("the system random generator failed");
            rampart_service::internal_error()
        })
}

/// Lower-case letters and digits, the alphabet of Organizations ids.
pub(super) const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The organization the change needs, or `AWSOrganizationsNotInUseException`.
pub(super) fn existing(org: Option<&mut Org>) -> Result<&mut Org, AwsError> {
    org.ok_or_else(super::errors::not_in_use)
}
