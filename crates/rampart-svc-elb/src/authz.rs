//! ELBv2's authorization table (Service Authorization Reference): `elasticloadbalancing:<Op>`
//! on the resource the request names (for creations, an ARN built from the requested name
//! with `*` for the id AWS has not minted yet), `*` for the wildcard-only Describe actions,
//! `aws:RequestTag`/`aws:TagKeys` for tags, and `elasticloadbalancing:AddTags` with
//! `elasticloadbalancing:CreateAction` when a creation carries tags, as AWS asks.

use crate::names::{self, Name};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;

fn text<'a>(input: &'a Value, member: &str) -> &'a str {
    input
        .get(member)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn request_tags(input: &Value) -> Vec<(&str, &str)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let k = t.get("Key")?.as_str()?;
            Some((
                k,
                t.get("Value").and_then(Value::as_str).unwrap_or_default(),
            ))
        })
        .collect()
}

/// The access to create `resource`, plus AddTags when the request tags it.
fn create(operation: &str, resource: String, input: &Value) -> Vec<Access> {
    let tags = request_tags(input);
    let mut out = vec![
        Access::new(
            format!("elasticloadbalancing:{operation}"),
            resource.clone(),
        )
        .with_request_tags(tags.iter().copied()),
    ];
    if !tags.is_empty() {
        out.push(
            Access::new("elasticloadbalancing:AddTags", resource)
                .with("elasticloadbalancing:CreateAction", operation)
                .with_request_tags(tags.iter().copied()),
        );
    }
    out
}

/// An ARN the request names, or a placeholder of the right kind in the caller's account
/// when it is malformed (the handler then answers NotFound or ValidationError).
fn named(
    call: &Call<'_>,
    input: &Value,
    member: &str,
    fallback: fn(&Call<'_>) -> String,
) -> String {
    let arn = text(input, member);
    if Name::parse(arn).is_some() {
        arn.to_owned()
    } else {
        fallback(call)
    }
}

fn any_lb(call: &Call<'_>) -> String {
    names::load_balancer_arn(call, "*", "*")
}

fn any_tg(call: &Call<'_>) -> String {
    names::target_group_arn(call, "*", "*")
}

fn any_listener(call: &Call<'_>) -> String {
    format!(
        "{}/*",
        names::load_balancer_arn(call, "*", "*").replace(":loadbalancer/", ":listener/")
    )
}

/// The accesses elbv2 `operation` with `input` needs.
fn any_rule(call: &Call<'_>) -> String {
    format!(
        "{}/*/*",
        names::load_balancer_arn(call, "*", "*").replace(":loadbalancer/", ":listener-rule/")
    )
}

pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("elasticloadbalancing:{operation}");
    Ok(match operation {
        "DescribeLoadBalancers"
        | "DescribeTargetGroups"
        | "DescribeListeners"
        | "DescribeTargetHealth"
        | "DescribeRules"
        | "DescribeSSLPolicies"
        | "DescribeListenerCertificates"
        | "DescribeTags" => vec![Access::new(action, "*")],
        "CreateLoadBalancer" => {
            let name = text(input, "Name");
            let name = if name.is_empty() { "*" } else { name };
            create(operation, names::load_balancer_arn(call, name, "*"), input)
        }
        "CreateTargetGroup" => {
            let name = text(input, "Name");
            let name = if name.is_empty() { "*" } else { name };
            create(operation, names::target_group_arn(call, name, "*"), input)
        }
        "DeleteLoadBalancer" => vec![Access::new(
            action,
            named(call, input, "LoadBalancerArn", any_lb),
        )],
        "CreateListener" => create(
            operation,
            named(call, input, "LoadBalancerArn", any_lb),
            input,
        ),
        "DeleteTargetGroup" | "RegisterTargets" | "DeregisterTargets" => {
            vec![Access::new(
                action,
                named(call, input, "TargetGroupArn", any_tg),
            )]
        }
        "CreateRule" => create(
            operation,
            named(call, input, "ListenerArn", any_listener),
            input,
        ),
        "ModifyRule" | "DeleteRule" => {
            vec![Access::new(action, named(call, input, "RuleArn", any_rule))]
        }
        "SetRulePriorities" => {
            let arns: Vec<Access> = input
                .get("RulePriorities")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("RuleArn").and_then(Value::as_str))
                .filter(|a| Name::parse(a).is_some())
                .map(|a| Access::new(action.clone(), a))
                .collect();
            if arns.is_empty() {
                vec![Access::new(action, any_rule(call))]
            } else {
                arns
            }
        }
        "ModifyListener"
        | "DeleteListener"
        | "AddListenerCertificates"
        | "RemoveListenerCertificates" => {
            vec![Access::new(
                action,
                named(call, input, "ListenerArn", any_listener),
            )]
        }
        "AddTags" | "RemoveTags" => {
            let tags = request_tags(input);
            let keys: Vec<&str> = input
                .get("TagKeys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let out = input
                .get("ResourceArns")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|a| Name::parse(a).is_some())
                .map(|arn| {
                    let a = Access::new(action.clone(), arn);
                    if operation == "AddTags" {
                        a.with_request_tags(tags.iter().copied())
                    } else if keys.is_empty() {
                        a
                    } else {
                        a.with_multi("aws:TagKeys", keys.iter().copied())
                    }
                })
                .collect::<Vec<_>>();
            if out.is_empty() {
                vec![Access::new(action, any_lb(call))]
            } else {
                out
            }
        }
        _ => return Err(no_rule("elbv2", operation)),
    })
}
