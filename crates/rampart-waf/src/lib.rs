//! The AWS WAFv2 rule engine: web ACLs and rule groups in, a verdict per request out.
//!
//! It parses the wafv2 rule model as the wire spells it ([`model`], [`model::parse`]),
//! validates it with AWS's errors (`WAFInvalidParameterException` naming the field,
//! `WAFNonexistentItemException`, `WAFLimitsExceededException`), computes capacity (WCU), and
//! evaluates requests as AWS documents: every statement, request component (with oversize and
//! JSON fallback handling), all 31 text transformations and the pre-parse ones, labels,
//! rule-group overrides, rate-based rules, CAPTCHA/challenge token checks and the default
//! action. SQL injection and XSS detection are rampart's own ([`detect`]); so are the managed
//! rule groups ([`managed`]). [`log_record`] turns a verdict into AWS's log record, and
//! [`MmdbGeo`] reads a MaxMind DB country database from bytes.
//!
//! It is pure: it must never perform I/O, read a clock, log, spawn, or depend on an async
//! runtime, a store or a service; it never panics on any input and does no super-linear work
//! (linear-time regexes, linear detectors, size caps on every component).
//!
//! # How the control plane calls it
//!
//! - `CreateWebACL`/`UpdateWebACL`: [`model::parse`] the body into [`model::WebAclDef`], then
//!   [`WebAcl::compile`] with a [`Resolver`] over the store (IP sets as [`IpSet`], regex sets as
//!   [`RegexPatternSet`], rule groups, and [`managed::managed_group`] for managed groups); the
//!   error is the API error, [`WebAcl::capacity`] the `Capacity`.
//! - `CreateRuleGroup`: [`validate_rule_group`]; `AvailableLabels`/`ConsumedLabels` from
//!   [`rule_group_labels`]. `CheckCapacity`: [`check_capacity`].
//! - `CreateIPSet`/`CreateRegexPatternSet`: [`IpSet::compile`] / [`RegexPatternSet::compile`]
//!   validate and give what the resolver hands back later.
//! - `GetRateBasedStatementManagedKeys`: [`RateTracker::limited_keys`] with a [`RateRuleId`].
//!
//! # How the data plane calls it
//!
//! ```
//! use std::net::IpAddr;
//! use rampart_waf::{CompileOptions, NoReferences, RateTracker, Request, WebAcl, evaluate};
//!
//! let def = serde_json::from_str(r#"{
//!     "Name": "acl", "DefaultAction": {"Allow": {}},
//!     "Rules": [{"Name": "sqli", "Priority": 0, "Action": {"Block": {}},
//!         "VisibilityConfig": {"SampledRequestsEnabled": true,
//!             "CloudWatchMetricsEnabled": true, "MetricName": "sqli"},
//!         "Statement": {"SqliMatchStatement": {"FieldToMatch": {"QueryString": {}},
//!             "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"}]}}}]
//! }"#).unwrap();
//! // Once per configuration change: resolve references, compile, keep it in an Arc.
//! let account = "111122223333".parse().unwrap();
//! let acl = WebAcl::compile(&def, &NoReferences, &CompileOptions::new(account)).unwrap();
//! // One tracker per web ACL (or per node), owned by the caller.
//! let mut rate = RateTracker::default();
//! let ip: IpAddr = "192.0.2.1".parse().unwrap();
//! let req = Request::new("GET", b"/?id=1%27%20OR%201=1--", ip).with_header("Host", "x");
//! let now = 1_700_000_000; // Unix seconds, from the caller's clock
//! let verdict = evaluate(&acl, &req, &mut rate, now);
//! assert_eq!(verdict.action, rampart_waf::ActionKind::Block);
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod action;
mod compile;
mod context;
pub mod detect;
mod error;
mod evaluate;
mod field;
mod geo;
mod ipset;
mod json;
mod log;
pub mod managed;
pub mod model;
mod pattern;
mod rate;
mod rate_rule;
mod request;
mod resolver;
mod statement;
#[cfg(test)]
mod testutil;
mod transform;

pub use action::{ActionKind, BlockResponse, CUSTOM_RESPONSE_CODES, INSERTED_HEADER_PREFIX};
pub use compile::{
    BASE_WEB_ACL_CAPACITY, CompileOptions, DEFAULT_BODY_LIMIT, DEFAULT_IMMUNITY_SECS,
    MAX_RULE_GROUP_CAPACITY, MAX_WEB_ACL_CAPACITY, WebAcl, body_inspection_limit, check_capacity,
    rule_group_labels, validate_rule_group,
};
pub use context::MatchDetail;
pub use error::{ErrorCode, WafError};
pub use evaluate::{RuleMatch, RuleType, TokenOutcome, Verdict, evaluate};
pub use field::{MAP_INSPECTION_BYTES, MAP_INSPECTION_ENTRIES};
pub use geo::{GeoDbError, GeoInfo, GeoLookup, MmdbGeo, NoGeo};
pub use ipset::{IpSet, MAX_ADDRESSES};
pub use log::{LogContext, Redaction, log_record};
pub use pattern::{MAX_PATTERN_LEN, RegexPatternSet};
pub use rate::{DEFAULT_MAX_KEYS, MAX_REPORTED_KEYS, RateRuleId, RateTracker};
pub use rate_rule::{EVALUATION_WINDOWS, MAX_LIMIT, MIN_LIMIT};
pub use request::{Header, Request, TokenState};
pub use resolver::{
    NoReferences, ResolvedGroup, Resolver, rule_group_namespace, web_acl_namespace,
};
pub use statement::MAX_SEARCH_STRING;
pub use transform::{Chain, Transform};
