//! What every Organizations operation shares: reading members of the input with the model's
//! constraints, who may call, and `NextToken`/`MaxResults` paging.

use super::errors::{bad_length, bad_pattern, invalid, required};
use super::model::{Org, Tag};
use super::view::view;
use rampart_protocol::AwsError;
use rampart_service::Call;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Who may run an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// Only the management account.
    Management,
    /// The management account, or a member account the organization's delegation policy
    /// allows (policy management and tagging).
    Delegable,
    /// The management account, a delegated administrator, or a member account the delegation
    /// policy allows (read-only operations).
    Read,
    /// Any account of the organization (`DescribeOrganization`).
    Member,
}

/// What `operation` needs of its caller's account.
pub(super) fn need_of(operation: &str) -> Need {
    match operation {
        "DescribeOrganization"
        | "LeaveOrganization"
        | "DescribeEffectivePolicy"
        | "AcceptHandshake"
        | "DeclineHandshake"
        | "DescribeHandshake"
        | "ListHandshakesForAccount" => Need::Member,
        op if op.starts_with("Describe") || op.starts_with("List") => Need::Read,
        op if super::resource_policy::DELEGABLE.contains(&op) => Need::Delegable,
        _ => Need::Management,
    }
}

/// Whether the caller's account may run an operation that needs `need` in `org`. A member
/// account passes a delegable operation while the organization has a delegation policy: the
/// pipeline has then checked the call against that policy (see `authz`).
pub(super) fn check_caller(org: &Org, call: &Call<'_>, need: Need) -> Result<(), AwsError> {
    let caller = call.principal.account.to_string();
    if caller == org.management {
        return Ok(());
    }
    if !org.accounts.contains_key(&caller) {
        return Err(super::errors::not_in_use());
    }
    match need {
        Need::Member => Ok(()),
        Need::Read if org.delegated.contains_key(&caller) => Ok(()),
        Need::Read | Need::Delegable if org.resource_policy.is_some() => Ok(()),
        _ => Err(super::errors::access_denied()),
    }
}

/// The organization as of now, for a read the caller may make.
pub(super) fn read_org(call: &Call<'_>, need: Need) -> Result<Arc<Org>, AwsError> {
    let view = view(call.env).map_err(super::errors::store_error)?;
    let org = view.org.clone().ok_or_else(super::errors::not_in_use)?;
    check_caller(&org, call, need)?;
    Ok(org)
}

/// A string member, if present.
pub(super) fn text<'v>(input: &'v Value, member: &str) -> Option<&'v str> {
    input.get(member).and_then(Value::as_str)
}

/// A required string member.
pub(super) fn need<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    text(input, member).ok_or_else(|| required(member))
}

/// A string member whose length in characters is within `min..=max`.
pub(super) fn sized<'v>(
    input: &'v Value,
    member: &str,
    min: usize,
    max: usize,
) -> Result<Option<&'v str>, AwsError> {
    let Some(value) = text(input, member) else {
        return Ok(None);
    };
    let len = value.chars().count();
    if len < min || len > max {
        return Err(bad_length(member, min, max, len));
    }
    Ok(Some(value))
}

/// Whether `s` is `min..=max` characters of `allowed`.
fn run(s: &str, min: usize, max: usize, allowed: impl Fn(u8) -> bool) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(allowed)
}

fn lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `^r-[0-9a-z]{4,32}$`.
pub(super) fn is_root_id(s: &str) -> bool {
    s.strip_prefix("r-")
        .is_some_and(|rest| run(rest, 4, 32, lower_alnum))
}

/// `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`.
pub(super) fn is_unit_id(s: &str) -> bool {
    s.strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(a, b)| run(a, 4, 32, lower_alnum) && run(b, 8, 32, lower_alnum))
}

/// `^\d{12}$`.
pub(super) fn is_account_id(s: &str) -> bool {
    run(s, 12, 12, |b| b.is_ascii_digit())
}

