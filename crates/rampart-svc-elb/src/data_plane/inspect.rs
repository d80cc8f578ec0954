//! The web ACL's verdict on a request, and what the data plane records of it: samples
//! (GetSampledRequests), rate-limited keys (GetRateBasedStatementManagedKeys) and log records,
//! batched and flushed about once a second by [`Waf::flush`], never one commit per request.

use rampart_service::{Call, Env, Principal, PrincipalKind, Registry, ServiceAuthority};
use rampart_svc_waf::{Evaluators, Protection, Sample, logging_configuration};
use rampart_waf::{
    ActionKind, GeoLookup, LogContext, RateRuleId, RateTracker, Redaction, Request, RuleType,
    Verdict,
};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Samples kept per web ACL between two flushes.
const MAX_SAMPLES_PER_FLUSH: usize = 100;

/// What the web ACL's definition says about visibility.
#[derive(Debug, Default)]
struct Meta {
    lock_token: String,
    default_metric: String,
    /// Rule name → (metric name, sampled).
    rules: HashMap<String, (String, bool)>,
    default_sampled: bool,
}

/// Where a web ACL's log records go.
#[derive(Debug, Clone)]
struct LogTarget {
    path: PathBuf,
    redaction: Redaction,
    /// The `LoggingFilter`, if any.
    filter: Option<Value>,
}

#[derive(Default)]
struct Pending {
    samples: HashMap<String, Vec<Sample>>,
    logs: HashMap<PathBuf, Vec<String>>,
}

/// The data plane's WAF state: compiled ACLs, rate trackers, and what waits to be recorded.
pub(crate) struct Waf {
    evaluators: Evaluators,
    geo: Arc<dyn GeoLookup>,
    registry: Registry,
    log_dir: PathBuf,
    trackers: Mutex<HashMap<String, RateTracker>>,
    meta: Mutex<HashMap<String, Arc<Meta>>>,
    logs: Mutex<HashMap<String, Option<LogTarget>>>,
    rate_rules: Mutex<RateRules>,
    /// The limited addresses last recorded per web ACL ARN and rate-based rule.
    recorded: Mutex<HashMap<(String, RateRule), Vec<IpAddr>>>,
    pending: Mutex<Pending>,
}

/// A rate-based rule: the web ACL rule referencing its group (if in one) and its name.
type RateRule = (Option<String>, String);
/// Per web ACL ARN: its name and the rate-based rules seen limiting.
type RateRules = HashMap<String, (String, BTreeSet<RateRule>)>;

/// What the proxy knows of a request besides the engine's view of it.
#[derive(Clone, Copy)]
pub(crate) struct Seen<'a> {
    /// The load balancer that received it.
    pub lb_arn: &'a str,
    /// The status answered instead of forwarding, if any.
    pub status_sent: Option<u16>,
    /// Unix milliseconds.
    pub now_ms: u64,
    /// The request's trace id.
    pub request_id: &'a str,
}

