//! Regular expressions in AWS WAF's dialect, compiled to linear-time automata (no
//! backreferences or look-around, as AWS documents), and regex pattern sets.

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::error::{REASON_INVALID, WafError};

/// The longest pattern accepted.
pub const MAX_PATTERN_LEN: usize = 512;
/// Compiled-program size cap per regex or set (keeps compile time and memory bounded).
const SIZE_LIMIT: usize = 4 << 20;

/// Compiles one `RegexString` (byte-oriented, like PCRE without UTF mode).
pub(crate) fn regex(pattern: &str, field: &'static str) -> Result<Regex, WafError> {
    if pattern.is_empty() || pattern.len() > MAX_PATTERN_LEN {
        return Err(WafError::invalid(field, pattern, REASON_INVALID));
    }
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|_| WafError::invalid(field, pattern, REASON_INVALID))
}

/// A regex pattern set's compiled `RegularExpressionList`: matches when any pattern does.
#[derive(Debug, Clone)]
pub struct RegexPatternSet {
    set: RegexSet,
}

impl RegexPatternSet {
    /// Validates and compiles the patterns (at least one, each at most 512 characters).
    pub fn compile(patterns: &[String]) -> Result<RegexPatternSet, WafError> {
        if patterns.is_empty() {
            return Err(WafError::invalid(
                "REGEX_PATTERN_SET",
                "RegularExpressionList",
                REASON_INVALID,
            ));
        }
        for p in patterns {
            regex(p, "REGEX_PATTERN_SET")?;
        }
        let set = RegexSetBuilder::new(patterns)
            .unicode(false)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
            .map_err(|_| {
                WafError::invalid("REGEX_PATTERN_SET", "RegularExpressionList", REASON_INVALID)
            })?;
        Ok(RegexPatternSet { set })
    }

    /// Whether any pattern matches `value`.
    pub fn is_match(&self, value: &[u8]) -> bool {
        self.set.is_match(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_aws_dialect_and_rejects_what_an_automaton_cannot_do() {
        assert!(regex("^/admin(/.*)?$", "REGEX").is_ok());
        assert!(
            regex("(?i)union\\s+select", "REGEX")
                .unwrap()
                .is_match(b"UNION  SELECT")
        );
        assert!(
            regex("(a)\\1", "REGEX").is_err(),
            "backreferences are rejected"
        );
        assert!(
            regex("foo(?=bar)", "REGEX").is_err(),
            "look-ahead is rejected"
        );
        assert!(regex("([a-z]", "REGEX").is_err());
        assert_eq!(regex("", "REGEX").unwrap_err().field, "REGEX");
    }

    #[test]
    fn bytes_not_only_utf8() {
        assert!(regex("\\xff", "REGEX").unwrap().is_match(&[0xff]));
    }

    #[test]
    fn pattern_sets_match_any() {
        let s = RegexPatternSet::compile(&["^a+$".into(), "b{2}".into()]).unwrap();
        assert!(s.is_match(b"aaa"));
        assert!(s.is_match(b"xbbx"));
        assert!(!s.is_match(b"ab"));
        assert!(RegexPatternSet::compile(&[]).is_err());
        assert!(RegexPatternSet::compile(&["(".into()]).is_err());
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        let re = regex("(a+)+$", "REGEX").unwrap();
        let input = [b'a'; 100_000];
        let mut s = input.to_vec();
        s.push(b'!');
        assert!(!re.is_match(&s));
    }
}
