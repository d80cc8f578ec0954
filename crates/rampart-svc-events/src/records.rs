//! What EventBridge stores, where, and the names and ARNs of its resources.
//!
//! Per account and region (`acct/<account>/<region>`): `events.bus` (custom buses, and the
//! default bus once it has tags), `events.rule` (id `<bus>|<rule>`, with its targets),
//! `events.connection`, `events.api-destination` and `events.dead-letter`. Server-wide
//! (`system`): `events.outbox`, the deliveries still to make (see `delivery`), and
//! `events.schedule`, the rate schedules to fire (see `schedules`).

use crate::errors;
use rampart_protocol::AwsError;
use rampart_store::{Batch, Expect, Key, Scan, Store, space};
use rampart_types::{AccountId, Partition, Region};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Custom event buses.
pub(crate) const BUS_TABLE: &str = "events.bus";
/// Rules with their targets.
pub(crate) const RULE_TABLE: &str = "events.rule";
/// Connections.
pub(crate) const CONNECTION_TABLE: &str = "events.connection";
/// API destinations.
pub(crate) const API_DESTINATION_TABLE: &str = "events.api-destination";
/// Deliveries that failed for good.
pub(crate) const DEAD_LETTER_TABLE: &str = "events.dead-letter";
/// The name of every account's default bus.
pub(crate) const DEFAULT_BUS: &str = "default";

/// Where one account's resources in one region live.
#[derive(Debug, Clone)]
pub(crate) struct Home {
    pub partition: Partition,
    pub account: AccountId,
    pub region: Region,
}

impl Home {
    /// The store space.
    pub(crate) fn space(&self) -> String {
        space::account_region(&self.account, &self.region)
    }

    /// `arn:<p>:events:<region>:<account>:<resource>`.
    pub(crate) fn arn(&self, resource: &str) -> String {
        format!(
            "arn:{}:events:{}:{}:{resource}",
            self.partition, self.region, self.account
        )
    }

    /// A bus's ARN.
    pub(crate) fn bus_arn(&self, bus: &str) -> String {
        self.arn(&format!("event-bus/{bus}"))
    }

    /// A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` elsewhere.
    pub(crate) fn rule_arn(&self, bus: &str, rule: &str) -> String {
        if bus == DEFAULT_BUS {
            self.arn(&format!("rule/{rule}"))
        } else {
            self.arn(&format!("rule/{bus}/{rule}"))
        }
    }

    /// The key of a record in `table`.
    pub(crate) fn key(&self, table: &str, id: &str) -> Key {
        Key::new(self.space(), table, id)
    }
}

/// The bus an `EventBusName` member names (a name or a bus ARN); the default bus when absent.
pub(crate) fn bus_name(member: Option<&str>) -> String {
    match member {
        None | Some("") => DEFAULT_BUS.to_owned(),
        Some(value) => match value.split_once(":event-bus/") {
            Some((_, name)) if value.starts_with("arn:") => name.to_owned(),
            _ => value.to_owned(),
        },
    }
}

/// The account and region an `EventBusName` member names: a bus ARN's own, else `home`'s.
pub(crate) fn bus_home(home: &Home, member: Option<&str>) -> Home {
    let parsed = member
        .filter(|m| m.starts_with("arn:"))
        .and_then(|m| m.parse::<rampart_types::Arn>().ok());
    match parsed {
        Some(arn) => match (arn.account.parse(), arn.region.parse()) {
            (Ok(account), Ok(region)) => Home {
                partition: home.partition,
                account,
                region,
            },
            _ => home.clone(),
        },
        None => home.clone(),
    }
}

/// The bus an `EventBusName` member names in `home`; a bus ARN of another account or region
/// is refused as a bus that does not exist (rampart has no bus policies for cross-account use).
pub(crate) fn local_bus(home: &Home, member: Option<&str>) -> Result<String, AwsError> {
    let name = bus_name(member);
    let named = bus_home(home, member);
    if named.account != home.account || named.region != home.region {
        return Err(errors::no_bus(member.unwrap_or_default()));
    }
    Ok(name)
}

/// The id of a rule in [`RULE_TABLE`].
pub(crate) fn rule_id(bus: &str, rule: &str) -> String {
    format!("{bus}|{rule}")
}

/// A custom event bus (or the default bus, once tagged).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BusRecord {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub created: f64,
    pub modified: f64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The bus's resource policy (PutPermission), a JSON document.
    #[serde(default)]
    pub policy: Option<String>,
}

/// A rule and its targets (the targets as the API spells them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RuleRecord {
    pub name: String,
    pub bus: String,
    pub arn: String,
    pub event_pattern: Option<String>,
    pub schedule_expression: Option<String>,
    pub state: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub created_by: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub targets: Vec<Value>,
}

