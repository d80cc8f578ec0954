//! `Marker`/`PageSize` paging of Describe operations (the marker is an offset).

use crate::errors;
use rampart_protocol::AwsError;
use serde_json::{Value, json};

/// The page of `items` that `marker` and `page_size` (1-400) select, with `NextMarker` when
/// more remain, as `{<member>: [...], "NextMarker": ...}`.
pub(crate) fn page(
    member: &str,
    items: Vec<Value>,
    marker: Option<&str>,
    page_size: Option<i64>,
) -> Result<Value, AwsError> {
    let size = match page_size {
        None => 400,
        Some(n @ 1..=400) => n as usize,
        Some(_) => return Err(errors::validation("PageSize must be between 1 and 400")),
    };
    let start = match marker {
        None => 0,
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| errors::validation("The marker is not valid"))?,
    };
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    let mut out = json!({ member: page });
    if start + size < total {
        out["NextMarker"] = json!((start + size).to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_markers() {
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let p = page("X", items.clone(), None, Some(2)).unwrap();
        assert_eq!(p, json!({"X": [0, 1], "NextMarker": "2"}));
        let p = page("X", items.clone(), Some("4"), Some(2)).unwrap();
        assert_eq!(p, json!({"X": [4]}));
        assert!(page("X", items, None, Some(401)).is_err());
    }
}
