//! Policy values with wildcards and policy variables (`${aws:username}`,
//! `${aws:PrincipalTag/team, 'default'}`, `${*}`, `${?}`, `${$}`), compiled once.
//!
//! A substituted value is always literal text: a `*` inside a tag value never becomes a
//! wildcard. Variables are only recognised under policy Version 2012-10-17.

use crate::context::{Context, ContextValue};
use crate::glob::{self, AsTok, Case, Tok};
use crate::keyhash::Key;

/// One compiled element of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(Box<str>),
    Star,
    One,
    /// A variable: lower-cased key and optional default.
    Var {
        key: Key,
        default: Option<Box<str>>,
    },
}

/// A compiled policy value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
    has_vars: bool,
}

/// How to read `*` and `?` and `${...}` when compiling.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards.
    pub wildcards: bool,
    /// `${...}` is a policy variable.
    pub variables: bool,
}

fn push_lit(parts: &mut Vec<Part>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Part::Lit(prev)) = parts.last_mut() {
        let mut joined = String::with_capacity(prev.len() + s.len());
        joined.push_str(prev);
        joined.push_str(s);
        *prev = joined.into_boxed_str();
    } else {
        parts.push(Part::Lit(s.into()));
    }
}

fn push_text(parts: &mut Vec<Part>, s: &str, wildcards: bool) {
    if !wildcards {
        push_lit(parts, s);
        return;
    }
    for tok in glob::tokenize(s) {
        match tok {
            Tok::Lit(l) => push_lit(parts, l),
            Tok::Star => parts.push(Part::Star),
            Tok::One => parts.push(Part::One),
        }
    }
}

/// Parses the inside of `${...}`: an escape or `key` / `key, 'default'`.
fn parse_var(inner: &str) -> Option<Part> {
    match inner {
        "*" => return Some(Part::Lit("*".into())),
        "?" => return Some(Part::Lit("?".into())),
        "$" => return Some(Part::Lit("$".into())),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, rest)) => {
            let rest = rest.trim();
            let d = rest.strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(d.into()))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() {
        return None;
    }
    Some(Part::Var {
        key: Key::new(key),
        default,
    })
}

impl AsTok for Part {
    fn as_tok(&self) -> Tok<'_> {
        Template::static_tok(self)
    }
}

impl Template {
    /// Compiles a policy value.
    pub(crate) fn compile(text: &str, syntax: Syntax) -> Template {
        let mut parts = Vec::new();
        let mut rest = text;
        if syntax.variables {
            while let Some(start) = rest.find("${") {
                let Some(len) = rest[start + 2..].find('}') else {
                    break;
                };
                let inner = &rest[start + 2..start + 2 + len];
                match parse_var(inner) {
                    Some(var) => {
                        push_text(&mut parts, &rest[..start], syntax.wildcards);
                        match var {
                            Part::Lit(l) => push_lit(&mut parts, &l),
                            other => parts.push(other),
                        }
                    }
                    None => push_text(&mut parts, &rest[..start + 3 + len], syntax.wildcards),
                }
                rest = &rest[start + 3 + len..];
            }
        }
        push_text(&mut parts, rest, syntax.wildcards);
        let has_vars = parts.iter().any(|p| matches!(p, Part::Var { .. }));
        Template { parts, has_vars }
    }

