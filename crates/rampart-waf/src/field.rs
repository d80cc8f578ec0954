//! Request components (`FieldToMatch`): compiled form and extraction from a [`Request`].

use crate::error::{REASON_INVALID, WafError};
use crate::json;
use crate::model::{FieldToMatch, JsonMatchPattern, MapMatchPattern, TextTransformation};
use crate::request::{Request, split_query};
use crate::transform::Transform;

/// Headers and cookies are inspected up to this many bytes...
pub const MAP_INSPECTION_BYTES: usize = 8 * 1024;
/// ...or this many entries, whichever comes first.
pub const MAP_INSPECTION_ENTRIES: usize = 200;

/// `OversizeHandling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Oversize {
    Continue,
    Match,
    NoMatch,
}

impl Oversize {
    fn parse(v: Option<&str>) -> Result<Oversize, WafError> {
        match v {
            None | Some("CONTINUE") => Ok(Oversize::Continue),
            Some("MATCH") => Ok(Oversize::Match),
            Some("NO_MATCH") => Ok(Oversize::NoMatch),
            Some(other) => Err(WafError::invalid(
                "OVERSIZE_HANDLING",
                other,
                REASON_INVALID,
            )),
        }
    }

    /// The forced outcome for oversize content, `None` to inspect what is available.
    fn forced(self) -> Option<bool> {
        match self {
            Oversize::Continue => None,
            Oversize::Match => Some(true),
            Oversize::NoMatch => Some(false),
        }
    }
}

/// `FallbackBehavior` (`MATCH`/`NO_MATCH`) as a boolean.
pub(crate) fn fallback(v: Option<&str>, field: &'static str) -> Result<bool, WafError> {
    match v {
        None | Some("NO_MATCH") => Ok(false),
        Some("MATCH") => Ok(true),
        Some(other) => Err(WafError::invalid(field, other, REASON_INVALID)),
    }
}

/// `MatchScope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    All,
    Key,
    Value,
}

impl Scope {
    fn parse(v: &str, field: &'static str) -> Result<Scope, WafError> {
        match v {
            "ALL" => Ok(Scope::All),
            "KEY" => Ok(Scope::Key),
            "VALUE" => Ok(Scope::Value),
            _ => Err(WafError::invalid(field, v, REASON_INVALID)),
        }
    }

    fn keys(self) -> bool {
        self != Scope::Value
    }

    fn values(self) -> bool {
        self != Scope::Key
    }
}

/// Which names of a map (headers, cookies) are inspected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Names {
    All,
    Included(Vec<String>),
    Excluded(Vec<String>),
}

impl Names {
    fn selects(&self, name: &[u8], case_insensitive: bool) -> bool {
        let eq = |n: &String| {
            if case_insensitive {
                n.as_bytes().eq_ignore_ascii_case(name)
            } else {
                n.as_bytes() == name
            }
        };
        match self {
            Names::All => true,
            Names::Included(list) => list.iter().any(eq),
            Names::Excluded(list) => !list.iter().any(eq),
        }
    }
}

/// `InvalidFallbackBehavior` of `JsonBody`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum InvalidJson {
    /// Unset: inspect what parsed before the error.
    Partial,
    Match,
    NoMatch,
    EvaluateAsString,
}

/// A pre-parse text transformation of the raw query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PreParse {
    UrlDecode,
    UrlDecodeUni,
    CombineDuplicates,
    SemicolonsToAmpersands,
}