/// Reads and decodes the record at `key` with its version.
pub(crate) fn load<T: DeserializeOwned>(
    store: &dyn Store,
    key: &Key,
) -> Result<Option<(T, u64)>, AwsError> {
    let Some(item) = store.get(key).map_err(errors::store)? else {
        return Ok(None);
    };
    let record = serde_json::from_slice(&item.value).map_err(|e| {
        tracing::error!(key = %key, error = %e, "undecodable EventBridge record");
        rampart_service::internal_error()
    })?;
    Ok(Some((record, item.version)))
}

/// Every record of `table` in `space` whose id starts with `prefix`, in id order.
pub(crate) fn scan<T: DeserializeOwned>(
    store: &dyn Store,
    space: &str,
    table: &str,
    prefix: &str,
) -> Result<Vec<(String, T, u64)>, AwsError> {
    let items = store
        .scan(space, table, &Scan::new(prefix, usize::MAX))
        .map_err(errors::store)?;
    items
        .into_iter()
        .map(|item| {
            let record = serde_json::from_slice(&item.value).map_err(|e| {
                tracing::error!(key = %item.key, error = %e, "undecodable EventBridge record");
                rampart_service::internal_error()
            })?;
            Ok((item.key.id, record, item.version))
        })
        .collect()
}

/// Encodes `record`.
pub(crate) fn encode<T: Serialize>(record: &T) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(record).map_err(|_| rampart_service::internal_error())
}

/// Writes `record` at `key`, expecting `expect` there.
pub(crate) fn save<T: Serialize>(
    store: &dyn Store,
    key: Key,
    record: &T,
    expect: Expect,
) -> Result<(), AwsError> {
    store
        .commit(Batch::new().put_if(key, encode(record)?, expect))
        .map_err(errors::store)?;
    Ok(())
}

/// The expectation for rewriting a record read at `version` (`None`: it was absent).
pub(crate) fn expect(version: Option<u64>) -> Expect {
    version.map_or(Expect::Absent, Expect::Version)
}

/// Tags as the API lists them: `[{"Key": .., "Value": ..}]`.
pub(crate) fn tag_list(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// A `Tags` member (`[{"Key", "Value"}]`) as a map.
pub(crate) fn tags_from(value: Option<&Value>) -> Result<BTreeMap<String, String>, AwsError> {
    let mut tags = BTreeMap::new();
    for tag in value.and_then(Value::as_array).into_iter().flatten() {
        let key = tag.get("Key").and_then(Value::as_str);
        let value = tag.get("Value").and_then(Value::as_str);
        match (key, value) {
            (Some(k), Some(v)) => {
                tags.insert(k.to_owned(), v.to_owned());
            }
            _ => return Err(errors::validation("A tag needs a Key and a Value.")),
        }
    }
    Ok(tags)
}

impl Home {
    /// The caller's account and region.
    pub(crate) fn of(call: &rampart_service::Call<'_>) -> Home {
        Home {
            partition: call.env.partition,
            account: call.principal.account.clone(),
            region: call.region.clone(),
        }
    }

    /// The bus `name`, with the version it was read at (`None` for the default bus before
    /// anything was stored about it); `None` when there is no such bus.
    pub(crate) fn find_bus(
        &self,
        store: &dyn Store,
        name: &str,
    ) -> Result<Option<(BusRecord, Option<u64>)>, AwsError> {
        if let Some((bus, version)) = load::<BusRecord>(store, &self.key(BUS_TABLE, name))? {
            return Ok(Some((bus, Some(version))));
        }
        Ok((name == DEFAULT_BUS).then(|| {
            (
                BusRecord {
                    name: DEFAULT_BUS.to_owned(),
                    arn: self.bus_arn(DEFAULT_BUS),
                    description: None,
                    created: 0.0,
                    modified: 0.0,
                    tags: BTreeMap::new(),
                    policy: None,
                },
                None,
            )
        }))
    }

    /// The rule `rule` on `bus` with its version, if it exists.
    pub(crate) fn find_rule(
        &self,
        store: &dyn Store,
        bus: &str,
        rule: &str,
    ) -> Result<Option<(RuleRecord, u64)>, AwsError> {
        load(store, &self.key(RULE_TABLE, &rule_id(bus, rule)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_names_from_names_and_arns() {
        assert_eq!(bus_name(None), "default");
        assert_eq!(bus_name(Some("orders")), "orders");
        assert_eq!(
            bus_name(Some(
                "arn:aws:events:us-east-1:123456789012:event-bus/orders"
            )),
            "orders"
        );
    }

    #[test]
    fn rule_arns_name_the_bus_except_the_default() {
        let home = Home {
            partition: Partition::Aws,
            account: "123456789012".parse().unwrap(),
            region: "us-east-1".parse().unwrap(),
        };
        assert_eq!(
            home.rule_arn("default", "r"),
            "arn:aws:events:us-east-1:123456789012:rule/r"
        );
        assert_eq!(
            home.rule_arn("orders", "r"),
            "arn:aws:events:us-east-1:123456789012:rule/orders/r"
        );
        assert_eq!(
            home.bus_arn("default"),
            "arn:aws:events:us-east-1:123456789012:event-bus/default"
        );
    }
}
