//! What the store holds for ELBv2, and the one way to read and write it.
//!
//! Per account and region (`acct/<account>/<region>`): load balancers and target groups by
//! name, listeners by `<load balancer id>|<listener id>`, target health by
//! `<target group id>|<ip>|<port>`. Server-wide (`system`): an index of every listener and
//! target group ARN, which the data plane watches.

use crate::errors;
use crate::names::Name;
use rampart_protocol::AwsError;
use rampart_service::records::{self, RecordError};
use rampart_store::space::SYSTEM;
use rampart_store::{Batch, Expect, Key, Scan, Store};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Load balancers, by name.
pub(crate) const LOAD_BALANCERS: &str = "elbv2.loadbalancer";
/// Target groups, by name.
pub(crate) const TARGET_GROUPS: &str = "elbv2.targetgroup";
/// Listeners, by `<load balancer id>|<listener id>`.
pub(crate) const LISTENERS: &str = "elbv2.listener";
/// Target health as the data plane's checks found it.
pub(crate) const HEALTH: &str = "elbv2.health";
/// Server-wide index of listener ARNs (value: the port).
pub(crate) const LISTENER_INDEX: &str = "elbv2.listeners";
/// Server-wide index of target group ARNs.
pub(crate) const TARGET_GROUP_INDEX: &str = "elbv2.targetgroups";

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// An application load balancer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LoadBalancer {
    pub arn: String,
    pub name: String,
    pub dns_name: String,
    pub created: f64,
    pub scheme: String,
    pub ip_address_type: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub tags: Vec<Tag>,
}

/// A target group's health check settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HealthCheck {
    pub enabled: bool,
    pub protocol: String,
    /// `traffic-port` or a port number.
    pub port: String,
    pub path: String,
    pub interval_secs: u64,
    pub timeout_secs: u64,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    /// `200`, `200-299`, `200,302`.
    pub matcher: String,
}

/// A registered target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Target {
    pub id: String,
    pub port: u16,
}

/// A target group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TargetGroup {
    pub arn: String,
    pub name: String,
    pub protocol: String,
    pub port: u16,
    pub vpc_id: Option<String>,
    pub health: HealthCheck,
    pub targets: Vec<Target>,
    pub tags: Vec<Tag>,
}

/// A listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Listener {
    pub arn: String,
    pub load_balancer_arn: String,
    pub port: u16,
    pub protocol: String,
    /// The `DefaultActions` as given (canonical form), validated.
    pub default_actions: Vec<Value>,
    pub certificates: Vec<Value>,
    pub ssl_policy: Option<String>,
    pub tags: Vec<Tag>,
    /// Certificates added with AddListenerCertificates (ARNs), besides the default one.
    #[serde(default)]
    pub extra_certificates: Vec<String>,
    /// The listener's rules besides the default one, in no particular order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// A listener rule (not the default one, which is the listener's `default_actions`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Rule {
    /// The rule's 16-hex-digit id (its ARN's last part).
    pub id: String,
    /// 1 to 50000, unique on the listener.
    pub priority: u32,
    /// The `Conditions`, validated, in canonical form.
    pub conditions: Vec<Value>,
    /// The `Actions`, validated, in canonical form.
    pub actions: Vec<Value>,
    pub tags: Vec<Tag>,
}

