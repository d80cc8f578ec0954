//! What the credentials a user holds on its own record share (signing certificates, SSH public
//! keys, service-specific credentials, the login profile): finding the user an operation
//! targets (the caller itself when `UserName` is left out), saving its record, and changing the
//! status of one credential or removing it.

use super::entity::{existing, put, required};
use super::errors::{store_error, validation};
use super::names::check_name;
use super::records::StoredUser;
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind};
use rampart_store::Batch;
use serde_json::{Value, json};

/// A credential held in a list on its user's record.
pub(crate) trait Held {
    /// Its id.
    fn id(&self) -> &str;
    /// Sets its status (`Active` or `Inactive`).
    fn set_status(&mut self, status: &str);
}

/// The user an operation targets: `UserName`, else the calling IAM user, with the record's
/// version; `max_name` is the model's longest `UserName` for the operation.
pub(crate) fn target(
    call: &Call<'_>,
    input: &Value,
    max_name: usize,
) -> Result<(StoredUser, u64), AwsError> {
    let name = match (
        input.get("UserName").and_then(Value::as_str),
        &call.principal.kind,
    ) {
        (Some(name), _) => name.to_owned(),
        (None, PrincipalKind::User { name, .. }) => name.clone(),
        (None, _) => required(input, "UserName", "userName")?.to_owned(),
    };
    check_name(&name, "userName", max_name)?;
    existing::<StoredUser>(call, &name)
}

/// Writes the user's record if it is still at `version`.
pub(crate) fn save(call: &Call<'_>, user: &StoredUser, version: u64) -> Result<(), AwsError> {
    let batch = put(Batch::new(), call, user, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(())
}

/// The `Status` member: `Active` or `Inactive`.
fn status(input: &Value) -> Result<&str, AwsError> {
    let status = required(input, "Status", "status")?;
    if !matches!(status, "Active" | "Inactive") {
        return Err(validation(format!(
            "1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
        )));
    }
    Ok(status)
}

/// Sets the status of the credential `id` that `items` picks from `user` and saves the user.
pub(crate) fn update_status<T: Held>(
    call: &Call<'_>,
    input: &Value,
    (mut user, version): (StoredUser, u64),
    id: &str,
    items: impl FnOnce(&mut StoredUser) -> &mut Vec<T>,
    missing: impl FnOnce(&str) -> AwsError,
) -> Result<Value, AwsError> {
    let status = status(input)?;
    let item = items(&mut user)
        .iter_mut()
        .find(|c| c.id() == id)
        .ok_or_else(|| missing(id))?;
    item.set_status(status);
    save(call, &user, version)?;
    Ok(json!({}))
}

/// Removes the credential `id` that `items` picks from `user` and saves the user.
pub(crate) fn remove<T: Held>(
    call: &Call<'_>,
    (mut user, version): (StoredUser, u64),
    id: &str,
    items: impl FnOnce(&mut StoredUser) -> &mut Vec<T>,
    missing: impl FnOnce(&str) -> AwsError,
) -> Result<Value, AwsError> {
    let list = items(&mut user);
    let before = list.len();
    list.retain(|c| c.id() != id);
    if list.len() == before {
        return Err(missing(id));
    }
    save(call, &user, version)?;
    Ok(json!({}))
}