impl PreParse {
    /// Validates and orders `PreParseTextTransformations` (at most 10, unique priorities).
    fn compile(list: &[TextTransformation]) -> Result<Vec<PreParse>, WafError> {
        let bad = |p: &str| WafError::invalid("PRE_PARSE_TEXT_TRANSFORMATION", p, REASON_INVALID);
        if list.len() > 10 {
            return Err(bad("PreParseTextTransformations"));
        }
        let mut items = Vec::with_capacity(list.len());
        for t in list {
            if t.priority < 0 || items.iter().any(|(p, _)| *p == t.priority) {
                return Err(bad(&t.priority.to_string()));
            }
            let op = match t.kind.as_str() {
                "NONE" => None,
                "URL_DECODE" => Some(PreParse::UrlDecode),
                "URL_DECODE_UNI" => Some(PreParse::UrlDecodeUni),
                "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA" => Some(PreParse::CombineDuplicates),
                "REPLACE_SEMICOLONS_WITH_AMPERSANDS" => Some(PreParse::SemicolonsToAmpersands),
                other => return Err(bad(other)),
            };
            items.push((t.priority, op));
        }
        items.sort_by_key(|(p, _)| *p);
        Ok(items.into_iter().filter_map(|(_, op)| op).collect())
    }
}

/// The query arguments after the pre-parse transformations, as (name, value) pairs.
fn query_args(req: &Request, pre: &[PreParse]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let Some(raw) = &req.query else {
        return Vec::new();
    };
    if pre.is_empty() {
        return split_query(raw)
            .into_iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect();
    }
    let mut q = raw.clone();
    let mut combine = false;
    for op in pre {
        match op {
            PreParse::UrlDecode => q = Transform::UrlDecode.apply(&q),
            PreParse::UrlDecodeUni => q = Transform::UrlDecodeUni.apply(&q),
            PreParse::SemicolonsToAmpersands => {
                q.iter_mut().filter(|b| **b == b';').for_each(|b| *b = b'&');
            }
            PreParse::CombineDuplicates => combine = true,
        }
    }
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for (n, v) in split_query(&q) {
        match out
            .iter_mut()
            .find(|(name, _)| combine && name.as_slice() == n)
        {
            Some((_, value)) => {
                value.push(b',');
                value.extend_from_slice(v);
            }
            None => out.push((n.to_vec(), v.to_vec())),
        }
    }
    out
}

/// A compiled `FieldToMatch`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    SingleHeader(String),
    SingleQueryArgument(String, Vec<PreParse>),
    AllQueryArguments(Vec<PreParse>),
    UriPath,
    QueryString,
    Method,
    Body(Oversize),
    JsonBody {
        paths: Option<Vec<Vec<Vec<u8>>>>,
        scope: Scope,
        invalid: InvalidJson,
        oversize: Oversize,
    },
    Headers {
        names: Names,
        scope: Scope,
        oversize: Oversize,
    },
    Cookies {
        names: Names,
        scope: Scope,
        oversize: Oversize,
    },
    HeaderOrder(Oversize),
    Ja3(bool),
    Ja4(bool),
    UriFragment(bool),
}

/// The raw values of a component for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Extracted {
    /// The values to inspect (empty: the component is missing).
    pub values: Vec<Vec<u8>>,
    /// An outcome decided without inspection (oversize or fallback handling).
    pub forced: Option<bool>,
}

impl Extracted {
    fn of(values: Vec<Vec<u8>>) -> Extracted {
        Extracted {
            values,
            forced: None,
        }
    }

    fn forced(outcome: bool) -> Extracted {
        Extracted {
            values: Vec::new(),
            forced: Some(outcome),
        }
    }
}

