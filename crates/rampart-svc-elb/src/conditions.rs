//! Listener rule conditions: their validation with AWS's limits, their canonical form for
//! DescribeRules, and how the data plane matches a request against them.
//!
//! AWS's rules, kept here: a rule has at most one each of `host-header`,
//! `http-request-method`, `path-pattern` and `source-ip`, and any number of `http-header` and
//! `query-string`; a condition has at most 3 match values, a rule at most 5, and at most 5
//! wildcards (`*` any run of characters, `?` one character) across its host, header, path
//! and query values. Paths and methods match case-sensitively; hosts, header values and query
//! keys and values case-insensitively. A query-string value escapes a literal `*`, `?` or `\`
//! with `\`. Values are visible ASCII, 128 characters at most. A request meets a rule when it
//! meets every condition, and a condition when any of its values matches.

use crate::errors;
use rampart_protocol::AwsError;
use serde_json::{Value, json};
use std::net::IpAddr;

/// The most match values of one condition.
const MAX_VALUES_PER_CONDITION: usize = 3;
/// The most match values of one rule.
const MAX_VALUES_PER_RULE: usize = 5;
/// The most wildcards of one rule.
const MAX_WILDCARDS_PER_RULE: usize = 5;
/// The longest match value.
const MAX_VALUE_LEN: usize = 128;
/// The longest header name.
const MAX_HEADER_NAME_LEN: usize = 40;

/// A wildcard pattern (`*`, `?`; `\` escapes in query strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
    fold_case: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(u8),
    One,
    Any,
}

impl Pattern {
    fn new(text: &str, fold_case: bool, escapes: bool) -> Pattern {
        let mut tokens = Vec::with_capacity(text.len());
        let mut bytes = text.bytes();
        while let Some(b) = bytes.next() {
            tokens.push(match b {
                b'\\' if escapes => Token::Char(bytes.next().unwrap_or(b'\\')),
                b'*' => Token::Any,
                b'?' => Token::One,
                b => Token::Char(if fold_case { b.to_ascii_lowercase() } else { b }),
            });
        }
        Pattern { tokens, fold_case }
    }

    fn wildcards(&self) -> usize {
        self.tokens
            .iter()
            .filter(|t| !matches!(t, Token::Char(_)))
            .count()
    }

    /// Whether `text` matches the whole pattern (greedy with one backtrack point: linear in
    /// practice, at most pattern × text steps).
    pub(crate) fn matches(&self, text: &[u8]) -> bool {
        let fold = |b: u8| {
            if self.fold_case {
                b.to_ascii_lowercase()
            } else {
                b
            }
        };
        let (mut p, mut t) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::Char(c)) if *c == fold(text[t]) => {
                    p += 1;
                    t += 1;
                }
                Some(Token::One) => {
                    p += 1;
                    t += 1;
                }
                Some(Token::Any) => {
                    star = Some((p, t));
                    p += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p.min(self.tokens.len())..]
            .iter()
            .all(|t| *t == Token::Any)
    }
}

/// An address range of a `source-ip` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    bits: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let (addr, bits) = text.split_once('/')?;
        let network: IpAddr = addr.parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        (bits <= max).then_some(Cidr { network, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            (_, ip) => ip,
        };
        let (net, addr, width): (u128, u128, u32) = match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => (u32::from(n).into(), u32::from(a).into(), 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
            _ => return false,
        };
        if self.bits == 0 {
            return true;
        }
        let shift = width - u32::from(self.bits);
        (net >> shift) == (addr >> shift)
    }
}

/// One compiled condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    /// `host-header`: the Host header without its port.
    Host(Vec<Pattern>),
    /// `path-pattern`: the path, without the query string.
    Path(Vec<Pattern>),
    /// `http-header`: any value of the named header.
    Header(String, Vec<Pattern>),
    /// `http-request-method`.
    Method(Vec<String>),
    /// `query-string`: (key, value) pairs; no key matches any key.
    Query(Vec<(Option<Pattern>, Pattern)>),
    /// `source-ip`: the client's address (not `X-Forwarded-For`).
    SourceIp(Vec<Cidr>),
}

