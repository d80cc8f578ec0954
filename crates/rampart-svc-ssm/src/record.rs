//! A parameter as it is stored: one record per parameter (space `acct/<account>/<region>`,
//! table `ssm.parameter`, id the name) holding its retained versions, oldest first, its tags
//! and its policies; plus one count record per region for the tier quotas.
//!
//! SecureString values are stored only as KMS ciphertext; nothing here holds a decrypted value.

use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_store::{Batch, Expect, Key, StoreError, space};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The table of parameters.
pub(crate) const TABLE: &str = "ssm.parameter";
/// The table of the per-region tier counts.
const COUNT_TABLE: &str = "ssm.count";
/// The id of the first count shard (the id of the single count item before shards).
const COUNT_ID: &str = "tiers";
/// How many items a region's tier counts are spread over. A parameter is counted in the shard
/// its name hashes to, so concurrent creations of different parameters rarely write the same
/// item: with one item, every creation in a region conflicted with every other. The quotas
/// are checked against the sum of the shards, so creations racing in different shards can
/// pass a quota by at most a few.
const COUNT_SHARDS: u64 = 16;

/// How many times a write is tried when concurrent writers win the race. Every round of the
/// store's group commit lets at least one writer through, and creations of different
/// parameters meet only on a shared count shard, so a writer that loses this often is rare;
/// with 8, 32 clients creating parameters still saw one `TooManyUpdates` in a few thousand.
const ATTEMPTS: usize = 32;

/// A parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Kind {
    /// `String`.
    String,
    /// `StringList`.
    StringList,
    /// `SecureString`.
    SecureString,
}

impl Kind {
    /// The type's name in the API.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::String => "String",
            Kind::StringList => "StringList",
            Kind::SecureString => "SecureString",
        }
    }

    /// The type named `name`, if the API has it.
    pub(crate) fn parse(name: &str) -> Option<Kind> {
        match name {
            "String" => Some(Kind::String),
            "StringList" => Some(Kind::StringList),
            "SecureString" => Some(Kind::SecureString),
            _ => None,
        }
    }
}

/// A parameter's tier (Intelligent-Tiering resolves to one of these when the value is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Tier {
    /// `Standard`: 4 KB values, no policies.
    Standard,
    /// `Advanced`: 8 KB values, policies.
    Advanced,
}

impl Tier {
    /// The tier's name in the API.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tier::Standard => "Standard",
            Tier::Advanced => "Advanced",
        }
    }
}

/// A stored value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Stored {
    /// A String or StringList value.
    Plain(String),
    /// A Standard SecureString: the KMS ciphertext blob of the value, base64.
    Kms(String),
    /// An Advanced SecureString: a KMS-encrypted data key and the value sealed under it, both
    /// base64, in one envelope (see `secure`).
    Envelope(String),
}

/// Never shows the value, even encrypted.
impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stored::Plain(_) => "Plain(..)",
            Stored::Kms(_) => "Kms(..)",
            Stored::Envelope(_) => "Envelope(..)",
        })
    }
}

/// A policy as DescribeParameters and GetParameterHistory show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PolicyView {
    /// The policy's JSON as the caller wrote it.
    pub text: String,
    /// `Expiration`, `ExpirationNotification` or `NoChangeNotification`.
    pub kind: String,
    /// `Pending`, `Finished`, `InProgress` or `Failed`.
    pub status: String,
}

/// One retained version with the metadata it was written with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Version {
    /// 1, 2, ...
    pub version: u64,
    /// The type.
    pub kind: Kind,
    /// The value (ciphertext for SecureString).
    pub value: Stored,
    /// The KMS key as the caller named it (`alias/aws/ssm` when none was named).
    pub key_id: Option<String>,
    /// The ARN of that key when the value was encrypted.
    pub key_arn: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The AllowedPattern.
    pub allowed_pattern: Option<String>,
    /// `text`, `aws:ec2:image`, ...
    pub data_type: String,
    /// The tier.
    pub tier: Tier,
    /// The policies in force when this version was written.
    pub policies: Vec<PolicyView>,
    /// The labels on this version.
    pub labels: Vec<String>,
    /// When it was written, epoch seconds.
    pub modified: f64,
    /// Who wrote it (an ARN).
    pub modified_user: String,
}

/// A parameter's live policy and its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LivePolicy {
    /// What it shows.
    pub view: PolicyView,
    /// When it acts next, epoch seconds; `None` once it acted.
    pub due: Option<i64>,
}

/// A parameter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Parameter {
    /// The name.
    pub name: String,
    /// The retained versions, oldest first; never empty.
    pub versions: Vec<Version>,
    /// The tags.
    pub tags: BTreeMap<String, String>,
    /// The policies in force.
    #[serde(default)]
    pub policies: Vec<LivePolicy>,
    /// The id of this parameter's entry in the due index, when a policy is due.
    #[serde(default)]
    pub due_entry: Option<String>,
}

