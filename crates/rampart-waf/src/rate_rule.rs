//! Compiled `RateBasedStatement`: scope-down, aggregation keys, and the check against the
//! caller's [`RateTracker`].

use crate::compile::{Compiler, fingerprint};
use crate::context::Ctx;
use crate::error::{REASON_INVALID, WafError};
use crate::field::fallback;
use crate::model::{RateBasedStatement, RateCustomKey};
use crate::rate::{RateRuleId, RateTracker, encode_key};
use crate::statement::{Forwarded, ForwardedIps, Outcome, Stmt};
use crate::transform::Chain;

/// The evaluation windows AWS offers, seconds.
pub const EVALUATION_WINDOWS: [u64; 4] = [60, 120, 300, 600];
/// The smallest `Limit`.
pub const MIN_LIMIT: u64 = 10;
/// The largest `Limit`.
pub const MAX_LIMIT: u64 = 2_000_000_000;

#[derive(Debug, Clone)]
enum KeyPart {
    Header(String, Chain),
    Cookie(Vec<u8>, Chain),
    QueryArgument(Vec<u8>, Chain),
    QueryString(Chain),
    Method,
    ForwardedIp,
    Ip,
    LabelNamespace(String),
    UriPath(Chain),
    Ja3(bool),
    Ja4(bool),
    Asn,
}

#[derive(Debug, Clone)]
pub(crate) struct RateRule {
    pub id: RateRuleId,
    fingerprint: u64,
    limit: u64,
    window: u64,
    /// Empty: one global counter (`CONSTANT`).
    keys: Vec<KeyPart>,
    forwarded: Option<Forwarded>,
    scope_down: Option<Stmt>,
}

impl RateRule {
    pub(crate) fn compile(
        s: &RateBasedStatement,
        c: &mut Compiler<'_>,
        namespace: &str,
        acl: &str,
        group_rule: Option<&str>,
        rule: &str,
    ) -> Result<RateRule, WafError> {
        let bad = |p: &str| WafError::invalid("RATE_BASED_STATEMENT", p, REASON_INVALID);
        if !(MIN_LIMIT..=MAX_LIMIT).contains(&s.limit) {
            return Err(bad("Limit"));
        }
        let window = s.evaluation_window_sec.unwrap_or(300);
        if !EVALUATION_WINDOWS.contains(&window) {
            return Err(bad("EvaluationWindowSec"));
        }
        let forwarded = s
            .forwarded_ip_config
            .as_ref()
            .map(Forwarded::compile)
            .transpose()?;
        let custom = s.custom_keys.as_deref().unwrap_or_default();
        let keys = match s.aggregate_key_type.as_str() {
            "IP" => vec![KeyPart::Ip],
            "FORWARDED_IP" => {
                if forwarded.is_none() {
                    return Err(WafError::invalid(
                        "FORWARDED_IP_CONFIG",
                        "ForwardedIPConfig",
                        REASON_INVALID,
                    ));
                }
                vec![KeyPart::ForwardedIp]
            }
            "CONSTANT" => {
                if s.scope_down_statement.is_none() {
                    return Err(WafError::invalid(
                        "SCOPE_DOWN",
                        "ScopeDownStatement",
                        REASON_INVALID,
                    ));
                }
                Vec::new()
            }
            "CUSTOM_KEYS" => {
                if custom.is_empty() || custom.len() > 5 {
                    return Err(WafError::invalid(
                        "CUSTOM_KEYS",
                        "CustomKeys",
                        REASON_INVALID,
                    ));
                }
                let keys = custom.iter().map(key_part).collect::<Result<Vec<_>, _>>()?;
                let ip_only = keys
                    .iter()
                    .all(|k| matches!(k, KeyPart::Ip | KeyPart::ForwardedIp));
                if ip_only && keys.len() == 1 {
                    return Err(WafError::invalid(
                        "CUSTOM_KEYS",
                        "CustomKeys",
                        REASON_INVALID,
                    ));
                }
                if keys.iter().any(|k| matches!(k, KeyPart::ForwardedIp)) && forwarded.is_none() {
                    return Err(WafError::invalid(
                        "FORWARDED_IP_CONFIG",
                        "ForwardedIPConfig",
                        REASON_INVALID,
                    ));
                }
                keys
            }
            other => return Err(bad(other)),
        };
        if s.aggregate_key_type != "CUSTOM_KEYS" && !custom.is_empty() {
            return Err(WafError::invalid(
                "CUSTOM_KEYS",
                "CustomKeys",
                REASON_INVALID,
            ));
        }
        let scope_down = s
            .scope_down_statement
            .as_ref()
            .map(|sd| Stmt::compile(sd, c, namespace))
            .transpose()?;
        Ok(RateRule {
            id: RateRuleId::new(acl, group_rule, rule),
            fingerprint: fingerprint(s),
            limit: s.limit,
            window,
            keys,
            forwarded,
            scope_down,
        })
    }

