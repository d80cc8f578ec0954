//! What the store holds for Shield, and the one way to read and write it.
//!
//! Per account (`acct/<account>`, Shield is global): the subscription, protections by id,
//! attacks by id and the emergency contacts. Server-wide (`system`): protected resource ARNs
//! (value: the account and protection id), which the data plane's monitor reads, and the
//! attacks going on (value: the account and attack id).

use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::records::{self, RecordError};
use rampart_store::space::SYSTEM;
use rampart_store::{Batch, Expect, Key, Store};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The subscription, under the key `subscription`.
pub(crate) const SUBSCRIPTION: &str = "shield.subscription";
/// Protections, by id.
pub(crate) const PROTECTIONS: &str = "shield.protection";
/// Attacks, by id.
pub(crate) const ATTACKS: &str = "shield.attack";
/// Emergency contacts, under the key `contacts`.
pub(crate) const CONTACTS: &str = "shield.contacts";
/// Server-wide index of protected resources, by resource ARN.
pub(crate) const PROTECTED: &str = "shield.protected";
/// Server-wide index of attacks going on, by resource ARN (value: [`OpenAttack`]).
pub(crate) const OPEN: &str = "shield.open";

/// The space of `account`'s Shield records.
pub(crate) fn space(account: &str) -> String {
    format!("acct/{account}")
}

/// A Shield Advanced subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Subscription {
    pub start: f64,
    /// `ENABLED` or `DISABLED`.
    pub auto_renew: String,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The Shield-managed rule group on a protected resource's web ACL.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MitigationGroup {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub web_acl_arn: String,
}

/// A protection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Protection {
    pub id: String,
    pub name: String,
    pub resource_arn: String,
    pub tags: Vec<Tag>,
    /// `Block` or `Count` while automatic application-layer response is enabled.
    pub auto_response: Option<String>,
    /// The mitigation rule group while automatic response is enabled.
    pub group: Option<MitigationGroup>,
}

/// One source among an attack's top contributors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Contributor {
    pub name: String,
    pub value: u64,
}

/// A detected attack.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Attack {
    pub id: String,
    pub account: String,
    pub resource_arn: String,
    pub start: f64,
    pub end: Option<f64>,
    /// Requests counted during the attack.
    pub total: u64,
    /// The highest rate seen, requests per second.
    pub peak_rate: f64,
    pub top_contributors: Vec<Contributor>,
    /// The mitigation rule's name, when one was added.
    pub mitigation: Option<String>,
}

/// The server-wide index entry of a protected resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Protected {
    pub account: String,
    pub protection_id: String,
}

/// The attack going on against a resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OpenAttack {
    pub account: String,
    pub attack_id: String,
}

/// The index key of the attack going on against `resource_arn`.
pub(crate) fn open_key(resource_arn: &str) -> Key {
    Key::new(SYSTEM, OPEN, resource_arn)
}

/// The service's error for a record that could not be read or written.
fn failed(e: RecordError) -> AwsError {
    e.into_aws(errors::store, errors::internal)
}

/// Reads the record at `key` with its version.
pub(crate) fn read<T: DeserializeOwned>(
    store: &dyn Store,
    key: &Key,
) -> Result<Option<(T, u64)>, AwsError> {
    records::read(store, key).map_err(failed)
}

/// Every record of `table` in `space`.
pub(crate) fn list<T: DeserializeOwned>(
    store: &dyn Store,
    space: &str,
    table: &str,
) -> Result<Vec<T>, AwsError> {
    let all = records::list(store, space, table).map_err(failed)?;
    Ok(all.into_iter().map(|(v, _)| v).collect())
}

/// Adds a put of `value` at `key` expecting `expect` to `batch`.
pub(crate) fn put<T: Serialize>(
    batch: Batch,
    key: Key,
    value: &T,
    expect: Expect,
) -> Result<Batch, AwsError> {
    records::put(batch, key, value, expect).map_err(failed)
}

/// The key of `account`'s subscription.
pub(crate) fn subscription_key(account: &str) -> Key {
    Key::new(space(account), SUBSCRIPTION, "subscription")
}

/// The key of a protection.
pub(crate) fn protection_key(account: &str, id: &str) -> Key {
    Key::new(space(account), PROTECTIONS, id)
}

/// The key of an attack.
pub(crate) fn attack_key(account: &str, id: &str) -> Key {
    Key::new(space(account), ATTACKS, id)
}

/// The index key of a protected resource.
pub(crate) fn protected_key(resource_arn: &str) -> Key {
    Key::new(SYSTEM, PROTECTED, resource_arn)
}

/// The protection of `resource_arn` in `account`, with its version.
pub(crate) fn protection_of(
    store: &dyn Store,
    account: &str,
    resource_arn: &str,
) -> Result<Option<(Protection, u64)>, AwsError> {
    let Some((index, _)) = read::<Protected>(store, &protected_key(resource_arn))? else {
        return Ok(None);
    };
    if index.account != account {
        return Ok(None);
    }
    read(store, &protection_key(account, &index.protection_id))
}

/// A JSON tag list of `tags`.
pub(crate) fn tags_to_api(tags: &[Tag]) -> Value {
    serde_json::to_value(tags).unwrap_or_default()
}
