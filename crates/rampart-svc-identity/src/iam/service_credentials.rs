//! Service-specific credentials (user name and password for CodeCommit, Amazon Keyspaces,
//! Bedrock): CreateServiceSpecificCredential, ResetServiceSpecificCredential,
//! UpdateServiceSpecificCredential, DeleteServiceSpecificCredential and
//! ListServiceSpecificCredentials. The password is shown once, when made; rampart keeps only
//! its salted hash.

use super::entity::required;
use super::errors::{limit_exceeded, model_error, no_such_entity, store_error, validation};
use super::held;
use super::names::max_items;
use super::paging::page;
use super::passwords::PasswordHash;
use super::records::{StoredUser, USER_TABLE, list, new_unique_id};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input, internal_error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

/// The services that accept service-specific credentials.
const SERVICES: [&str; 3] = [
    "codecommit.amazonaws.com",
    "cassandra.amazonaws.com",
    "bedrock.amazonaws.com",
];
/// AWS's quota of credentials per user and service.
const PER_USER_AND_SERVICE: usize = 2;
const PASSWORD_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A service-specific credential of a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceCredential {
    /// `ACCA` and 16 base32 characters.
    pub id: String,
    pub service_name: String,
    pub service_user_name: String,
    pub password: PasswordHash,
    /// `Active` or `Inactive`.
    pub status: String,
    pub create_date: f64,
    pub expiration_date: Option<f64>,
}

/// The user the input names, else the calling user.
fn target(call: &Call<'_>, input: &Value) -> Result<(StoredUser, u64), AwsError> {
    held::target(call, input, 64)
}

fn metadata(user: &str, c: &ServiceCredential) -> Value {
    let mut v = json!({
        "UserName": user,
        "Status": c.status,
        "ServiceUserName": c.service_user_name,
        "CreateDate": c.create_date,
        "ServiceSpecificCredentialId": c.id,
        "ServiceName": c.service_name,
    });
    if let Some(expiration) = c.expiration_date {
        v["ExpirationDate"] = json!(expiration);
    }
    v
}

/// The full `ServiceSpecificCredential`, with the password that was just made.
fn with_password(user: &str, c: &ServiceCredential, password: &str) -> Value {
    let mut v = metadata(user, c);
    v["ServicePassword"] = json!(password);
    json!({ "ServiceSpecificCredential": v })
}

fn new_password() -> Result<Zeroizing<String>, AwsError> {
    rampart_crypto::random_token(PASSWORD_ALPHABET, 44)
        .map(Zeroizing::new)
        .ok_or_else(internal_error)
}

fn not_supported(service: &str) -> AwsError {
    model_error(
        "ServiceNotSupportedException",
        format!("No such service {service} is supported for Service-Specific Credentials"),
    )
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut user, version) = target(call, &input)?;
    let service = required(&input, "ServiceName", "serviceName")?.to_owned();
    if !SERVICES.contains(&service.as_str()) {
        return Err(not_supported(&service));
    }
    let age = input.get("CredentialAgeDays").and_then(Value::as_i64);
    if let Some(days) = age
        && !(1..=36_600).contains(&days)
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{days}' at 'credentialAgeDays' failed to satisfy constraint: Member must have value between 1 and 36600"
        )));
    }
    let same_service = user
        .service_credentials
        .iter()
        .filter(|c| c.service_name == service)
        .count();
    if same_service >= PER_USER_AND_SERVICE {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {PER_USER_AND_SERVICE}"
        )));
    }
    let password = new_password()?;
    let now = rampart_service::epoch_seconds(call.env.clock.now());
    let credential = ServiceCredential {
        id: new_unique_id("ACCA").map_err(store_error)?,
        service_user_name: format!("{}-at-{}", user.name, call.principal.account),
        service_name: service,
        password: PasswordHash::new(&password)?,
        status: "Active".into(),
        create_date: now,
        expiration_date: age.map(|days| now + days as f64 * 86_400.0),
    };
    let out = with_password(&user.name, &credential, &password);
    user.service_credentials.push(credential);
    held::save(call, &user, version)?;
    Ok(out)
}

fn not_found(id: &str) -> AwsError {
    no_such_entity(format!(
        "No such credential {id} exists for the specified user."
    ))
}

/// The credential the input's `ServiceSpecificCredentialId` names.
fn credential_id(input: &Value) -> Result<&str, AwsError> {
    required(
        input,
        "ServiceSpecificCredentialId",
        "serviceSpecificCredentialId",
    )
}

fn reset(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut user, version) = target(call, &input)?;
    let id = credential_id(&input)?;
    let password = new_password()?;
    let hash = PasswordHash::new(&password)?;
    let credential = user
        .service_credentials
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found(id))?;
    credential.password = hash;
    let out = with_password(&user.name, credential, &password);
    held::save(call, &user, version)?;
    Ok(out)
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let user = target(call, &input)?;
    let id = credential_id(&input)?;
    held::update_status(
        call,
        &input,
        user,
        id,
        |u| &mut u.service_credentials,
        not_found,
    )
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let user = target(call, &input)?;
    let id = credential_id(&input)?;
    held::remove(call, user, id, |u| &mut u.service_credentials, not_found)
}

impl held::Held for ServiceCredential {
    fn id(&self) -> &str {
        &self.id
    }

    fn set_status(&mut self, status: &str) {
        self.status = status.to_owned();
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    service_name: Option<String>,
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_credentials(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let users: Vec<StoredUser> = if input.get("AllUsers").and_then(Value::as_bool) == Some(true) {
        list(call.env.store.as_ref(), &call.principal.account, USER_TABLE).map_err(store_error)?
    } else {
        vec![target(call, &input)?.0]
    };
    let input: ListInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    if let Some(service) = &input.service_name
        && !SERVICES.contains(&service.as_str())
    {
        return Err(not_supported(service));
    }
    let mut items = Vec::new();
    for user in &users {
        for c in &user.service_credentials {
            if input
                .service_name
                .as_ref()
                .is_none_or(|s| *s == c.service_name)
            {
                items.push((
                    format!("{}/{}", user.name.to_lowercase(), c.id),
                    metadata(&user.name, c),
                ));
            }
        }
    }
    let mut output = Map::new();
    let listed = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("ServiceSpecificCredentials".into(), Value::Array(listed));
    Ok(Value::Object(output))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateServiceSpecificCredential", false, create);
    registry.register("iam", "ResetServiceSpecificCredential", false, reset);
    registry.register("iam", "UpdateServiceSpecificCredential", false, update);
    registry.register("iam", "DeleteServiceSpecificCredential", false, delete);
    registry.register(
        "iam",
        "ListServiceSpecificCredentials",
        true,
        list_credentials,
    );
}
