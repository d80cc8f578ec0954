//! Attacks the monitor recorded: ListAttacks, DescribeAttack, DescribeAttackStatistics.

use crate::errors;
use crate::records::{self, ATTACKS, Attack};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

/// How far back DescribeAttackStatistics looks: one year.
const STATISTICS_SECS: f64 = 31_536_000.0;

fn vectors() -> Value {
    json!([{ "VectorType": "REQUEST_FLOOD" }])
}

fn summary(a: &Attack) -> Value {
    let mut v = json!({
        "AttackId": a.id,
        "ResourceArn": a.resource_arn,
        "StartTime": a.start,
        "AttackVectors": vectors(),
    });
    if let Some(end) = a.end {
        v["EndTime"] = json!(end);
    }
    v
}

fn detail(a: &Attack) -> Value {
    let contributors: Vec<Value> = a
        .top_contributors
        .iter()
        .map(|c| json!({"Name": c.name, "Value": c.value}))
        .collect();
    let mut v = json!({
        "AttackId": a.id,
        "ResourceArn": a.resource_arn,
        "SubResources": [],
        "StartTime": a.start,
        "AttackCounters": [{"Name": "REQUEST_FLOOD", "Max": a.peak_rate, "Average": a.peak_rate,
                            "Sum": a.total as f64, "N": 1, "Unit": "Requests"}],
        "AttackProperties": [{
            "AttackLayer": "APPLICATION",
            "AttackPropertyIdentifier": "SOURCE_IP_ADDRESS",
            "TopContributors": contributors,
            "Unit": "REQUESTS",
            "Total": a.total,
        }],
        "Mitigations": a.mitigation.iter().map(|m| json!({"MitigationName": m})).collect::<Vec<_>>(),
    });
    if let Some(end) = a.end {
        v["EndTime"] = json!(end);
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Range {
    from_inclusive: Option<f64>,
    to_exclusive: Option<f64>,
}

impl Range {
    fn holds(&self, t: Option<f64>) -> bool {
        let Some(t) = t else {
            // An attack still going on has no end time: only an open range holds it.
            return self.to_exclusive.is_none();
        };
        self.from_inclusive.is_none_or(|f| t >= f) && self.to_exclusive.is_none_or(|e| t < e)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    resource_arns: Option<Vec<String>>,
    start_time: Option<Range>,
    end_time: Option<Range>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListInput = from_input(input, "InvalidParameterException")?;
    let mut all: Vec<Attack> = records::list(
        call.env.store.as_ref(),
        &records::space(call.principal.account.as_str()),
        ATTACKS,
    )?;
    all.retain(|a| {
        input
            .resource_arns
            .as_ref()
            .is_none_or(|r| r.contains(&a.resource_arn))
            && input
                .start_time
                .as_ref()
                .is_none_or(|r| r.holds(Some(a.start)))
            && input.end_time.as_ref().is_none_or(|r| r.holds(a.end))
    });
    all.sort_by(|a, b| b.start.total_cmp(&a.start).then(a.id.cmp(&b.id)));
    let max = input.max_results.unwrap_or(100).clamp(1, 10_000) as usize;
    let start = match &input.next_token {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| errors::invalid_parameter("The pagination token is not valid"))?,
        None => 0,
    };
    let page: Vec<Value> = all.iter().skip(start).take(max).map(summary).collect();
    let mut out = json!({ "AttackSummaries": page });
    if all.len() > start + max {
        out["NextToken"] = json!((start + max).to_string());
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    attack_id: String,
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "InvalidParameterException")?;
    let found = records::read::<Attack>(
        call.env.store.as_ref(),
        &records::attack_key(call.principal.account.as_str(), &input.attack_id),
    )?;
    // AWS answers an attack it does not know with an empty result.
    Ok(match found {
        Some((a, _)) => json!({ "Attack": detail(&a) }),
        None => json!({}),
    })
}

fn statistics(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let now = epoch_seconds(call.env.clock.now());
    let from = now - STATISTICS_SECS;
    let attacks: Vec<Attack> = records::list(
        call.env.store.as_ref(),
        &records::space(call.principal.account.as_str()),
        ATTACKS,
    )?;
    let count = attacks.iter().filter(|a| a.start >= from).count();
    let items = if count == 0 {
        Vec::new()
    } else {
        vec![json!({"AttackCount": count})]
    };
    Ok(json!({"TimeRange": {"FromInclusive": from, "ToExclusive": now}, "DataItems": items}))
}

/// Registers the attack operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("shield", "ListAttacks", true, list);
    registry.register("shield", "DescribeAttack", true, describe);
    registry.register("shield", "DescribeAttackStatistics", true, statistics);
}