    /// WCU: 2, +30 per custom key, plus the scope-down statement.
    pub(crate) fn capacity(&self) -> u64 {
        let custom = if self.keys.len() > 1
            || !matches!(
                self.keys.first(),
                None | Some(KeyPart::Ip | KeyPart::ForwardedIp)
            ) {
            30 * self.keys.len() as u64
        } else {
            0
        };
        2 + custom + self.scope_down.as_ref().map_or(0, Stmt::capacity)
    }

    /// Counts the request (when in scope and keyed) and says whether its instance is limited.
    pub(crate) fn eval(&self, ctx: &mut Ctx<'_>, tracker: &mut RateTracker, now: u64) -> Outcome {
        if let Some(sd) = &self.scope_down {
            let before = ctx.details.len();
            let out = sd.eval(ctx);
            ctx.details.truncate(before);
            if out != Outcome::Match {
                return Outcome::NoMatch;
            }
        }
        let forwarded_ip = match &self.forwarded {
            Some(f) if self.keys.iter().any(|k| matches!(k, KeyPart::ForwardedIp)) => {
                match f.ips(ctx) {
                    ForwardedIps::Absent => return Outcome::Skip,
                    ForwardedIps::Malformed => {
                        return if f.fallback() {
                            Outcome::Match
                        } else {
                            Outcome::NoMatch
                        };
                    }
                    ForwardedIps::Ips(ips) => ips.first().map(|ip| ip.to_string().into_bytes()),
                }
            }
            _ => None,
        };
        // Each key part gives one or more values (a label namespace gives one per label).
        let mut tuples: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
        for part in &self.keys {
            let values = match self.values(part, ctx, forwarded_ip.as_deref()) {
                Some(v) if !v.is_empty() => v,
                _ => return Outcome::NoMatch,
            };
            tuples = tuples
                .into_iter()
                .flat_map(|t| {
                    values.iter().map(move |v| {
                        let mut t = t.clone();
                        t.push(v.clone());
                        t
                    })
                })
                .take(64)
                .collect();
        }
        let mut limited = false;
        for t in &tuples {
            limited |= tracker.record(
                &self.id,
                self.fingerprint,
                self.window,
                self.limit,
                &encode_key(t),
                now,
            );
        }
        if limited {
            let key = tuples
                .first()
                .map(|t| t.join(&b","[..]))
                .unwrap_or_default();
            ctx.detail("RATE_BASED", "RATE_KEY", &key);
        }
        if limited {
            Outcome::Match
        } else {
            Outcome::NoMatch
        }
    }

