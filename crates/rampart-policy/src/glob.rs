//! IAM wildcard matching: `*` matches any run of characters (including none), `?` matches
//! exactly one character. Patterns are sequences of tokens so that literal text coming from
//! policy variables (`${*}`, substituted values) can never act as a wildcard.

/// One element of a resolved pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// Text that must appear as written.
    Lit(&'a str),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
}

/// How literal text is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Byte-exact comparison.
    Sensitive,
    /// ASCII case folding (action names, service prefixes).
    AsciiInsensitive,
}

/// Byte equality without a `memcmp` call for the short strings policies are made of.
#[inline]
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 32 {
        return a == b;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Equality under `case`.
#[inline]
pub(crate) fn eq_case(a: &str, b: &str, case: Case) -> bool {
    match case {
        Case::Sensitive => eq(a.as_bytes(), b.as_bytes()),
        Case::AsciiInsensitive => a.eq_ignore_ascii_case(b),
    }
}

fn starts_with(text: &str, lit: &str, case: Case) -> bool {
    match case {
        Case::Sensitive => {
            text.len() >= lit.len() && eq(&text.as_bytes()[..lit.len()], lit.as_bytes())
        }
        Case::AsciiInsensitive => {
            text.len() >= lit.len()
                && text.as_bytes()[..lit.len()].eq_ignore_ascii_case(lit.as_bytes())
        }
    }
}

/// Anything that can be viewed as a token (lets compiled patterns match without copying).
pub(crate) trait AsTok {
    /// The token view.
    fn as_tok(&self) -> Tok<'_>;
}

impl AsTok for Tok<'_> {
    fn as_tok(&self) -> Tok<'_> {
        *self
    }
}

fn next_char_len(text: &str) -> Option<usize> {
    text.chars().next().map(char::len_utf8)
}

/// Matches `text` against the token sequence. Linear-time greedy algorithm with one
/// backtracking point (the last `*` seen), which is exact for `*`/`?` globs.
pub(crate) fn matches<T: AsTok>(toks: &[T], text: &str, case: Case) -> bool {
    let mut ti = 0usize; // byte offset in text
    let mut pi = 0usize; // token index
    let mut backtrack: Option<(usize, usize)> = None; // (token after star, text offset)
    loop {
        if pi < toks.len() {
            let rest = &text[ti..];
            match toks[pi].as_tok() {
                Tok::Star => {
                    pi += 1;
                    if pi == toks.len() {
                        return true;
                    }
                    backtrack = Some((pi, ti));
                    continue;
                }
                Tok::One => {
                    if let Some(n) = next_char_len(rest) {
                        ti += n;
                        pi += 1;
                        continue;
                    }
                }
                Tok::Lit(lit) => {
                    if starts_with(rest, lit, case) {
                        ti += lit.len();
                        pi += 1;
                        continue;
                    }
                }
            }
        } else if ti == text.len() {
            return true;
        }
        // Mismatch: let the last star swallow one more character.
        match backtrack {
            Some((star_pi, star_ti)) => match next_char_len(&text[star_ti..]) {
                Some(n) => {
                    let new_ti = star_ti + n;
                    backtrack = Some((star_pi, new_ti));
                    pi = star_pi;
                    ti = new_ti;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

/// Splits pattern text into tokens where `*` and `?` are wildcards.
pub(crate) fn tokenize(pattern: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in pattern.char_indices() {
        if c == '*' || c == '?' {
            if start < i {
                out.push(Tok::Lit(&pattern[start..i]));
            }
            out.push(if c == '*' { Tok::Star } else { Tok::One });
            start = i + 1;
        }
    }
    if start < pattern.len() {
        out.push(Tok::Lit(&pattern[start..]));
    }
    out
}

/// Convenience: glob-match a plain pattern string.
pub(crate) fn glob(pattern: &str, text: &str, case: Case) -> bool {
    if !pattern.contains(['*', '?']) {
        return match case {
            Case::Sensitive => pattern == text,
            Case::AsciiInsensitive => pattern.eq_ignore_ascii_case(text),
        };
    }
    matches(&tokenize(pattern), text, case)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn star_and_question() {
        assert!(glob("*", "", Case::Sensitive));
        assert!(glob("a*c", "abbbc", Case::Sensitive));
        assert!(glob("a*c", "ac", Case::Sensitive));
        assert!(!glob("a*c", "acb", Case::Sensitive));
        assert!(glob("a?c", "abc", Case::Sensitive));
        assert!(!glob("a?c", "ac", Case::Sensitive));
        assert!(glob("b/*/test/*", "b/1/test/x.jpg", Case::Sensitive));
        assert!(glob("*a*a*b", "aaaaaaab", Case::Sensitive));
        assert!(!glob("*a*a*b", "aaaaaaa", Case::Sensitive));
        assert!(glob("?", "é", Case::Sensitive));
    }

    #[test]
    fn case_handling() {
        assert!(glob("Get*", "getobject", Case::AsciiInsensitive));
        assert!(!glob("Get*", "getobject", Case::Sensitive));
        assert!(!glob("BKT", "bkt", Case::Sensitive));
    }

    #[test]
    fn literal_star_token_is_not_a_wildcard() {
        assert!(matches(&[Tok::Lit("a*")], "a*", Case::Sensitive));
        assert!(!matches(&[Tok::Lit("a*")], "ab", Case::Sensitive));
    }

    /// Reference implementation: naive recursion on chars.
    fn naive(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|i| naive(&p[1..], &t[i..])),
            Some('?') => !t.is_empty() && naive(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && naive(&p[1..], &t[1..]),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_naive(p in "[ab*?]{0,8}", t in "[ab]{0,10}") {
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            prop_assert_eq!(glob(&p, &t, Case::Sensitive), naive(&pc, &tc));
        }
    }
}
