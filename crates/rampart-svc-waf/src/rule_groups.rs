//! Rule groups: CreateRuleGroup, GetRuleGroup, UpdateRuleGroup, DeleteRuleGroup,
//! ListRuleGroups. The declared `Capacity` is fixed at creation; the rules are validated by
//! the engine ([`rampart_waf::validate_rule_group`]) and their WCU may not exceed it
//! (`WAFInvalidParameterException`, field `RULE_GROUP`, parameter the WCU needed, as AWS).

use crate::config;
use crate::entity::{self, Entity};
use crate::errors;
use crate::input;
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

/// Validates a group's rules (`config`, the definitional members as sent) against its
/// declared `capacity`, in `scope` of the caller. Returns the body to store and the caller's
/// entities it refers to, as read.
fn validate(
    call: &Call<'_>,
    scope: Scope,
    name: &str,
    capacity: u64,
    config: Map<String, Value>,
) -> Result<(RuleGroupBody, Vec<Item>), AwsError> {
    config::visibility(config.get("VisibilityConfig"))?;
    let mut body = RuleGroupBody {
        capacity,
        config,
        references: Vec::new(),
    };
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
    body.references = references::of_rules(&def.rules);
    Ok((body, resolver.touched()))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    capacity: i64,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (name, scope, about) = entity::create_head(call, Kind::RuleGroup, &input)?;
    let members = config::pick(&input, &MEMBERS);
    let i: CreateInput = input::read(input, "RULE_GROUP")?;
    let capacity = u64::try_from(i.capacity)
        .ok()
        .filter(|c| *c >= 1)
        .ok_or_else(|| {
            errors::invalid("RULE_GROUP", i.capacity.to_string(), errors::REASON_INVALID)
        })?;
    let (body, touched) = validate(call, scope, &name, capacity, members)?;
    let e = entity::create(call, scope, Kind::RuleGroup, &name, about, body, &touched)?;
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

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (l, edit) = entity::load_for_update::<RuleGroupBody>(call, Kind::RuleGroup, &input)?;
    let members = config::pick(&input, &MEMBERS);
    let (body, touched) = validate(
        call,
        l.loc.scope,
        &l.entity.name,
        l.entity.body.capacity,
        members,
    )?;
    entity::redefine(call, l, edit, body, &touched)
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    references::delete_unused::<RuleGroupBody>(call, Kind::RuleGroup, input, |l| {
        Batch::new().delete(policy_key(&l.loc, &l.entity.arn))
    })
}

/// Where a rule group's permission policy is kept.
pub(crate) fn policy_key(loc: &Location, arn: &str) -> Key {
    Key::new(loc.space(), "wafv2.policy", arn)
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "RULE_GROUP")?;
    list_of::<RuleGroupBody>(call, Kind::RuleGroup, "RuleGroups", i)
}
