//! Target groups (protocol HTTP, target type ip): CreateTargetGroup, DescribeTargetGroups,
//! DeleteTargetGroup, RegisterTargets, DeregisterTargets, DescribeTargetHealth (the health the
//! data plane's checks recorded).

use crate::errors;
use crate::names::{self, Kind, Name};
use crate::paging;
use crate::records::{
    self, HEALTH, Health, HealthCheck, LISTENERS, Listener, TARGET_GROUPS, Tag, Target, TargetGroup,
};
use crate::tags;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key, Scan, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::IpAddr;

/// AWS's quota of targets per target group (application load balancers).
const MAX_TARGETS: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Matcher {
    http_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    name: String,
    protocol: Option<String>,
    port: Option<i64>,
    vpc_id: Option<String>,
    target_type: Option<String>,
    health_check_enabled: Option<bool>,
    health_check_protocol: Option<String>,
    health_check_port: Option<String>,
    health_check_path: Option<String>,
    health_check_interval_seconds: Option<i64>,
    health_check_timeout_seconds: Option<i64>,
    healthy_threshold_count: Option<i64>,
    unhealthy_threshold_count: Option<i64>,
    matcher: Option<Matcher>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn in_range(what: &str, v: Option<i64>, default: i64, lo: i64, hi: i64) -> Result<i64, AwsError> {
    let v = v.unwrap_or(default);
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(errors::validation(format!(
            "{what} must be between {lo} and {hi}"
        )))
    }
}

/// Checks a `Matcher.HttpCode`: codes 200-499, as `200`, `200,302` or `200-299`.
pub(crate) fn valid_matcher(m: &str) -> bool {
    let code = |s: &str| s.parse::<u16>().is_ok_and(|c| (200..=499).contains(&c));
    m.split(',').all(|part| match part.split_once('-') {
        Some((a, b)) => code(a) && code(b) && a <= b,
        None => code(part),
    })
}

/// Whether `status` is one `matcher` accepts.
pub(crate) fn matches(matcher: &str, status: u16) -> bool {
    matcher.split(',').any(|part| match part.split_once('-') {
        Some((a, b)) => {
            a.parse::<u16>().is_ok_and(|a| a <= status)
                && b.parse::<u16>().is_ok_and(|b| status <= b)
        }
        None => part.parse::<u16>() == Ok(status),
    })
}

fn health_check(input: &CreateInput) -> Result<HealthCheck, AwsError> {
    let protocol = input
        .health_check_protocol
        .clone()
        .unwrap_or_else(|| "HTTP".to_owned());
    if protocol != "HTTP" {
        return Err(errors::invalid_configuration(
            "rampart's target groups check health over HTTP only",
        ));
    }
    let port = input
        .health_check_port
        .clone()
        .unwrap_or_else(|| "traffic-port".to_owned());
    if port != "traffic-port" && port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(errors::validation(
            "HealthCheckPort must be 'traffic-port' or 1-65535",
        ));
    }
    let path = input
        .health_check_path
        .clone()
        .unwrap_or_else(|| "/".to_owned());
    if !path.starts_with('/') || path.len() > 1024 {
        return Err(errors::validation(
            "HealthCheckPath must begin with '/' (at most 1024 characters)",
        ));
    }
    let interval = in_range(
        "HealthCheckIntervalSeconds",
        input.health_check_interval_seconds,
        30,
        5,
        300,
    )?;
    let timeout = in_range(
        "HealthCheckTimeoutSeconds",
        input.health_check_timeout_seconds,
        5,
        2,
        120,
    )?;
    if timeout >= interval {
        return Err(errors::validation(
            "Health check timeout must be smaller than the interval",
        ));
    }
    let matcher = input
        .matcher
        .as_ref()
        .and_then(|m| m.http_code.clone())
        .unwrap_or_else(|| "200".to_owned());
    if !valid_matcher(&matcher) {
        return Err(errors::validation(format!(
            "Matcher HttpCode '{matcher}' is not valid"
        )));
    }
    Ok(HealthCheck {
        enabled: input.health_check_enabled.unwrap_or(true),
        protocol,
        port,
        path,
        interval_secs: interval as u64,
        timeout_secs: timeout as u64,
        healthy_threshold: in_range(
            "HealthyThresholdCount",
            input.healthy_threshold_count,
            5,
            2,
            10,
        )? as u32,
        unhealthy_threshold: in_range(
            "UnhealthyThresholdCount",
            input.unhealthy_threshold_count,
            2,
            2,
            10,
        )? as u32,
        matcher,
    })
}

