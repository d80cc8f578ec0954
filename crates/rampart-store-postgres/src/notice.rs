//! The payload of the store's notifications: what a commit changed, or a sync token.
//!
//! Payloads are text (PostgreSQL limits them to just under 8000 bytes). A change lists the
//! tables it touched as length-prefixed strings, so any UTF-8 name (spaces, newlines, colons)
//! survives; a change too large to list says "every table".

/// The channel every store of one database notifies on.
pub(crate) const CHANNEL: &str = "rampart_store";

/// Longest payload this crate sends; PostgreSQL's limit is 8000 bytes.
const MAX_PAYLOAD: usize = 7900;

/// One notification, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notice {
    /// A commit by store handle `from` changed these (space, table) pairs (`None`: any table).
    Changed {
        /// The handle that committed.
        from: String,
        /// The tables it changed, or `None` for "every table".
        tables: Option<Vec<(String, String)>>,
    },
    /// A sync token sent by handle `from`: every commit before it has been delivered.
    Token {
        /// The handle that sent it.
        from: String,
        /// Its number, increasing per handle.
        token: u64,
    },
}

impl Notice {
    /// The payload text of this notice.
    pub(crate) fn encode(&self) -> String {
        match self {
            Notice::Token { from, token } => format!("t {from} {token}"),
            Notice::Changed { from, tables } => {
                let mut out = format!("c {from}");
                if let Some(tables) = tables {
                    out.push(' ');
                    for (space, table) in tables {
                        if space.contains('\0') || table.contains('\0') {
                            // PostgreSQL text cannot hold NUL: say "every table".
                            return format!("c {from} *");
                        }
                        for part in [space, table] {
                            out.push_str(&part.len().to_string());
                            out.push(':');
                            out.push_str(part);
                        }
                        if out.len() > MAX_PAYLOAD {
                            return format!("c {from} *");
                        }
                    }
                } else {
                    out.push_str(" *");
                }
                out
            }
        }
    }

    /// Decodes a payload; `None` for text this crate did not write.
    pub(crate) fn decode(payload: &str) -> Option<Notice> {
        let (kind, rest) = payload.split_once(' ')?;
        match kind {
            "t" => {
                let (from, token) = rest.split_once(' ')?;
                Some(Notice::Token {
                    from: from.to_owned(),
                    token: token.parse().ok()?,
                })
            }
            "c" => {
                let (from, list) = rest.split_once(' ')?;
                let from = from.to_owned();
                if list == "*" {
                    return Some(Notice::Changed { from, tables: None });
                }
                let mut tables = Vec::new();
                let mut rest = list;
                while !rest.is_empty() {
                    let (space, after) = take_part(rest)?;
                    let (table, after) = take_part(after)?;
                    tables.push((space.to_owned(), table.to_owned()));
                    rest = after;
                }
                Some(Notice::Changed {
                    from,
                    tables: Some(tables),
                })
            }
            _ => None,
        }
    }
}

/// Splits `len:part` off the front of `text`.
fn take_part(text: &str) -> Option<(&str, &str)> {
    let (len, rest) = text.split_once(':')?;
    let len: usize = len.parse().ok()?;
    if !rest.is_char_boundary(len.min(rest.len())) || len > rest.len() {
        return None;
    }
    Some(rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tokens_and_changes_round_trip() {
        let token = Notice::Token {
            from: "abc".into(),
            token: 42,
        };
        assert_eq!(token.encode(), "t abc 42");
        assert_eq!(Notice::decode(&token.encode()), Some(token));
        let change = Notice::Changed {
            from: "abc".into(),
            tables: Some(vec![
                ("acct/1".into(), "iam.user".into()),
                ("".into(), "a:b 3".into()),
            ]),
        };
        assert_eq!(change.encode(), "c abc 6:acct/18:iam.user0:5:a:b 3");
        assert_eq!(Notice::decode(&change.encode()), Some(change));
    }

    #[test]
    fn too_many_tables_say_every_table() {
        let tables = (0..100)
            .map(|n| (format!("space-{n}"), "t".repeat(200)))
            .collect();
        let change = Notice::Changed {
            from: "h".into(),
            tables: Some(tables),
        };
        let payload = change.encode();
        assert!(payload.len() < 8000);
        assert_eq!(
            Notice::decode(&payload),
            Some(Notice::Changed {
                from: "h".into(),
                tables: None
            })
        );
    }

    #[test]
    fn a_name_with_nul_says_every_table() {
        let change = Notice::Changed {
            from: "h".into(),
            tables: Some(vec![("s".into(), "a\0b".into())]),
        };
        assert_eq!(change.encode(), "c h *");
    }

    #[test]
    fn foreign_payloads_are_ignored() {
        for payload in ["", "hello", "t abc x", "c abc 5:ab", "c abc 1:é", "x a b"] {
            assert_eq!(Notice::decode(payload), None, "{payload:?}");
        }
    }

    proptest! {
        /// Any names round-trip, except that a NUL anywhere says "every table".
        #[test]
        fn any_names_round_trip(tables in proptest::collection::vec((".{0,20}", ".{0,20}"), 0..8)) {
            let nul = tables.iter().any(|(s, t)| s.contains('\0') || t.contains('\0'));
            let change = Notice::Changed { from: "h".into(), tables: Some(tables) };
            let want = if nul {
                Notice::Changed { from: "h".into(), tables: None }
            } else {
                change.clone()
            };
            prop_assert_eq!(Notice::decode(&change.encode()), Some(want));
        }
    }
}
