//! Event bus policies: PutPermission (a statement letting an account, or everyone in an
//! organization, put events on the bus; or a whole policy) and RemovePermission. The policy is
//! the bus's resource policy when PutEvents is authorized, so another account may put events
//! on the bus exactly when the policy allows it (and its own policies allow it too).

use crate::errors::{self, validation};
use crate::records::{self, BUS_TABLE, Home};
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

const SERVICE: &str = "events";

/// Registers PutPermission and RemovePermission.
pub(crate) fn register(registry: &mut Registry) {
    registry.register(SERVICE, "PutPermission", false, put_permission);
    registry.register(SERVICE, "RemovePermission", false, remove_permission);
}

fn str_member<'v>(input: &'v Value, name: &str) -> Option<&'v str> {
    input.get(name).and_then(Value::as_str)
}

/// `policy` if it is a valid resource policy.
fn checked(policy: String) -> Result<String, AwsError> {
    Policy::parse(&policy, PolicyKind::Resource)
        .map_err(|e| validation(format!("The policy is not valid: {e}")))?;
    Ok(policy)
}

/// The statement PutPermission's `Action`, `Principal`, `StatementId` and `Condition` describe.
fn statement(home: &Home, bus_arn: &str, input: &Value) -> Result<(String, Value), AwsError> {
    let sid = str_member(input, "StatementId").unwrap_or_default();
    let sid_ok = !sid.is_empty()
        && sid.len() <= 64
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !sid_ok {
        return Err(validation(format!(
            "1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
        )));
    }
    let action = str_member(input, "Action").unwrap_or("events:PutEvents");
    if action != "events:PutEvents" {
        return Err(validation(format!(
            "Provided value in parameter 'action' is not supported: {action}"
        )));
    }
    let principal = str_member(input, "Principal").unwrap_or_default();
    let principal = match principal {
        "*" => json!("*"),
        account if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) => {
            json!({ "AWS": format!("arn:{}:iam::{account}:root", home.partition) })
        }
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\d{{12}}|\\*)"
            )));
        }
    };
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": bus_arn,
    });
    if let Some(condition) = input.get("Condition").filter(|c| !c.is_null()) {
        let (kind, key, value) = (
            str_member(condition, "Type").unwrap_or_default(),
            str_member(condition, "Key").unwrap_or_default(),
            str_member(condition, "Value").unwrap_or_default(),
        );
        if kind != "StringEquals" || key != "aws:PrincipalOrgID" || value.is_empty() {
            return Err(validation(
                "The only supported Condition is {\"Type\": \"StringEquals\", \"Key\": \"aws:PrincipalOrgID\", \"Value\": <organization id>}.",
            ));
        }
        statement["Condition"] = json!({ kind: { key: value } });
    }
    Ok((sid.to_owned(), statement))
}

/// The statements of a stored policy document.
fn statements(policy: Option<&str>) -> Vec<Value> {
    let document: Value = policy
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or(Value::Null);
    match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => Vec::new(),
    }
}

fn document(statements: Vec<Value>) -> Option<String> {
    (!statements.is_empty())
        .then(|| json!({ "Version": "2012-10-17", "Statement": statements }).to_string())
}

fn put_permission(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let name = records::local_bus(&home, str_member(&input, "EventBusName"))?;
    let (mut bus, version) = home
        .find_bus(store, &name)?
        .ok_or_else(|| errors::no_bus(&name))?;
    bus.policy = match str_member(&input, "Policy") {
        Some(policy) => Some(checked(policy.to_owned())?),
        None => {
            let (sid, new) = statement(&home, &bus.arn, &input)?;
            let mut list = statements(bus.policy.as_deref());
            list.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(sid.as_str()));
            list.push(new);
            document(list).map(checked).transpose()?
        }
    };
    records::save(
        store,
        home.key(BUS_TABLE, &name),
        &bus,
        records::expect(version),
    )?;
    Ok(json!({}))
}

fn remove_permission(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let name = records::local_bus(&home, str_member(&input, "EventBusName"))?;
    let (mut bus, version) = home
        .find_bus(store, &name)?
        .ok_or_else(|| errors::no_bus(&name))?;
    if input.get("RemoveAllPermissions").and_then(Value::as_bool) == Some(true) {
        bus.policy = None;
    } else {
        let sid = str_member(&input, "StatementId").unwrap_or_default();
        let mut list = statements(bus.policy.as_deref());
        let before = list.len();
        list.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(sid));
        if list.len() == before {
            return Err(errors::not_found(
                "Statement with the provided id does not exist.",
            ));
        }
        bus.policy = document(list);
    }
    records::save(
        store,
        home.key(BUS_TABLE, &name),
        &bus,
        records::expect(version),
    )?;
    Ok(json!({}))
}

/// The resource policy of the bus `name` in `home`, for authorization.
pub(crate) fn bus_policy(
    store: &dyn rampart_store::Store,
    home: &Home,
    name: &str,
) -> Result<Option<Policy>, AwsError> {
    let policy = home.find_bus(store, name)?.and_then(|(bus, _)| bus.policy);
    Ok(policy.and_then(|p| Policy::parse_stored(&p, PolicyKind::Resource).ok()))
}
