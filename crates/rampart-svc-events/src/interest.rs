//! Which events an account's default bus could want: for each account and region, the
//! `source` and `detail-type` parts of its enabled rules' patterns, kept in memory and rebuilt
//! when the rules table's store watermark moves (so a rule made through another node that
//! shares the store is seen on the next check). A check then costs a watermark read and a few
//! pattern matches, which is what lets the pipeline skip building an "AWS API Call via
//! CloudTrail" event for every call that no rule could match.

use crate::records::{self, DEFAULT_BUS, RULE_TABLE, RuleRecord};
use rampart_events::Pattern;
use rampart_store::{Store, space};
use rampart_types::{AccountId, Region};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The most accounts and regions remembered before the memory starts afresh.
const CAPACITY: usize = 10_000;

/// What one rule could match, as far as `source` and `detail-type` tell: `None` when it could
/// match any (its pattern names neither at the top level, or has a top-level `$or`).
type Filter = Option<Pattern>;

/// The filters of each account and region's default-bus rules, with the watermark they were
/// read at.
#[derive(Default)]
pub(crate) struct Interest {
    entries: Mutex<HashMap<String, (u64, Vec<Filter>)>>,
}

impl Interest {
    /// Whether an event of `source` and `detail_type` could match an enabled rule on the
    /// default bus of `account` in `region`; `true` when the rules cannot be read.
    pub(crate) fn wants(
        &self,
        store: &dyn Store,
        account: &AccountId,
        region: &Region,
        source: &str,
        detail_type: &str,
    ) -> bool {
        let space = space::account_region(account, region);
        let watermark = store.watermark(&space, RULE_TABLE);
        {
            let entries = self.lock();
            if let Some((seen, filters)) = entries.get(&space)
                && *seen == watermark
            {
                return !filters.is_empty() && any_matches(filters, &probe(source, detail_type));
            }
        }
        let Some(filters) = read_filters(store, &space) else {
            return true;
        };
        let wanted = any_matches(&filters, &probe(source, detail_type));
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(space, (watermark, filters));
        wanted
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Vec<Filter>)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The part of an event the filters look at.
fn probe(source: &str, detail_type: &str) -> Value {
    serde_json::json!({"source": source, "detail-type": detail_type})
}

fn any_matches(filters: &[Filter], probe: &Value) -> bool {
    filters
        .iter()
        .any(|f| f.as_ref().is_none_or(|p| p.matches(probe)))
}

/// The filters of the enabled pattern rules of the default bus in `space`; `None` when they
/// cannot be read.
fn read_filters(store: &dyn Store, space: &str) -> Option<Vec<Filter>> {
    let rules =
        records::scan::<RuleRecord>(store, space, RULE_TABLE, &records::rule_id(DEFAULT_BUS, ""))
            .ok()?;
    Some(
        rules
            .into_iter()
            .filter(|(_, rule, _)| rule.state != "DISABLED")
            .filter_map(|(_, rule, _)| rule.event_pattern.map(|p| filter(&p)))
            .collect(),
    )
}

/// The filter of one event pattern: its top-level `source` and `detail-type` fields alone.
/// Every event the whole pattern matches also matches this part, since a pattern's fields
/// must all match.
pub(crate) fn filter(pattern: &str) -> Filter {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(pattern) else {
        return None;
    };
    if fields.contains_key("$or") {
        return None;
    }
    let kept: Map<String, Value> = fields
        .into_iter()
        .filter(|(name, _)| name == "source" || name == "detail-type")
        .collect();
    if kept.is_empty() {
        return None;
    }
    Pattern::parse(&Value::Object(kept).to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wants(pattern: &str, source: &str, detail_type: &str) -> bool {
        any_matches(&[filter(pattern)], &probe(source, detail_type))
    }

    #[test]
    fn filters_keep_source_and_detail_type_only() {
        let p = r#"{"source":["aws.iam"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["CreateUser"]}}"#;
        assert!(wants(p, "aws.iam", "AWS API Call via CloudTrail"));
        assert!(!wants(p, "aws.kms", "AWS API Call via CloudTrail"));
        assert!(!wants(p, "aws.iam", "Scheduled Event"));
        assert!(wants(
            r#"{"source":[{"prefix":"aws."}]}"#,
            "aws.sts",
            "anything"
        ));
    }

    #[test]
    fn patterns_that_say_nothing_of_them_want_everything() {
        assert!(wants(r#"{"detail":{"a":[1]}}"#, "aws.iam", "x"));
        assert!(wants(
            r#"{"$or":[{"source":["a"]},{"detail-type":["b"]}]}"#,
            "aws.iam",
            "x"
        ));
        assert!(wants("not json", "aws.iam", "x"));
    }

    #[test]
    fn no_rules_want_nothing() {
        assert!(!any_matches(&[], &probe("aws.iam", "x")));
    }
}
