//! Compiled statements (everything nestable) and their evaluation against one request.

use std::net::IpAddr;
use std::sync::Arc;

use memchr::memmem;
use regex::bytes::Regex;

use crate::compile::Compiler;
use crate::context::Ctx;
use crate::detect::{sqli, xss};
use crate::error::{REASON_BAD_REFERENCE, REASON_INVALID, WafError};
use crate::field::{Field, fallback};
use crate::ipset::IpSet;
use crate::model::{ForwardedIpConfig, Statement};
use crate::pattern::{self, RegexPatternSet};
use crate::transform::Chain;

/// The longest `SearchString`.
pub const MAX_SEARCH_STRING: usize = 200;

/// A statement's outcome: `Skip` when a forwarded-IP header is absent (the rule does not apply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Match,
    NoMatch,
    Skip,
}

impl Outcome {
    fn of(b: bool) -> Outcome {
        if b { Outcome::Match } else { Outcome::NoMatch }
    }
}

/// What is tested on each inspected value.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Bytes(Box<ByteTest>),
    Sqli(sqli::Sensitivity),
    Xss,
    Size { op: Cmp, size: u64 },
    Regex(Regex),
    RegexSet(Arc<RegexPatternSet>),
}

/// A `ByteMatchStatement`'s search.
#[derive(Debug, Clone)]
pub(crate) struct ByteTest {
    needle: Vec<u8>,
    finder: memmem::Finder<'static>,
    position: Position,
}

/// `PositionalConstraint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    Exactly,
    StartsWith,
    EndsWith,
    Contains,
    ContainsWord,
}

/// `ComparisonOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
}

/// `ForwardedIPConfig` / `IPSetForwardedIPConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forwarded {
    header: String,
    fallback: bool,
    position: FwdPosition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FwdPosition {
    First,
    Last,
    Any,
}

/// The addresses a forwarded-IP header gives.
pub(crate) enum ForwardedIps {
    /// Header absent: the rule does not apply.
    Absent,
    /// Not a comma-separated address list: the fallback applies.
    Malformed,
    Ips(Vec<IpAddr>),
}

impl Forwarded {
    pub(crate) fn compile(c: &ForwardedIpConfig) -> Result<Forwarded, WafError> {
        Forwarded::build(
            &c.header_name,
            &c.fallback_behavior,
            FwdPosition::First,
            "FORWARDED_IP_CONFIG",
        )
    }

    fn build(
        header: &str,
        fb: &str,
        position: FwdPosition,
        field: &'static str,
    ) -> Result<Forwarded, WafError> {
        if header.is_empty()
            || header.len() > 255
            || !header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(WafError::invalid(field, header, REASON_INVALID));
        }
        Ok(Forwarded {
            header: header.to_ascii_lowercase(),
            fallback: fallback(Some(fb), "FALLBACK_BEHAVIOR")?,
            position,
        })
    }

    /// What the fallback behaviour says for a malformed header.
    pub(crate) fn fallback(&self) -> bool {
        self.fallback
    }

    /// The addresses to check: the first, the last, or up to the last 10 (`ANY`).
    pub(crate) fn ips(&self, ctx: &Ctx<'_>) -> ForwardedIps {
        let Some(value) = ctx.req.header(&self.header) else {
            return ForwardedIps::Absent;
        };
        let Ok(text) = std::str::from_utf8(value) else {
            return ForwardedIps::Malformed;
        };
        let parsed: Result<Vec<IpAddr>, _> = text
            .split(',')
            .map(|s| s.trim().parse::<IpAddr>())
            .collect();
        let Ok(all) = parsed else {
            return ForwardedIps::Malformed;
        };
        let picked = match self.position {
            FwdPosition::First => all.into_iter().take(1).collect(),
            FwdPosition::Last => all.last().copied().into_iter().collect(),
            FwdPosition::Any => {
                let skip = all.len().saturating_sub(10);
                all.into_iter().skip(skip).collect()
            }
        };
        ForwardedIps::Ips(picked)
    }
}

/// A component inspection: the memo slot of (field, chain), the test, the log condition type.
#[derive(Debug, Clone)]
pub(crate) struct Inspect {
    slot: usize,
    field: Field,
    chain: Chain,
    test: Test,
    kind: &'static str,
}