impl Listener {
    /// The target groups the listener forwards to.
    pub fn target_groups(&self) -> Vec<String> {
        let mut out = Vec::new();
        let rule_actions = self.rules.iter().flat_map(|r| &r.actions);
        for a in self.default_actions.iter().chain(rule_actions) {
            if let Some(arn) = a.get("TargetGroupArn").and_then(Value::as_str) {
                out.push(arn.to_owned());
            }
            for t in a
                .pointer("/ForwardConfig/TargetGroups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(arn) = t.get("TargetGroupArn").and_then(Value::as_str) {
                    out.push(arn.to_owned());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The target groups of a forward action with their weights (`ForwardConfig.TargetGroups`,
/// weight 1 when not given; a plain `TargetGroupArn` alone has weight 1).
pub(crate) fn weighted_groups(action: &Value) -> Vec<(String, u64)> {
    let listed: Vec<(String, u64)> = action
        .pointer("/ForwardConfig/TargetGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let arn = t.get("TargetGroupArn")?.as_str()?.to_owned();
            Some((arn, t.get("Weight").and_then(Value::as_u64).unwrap_or(1)))
        })
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    action
        .get("TargetGroupArn")
        .and_then(Value::as_str)
        .map(|a| vec![(a.to_owned(), 1)])
        .unwrap_or_default()
}

/// The group of `groups` the `n`th request goes to: each gets its weight's share, in turn.
pub(crate) fn pick_weighted(groups: &[(String, u64)], n: u64) -> Option<&str> {
    let total: u64 = groups.iter().map(|(_, w)| *w).sum();
    if total == 0 {
        return None;
    }
    let mut slot = n % total;
    for (arn, w) in groups {
        if slot < *w {
            return Some(arn);
        }
        slot -= w;
    }
    None
}

/// A target's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Health {
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`.
    pub state: String,
    pub reason: Option<String>,
    pub description: Option<String>,
}

/// The key of a listener record.
pub(crate) fn listener_key(listener: &Name) -> Key {
    Key::new(
        listener.space(),
        LISTENERS,
        format!(
            "{}|{}",
            listener.id,
            listener.listener_id.as_deref().unwrap_or_default()
        ),
    )
}

/// The key of a target's health record.
pub(crate) fn health_key(group: &Name, target: &Target) -> Key {
    Key::new(
        group.space(),
        HEALTH,
        format!("{}|{}|{}", group.id, target.id, target.port),
    )
}

/// The index entry of a listener.
pub(crate) fn listener_index_key(arn: &str) -> Key {
    Key::new(SYSTEM, LISTENER_INDEX, arn)
}

/// The index entry of a target group.
pub(crate) fn target_group_index_key(arn: &str) -> Key {
    Key::new(SYSTEM, TARGET_GROUP_INDEX, arn)
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

/// Every record of `table` in `space`, with its version.
pub(crate) fn list<T: DeserializeOwned>(
    store: &dyn Store,
    space: &str,
    table: &str,
) -> Result<Vec<(T, u64)>, AwsError> {
    records::list(store, space, table).map_err(failed)
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

/// The load balancer `arn` names, with its record's version.
pub(crate) fn load_balancer(
    store: &dyn Store,
    arn: &str,
) -> Result<Option<(LoadBalancer, u64)>, AwsError> {
    let Some(name) = Name::parse(arn).filter(|n| n.kind == crate::names::Kind::LoadBalancer) else {
        return Ok(None);
    };
    let key = Key::new(name.space(), LOAD_BALANCERS, &name.name);
    Ok(read::<LoadBalancer>(store, &key)?.filter(|(lb, _)| lb.arn == arn))
}

/// The target group `arn` names, with its record's version.
pub(crate) fn target_group(
    store: &dyn Store,
    arn: &str,
) -> Result<Option<(TargetGroup, u64)>, AwsError> {
    let Some(name) = Name::parse(arn).filter(|n| n.kind == crate::names::Kind::TargetGroup) else {
        return Ok(None);
    };
    let key = Key::new(name.space(), TARGET_GROUPS, &name.name);
    Ok(read::<TargetGroup>(store, &key)?.filter(|(tg, _)| tg.arn == arn))
}

/// The listener `arn` names, with its record's version.
pub(crate) fn listener(store: &dyn Store, arn: &str) -> Result<Option<(Listener, u64)>, AwsError> {
    let Some(name) = Name::parse(arn).filter(|n| n.kind == crate::names::Kind::Listener) else {
        return Ok(None);
    };
    read(store, &listener_key(&name))
}

/// The listeners of the load balancer `lb` (whose parsed ARN is given).
pub(crate) fn listeners_of(store: &dyn Store, lb: &Name) -> Result<Vec<(Listener, u64)>, AwsError> {
    let items = store
        .scan(
            &lb.space(),
            LISTENERS,
            &Scan::new(format!("{}|", lb.id), usize::MAX),
        )
        .map_err(errors::store)?;
    items
        .into_iter()
        .map(|i| {
            serde_json::from_slice(&i.value)
                .map(|v| (v, i.version))
                .map_err(|_| errors::internal())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn weighted_forwarding() {
        let a = json!({"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": "a", "Weight": 3}, {"TargetGroupArn": "b", "Weight": 1},
            {"TargetGroupArn": "c", "Weight": 0}]}});
        let groups = weighted_groups(&a);
        let picks: Vec<&str> = (0..8).filter_map(|n| pick_weighted(&groups, n)).collect();
        assert_eq!(picks, ["a", "a", "a", "b", "a", "a", "a", "b"]);
        let plain = weighted_groups(&json!({"Type": "forward", "TargetGroupArn": "x"}));
        assert_eq!(plain, vec![("x".to_owned(), 1)]);
        assert_eq!(pick_weighted(&[("z".to_owned(), 0)], 1), None);
    }
}
