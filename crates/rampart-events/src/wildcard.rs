//! `wildcard` patterns: `*` stands for any run of characters (none included); `\*` is a literal
//! asterisk and `\\` a literal backslash. Two consecutive `*` and any other escape are refused
//! with EventBridge's reasons, whose positions count the bytes of the value as the rule engine
//! sees it: quoted, so the first character is at position 1.

use crate::error::{PatternError, refuse};

/// One element of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters.
    Any,
    /// A character that must be there.
    Char(char),
}

/// A parsed wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wildcard {
    tokens: Vec<Token>,
}

impl Wildcard {
    /// Parses `text`, refusing consecutive wildcards and escapes of anything but `*` and `\`.
    pub(crate) fn parse(text: &str) -> Result<Wildcard, PatternError> {
        let mut tokens = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            // The rule engine sees the value quoted: byte positions are one further.
            let pos = at + 1;
            match c {
                '*' => {
                    if matches!(chars.peek(), Some((_, '*'))) {
                        return refuse(format!("Consecutive wildcard characters at pos {pos}"));
                    }
                    tokens.push(Token::Any);
                }
                '\\' => match chars.peek() {
                    Some(&(_, next @ ('*' | '\\'))) => {
                        tokens.push(Token::Char(next));
                        chars.next();
                    }
                    _ => return refuse(format!("Invalid escape character at pos {pos}")),
                },
                other => tokens.push(Token::Char(other)),
            }
        }
        Ok(Wildcard { tokens })
    }

    /// Whether `value` fits the pattern, in time proportional to the product of the lengths
    /// at worst (greedy with one backtracking point).
    pub(crate) fn matches(&self, value: &str) -> bool {
        let value: Vec<char> = value.chars().collect();
        let (mut p, mut v) = (0, 0);
        let mut resume: Option<(usize, usize)> = None;
        while v < value.len() {
            match self.tokens.get(p) {
                Some(Token::Char(c)) if *c == value[v] => {
                    p += 1;
                    v += 1;
                }
                Some(Token::Any) => {
                    resume = Some((p, v));
                    p += 1;
                }
                _ => match resume {
                    Some((star, from)) => {
                        p = star + 1;
                        v = from + 1;
                        resume = Some((star, from + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|t| *t == Token::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(text: &str) -> Wildcard {
        Wildcard::parse(text).unwrap()
    }

    #[test]
    fn stars_match_any_run() {
        assert!(w("*/lib/*").matches("/usr/lib/x.so"));
        assert!(w("*/lib/*").matches("/lib/"));
        assert!(!w("*/lib/*").matches("/usr/bin/x"));
        assert!(w("dir/*.png").matches("dir/a.png"));
        assert!(w("dir/*.png").matches("dir/.png"));
        assert!(!w("dir/*.png").matches("dir/a.jpg"));
        assert!(w("*").matches(""));
        assert!(w("a*b*c").matches("abbbc"));
        assert!(!w("a*b*c").matches("acb"));
        assert!(w("").matches(""));
        assert!(!w("").matches("a"));
    }

    #[test]
    fn escapes_are_literal() {
        assert!(w(r"a\*b").matches("a*b"));
        assert!(!w(r"a\*b").matches("axb"));
        assert!(w(r"a\\b").matches(r"a\b"));
    }

    #[test]
    fn refusals_name_the_quoted_position() {
        assert_eq!(
            Wildcard::parse("ab**").unwrap_err().reason(),
            "Consecutive wildcard characters at pos 3"
        );
        assert_eq!(
            Wildcard::parse(r"a\b").unwrap_err().reason(),
            "Invalid escape character at pos 2"
        );
        assert_eq!(
            Wildcard::parse("x\\").unwrap_err().reason(),
            "Invalid escape character at pos 2"
        );
    }

    /// A dynamic-programming oracle over the same tokens.
    fn oracle(tokens: &[Token], value: &[char]) -> bool {
        let mut dp = vec![vec![false; value.len() + 1]; tokens.len() + 1];
        dp[0][0] = true;
        for i in 1..=tokens.len() {
            for j in 0..=value.len() {
                dp[i][j] = match &tokens[i - 1] {
                    Token::Any => dp[i - 1][j] || (j > 0 && dp[i][j - 1]),
                    Token::Char(c) => j > 0 && value[j - 1] == *c && dp[i - 1][j - 1],
                };
            }
        }
        dp[tokens.len()][value.len()]
    }

    proptest! {
        #[test]
        fn agrees_with_the_oracle(pattern in "[ab*]{0,8}", value in "[ab]{0,10}") {
            if let Ok(parsed) = Wildcard::parse(&pattern) {
                let chars: Vec<char> = value.chars().collect();
                prop_assert_eq!(parsed.matches(&value), oracle(&parsed.tokens, &chars));
            } else {
                prop_assert!(pattern.contains("**"));
            }
        }

        #[test]
        fn never_panics(pattern in "\\PC{0,20}", value in "\\PC{0,20}") {
            if let Ok(parsed) = Wildcard::parse(&pattern) {
                let _ = parsed.matches(&value);
            }
        }
    }
}