/// A compiled nestable statement.
#[derive(Debug, Clone)]
pub(crate) enum Stmt {
    Inspect(Box<Inspect>),
    Geo {
        countries: Vec<String>,
        forwarded: Option<Forwarded>,
    },
    IpSet {
        set: Arc<IpSet>,
        forwarded: Option<Forwarded>,
    },
    Asn {
        list: Vec<u64>,
        forwarded: Option<Forwarded>,
    },
    Label {
        key: String,
        namespace: bool,
    },
    And(Vec<Stmt>),
    Or(Vec<Stmt>),
    Not(Box<Stmt>),
}

impl Stmt {
    /// Compiles a nestable statement; `namespace` is the container's label prefix.
    pub(crate) fn compile(
        s: &Statement,
        c: &mut Compiler<'_>,
        namespace: &str,
    ) -> Result<Stmt, WafError> {
        Ok(match s {
            Statement::ByteMatchStatement(b) => {
                let needle = base64_decode(&b.search_string)?;
                if needle.is_empty() || needle.len() > MAX_SEARCH_STRING {
                    return Err(WafError::invalid(
                        "BYTE_MATCH_STATEMENT",
                        "SearchString",
                        REASON_INVALID,
                    ));
                }
                let position = match b.positional_constraint.as_str() {
                    "EXACTLY" => Position::Exactly,
                    "STARTS_WITH" => Position::StartsWith,
                    "ENDS_WITH" => Position::EndsWith,
                    "CONTAINS" => Position::Contains,
                    "CONTAINS_WORD" => Position::ContainsWord,
                    other => {
                        return Err(WafError::invalid(
                            "BYTE_MATCH_STATEMENT",
                            other,
                            REASON_INVALID,
                        ));
                    }
                };
                if position == Position::ContainsWord && !needle.iter().all(|&b| is_word(b)) {
                    return Err(WafError::invalid(
                        "BYTE_MATCH_STATEMENT",
                        "SearchString",
                        REASON_INVALID,
                    ));
                }
                let field = Field::compile(
                    &b.field_to_match,
                    b.pre_parse_text_transformations
                        .as_deref()
                        .unwrap_or_default(),
                )?;
                if field.is_fingerprint() && position != Position::Exactly {
                    return Err(WafError::invalid(
                        "FIELD_TO_MATCH",
                        "PositionalConstraint",
                        REASON_INVALID,
                    ));
                }
                let finder = memmem::Finder::new(&needle).into_owned();
                c.inspect(
                    field,
                    &b.text_transformations,
                    Test::Bytes(Box::new(ByteTest {
                        needle,
                        finder,
                        position,
                    })),
                    "BYTE_MATCH",
                )?
            }
            Statement::SqliMatchStatement(q) => {
                let level = match q.sensitivity_level.as_deref() {
                    None | Some("LOW") => sqli::Sensitivity::Low,
                    Some("HIGH") => sqli::Sensitivity::High,
                    Some(o) => {
                        return Err(WafError::invalid("SQLI_MATCH_STATEMENT", o, REASON_INVALID));
                    }
                };
                let field =
                    c.field(&q.field_to_match, q.pre_parse_text_transformations.as_ref())?;
                c.inspect(
                    field,
                    &q.text_transformations,
                    Test::Sqli(level),
                    "SQL_INJECTION",
                )?
            }
            Statement::XssMatchStatement(x) => {
                let field =
                    c.field(&x.field_to_match, x.pre_parse_text_transformations.as_ref())?;
                c.inspect(field, &x.text_transformations, Test::Xss, "XSS")?
            }
            Statement::SizeConstraintStatement(z) => {
                let op = match z.comparison_operator.as_str() {
                    "EQ" => Cmp::Eq,
                    "NE" => Cmp::Ne,
                    "LE" => Cmp::Le,
                    "LT" => Cmp::Lt,
                    "GE" => Cmp::Ge,
                    "GT" => Cmp::Gt,
                    other => {
                        return Err(WafError::invalid(
                            "SIZE_CONSTRAINT_STATEMENT",
                            other,
                            REASON_INVALID,
                        ));
                    }
                };
                if z.size > 21_474_836_480 {
                    return Err(WafError::invalid(
                        "SIZE_CONSTRAINT_STATEMENT",
                        z.size.to_string(),
                        REASON_INVALID,
                    ));
                }
                let field =
                    c.field(&z.field_to_match, z.pre_parse_text_transformations.as_ref())?;
                c.inspect(
                    field,
                    &z.text_transformations,
                    Test::Size { op, size: z.size },
                    "SIZE_CONSTRAINT",
                )?
            }
            Statement::RegexMatchStatement(r) => {
                let re = pattern::regex(&r.regex_string, "STATEMENT")?;
                let field =
                    c.field(&r.field_to_match, r.pre_parse_text_transformations.as_ref())?;
                c.inspect(field, &r.text_transformations, Test::Regex(re), "REGEX")?
            }
            Statement::RegexPatternSetReferenceStatement(r) => {
                let set = c
                    .resolver
                    .regex_pattern_set(&r.arn)
                    .ok_or_else(|| WafError::nonexistent(r.arn.clone()))?;
                let field =
                    c.field(&r.field_to_match, r.pre_parse_text_transformations.as_ref())?;
                c.inspect(
                    field,
                    &r.text_transformations,
                    Test::RegexSet(set),
                    "REGEX_PATTERN_SET",
                )?
            }
            Statement::GeoMatchStatement(g) => {
                if g.country_codes.is_empty()
                    || g.country_codes
                        .iter()
                        .any(|cc| cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()))
                {
                    return Err(WafError::invalid(
                        "GEO_MATCH_STATEMENT",
                        g.country_codes.join(","),
                        REASON_INVALID,
                    ));
                }
                Stmt::Geo {
                    countries: g.country_codes.clone(),
                    forwarded: g
                        .forwarded_ip_config
                        .as_ref()
                        .map(Forwarded::compile)
                        .transpose()?,
                }
            }
            Statement::IpSetReferenceStatement(r) => {
                let set = c
                    .resolver
                    .ip_set(&r.arn)
                    .ok_or_else(|| WafError::nonexistent(r.arn.clone()))?;
                let forwarded = match &r.ip_set_forwarded_ip_config {
                    None => None,
                    Some(f) => {
                        let position = match f.position.as_str() {
                            "FIRST" => FwdPosition::First,
                            "LAST" => FwdPosition::Last,
                            "ANY" => FwdPosition::Any,
                            other => {
                                return Err(WafError::invalid("POSITION", other, REASON_INVALID));
                            }
                        };
                        Some(Forwarded::build(
                            &f.header_name,
                            &f.fallback_behavior,
                            position,
                            "IP_SET_FORWARDED_IP_CONFIG",
                        )?)
                    }
                };
                Stmt::IpSet { set, forwarded }
            }
            Statement::AsnMatchStatement(a) => {
                if a.asn_list.is_empty()
                    || a.asn_list.len() > 100
                    || a.asn_list.iter().any(|&n| n > u64::from(u32::MAX))
                {
                    return Err(WafError::invalid("STATEMENT", "AsnList", REASON_INVALID));
                }
                Stmt::Asn {
                    list: a.asn_list.clone(),
                    forwarded: a
                        .forwarded_ip_config
                        .as_ref()
                        .map(Forwarded::compile)
                        .transpose()?,
                }
            }
            Statement::LabelMatchStatement(l) => {
                let namespace_scope = match l.scope.as_str() {
                    "LABEL" => false,
                    "NAMESPACE" => true,
                    other => {
                        return Err(WafError::invalid(
                            "LABEL_MATCH_STATEMENT",
                            other,
                            REASON_INVALID,
                        ));
                    }
                };
                let valid = !l.key.is_empty()
                    && l.key.len() <= 1024
                    && l.key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':'))
                    && (l.key.ends_with(':') == namespace_scope);
                if !valid {
                    return Err(WafError::invalid(
                        "LABEL_MATCH_STATEMENT",
                        l.key.clone(),
                        REASON_INVALID,
                    ));
                }
                Stmt::Label {
                    key: qualify_label(&l.key, namespace),
                    namespace: namespace_scope,
                }
            }
            Statement::AndStatement(list) | Statement::OrStatement(list) => {
                let field = if matches!(s, Statement::AndStatement(_)) {
                    "AND_STATEMENT"
                } else {
                    "OR_STATEMENT"
                };
                if list.statements.len() < 2 {
                    return Err(WafError::invalid(field, "Statements", REASON_INVALID));
                }
                let children = list
                    .statements
                    .iter()
                    .map(|s| Stmt::compile(s, c, namespace))
                    .collect::<Result<Vec<_>, _>>()?;
                if matches!(s, Statement::AndStatement(_)) {
                    Stmt::And(children)
                } else {
                    Stmt::Or(children)
                }
            }
            Statement::NotStatement(n) => {
                Stmt::Not(Box::new(Stmt::compile(&n.statement, c, namespace)?))
            }
            Statement::RateBasedStatement(_)
            | Statement::RuleGroupReferenceStatement(_)
            | Statement::ManagedRuleGroupStatement(_) => {
                return Err(WafError::invalid(
                    "STATEMENT",
                    "Statement",
                    REASON_BAD_REFERENCE,
                ));
            }
        })
    }

    /// Evaluates against the request in `ctx`.
    pub(crate) fn eval(&self, ctx: &mut Ctx<'_>) -> Outcome {
        match self {
            Stmt::Inspect(i) => {
                let Inspect {
                    slot,
                    field,
                    chain,
                    test,
                    kind,
                } = i.as_ref();
                let ins = ctx.inspect(*slot, field, chain);
                if let Some(forced) = ins.forced {
                    return Outcome::of(forced);
                }
                let hit = ins.values.iter().find(|v| test.matches(v)).cloned();
                match hit {
                    Some(v) => {
                        ctx.detail(kind, field.location(), &v);
                        Outcome::Match
                    }
                    None => Outcome::NoMatch,
                }
            }
            Stmt::Geo {
                countries,
                forwarded,
            } => {
                let (ip, source) = match forwarded {
                    None => (ctx.source_ip(), "clientip"),
                    Some(f) => match f.ips(ctx) {
                        ForwardedIps::Absent => return Outcome::Skip,
                        ForwardedIps::Malformed => return Outcome::of(f.fallback()),
                        ForwardedIps::Ips(ips) => match ips.first() {
                            Some(ip) => (*ip, "forwardedip"),
                            None => return Outcome::of(f.fallback()),
                        },
                    },
                };
                let info = ctx.geo.lookup(ip);
                let country = info
                    .as_ref()
                    .map_or("XX", |g| g.country.as_str())
                    .to_owned();
                ctx.pending_labels
                    .push(format!("awswaf:{source}:geo:country:{country}"));
                if let Some(region) = info.as_ref().and_then(|g| g.region.as_deref()) {
                    ctx.pending_labels
                        .push(format!("awswaf:{source}:geo:region:{country}-{region}"));
                }
                let m = countries.contains(&country);
                if m {
                    ctx.detail("GEO", "IP", country.as_bytes());
                }
                Outcome::of(m)
            }
            Stmt::IpSet { set, forwarded } => {
                let ips = match forwarded {
                    None => vec![ctx.source_ip()],
                    Some(f) => match f.ips(ctx) {
                        ForwardedIps::Absent => return Outcome::Skip,
                        ForwardedIps::Malformed => return Outcome::of(f.fallback()),
                        ForwardedIps::Ips(ips) => ips,
                    },
                };
                match ips.iter().find(|ip| set.contains(**ip)) {
                    Some(ip) => {
                        ctx.detail("IP_SET", "IP", ip.to_string().as_bytes());
                        Outcome::Match
                    }
                    None => Outcome::NoMatch,
                }
            }
            Stmt::Asn { list, forwarded } => {
                if let Some(f) = forwarded {
                    match f.ips(ctx) {
                        ForwardedIps::Absent => return Outcome::Skip,
                        ForwardedIps::Malformed => return Outcome::of(f.fallback()),
                        ForwardedIps::Ips(_) => {}
                    }
                }
                let asn = u64::from(ctx.req.asn.unwrap_or(0));
                Outcome::of(list.contains(&asn))
            }
            Stmt::Label { key, namespace } => Outcome::of(ctx.has_label(key, *namespace)),
            Stmt::And(children) => {
                let mut skipped = false;
                for c in children {
                    match c.eval(ctx) {
                        Outcome::NoMatch => return Outcome::NoMatch,
                        Outcome::Skip => skipped = true,
                        Outcome::Match => {}
                    }
                }
                if skipped {
                    Outcome::Skip
                } else {
                    Outcome::Match
                }
            }
            Stmt::Or(children) => {
                let mut skipped = false;
                for c in children {
                    match c.eval(ctx) {
                        Outcome::Match => return Outcome::Match,
                        Outcome::Skip => skipped = true,
                        Outcome::NoMatch => {}
                    }
                }
                if skipped {
                    Outcome::Skip
                } else {
                    Outcome::NoMatch
                }
            }
            Stmt::Not(inner) => {
                let before = ctx.details.len();
                let out = match inner.eval(ctx) {
                    Outcome::Match => Outcome::NoMatch,
                    Outcome::NoMatch => Outcome::Match,
                    Outcome::Skip => Outcome::Skip,
                };
                ctx.details.truncate(before);
                out
            }
        }
    }

    /// The statement's WCU (AWS's published base costs, +10 per text transformation,
    /// base doubled on `JsonBody`, +10 for `AllQueryArguments`).
    pub(crate) fn capacity(&self) -> u64 {
        match self {
            Stmt::Inspect(i) => {
                let Inspect {
                    field, chain, test, ..
                } = i.as_ref();
                let base = test.base_capacity();
                let base = if field.doubles_cost() { base * 2 } else { base };
                base + 10 * chain.transforms().len() as u64 + field.extra_cost()
            }
            Stmt::Geo { .. } | Stmt::Asn { .. } | Stmt::Label { .. } => 1,
            Stmt::IpSet { forwarded, .. } => {
                if forwarded
                    .as_ref()
                    .is_some_and(|f| f.position == FwdPosition::Any)
                {
                    5
                } else {
                    1
                }
            }
            Stmt::And(c) | Stmt::Or(c) => c.iter().map(Stmt::capacity).sum(),
            Stmt::Not(c) => c.capacity(),
        }
    }
}