/// A request's inspection.
pub(crate) struct Inspection {
    pub protection: Protection,
    pub verdict: Verdict,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Waf {
    /// Empty state; `registry` answers wafv2 GetWebACL for visibility settings, and log
    /// files go under `log_dir`.
    pub(crate) fn new(
        evaluators: Evaluators,
        geo: Arc<dyn GeoLookup>,
        registry: Registry,
        log_dir: PathBuf,
    ) -> Waf {
        Waf {
            evaluators,
            geo,
            registry,
            log_dir,
            trackers: Mutex::default(),
            meta: Mutex::default(),
            logs: Mutex::default(),
            rate_rules: Mutex::default(),
            recorded: Mutex::default(),
            pending: Mutex::default(),
        }
    }

    /// Evaluates `req` against the web ACL protecting `lb_arn` at `now_ms` (Unix
    /// milliseconds); `None` when no web ACL protects it. Errors: the store's (the caller
    /// refuses the request: a WAF that cannot decide does not let traffic through).
    pub(crate) fn inspect(
        &self,
        env: &Env,
        lb_arn: &str,
        req: &Request,
        now_ms: u64,
    ) -> Result<Option<Inspection>, String> {
        let Some(protection) = self
            .evaluators
            .for_resource(env.store.as_ref(), lb_arn)
            .map_err(|e| e.message)?
        else {
            return Ok(None);
        };
        let verdict = {
            let mut trackers = lock(&self.trackers);
            let tracker = trackers.entry(protection.web_acl_arn.clone()).or_default();
            rampart_waf::evaluate(&protection.acl, req, tracker, now_ms / 1000)
        };
        self.note_rate_rules(&protection, &verdict);
        Ok(Some(Inspection {
            protection,
            verdict,
        }))
    }

    fn note_rate_rules(&self, p: &Protection, verdict: &Verdict) {
        let limited: Vec<RateRule> = verdict
            .matched_rules
            .iter()
            .filter(|m| m.rule_type == RuleType::RateBased)
            .map(|m| match &m.rule_within_group {
                Some(inner) => (Some(m.rule.clone()), inner.clone()),
                None => (None, m.rule.clone()),
            })
            .collect();
        if limited.is_empty() {
            return;
        }
        let mut rules = lock(&self.rate_rules);
        let entry = rules
            .entry(p.web_acl_arn.clone())
            .or_insert_with(|| (p.acl.name().to_owned(), BTreeSet::new()));
        entry.1.extend(limited);
    }

    /// Queues the sample and the log record of an inspected request.
    pub(crate) fn record(
        &self,
        env: &Env,
        req: &Request,
        inspection: &Inspection,
        seen: &Seen<'_>,
    ) {
        let Seen {
            lb_arn,
            status_sent,
            now_ms,
            request_id,
        } = *seen;
        let p = &inspection.protection;
        let v = &inspection.verdict;
        let meta = self.meta(env, p);
        let country = self
            .geo
            .lookup(req.source_ip)
            .map_or_else(|| "XX".to_owned(), |g| g.country);
        let headers: Vec<(String, String)> = req
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.clone(),
                    String::from_utf8_lossy(&h.value).into_owned(),
                )
            })
            .collect();
        let uri = String::from_utf8_lossy(&req.path).into_owned();
        let base = Sample {
            timestamp: now_ms as f64 / 1000.0,
            client_ip: req.source_ip.to_string(),
            country,
            uri,
            method: req.method.clone(),
            http_version: "HTTP/1.1".into(),
            headers,
            labels: v.labels.clone(),
            ..Sample::default()
        };
        let mut samples = Vec::new();
        let (metric, sampled) = match &v.terminating_rule {
            Some(t) => meta
                .rules
                .get(&t.rule)
                .cloned()
                .unwrap_or((t.rule.clone(), true)),
            None => (meta.default_metric.clone(), meta.default_sampled),
        };
        if sampled {
            samples.push(Sample {
                rule_metric_name: metric,
                action: v.action.as_str().into(),
                rule_name_within_rule_group: v
                    .terminating_rule
                    .as_ref()
                    .and_then(|t| t.rule_within_group.clone()),
                response_code_sent: if v.action == ActionKind::Block {
                    status_sent
                } else {
                    None
                },
                request_headers_inserted: v.inserted_headers.clone(),
                ..base.clone()
            });
        }
        for m in v
            .matched_rules
            .iter()
            .filter(|m| m.action == ActionKind::Count)
        {
            if let Some((metric, true)) = meta.rules.get(&m.rule).cloned() {
                samples.push(Sample {
                    rule_metric_name: metric,
                    action: if m.overridden_to_count {
                        "EXCLUDED_AS_COUNT"
                    } else {
                        "COUNT"
                    }
                    .into(),
                    rule_name_within_rule_group: m.rule_within_group.clone(),
                    ..base.clone()
                });
            }
        }
        let log = self
            .log_target(env, &p.web_acl_arn)
            .filter(|t| t.filter.as_ref().is_none_or(|f| keeps(f, v)))
            .map(|target| {
                let source_id = crate::names::Name::parse(lb_arn)
                    .map(|n| format!("{}-app/{}/{}", n.account, n.name, n.id))
                    .unwrap_or_default();
                let ctx = LogContext {
                    timestamp_ms: now_ms,
                    web_acl_arn: &p.web_acl_arn,
                    http_source_name: "ALB",
                    http_source_id: &source_id,
                    http_version: "HTTP/1.1",
                    request_id,
                    response_code_sent: if v.response.is_some() {
                        status_sent
                    } else {
                        None
                    },
                    redaction: target.redaction.clone(),
                };
                (
                    target.path,
                    rampart_waf::log_record(&p.acl, v, req, &ctx).to_string(),
                )
            });
        let mut pending = lock(&self.pending);
        let queue = pending.samples.entry(p.web_acl_arn.clone()).or_default();
        for s in samples {
            if queue.len() < MAX_SAMPLES_PER_FLUSH {
                queue.push(s);
            }
        }
        if let Some((path, line)) = log {
            pending.logs.entry(path).or_default().push(line);
        }
    }

    /// The visibility settings of the protecting web ACL, read through wafv2 GetWebACL on
    /// the owner's authority once per version.
    fn meta(&self, env: &Env, p: &Protection) -> Arc<Meta> {
        if let Some(m) = lock(&self.meta)
            .get(&p.web_acl_arn)
            .filter(|m| m.lock_token == p.lock_token)
        {
            return m.clone();
        }
        let meta = Arc::new(read_meta(env, &self.registry, p).unwrap_or_else(|| Meta {
            lock_token: p.lock_token.clone(),
            default_metric: p.acl.name().to_owned(),
            default_sampled: true,
            rules: HashMap::new(),
        }));
        lock(&self.meta).insert(p.web_acl_arn.clone(), meta.clone());
        meta
    }

    fn log_target(&self, env: &Env, acl_arn: &str) -> Option<LogTarget> {
        if let Some(t) = lock(&self.logs).get(acl_arn) {
            return t.clone();
        }
        let t = self.read_log_target(env, acl_arn);
        lock(&self.logs).insert(acl_arn.to_owned(), t.clone());
        t
    }

    fn read_log_target(&self, env: &Env, acl_arn: &str) -> Option<LogTarget> {
        let config = logging_configuration(env.store.as_ref(), acl_arn).ok()??;
        let destination = config
            .pointer("/LogDestinationConfigs/0")
            .and_then(Value::as_str)?;
        Some(LogTarget {
            path: log_path(&self.log_dir, acl_arn, destination)?,
            redaction: redaction(&config),
            filter: config.get("LoggingFilter").cloned(),
        })
    }

    /// Writes what is pending: samples and limited keys to the store, log lines to files;
    /// refreshes the logging configurations. Blocking: run it off the async workers.
    pub(crate) fn flush(&self, env: &Env, now_ms: u64) {
        let pending = std::mem::take(&mut *lock(&self.pending));
        let store = env.store.as_ref();
        for (acl, samples) in pending.samples {
            if samples.is_empty() {
                continue;
            }
            if let Err(e) =
                rampart_svc_waf::record_samples(store, &acl, &samples, now_ms as f64 / 1000.0)
            {
                tracing::warn!(error = %e.message, "cannot record WAF samples");
            }
        }
        for (path, lines) in pending.logs {
            if let Err(e) = append(&path, &lines) {
                tracing::warn!(error = %e, path = %path.display(), "cannot write WAF log records");
            }
        }
        self.flush_limited(env, now_ms / 1000);
        let known: Vec<String> = lock(&self.logs).keys().cloned().collect();
        for acl in known {
            let t = self.read_log_target(env, &acl);
            lock(&self.logs).insert(acl, t);
        }
    }

    fn flush_limited(&self, env: &Env, now: u64) {
        let rules = lock(&self.rate_rules).clone();
        for (acl_arn, (acl_name, set)) in rules {
            for (group_rule, rule) in set {
                let keys = {
                    let trackers = lock(&self.trackers);
                    let Some(t) = trackers.get(&acl_arn) else {
                        continue;
                    };
                    t.limited_keys(
                        &RateRuleId::new(&acl_name, group_rule.as_deref(), &rule),
                        now,
                    )
                };
                let mut addresses: Vec<IpAddr> = keys
                    .iter()
                    .filter_map(|k| k.first()?.parse().ok())
                    .collect();
                addresses.sort();
                let id = (acl_arn.clone(), (group_rule.clone(), rule.clone()));
                if lock(&self.recorded).get(&id) == Some(&addresses) {
                    continue;
                }
                match rampart_svc_waf::record_limited_keys(
                    env.store.as_ref(),
                    &acl_arn,
                    &rule,
                    group_rule.as_deref(),
                    &addresses,
                ) {
                    Ok(()) => {
                        lock(&self.recorded).insert(id, addresses);
                    }
                    Err(e) => tracing::warn!(error = %e.message, "cannot record rate-limited keys"),
                }
            }
        }
    }
}

