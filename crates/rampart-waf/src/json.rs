//! A small JSON walker for `JsonBody`: emits every key and scalar value with its path, and
//! reports where the document stopped being valid. Lenient where AWS's parser is (missing
//! commas, missing or extra colons); strict on anything else (invalid characters, duplicate
//! keys, truncation, a scalar root). Depth-limited and linear.

use std::collections::HashSet;

/// Deepest nesting walked; deeper documents count as invalid.
const MAX_DEPTH: usize = 64;

/// What the walker found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Walk {
    /// `(path, is_key, text)`: keys carry the path including themselves; values their own path.
    pub items: Vec<(Vec<Vec<u8>>, bool, Vec<u8>)>,
    /// The document is not valid JSON (the items are those before the error).
    pub invalid: bool,
}

/// Walks `doc`.
pub(crate) fn walk(doc: &[u8]) -> Walk {
    let mut p = Parser {
        s: doc,
        i: 0,
        path: Vec::new(),
        out: Walk::default(),
    };
    p.ws();
    let ok = matches!(p.peek(), Some(b'{' | b'[')) && p.value(0);
    p.ws();
    if !ok || p.i != p.s.len() {
        p.out.invalid = true;
    }
    p.out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    path: Vec<Vec<u8>>,
    out: Walk,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => match self.string() {
                Some(text) => {
                    self.out.items.push((self.path.clone(), false, text));
                    true
                }
                None => false,
            },
            Some(_) => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'a'..=b'z')
                ) {
                    self.i += 1;
                }
                let text = &self.s[start..self.i];
                let valid = matches!(text, b"true" | b"false" | b"null")
                    || (!text.is_empty()
                        && text
                            .iter()
                            .all(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')));
                if valid {
                    self.out
                        .items
                        .push((self.path.clone(), false, text.to_vec()));
                }
                valid
            }
            None => false,
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        self.i += 1;
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        if self.eat(b'}') {
            return true;
        }
        loop {
            self.ws();
            let Some(key) = self.string() else {
                return false;
            };
            if !seen.insert(key.clone()) {
                return false;
            }
            self.path.push(key.clone());
            self.out.items.push((self.path.clone(), true, key));
            // Lenient like AWS's parser: a missing colon or extra colons are tolerated.
            while self.eat(b':') {}
            let ok = self.value(depth + 1);
            self.path.pop();
            if !ok {
                return false;
            }
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                return true;
            }
            // A missing comma: the next key follows directly.
            self.ws();
            if self.peek() != Some(b'"') {
                return false;
            }
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.i += 1;
        if self.eat(b']') {
            return true;
        }
        let mut index = 0usize;
        loop {
            self.path.push(index.to_string().into_bytes());
            let ok = self.value(depth + 1);
            self.path.pop();
            if !ok {
                return false;
            }
            index += 1;
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return true;
            }
            // A missing comma: the next value follows directly.
            self.ws();
            if !matches!(
                self.peek(),
                Some(b'"' | b'{' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')
            ) {
                return false;
            }
        }
    }

    /// A string at the cursor, escapes decoded (`\uXXXX` as UTF-8).
    fn string(&mut self) -> Option<Vec<u8>> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.i += 1;
            match b {
                b'"' => return Some(out),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4)?;
                            let v = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                            self.i += 4;
                            let c = char::from_u32(v).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        b'"' | b'\\' | b'/' => out.push(e),
                        _ => return None,
                    }
                }
                b if b < 0x20 => return None,
                b => out.push(b),
            }
        }
    }
}

/// Parses a JSON Pointer (`/a/b~1c`) into segments; `/` alone and `` are the root.
pub(crate) fn pointer(p: &str) -> Vec<Vec<u8>> {
    if p.is_empty() || p == "/" {
        return Vec::new();
    }
    p.split('/')
        .skip(1)
        .map(|seg| seg.replace("~1", "/").replace("~0", "~").into_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(w: &Walk, keys: bool) -> Vec<String> {
        w.items
            .iter()
            .filter(|(_, k, _)| *k == keys)
            .map(|(_, _, t)| String::from_utf8_lossy(t).into_owned())
            .collect()
    }

    #[test]
    fn walks_keys_and_values_with_paths() {
        let w = walk(br#"{"a": {"b": [1, "x\u0041"]}, "c": true}"#);
        assert!(!w.invalid);
        assert_eq!(texts(&w, true), vec!["a", "b", "c"]);
        assert_eq!(texts(&w, false), vec!["1", "xA", "true"]);
        assert_eq!(
            w.items[3].0,
            vec![b"a".to_vec(), b"b".to_vec(), b"1".to_vec()]
        );
    }

    #[test]
    fn stops_at_the_first_error_and_keeps_what_came_before() {
        let w = walk(br#"{"a": "ok", "b": tru"#);
        assert!(w.invalid);
        assert_eq!(texts(&w, false), vec!["ok"]);
        assert!(
            walk(br#"{"a": 1, "a": 2}"#).invalid,
            "duplicate keys are invalid"
        );
        assert!(
            walk(b"\"scalar\"").invalid,
            "the root must be an object or array"
        );
    }

    #[test]
    fn tolerates_missing_commas_and_colons_like_aws() {
        let w = walk(br#"{"a" "x" "b":: 1 "c": [1 2 "y"]}"#);
        assert!(!w.invalid);
        assert_eq!(texts(&w, true), vec!["a", "b", "c"]);
        assert_eq!(texts(&w, false), vec!["x", "1", "1", "2", "y"]);
        assert!(walk(br#"{"a": 1 ? "b": 2}"#).invalid);
    }

    #[test]
    fn deep_nesting_is_invalid_not_a_stack_overflow() {
        let doc = "[".repeat(10_000);
        assert!(walk(doc.as_bytes()).invalid);
    }

    #[test]
    fn pointers() {
        assert_eq!(
            pointer("/a/b~1c/~0d"),
            vec![b"a".to_vec(), b"b/c".to_vec(), b"~d".to_vec()]
        );
        assert!(pointer("/").is_empty());
    }
}