/// The `TargetGroup` shape; `load_balancers` are those whose listeners forward to it.
fn to_api(tg: &TargetGroup, load_balancers: &[String]) -> Value {
    let mut v = json!({
        "TargetGroupArn": tg.arn,
        "TargetGroupName": tg.name,
        "Protocol": tg.protocol,
        "Port": tg.port,
        "HealthCheckEnabled": tg.health.enabled,
        "HealthCheckProtocol": tg.health.protocol,
        "HealthCheckPort": tg.health.port,
        "HealthCheckPath": tg.health.path,
        "HealthCheckIntervalSeconds": tg.health.interval_secs,
        "HealthCheckTimeoutSeconds": tg.health.timeout_secs,
        "HealthyThresholdCount": tg.health.healthy_threshold,
        "UnhealthyThresholdCount": tg.health.unhealthy_threshold,
        "Matcher": {"HttpCode": tg.health.matcher},
        "LoadBalancerArns": load_balancers,
        "TargetType": "ip",
        "ProtocolVersion": "HTTP1",
        "IpAddressType": "ipv4",
    });
    if let Some(vpc) = &tg.vpc_id {
        v["VpcId"] = json!(vpc);
    }
    v
}

/// Every listener of the caller's account and region.
fn listeners_in(store: &dyn Store, space: &str) -> Result<Vec<Listener>, AwsError> {
    Ok(records::list::<Listener>(store, space, LISTENERS)?
        .into_iter()
        .map(|(l, _)| l)
        .collect())
}