/// Reads the web ACL's definition through wafv2 GetWebACL as its owner's service authority.
fn read_meta(env: &Env, registry: &Registry, p: &Protection) -> Option<Meta> {
    // arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>
    let parts: Vec<&str> = p.web_acl_arn.splitn(6, ':').collect();
    let [_, partition, _, region, account, resource] = parts[..] else {
        return None;
    };
    let segs: Vec<&str> = resource.split('/').collect();
    let [scope, "webacl", name, id] = segs[..] else {
        return None;
    };
    let principal = Principal {
        account: account.parse().ok()?,
        partition: partition.parse().ok()?,
        kind: PrincipalKind::Root,
        principal_id: account.to_owned(),
        access_key_id: String::new(),
        session: None,
    };
    let region = region.parse().ok()?;
    let call = Call {
        request_id: "elbv2-data-plane",
        principal: &principal,
        region: &region,
        source_ip: IpAddr::from([127, 0, 0, 1]),
        user_agent: "elasticloadbalancing.amazonaws.com",
        env,
        guard: &ServiceAuthority,
    };
    let scope = if scope == "global" {
        "CLOUDFRONT"
    } else {
        "REGIONAL"
    };
    let entry = registry.get("wafv2", "GetWebACL")?;
    let out = (entry.handler)(&call, json!({"Name": name, "Scope": scope, "Id": id})).ok()?;
    let acl = out.get("WebACL")?;
    let visibility = |v: &Value| {
        (
            v.pointer("/VisibilityConfig/MetricName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            v.pointer("/VisibilityConfig/SampledRequestsEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        )
    };
    let (default_metric, default_sampled) = visibility(acl);
    // The account's rules and Firewall Manager's rule groups around them.
    let rules = [
        "PreProcessFirewallManagerRuleGroups",
        "Rules",
        "PostProcessFirewallManagerRuleGroups",
    ]
    .iter()
    .filter_map(|member| acl.get(*member).and_then(Value::as_array))
    .flatten()
    .filter_map(|r| Some((r.get("Name")?.as_str()?.to_owned(), visibility(r))))
    .collect();
    Some(Meta {
        lock_token: p.lock_token.clone(),
        default_metric,
        default_sampled,
        rules,
    })
}

/// The local file standing for a log destination: `<dir>/<account>/<destination name>.log`,
/// the name being the `aws-waf-logs-*` part of the destination's ARN.
fn log_path(dir: &Path, acl_arn: &str, destination: &str) -> Option<PathBuf> {
    let account = acl_arn.split(':').nth(4)?;
    let name = destination
        .split([':', '/'])
        .find(|s| s.starts_with("aws-waf-logs-"))?;
    let safe = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && !name.contains("..");
    safe.then(|| dir.join(account).join(format!("{name}.log")))
}

/// Whether a `LoggingFilter` keeps the record of `verdict`: the first filter whose conditions
/// hold (all of them for `MEETS_ALL`, one for `MEETS_ANY`) decides, else `DefaultBehavior`.
fn keeps(filter: &Value, verdict: &Verdict) -> bool {
    let holds = |c: &Value| {
        if let Some(action) = c.pointer("/ActionCondition/Action").and_then(Value::as_str) {
            return match action {
                "COUNT" => verdict
                    .matched_rules
                    .iter()
                    .any(|m| m.action == ActionKind::Count && !m.overridden_to_count),
                "EXCLUDED_AS_COUNT" => verdict.matched_rules.iter().any(|m| m.overridden_to_count),
                other => verdict.action.as_str() == other,
            };
        }
        if let Some(label) = c
            .pointer("/LabelNameCondition/LabelName")
            .and_then(Value::as_str)
        {
            return verdict.labels.iter().any(|l| l == label);
        }
        false
    };
    for f in filter
        .get("Filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let conditions = f
            .get("Conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let matched = if f.get("Requirement").and_then(Value::as_str) == Some("MEETS_ALL") {
            conditions.iter().all(holds)
        } else {
            conditions.iter().any(holds)
        };
        if matched {
            return f.get("Behavior").and_then(Value::as_str) != Some("DROP");
        }
    }
    filter.get("DefaultBehavior").and_then(Value::as_str) != Some("DROP")
}

/// The `RedactedFields` of a logging configuration.
fn redaction(config: &Value) -> Redaction {
    let mut r = Redaction::default();
    for f in config
        .get("RedactedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = f.pointer("/SingleHeader/Name").and_then(Value::as_str) {
            r.headers.push(name.to_owned());
        }
        r.uri_path |= f.get("UriPath").is_some();
        r.query_string |= f.get("QueryString").is_some();
        r.method |= f.get("Method").is_some();
    }
    r
}

