//! Regex pattern sets: CreateRegexPatternSet, GetRegexPatternSet, UpdateRegexPatternSet,
//! DeleteRegexPatternSet, ListRegexPatternSets. Patterns are validated and compiled by the
//! engine ([`rampart_waf::RegexPatternSet`]: AWS's dialect, linear-time).

use crate::entity::{self, Entity};
use crate::errors::{self, REASON_INVALID};
use crate::input::{self, Tag};
use crate::ip_sets::{ListInput, list_of};
use crate::references;
use crate::scope::{Kind, Scope};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::Batch;
use rampart_waf::RegexPatternSet;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// AWS's quota of regular expressions per set.
pub(crate) const MAX_PATTERNS: usize = 10;

/// What a regex pattern set stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RegexSetBody {
    /// The patterns.
    pub patterns: Vec<String>,
}

impl RegexSetBody {
    /// The engine's compiled form.
    pub(crate) fn compile(&self) -> Result<RegexPatternSet, AwsError> {
        RegexPatternSet::compile(&self.patterns).map_err(errors::from_engine)
    }
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "CreateRegexPatternSet", false, create);
    registry.register("wafv2", "GetRegexPatternSet", true, get);
    registry.register("wafv2", "UpdateRegexPatternSet", false, update);
    registry.register("wafv2", "DeleteRegexPatternSet", false, delete);
    registry.register("wafv2", "ListRegexPatternSets", true, list);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Regex {
    regex_string: String,
}

fn body_of(list: Vec<Regex>) -> Result<RegexSetBody, AwsError> {
    if list.len() > MAX_PATTERNS {
        return Err(errors::limits(
            "AWS WAF couldn\u{2019}t perform the operation because you exceeded your resource limit. A regex pattern set holds at most 10 regular expressions.",
        ));
    }
    let body = RegexSetBody {
        patterns: list.into_iter().map(|r| r.regex_string).collect(),
    };
    if body.patterns.is_empty() {
        return Err(errors::invalid(
            "REGEX_PATTERN_SET",
            "RegularExpressionList",
            REASON_INVALID,
        ));
    }
    body.compile()?;
    Ok(body)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    name: String,
    scope: String,
    description: Option<String>,
    regular_expression_list: Vec<Regex>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: CreateInput = input::read(input, "REGEX_PATTERN_SET")?;
    let scope = Scope::parse(call, &i.scope)?;
    input::name(&i.name, "REGEX_PATTERN_SET")?;
    input::description(i.description.as_deref(), "REGEX_PATTERN_SET")?;
    let tags = input::tags(&i.tags)?;
    let body = body_of(i.regular_expression_list)?;
    let e = entity::create(
        call,
        scope,
        Kind::RegexPatternSet,
        &i.name,
        entity::About {
            description: i.description,
            tags,
        },
        body,
        &[],
    )?;
    Ok(json!({ "Summary": entity::summary(&e) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NamedInput {
    name: String,
    scope: String,
    id: String,
}

fn describe(e: &Entity<RegexSetBody>) -> Value {
    let list: Vec<Value> = e
        .body
        .patterns
        .iter()
        .map(|p| json!({ "RegexString": p }))
        .collect();
    let mut v = json!({
        "Name": e.name,
        "Id": e.id,
        "ARN": e.arn,
        "RegularExpressionList": list,
    });
    if let Some(d) = &e.description {
        v["Description"] = d.clone().into();
    }
    v
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: NamedInput = input::read(input, "REGEX_PATTERN_SET")?;
    let l =
        entity::load_named::<RegexSetBody>(call, Kind::RegexPatternSet, &i.scope, &i.name, &i.id)?;
    Ok(json!({ "RegexPatternSet": describe(&l.entity), "LockToken": l.entity.lock_token }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    name: String,
    scope: String,
    id: String,
    description: Option<String>,
    regular_expression_list: Vec<Regex>,
    lock_token: String,
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: UpdateInput = input::read(input, "REGEX_PATTERN_SET")?;
    input::description(i.description.as_deref(), "REGEX_PATTERN_SET")?;
    input::uuid(&i.lock_token, "REGEX_PATTERN_SET")?;
    let l =
        entity::load_named::<RegexSetBody>(call, Kind::RegexPatternSet, &i.scope, &i.name, &i.id)?;
    let body = body_of(i.regular_expression_list)?;
    let next = entity::save(call, l, Some(&i.lock_token), |e| {
        e.body = body;
        e.description = i.description;
    })?;
    Ok(json!({ "NextLockToken": next }))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (l, token) = entity::load_for_delete::<RegexSetBody>(call, Kind::RegexPatternSet, input)?;
    references::require_unreferenced(call, &l.entity.arn)?;
    entity::delete(call, &l, &token, Batch::new())?;
    Ok(json!({}))
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "REGEX_PATTERN_SET")?;
    list_of::<RegexSetBody>(call, Kind::RegexPatternSet, "RegexPatternSets", i)
}
