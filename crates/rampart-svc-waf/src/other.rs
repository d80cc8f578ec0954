//! The rest of the wafv2 model: what depends on traffic the data plane records (sampled
//! requests and rate-limited keys through [`crate::traffic`]; top paths are not recorded and
//! stay empty), CAPTCHA API keys, and what
//! rampart has no part in (Firewall Manager rule groups, vendor-managed rule sets, mobile SDK
//! downloads, monetization statistics), answered as AWS answers an account without them.

use crate::entity;
use crate::errors::{self, REASON_INVALID};
use crate::input;
use crate::scope::{Kind, Location, Scope, caller_space};
use crate::web_acls::WebAclBody;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use rampart_store::{Batch, Expect, Key, Scan, StoreError};
use rampart_waf::model::Statement;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// How far back sampled requests reach, seconds.
const SAMPLE_WINDOW_SECS: f64 = 3.0 * 3600.0;
/// The store table of CAPTCHA API keys.
const API_KEYS: &str = "wafv2.apikey";
/// AWS's quota of token domains per API key.
const MAX_KEY_DOMAINS: usize = 5;

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "GetSampledRequests", true, sampled_requests);
    registry.register(
        "wafv2",
        "GetRateBasedStatementManagedKeys",
        true,
        managed_keys,
    );
    registry.register("wafv2", "GetTopPathStatisticsByTraffic", true, top_paths);
    registry.register("wafv2", "CreateAPIKey", false, create_api_key);
    registry.register("wafv2", "GetDecryptedAPIKey", true, get_api_key);
    registry.register("wafv2", "DeleteAPIKey", false, delete_api_key);
    registry.register("wafv2", "ListAPIKeys", true, list_api_keys);
    registry.register(
        "wafv2",
        "DeleteFirewallManagerRuleGroups",
        false,
        delete_fms_groups,
    );
    registry.register("wafv2", "ListManagedRuleSets", true, list_managed_rule_sets);
    for op in [
        "GetManagedRuleSet",
        "PutManagedRuleSetVersions",
        "UpdateManagedRuleSetVersionExpiryDate",
    ] {
        registry.register("wafv2", op, op.starts_with("Get"), vendor_only);
    }
    registry.register("wafv2", "ListMobileSdkReleases", true, list_sdk_releases);
    registry.register("wafv2", "GetMobileSdkRelease", true, no_sdk_release);
    registry.register("wafv2", "GenerateMobileSdkReleaseUrl", true, no_sdk_release);
    for (op, answer) in [
        (
            "GetRevenueStatistics",
            json!({"SourceStatistics": [], "RevenuePathStatistics": []}),
        ),
        ("GetRevenueStatisticsSummary", json!({})),
        ("GetRevenueStatisticsTimeSeries", json!({"DataPoints": []})),
        ("ListSettlementRecords", json!({"Settlements": []})),
    ] {
        registry.register("wafv2", op, true, move |call, input| {
            scope_of(call, &input)?;
            Ok(answer.clone())
        });
    }
}

