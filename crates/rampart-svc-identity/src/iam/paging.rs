//! IAM's `Marker`/`MaxItems` paging over an ordered listing.

use super::errors::invalid_input;
use rampart_protocol::AwsError;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The paging members of IAM's List* operations, with `PathPrefix` where one applies.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PageInput {
    /// Only entities whose path starts with it (`/` when absent).
    pub path_prefix: Option<String>,
    /// Where the previous page ended.
    pub marker: Option<String>,
    /// The largest page wanted.
    pub max_items: Option<i64>,
}

/// One page of `items`, each with its (unique, ascending) sort key. The marker is the sort key
/// of the first item of the next page. Adds `IsTruncated` and `Marker` to `output`.
pub(crate) fn page<T>(
    items: Vec<(String, T)>,
    marker: Option<&str>,
    max_items: usize,
    output: &mut Map<String, Value>,
) -> Result<Vec<T>, AwsError> {
    let start = match marker {
        None => 0,
        Some(m) => items
            .iter()
            .position(|(k, _)| k.as_str() >= m)
            .unwrap_or(items.len()),
    };
    if marker.is_some_and(|m| m.is_empty()) {
        return Err(invalid_input("Invalid Marker."));
    }
    let mut rest = items.into_iter().skip(start);
    let page: Vec<T> = rest.by_ref().take(max_items).map(|(_, v)| v).collect();
    match rest.next() {
        Some((next, _)) => {
            output.insert("IsTruncated".into(), Value::Bool(true));
            output.insert("Marker".into(), Value::String(next));
        }
        None => {
            output.insert("IsTruncated".into(), Value::Bool(false));
        }
    }
    Ok(page)
}

/// One page of `items` that belong to several lists of one output (`(list name, item)` with
/// the sort key across all of them): the output with each of `lists`, in order, holding its
/// items of the page (empty if none), plus `IsTruncated` and `Marker`.
pub(crate) fn page_of_lists(
    items: Vec<(String, (&'static str, Value))>,
    marker: Option<&str>,
    max_items: usize,
    lists: &[&str],
) -> Result<Value, AwsError> {
    let mut output = Map::new();
    let entries = page(items, marker, max_items, &mut output)?;
    for &list in lists {
        let members: Vec<Value> = entries
            .iter()
            .filter(|(name, _)| *name == list)
            .map(|(_, v)| v.clone())
            .collect();
        output.insert(list.into(), Value::Array(members));
    }
    Ok(Value::Object(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_resume_at_the_marker() {
        let items: Vec<(String, u32)> = (0..5).map(|i| (format!("k{i}"), i)).collect();
        let mut out = Map::new();
        let first = page(items.clone(), None, 2, &mut out).unwrap();
        assert_eq!(first, vec![0, 1]);
        assert_eq!(out["IsTruncated"], true);
        let marker = out["Marker"].as_str().unwrap().to_owned();
        let mut out = Map::new();
        assert_eq!(
            page(items.clone(), Some(&marker), 2, &mut out).unwrap(),
            vec![2, 3]
        );
        let marker = out["Marker"].as_str().unwrap().to_owned();
        let mut out = Map::new();
        assert_eq!(page(items, Some(&marker), 2, &mut out).unwrap(), vec![4]);
        assert_eq!(out["IsTruncated"], false);
        assert!(out.get("Marker").is_none());
    }

    proptest::proptest! {
        #[test]
        fn following_markers_visits_every_item_once(n in 0usize..60, size in 1usize..10) {
            let items: Vec<(String, usize)> = (0..n).map(|i| (format!("k{i:03}"), i)).collect();
            let mut seen = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                let mut out = Map::new();
                seen.extend(page(items.clone(), marker.as_deref(), size, &mut out).unwrap());
                match out.get("Marker") {
                    Some(m) => marker = m.as_str().map(str::to_owned),
                    None => break,
                }
            }
            proptest::prop_assert_eq!(seen, (0..n).collect::<Vec<_>>());
        }
    }
}