/// The load balancers whose listeners forward to `tg_arn`.
fn users(listeners: &[Listener], tg_arn: &str) -> Vec<String> {
    let mut out: Vec<String> = listeners
        .iter()
        .filter(|l| l.target_groups().iter().any(|t| t == tg_arn))
        .map(|l| l.load_balancer_arn.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    if !names::valid_name(&input.name) {
        return Err(errors::validation(format!(
            "Target group name '{}' is not valid: 1-32 alphanumeric characters or hyphens, not beginning or ending with a hyphen",
            input.name
        )));
    }
    match input.target_type.as_deref() {
        Some("ip") => {}
        other => {
            return Err(errors::invalid_configuration(format!(
                "rampart supports target type 'ip' only, not '{}'",
                other.unwrap_or("instance")
            )));
        }
    }
    let protocol = input
        .protocol
        .clone()
        .ok_or_else(|| errors::validation("A protocol must be specified"))?;
    if protocol != "HTTP" {
        return Err(errors::invalid_configuration(format!(
            "rampart's target groups speak HTTP only, not '{protocol}'"
        )));
    }
    let port = match input.port {
        Some(p @ 1..=65535) => p as u16,
        Some(_) => return Err(errors::validation("Port must be between 1 and 65535")),
        None => return Err(errors::validation("A port must be specified")),
    };
    let health = health_check(&input)?;
    tags::check(&input.tags)?;
    let space = names::space(call);
    let key = Key::new(space.clone(), TARGET_GROUPS, &input.name);
    if let Some((existing, _)) = records::read::<TargetGroup>(store, &key)? {
        if existing.port == port && existing.health == health {
            let lbs = users(&listeners_in(store, &space)?, &existing.arn);
            return Ok(json!({"TargetGroups": [to_api(&existing, &lbs)]}));
        }
        return Err(errors::duplicate_target_group());
    }
    let id = names::new_id()?;
    let tg = TargetGroup {
        arn: names::target_group_arn(call, &input.name, &id),
        name: input.name,
        protocol,
        port,
        vpc_id: input.vpc_id,
        health,
        targets: Vec::new(),
        tags: input.tags,
    };
    let batch = records::put(Batch::new(), key, &tg, Expect::Absent)?
        .put(records::target_group_index_key(&tg.arn), Vec::new());
    store.commit(batch).map_err(errors::store)?;
    Ok(json!({"TargetGroups": [to_api(&tg, &[])]}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    load_balancer_arn: Option<String>,
    target_group_arns: Option<Vec<String>>,
    names: Option<Vec<String>>,
    marker: Option<String>,
    page_size: Option<i64>,
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let space = names::space(call);
    let listeners = listeners_in(store, &space)?;
    let all = || -> Result<Vec<TargetGroup>, AwsError> {
        Ok(records::list::<TargetGroup>(store, &space, TARGET_GROUPS)?
            .into_iter()
            .map(|(t, _)| t)
            .collect())
    };
    let given = [
        input.load_balancer_arn.is_some(),
        input.target_group_arns.is_some(),
        input.names.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(errors::validation(
            "Only one of LoadBalancerArn, TargetGroupArns and Names can be specified",
        ));
    }
    let found: Vec<TargetGroup> = if let Some(lb) = &input.load_balancer_arn {
        if records::load_balancer(store, lb)?.is_none() {
            return Err(errors::load_balancer_not_found());
        }
        all()?
            .into_iter()
            .filter(|t| users(&listeners, &t.arn).contains(lb))
            .collect()
    } else if let Some(arns) = &input.target_group_arns {
        arns.iter()
            .map(|arn| {
                records::target_group(store, arn)?
                    .filter(|_| Name::parse(arn).is_some_and(|n| n.space() == space))
                    .map(|(t, _)| t)
                    .ok_or_else(errors::target_group_not_found)
            })
            .collect::<Result<_, _>>()?
    } else if let Some(wanted) = &input.names {
        wanted
            .iter()
            .map(|n| {
                records::read::<TargetGroup>(store, &Key::new(space.clone(), TARGET_GROUPS, n))?
                    .map(|(t, _)| t)
                    .ok_or_else(errors::target_group_not_found)
            })
            .collect::<Result<_, _>>()?
    } else {
        all()?
    };
    let items = found
        .iter()
        .map(|t| to_api(t, &users(&listeners, &t.arn)))
        .collect();
    paging::page(
        "TargetGroups",
        items,
        input.marker.as_deref(),
        input.page_size,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    target_group_arn: String,
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let Some((tg, version)) = records::target_group(store, &input.target_group_arn)? else {
        return Ok(json!({}));
    };
    let name = Name::parse(&tg.arn).ok_or_else(errors::internal)?;
    if !users(&listeners_in(store, &name.space())?, &tg.arn).is_empty() {
        return Err(errors::in_use(format!(
            "Target group '{}' is currently in use by a listener or a rule",
            tg.arn
        )));
    }
    let mut batch = Batch::new()
        .delete_if(
            Key::new(name.space(), TARGET_GROUPS, &name.name),
            Expect::Version(version),
        )
        .delete(records::target_group_index_key(&tg.arn));
    for item in store
        .scan(
            &name.space(),
            HEALTH,
            &Scan::new(format!("{}|", name.id), usize::MAX),
        )
        .map_err(errors::store)?
    {
        batch = batch.delete(item.key);
    }
    store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TargetInput {
    id: String,
    port: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TargetsInput {
    target_group_arn: String,
    #[serde(default)]
    targets: Vec<TargetInput>,
}

/// The group `arn` names in the caller's account and region.
fn own_group(call: &Call<'_>, arn: &str) -> Result<(TargetGroup, u64, Name), AwsError> {
    let name = Name::parse(arn)
        .filter(|n| n.kind == Kind::TargetGroup && n.space() == names::space(call))
        .ok_or_else(errors::target_group_not_found)?;
    let (tg, version) = records::target_group(call.env.store.as_ref(), arn)?
        .ok_or_else(errors::target_group_not_found)?;
    Ok((tg, version, name))
}

fn targets(tg: &TargetGroup, given: Vec<TargetInput>) -> Result<Vec<Target>, AwsError> {
    given
        .into_iter()
        .map(|t| {
            if t.id.parse::<IpAddr>().is_err() {
                return Err(errors::invalid_target(format!(
                    "The IP address '{}' is not valid for a target of type ip",
                    t.id
                )));
            }
            let port = match t.port {
                None => tg.port,
                Some(p @ 1..=65535) => p as u16,
                Some(_) => return Err(errors::validation("Port must be between 1 and 65535")),
            };
            Ok(Target { id: t.id, port })
        })
        .collect()
}

fn register_targets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: TargetsInput = from_input(input, "ValidationError")?;
    let (mut tg, version, name) = own_group(call, &input.target_group_arn)?;
    for t in targets(&tg, input.targets)? {
        if !tg.targets.contains(&t) {
            tg.targets.push(t);
        }
    }
    if tg.targets.len() > MAX_TARGETS {
        return Err(AwsError::new(
            "TooManyTargets",
            400,
            "You've reached the limit on the number of targets",
        ));
    }
    let key = Key::new(name.space(), TARGET_GROUPS, &name.name);
    let batch = records::put(Batch::new(), key, &tg, Expect::Version(version))?;
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

fn deregister_targets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: TargetsInput = from_input(input, "ValidationError")?;
    let (mut tg, version, name) = own_group(call, &input.target_group_arn)?;
    let gone = targets(&tg, input.targets)?;
    if let Some(t) = gone.iter().find(|t| !tg.targets.contains(t)) {
        return Err(errors::invalid_target(format!(
            "The target '{}' on port {} is not registered",
            t.id, t.port
        )));
    }
    tg.targets.retain(|t| !gone.contains(t));
    let key = Key::new(name.space(), TARGET_GROUPS, &name.name);
    let mut batch = records::put(Batch::new(), key, &tg, Expect::Version(version))?;
    for t in &gone {
        batch = batch.delete(records::health_key(&name, t));
    }
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

/// What DescribeTargetHealth reports for a registered target without a check result.
pub(crate) fn initial() -> Health {
    Health {
        state: "initial".into(),
        reason: Some("Elb.InitialHealthChecking".into()),
        description: Some("Initial health checks in progress".into()),
    }
}

fn describe_health(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: TargetsInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let (tg, _, name) = own_group(call, &input.target_group_arn)?;
    let in_use = !users(&listeners_in(store, &name.space())?, &tg.arn).is_empty();
    let asked = if input.targets.is_empty() {
        tg.targets.clone()
    } else {
        targets(&tg, input.targets)?
    };
    let mut out = Vec::new();
    for t in &asked {
        let health = if !tg.targets.contains(t) {
            Health {
                state: "unused".into(),
                reason: Some("Target.NotRegistered".into()),
                description: Some("Target is not registered to the target group".into()),
            }
        } else if !in_use {
            Health {
                state: "unused".into(),
                reason: Some("Target.NotInUse".into()),
                description: Some(
                    "Target group is not configured to receive traffic from the load balancer"
                        .into(),
                ),
            }
        } else {
            records::read::<Health>(store, &records::health_key(&name, t))?
                .map(|(h, _)| h)
                .unwrap_or_else(initial)
        };
        let mut th = json!({"State": health.state});
        if let Some(r) = health.reason {
            th["Reason"] = json!(r);
        }
        if let Some(d) = health.description {
            th["Description"] = json!(d);
        }
        let port = if tg.health.port == "traffic-port" {
            t.port.to_string()
        } else {
            tg.health.port.clone()
        };
        out.push(json!({
            "Target": {"Id": t.id, "Port": t.port},
            "HealthCheckPort": port,
            "TargetHealth": th,
        }));
    }
    Ok(json!({"TargetHealthDescriptions": out}))
}

/// Registers the target group operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("elbv2", "CreateTargetGroup", false, create);
    registry.register("elbv2", "DescribeTargetGroups", true, describe);
    registry.register("elbv2", "DeleteTargetGroup", false, delete);
    registry.register("elbv2", "RegisterTargets", false, register_targets);
    registry.register("elbv2", "DeregisterTargets", false, deregister_targets);
    registry.register("elbv2", "DescribeTargetHealth", true, describe_health);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers() {
        assert!(valid_matcher("200") && valid_matcher("200,302") && valid_matcher("200-299"));
        assert!(!valid_matcher("199") && !valid_matcher("500") && !valid_matcher("x"));
        assert!(matches("200-299", 204) && !matches("200-299", 301));
        assert!(matches("200,302", 302) && !matches("200", 404));
    }
}