/// What conditions look at in a request.
pub(crate) struct Facts<'a> {
    /// The Host header without its port.
    pub host: &'a str,
    /// The request path.
    pub path: &'a str,
    /// The raw query string.
    pub query: &'a str,
    /// The method.
    pub method: &'a str,
    /// The headers.
    pub headers: &'a http::HeaderMap,
    /// The client's address.
    pub source: IpAddr,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let decoded = match (b[i], b.get(i + 1), b.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                i += 3;
            }
            None => {
                out.push(if b[i] == b'+' { b' ' } else { b[i] });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Condition {
    /// Whether the request meets the condition.
    pub(crate) fn matches(&self, r: &Facts<'_>) -> bool {
        match self {
            Condition::Host(ps) => ps.iter().any(|p| p.matches(r.host.as_bytes())),
            Condition::Path(ps) => ps.iter().any(|p| p.matches(r.path.as_bytes())),
            Condition::Header(name, ps) => r
                .headers
                .get_all(name.as_str())
                .iter()
                .any(|v| ps.iter().any(|p| p.matches(v.as_bytes()))),
            Condition::Method(ms) => ms.iter().any(|m| m == r.method),
            Condition::Query(pairs) => {
                let params: Vec<(String, String)> = r
                    .query
                    .split('&')
                    .filter(|s| !s.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                        (percent_decode(k), percent_decode(v))
                    })
                    .collect();
                pairs.iter().any(|(k, v)| {
                    params.iter().any(|(pk, pv)| {
                        k.as_ref().is_none_or(|k| k.matches(pk.as_bytes()))
                            && v.matches(pv.as_bytes())
                    })
                })
            }
            Condition::SourceIp(cidrs) => cidrs.iter().any(|c| c.contains(r.source)),
        }
    }
}

fn strings(v: Option<&Value>) -> Result<Vec<String>, AwsError> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    v.as_array()
        .ok_or_else(|| errors::validation("Condition values must be a list of strings"))?
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_owned)
                .ok_or_else(|| errors::validation("Condition values must be strings"))
        })
        .collect()
}

fn check_value(field: &str, v: &str) -> Result<(), AwsError> {
    if v.is_empty() || v.len() > MAX_VALUE_LEN {
        return Err(errors::validation(format!(
            "A '{field}' condition value must be 1 to {MAX_VALUE_LEN} characters long"
        )));
    }
    if !v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(errors::validation(format!(
            "A '{field}' condition value may contain only visible ASCII characters"
        )));
    }
    Ok(())
}

fn no_regex(c: &Value, config: &str) -> Result<(), AwsError> {
    if c.get("RegexValues").is_some() || c.pointer(&format!("/{config}/RegexValues")).is_some() {
        return Err(errors::validation(
            "rampart does not support RegexValues in rule conditions yet",
        ));
    }
    Ok(())
}

/// The values of a `host-header` or `path-pattern` condition: `Values`, or the config's
/// `Values` (both given must agree).
fn legacy_values(c: &Value, field: &str, config: &str) -> Result<Vec<String>, AwsError> {
    no_regex(c, config)?;
    let plain = strings(c.get("Values"))?;
    let configured = strings(c.pointer(&format!("/{config}/Values")))?;
    match (plain.is_empty(), configured.is_empty()) {
        (false, false) if plain != configured => Err(errors::validation(format!(
            "You cannot specify both 'Values' and '{config}' for a '{field}' condition"
        ))),
        (true, true) => Err(errors::validation(format!(
            "A '{field}' condition must have at least one value"
        ))),
        (false, _) => Ok(plain),
        (true, false) => Ok(configured),
    }
}

fn config_values(c: &Value, field: &str, config: &str) -> Result<Vec<String>, AwsError> {
    if c.get("Values")
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
    {
        return Err(errors::validation(format!(
            "The 'Values' field is not supported for a '{field}' condition; use '{config}'"
        )));
    }
    no_regex(c, config)?;
    let values = strings(c.pointer(&format!("/{config}/Values")))?;
    if values.is_empty() {
        return Err(errors::validation(format!(
            "A '{field}' condition must have at least one value"
        )));
    }
    Ok(values)
}

