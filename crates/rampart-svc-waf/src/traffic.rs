//! What the data plane records for the control plane to report: sampled requests
//! (GetSampledRequests, kept three hours) and the keys rate-based rules are limiting
//! (GetRateBasedStatementManagedKeys). The data plane samples and batches; each call here is
//! one store commit, so it should not be made per request.

use crate::errors;
use crate::scope::{Kind, Location};
use rampart_protocol::AwsError;
use rampart_store::{Batch, Key, Scan, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::net::IpAddr;

/// How long samples are kept, seconds (GetSampledRequests reaches three hours back).
pub const SAMPLE_RETENTION_SECS: f64 = 3.0 * 3600.0;
/// The store table of samples: `<web ACL id>|<metric name>|<milliseconds>|<n>`.
const SAMPLES: &str = "wafv2.sample";
/// The store table of limited keys: `<web ACL id>|<rule>|<rule group rule>`.
const LIMITED: &str = "wafv2.ratekeys";

/// One sampled request and what the web ACL did with it.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Sample {
    /// The metric name (`VisibilityConfig.MetricName`) of the rule that decided, or the web
    /// ACL's own for its default action: what GetSampledRequests filters on.
    pub rule_metric_name: String,
    /// When, Unix seconds.
    pub timestamp: f64,
    /// The client's address.
    pub client_ip: String,
    /// Its country code (`XX` when unknown).
    pub country: String,
    /// The request URI.
    pub uri: String,
    /// The method.
    pub method: String,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub http_version: String,
    /// The request headers, in order.
    pub headers: Vec<(String, String)>,
    /// `ALLOW`, `BLOCK`, `COUNT`, `CAPTCHA`, `CHALLENGE`, `EXCLUDED_AS_COUNT`.
    pub action: String,
    /// The rule inside a rule group that decided.
    pub rule_name_within_rule_group: Option<String>,
    /// The status of a custom response.
    pub response_code_sent: Option<u16>,
    /// The labels the request carried.
    pub labels: Vec<String>,
    /// Headers the web ACL inserted.
    pub request_headers_inserted: Vec<(String, String)>,
}

impl std::fmt::Debug for Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Headers may carry credentials: never shown.
        f.debug_struct("Sample")
            .field("rule_metric_name", &self.rule_metric_name)
            .field("timestamp", &self.timestamp)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

impl Sample {
    /// The `SampledHTTPRequest` shape.
    fn to_api(&self) -> Value {
        let headers = |h: &[(String, String)]| -> Vec<Value> {
            h.iter()
                .map(|(n, v)| json!({"Name": n, "Value": v}))
                .collect()
        };
        let mut v = json!({
            "Request": {
                "ClientIP": self.client_ip, "Country": self.country, "URI": self.uri,
                "Method": self.method, "HTTPVersion": self.http_version,
                "Headers": headers(&self.headers),
            },
            "Weight": 1,
            "Timestamp": self.timestamp,
            "Action": self.action,
        });
        if let Some(r) = &self.rule_name_within_rule_group {
            v["RuleNameWithinRuleGroup"] = json!(r);
        }
        if let Some(c) = self.response_code_sent {
            v["ResponseCodeSent"] = json!(c);
        }
        if !self.labels.is_empty() {
            let labels: Vec<Value> = self.labels.iter().map(|l| json!({"Name": l})).collect();
            v["Labels"] = json!(labels);
        }
        if !self.request_headers_inserted.is_empty() {
            v["RequestHeadersInserted"] = json!(headers(&self.request_headers_inserted));
        }
        v
    }
}

fn web_acl(arn: &str) -> Result<Location, AwsError> {
    Location::parse_arn(arn)
        .filter(|l| l.kind == Kind::WebAcl)
        .ok_or_else(errors::nonexistent)
}

fn millis(secs: f64) -> u64 {
    (secs.max(0.0) * 1000.0) as u64
}

/// Records `samples` of the web ACL `web_acl_arn` and forgets those older than three hours
/// before `now` (Unix seconds).
pub fn record_samples(
    store: &dyn Store,
    web_acl_arn: &str,
    samples: &[Sample],
    now: f64,
) -> Result<(), AwsError> {
    let loc = web_acl(web_acl_arn)?;
    let space = loc.space();
    let cutoff = millis(now - SAMPLE_RETENTION_SECS);
    let mut batch = Batch::new();
    let old = store
        .scan(
            &space,
            SAMPLES,
            &Scan::new(format!("{}|", loc.id), usize::MAX),
        )
        .map_err(errors::store)?;
    for item in old {
        if sample_millis(&item.key.id).is_some_and(|t| t < cutoff) {
            batch = batch.delete(item.key);
        }
    }
    for (n, s) in samples.iter().enumerate() {
        if millis(s.timestamp) < cutoff {
            continue;
        }
        let id = format!(
            "{}|{}|{:015}|{n:06}",
            loc.id,
            s.rule_metric_name,
            millis(s.timestamp)
        );
        let bytes = serde_json::to_vec(s).map_err(|_| errors::internal())?;
        batch = batch.put(Key::new(space.clone(), SAMPLES, id), bytes);
    }
    store.commit(batch).map_err(errors::store)?;
    Ok(())
}