impl Field {
    /// Validates and compiles a wire `FieldToMatch` with its statement's pre-parse
    /// transformations (allowed only on query arguments).
    pub(crate) fn compile(
        f: &FieldToMatch,
        pre_parse: &[TextTransformation],
    ) -> Result<Field, WafError> {
        let pre = PreParse::compile(pre_parse)?;
        if !pre.is_empty()
            && !matches!(
                f,
                FieldToMatch::SingleQueryArgument(_) | FieldToMatch::AllQueryArguments(_)
            )
        {
            return Err(WafError::invalid(
                "PRE_PARSE_TEXT_TRANSFORMATION",
                "FieldToMatch",
                REASON_INVALID,
            ));
        }
        Ok(match f {
            FieldToMatch::SingleHeader(n) => {
                Field::SingleHeader(nonblank(&n.name, "SINGLE_HEADER")?.to_ascii_lowercase())
            }
            FieldToMatch::SingleQueryArgument(n) => {
                let name = nonblank(&n.name, "SINGLE_QUERY_ARGUMENT")?;
                if name.len() > 30 {
                    return Err(WafError::invalid(
                        "SINGLE_QUERY_ARGUMENT",
                        name,
                        REASON_INVALID,
                    ));
                }
                Field::SingleQueryArgument(name.to_ascii_lowercase(), pre)
            }
            FieldToMatch::AllQueryArguments(_) => Field::AllQueryArguments(pre),
            FieldToMatch::UriPath(_) => Field::UriPath,
            FieldToMatch::QueryString(_) => Field::QueryString,
            FieldToMatch::Method(_) => Field::Method,
            FieldToMatch::Body(o) => Field::Body(Oversize::parse(o.oversize_handling.as_deref())?),
            FieldToMatch::JsonBody(j) => Field::JsonBody {
                paths: match &j.match_pattern {
                    JsonMatchPattern::All(_) => None,
                    JsonMatchPattern::IncludedPaths(p) => {
                        if p.is_empty() || p.iter().any(|p| !p.starts_with('/')) {
                            return Err(WafError::invalid(
                                "JSON_MATCH_PATTERN",
                                p.join(","),
                                REASON_INVALID,
                            ));
                        }
                        Some(p.iter().map(|p| json::pointer(p)).collect())
                    }
                },
                scope: Scope::parse(&j.match_scope, "JSON_MATCH_SCOPE")?,
                invalid: match j.invalid_fallback_behavior.as_deref() {
                    None => InvalidJson::Partial,
                    Some("MATCH") => InvalidJson::Match,
                    Some("NO_MATCH") => InvalidJson::NoMatch,
                    Some("EVALUATE_AS_STRING") => InvalidJson::EvaluateAsString,
                    Some(o) => {
                        return Err(WafError::invalid(
                            "BODY_PARSING_FALLBACK_BEHAVIOR",
                            o,
                            REASON_INVALID,
                        ));
                    }
                },
                oversize: Oversize::parse(j.oversize_handling.as_deref())?,
            },
            FieldToMatch::Headers(m) => Field::Headers {
                names: names(&m.match_pattern, false)?,
                scope: Scope::parse(&m.match_scope, "MAP_MATCH_SCOPE")?,
                oversize: Oversize::parse(Some(&m.oversize_handling))?,
            },
            FieldToMatch::Cookies(m) => Field::Cookies {
                names: names(&m.match_pattern, true)?,
                scope: Scope::parse(&m.match_scope, "MAP_MATCH_SCOPE")?,
                oversize: Oversize::parse(Some(&m.oversize_handling))?,
            },
            FieldToMatch::HeaderOrder(o) => {
                Field::HeaderOrder(Oversize::parse(o.oversize_handling.as_deref())?)
            }
            FieldToMatch::Ja3Fingerprint(f) => Field::Ja3(fallback(
                f.fallback_behavior.as_deref(),
                "FALLBACK_BEHAVIOR",
            )?),
            FieldToMatch::Ja4Fingerprint(f) => Field::Ja4(fallback(
                f.fallback_behavior.as_deref(),
                "FALLBACK_BEHAVIOR",
            )?),
            FieldToMatch::UriFragment(f) => Field::UriFragment(fallback(
                f.fallback_behavior.as_deref(),
                "FALLBACK_BEHAVIOR",
            )?),
        })
    }

