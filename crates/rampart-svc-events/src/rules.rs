//! Rules: PutRule (an event pattern or a schedule, on the default or a custom bus),
//! DescribeRule, ListRules, DeleteRule (refused while the rule has targets, as AWS does),
//! EnableRule, DisableRule and TestEventPattern.

use crate::errors::{self, validation};
use crate::paging;
use crate::records::{self, Home, RULE_TABLE, RuleRecord};
use crate::schedule;
use crate::schedules;
use rampart_events::{MAX_PATTERN_LEN, Pattern};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::Expect;
use serde_json::{Value, json};

const SERVICE: &str = "events";
/// AWS's default quota of rules per event bus.
const MAX_RULES_PER_BUS: usize = 300;
const STATES: [&str; 3] = [
    "ENABLED",
    "DISABLED",
    "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
];

/// Registers the rule operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register(SERVICE, "PutRule", false, put_rule);
    registry.register(SERVICE, "DescribeRule", true, describe_rule);
    registry.register(SERVICE, "ListRules", true, list_rules);
    registry.register(SERVICE, "DeleteRule", false, delete_rule);
    registry.register(SERVICE, "EnableRule", false, |call, input| {
        set_state(call, input, "ENABLED")
    });
    registry.register(SERVICE, "DisableRule", false, |call, input| {
        set_state(call, input, "DISABLED")
    });
    registry.register(SERVICE, "TestEventPattern", true, test_event_pattern);
}

fn str_member<'v>(input: &'v Value, name: &str) -> Option<&'v str> {
    input.get(name).and_then(Value::as_str)
}

/// A rule or target name: 1-64 of `.`, `-`, `_`, letters and digits.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Parses a stored or given pattern, as `InvalidEventPatternException`.
pub(crate) fn pattern(text: &str) -> Result<Pattern, AwsError> {
    if text.chars().count() > MAX_PATTERN_LEN {
        return Err(validation(format!(
            "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to {MAX_PATTERN_LEN}"
        )));
    }
    Pattern::parse(text)
        .map_err(|e| AwsError::new("InvalidEventPatternException", 400, e.to_string()))
}

/// The rule named by `input`'s `Name` (or `Rule`) and `EventBusName`, or AWS's not-found error.
pub(crate) fn existing(
    call: &Call<'_>,
    input: &Value,
    member: &str,
) -> Result<(Home, RuleRecord, u64), AwsError> {
    let home = Home::of(call);
    let bus = records::local_bus(&home, str_member(input, "EventBusName"))?;
    let name = str_member(input, member).unwrap_or_default();
    let (rule, version) = home
        .find_rule(call.env.store.as_ref(), &bus, name)?
        .ok_or_else(|| errors::no_rule(name, &bus))?;
    Ok((home, rule, version))
}

fn put_rule(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let name = str_member(&input, "Name").unwrap_or_default();
    if !valid_name(name) {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
        )));
    }
    let bus = records::local_bus(&home, str_member(&input, "EventBusName"))?;
    if home.find_bus(store, &bus)?.is_none() {
        return Err(errors::no_bus(&bus));
    }
    let event_pattern = str_member(&input, "EventPattern").map(str::to_owned);
    let schedule_expression = str_member(&input, "ScheduleExpression").map(str::to_owned);
    if event_pattern.is_none() && schedule_expression.is_none() {
        return Err(validation(
            "Parameter(s) EventPattern or ScheduleExpression must be specified.",
        ));
    }
    if let Some(expression) = &schedule_expression {
        if bus != records::DEFAULT_BUS {
            return Err(validation(
                "ScheduleExpression is supported only on the default event bus.",
            ));
        }
        if !schedule::valid(expression) {
            return Err(validation("Parameter ScheduleExpression is not valid."));
        }
    }
    if let Some(text) = &event_pattern {
        pattern(text)?;
    }
    let state = str_member(&input, "State").unwrap_or("ENABLED");
    if !STATES.contains(&state) {
        return Err(validation(format!(
            "1 validation error detected: Value '{state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            STATES.join(", ")
        )));
    }
    let existing = home.find_rule(store, &bus, name)?;
    if existing.is_none() {
        let on_bus = records::scan::<RuleRecord>(
            store,
            &home.space(),
            RULE_TABLE,
            &records::rule_id(&bus, ""),
        )?;
        if on_bus.len() >= MAX_RULES_PER_BUS {
            return Err(errors::limit_exceeded());
        }
    }
    let (previous, version) = match existing {
        Some((rule, version)) => (Some(rule), Some(version)),
        None => (None, None),
    };
    let rule = RuleRecord {
        name: name.to_owned(),
        bus: bus.clone(),
        arn: home.rule_arn(&bus, name),
        event_pattern,
        schedule_expression,
        state: state.to_owned(),
        description: str_member(&input, "Description").map(str::to_owned),
        role_arn: str_member(&input, "RoleArn").map(str::to_owned),
        created_by: previous
            .as_ref()
            .map_or_else(|| home.account.to_string(), |p| p.created_by.clone()),
        tags: match &previous {
            Some(p) => p.tags.clone(),
            None => records::tags_from(input.get("Tags"))?,
        },
        targets: previous
            .as_ref()
            .map(|p| p.targets.clone())
            .unwrap_or_default(),
    };
    let batch = rampart_store::Batch::new().put_if(
        home.key(RULE_TABLE, &records::rule_id(&bus, name)),
        records::encode(&rule)?,
        records::expect(version),
    );
    let batch = schedules::track(batch, &home, &rule, call.env.clock.now())?;
    store.commit(batch).map_err(errors::store)?;
    Ok(json!({ "RuleArn": rule.arn }))
}