fn sample_millis(id: &str) -> Option<u64> {
    id.rsplit('|').nth(1)?.parse().ok()
}

/// The samples of `metric` in the web ACL at `loc` between `start` and `end` (Unix seconds),
/// newest first, at most `max`, and how many there were in all.
pub(crate) fn samples(
    store: &dyn Store,
    loc: &Location,
    metric: &str,
    start: f64,
    end: f64,
    max: usize,
) -> Result<(Vec<Value>, usize), AwsError> {
    let prefix = format!("{}|{metric}|", loc.id);
    let items = store
        .scan(
            &loc.space(),
            SAMPLES,
            &Scan::new(prefix, usize::MAX).reversed(),
        )
        .map_err(errors::store)?;
    let (from, to) = (millis(start), millis(end));
    let mut found = Vec::new();
    for item in items {
        if sample_millis(&item.key.id).is_some_and(|t| t >= from && t <= to) {
            found.push(item);
        }
    }
    let total = found.len();
    let page = found
        .iter()
        .take(max)
        .map(|i| {
            serde_json::from_slice::<Sample>(&i.value)
                .map(|s| s.to_api())
                .map_err(|_| errors::internal())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((page, total))
}

fn limited_id(loc: &Location, rule: &str, group_rule: Option<&str>) -> String {
    format!("{}|{rule}|{}", loc.id, group_rule.unwrap_or_default())
}

/// Records the client addresses the rate-based rule `rule` of `web_acl_arn` is limiting now,
/// replacing the previous record; `group_rule` is the web ACL's rule that references the rule
/// group holding `rule`, when it is in one (GetRateBasedStatementManagedKeys'
/// `RuleGroupRuleName`).
pub fn record_limited_keys(
    store: &dyn Store,
    web_acl_arn: &str,
    rule: &str,
    group_rule: Option<&str>,
    addresses: &[IpAddr],
) -> Result<(), AwsError> {
    let loc = web_acl(web_acl_arn)?;
    let (v4, v6): (Vec<&IpAddr>, Vec<&IpAddr>) = addresses.iter().partition(|a| a.is_ipv4());
    let record = json!({
        "IPV4": v4.iter().map(|a| format!("{a}/32")).collect::<Vec<_>>(),
        "IPV6": v6.iter().map(|a| format!("{a}/128")).collect::<Vec<_>>(),
    });
    let key = Key::new(loc.space(), LIMITED, limited_id(&loc, rule, group_rule));
    store
        .commit(Batch::new().put(key, record.to_string().into_bytes()))
        .map_err(errors::store)?;
    Ok(())
}

/// The `ManagedKeysIPV4`/`ManagedKeysIPV6` of a rate-based rule (empty when none recorded).
pub(crate) fn limited_keys(
    store: &dyn Store,
    loc: &Location,
    rule: &str,
    group_rule: Option<&str>,
) -> Result<Value, AwsError> {
    let key = Key::new(loc.space(), LIMITED, limited_id(loc, rule, group_rule));
    let record: Value = match store.get(&key).map_err(errors::store)? {
        Some(item) => serde_json::from_slice(&item.value).map_err(|_| errors::internal())?,
        None => json!({"IPV4": [], "IPV6": []}),
    };
    Ok(json!({
        "ManagedKeysIPV4": {"IPAddressVersion": "IPV4", "Addresses": record["IPV4"]},
        "ManagedKeysIPV6": {"IPAddressVersion": "IPV6", "Addresses": record["IPV6"]},
    }))
}

/// A batch deleting what was recorded for the web ACL at `loc` (it is being deleted).
pub(crate) fn forget(store: &dyn Store, loc: &Location) -> Result<Batch, AwsError> {
    let prefix = format!("{}|", loc.id);
    let mut batch = Batch::new();
    for table in [SAMPLES, LIMITED] {
        let items = store
            .scan(&loc.space(), table, &Scan::new(prefix.clone(), usize::MAX))
            .map_err(errors::store)?;
        for item in items {
            batch = batch.delete(item.key);
        }
    }
    Ok(batch)
}

/// The logging configuration of the web ACL `web_acl_arn` as PutLoggingConfiguration stored
/// it (`LogDestinationConfigs`, `RedactedFields`, `LoggingFilter`, ...), for the data plane's
/// log writer.
pub fn logging_configuration(
    store: &dyn Store,
    web_acl_arn: &str,
) -> Result<Option<Value>, AwsError> {
    let loc = web_acl(web_acl_arn)?;
    let item = store
        .get(&crate::logging::key(&loc.space(), web_acl_arn))
        .map_err(errors::store)?;
    item.map(|i| serde_json::from_slice(&i.value).map_err(|_| errors::internal()))
        .transpose()
}
