//! Account properties (GetAccountProperties, PutAccountProperties): account-wide settings
//! keyed `Namespace/PropertyName`, one namespace per write, kept in the account's IAM record.

use super::errors::{invalid_input, store_error, validation};
use super::passwords::ACCOUNT_TABLE;
use super::records::get_record;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, Expect, Key, space};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const PROPERTIES_KEY: &str = "properties";

/// The account's properties by key.
type Properties = BTreeMap<String, String>;

fn key(call: &Call<'_>) -> Key {
    Key::new(
        space::account(&call.principal.account),
        ACCOUNT_TABLE,
        PROPERTIES_KEY.to_owned(),
    )
}

/// `^[A-Za-z][A-Za-z0-9/_-]*$`, 1 to 50 characters.
fn valid_key(k: &str) -> bool {
    let mut bytes = k.bytes();
    (1..=50).contains(&k.len())
        && bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
}

/// The namespace of a `Namespace/PropertyName` key.
fn namespace(k: &str) -> Option<&str> {
    k.split_once('/')
        .filter(|(ns, name)| !ns.is_empty() && !name.is_empty())
        .map(|(ns, _)| ns)
}

/// The properties a request puts, checked: keys and values within the model's constraints,
/// every key `Namespace/PropertyName`, all of one namespace.
pub(crate) fn checked(input: &Value) -> Result<Properties, AwsError> {
    let Some(map) = input.get("Properties").and_then(Value::as_object) else {
        return Err(validation(
            "1 validation error detected: Value null at 'properties' failed to satisfy constraint: Member must not be null",
        ));
    };
    if map.is_empty() {
        return Err(invalid_input("Properties must not be empty."));
    }
    let mut out = BTreeMap::new();
    let mut seen_namespace: Option<&str> = None;
    for (k, v) in map {
        let value = v.as_str().unwrap_or_default();
        if !valid_key(k) {
            return Err(validation(format!(
                "1 validation error detected: Value '{k}' at 'properties' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: ^[A-Za-z][A-Za-z0-9/_-]*$]"
            )));
        }
        if !(1..=1024).contains(&value.chars().count()) {
            return Err(validation(format!(
                "1 validation error detected: Value at 'properties.{k}' failed to satisfy constraint: Member must have length between 1 and 1024"
            )));
        }
        let Some(ns) = namespace(k) else {
            return Err(invalid_input(format!(
                "Property key {k} must be in the format Namespace/PropertyName."
            )));
        };
        match seen_namespace {
            Some(first) if first != ns => {
                return Err(invalid_input(
                    "All properties in a request must belong to the same namespace.",
                ));
            }
            _ => seen_namespace = Some(ns),
        }
        out.insert(k.clone(), value.to_owned());
    }
    Ok(out)
}

fn stored(call: &Call<'_>) -> Result<Option<(Properties, u64)>, AwsError> {
    get_record(call.env.store.as_ref(), &key(call)).map_err(store_error)
}

fn get_properties(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let properties = stored(call)?.map(|(p, _)| p).unwrap_or_default();
    let map: Map<String, Value> = properties
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok(json!({ "Properties": map }))
}

fn put_properties(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let new = checked(&input)?;
    let (mut properties, expect) = match stored(call)? {
        Some((p, version)) => (p, Expect::Version(version)),
        None => (BTreeMap::new(), Expect::Absent),
    };
    properties.extend(new);
    let bytes = serde_json::to_vec(&properties).map_err(|_| rampart_service::internal_error())?;
    call.env
        .store
        .commit(Batch::new().put_if(key(call), bytes, expect))
        .map_err(store_error)?;
    Ok(json!({}))
}

/// The namespaces a request's properties name (`iam:AccountPropertyNamespaces`).
pub(crate) fn namespaces(input: &Value) -> Vec<String> {
    let mut out: Vec<String> = input
        .get("Properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
        .filter_map(|k| namespace(k).map(str::to_owned))
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "GetAccountProperties", true, get_properties);
    registry.register("iam", "PutAccountProperties", false, put_properties);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_model_pattern_and_name_a_namespace() {
        assert!(valid_key("RoleManager/Enabled"));
        assert!(!valid_key("1abc"));
        assert!(!valid_key("a b"));
        assert_eq!(namespace("RoleManager/Enabled"), Some("RoleManager"));
        assert_eq!(namespace("RoleManager"), None);
        assert_eq!(namespace("/x"), None);
    }

    #[test]
    fn one_write_names_one_namespace() {
        let ok = json!({"Properties": {"A/x": "1", "A/y": "true"}});
        assert_eq!(checked(&ok).unwrap().len(), 2);
        let mixed = json!({"Properties": {"A/x": "1", "B/y": "2"}});
        assert_eq!(&*checked(&mixed).unwrap_err().code, "InvalidInput");
        let bare = json!({"Properties": {"x": "1"}});
        assert_eq!(&*checked(&bare).unwrap_err().code, "InvalidInput");
        let long = json!({"Properties": {"A/x": "v".repeat(1025)}});
        assert_eq!(&*checked(&long).unwrap_err().code, "ValidationError");
        assert_eq!(namespaces(&mixed), vec!["A", "B"]);
    }
}
