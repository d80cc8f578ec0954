//! Turning a [`Scan`] into one SQL range query over the primary key.
//!
//! Only the bounds a scan needs appear in the statement, so each is an index condition:
//! a prefix is the range `[prefix, successor(prefix))`, and `start_after` tightens the
//! lower bound (ascending) or the upper bound (descending).

use rampart_store::Scan;

/// A range query: its SQL and its two optional id bounds (after space and table).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RangeQuery {
    /// The statement; parameters are space, table, then the bounds present, then the limit.
    pub(crate) sql: String,
    /// The id bounds, in the order of their placeholders.
    pub(crate) bounds: Vec<Vec<u8>>,
}

/// The smallest byte string greater than every string starting with `prefix`, if any.
fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut next = prefix.to_vec();
    while let Some(last) = next.pop() {
        if last < u8::MAX {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

/// The range query for `scan` (the caller handles a limit of 0).
pub(crate) fn range_query(scan: &Scan) -> RangeQuery {
    let prefix = scan.prefix.as_bytes();
    let after = scan.start_after.as_deref().map(str::as_bytes);
    let upper_of_prefix = successor(prefix);
    let mut conditions: Vec<(&str, Vec<u8>)> = Vec::new();
    if scan.reverse {
        if !prefix.is_empty() {
            conditions.push((">=", prefix.to_vec()));
        }
        let upper = match (upper_of_prefix, after) {
            (Some(end), Some(after)) => Some(end.min(after.to_vec())),
            (end, after) => end.or(after.map(<[u8]>::to_vec)),
        };
        if let Some(upper) = upper {
            conditions.push(("<", upper));
        }
    } else {
        match after {
            Some(after) if after >= prefix => conditions.push((">", after.to_vec())),
            _ if !prefix.is_empty() => conditions.push((">=", prefix.to_vec())),
            _ => {}
        }
        if let Some(end) = upper_of_prefix {
            conditions.push(("<", end));
        }
    }
    let mut sql =
        "SELECT id, version, value FROM rampart_items WHERE space = $1 AND tbl = $2".to_owned();
    let mut bounds = Vec::new();
    for (n, (op, bound)) in conditions.into_iter().enumerate() {
        sql.push_str(&format!(" AND id {op} ${}", n + 3));
        bounds.push(bound);
    }
    let order = if scan.reverse { "DESC" } else { "ASC" };
    sql.push_str(&format!(" ORDER BY id {order} LIMIT ${}", bounds.len() + 3));
    RangeQuery { sql, bounds }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_of_prefixes() {
        assert_eq!(successor(b""), None);
        assert_eq!(successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(successor(b"\xff\xff"), None);
    }

    #[test]
    fn whole_table_has_no_bounds() {
        let query = range_query(&Scan::all());
        assert_eq!(
            query.sql,
            "SELECT id, version, value FROM rampart_items WHERE space = $1 AND tbl = $2 \
             ORDER BY id ASC LIMIT $3"
        );
        assert!(query.bounds.is_empty());
    }

    #[test]
    fn prefix_and_cursor_ascending() {
        let query = range_query(&Scan::new("a/", 10).after("a/b"));
        assert!(
            query
                .sql
                .ends_with("AND id > $3 AND id < $4 ORDER BY id ASC LIMIT $5")
        );
        assert_eq!(query.bounds, vec![b"a/b".to_vec(), b"a0".to_vec()]);
        // A cursor before the prefix does not widen the range.
        let query = range_query(&Scan::new("b", 10).after("a"));
        assert!(query.sql.contains("AND id >= $3 AND id < $4"));
        assert_eq!(query.bounds, vec![b"b".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn prefix_and_cursor_descending() {
        let query = range_query(&Scan::new("a", 10).after("ab").reversed());
        assert!(
            query
                .sql
                .ends_with("AND id >= $3 AND id < $4 ORDER BY id DESC LIMIT $5")
        );
        assert_eq!(query.bounds, vec![b"a".to_vec(), b"ab".to_vec()]);
        let query = range_query(&Scan::all().after("m").reversed());
        assert!(query.sql.ends_with("AND id < $3 ORDER BY id DESC LIMIT $4"));
        assert_eq!(query.bounds, vec![b"m".to_vec()]);
    }
}