    fn values(
        &self,
        part: &KeyPart,
        ctx: &Ctx<'_>,
        forwarded_ip: Option<&[u8]>,
    ) -> Option<Vec<Vec<u8>>> {
        let req = ctx.req;
        let first = |v: Option<&[u8]>, chain: &Chain| v.map(|v| vec![chain.apply(v)]);
        match part {
            KeyPart::Header(name, chain) => first(req.header(name), chain),
            KeyPart::Cookie(name, chain) => {
                let cookies = req.cookies();
                first(
                    cookies
                        .iter()
                        .find(|(n, _)| *n == name.as_slice())
                        .map(|(_, v)| *v),
                    chain,
                )
            }
            KeyPart::QueryArgument(name, chain) => {
                let args = req.query_args();
                first(
                    args.iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v)| *v),
                    chain,
                )
            }
            KeyPart::QueryString(chain) => {
                first(req.query.as_deref().filter(|q| !q.is_empty()), chain)
            }
            KeyPart::UriPath(chain) => first(Some(&req.path), chain),
            KeyPart::Method => Some(vec![req.method.clone().into_bytes()]),
            KeyPart::Ip => Some(vec![req.source_ip.to_string().into_bytes()]),
            KeyPart::ForwardedIp => forwarded_ip.map(|ip| vec![ip.to_vec()]),
            KeyPart::LabelNamespace(ns) => Some(
                ctx.labels
                    .iter()
                    .filter(|l| l.starts_with(ns.as_str()))
                    .map(|l| l.clone().into_bytes())
                    .collect(),
            ),
            KeyPart::Ja3(fb) => fingerprint_key(req.ja3.as_deref(), *fb),
            KeyPart::Ja4(fb) => fingerprint_key(req.ja4.as_deref(), *fb),
            KeyPart::Asn => Some(vec![req.asn.unwrap_or(0).to_string().into_bytes()]),
        }
    }
}

fn fingerprint_key(v: Option<&str>, fallback_match: bool) -> Option<Vec<Vec<u8>>> {
    match v {
        Some(v) => Some(vec![v.as_bytes().to_vec()]),
        None if fallback_match => Some(vec![Vec::new()]),
        None => None,
    }
}

fn key_part(k: &RateCustomKey) -> Result<KeyPart, WafError> {
    let bad = |p: &str| WafError::invalid("CUSTOM_KEYS", p, REASON_INVALID);
    Ok(match k {
        RateCustomKey::Header(n) => {
            if n.name.trim().is_empty() {
                return Err(bad("Header"));
            }
            KeyPart::Header(
                n.name.to_ascii_lowercase(),
                Chain::compile(&n.text_transformations)?,
            )
        }
        RateCustomKey::Cookie(n) => KeyPart::Cookie(
            n.name.clone().into_bytes(),
            Chain::compile(&n.text_transformations)?,
        ),
        RateCustomKey::QueryArgument(n) => KeyPart::QueryArgument(
            n.name.clone().into_bytes(),
            Chain::compile(&n.text_transformations)?,
        ),
        RateCustomKey::QueryString(t) => {
            KeyPart::QueryString(Chain::compile(&t.text_transformations)?)
        }
        RateCustomKey::UriPath(t) => KeyPart::UriPath(Chain::compile(&t.text_transformations)?),
        RateCustomKey::HttpMethod(_) => KeyPart::Method,
        RateCustomKey::ForwardedIp(_) => KeyPart::ForwardedIp,
        RateCustomKey::Ip(_) => KeyPart::Ip,
        RateCustomKey::LabelNamespace(l) => {
            let ok = l.namespace.ends_with(':')
                && l.namespace
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':'));
            if !ok {
                return Err(bad(&l.namespace));
            }
            KeyPart::LabelNamespace(l.namespace.clone())
        }
        RateCustomKey::Ja3Fingerprint(f) => KeyPart::Ja3(fallback(
            f.fallback_behavior.as_deref(),
            "FALLBACK_BEHAVIOR",
        )?),
        RateCustomKey::Ja4Fingerprint(f) => KeyPart::Ja4(fallback(
            f.fallback_behavior.as_deref(),
            "FALLBACK_BEHAVIOR",
        )?),
        RateCustomKey::Asn(_) => KeyPart::Asn,
    })
}