    /// The component's name in logs (`terminatingRuleMatchDetails.location`).
    pub(crate) fn location(&self) -> &'static str {
        match self {
            Field::SingleHeader(_) => "HEADER",
            Field::SingleQueryArgument(..) => "SINGLE_QUERY_ARG",
            Field::AllQueryArguments(_) => "ALL_QUERY_ARGS",
            Field::UriPath => "URI",
            Field::QueryString => "QUERY_STRING",
            Field::Method => "METHOD",
            Field::Body(_) => "BODY",
            Field::JsonBody { .. } => "JSON_BODY",
            Field::Headers { .. } => "HEADERS",
            Field::Cookies { .. } => "COOKIES",
            Field::HeaderOrder(_) => "HEADER_ORDER",
            Field::Ja3(_) => "JA3_FINGERPRINT",
            Field::Ja4(_) => "JA4_FINGERPRINT",
            Field::UriFragment(_) => "URI_FRAGMENT",
        }
    }

    /// Whether the base WCU of a statement on this component doubles (`JsonBody`).
    pub(crate) fn doubles_cost(&self) -> bool {
        matches!(self, Field::JsonBody { .. })
    }

    /// Extra WCU for the component (`AllQueryArguments`: +10).
    pub(crate) fn extra_cost(&self) -> u64 {
        if matches!(self, Field::AllQueryArguments(_)) {
            10
        } else {
            0
        }
    }

    /// Only `ByteMatch` with `EXACTLY` may inspect the TLS fingerprints.
    pub(crate) fn is_fingerprint(&self) -> bool {
        matches!(self, Field::Ja3(_) | Field::Ja4(_))
    }

    /// The raw values of this component in `req`; the body is inspected up to `body_limit`.
    pub(crate) fn extract(&self, req: &Request, body_limit: usize) -> Extracted {
        match self {
            Field::SingleHeader(name) => {
                Extracted::of(req.header_values(name).map(<[u8]>::to_vec).collect())
            }
            Field::SingleQueryArgument(name, pre) => Extracted::of(
                query_args(req, pre)
                    .into_iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
                    .map(|(_, v)| v)
                    .collect(),
            ),
            Field::AllQueryArguments(pre) => {
                Extracted::of(query_args(req, pre).into_iter().map(|(_, v)| v).collect())
            }
            Field::UriPath => Extracted::of(vec![req.path.clone()]),
            Field::QueryString => Extracted::of(req.query.iter().cloned().collect()),
            Field::Method => Extracted::of(vec![req.method.clone().into_bytes()]),
            Field::Body(oversize) => {
                let (body, over) = body_view(req, body_limit);
                match (over, oversize.forced()) {
                    (true, Some(outcome)) => Extracted::forced(outcome),
                    _ if body.is_empty() => Extracted::default(),
                    _ => Extracted::of(vec![body.to_vec()]),
                }
            }
            Field::JsonBody {
                paths,
                scope,
                invalid,
                oversize,
            } => {
                let (body, over) = body_view(req, body_limit);
                if let (true, Some(outcome)) = (over, oversize.forced()) {
                    return Extracted::forced(outcome);
                }
                if body.is_empty() {
                    return Extracted::default();
                }
                json_values(body, paths.as_deref(), *scope, *invalid)
            }
            Field::Headers {
                names,
                scope,
                oversize,
            } => {
                let entries: Vec<(&[u8], &[u8])> = req
                    .headers
                    .iter()
                    .map(|h| (h.name.as_bytes(), h.value.as_slice()))
                    .collect();
                map_values(&entries, names, *scope, *oversize, true)
            }
            Field::Cookies {
                names,
                scope,
                oversize,
            } => map_values(&req.cookies(), names, *scope, *oversize, false),
            Field::HeaderOrder(oversize) => {
                let mut order = Vec::new();
                let mut over = req.headers.len() > MAP_INSPECTION_ENTRIES;
                for (i, h) in req.headers.iter().enumerate() {
                    if i > 0 {
                        order.push(b':');
                    }
                    order.extend_from_slice(h.name.as_bytes());
                    if order.len() > MAP_INSPECTION_BYTES {
                        over = true;
                        order.truncate(MAP_INSPECTION_BYTES);
                        break;
                    }
                }
                match (over, oversize.forced()) {
                    (true, Some(outcome)) => Extracted::forced(outcome),
                    _ if order.is_empty() => Extracted::default(),
                    _ => Extracted::of(vec![order]),
                }
            }
            Field::Ja3(fb) => optional(req.ja3.as_deref().map(str::as_bytes), *fb),
            Field::Ja4(fb) => optional(req.ja4.as_deref().map(str::as_bytes), *fb),
            Field::UriFragment(fb) => {
                optional(req.fragment.as_deref().filter(|f| !f.is_empty()), *fb)
            }
        }
    }
}

