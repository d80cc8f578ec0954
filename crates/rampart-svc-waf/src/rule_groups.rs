//! Rule groups: CreateRuleGroup, GetRuleGroup, UpdateRuleGroup, DeleteRuleGroup,
//! ListRuleGroups. The declared `Capacity` is fixed at creation; the rules are validated by
//! the engine ([`rampart_waf::validate_rule_group`]) and their WCU may not exceed it
//! (`WAFInvalidParameterException`, field `RULE_GROUP`, parameter the WCU needed, as AWS).

use crate::config;
use crate::entity::{self, Entity};
use crate::errors;
use crate::input::{self, Tag};
use crate::ip_sets::{ListInput, list_of};
use crate::references;
use crate::resolver::StoreResolver;
use crate::scope::{Kind, Location, Scope};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, Item, Key};
use rampart_waf::model::{self, RuleGroupDef};
use rampart_waf::{
    MAX_RULE_GROUP_CAPACITY, WafError, rule_group_labels, rule_group_namespace, validate_rule_group,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The definitional members of a rule group, as sent.
const MEMBERS: [&str; 3] = ["Rules", "VisibilityConfig", "CustomResponseBodies"];

/// What a rule group stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RuleGroupBody {
    /// The declared capacity.
    pub capacity: u64,
    /// `Rules`, `VisibilityConfig`, `CustomResponseBodies` as sent.
    pub config: Map<String, Value>,
    /// The ARNs its rules refer to.
    pub references: Vec<String>,
}

impl RuleGroupBody {
    /// The engine's definition of the group named `name`.
    pub(crate) fn def(&self, name: &str) -> Result<RuleGroupDef, WafError> {
        let v = config::with(
            &self.config,
            &[("Name", json!(name)), ("Capacity", json!(self.capacity))],
        );
        model::parse(&v, "RULE_GROUP")
    }
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "CreateRuleGroup", false, create);
    registry.register("wafv2", "GetRuleGroup", true, get);
    registry.register("wafv2", "UpdateRuleGroup", false, update);
    registry.register("wafv2", "DeleteRuleGroup", false, delete);
    registry.register("wafv2", "ListRuleGroups", true, list);
}

/// Validates a group's rules against its declared capacity, in `scope` of the caller.
/// Returns the definition and the caller's entities it refers to, as read.
fn validate(
    call: &Call<'_>,
    scope: Scope,
    name: &str,
    body: &RuleGroupBody,
) -> Result<(RuleGroupDef, Vec<Item>), AwsError> {
    config::visibility(body.config.get("VisibilityConfig"))?;
    let def = body.def(name).map_err(errors::from_engine)?;
    let account = call.principal.account.to_string();
    let region = call.region.to_string();
    let resolver = StoreResolver::new(call.env.store.as_ref(), &account, &region, scope);
    // Measure against the largest capacity, then compare with the declared one: AWS refuses
    // rules over it with WAFInvalidParameterException naming the WCU they need.
    let unbounded = RuleGroupDef {
        capacity: MAX_RULE_GROUP_CAPACITY,
        ..def.clone()
    };
    let result = validate_rule_group(&unbounded, &resolver, &call.principal.account);
    if let Some(failure) = resolver.failure() {
        return Err(failure);
    }
    let used = result.map_err(errors::from_engine)?;
    if used > def.capacity {
        return Err(errors::invalid(
            "RULE_GROUP",
            used.to_string(),
            errors::REASON_CAPACITY,
        ));
    }
    Ok((def, resolver.touched()))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    name: String,
    scope: String,
    capacity: i64,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let members = config::pick(&input, &MEMBERS);
    let i: CreateInput = input::read(input, "RULE_GROUP")?;
    let scope = Scope::parse(call, &i.scope)?;
    input::name(&i.name, "RULE_GROUP")?;
    input::description(i.description.as_deref(), "RULE_GROUP")?;
    let tags = input::tags(&i.tags)?;
    let capacity = u64::try_from(i.capacity)
        .ok()
        .filter(|c| *c >= 1)
        .ok_or_else(|| {
            errors::invalid("RULE_GROUP", i.capacity.to_string(), errors::REASON_INVALID)
        })?;
    let mut body = RuleGroupBody {
        capacity,
        config: members,
        references: Vec::new(),
    };
    let (def, touched) = validate(call, scope, &i.name, &body)?;
    body.references = references::of_rules(&def.rules);
    let about = entity::About {
        description: i.description,
        tags,
    };
    let e = entity::create(call, scope, Kind::RuleGroup, &i.name, about, body, &touched)?;
    Ok(json!({ "Summary": entity::summary(&e) }))
}