/// The request's `Scope`.
fn scope_of(call: &Call<'_>, input: &Value) -> Result<Scope, AwsError> {
    Scope::parse(
        call,
        input
            .get("Scope")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

/// The caller's web ACL `arn` in the request's scope.
fn web_acl(
    call: &Call<'_>,
    arn: &str,
    scope: Scope,
) -> Result<entity::Loaded<WebAclBody>, AwsError> {
    let loc = Location::caller_arn(call, arn, Kind::WebAcl)?;
    if loc.scope != scope {
        return Err(errors::nonexistent());
    }
    entity::load(call, loc)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TimeWindow {
    start_time: f64,
    end_time: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SampledInput {
    web_acl_arn: String,
    rule_metric_name: String,
    scope: String,
    time_window: TimeWindow,
    max_items: i64,
}

fn sampled_requests(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: SampledInput = input::read(input, "WEB_ACL")?;
    let scope = Scope::parse(call, &i.scope)?;
    web_acl(call, &i.web_acl_arn, scope)?;
    if !(1..=500).contains(&i.max_items) || i.rule_metric_name.is_empty() {
        return Err(errors::invalid(
            "METRIC_NAME",
            i.rule_metric_name,
            REASON_INVALID,
        ));
    }
    let now = epoch_seconds(call.env.clock.now());
    let TimeWindow {
        start_time,
        end_time,
    } = i.time_window;
    if start_time >= end_time || start_time < now - SAMPLE_WINDOW_SECS - 60.0 {
        return Err(errors::invalid(
            "WEB_ACL",
            "TimeWindow",
            "The time window must lie within the previous three hours.",
        ));
    }
    let loc = Location::caller_arn(call, &i.web_acl_arn, Kind::WebAcl)?;
    let end = end_time.min(now);
    let (samples, population) = crate::traffic::samples(
        call.env.store.as_ref(),
        &loc,
        &i.rule_metric_name,
        start_time,
        end,
        i.max_items as usize,
    )?;
    Ok(json!({
        "SampledRequests": samples,
        "PopulationSize": population,
        "TimeWindow": {"StartTime": start_time, "EndTime": end},
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManagedKeysInput {
    scope: String,
    #[serde(rename = "WebACLName")]
    web_acl_name: String,
    #[serde(rename = "WebACLId")]
    web_acl_id: String,
    rule_group_rule_name: Option<String>,
    rule_name: String,
}

fn managed_keys(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ManagedKeysInput = input::read(input, "RULE")?;
    let acl = entity::load_named::<WebAclBody>(
        call,
        Kind::WebAcl,
        &i.scope,
        &i.web_acl_name,
        &i.web_acl_id,
    )?;
    let def = acl
        .entity
        .body
        .def(&acl.entity.name)
        .map_err(errors::from_engine)?;
    let outer = i.rule_group_rule_name.as_deref().unwrap_or(&i.rule_name);
    let rule = def
        .rules
        .iter()
        .find(|r| r.name == outer)
        .ok_or_else(errors::nonexistent)?;
    let rate_based = matches!(
        (&i.rule_group_rule_name, &rule.statement),
        (None, Statement::RateBasedStatement(_))
            | (
                Some(_),
                Statement::RuleGroupReferenceStatement(_) | Statement::ManagedRuleGroupStatement(_)
            )
    );
    if !rate_based {
        return Err(errors::invalid("RULE", i.rule_name, REASON_INVALID));
    }
    crate::traffic::limited_keys(
        call.env.store.as_ref(),
        &acl.loc,
        &i.rule_name,
        i.rule_group_rule_name.as_deref(),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TopPathsInput {
    web_acl_arn: String,
    scope: String,
}

fn top_paths(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: TopPathsInput = input::read(input, "WEB_ACL")?;
    web_acl(call, &i.web_acl_arn, Scope::parse(call, &i.scope)?)?;
    Ok(json!({ "PathStatistics": [], "TotalRequestCount": 0 }))
}

/// A CAPTCHA API key as stored.
#[derive(Serialize, Deserialize)]
struct ApiKey {
    scope: String,
    token_domains: Vec<String>,
    created: f64,
}

fn api_key_id(scope: Scope, key: &str) -> String {
    format!("{}/{key}", scope.as_str())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateKeyInput {
    scope: String,
    token_domains: Vec<String>,
}

fn create_api_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: CreateKeyInput = input::read(input, "TOKEN_DOMAIN")?;
    let scope = Scope::parse(call, &i.scope)?;
    if i.token_domains.is_empty() || i.token_domains.len() > MAX_KEY_DOMAINS {
        return Err(errors::invalid(
            "TOKEN_DOMAIN",
            "TokenDomains",
            REASON_INVALID,
        ));
    }
    crate::web_acls::token_domains(Some(&json!(i.token_domains)))?;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let key = rampart_crypto::random_token(alphabet, 64).ok_or_else(errors::internal)?;
    let record = ApiKey {
        scope: scope.as_str().to_owned(),
        token_domains: i.token_domains,
        created: epoch_seconds(call.env.clock.now()),
    };
    let bytes = serde_json::to_vec(&record).map_err(|_| errors::internal())?;
    let k = Key::new(caller_space(call), API_KEYS, api_key_id(scope, &key));
    match call
        .env
        .store
        .commit(Batch::new().put_if(k, bytes, Expect::Absent))
    {
        Ok(_) => Ok(json!({ "APIKey": key })),
        Err(StoreError::Conflict { .. }) => Err(errors::internal()),
        Err(e) => Err(errors::store(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyInput {
    scope: String,
    #[serde(rename = "APIKey")]
    api_key: String,
}

fn find_key(call: &Call<'_>, i: &KeyInput) -> Result<(Key, ApiKey), AwsError> {
    let scope = Scope::parse(call, &i.scope)?;
    let k = Key::new(caller_space(call), API_KEYS, api_key_id(scope, &i.api_key));
    let item = call
        .env
        .store
        .get(&k)
        .map_err(errors::store)?
        .ok_or_else(errors::nonexistent)?;
    let record = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
    Ok((k, record))
}

fn get_api_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: KeyInput = input::read(input, "TOKEN_DOMAIN")?;
    let (_, record) = find_key(call, &i)?;
    Ok(json!({ "TokenDomains": record.token_domains, "CreationTimestamp": record.created }))
}

fn delete_api_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: KeyInput = input::read(input, "TOKEN_DOMAIN")?;
    let (k, _) = find_key(call, &i)?;
    call.env
        .store
        .commit(Batch::new().delete(k))
        .map_err(errors::store)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListKeysInput {
    scope: String,
    next_marker: Option<String>,
    limit: Option<i64>,
}

fn list_api_keys(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListKeysInput = input::read(input, "SCOPE_VALUE")?;
    let scope = Scope::parse(call, &i.scope)?;
    let limit = input::page_limit(i.limit)?;
    let prefix = format!("{}/", scope.as_str());
    let mut scan = Scan::new(prefix.clone(), limit + 1);
    if let Some(m) = &i.next_marker {
        scan = scan.after(format!("{prefix}{m}"));
    }
    let items = call
        .env
        .store
        .scan(&caller_space(call), API_KEYS, &scan)
        .map_err(errors::store)?;
    let mut summaries = Vec::new();
    for item in items.iter().take(limit) {
        let r: ApiKey = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
        let key = item.key.id.strip_prefix(&prefix).unwrap_or_default();
        summaries.push(json!({
            "APIKey": key, "TokenDomains": r.token_domains,
            "CreationTimestamp": r.created, "Version": 1,
        }));
    }
    let mut out = json!({ "APIKeySummaries": summaries });
    if items.len() > limit
        && let Some(last) = summaries.last()
    {
        out["NextMarker"] = last["APIKey"].clone();
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FmsInput {
    #[serde(rename = "WebACLArn")]
    web_acl_arn: String,
    #[serde(rename = "WebACLLockToken")]
    web_acl_lock_token: String,
}

fn delete_fms_groups(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: FmsInput = input::read(input, "WEB_ACL")?;
    let loc = Location::caller_arn(call, &i.web_acl_arn, Kind::WebAcl)?;
    let acl = entity::load::<WebAclBody>(call, loc)?;
    if acl.entity.lock_token != i.web_acl_lock_token {
        return Err(errors::optimistic_lock());
    }
    Err(errors::invalid_operation(
        "AWS WAF couldn\u{2019}t perform your Firewall Manager operation because the web ACL isn\u{2019}t managed by Firewall Manager.",
    ))
}

fn list_managed_rule_sets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    scope_of(call, &input)?;
    Ok(json!({ "ManagedRuleSets": [] }))
}

/// Managed rule sets belong to rule group vendors; no account of rampart is one.
fn vendor_only(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    scope_of(call, &input)?;
    Err(errors::nonexistent())
}

fn list_sdk_releases(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    platform(&input)?;
    Ok(json!({ "ReleaseSummaries": [] }))
}

/// rampart distributes no mobile SDK.
fn no_sdk_release(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    platform(&input)?;
    Err(errors::nonexistent())
}

fn platform(input: &Value) -> Result<(), AwsError> {
    match input.get("Platform").and_then(Value::as_str) {
        Some("IOS" | "ANDROID") => Ok(()),
        other => Err(errors::invalid(
            "RESOURCE_TYPE",
            other.unwrap_or_default(),
            REASON_INVALID,
        )),
    }
}
