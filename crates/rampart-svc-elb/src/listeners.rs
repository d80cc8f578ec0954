//! Listeners: CreateListener, DescribeListeners, ModifyListener, DeleteListener. A listener's
//! default actions forward to target groups or answer a fixed response; the data plane
//! serves every listener in the server-wide index.

use crate::errors;
use crate::listener_certificates;
use crate::names::{self, Kind, Name};
use crate::paging;
use crate::records::{self, LISTENER_INDEX, Listener, Tag};
use crate::tags;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::space::SYSTEM;
use rampart_store::{Batch, Expect, Scan, Store};
use serde::Deserialize;
use serde_json::{Value, json};

/// AWS's quota of listeners per application load balancer.
const MAX_LISTENERS: usize = 50;
/// The most target groups of one forward action.
const MAX_FORWARD_GROUPS: usize = 5;

/// The `Listener` shape.
pub(crate) fn to_api(l: &Listener) -> Value {
    let mut v = json!({
        "ListenerArn": l.arn,
        "LoadBalancerArn": l.load_balancer_arn,
        "Port": l.port,
        "Protocol": l.protocol,
        "DefaultActions": l.default_actions,
    });
    if !l.certificates.is_empty() {
        v["Certificates"] = json!(l.certificates);
    }
    if let Some(p) = &l.ssl_policy {
        v["SslPolicy"] = json!(p);
    }
    v
}

fn port(p: Option<i64>) -> Result<u16, AwsError> {
    match p {
        Some(p @ 1..=65535) => Ok(p as u16),
        Some(_) => Err(errors::validation("Port must be between 1 and 65535")),
        None => Err(errors::validation("A listener port must be specified")),
    }
}

fn protocol(p: Option<&str>) -> Result<String, AwsError> {
    match p.unwrap_or("HTTP") {
        p @ ("HTTP" | "HTTPS") => Ok(p.to_owned()),
        other => Err(errors::unsupported_protocol(format!(
            "Protocol '{other}' is not supported by application load balancers in rampart"
        ))),
    }
}

/// Validates `actions` against the target groups of `space`, in `Order` order.
pub(crate) fn check_actions(
    store: &dyn Store,
    space: &str,
    mut actions: Vec<Value>,
) -> Result<Vec<Value>, AwsError> {
    if actions.is_empty() {
        return Err(errors::validation("At least one action must be specified"));
    }
    if actions.len() > 1 {
        return Err(AwsError::new(
            "TooManyActions",
            400,
            "rampart supports one action per rule (forward, redirect or fixed-response)",
        ));
    }
    for a in &mut actions {
        match a.get("Type").and_then(Value::as_str) {
            Some("forward") => {
                let mut groups: Vec<String> = Vec::new();
                if let Some(arn) = a.get("TargetGroupArn").and_then(Value::as_str) {
                    groups.push(arn.to_owned());
                }
                for t in a
                    .pointer("/ForwardConfig/TargetGroups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(arn) = t.get("TargetGroupArn").and_then(Value::as_str) {
                        groups.push(arn.to_owned());
                    }
                }
                let listed = a
                    .pointer("/ForwardConfig/TargetGroups")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if listed > MAX_FORWARD_GROUPS {
                    return Err(AwsError::new(
                        "TooManyTargetGroups",
                        400,
                        format!(
                            "A forward action can have at most {MAX_FORWARD_GROUPS} target groups"
                        ),
                    ));
                }
                let bad_weight = a
                    .pointer("/ForwardConfig/TargetGroups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.get("Weight").and_then(Value::as_i64))
                    .any(|w| !(0..=999).contains(&w));
                if bad_weight {
                    return Err(errors::validation(
                        "A target group weight must be between 0 and 999",
                    ));
                }
                groups.sort();
                groups.dedup();
                if groups.is_empty() {
                    return Err(errors::validation("A forward action needs a target group"));
                }
                for g in &groups {
                    let ours = Name::parse(g)
                        .is_some_and(|n| n.kind == Kind::TargetGroup && n.space() == space);
                    if !ours || records::target_group(store, g)?.is_none() {
                        return Err(errors::target_group_not_found());
                    }
                }
                if a.get("TargetGroupArn").is_none() && groups.len() == 1 {
                    a["TargetGroupArn"] = json!(groups[0]);
                }
            }
            Some("fixed-response") => {
                let code = a
                    .pointer("/FixedResponseConfig/StatusCode")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ok = code.len() == 3
                    && code
                        .parse::<u16>()
                        .is_ok_and(|c| (200..=599).contains(&c) && !(300..400).contains(&c));
                if !ok {
                    return Err(errors::validation(format!(
                        "Fixed response status code '{code}' is not valid (2XX, 4XX or 5XX)"
                    )));
                }
                let body = a
                    .pointer("/FixedResponseConfig/MessageBody")
                    .and_then(Value::as_str);
                if body.is_some_and(|b| b.len() > 1024) {
                    return Err(errors::validation(
                        "A fixed response body is at most 1024 characters",
                    ));
                }
            }
            Some("redirect") => {
                a["RedirectConfig"] = crate::redirect::check(a.get("RedirectConfig"))?;
            }
            other => {
                return Err(AwsError::new(
                    "InvalidLoadBalancerAction",
                    400,
                    format!(
                        "rampart supports forward, redirect and fixed-response actions, not '{}'",
                        other.unwrap_or_default()
                    ),
                ));
            }
        }
    }
    if let Some(a) = actions.first_mut() {
        a["Order"] = json!(1);
    }
    Ok(actions)
}

