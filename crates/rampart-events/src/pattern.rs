//! A validated event pattern.

use crate::cidr::Cidr;
use crate::error::PatternError;
use crate::wildcard::Wildcard;
use serde_json::{Number, Value};

/// A validated EventBridge event pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub(crate) root: Node,
}

impl Pattern {
    /// Parses and validates `text` as EventBridge does.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        crate::parse::pattern(text)
    }

    /// Whether `event` (the whole event, `source`, `detail-type`, `detail`, ...) matches.
    pub fn matches(&self, event: &Value) -> bool {
        crate::matching::node(&self.root, Some(event))
    }
}

/// One object of a pattern: every field must match, and one alternative of each `$or`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Node {
    /// The fields, by name.
    pub fields: Vec<(String, Field)>,
    /// Each `$or` of this object: its alternatives.
    pub ors: Vec<Vec<Node>>,
}

/// What a pattern says about one field of the event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    /// An object: conditions on the fields inside.
    Nested(Node),
    /// An array: the field matches when one of these does.
    Leaf(Vec<Matcher>),
}

/// One condition on a leaf value of the event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Matcher {
    /// Exactly this string (or, when it is an IP address literal, this address).
    String(String),
    /// This number (compared as doubles when both are exact doubles).
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A string starting with this.
    Prefix(String),
    /// A string starting with this, ignoring case.
    PrefixIgnoreCase(String),
    /// A string ending with this.
    Suffix(String),
    /// A string ending with this, ignoring case.
    SuffixIgnoreCase(String),
    /// A string equal to this, ignoring case.
    EqualsIgnoreCase(String),
    /// A string fitting this wildcard.
    Wildcard(Wildcard),
    /// A value none of these describe.
    AnythingBut(Negation),
    /// A number in this range.
    Numeric(Range),
    /// The field is present (`true`) or absent (`false`).
    Exists(bool),
    /// An IP address in this block.
    Cidr(Cidr),
}

/// What `anything-but` excludes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Negation {
    /// These strings.
    Strings(Vec<String>),
    /// These numbers.
    Numbers(Vec<f64>),
    /// These strings, ignoring case.
    IgnoreCase(Vec<String>),
    /// Strings starting with one of these.
    Prefixes(Vec<String>),
    /// Strings ending with one of these.
    Suffixes(Vec<String>),
    /// Strings fitting one of these wildcards.
    Wildcards(Vec<Wildcard>),
}

/// A numeric range; a missing bound is unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Range {
    /// The lower bound and whether it is excluded.
    pub low: Option<(f64, bool)>,
    /// The upper bound and whether it is excluded.
    pub high: Option<(f64, bool)>,
}

impl Range {
    /// Whether `x` lies in the range.
    pub(crate) fn contains(&self, x: f64) -> bool {
        let above = match self.low {
            None => true,
            Some((low, open)) => x > low || (!open && x == low),
        };
        let below = match self.high {
            None => true,
            Some((high, open)) => x < high || (!open && x == high),
        };
        above && below
    }
}
