//! Policies: PutPolicy, GetPolicy, ListPolicies, DeletePolicy, and the tags of policies
//! (TagResource, UntagResource, ListTagsForResource). Only the administrator manages them;
//! a policy lives in the administrator's account and the region it was put in, and applies to
//! the load balancers of that region ([`crate::apply`]).

use crate::admin::caller_is_admin;
use crate::apply;
use crate::errors;
use crate::model::{self, StoredPolicy};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, from_input};
use rampart_store::{Batch, Expect, Key, Scan, Store, space};
use rampart_types::{AccountId, Region};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Policies by id, in the administrator's account and region.
pub(crate) const TABLE: &str = "fms.policy";
/// Server-wide index of policies: `<account>|<region>|<policy id>`.
pub(crate) const INDEX: &str = "fms.policies";

/// AWS's quota of WAFV2 policies per administrator and region.
const MAX_POLICIES: usize = 20;
/// AWS's quota of tags per policy.
const MAX_TAGS: usize = 50;

/// Where a policy is: its owner and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Home {
    /// The administrator account that owns it.
    pub account: AccountId,
    /// Its region.
    pub region: Region,
}

impl Home {
    fn space(&self) -> String {
        space::account_region(&self.account, &self.region)
    }

    /// The caller's home.
    pub(crate) fn of(call: &Call<'_>) -> Home {
        Home {
            account: call.principal.account.clone(),
            region: call.region.clone(),
        }
    }

    /// The policy's ARN.
    pub(crate) fn arn(&self, env: &Env, id: &str) -> String {
        format!(
            "arn:{}:fms:{}:{}:policy/{id}",
            env.partition, self.region, self.account
        )
    }

    fn key(&self, id: &str) -> Key {
        Key::new(self.space(), TABLE, id)
    }

    fn index_key(&self, id: &str) -> Key {
        Key::new(
            space::SYSTEM,
            INDEX,
            format!("{}|{}|{id}", self.account, self.region),
        )
    }
}

/// Reads policy `id` of `home` with its version.
pub(crate) fn read(
    store: &dyn Store,
    home: &Home,
    id: &str,
) -> Result<Option<(StoredPolicy, u64)>, AwsError> {
    let Some(item) = store.get(&home.key(id)).map_err(errors::store)? else {
        return Ok(None);
    };
    let p = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
    Ok(Some((p, item.version)))
}

/// Every policy of `home`, in id order.
pub(crate) fn all(store: &dyn Store, home: &Home) -> Result<Vec<StoredPolicy>, AwsError> {
    store
        .scan(&home.space(), TABLE, &Scan::all())
        .map_err(errors::store)?
        .into_iter()
        .map(|i| serde_json::from_slice(&i.value).map_err(|_| errors::internal()))
        .collect()
}

/// Every (home, policy id) of the server.
pub(crate) fn indexed(store: &dyn Store) -> Result<Vec<(Home, String)>, AwsError> {
    let items = store
        .scan(space::SYSTEM, INDEX, &Scan::all())
        .map_err(errors::store)?;
    let mut out = Vec::new();
    for item in items {
        let mut parts = item.key.id.splitn(3, '|');
        let (Some(account), Some(region), Some(id)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(account), Ok(region)) = (account.parse(), region.parse()) else {
            continue;
        };
        out.push((Home { account, region }, id.to_owned()));
    }
    Ok(out)
}

fn not_found(id: &str) -> AwsError {
    errors::not_found(format!("The policy {id} does not exist."))
}