/// Whether another load balancer's listener in the whole server holds `port` (the data plane
/// binds every listener on one address).
fn port_taken_elsewhere(store: &dyn Store, port: u16, except: &str) -> Result<bool, AwsError> {
    let items = store
        .scan(SYSTEM, LISTENER_INDEX, &Scan::all())
        .map_err(errors::store)?;
    Ok(items
        .iter()
        .any(|i| i.key.id != except && i.value == port.to_string().as_bytes()))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    load_balancer_arn: String,
    protocol: Option<String>,
    port: Option<i64>,
    #[serde(default)]
    default_actions: Vec<Value>,
    #[serde(default)]
    certificates: Vec<Value>,
    ssl_policy: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let lb_name = Name::parse(&input.load_balancer_arn)
        .filter(|n| n.kind == Kind::LoadBalancer && n.space() == names::space(call))
        .ok_or_else(errors::load_balancer_not_found)?;
    let Some((lb, _)) = records::load_balancer(store, &input.load_balancer_arn)? else {
        return Err(errors::load_balancer_not_found());
    };
    let port = port(input.port)?;
    let protocol = protocol(input.protocol.as_deref())?;
    let (certificates, ssl_policy) =
        listener_certificates::settings(call, &protocol, &input.certificates, input.ssl_policy)?;
    let actions = check_actions(store, &lb_name.space(), input.default_actions)?;
    tags::check(&input.tags)?;
    let existing = records::listeners_of(store, &lb_name)?;
    if let Some((same, _)) = existing.iter().find(|(l, _)| l.port == port) {
        // The same request again answers the existing listener, as AWS does.
        if same.protocol == protocol && same.default_actions == actions {
            return Ok(json!({"Listeners": [to_api(same)]}));
        }
        return Err(errors::duplicate_listener());
    }
    if existing.len() >= MAX_LISTENERS {
        return Err(AwsError::new(
            "TooManyListeners",
            400,
            "You've reached the limit on the number of listeners per load balancer",
        ));
    }
    let arn = names::listener_arn(&lb_name, &names::new_id()?);
    if port_taken_elsewhere(store, port, &arn)? {
        return Err(errors::invalid_configuration(format!(
            "Port {port} is already served by another load balancer's listener on this rampart data plane"
        )));
    }
    let listener = Listener {
        arn: arn.clone(),
        load_balancer_arn: lb.arn,
        port,
        protocol,
        default_actions: actions,
        certificates,
        ssl_policy,
        tags: input.tags,
        extra_certificates: Vec::new(),
        rules: Vec::new(),
    };
    let name = Name::parse(&arn).ok_or_else(errors::internal)?;
    let batch = records::put(
        Batch::new(),
        records::listener_key(&name),
        &listener,
        Expect::Absent,
    )?
    .put(records::listener_index_key(&arn), port.to_string());
    store.commit(batch).map_err(errors::store)?;
    Ok(json!({"Listeners": [to_api(&listener)]}))
}