/// `^p-[0-9a-zA-Z_]{8,128}$`.
pub(super) fn is_policy_id(s: &str) -> bool {
    s.strip_prefix("p-")
        .is_some_and(|rest| run(rest, 8, 128, |b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// A required member that must be a root or OU id (`ParentId`).
pub(super) fn parent_id<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    let id = need(input, member)?;
    if !(is_root_id(id) || is_unit_id(id)) {
        return Err(bad_pattern(member, id));
    }
    Ok(id)
}

/// A required member that must be an OU id.
pub(super) fn unit_id<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    let id = need(input, member)?;
    if !is_unit_id(id) {
        return Err(bad_pattern(member, id));
    }
    Ok(id)
}

/// A required member that must be an account id.
pub(super) fn account_id<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    let id = need(input, member)?;
    if !is_account_id(id) {
        return Err(bad_pattern(member, id));
    }
    Ok(id)
}

/// A required member that must be a policy id.
pub(super) fn policy_id<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    let id = need(input, member)?;
    if !is_policy_id(id) {
        return Err(invalid(
            "INVALID_SYNTAX_POLICY_ID",
            format!("You specified an invalid value for {member}: {id}"),
        ));
    }
    Ok(id)
}

/// A required member that must be a root, OU or account id (`TargetId`, `ChildId` ...).
pub(super) fn target_id<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    let id = need(input, member)?;
    if !(is_root_id(id) || is_unit_id(id) || is_account_id(id)) {
        return Err(invalid(
            "INVALID_PATTERN_TARGET_ID",
            format!("You specified an invalid value for {member}: {id}"),
        ));
    }
    Ok(id)
}

/// The policy types of the model.
pub(super) const POLICY_TYPES: [&str; 15] = [
    "SERVICE_CONTROL_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "TAG_POLICY",
    "BACKUP_POLICY",
    "AISERVICES_OPT_OUT_POLICY",
    "CHATBOT_POLICY",
    "DECLARATIVE_POLICY_EC2",
    "SECURITYHUB_POLICY",
    "SECURITYHUB_CSPM_POLICY",
    "INSPECTOR_POLICY",
    "UPGRADE_ROLLOUT_POLICY",
    "BEDROCK_POLICY",
    "S3_POLICY",
    "NETWORK_SECURITY_DIRECTOR_POLICY",
    "GUARDDUTY_POLICY",
];

/// A required member naming a policy type.
pub(super) fn policy_type<'v>(input: &'v Value, member: &str) -> Result<&'v str, AwsError> {
    let kind = need(input, member)?;
    if !POLICY_TYPES.contains(&kind) {
        return Err(invalid(
            "INVALID_ENUM_POLICY_TYPE",
            format!("You specified an invalid value for {member}: {kind}"),
        ));
    }
    Ok(kind)
}

/// Most tags per resource.
const MAX_TAGS: usize = 50;

/// The `Tags` member: keys 1-128 and values 0-256 characters, no key twice.
pub(super) fn tags(input: &Value) -> Result<Vec<Tag>, AwsError> {
    let mut out: Vec<Tag> = Vec::new();
    for tag in input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = sized(tag, "Key", 1, 128)?.ok_or_else(|| required("Key"))?;
        let value = sized(tag, "Value", 0, 256)?.ok_or_else(|| required("Value"))?;
        if out.iter().any(|t| t.key == key) {
            return Err(invalid(
                "DUPLICATE_TAG_KEY",
                "You provided the same tag key more than once.",
            ));
        }
        out.push(Tag {
            key: key.to_owned(),
            value: value.to_owned(),
        });
    }
    if out.len() > MAX_TAGS {
        return Err(too_many_tags());
    }
    Ok(out)
}

/// `ConstraintViolationException` (`MAX_TAG_LIMIT_EXCEEDED`).
pub(super) fn too_many_tags() -> AwsError {
    super::errors::constraint(
        "MAX_TAG_LIMIT_EXCEEDED",
        "You have exceeded the number of tags allowed on this resource.",
    )
}

