//! `Resource` / `NotResource` patterns: `*` or an ARN globbed segment by segment,
//! case-sensitively, with policy variables allowed only in the resource part.

use crate::context::Context;
use crate::glob::{self, Case};
use crate::template::{Syntax, Template};

/// A request resource (or an ARN-valued condition key) split into ARN segments once.
/// Owned for requests, borrowed (`&str`) for condition values, so matching never allocates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestResource<S = String> {
    text: S,
    /// Byte offsets of the five separating colons, if `text` is an ARN.
    colons: Option<[usize; 5]>,
}

fn colons(text: &str) -> Option<[usize; 5]> {
    let mut colons = [0usize; 5];
    let mut n = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b':' {
            colons[n] = i;
            n += 1;
            if n == 5 {
                break;
            }
        }
    }
    (n == 5 && text.starts_with("arn:")).then_some(colons)
}

impl<'a> RequestResource<&'a str> {
    /// A borrowed view, for condition values.
    pub(crate) fn borrowed(text: &'a str) -> Self {
        RequestResource {
            text,
            colons: colons(text),
        }
    }
}

impl RequestResource {
    pub(crate) fn new(text: &str) -> RequestResource {
        RequestResource {
            text: text.to_owned(),
            colons: colons(text),
        }
    }
}

impl<S: AsRef<str>> RequestResource<S> {
    pub(crate) fn as_str(&self) -> &str {
        self.text.as_ref()
    }

    /// The text between `arn:` and the fifth colon (empty when not an ARN).
    fn head(&self) -> &str {
        match self.colons {
            Some(c) => &self.text.as_ref()[c[0] + 1..c[4]],
            None => "",
        }
    }

    /// partition, service, region, account, resource.
    fn segments(&self) -> Option<[&str; 5]> {
        let c = self.colons?;
        let t = self.text.as_ref();
        Some([
            &t[c[0] + 1..c[1]],
            &t[c[1] + 1..c[2]],
            &t[c[2] + 1..c[3]],
            &t[c[3] + 1..c[4]],
            &t[c[4] + 1..],
        ])
    }
}

/// Splits the text after `arn:` on its first four colons, skipping colons inside
/// `${...}` policy variables (`${aws:PrincipalAccount}`) when variables are enabled.
fn split_segments(rest: &str, variables: bool) -> Vec<&str> {
    let mut parts = Vec::with_capacity(5);
    let (mut start, mut depth) = (0usize, false);
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() && parts.len() < 4 {
        match bytes[i] {
            b'$' if variables && bytes.get(i + 1) == Some(&b'{') => depth = true,
            b'}' => depth = false,
            b':' if !depth => {
                parts.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&rest[start..]);
    parts
}

/// One compiled resource pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourcePattern {
    /// `*`.
    All,
    /// An ARN pattern: four globbed header segments and a resource template.
    Arn {
        /// partition, service, region, account.
        head: [Template; 4],
        /// The four head segments joined by `:` when none has a wildcard or variable:
        /// compared in one go against the request's head.
        literal_head: Option<Box<str>>,
        /// The resource part (variables allowed under 2012-10-17).
        resource: Template,
    },
    /// A pattern that is not an ARN: matches only an identical request string by glob.
    Other(Box<str>),
}

impl ResourcePattern {
    /// Compiles a pattern. Short forms with a trailing `*` (`arn:aws:s3:*`) are padded
    /// with `*` segments. `variables` enables policy variables in the resource part,
    /// `head_variables` in the other segments (ARN condition operators only).
    pub(crate) fn compile(text: &str, variables: bool, head_variables: bool) -> ResourcePattern {
        if text == "*" {
            return ResourcePattern::All;
        }
        let Some(rest) = text.strip_prefix("arn:") else {
            return ResourcePattern::Other(text.into());
        };
        let mut parts = split_segments(rest, variables || head_variables);
        if parts.len() < 5 {
            if !text.ends_with('*') {
                return ResourcePattern::Other(text.into());
            }
            while parts.len() < 5 {
                parts.push("*");
            }
        }
        let head_syntax = Syntax {
            wildcards: true,
            variables: head_variables,
        };
        let head = |i: usize| Template::compile(parts[i], head_syntax);
        let head = [head(0), head(1), head(2), head(3)];
        let literal_head = head
            .iter()
            .all(|t| t.as_literal().is_some())
            .then(|| parts[..4].join(":").into_boxed_str());
        ResourcePattern::Arn {
            head,
            literal_head,
            resource: Template::compile(
                parts[4],
                Syntax {
                    wildcards: true,
                    variables,
                },
            ),
        }
    }

    /// Matches. `None` when a policy variable in the pattern cannot be resolved.
    pub(crate) fn matches<S: AsRef<str>>(
        &self,
        req: &RequestResource<S>,
        ctx: &Context,
    ) -> Option<bool> {
        match self {
            ResourcePattern::All => Some(true),
            ResourcePattern::Other(p) => Some(glob::glob(p, req.as_str(), Case::Sensitive)),
            ResourcePattern::Arn {
                head,
                literal_head,
                resource,
            } => {
                let Some(seg) = req.segments() else {
                    return Some(false);
                };
                if let Some(lit) = literal_head {
                    if !glob::eq(lit.as_bytes(), req.head().as_bytes()) {
                        return Some(false);
                    }
                } else {
                    for (p, s) in head.iter().zip(seg.iter()) {
                        if !p.matches(s, ctx, Case::Sensitive)? {
                            return Some(false);
                        }
                    }
                }
                resource.matches(seg[4], ctx, Case::Sensitive)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, r: &str) -> bool {
        let ctx = Context::new().with("aws:username", "alice");
        ResourcePattern::compile(p, true, false).matches(&RequestResource::new(r), &ctx)
            == Some(true)
    }

    #[test]
    fn star_crosses_slashes_and_colons() {
        assert!(m("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/test/x.jpg"));
        assert!(m(
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s"
        ));
        assert!(m("*", "*"));
        assert!(m("*", "arn:aws:s3:::b"));
    }

    #[test]
    fn case_sensitive() {
        assert!(!m("arn:aws:s3:::BKT", "arn:aws:s3:::bkt"));
        assert!(!m("arn:AWS:s3:::bkt", "arn:aws:s3:::bkt"));
    }

    #[test]
    fn wildcard_in_segment_does_not_cross_colon() {
        assert!(!m("arn:aws:s3:*:::b", "arn:aws:s3:::x:b"));
        assert!(m(
            "arn:aws:iam::*:user/*",
            "arn:aws:iam::111122223333:user/a"
        ));
    }

    #[test]
    fn short_forms_are_padded() {
        assert!(m("arn:aws:s3:*", "arn:aws:s3:::bucket/key"));
        assert!(m("arn:aws:iam::*", "arn:aws:iam::1:user/x"));
        assert!(!m("arn:aws:s3", "arn:aws:s3:::bucket"));
    }

    #[test]
    fn specific_arn_does_not_match_star_request() {
        assert!(!m("arn:aws:iam::1:user/*", "*"));
        assert!(!m("arn:*", "*"));
    }

    #[test]
    fn variables_only_in_resource_part() {
        assert!(m(
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:s3:::home/alice/f"
        ));
        assert!(!m(
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:s3:::home/bob/f"
        ));
        let p = ResourcePattern::compile("arn:aws:s3:::home/${aws:userid}", true, false);
        assert_eq!(
            p.matches(
                &RequestResource::new("arn:aws:s3:::home/x"),
                &Context::new()
            ),
            None
        );
    }
}
