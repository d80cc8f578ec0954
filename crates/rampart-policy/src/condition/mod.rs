//! The `Condition` element: operators, `IfExists`, `Null`, `ForAllValues`/`ForAnyValue`,
//! missing-key semantics and policy variables (iam.md sections 7 and 8).

mod date;
mod ip;

use crate::context::{Context, ContextValue};
use crate::glob::Case;
use crate::keyhash::Key;
use crate::resource::{RequestResource, ResourcePattern};
use crate::template::{Syntax, Template};
use ip::Cidr;

/// The operator family and its positive form (negation is kept separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

/// Set operator prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    ForAnyValue,
    ForAllValues,
}

/// A parsed operator name such as `ForAllValues:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    base: Base,
    negated: bool,
    set: Option<SetOp>,
    if_exists: bool,
}

fn base_of(name: &str) -> Option<(Base, bool)> {
    use Base::*;
    Some(match name {
        "StringEquals" => (StringEquals, false),
        "StringNotEquals" => (StringEquals, true),
        "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
        "StringLike" => (StringLike, false),
        "StringNotLike" => (StringLike, true),
        "NumericEquals" => (NumericEquals, false),
        "NumericNotEquals" => (NumericEquals, true),
        "NumericLessThan" => (NumericLessThan, false),
        "NumericLessThanEquals" => (NumericLessThanEquals, false),
        "NumericGreaterThan" => (NumericGreaterThan, false),
        "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
        "DateEquals" => (DateEquals, false),
        "DateNotEquals" => (DateEquals, true),
        "DateLessThan" => (DateLessThan, false),
        "DateLessThanEquals" => (DateLessThanEquals, false),
        "DateGreaterThan" => (DateGreaterThan, false),
        "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
        "Bool" => (Bool, false),
        "BinaryEquals" => (BinaryEquals, false),
        "IpAddress" => (IpAddress, false),
        "NotIpAddress" => (IpAddress, true),
        "ArnEquals" | "ArnLike" => (ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
        "Null" => (Null, false),
        _ => return None,
    })
}

impl Operator {
    /// Parses an operator name as written (case-sensitive, as documented).
    fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOp::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOp::ForAllValues), r)
        } else {
            (None, name)
        };
        if let Some((base, negated)) = base_of(rest) {
            return Some(Operator {
                base,
                negated,
                set,
                if_exists: false,
            });
        }
        let stripped = rest.strip_suffix("IfExists")?;
        let (base, negated) = base_of(stripped)?;
        if base == Base::Null {
            return None;
        }
        Some(Operator {
            base,
            negated,
            set,
            if_exists: true,
        })
    }
}

/// True if `name` is a valid condition operator.
pub(crate) fn is_operator(name: &str) -> bool {
    Operator::parse(name).is_some()
}

/// True if the operator accepts policy variables in its values (iam.md 8).
pub(crate) fn allows_variables(name: &str) -> bool {
    Operator::parse(name).is_some_and(|op| {
        matches!(
            op.base,
            Base::StringEquals
                | Base::StringEqualsIgnoreCase
                | Base::StringLike
                | Base::Bool
                | Base::ArnLike
        )
    })
}

/// True if the operator's values are dates (validated when a policy is written).
pub(crate) fn is_date_operator(name: &str) -> bool {
    Operator::parse(name).is_some_and(|op| {
        matches!(
            op.base,
            Base::DateEquals
                | Base::DateLessThan
                | Base::DateLessThanEquals
                | Base::DateGreaterThan
                | Base::DateGreaterThanEquals
        )
    })
}

/// Compiled policy values, typed by operator family.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Text(Vec<Template>),
    Number(Vec<Option<f64>>),
    Date(Vec<Option<f64>>),
    Ip(Vec<Option<Cidr>>),
    Arn(Vec<ResourcePattern>),
    Raw(Vec<Box<str>>),
}

/// One `operator: { key: values }` test of a Condition block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConditionTest {
    op: Operator,
    /// The key, lower-cased and hashed.
    key: Key,
    /// The key as written in the policy.
    written: Box<str>,
    values: Values,
}

fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
    {
        return None;
    }
    s.parse().ok()
}