/// A rule as DescribeRule and ListRules show it.
fn shown(rule: &RuleRecord) -> Value {
    let mut v = json!({
        "Name": rule.name,
        "Arn": rule.arn,
        "State": rule.state,
        "EventBusName": rule.bus,
    });
    let optional = [
        ("EventPattern", &rule.event_pattern),
        ("ScheduleExpression", &rule.schedule_expression),
        ("Description", &rule.description),
        ("RoleArn", &rule.role_arn),
    ];
    for (member, value) in optional {
        if let Some(value) = value {
            v[member] = json!(value);
        }
    }
    v
}

fn describe_rule(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (_, rule, _) = existing(call, &input, "Name")?;
    let mut v = shown(&rule);
    v["CreatedBy"] = json!(rule.created_by);
    Ok(v)
}

fn list_rules(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let bus = records::local_bus(&home, str_member(&input, "EventBusName"))?;
    if home.find_bus(store, &bus)?.is_none() {
        return Err(errors::no_bus(&bus));
    }
    let prefix = str_member(&input, "NamePrefix").unwrap_or_default();
    let rules: Vec<RuleRecord> = records::scan::<RuleRecord>(
        store,
        &home.space(),
        RULE_TABLE,
        &records::rule_id(&bus, prefix),
    )?
    .into_iter()
    .map(|(_, rule, _)| rule)
    .collect();
    let page = paging::page(&rules, |r| r.name.as_str(), &input)?;
    let mut out = json!({ "Rules": page.items.iter().map(|r| shown(r)).collect::<Vec<_>>() });
    if let Some(token) = page.next_token {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

fn delete_rule(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let bus = records::local_bus(&home, str_member(&input, "EventBusName"))?;
    let name = str_member(&input, "Name").unwrap_or_default();
    // Deleting a rule that does not exist succeeds, as in AWS.
    let Some((rule, version)) = home.find_rule(store, &bus, name)? else {
        return Ok(json!({}));
    };
    if !rule.targets.is_empty() {
        return Err(validation("Rule can't be deleted since it has targets."));
    }
    store
        .commit(
            rampart_store::Batch::new()
                .delete_if(
                    home.key(RULE_TABLE, &records::rule_id(&bus, name)),
                    Expect::Version(version),
                )
                .delete(schedules::key(&home, &bus, name)),
        )
        .map_err(errors::store)?;
    Ok(json!({}))
}

fn set_state(call: &Call<'_>, input: Value, state: &str) -> Result<Value, AwsError> {
    let (home, mut rule, version) = existing(call, &input, "Name")?;
    rule.state = state.to_owned();
    records::save(
        call.env.store.as_ref(),
        home.key(RULE_TABLE, &records::rule_id(&rule.bus, &rule.name)),
        &rule,
        Expect::Version(version),
    )?;
    Ok(json!({}))
}

/// The fields TestEventPattern requires of its event.
const MANDATORY_EVENT_FIELDS: [&str; 7] = [
    "id",
    "account",
    "source",
    "time",
    "region",
    "resources",
    "detail-type",
];

fn test_event_pattern(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let parsed = pattern(str_member(&input, "EventPattern").unwrap_or_default())?;
    let event: Value = serde_json::from_str(str_member(&input, "Event").unwrap_or_default())
        .map_err(|_| validation("Parameter Event is not valid."))?;
    let complete = event
        .as_object()
        .is_some_and(|o| MANDATORY_EVENT_FIELDS.iter().all(|f| o.contains_key(*f)));
    if !complete {
        return Err(validation("Parameter Event is not valid."));
    }
    Ok(json!({ "Result": parsed.matches(&event) }))
}
