//! Parameter Store's authorization table (Service Authorization Reference): each operation's
//! action on the parameter ARNs it names, with `aws:RequestTag/*`, `aws:TagKeys`,
//! `aws:ResourceTag/*`, `ssm:Overwrite`, `ssm:Policies` and `ssm:Recursive`.
//!
//! GetParametersByPath is authorized on the path's ARN, not on the parameters it returns, as in
//! AWS. Public parameters (`/aws/service/...`) have ARNs without an account; they are asked in
//! the caller's account so that the caller's own policies decide.

use crate::name;
use crate::public;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;

fn text<'a>(input: &'a Value, member: &str) -> &'a str {
    input
        .get(member)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn list<'a>(input: &'a Value, member: &str) -> Vec<&'a str> {
    input
        .get(member)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn flag(input: &Value, member: &str) -> &'static str {
    if input.get(member).and_then(Value::as_bool).unwrap_or(false) {
        "true"
    } else {
        "false"
    }
}

/// `action` on the parameter a name or ARN names (selector dropped), with its tags as
/// `aws:ResourceTag/*`.
fn on_parameter(call: &Call<'_>, action: &str, requested: &str) -> Result<Access, AwsError> {
    let target = name::target(call, requested);
    let name = target
        .candidates
        .first()
        .map(String::as_str)
        .unwrap_or_default();
    if public::is_public(name) {
        return Ok(public_access(call, action, name));
    }
    let tags = match crate::read::load_target(call, requested)? {
        Some((_, parameter)) => parameter
            .tag_pairs()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        None => Vec::new(),
    };
    let resource = target.arn.unwrap_or_else(|| name::arn(call, name));
    Ok(Access::new(action, resource)
        .with_resource_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
}

fn public_access(call: &Call<'_>, action: &str, name: &str) -> Access {
    Access::new(
        action,
        name::arn_in(call.env.partition.as_str(), call.region.as_str(), "", name),
    )
    .with_resource_account(call.principal.account.clone())
}

fn request_tags(input: &Value) -> Vec<(&str, &str)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| (text(t, "Key"), text(t, "Value")))
                .collect()
        })
        .unwrap_or_default()
}

/// The accesses Parameter Store `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("ssm:{operation}");
    Ok(match operation {
        "PutParameter" => {
            let name = name::trimmed(text(input, "Name"));
            let has_policies = input.get("Policies").and_then(Value::as_str).is_some();
            vec![
                on_parameter(call, &action, name)?
                    .with("ssm:Overwrite", flag(input, "Overwrite"))
                    .with("ssm:Policies", if has_policies { "true" } else { "false" })
                    .with_request_tags(request_tags(input)),
            ]
        }
        "GetParameter"
        | "GetParameterHistory"
        | "LabelParameterVersion"
        | "UnlabelParameterVersion"
        | "DeleteParameter" => vec![on_parameter(call, &action, text(input, "Name"))?],
        "GetParameters" | "DeleteParameters" => list(input, "Names")
            .into_iter()
            .map(|n| on_parameter(call, &action, n))
            .collect::<Result<_, _>>()?,
        "GetParametersByPath" => {
            let raw = name::trimmed(text(input, "Path"));
            let path = if raw == "/" {
                raw
            } else {
                raw.strip_suffix('/').unwrap_or(raw)
            };
            let access = if public::is_public(&format!("{path}/")) {
                public_access(call, &action, path)
            } else {
                Access::new(&action, name::arn(call, path))
            };
            vec![access.with("ssm:Recursive", flag(input, "Recursive"))]
        }
        "DescribeParameters" => vec![Access::new(action, "*")],
        "AddTagsToResource" | "RemoveTagsFromResource" | "ListTagsForResource" => {
            if text(input, "ResourceType") != "Parameter" {
                return Ok(vec![Access::new(action, "*")]);
            }
            let access = on_parameter(call, &action, text(input, "ResourceId"))?;
            vec![match operation {
                "AddTagsToResource" => access.with_request_tags(request_tags(input)),
                "RemoveTagsFromResource" => {
                    access.with_multi("aws:TagKeys", list(input, "TagKeys"))
                }
                _ => access,
            }]
        }
        _ => return Err(no_rule("ssm", operation)),
    })
}