/// The `RuleGroup` shape of a stored group.
fn describe(e: &Entity<RuleGroupBody>, account: &str) -> Value {
    let namespace = rule_group_namespace(account, &e.name);
    let mut v = config::with(
        &e.body.config,
        &[
            ("Name", json!(e.name)),
            ("Id", json!(e.id)),
            ("ARN", json!(e.arn)),
            ("Capacity", json!(e.body.capacity)),
            ("LabelNamespace", json!(namespace)),
        ],
    );
    if let Ok(def) = e.body.def(&e.name) {
        let (available, consumed) = rule_group_labels(&def, &namespace);
        let names = |l: Vec<String>| {
            l.into_iter()
                .map(|n| json!({ "Name": n }))
                .collect::<Vec<_>>()
        };
        v["AvailableLabels"] = names(available).into();
        v["ConsumedLabels"] = names(consumed).into();
    }
    v.as_object_mut()
        .map(|o| o.entry("Rules").or_insert_with(|| json!([])));
    if let Some(d) = &e.description {
        v["Description"] = d.clone().into();
    }
    v
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: entity::ByArnOrName = input::read(input, "RULE_GROUP")?;
    // Another account's group, by ARN: the authorization table asked for it under the owner's
    // permission policy (which must allow wafv2:GetRuleGroup).
    if let Some(loc) = i
        .arn
        .as_deref()
        .and_then(Location::parse_arn)
        .filter(|l| l.kind == Kind::RuleGroup && l.account != call.principal.account.as_str())
    {
        if loc.region != call.region.as_str() {
            return Err(errors::nonexistent());
        }
        let (e, _) = entity::read::<RuleGroupBody>(call.env.store.as_ref(), &loc)?
            .ok_or_else(errors::nonexistent)?;
        return Ok(json!({ "RuleGroup": describe(&e, &loc.account), "LockToken": e.lock_token }));
    }
    let l = entity::load_by::<RuleGroupBody>(call, Kind::RuleGroup, &i)?;
    Ok(json!({
        "RuleGroup": describe(&l.entity, &l.loc.account),
        "LockToken": l.entity.lock_token,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    name: String,
    scope: String,
    id: String,
    description: Option<String>,
    lock_token: String,
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let members = config::pick(&input, &MEMBERS);
    let i: UpdateInput = input::read(input, "RULE_GROUP")?;
    input::description(i.description.as_deref(), "RULE_GROUP")?;
    input::uuid(&i.lock_token, "RULE_GROUP")?;
    let l = entity::load_named::<RuleGroupBody>(call, Kind::RuleGroup, &i.scope, &i.name, &i.id)?;
    let mut body = RuleGroupBody {
        capacity: l.entity.body.capacity,
        config: members,
        references: Vec::new(),
    };
    let (def, touched) = validate(call, l.loc.scope, &i.name, &body)?;
    body.references = references::of_rules(&def.rules);
    let extra = entity::touching(Batch::new(), &touched);
    let next = entity::save_with(call, l, Some(&i.lock_token), extra, |e| {
        e.body = body;
        e.description = i.description;
    })?;
    Ok(json!({ "NextLockToken": next }))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (l, token) = entity::load_for_delete::<RuleGroupBody>(call, Kind::RuleGroup, input)?;
    references::require_unreferenced(call, &l.entity.arn)?;
    let policy = policy_key(&l.loc, &l.entity.arn);
    entity::delete(call, &l, &token, Batch::new().delete(policy))?;
    Ok(json!({}))
}

/// Where a rule group's permission policy is kept.
pub(crate) fn policy_key(loc: &Location, arn: &str) -> Key {
    Key::new(loc.space(), "wafv2.policy", arn)
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "RULE_GROUP")?;
    list_of::<RuleGroupBody>(call, Kind::RuleGroup, "RuleGroups", i)
}