/// Merges `new` tags into `existing` (a new value replaces the old one of the same key).
pub(super) fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) -> Result<(), AwsError> {
    for tag in new {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(old) => old.value = tag.value,
            None => existing.push(tag),
        }
    }
    if existing.len() > MAX_TAGS {
        return Err(too_many_tags());
    }
    Ok(())
}

/// One page of `items` as `member` of the output, by `MaxResults` (1-20; all when absent)
/// and `NextToken` (the offset of the page, as this function wrote it).
pub(super) fn page(input: &Value, member: &str, items: Vec<Value>) -> Result<Value, AwsError> {
    let max = match input.get("MaxResults") {
        None | Some(Value::Null) => usize::MAX,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=20) => n as usize,
            Some(0) => {
                return Err(invalid(
                    "MIN_VALUE_EXCEEDED",
                    "You provided a value for MaxResults that is less than 1.",
                ));
            }
            _ => {
                return Err(invalid(
                    "MAX_VALUE_EXCEEDED",
                    "You provided a value for MaxResults that is greater than 20.",
                ));
            }
        },
    };
    let start = match text(input, "NextToken") {
        None => 0,
        Some(token) => token
            .strip_prefix("rampart-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                invalid(
                    "INVALID_NEXT_TOKEN",
                    "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.",
                )
            })?,
    };
    let total = items.len();
    let end = start.saturating_add(max).min(total);
    let mut out = Map::new();
    out.insert(
        member.to_owned(),
        Value::Array(items.into_iter().skip(start).take(end - start).collect()),
    );
    if end < total {
        out.insert("NextToken".into(), Value::String(format!("rampart-{end}")));
    }
    Ok(Value::Object(out))
}

/// The empty output.
pub(super) fn empty() -> Value {
    json!({})
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_follow_the_model_patterns() {
        assert!(is_root_id("r-ab12"));
        assert!(!is_root_id("r-AB12") && !is_root_id("r-ab1"));
        assert!(is_unit_id("ou-ab12-abcdefgh"));
        assert!(!is_unit_id("ou-ab12-abcdefg") && !is_unit_id("ou-ab12abcdefgh"));
        assert!(is_account_id("123456789012") && !is_account_id("12345678901a"));
        assert!(is_policy_id("p-FullAWSAccess") && is_policy_id("p-abcd1234"));
        assert!(!is_policy_id("p-abc") && !is_policy_id("p-abcd-1234"));
    }

    proptest! {
        #[test]
        fn minted_ids_are_valid(
            root in "[a-z0-9]{4}",
            unit in "[a-z0-9]{8}",
            policy in "[a-z0-9]{8}",
        ) {
            let (root, unit, policy) =
                (format!("r-{root}"), format!("ou-{root}-{unit}"), format!("p-{policy}"));
            prop_assert!(is_root_id(&root));
            prop_assert!(is_unit_id(&unit));
            prop_assert!(is_policy_id(&policy));
            prop_assert!(!is_unit_id(&root) && !is_root_id(&unit));
        }

        #[test]
        fn pages_cover_every_item_once_in_order(count in 0usize..45, max in 1u64..=20) {
            let items: Vec<Value> = (0..count).map(|i| json!(i)).collect();
            let mut seen = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let mut input = json!({"MaxResults": max});
                if let Some(t) = &token {
                    input["NextToken"] = json!(t);
                }
                let out = page(&input, "Items", items.clone()).unwrap();
                let got = out["Items"].as_array().unwrap();
                prop_assert!(got.len() <= max as usize);
                seen.extend(got.iter().cloned());
                match out.get("NextToken").and_then(Value::as_str) {
                    Some(next) => token = Some(next.to_owned()),
                    None => break,
                }
            }
            prop_assert_eq!(seen, items);
        }
    }
}