    /// The text when the template has neither wildcards nor variables.
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(l)] => Some(l),
            _ => None,
        }
    }

    fn static_tok(part: &Part) -> Tok<'_> {
        match part {
            Part::Lit(l) => Tok::Lit(l),
            Part::Star => Tok::Star,
            Part::One => Tok::One,
            // Never called for templates with variables.
            Part::Var { .. } => Tok::Lit(""),
        }
    }

    fn resolve_part<'a>(part: &'a Part, ctx: &'a Context) -> Option<Tok<'a>> {
        Some(match part {
            Part::Var { key, default } => match ctx.get_key(key) {
                Some(ContextValue::Single(v)) => Tok::Lit(v),
                _ => Tok::Lit(default.as_deref()?),
            },
            other => Self::static_tok(other),
        })
    }

    /// Matches `text`. Returns `None` when a variable cannot be resolved (the caller
    /// decides what that means: no match for positive operators, match for negated ones).
    pub(crate) fn matches(&self, text: &str, ctx: &Context, case: Case) -> Option<bool> {
        if let Some(lit) = self.as_literal() {
            return Some(glob::eq_case(lit, text, case));
        }
        if !self.has_vars {
            return Some(glob::matches(&self.parts, text, case));
        }
        let resolve = |part| Self::resolve_part(part, ctx);
        // Resolve into a stack buffer: no allocation for templates of up to 16 parts.
        const INLINE: usize = 16;
        if self.parts.len() <= INLINE {
            let mut buf = [Tok::Star; INLINE];
            for (slot, part) in buf.iter_mut().zip(&self.parts) {
                *slot = resolve(part)?;
            }
            return Some(glob::matches(&buf[..self.parts.len()], text, case));
        }
        let toks: Option<Vec<Tok<'_>>> = self.parts.iter().map(resolve).collect();
        Some(glob::matches(&toks?, text, case))
    }

    /// Matches a template compiled without variables (actions, plain globs).
    pub(crate) fn matches_plain(&self, text: &str, case: Case) -> bool {
        match self.as_literal() {
            Some(lit) => glob::eq_case(lit, text, case),
            None => !self.has_vars && glob::matches(&self.parts, text, case),
        }
    }

    /// The literal text with variables substituted (for non-wildcard operators that need
    /// the value itself, such as `Bool`). `None` when a variable cannot be resolved.
    pub(crate) fn resolve<'a>(&'a self, ctx: &'a Context) -> Option<std::borrow::Cow<'a, str>> {
        if let Some(lit) = self.as_literal() {
            return Some(std::borrow::Cow::Borrowed(lit));
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(l) => out.push_str(l),
                Part::Star => out.push('*'),
                Part::One => out.push('?'),
                Part::Var { key, default } => match ctx.get_key(key) {
                    Some(ContextValue::Single(v)) => out.push_str(v),
                    _ => out.push_str(default.as_deref()?),
                },
            }
        }
        Some(std::borrow::Cow::Owned(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Syntax = Syntax {
        wildcards: true,
        variables: true,
    };
    const NOVARS: Syntax = Syntax {
        wildcards: true,
        variables: false,
    };
    const EQ: Syntax = Syntax {
        wildcards: false,
        variables: true,
    };

    fn ctx() -> Context {
        Context::new()
            .with("aws:username", "alice")
            .with("aws:PrincipalTag/team", "a*b")
            .with_multi("aws:TagKeys", ["x"])
    }

    #[test]
    fn substitutes_username() {
        let t = Template::compile("home/${aws:username}/*", V);
        assert_eq!(
            t.matches("home/alice/x", &ctx(), Case::Sensitive),
            Some(true)
        );
        assert_eq!(
            t.matches("home/bob/x", &ctx(), Case::Sensitive),
            Some(false)
        );
    }

    #[test]
    fn variable_names_are_case_insensitive() {
        let t = Template::compile("${AWS:UserName}", V);
        assert_eq!(t.matches("alice", &ctx(), Case::Sensitive), Some(true));
    }

    #[test]
    fn substituted_value_is_literal() {
        let t = Template::compile("${aws:PrincipalTag/team}", V);
        assert_eq!(t.matches("a*b", &ctx(), Case::Sensitive), Some(true));
        assert_eq!(t.matches("axxb", &ctx(), Case::Sensitive), Some(false));
    }

    #[test]
    fn escapes_are_literal() {
        let t = Template::compile("a${*}b${?}${$}", V);
        assert_eq!(t.matches("a*b?$", &ctx(), Case::Sensitive), Some(true));
        assert_eq!(t.matches("axb?$", &ctx(), Case::Sensitive), Some(false));
    }

    #[test]
    fn default_value_used_when_absent() {
        let t = Template::compile("${aws:PrincipalTag/dept, 'company-wide'}", V);
        assert_eq!(
            t.matches("company-wide", &ctx(), Case::Sensitive),
            Some(true)
        );
    }

    #[test]
    fn unresolvable_and_multivalued_are_none() {
        assert_eq!(
            Template::compile("${aws:userid}", V).matches("x", &ctx(), Case::Sensitive),
            None
        );
        assert_eq!(
            Template::compile("${aws:TagKeys}", V).matches("x", &ctx(), Case::Sensitive),
            None
        );
    }

    #[test]
    fn version_2008_keeps_variables_literal() {
        let t = Template::compile("${aws:username}", NOVARS);
        assert_eq!(
            t.matches("${aws:username}", &ctx(), Case::Sensitive),
            Some(true)
        );
        assert_eq!(t.matches("alice", &ctx(), Case::Sensitive), Some(false));
    }

    #[test]
    fn equals_syntax_has_no_wildcards() {
        let t = Template::compile("a*", EQ);
        assert_eq!(t.matches("a*", &ctx(), Case::Sensitive), Some(true));
        assert_eq!(t.matches("ab", &ctx(), Case::Sensitive), Some(false));
        assert_eq!(t.resolve(&ctx()).as_deref(), Some("a*"));
    }
}
