//! CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer (application load balancers;
//! subnets and security groups are kept as given: there is no VPC model).

use crate::errors;
use crate::names::{self, Name};
use crate::paging;
use crate::records::{self, LOAD_BALANCERS, LoadBalancer, Tag};
use crate::tags;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds, from_input};
use rampart_store::{Batch, Expect, Key};
use serde::Deserialize;
use serde_json::{Value, json};

/// The hosted zone id AWS gives application load balancers (us-east-1's; rampart has no DNS).
const HOSTED_ZONE: &str = "Z35SXDOTRQ7X7K";
/// AWS's default quota of load balancers per Region.
const MAX_LOAD_BALANCERS: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SubnetMapping {
    subnet_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    name: String,
    #[serde(default)]
    subnets: Vec<String>,
    #[serde(default)]
    subnet_mappings: Vec<SubnetMapping>,
    #[serde(default)]
    security_groups: Vec<String>,
    scheme: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
    r#type: Option<String>,
    ip_address_type: Option<String>,
}

/// The `LoadBalancer` shape.
pub(crate) fn to_api(lb: &LoadBalancer) -> Value {
    let region = Name::parse(&lb.arn).map(|n| n.region).unwrap_or_default();
    let zones: Vec<Value> = lb
        .subnets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let letter = char::from(b'a' + (i % 6) as u8);
            json!({"ZoneName": format!("{region}{letter}"), "SubnetId": s, "LoadBalancerAddresses": []})
        })
        .collect();
    json!({
        "LoadBalancerArn": lb.arn,
        "DNSName": lb.dns_name,
        "CanonicalHostedZoneId": HOSTED_ZONE,
        "CreatedTime": lb.created,
        "LoadBalancerName": lb.name,
        "Scheme": lb.scheme,
        "State": {"Code": "active"},
        "Type": "application",
        "AvailabilityZones": zones,
        "SecurityGroups": lb.security_groups,
        "IpAddressType": lb.ip_address_type,
    })
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    if !names::valid_name(&input.name) || input.name.starts_with("internal-") {
        return Err(errors::validation(format!(
            "The load balancer name '{}' is not valid: 1-32 alphanumeric characters or hyphens, not beginning or ending with a hyphen, not beginning with 'internal-'",
            input.name
        )));
    }
    match input.r#type.as_deref() {
        None | Some("application") => {}
        Some(other) => {
            return Err(errors::invalid_configuration(format!(
                "rampart supports application load balancers only, not '{other}'"
            )));
        }
    }
    let scheme = input.scheme.unwrap_or_else(|| "internet-facing".to_owned());
    if !matches!(scheme.as_str(), "internet-facing" | "internal") {
        return Err(errors::validation(format!(
            "Scheme '{scheme}' is not valid"
        )));
    }
    let ip_address_type = input.ip_address_type.unwrap_or_else(|| "ipv4".to_owned());
    let mut subnets = input.subnets;
    subnets.extend(input.subnet_mappings.into_iter().map(|m| m.subnet_id));
    tags::check(&input.tags)?;
    let space = names::space(call);
    let key = Key::new(space.clone(), LOAD_BALANCERS, &input.name);
    if let Some((existing, _)) = records::read::<LoadBalancer>(store, &key)? {
        // AWS answers an identical request again with the existing load balancer.
        if existing.subnets == subnets && existing.scheme == scheme {
            return Ok(json!({"LoadBalancers": [to_api(&existing)]}));
        }
        return Err(errors::duplicate_load_balancer());
    }
    if records::list::<Value>(store, &space, LOAD_BALANCERS)?.len() >= MAX_LOAD_BALANCERS {
        return Err(AwsError::new(
            "TooManyLoadBalancers",
            400,
            "The quota for the number of load balancers has been reached",
        ));
    }
    let id = names::new_id()?;
    let lb = LoadBalancer {
        arn: names::load_balancer_arn(call, &input.name, &id),
        dns_name: names::dns_name(&input.name, &id, scheme == "internal", call.region.as_str()),
        name: input.name,
        created: epoch_seconds(call.env.clock.now()),
        scheme,
        ip_address_type,
        subnets,
        security_groups: input.security_groups,
        tags: input.tags,
    };
    let batch = records::put(Batch::new(), key, &lb, Expect::Absent)?;
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({"LoadBalancers": [to_api(&lb)]}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    load_balancer_arns: Option<Vec<String>>,
    names: Option<Vec<String>>,
    marker: Option<String>,
    page_size: Option<i64>,
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let space = names::space(call);
    let found: Vec<LoadBalancer> = match (input.load_balancer_arns, input.names) {
        (Some(_), Some(_)) => {
            return Err(errors::validation(
                "Load balancer names and load balancer ARNs cannot be specified at the same time",
            ));
        }
        (Some(arns), None) => arns
            .iter()
            .map(|arn| {
                records::load_balancer(store, arn)?
                    .filter(|_| Name::parse(arn).is_some_and(|n| n.space() == space))
                    .map(|(lb, _)| lb)
                    .ok_or_else(errors::load_balancer_not_found)
            })
            .collect::<Result<_, _>>()?,
        (None, Some(wanted)) => wanted
            .iter()
            .map(|n| {
                records::read::<LoadBalancer>(store, &Key::new(space.clone(), LOAD_BALANCERS, n))?
                    .map(|(lb, _)| lb)
                    .ok_or_else(errors::load_balancer_not_found)
            })
            .collect::<Result<_, _>>()?,
        (None, None) => records::list::<LoadBalancer>(store, &space, LOAD_BALANCERS)?
            .into_iter()
            .map(|(lb, _)| lb)
            .collect(),
    };
    let items = found.iter().map(to_api).collect();
    paging::page(
        "LoadBalancers",
        items,
        input.marker.as_deref(),
        input.page_size,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    load_balancer_arn: String,
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    // Deleting a load balancer that does not exist succeeds, as in AWS.
    let Some((lb, version)) = records::load_balancer(store, &input.load_balancer_arn)? else {
        return Ok(json!({}));
    };
    let Some(name) = Name::parse(&lb.arn) else {
        return Err(errors::internal());
    };
    let mut batch = Batch::new().delete_if(
        Key::new(name.space(), LOAD_BALANCERS, &name.name),
        Expect::Version(version),
    );
    // Its listeners go with it.
    for (l, v) in records::listeners_of(store, &name)? {
        if let Some(ln) = Name::parse(&l.arn) {
            batch = batch
                .delete_if(records::listener_key(&ln), Expect::Version(v))
                .delete(records::listener_index_key(&l.arn));
        }
    }
    store.commit(batch).map_err(errors::store)?;
    // Its web ACL association goes too: GetWebACLForResource then answers nothing.
    rampart_svc_waf::disassociate_resource(call.env, &lb.arn)?;
    Ok(json!({}))
}

/// Registers the load balancer operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("elbv2", "CreateLoadBalancer", false, create);
    registry.register("elbv2", "DescribeLoadBalancers", true, describe);
    registry.register("elbv2", "DeleteLoadBalancer", false, delete);
}
