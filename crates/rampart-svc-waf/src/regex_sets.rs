//! Regex pattern sets: CreateRegexPatternSet, GetRegexPatternSet, UpdateRegexPatternSet,
//! DeleteRegexPatternSet, ListRegexPatternSets. Patterns are validated and compiled by the
//! engine ([`rampart_waf::RegexPatternSet`]: AWS's dialect, linear-time).

use crate::entity;
use crate::errors::{self, REASON_INVALID};
use crate::input;
use crate::ip_sets::{ListInput, list_of};
use crate::references;
use crate::scope::Kind;
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
struct DefinitionInput {
    regular_expression_list: Vec<Regex>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = Kind::RegexPatternSet;
    let (name, scope, about) = entity::create_head(call, kind, &input)?;
    let i: DefinitionInput = input::read(input, kind.field())?;
    let body = body_of(i.regular_expression_list)?;
    let e = entity::create(call, scope, kind, &name, about, body, &[])?;
    Ok(json!({ "Summary": entity::summary(&e) }))
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let l = entity::load_from::<RegexSetBody>(call, Kind::RegexPatternSet, &input)?;
    let e = &l.entity;
    let list: Vec<Value> = e
        .body
        .patterns
        .iter()
        .map(|p| json!({ "RegexString": p }))
        .collect();
    let members = json!({ "RegularExpressionList": list });
    Ok(json!({ "RegexPatternSet": entity::describe(e, members), "LockToken": e.lock_token }))
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = Kind::RegexPatternSet;
    let (l, edit) = entity::load_for_update::<RegexSetBody>(call, kind, &input)?;
    let i: DefinitionInput = input::read(input, kind.field())?;
    let body = body_of(i.regular_expression_list)?;
    entity::redefine(call, l, edit, body, &[])
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = Kind::RegexPatternSet;
    references::delete_unused::<RegexSetBody>(call, kind, input, |_| Batch::new())
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "REGEX_PATTERN_SET")?;
    list_of::<RegexSetBody>(call, Kind::RegexPatternSet, "RegexPatternSets", i)
}
