//! `Limit`/`NextToken` paging over a sorted list: the token is the last name of the page.

use crate::errors::validation;
use rampart_protocol::AwsError;
use serde_json::Value;

/// The most items a page holds when `Limit` is not given.
const DEFAULT_LIMIT: usize = 100;

/// One page of a list.
pub(crate) struct Page<'a, T> {
    /// The page's items.
    pub items: Vec<&'a T>,
    /// The token for the next page, when there is one.
    pub next_token: Option<String>,
}

/// The page of `items` (sorted by `name`) that `input`'s `Limit` and `NextToken` select.
pub(crate) fn page<'a, T>(
    items: &'a [T],
    name: impl Fn(&T) -> &str,
    input: &Value,
) -> Result<Page<'a, T>, AwsError> {
    let limit = match input.get("Limit").and_then(Value::as_i64) {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => {
            return Err(validation(format!(
                "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100"
            )));
        }
    };
    let after = input.get("NextToken").and_then(Value::as_str);
    let start = match after {
        Some(token) => items
            .iter()
            .position(|i| name(i) > token)
            .unwrap_or(items.len()),
        None => 0,
    };
    let selected: Vec<&T> = items[start..].iter().take(limit).collect();
    let next_token = (start + selected.len() < items.len())
        .then(|| selected.last().map(|i| name(i).to_owned()))
        .flatten();
    Ok(Page {
        items: selected,
        next_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_follow_tokens() {
        let items = vec!["a", "b", "c"];
        let first = page(&items, |s| s, &json!({"Limit": 2})).unwrap();
        assert_eq!(first.items, vec![&"a", &"b"]);
        assert_eq!(first.next_token.as_deref(), Some("b"));
        let second = page(&items, |s| s, &json!({"Limit": 2, "NextToken": "b"})).unwrap();
        assert_eq!(second.items, vec![&"c"]);
        assert_eq!(second.next_token, None);
        assert!(page(&items, |s| s, &json!({"Limit": 0})).is_err());
    }
}
