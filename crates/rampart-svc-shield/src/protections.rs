//! Protections of application load balancers: CreateProtection, DescribeProtection,
//! ListProtections, DeleteProtection, the automatic application-layer response
//! (Enable/Disable/UpdateApplicationLayerAutomaticResponse) and the protections' tags.

use crate::errors;
use crate::records::{self, PROTECTIONS, Protected, Protection, Tag};
use crate::subscription;
use crate::waf;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect};
use serde::Deserialize;
use serde_json::{Value, json};

/// The most tags of a protection.
const MAX_TAGS: usize = 200;

/// The protection's ARN.
pub(crate) fn arn(call: &Call<'_>, id: &str) -> String {
    format!(
        "arn:{}:shield::{}:protection/{id}",
        call.env.partition, call.principal.account
    )
}

fn to_api(call: &Call<'_>, p: &Protection) -> Value {
    let mut v = json!({
        "Id": p.id,
        "Name": p.name,
        "ResourceArn": p.resource_arn,
        "HealthCheckIds": [],
        "ProtectionArn": arn(call, &p.id),
    });
    if let Some(action) = &p.auto_response {
        v["ApplicationLayerAutomaticResponseConfiguration"] =
            json!({"Status": "ENABLED", "Action": {action: {}}});
    }
    v
}

/// Checks that `arn` is an application load balancer of the caller's account.
fn check_resource(call: &Call<'_>, arn: &str) -> Result<(), AwsError> {
    let alb =
        arn.split(':').nth(2) == Some("elasticloadbalancing") && arn.contains(":loadbalancer/app/");
    if !alb {
        return Err(errors::invalid_resource(format!(
            "rampart's Shield protects application load balancers only; '{arn}' is not one"
        )));
    }
    if waf::owner(arn).map(|(a, _)| a) != Some(call.principal.account.as_str()) {
        return Err(errors::invalid_resource(format!(
            "The resource '{arn}' does not belong to this account"
        )));
    }
    Ok(())
}

fn check_tags(tags: &[Tag]) -> Result<(), AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(errors::invalid_parameter("Too many tags"));
    }
    for t in tags {
        if t.key.is_empty() || t.key.len() > 128 || t.value.len() > 256 {
            return Err(errors::invalid_parameter(format!(
                "Tag key '{}' or its value is not valid",
                t.key
            )));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    name: String,
    resource_arn: String,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "InvalidParameterException")?;
    subscription::required(call)?;
    let name_ok = (1..=128).contains(&input.name.len())
        && input
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" _-".contains(&b));
    if !name_ok {
        return Err(errors::invalid_parameter(format!(
            "Protection name '{}' is not valid",
            input.name
        )));
    }
    check_resource(call, &input.resource_arn)?;
    check_tags(&input.tags)?;
    let store = call.env.store.as_ref();
    if records::read::<Protected>(store, &records::protected_key(&input.resource_arn))?.is_some() {
        return Err(errors::already_exists(
            "The referenced protection already exists.",
        ));
    }
    let id = crate::ids::uuid()?;
    let account = call.principal.account.as_str();
    let p = Protection {
        id: id.clone(),
        name: input.name,
        resource_arn: input.resource_arn.clone(),
        tags: input.tags,
        auto_response: None,
        group: None,
    };
    let index = Protected {
        account: account.to_owned(),
        protection_id: id.clone(),
    };
    let batch = records::put(
        Batch::new(),
        records::protection_key(account, &id),
        &p,
        Expect::Absent,
    )?;
    let batch = records::put(
        batch,
        records::protected_key(&input.resource_arn),
        &index,
        Expect::Absent,
    )?;
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({ "ProtectionId": id }))
}