/// Commits the changed listener `l` (read at `version`) and touches its index entry, so the
/// data plane picks the change up.
pub(crate) fn save(
    call: &Call<'_>,
    name: &Name,
    l: &Listener,
    version: u64,
) -> Result<(), AwsError> {
    let batch = records::put(
        Batch::new(),
        records::listener_key(name),
        l,
        Expect::Version(version),
    )?
    .put(records::listener_index_key(&l.arn), l.port.to_string());
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    load_balancer_arn: Option<String>,
    listener_arns: Option<Vec<String>>,
    marker: Option<String>,
    page_size: Option<i64>,
}

/// The listener `arn` names in the caller's account and region, its version and parsed ARN.
pub(crate) fn own(call: &Call<'_>, arn: &str) -> Result<(Listener, u64, Name), AwsError> {
    let name = Name::parse(arn)
        .filter(|n| n.kind == Kind::Listener && n.space() == names::space(call))
        .ok_or_else(errors::listener_not_found)?;
    let (l, v) =
        records::listener(call.env.store.as_ref(), arn)?.ok_or_else(errors::listener_not_found)?;
    Ok((l, v, name))
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let found: Vec<Listener> = match (&input.load_balancer_arn, &input.listener_arns) {
        (Some(_), Some(_)) => {
            return Err(errors::validation(
                "Listener ARNs and a load balancer ARN cannot be specified at the same time",
            ));
        }
        (Some(lb), None) => {
            let name = Name::parse(lb)
                .filter(|n| n.kind == Kind::LoadBalancer && n.space() == names::space(call))
                .ok_or_else(errors::load_balancer_not_found)?;
            if records::load_balancer(store, lb)?.is_none() {
                return Err(errors::load_balancer_not_found());
            }
            records::listeners_of(store, &name)?
                .into_iter()
                .map(|(l, _)| l)
                .collect()
        }
        (None, Some(arns)) => arns
            .iter()
            .map(|a| own(call, a).map(|(l, _, _)| l))
            .collect::<Result<_, _>>()?,
        (None, None) => {
            return Err(errors::validation(
                "You must specify either listener ARNs or a load balancer ARN",
            ));
        }
    };
    let items = found.iter().map(to_api).collect();
    paging::page("Listeners", items, input.marker.as_deref(), input.page_size)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyInput {
    listener_arn: String,
    protocol: Option<String>,
    port: Option<i64>,
    default_actions: Option<Vec<Value>>,
    certificates: Option<Vec<Value>>,
    ssl_policy: Option<String>,
}

fn modify(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ModifyInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let (mut l, version, name) = own(call, &input.listener_arn)?;
    if let Some(p) = input.port {
        let p = port(Some(p))?;
        if p != l.port {
            let lb = Name::parse(&l.load_balancer_arn).ok_or_else(errors::internal)?;
            if records::listeners_of(store, &lb)?
                .iter()
                .any(|(o, _)| o.port == p)
            {
                return Err(errors::duplicate_listener());
            }
            if port_taken_elsewhere(store, p, &l.arn)? {
                return Err(errors::invalid_configuration(format!(
                    "Port {p} is already served by another load balancer's listener on this rampart data plane"
                )));
            }
            l.port = p;
        }
    }
    if let Some(p) = &input.protocol {
        l.protocol = protocol(Some(p))?;
    }
    let tls_changed =
        input.protocol.is_some() || input.certificates.is_some() || input.ssl_policy.is_some();
    if tls_changed {
        let certificates = input.certificates.unwrap_or_else(|| l.certificates.clone());
        let policy = input.ssl_policy.or_else(|| l.ssl_policy.clone());
        let (c, p) = listener_certificates::settings(call, &l.protocol, &certificates, policy)?;
        (l.certificates, l.ssl_policy) = (c, p);
        if l.protocol != "HTTPS" {
            l.extra_certificates.clear();
        }
    }
    if let Some(actions) = input.default_actions {
        l.default_actions = check_actions(store, &name.space(), actions)?;
    }
    save(call, &name, &l, version)?;
    Ok(json!({"Listeners": [to_api(&l)]}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    listener_arn: String,
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteInput = from_input(input, "ValidationError")?;
    let (l, version, name) = own(call, &input.listener_arn)?;
    let batch = Batch::new()
        .delete_if(records::listener_key(&name), Expect::Version(version))
        .delete(records::listener_index_key(&l.arn));
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

/// Registers the listener operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("elbv2", "CreateListener", false, create);
    registry.register("elbv2", "DescribeListeners", true, describe);
    registry.register("elbv2", "ModifyListener", false, modify);
    registry.register("elbv2", "DeleteListener", false, delete);
}