fn append(path: &Path, lines: &[String]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_paths_come_from_the_destination_name() {
        let acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/0123";
        let dir = Path::new("/d");
        assert_eq!(
            log_path(
                dir,
                acl,
                "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-app"
            ),
            Some(PathBuf::from("/d/123456789012/aws-waf-logs-app.log"))
        );
        assert_eq!(
            log_path(dir, acl, "arn:aws:s3:::aws-waf-logs-bucket"),
            Some(PathBuf::from("/d/123456789012/aws-waf-logs-bucket.log"))
        );
        assert_eq!(log_path(dir, acl, "arn:aws:s3:::other"), None);
    }

    fn verdict(action: ActionKind, labels: &[&str]) -> Verdict {
        Verdict {
            action,
            terminating_rule: None,
            response: None,
            inserted_headers: Vec::new(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            matched_rules: Vec::new(),
            captcha: None,
            challenge: None,
        }
    }

    #[test]
    fn logging_filters_keep_or_drop() {
        let only_blocks = json!({"DefaultBehavior": "DROP", "Filters": [{"Behavior": "KEEP",
            "Requirement": "MEETS_ANY", "Conditions": [{"ActionCondition": {"Action": "BLOCK"}}]}]});
        assert!(keeps(&only_blocks, &verdict(ActionKind::Block, &[])));
        assert!(!keeps(&only_blocks, &verdict(ActionKind::Allow, &[])));
        let drop_labelled = json!({"DefaultBehavior": "KEEP", "Filters": [{"Behavior": "DROP",
            "Requirement": "MEETS_ALL", "Conditions": [
                {"ActionCondition": {"Action": "ALLOW"}},
                {"LabelNameCondition": {"LabelName": "awswaf:123456789012:webacl:a:quiet"}}]}]});
        assert!(!keeps(
            &drop_labelled,
            &verdict(ActionKind::Allow, &["awswaf:123456789012:webacl:a:quiet"])
        ));
        assert!(keeps(&drop_labelled, &verdict(ActionKind::Allow, &[])));
        assert!(keeps(
            &drop_labelled,
            &verdict(ActionKind::Block, &["awswaf:123456789012:webacl:a:quiet"])
        ));
    }

    #[test]
    fn redacted_fields() {
        let r = redaction(
            &json!({"RedactedFields": [{"SingleHeader": {"Name": "authorization"}}, {"QueryString": {}}]}),
        );
        assert_eq!(r.headers, vec!["authorization"]);
        assert!(r.query_string && !r.uri_path && !r.method);
    }
}