impl Parameter {
    /// The newest version.
    pub(crate) fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// Tags as (key, value) pairs.
    pub(crate) fn tag_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Where the caller's parameters live.
pub(crate) fn space_of(call: &Call<'_>) -> String {
    space::account_region(&call.principal.account, call.region)
}

/// The store key of parameter `name` in `space`.
pub(crate) fn key(space: &str, name: &str) -> Key {
    Key::new(space, TABLE, name)
}

/// Reads parameter `name` from `space` with its store version.
pub(crate) fn load(
    env: &rampart_service::Env,
    space: &str,
    name: &str,
) -> Result<Option<(Parameter, u64)>, AwsError> {
    if name.is_empty() || name.len() > rampart_store::MAX_ID_LEN {
        return Ok(None);
    }
    match env
        .store
        .get(&key(space, name))
        .map_err(errors::store_failure)?
    {
        None => Ok(None),
        Some(item) => decode(&item.value).map(|p| Some((p, item.version))),
    }
}

/// A stored record's parameter.
pub(crate) fn decode(bytes: &[u8]) -> Result<Parameter, AwsError> {
    serde_json::from_slice(bytes).map_err(|_| errors::internal("undecodable parameter record"))
}

/// A parameter's stored bytes.
pub(crate) fn encode(parameter: &Parameter) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(parameter).map_err(|_| errors::internal("unencodable parameter record"))
}

/// How many parameters of each tier a region holds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Counts {
    /// Standard parameters.
    pub standard: u64,
    /// Advanced parameters.
    pub advanced: u64,
}

impl Counts {
    /// Counts `tier` once more (`delta` 1) or once less (`delta` -1).
    pub(crate) fn add(&mut self, tier: Tier, delta: i64) {
        let n = match tier {
            Tier::Standard => &mut self.standard,
            Tier::Advanced => &mut self.advanced,
        };
        *n = n.saturating_add_signed(delta);
    }
}

/// A region's tier counts as one parameter's change sees them: the sum over every shard, and
/// the shard that counts the parameter, with the expectation a write of it needs.
pub(crate) struct TierCounts {
    /// Every shard's counts added up: what the quotas are checked against.
    pub total: Counts,
    own: Counts,
    key: Key,
    expect: Expect,
}

impl TierCounts {
    /// Counts `tier` once more (`delta` 1) or once less (`delta` -1) for this parameter.
    pub(crate) fn add(&mut self, tier: Tier, delta: i64) {
        self.total.add(tier, delta);
        self.own.add(tier, delta);
    }

    /// Adds the write of the parameter's shard to `batch`.
    pub(crate) fn put(&self, batch: Batch) -> Result<Batch, AwsError> {
        let bytes = serde_json::to_vec(&self.own)
            .map_err(|_| errors::internal("unencodable parameter counts"))?;
        Ok(batch.put_if(self.key.clone(), bytes, self.expect))
    }
}

/// The tier counts of `space` as a change to parameter `name` sees them.
pub(crate) fn load_counts(
    env: &rampart_service::Env,
    space: &str,
    name: &str,
) -> Result<TierCounts, AwsError> {
    let id = count_id(name);
    let scan = rampart_store::Scan::new("", COUNT_SHARDS as usize);
    let items = env
        .store
        .scan(space, COUNT_TABLE, &scan)
        .map_err(errors::store_failure)?;
    let mut counts = TierCounts {
        total: Counts::default(),
        own: Counts::default(),
        key: Key::new(space, COUNT_TABLE, id.clone()),
        expect: Expect::Absent,
    };
    for item in items {
        let shard: Counts = serde_json::from_slice(&item.value)
            .map_err(|_| errors::internal("undecodable parameter counts"))?;
        counts.total.standard += shard.standard;
        counts.total.advanced += shard.advanced;
        if item.key.id == id {
            counts.own = shard;
            counts.expect = Expect::Version(item.version);
        }
    }
    Ok(counts)
}

/// The id of the count shard of parameter `name` (FNV-1a of the name: the same on every node
/// and in every version).
fn count_id(name: &str) -> String {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    match hash % COUNT_SHARDS {
        0 => COUNT_ID.to_owned(),
        shard => format!("{COUNT_ID}-{shard}"),
    }
}

/// Runs `attempt` (which reads what it needs and returns the batch to commit and its result)
/// until its batch commits without a conflict; `TooManyUpdates` when concurrent writers keep
/// winning.
pub(crate) fn write<T>(
    env: &rampart_service::Env,
    mut attempt: impl FnMut() -> Result<(Batch, T), AwsError>,
) -> Result<T, AwsError> {
    for _ in 0..ATTEMPTS {
        let (batch, out) = attempt()?;
        if !batch.writes() {
            return Ok(out);
        }
        match env.store.commit(batch) {
            Ok(_) => return Ok(out),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(errors::store_failure(e)),
        }
    }
    Err(errors::too_many_updates())
}