fn nonblank<'a>(name: &'a str, field: &'static str) -> Result<&'a str, WafError> {
    if name.trim().is_empty() || name.len() > 64 {
        Err(WafError::invalid(field, name, REASON_INVALID))
    } else {
        Ok(name)
    }
}

fn names(p: &MapMatchPattern, cookies: bool) -> Result<Names, WafError> {
    let field = if cookies {
        "COOKIE_MATCH_PATTERN"
    } else {
        "HEADER_MATCH_PATTERN"
    };
    let bad = || WafError::invalid(field, "MatchPattern", REASON_INVALID);
    Ok(match (p, cookies) {
        (MapMatchPattern::All(_), _) => Names::All,
        (MapMatchPattern::IncludedHeaders(l), false)
        | (MapMatchPattern::IncludedCookies(l), true) => Names::Included(l.clone()),
        (MapMatchPattern::ExcludedHeaders(l), false)
        | (MapMatchPattern::ExcludedCookies(l), true) => Names::Excluded(l.clone()),
        _ => return Err(bad()),
    })
}

fn optional(v: Option<&[u8]>, fallback: bool) -> Extracted {
    match v {
        Some(v) => Extracted::of(vec![v.to_vec()]),
        None => Extracted::forced(fallback),
    }
}

/// The inspected part of the body and whether the body is larger than the limit.
fn body_view(req: &Request, limit: usize) -> (&[u8], bool) {
    let over = req.body_len.max(req.body.len()) > limit;
    (&req.body[..req.body.len().min(limit)], over)
}

fn map_values(
    entries: &[(&[u8], &[u8])],
    names: &Names,
    scope: Scope,
    oversize: Oversize,
    ci: bool,
) -> Extracted {
    let mut values = Vec::new();
    let mut bytes = 0usize;
    let mut over = entries.len() > MAP_INSPECTION_ENTRIES;
    for (name, value) in entries.iter().take(MAP_INSPECTION_ENTRIES) {
        bytes += name.len() + value.len();
        if bytes > MAP_INSPECTION_BYTES {
            over = true;
            break;
        }
        if !names.selects(name, ci) {
            continue;
        }
        if scope.keys() {
            values.push(name.to_vec());
        }
        if scope.values() {
            values.push(value.to_vec());
        }
    }
    match (over, oversize.forced()) {
        (true, Some(outcome)) => Extracted::forced(outcome),
        _ => Extracted::of(values),
    }
}

fn json_values(
    body: &[u8],
    paths: Option<&[Vec<Vec<u8>>]>,
    scope: Scope,
    invalid: InvalidJson,
) -> Extracted {
    let walk = json::walk(body);
    if walk.invalid {
        match invalid {
            InvalidJson::Match => return Extracted::forced(true),
            InvalidJson::NoMatch => return Extracted::forced(false),
            InvalidJson::EvaluateAsString => return Extracted::of(vec![body.to_vec()]),
            InvalidJson::Partial => {}
        }
    }
    let selected = |path: &[Vec<u8>], is_key: bool| match paths {
        None => true,
        Some(paths) => paths
            .iter()
            .any(|p| path.starts_with(p) && (!is_key || path.len() > p.len())),
    };
    Extracted::of(
        walk.items
            .into_iter()
            .filter(|(path, is_key, _)| {
                (if *is_key {
                    scope.keys()
                } else {
                    scope.values()
                }) && selected(path, *is_key)
            })
            .map(|(_, _, text)| text)
            .collect(),
    )
}

#[cfg(test)]
mod tests;