impl ConditionTest {
    /// Compiles one test. `None` for an unknown operator (no match at evaluation time).
    pub(crate) fn compile(
        op_name: &str,
        key: &str,
        values: &[String],
        variables: bool,
    ) -> Option<ConditionTest> {
        let op = Operator::parse(op_name)?;
        let text = |wildcards: bool| {
            let syntax = Syntax {
                wildcards,
                variables,
            };
            Values::Text(
                values
                    .iter()
                    .map(|v| Template::compile(v, syntax))
                    .collect(),
            )
        };
        let values = match op.base {
            Base::StringEquals | Base::StringEqualsIgnoreCase | Base::Bool => text(false),
            Base::StringLike => text(true),
            Base::NumericEquals
            | Base::NumericLessThan
            | Base::NumericLessThanEquals
            | Base::NumericGreaterThan
            | Base::NumericGreaterThanEquals => {
                Values::Number(values.iter().map(|v| parse_number(v)).collect())
            }
            Base::DateEquals
            | Base::DateLessThan
            | Base::DateLessThanEquals
            | Base::DateGreaterThan
            | Base::DateGreaterThanEquals => {
                Values::Date(values.iter().map(|v| date::parse(v)).collect())
            }
            Base::IpAddress => Values::Ip(values.iter().map(|v| Cidr::parse(v)).collect()),
            Base::ArnLike => Values::Arn(
                values
                    .iter()
                    .map(|v| ResourcePattern::compile(v, variables, variables))
                    .collect(),
            ),
            Base::BinaryEquals | Base::Null => {
                Values::Raw(values.iter().map(|v| v.as_str().into()).collect())
            }
        };
        Some(ConditionTest {
            op,
            key: Key::new(key),
            written: key.into(),
            values,
        })
    }

    /// The condition key as written in the policy.
    pub(crate) fn written_key(&self) -> &str {
        &self.written
    }

    /// Does one request value satisfy the *positive* operator against any policy value?
    /// Unresolvable variables count as "no match" here.
    fn positive(&self, value: &str, ctx: &Context) -> bool {
        match &self.values {
            Values::Text(ts) => ts.iter().any(|t| match self.op.base {
                Base::StringEquals | Base::StringLike => {
                    t.matches(value, ctx, Case::Sensitive) == Some(true)
                }
                Base::StringEqualsIgnoreCase => {
                    t.resolve(ctx).is_some_and(|p| fold(&p).eq(fold(value)))
                }
                // Bool: compare true/false case-insensitively.
                _ => t
                    .resolve(ctx)
                    .is_some_and(|p| p.eq_ignore_ascii_case(value.trim())),
            }),
            Values::Number(ns) => {
                let Some(v) = parse_number(value) else {
                    return false;
                };
                ns.iter().flatten().any(|&p| compare(self.op.base, v, p))
            }
            Values::Date(ds) => {
                let Some(v) = date::parse(value) else {
                    return false;
                };
                ds.iter().flatten().any(|&p| compare(self.op.base, v, p))
            }
            Values::Ip(cs) => cs.iter().flatten().any(|c| c.contains(value)),
            Values::Arn(ps) => {
                let req = RequestResource::borrowed(value);
                ps.iter().any(|p| p.matches(&req, ctx) == Some(true))
            }
            Values::Raw(rs) => rs.iter().any(|r| **r == *value),
        }
    }

    /// Applies negation to one request value.
    fn one(&self, value: &str, ctx: &Context) -> bool {
        self.positive(value, ctx) != self.op.negated
    }

    /// Evaluates the test against the request context.
    pub(crate) fn evaluate(&self, ctx: &Context) -> bool {
        let present = ctx.get_key(&self.key);
        if self.op.base == Base::Null {
            let absent = present.is_none_or(ContextValue::is_empty);
            let Values::Raw(wants) = &self.values else {
                return false;
            };
            return wants.iter().any(|w| {
                (w.eq_ignore_ascii_case("true") && absent)
                    || (w.eq_ignore_ascii_case("false") && !absent)
            });
        }
        let Some(value) = present else {
            if self.op.if_exists {
                return true;
            }
            return match self.op.set {
                Some(SetOp::ForAllValues) => true,
                Some(SetOp::ForAnyValue) => false,
                None => self.op.negated,
            };
        };
        match (self.op.set, value) {
            (None, ContextValue::Single(v)) => self.one(v, ctx),
            // A multivalued key without a set operator: no match (iam.md 7.4, UNSURE; the
            // oracle's behaviour, reportedly confirmed by AWS).
            (None, ContextValue::Multi(_)) => false,
            (Some(SetOp::ForAnyValue), v) => v.values().any(|x| self.one(x, ctx)),
            (Some(SetOp::ForAllValues), v) => v.values().all(|x| self.one(x, ctx)),
        }
    }
}

/// Unicode lower-case folding without allocation.
fn fold(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn compare(base: Base, request: f64, policy: f64) -> bool {
    match base {
        Base::NumericEquals | Base::DateEquals => request == policy,
        Base::NumericLessThan | Base::DateLessThan => request < policy,
        Base::NumericLessThanEquals | Base::DateLessThanEquals => request <= policy,
        Base::NumericGreaterThan | Base::DateGreaterThan => request > policy,
        Base::NumericGreaterThanEquals | Base::DateGreaterThanEquals => request >= policy,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