/// The policy of the caller (the administrator) with `id`.
fn load(call: &Call<'_>, id: &str) -> Result<(StoredPolicy, u64), AwsError> {
    caller_is_admin(call)?;
    read(call.env.store.as_ref(), &Home::of(call), id)?.ok_or_else(|| not_found(id))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("fms", "PutPolicy", false, put);
    registry.register("fms", "GetPolicy", true, get);
    registry.register("fms", "ListPolicies", true, list);
    registry.register("fms", "DeletePolicy", false, delete);
    registry.register("fms", "TagResource", false, tag);
    registry.register("fms", "UntagResource", false, untag);
    registry.register("fms", "ListTagsForResource", true, list_tags);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagIn {
    key: String,
    value: String,
}

fn tags_of(list: Vec<TagIn>) -> Result<Vec<(String, String)>, AwsError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for t in list {
        if t.key.is_empty() || t.key.len() > 128 || t.value.len() > 256 {
            return Err(errors::invalid_input(format!(
                "Tag {} is not valid.",
                t.key
            )));
        }
        out.retain(|(k, _)| *k != t.key);
        out.push((t.key, t.value));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutInput {
    policy: Map<String, Value>,
    #[serde(default)]
    tag_list: Vec<TagIn>,
}

/// Checks what every policy must have and fills the defaults AWS answers with.
fn checked(mut p: Map<String, Value>) -> Result<Map<String, Value>, AwsError> {
    let name = p
        .get("PolicyName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.is_empty() || name.len() > 128 {
        return Err(errors::invalid_input(
            "PolicyName must have 1 to 128 characters.",
        ));
    }
    let kind = p
        .get("SecurityServicePolicyData")
        .and_then(|d| d.get("Type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if kind != "WAFV2" {
        return Err(errors::invalid_input(format!(
            "Policy type {kind} is not supported: rampart's Firewall Manager supports WAFV2 policies."
        )));
    }
    let data = p["SecurityServicePolicyData"]["ManagedServiceData"]
        .as_str()
        .unwrap_or_default();
    model::WafPolicy::parse(data)?;
    model::check_resource_types(&Value::Object(p.clone()))?;
    let non_empty = |m: Option<&Value>| m.and_then(Value::as_object).is_some_and(|o| !o.is_empty());
    if non_empty(p.get("IncludeMap")) && non_empty(p.get("ExcludeMap")) {
        return Err(errors::invalid_input(
            "A policy can have an IncludeMap or an ExcludeMap, not both.",
        ));
    }
    for map in ["IncludeMap", "ExcludeMap"] {
        for key in p
            .get(map)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            if key != "ACCOUNT" && key != "ORG_UNIT" {
                return Err(errors::invalid_input(format!(
                    "{map} key {key} is not valid."
                )));
            }
        }
    }
    for flag in [
        "ExcludeResourceTags",
        "RemediationEnabled",
        "DeleteUnusedFMManagedResources",
    ] {
        p.entry(flag).or_insert(json!(false));
    }
    if let Some(op) = p.get("ResourceTagLogicalOperator").and_then(Value::as_str)
        && op != "AND"
        && op != "OR"
    {
        return Err(errors::invalid_input(
            "ResourceTagLogicalOperator must be AND or OR.",
        ));
    }
    p.insert("PolicyStatus".into(), json!("ACTIVE"));
    Ok(p)
}

fn new_token() -> Result<String, AwsError> {
    rampart_crypto::random_uuid().ok_or_else(errors::internal)
}

fn put(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    caller_is_admin(call)?;
    let i: PutInput = from_input(input, "InvalidInputException")?;
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let mut policy = checked(i.policy)?;
    let given_id = policy
        .get("PolicyId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let (id, created_ms, tags, expect) = match given_id {
        Some(id) => {
            let (old, version) = read(store, &home, &id)?.ok_or_else(|| not_found(&id))?;
            let token = policy.get("PolicyUpdateToken").and_then(Value::as_str);
            if token != Some(old.text("PolicyUpdateToken")) {
                return Err(errors::invalid_operation(
                    "The PolicyUpdateToken does not match the policy's current one; get the policy and retry.",
                ));
            }
            let mut tags = old.tags;
            for (k, v) in tags_of(i.tag_list)? {
                tags.retain(|(key, _)| *key != k);
                tags.push((k, v));
            }
            (id, old.created_ms, tags, Expect::Version(version))
        }
        None => {
            if all(store, &home)?.len() >= MAX_POLICIES {
                return Err(AwsError::new(
                    "LimitExceededException",
                    400,
                    format!("You can have at most {MAX_POLICIES} WAFV2 policies per Region."),
                ));
            }
            let now = call.env.clock.now();
            let ms = now
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64;
            (new_token()?, ms, tags_of(i.tag_list)?, Expect::Absent)
        }
    };
    if tags.len() > MAX_TAGS {
        return Err(AwsError::new(
            "LimitExceededException",
            400,
            format!("A policy can have at most {MAX_TAGS} tags."),
        ));
    }
    policy.insert("PolicyId".into(), json!(id));
    policy.insert("PolicyUpdateToken".into(), json!(new_token()?));
    let stored = StoredPolicy {
        policy: Value::Object(policy),
        created_ms,
        tags,
    };
    let value = serde_json::to_vec(&stored).map_err(|_| errors::internal())?;
    let batch = Batch::new()
        .put_if(home.key(&id), value, expect)
        .put(home.index_key(&id), Vec::new());
    match store.commit(batch) {
        Ok(_) => {}
        Err(rampart_store::StoreError::Conflict { .. }) => {
            return Err(errors::invalid_operation(
                "The policy changed while it was being updated; get the policy and retry.",
            ));
        }
        Err(e) => return Err(errors::store(e)),
    }
    // Apply right away (the minute's reconciliation would too); a failure is retried there.
    if let Err(e) = apply::apply(call.env, &home, &stored) {
        tracing::warn!(policy = %id, error = %e.message, "firewall manager policy not applied yet");
    }
    Ok(json!({"Policy": stored.policy, "PolicyArn": home.arn(call.env, &id)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdInput {
    policy_id: String,
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: IdInput = from_input(input, "InvalidInputException")?;
    let (p, _) = load(call, &i.policy_id)?;
    Ok(json!({"Policy": p.policy, "PolicyArn": Home::of(call).arn(call.env, &i.policy_id)}))
}

fn list(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    caller_is_admin(call)?;
    let home = Home::of(call);
    let summaries: Vec<Value> = all(call.env.store.as_ref(), &home)?
        .iter()
        .map(|p| {
            json!({
                "PolicyArn": home.arn(call.env, p.text("PolicyId")),
                "PolicyId": p.text("PolicyId"),
                "PolicyName": p.text("PolicyName"),
                "ResourceType": p.text("ResourceType"),
                "SecurityServiceType": "WAFV2",
                "RemediationEnabled": p.flag("RemediationEnabled"),
                "DeleteUnusedFMManagedResources": p.flag("DeleteUnusedFMManagedResources"),
                "PolicyStatus": "ACTIVE",
            })
        })
        .collect();
    Ok(json!({ "PolicyList": summaries }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    policy_id: String,
    #[serde(default)]
    delete_all_policy_resources: bool,
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: DeleteInput = from_input(input, "InvalidInputException")?;
    let (p, version) = load(call, &i.policy_id)?;
    let home = Home::of(call);
    if i.delete_all_policy_resources {
        apply::remove_everywhere(call.env, &home, &p)?;
    }
    let mut batch = apply::forget_compliance(call.env.store.as_ref(), &home, &i.policy_id)?
        .delete_if(home.key(&i.policy_id), Expect::Version(version))
        .delete(home.index_key(&i.policy_id));
    // Without the cleanup the web ACLs stay, released: now, and again by the next
    // reconciliation (recorded with the delete).
    let release = (!i.delete_all_policy_resources).then(|| apply::pending_release(&home, &p));
    if let Some((key, record)) = &release {
        let value = serde_json::to_vec(record).map_err(|_| errors::internal())?;
        batch = batch.put(key.clone(), value);
    }
    call.env.store.commit(batch).map_err(errors::store)?;
    if let Some((_, record)) = release
        && let Err(e) = apply::release(call.env, &record)
    {
        tracing::warn!(policy = %i.policy_id, error = %e.message, "firewall manager web ACLs not released yet");
    }
    Ok(json!({}))
}

/// The policy a policy ARN of the caller names.
fn by_arn(call: &Call<'_>, arn: &str) -> Result<(String, StoredPolicy, u64), AwsError> {
    caller_is_admin(call)?;
    let home = Home::of(call);
    let prefix = format!(
        "arn:{}:fms:{}:{}:policy/",
        call.env.partition, home.region, home.account
    );
    let Some(id) = arn.strip_prefix(&prefix) else {
        return Err(errors::not_found(format!(
            "The resource {arn} does not exist."
        )));
    };
    let (p, v) = read(call.env.store.as_ref(), &home, id)?.ok_or_else(|| not_found(id))?;
    Ok((id.to_owned(), p, v))
}

fn save_tags(call: &Call<'_>, id: &str, p: &StoredPolicy, version: u64) -> Result<(), AwsError> {
    if p.tags.len() > MAX_TAGS {
        return Err(AwsError::new(
            "LimitExceededException",
            400,
            format!("A policy can have at most {MAX_TAGS} tags."),
        ));
    }
    let value = serde_json::to_vec(p).map_err(|_| errors::internal())?;
    call.env
        .store
        .commit(Batch::new().put_if(Home::of(call).key(id), value, Expect::Version(version)))
        .map_err(errors::store)?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    resource_arn: String,
    tag_list: Vec<TagIn>,
}

fn tag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: TagInput = from_input(input, "InvalidInputException")?;
    let (id, mut p, version) = by_arn(call, &i.resource_arn)?;
    for (k, v) in tags_of(i.tag_list)? {
        p.tags.retain(|(key, _)| *key != k);
        p.tags.push((k, v));
    }
    save_tags(call, &id, &p, version)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagInput {
    resource_arn: String,
    tag_keys: Vec<String>,
}

fn untag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: UntagInput = from_input(input, "InvalidInputException")?;
    let (id, mut p, version) = by_arn(call, &i.resource_arn)?;
    p.tags.retain(|(k, _)| !i.tag_keys.contains(k));
    save_tags(call, &id, &p, version)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTagsInput {
    resource_arn: String,
}

fn list_tags(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListTagsInput = from_input(input, "InvalidInputException")?;
    let (_, p, _) = by_arn(call, &i.resource_arn)?;
    let tags: Vec<Value> = p
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(json!({ "TagList": tags }))
}