fn check_count(field: &str, n: usize) -> Result<(), AwsError> {
    if n > MAX_VALUES_PER_CONDITION {
        return Err(errors::validation(format!(
            "A '{field}' condition can have at most {MAX_VALUES_PER_CONDITION} values"
        )));
    }
    Ok(())
}

/// Validates `conditions` (the input's `Conditions`), returning them compiled and in the
/// canonical form DescribeRules answers.
pub(crate) fn parse(conditions: &[Value]) -> Result<(Vec<Condition>, Vec<Value>), AwsError> {
    let mut compiled = Vec::new();
    let mut canonical = Vec::new();
    let mut seen_single: Vec<&str> = Vec::new();
    let (mut total, mut wildcards) = (0usize, 0usize);
    for c in conditions {
        let field = c.get("Field").and_then(Value::as_str).unwrap_or_default();
        if matches!(
            field,
            "host-header" | "http-request-method" | "path-pattern" | "source-ip"
        ) {
            if seen_single.contains(&field) {
                return Err(errors::validation(format!(
                    "A rule can have only one '{field}' condition"
                )));
            }
            seen_single.push(field);
        }
        let (cond, value, n) = match field {
            "host-header" => {
                let values = legacy_values(c, field, "HostHeaderConfig")?;
                for v in &values {
                    check_value(field, v)?;
                    if !v
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.*?".contains(&b))
                    {
                        return Err(errors::validation(format!(
                            "The host header value '{v}' contains characters that are not allowed (A-Z, a-z, 0-9, - . * ?)"
                        )));
                    }
                }
                let ps = values
                    .iter()
                    .map(|v| Pattern::new(v, true, false))
                    .collect();
                let out = json!({"Field": field, "Values": values, "HostHeaderConfig": {"Values": values}});
                (Condition::Host(ps), out, values.len())
            }
            "path-pattern" => {
                let values = legacy_values(c, field, "PathPatternConfig")?;
                for v in &values {
                    check_value(field, v)?;
                    if !v
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.$/~\"'@:+&*?".contains(&b))
                    {
                        return Err(errors::validation(format!(
                            "The path pattern '{v}' contains characters that are not allowed (A-Z, a-z, 0-9, _ - . $ / ~ \" ' @ : + & * ?)"
                        )));
                    }
                }
                let ps = values
                    .iter()
                    .map(|v| Pattern::new(v, false, false))
                    .collect();
                let out = json!({"Field": field, "Values": values, "PathPatternConfig": {"Values": values}});
                (Condition::Path(ps), out, values.len())
            }
            "http-header" => {
                let values = config_values(c, field, "HttpHeaderConfig")?;
                let name = c
                    .pointer("/HttpHeaderConfig/HttpHeaderName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
                if name.is_empty() || name.len() > MAX_HEADER_NAME_LEN || !name.bytes().all(token) {
                    return Err(errors::validation(format!(
                        "The HTTP header name '{name}' is not valid (1 to {MAX_HEADER_NAME_LEN} token characters)"
                    )));
                }
                for v in &values {
                    check_value(field, v)?;
                }
                let ps = values
                    .iter()
                    .map(|v| Pattern::new(v, true, false))
                    .collect();
                let out = json!({"Field": field, "HttpHeaderConfig": {"HttpHeaderName": name, "Values": values}});
                (
                    Condition::Header(name.to_ascii_lowercase(), ps),
                    out,
                    values.len(),
                )
            }
            "http-request-method" => {
                let values = config_values(c, field, "HttpRequestMethodConfig")?;
                for v in &values {
                    check_value(field, v)?;
                    if v.len() > 40
                        || !v
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
                    {
                        return Err(errors::validation(format!(
                            "The HTTP request method '{v}' is not valid (A-Z, - and _; no wildcards)"
                        )));
                    }
                }
                let out = json!({"Field": field, "HttpRequestMethodConfig": {"Values": values}});
                let n = values.len();
                (Condition::Method(values), out, n)
            }
            "query-string" => {
                if c.get("Values")
                    .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
                {
                    return Err(errors::validation(
                        "The 'Values' field is not supported for a 'query-string' condition; use 'QueryStringConfig'",
                    ));
                }
                let pairs = c
                    .pointer("/QueryStringConfig/Values")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if pairs.is_empty() {
                    return Err(errors::validation(
                        "A 'query-string' condition must have at least one value",
                    ));
                }
                let mut compiled_pairs = Vec::new();
                let mut listed = Vec::new();
                for p in &pairs {
                    let key = p.get("Key").and_then(Value::as_str);
                    let value = p.get("Value").and_then(Value::as_str).unwrap_or_default();
                    if let Some(k) = key {
                        check_value(field, k)?;
                    }
                    check_value(field, value)?;
                    compiled_pairs.push((
                        key.map(|k| Pattern::new(k, true, true)),
                        Pattern::new(value, true, true),
                    ));
                    listed.push(match key {
                        Some(k) => json!({"Key": k, "Value": value}),
                        None => json!({"Value": value}),
                    });
                }
                let out = json!({"Field": field, "QueryStringConfig": {"Values": listed}});
                (Condition::Query(compiled_pairs), out, pairs.len())
            }
            "source-ip" => {
                let values = config_values(c, field, "SourceIpConfig")?;
                let cidrs = values
                    .iter()
                    .map(|v| {
                        Cidr::parse(v).ok_or_else(|| {
                            errors::validation(format!(
                                "The source IP value '{v}' is not a valid CIDR block"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let out = json!({"Field": field, "SourceIpConfig": {"Values": values}});
                (Condition::SourceIp(cidrs), out, values.len())
            }
            other => {
                return Err(errors::validation(format!(
                    "Condition field '{other}' must be one of [http-header, http-request-method, host-header, path-pattern, query-string, source-ip]"
                )));
            }
        };
        check_count(field, n)?;
        total += n;
        wildcards += match &cond {
            Condition::Host(ps) | Condition::Path(ps) | Condition::Header(_, ps) => {
                ps.iter().map(Pattern::wildcards).sum()
            }
            Condition::Query(pairs) => pairs
                .iter()
                .map(|(k, v)| k.as_ref().map_or(0, Pattern::wildcards) + v.wildcards())
                .sum(),
            Condition::Method(_) | Condition::SourceIp(_) => 0,
        };
        compiled.push(cond);
        canonical.push(value);
    }
    if total > MAX_VALUES_PER_RULE {
        return Err(errors::validation(format!(
            "A rule can have at most {MAX_VALUES_PER_RULE} condition values"
        )));
    }
    if wildcards > MAX_WILDCARDS_PER_RULE {
        return Err(errors::validation(format!(
            "A rule can have at most {MAX_WILDCARDS_PER_RULE} wildcards in its conditions"
        )));
    }
    Ok((compiled, canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(headers: &'a http::HeaderMap, path: &'a str, query: &'a str) -> Facts<'a> {
        Facts {
            host: "API.example.com",
            path,
            query,
            method: "GET",
            headers,
            source: "10.1.2.3".parse().unwrap(),
        }
    }

    fn one(c: Value) -> Result<Condition, AwsError> {
        parse(&[c]).map(|(mut v, _)| v.remove(0))
    }

    proptest::proptest! {
        #[test]
        fn a_literal_matches_only_itself(a in "[a-z0-9/._-]{0,20}", b in "[a-z0-9/._-]{0,20}") {
            let p = Pattern::new(&a, false, false);
            proptest::prop_assert_eq!(p.matches(b.as_bytes()), a == b);
            proptest::prop_assert!(p.matches(a.as_bytes()));
        }

        #[test]
        fn star_around_a_word_finds_it_anywhere(pre in "[a-z]{0,10}", word in "[a-z]{1,5}", post in "[a-z]{0,10}") {
            let p = Pattern::new(&format!("*{word}*"), true, false);
            let text = format!("{pre}{}{post}", word.to_uppercase());
            proptest::prop_assert!(p.matches(text.as_bytes()));
        }

        #[test]
        fn question_marks_match_exact_lengths(n in 0usize..12, m in 0usize..12) {
            let p = Pattern::new(&"?".repeat(n), false, false);
            proptest::prop_assert_eq!(p.matches("x".repeat(m).as_bytes()), n == m);
        }
    }

    #[test]
    fn wildcards_match_whole_values() {
        let p = Pattern::new("/img/*.png", false, false);
        assert!(p.matches(b"/img/a.png"));
        assert!(p.matches(b"/img/a/b.png"));
        assert!(!p.matches(b"/img/a.png.bak"));
        assert!(!p.matches(b"/IMG/a.png"));
        let q = Pattern::new("a?c", true, false);
        assert!(q.matches(b"ABC") && !q.matches(b"ac"));
        let e = Pattern::new(r"a\*", true, true);
        assert!(e.matches(b"a*") && !e.matches(b"ab"));
        assert!(Pattern::new("*", false, false).matches(b""));
        assert!(Pattern::new("**a*", false, false).matches(b"xxa"));
    }

    #[test]
    fn conditions_match_requests() {
        let mut h = http::HeaderMap::new();
        h.insert("user-agent", "Mozilla/5.0 Mobile".parse().unwrap());
        let r = facts(&h, "/api/v1/users", "Version=V1&x=%2A");
        let host = one(json!({"Field": "host-header", "Values": ["*.example.com"]})).unwrap();
        assert!(host.matches(&r));
        let path =
            one(json!({"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}))
                .unwrap();
        assert!(path.matches(&r));
        let header = one(json!({"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "User-Agent", "Values": ["*mobile*"]}})).unwrap();
        assert!(header.matches(&r));
        let method = one(json!({"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["POST"]}})).unwrap();
        assert!(!method.matches(&r));
        let query = one(json!({"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "version", "Value": "v1"}]}})).unwrap();
        assert!(query.matches(&r));
        let literal = one(
            json!({"Field": "query-string", "QueryStringConfig": {"Values": [{"Value": "\\*"}]}}),
        )
        .unwrap();
        assert!(literal.matches(&r));
        let ip = one(json!({"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}))
            .unwrap();
        assert!(ip.matches(&r));
        let ip6 =
            one(json!({"Field": "source-ip", "SourceIpConfig": {"Values": ["2001:db8::/32"]}}))
                .unwrap();
        assert!(!ip6.matches(&r));
    }

    #[test]
    fn limits_are_aws_limits() {
        let four = json!({"Field": "path-pattern", "Values": ["/a", "/b", "/c", "/d"]});
        assert_eq!(parse(&[four]).unwrap_err().code, "ValidationError");
        let two_paths = [
            json!({"Field": "path-pattern", "Values": ["/a"]}),
            json!({"Field": "path-pattern", "Values": ["/b"]}),
        ];
        assert!(parse(&two_paths).is_err());
        let six: Vec<Value> = (0..3)
            .map(|i| json!({"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": format!("x-{i}"), "Values": ["a", "b"]}}))
            .collect();
        assert!(parse(&six).is_err());
        let wild = [
            json!({"Field": "path-pattern", "Values": ["/*/*/*"]}),
            json!({"Field": "host-header", "Values": ["*.*.*"]}),
        ];
        assert!(parse(&wild).is_err());
        assert!(one(json!({"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["G*"]}})).is_err());
        assert!(
            one(json!({"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/33"]}}))
                .is_err()
        );
        assert!(one(json!({"Field": "cookie", "Values": ["x"]})).is_err());
        assert!(one(json!({"Field": "host-header", "Values": ["bad host"]})).is_err());
        assert!(one(json!({"Field": "path-pattern", "Values": ["x".repeat(129)]})).is_err());
        let (_, canon) =
            parse(&[json!({"Field": "host-header", "HostHeaderConfig": {"Values": ["a.b"]}})])
                .unwrap();
        assert_eq!(canon[0]["Values"], json!(["a.b"]));
    }
}