/// The protection an input names by `ProtectionId` or `ResourceArn`, with its version.
fn named(call: &Call<'_>, input: &Value) -> Result<(Protection, u64), AwsError> {
    let store = call.env.store.as_ref();
    let account = call.principal.account.as_str();
    let id = input.get("ProtectionId").and_then(Value::as_str);
    let resource = input.get("ResourceArn").and_then(Value::as_str);
    let found = match (id, resource) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(errors::invalid_parameter(
                "Exactly one of ProtectionId and ResourceArn must be given",
            ));
        }
        (Some(id), None) => records::read(store, &records::protection_key(account, id))?,
        (None, Some(arn)) => records::protection_of(store, account, arn)?,
    };
    found.ok_or_else(|| errors::not_found("The referenced protection does not exist."))
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (p, _) = named(call, &input)?;
    Ok(json!({ "Protection": to_api(call, &p) }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ListFilters {
    resource_arns: Option<Vec<String>>,
    protection_names: Option<Vec<String>>,
    resource_types: Option<Vec<String>>,
}

impl ListFilters {
    fn keep(&self, p: &Protection) -> bool {
        self.resource_arns
            .as_ref()
            .is_none_or(|a| a.contains(&p.resource_arn))
            && self
                .protection_names
                .as_ref()
                .is_none_or(|n| n.contains(&p.name))
            && self
                .resource_types
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| t == "APPLICATION_LOAD_BALANCER"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    next_token: Option<String>,
    max_results: Option<i64>,
    #[serde(default)]
    inclusion_filters: ListFilters,
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListInput = from_input(input, "InvalidParameterException")?;
    let mut all: Vec<Protection> = records::list(
        call.env.store.as_ref(),
        &records::space(call.principal.account.as_str()),
        PROTECTIONS,
    )?;
    all.retain(|p| input.inclusion_filters.keep(p));
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let max = input.max_results.unwrap_or(100).clamp(1, 10_000) as usize;
    let start = match &input.next_token {
        Some(t) => all.iter().position(|p| &p.id == t).ok_or_else(|| {
            AwsError::new(
                "InvalidPaginationTokenException",
                400,
                "The pagination token is not valid",
            )
        })?,
        None => 0,
    };
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|p| to_api(call, p))
        .collect();
    let mut out = json!({ "Protections": page });
    if let Some(next) = all.get(start + max) {
        out["NextToken"] = json!(next.id);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    protection_id: String,
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteInput = from_input(input, "InvalidParameterException")?;
    let account = call.principal.account.as_str();
    let Some((p, version)) = records::read::<Protection>(
        call.env.store.as_ref(),
        &records::protection_key(account, &input.protection_id),
    )?
    else {
        return Err(errors::not_found(
            "The referenced protection does not exist.",
        ));
    };
    if let Some(group) = &p.group {
        waf::uninstall(call.env, &p.resource_arn, group)?;
    }
    let batch = Batch::new()
        .delete_if(
            records::protection_key(account, &p.id),
            Expect::Version(version),
        )
        .delete(records::protected_key(&p.resource_arn));
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResponseInput {
    resource_arn: String,
    action: Option<Value>,
}

/// `Block` or `Count` from a `ResponseAction`.
fn action(v: Option<&Value>) -> Result<String, AwsError> {
    let v = v.ok_or_else(|| errors::invalid_parameter("An Action must be given"))?;
    match (v.get("Block").is_some(), v.get("Count").is_some()) {
        (true, false) => Ok("Block".to_owned()),
        (false, true) => Ok("Count".to_owned()),
        _ => Err(errors::invalid_parameter(
            "The Action must be exactly one of Block and Count",
        )),
    }
}

fn save(call: &Call<'_>, p: &Protection, version: u64) -> Result<(), AwsError> {
    let batch = records::put(
        Batch::new(),
        records::protection_key(call.principal.account.as_str(), &p.id),
        p,
        Expect::Version(version),
    )?;
    call.env
        .store
        .commit(batch)
        .map_err(errors::store)
        .map(|_| ())
}

fn protection_of_resource(call: &Call<'_>, arn: &str) -> Result<(Protection, u64), AwsError> {
    records::protection_of(
        call.env.store.as_ref(),
        call.principal.account.as_str(),
        arn,
    )?
    .ok_or_else(|| errors::not_found("The referenced protection does not exist."))
}

fn enable(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ResponseInput = from_input(input, "InvalidParameterException")?;
    let action = action(input.action.as_ref())?;
    let (mut p, version) = protection_of_resource(call, &input.resource_arn)?;
    if p.auto_response.is_some() {
        return Err(errors::invalid_operation(
            "Automatic application layer DDoS mitigation is already enabled for this resource.",
        ));
    }
    let group = waf::install(call.env, &p.resource_arn)?;
    p.auto_response = Some(action);
    p.group = Some(group);
    save(call, &p, version)?;
    Ok(json!({}))
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ResponseInput = from_input(input, "InvalidParameterException")?;
    let action = action(input.action.as_ref())?;
    let (mut p, version) = protection_of_resource(call, &input.resource_arn)?;
    if p.auto_response.is_none() {
        return Err(errors::invalid_operation(
            "Automatic application layer DDoS mitigation is not enabled for this resource.",
        ));
    }
    if let Some(group) = &p.group {
        // A mitigation in place follows the new action at once.
        waf::set_action(call.env, &p.resource_arn, group, &action)?;
    }
    p.auto_response = Some(action);
    save(call, &p, version)?;
    Ok(json!({}))
}

fn disable(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ResponseInput = from_input(input, "InvalidParameterException")?;
    let (mut p, version) = protection_of_resource(call, &input.resource_arn)?;
    if p.auto_response.take().is_none() {
        return Err(errors::invalid_operation(
            "Automatic application layer DDoS mitigation is not enabled for this resource.",
        ));
    }
    if let Some(group) = p.group.take() {
        waf::uninstall(call.env, &p.resource_arn, &group)?;
    }
    save(call, &p, version)?;
    Ok(json!({}))
}

/// The protection a tagging operation's `ResourceARN` names.
fn tagged(call: &Call<'_>, input: &Value) -> Result<(Protection, u64), AwsError> {
    let arn_text = input
        .get("ResourceARN")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let prefix = arn(call, "");
    let Some(id) = arn_text.strip_prefix(&prefix) else {
        return Err(errors::invalid_resource(format!(
            "'{arn_text}' is not a protection of this account"
        )));
    };
    records::read(
        call.env.store.as_ref(),
        &records::protection_key(call.principal.account.as_str(), id),
    )?
    .ok_or_else(|| errors::not_found("The referenced protection does not exist."))
}

fn list_tags(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (p, _) = tagged(call, &input)?;
    Ok(json!({ "Tags": records::tags_to_api(&p.tags) }))
}

fn tag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut p, version) = tagged(call, &input)?;
    let tags: Vec<Tag> = serde_json::from_value(input.get("Tags").cloned().unwrap_or_default())
        .map_err(|_| errors::invalid_parameter("Tags are not valid"))?;
    for t in tags {
        match p.tags.iter_mut().find(|x| x.key == t.key) {
            Some(x) => x.value = t.value,
            None => p.tags.push(t),
        }
    }
    check_tags(&p.tags)?;
    save(call, &p, version)?;
    Ok(json!({}))
}

fn untag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut p, version) = tagged(call, &input)?;
    let keys: Vec<String> =
        serde_json::from_value(input.get("TagKeys").cloned().unwrap_or_default())
            .map_err(|_| errors::invalid_parameter("TagKeys are not valid"))?;
    p.tags.retain(|t| !keys.contains(&t.key));
    save(call, &p, version)?;
    Ok(json!({}))
}

/// Registers the protection operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("shield", "CreateProtection", false, create);
    registry.register("shield", "DescribeProtection", true, describe);
    registry.register("shield", "ListProtections", true, list);
    registry.register("shield", "DeleteProtection", false, delete);
    registry.register(
        "shield",
        "EnableApplicationLayerAutomaticResponse",
        false,
        enable,
    );
    registry.register(
        "shield",
        "UpdateApplicationLayerAutomaticResponse",
        false,
        update,
    );
    registry.register(
        "shield",
        "DisableApplicationLayerAutomaticResponse",
        false,
        disable,
    );
    registry.register("shield", "ListTagsForResource", true, list_tags);
    registry.register("shield", "TagResource", false, tag);
    registry.register("shield", "UntagResource", false, untag);
}