impl Test {
    fn matches(&self, v: &[u8]) -> bool {
        match self {
            Test::Bytes(b) => match b.position {
                Position::Exactly => v == b.needle.as_slice(),
                Position::StartsWith => v.starts_with(&b.needle),
                Position::EndsWith => v.ends_with(&b.needle),
                Position::Contains => b.finder.find(v).is_some(),
                Position::ContainsWord => b.finder.find_iter(v).any(|at| {
                    let before = at == 0 || !is_word(v[at - 1]);
                    let end = at + b.needle.len();
                    let after = end >= v.len() || !is_word(v[end]);
                    before && after
                }),
            },
            Test::Sqli(level) => sqli::is_sqli(v, *level),
            Test::Xss => xss::is_xss(v),
            Test::Size { op, size } => {
                let len = v.len() as u64;
                match op {
                    Cmp::Eq => len == *size,
                    Cmp::Ne => len != *size,
                    Cmp::Le => len <= *size,
                    Cmp::Lt => len < *size,
                    Cmp::Ge => len >= *size,
                    Cmp::Gt => len > *size,
                }
            }
            Test::Regex(re) => re.is_match(v),
            Test::RegexSet(set) => set.is_match(v),
        }
    }

    fn base_capacity(&self) -> u64 {
        match self {
            Test::Bytes(b) if matches!(b.position, Position::Contains | Position::ContainsWord) => {
                10
            }
            Test::Bytes(_) => 2,
            Test::Sqli(sqli::Sensitivity::Low) => 20,
            Test::Sqli(sqli::Sensitivity::High) => 30,
            Test::Xss => 40,
            Test::Size { .. } => 1,
            Test::Regex(_) => 3,
            Test::RegexSet(_) => 25,
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn base64_decode(s: &str) -> Result<Vec<u8>, WafError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|_| WafError::invalid("BYTE_MATCH_STATEMENT", "SearchString", REASON_INVALID))
}

/// A label or namespace key made fully qualified: keys starting with `awswaf:` are taken as
/// they are, others get the container's prefix.
pub(crate) fn qualify_label(key: &str, namespace: &str) -> String {
    if key.starts_with("awswaf:") {
        key.to_owned()
    } else {
        format!("{namespace}{key}")
    }
}

/// Builds an inspection statement (exposed to the compiler).
pub(crate) fn inspect_stmt(
    slot: usize,
    field: Field,
    chain: Chain,
    test: Test,
    kind: &'static str,
) -> Stmt {
    Stmt::Inspect(Box::new(Inspect {
        slot,
        field,
        chain,
        test,
        kind,
    }))
}

#[cfg(test)]
mod tests;
