//! Custom key stores of type AWS_CLOUDHSM over a PKCS #11 token (the CloudHSM analog):
//! CreateCustomKeyStore, DescribeCustomKeyStores, ConnectCustomKeyStore,
//! DisconnectCustomKeyStore, UpdateCustomKeyStore and DeleteCustomKeyStore, and the keys of
//! origin AWS_CLOUDHSM whose material opens only through the connected token.
//!
//! `CloudHsmClusterId` names the token (its label); `KeyStorePassword` is the token user's PIN,
//! kept sealed under the master key. Connecting happens at once (AWS connects in the
//! background and reports CONNECTING first). External key stores (XKS) are not supported.

use crate::errors;
use crate::key::{self, KEY_TABLE, KeyRecord, SealedMaterial};
use crate::keys::page_limit;
use crate::token::{self, Token};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::KeyMaterial;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key, Scan, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;

/// The table of custom key stores, id = the store id, in the account-and-Region space.
const STORE_TABLE: &str = "kms.custom-key-store";
const CONNECTED: &str = "CONNECTED";
const DISCONNECTED: &str = "DISCONNECTED";
const FAILED: &str = "FAILED";
/// AWS's quota of custom key stores per account and Region.
const MAX_STORES: usize = 10;

/// A stored custom key store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoreRecord {
    id: String,
    name: String,
    cluster_id: String,
    trust_anchor: String,
    /// The token user's PIN sealed under the master key, base64.
    sealed_password: String,
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_code: Option<String>,
    creation_date: f64,
}

impl StoreRecord {
    fn entry(&self) -> Value {
        let mut v = json!({
            "CustomKeyStoreId": self.id,
            "CustomKeyStoreName": self.name,
            "CloudHsmClusterId": self.cluster_id,
            "TrustAnchorCertificate": self.trust_anchor,
            "ConnectionState": self.state,
            "CreationDate": self.creation_date,
            "CustomKeyStoreType": "AWS_CLOUDHSM",
        });
        if let Some(code) = &self.error_code {
            v["ConnectionErrorCode"] = json!(code);
        }
        v
    }
}

/// The custom key store a KMS key lives in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InStore {
    pub store_id: String,
    pub cluster_id: String,
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "CreateCustomKeyStore", false, create);
    registry.register("kms", "DescribeCustomKeyStores", true, describe);
    registry.register("kms", "ConnectCustomKeyStore", false, connect);
    registry.register("kms", "DisconnectCustomKeyStore", false, disconnect);
    registry.register("kms", "UpdateCustomKeyStore", false, update);
    registry.register("kms", "DeleteCustomKeyStore", false, delete);
}

/// The accesses of the custom key store operations: none has a resource type.
pub(crate) fn accesses(action: &str) -> Vec<Access> {
    vec![Access::new(action, "*")]
}

fn not_found(id: &str) -> AwsError {
    AwsError::new(
        "CustomKeyStoreNotFoundException",
        400,
        format!("Custom key store '{id}' does not exist."),
    )
}

fn invalid_state(message: impl Into<String>) -> AwsError {
    AwsError::new("CustomKeyStoreInvalidStateException", 400, message)
}

fn store_key(call: &Call<'_>, id: &str) -> Key {
    Key::new(
        space::account_region(&call.principal.account, call.region),
        STORE_TABLE,
        id,
    )
}

fn all(call: &Call<'_>) -> Result<Vec<StoreRecord>, AwsError> {
    let space = space::account_region(&call.principal.account, call.region);
    call.env
        .store
        .scan(&space, STORE_TABLE, &Scan::all())
        .map_err(errors::store_failure)?
        .iter()
        .map(|item| {
            serde_json::from_slice(&item.value)
                .map_err(|_| errors::internal("stored custom key store does not parse"))
        })
        .collect()
}

fn load(call: &Call<'_>, id: &str) -> Result<(StoreRecord, u64), AwsError> {
    let item = call
        .env
        .store
        .get(&store_key(call, id))
        .map_err(errors::store_failure)?
        .ok_or_else(|| not_found(id))?;
    let record = serde_json::from_slice(&item.value)
        .map_err(|_| errors::internal("stored custom key store does not parse"))?;
    Ok((record, item.version))
}

fn save(call: &Call<'_>, record: &StoreRecord, expect: Expect) -> Result<(), AwsError> {
    let value = serde_json::to_vec(record)
        .map_err(|_| errors::internal("custom key store does not serialise"))?;
    call.env
        .store
        .commit(Batch::new().put_if(store_key(call, &record.id), value, expect))
        .map(|_| ())
        .map_err(|e| match e {
            rampart_store::StoreError::Conflict { .. } => {
                invalid_state("The custom key store changed during the request; retry it.")
            }
            e => errors::store_failure(e),
        })
}

fn password_context(id: &str) -> Vec<u8> {
    format!("rampart/kms/custom-key-store-password/{id}").into_bytes()
}

fn seal_password(call: &Call<'_>, id: &str, password: &str) -> Result<String, AwsError> {
    let sealed = call
        .env
        .master_key
        .seal(&password_context(id), password.as_bytes())
        .map_err(|_| errors::internal("sealing the key store password failed"))?;
    Ok(B64.encode(sealed))
}

fn check_password(password: &str) -> Result<(), AwsError> {
    if (7..=32).contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(errors::constraint(
            "keyStorePassword",
            "Member must have length between 7 and 32",
        ))
    }
}

fn check_cluster_id(cluster: &str) -> Result<(), AwsError> {
    let rest = cluster.strip_prefix("cluster-").unwrap_or_default();
    let ok = (11..=16).contains(&rest.len())
        && rest
            .chars()
            .all(|c| c.is_ascii_alphabetic() || ('2'..='7').contains(&c));
    if ok {
        Ok(())
    } else {
        Err(errors::validation(format!(
            "1 validation error detected: Value '{cluster}' at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{{11,16}}"
        )))
    }
}

/// Opens a session on the store's token with its sealed password.
fn open_token(call: &Call<'_>, record: &StoreRecord) -> Result<Token, token::ConnectError> {
    let sealed = B64
        .decode(&record.sealed_password)
        .map_err(|_| token::ConnectError::Internal)?;
    let password = call
        .env
        .master_key
        .open(&password_context(&record.id), &sealed)
        .map_err(|_| token::ConnectError::Internal)?;
    let password =
        String::from_utf8(password.to_vec()).map_err(|_| token::ConnectError::Internal)?;
    Token::connect(&token::module_path(), &record.cluster_id, &password)
}

/// The connected token of store `id`: the live session, or a new one when the store is
/// CONNECTED but this process has none yet (after a restart). Else the key is unavailable.
pub(crate) fn require_connected(call: &Call<'_>, id: &str) -> Result<Arc<Token>, AwsError> {
    if let Some(token) = token::of_store(id) {
        return Ok(token);
    }
    let unavailable = || {
        errors::invalid_state(format!(
            "The custom key store {id} is not connected; its KMS keys are unavailable."
        ))
    };
    let (record, _) = load(call, id).map_err(|_| unavailable())?;
    if record.state != CONNECTED {
        return Err(unavailable());
    }
    let token = open_token(call, &record).map_err(|_| unavailable())?;
    Ok(token::keep(id, token))
}

/// The associated data binding a sealed backing version to its key in the token.
fn token_aad(arn: &str, version: u32) -> Vec<u8> {
    format!("rampart/kms/custom-key-store/{arn}/{version}").into_bytes()
}

/// CreateKey in a custom key store: the store must be connected; makes the token key and the
/// key's first backing version sealed by it (then under the master key, as every material).
pub(crate) fn new_key(
    call: &Call<'_>,
    store_id: &str,
    key_id: &str,
    arn: &str,
    now: f64,
) -> Result<(InStore, SealedMaterial), AwsError> {
    let (record, _) = load(call, store_id)?;
    if record.state != CONNECTED {
        return Err(invalid_state(format!(
            "The custom key store {store_id} is not connected."
        )));
    }
    let token = require_connected(call, store_id)?;
    let id = key::id_bytes(key_id).ok_or_else(|| errors::internal("malformed key id"))?;
    token
        .generate_key(&id, &format!("kms-{key_id}"))
        .map_err(|_| errors::internal("the token did not make the key"))?;
    let material = KeyMaterial::generate().ok_or_else(|| errors::internal("randomness failed"))?;
    let wrapped = token
        .seal(&id, &token_aad(arn, 1), material.expose())
        .map_err(|_| errors::internal("the token did not seal the material"))?;
    let sealed = key::seal_bytes(call.env, arn, 1, &wrapped, now, None)?;
    Ok((
        InStore {
            store_id: store_id.to_owned(),
            cluster_id: record.cluster_id,
        },
        sealed,
    ))
}

/// Opens the token-sealed material of backing `version` of `record` (already opened from the
/// master key's seal).
pub(crate) fn open_material(
    call: &Call<'_>,
    record: &KeyRecord,
    store: &InStore,
    version: u32,
    wrapped: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, AwsError> {
    let token = require_connected(call, &store.store_id)?;
    let id = record.id_bytes()?;
    token
        .open(&id, &token_aad(&record.arn, version), wrapped)
        .map(zeroize::Zeroizing::new)
        .map_err(|_| errors::internal("the token did not open the material"))
}

/// `len` random bytes from the store's token (GenerateRandom with CustomKeyStoreId).
pub(crate) fn random(call: &Call<'_>, id: &str, len: usize) -> Result<Vec<u8>, AwsError> {
    load(call, id)?;
    let token = require_connected(call, id)
        .map_err(|_| invalid_state(format!("The custom key store {id} is not connected.")))?;
    token
        .random(len)
        .map_err(|_| errors::internal("the token did not make random bytes"))
}

/// Destroys the token key of a purged key of a store, when the store is connected here.
pub(crate) fn destroy_key(store: &InStore, key_id: &str) {
    if let (Some(token), Some(id)) = (token::of_store(&store.store_id), key::id_bytes(key_id))
        && token.destroy_key(&id).is_err()
    {
        tracing::warn!(
            key = key_id,
            "the token key of a purged KMS key was not destroyed"
        );
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    custom_key_store_name: String,
    cloud_hsm_cluster_id: Option<String>,
    trust_anchor_certificate: Option<String>,
    key_store_password: Option<String>,
    custom_key_store_type: Option<String>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "ValidationException")?;
    if input
        .custom_key_store_type
        .as_deref()
        .unwrap_or("AWS_CLOUDHSM")
        != "AWS_CLOUDHSM"
    {
        return Err(errors::unsupported(
            "External key stores (EXTERNAL_KEY_STORE) are not supported by this server.",
        ));
    }
    let required = |v: Option<String>, member: &str| {
        v.ok_or_else(|| {
            errors::validation(format!(
                "{member} is required for a custom key store of type AWS_CLOUDHSM."
            ))
        })
    };
    let cluster = required(input.cloud_hsm_cluster_id, "CloudHsmClusterId")?;
    let anchor = required(input.trust_anchor_certificate, "TrustAnchorCertificate")?;
    let password = required(input.key_store_password, "KeyStorePassword")?;
    check_cluster_id(&cluster)?;
    check_password(&password)?;
    if input.custom_key_store_name.is_empty() || input.custom_key_store_name.len() > 256 {
        return Err(errors::constraint(
            "customKeyStoreName",
            "Member must have length between 1 and 256",
        ));
    }
    let stores = all(call)?;
    if stores.iter().any(|s| s.name == input.custom_key_store_name) {
        return Err(AwsError::new(
            "CustomKeyStoreNameInUseException",
            400,
            format!(
                "The custom key store name {} is already in use.",
                input.custom_key_store_name
            ),
        ));
    }
    if stores.iter().any(|s| s.cluster_id == cluster) {
        return Err(AwsError::new(
            "CloudHsmClusterInUseException",
            400,
            format!("The cluster {cluster} is already associated with a custom key store."),
        ));
    }
    if stores.len() >= MAX_STORES {
        return Err(errors::limit_exceeded(
            "The request was rejected because a quota was exceeded: custom key stores per account and Region.",
        ));
    }
    let suffix =
        rampart_crypto::random_bytes::<9>().ok_or_else(|| errors::internal("randomness failed"))?;
    let id = format!("cks-{}", &hex::encode(suffix)[..17]);
    let record = StoreRecord {
        sealed_password: seal_password(call, &id, &password)?,
        id: id.clone(),
        name: input.custom_key_store_name,
        cluster_id: cluster,
        trust_anchor: anchor,
        state: DISCONNECTED.to_owned(),
        error_code: None,
        creation_date: key::now(call),
    };
    save(call, &record, Expect::Absent)?;
    Ok(json!({ "CustomKeyStoreId": id }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    custom_key_store_id: Option<String>,
    custom_key_store_name: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationException")?;
    let limit = page_limit(input.limit)?;
    let stores: Vec<StoreRecord> = all(call)?
        .into_iter()
        .filter(|s| {
            input
                .custom_key_store_id
                .as_ref()
                .is_none_or(|id| *id == s.id)
        })
        .filter(|s| {
            input
                .custom_key_store_name
                .as_ref()
                .is_none_or(|n| *n == s.name)
        })
        .filter(|s| input.marker.as_ref().is_none_or(|m| s.id > *m))
        .collect();
    if stores.is_empty()
        && let Some(missing) = input
            .custom_key_store_id
            .as_ref()
            .or(input.custom_key_store_name.as_ref())
    {
        return Err(not_found(missing));
    }
    let page: Vec<Value> = stores.iter().take(limit).map(StoreRecord::entry).collect();
    let truncated = stores.len() > limit;
    let mut out = json!({ "CustomKeyStores": page, "Truncated": truncated });
    if truncated && let Some(last) = stores.get(limit - 1) {
        out["NextMarker"] = json!(last.id);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdInput {
    custom_key_store_id: String,
}

fn connect(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: IdInput = from_input(input, "ValidationException")?;
    let (mut record, version) = load(call, &input.custom_key_store_id)?;
    if record.state == CONNECTED {
        return Ok(json!({}));
    }
    match open_token(call, &record) {
        Ok(token) => {
            token::keep(&record.id, token);
            record.state = CONNECTED.to_owned();
            record.error_code = None;
        }
        Err(e) => {
            record.state = FAILED.to_owned();
            record.error_code = Some(e.code().to_owned());
        }
    }
    save(call, &record, Expect::Version(version))?;
    Ok(json!({}))
}

fn disconnect(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: IdInput = from_input(input, "ValidationException")?;
    let (mut record, version) = load(call, &input.custom_key_store_id)?;
    token::drop_store(&record.id);
    record.state = DISCONNECTED.to_owned();
    record.error_code = None;
    save(call, &record, Expect::Version(version))?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    custom_key_store_id: String,
    new_custom_key_store_name: Option<String>,
    key_store_password: Option<String>,
    cloud_hsm_cluster_id: Option<String>,
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UpdateInput = from_input(input, "ValidationException")?;
    let (mut record, version) = load(call, &input.custom_key_store_id)?;
    if let Some(name) = &input.new_custom_key_store_name {
        if all(call)?
            .iter()
            .any(|s| s.name == *name && s.id != record.id)
        {
            return Err(AwsError::new(
                "CustomKeyStoreNameInUseException",
                400,
                format!("The custom key store name {name} is already in use."),
            ));
        }
        record.name = name.clone();
    }
    if input.key_store_password.is_some() || input.cloud_hsm_cluster_id.is_some() {
        if record.state != DISCONNECTED && record.state != FAILED {
            return Err(invalid_state(
                "The password and the cluster of a custom key store change only while it is disconnected.",
            ));
        }
        if let Some(password) = &input.key_store_password {
            check_password(password)?;
            record.sealed_password = seal_password(call, &record.id, password)?;
        }
        if let Some(cluster) = &input.cloud_hsm_cluster_id {
            check_cluster_id(cluster)?;
            record.cluster_id = cluster.clone();
        }
    }
    save(call, &record, Expect::Version(version))?;
    Ok(json!({}))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: IdInput = from_input(input, "ValidationException")?;
    let (record, version) = load(call, &input.custom_key_store_id)?;
    if record.state == CONNECTED {
        return Err(invalid_state(
            "A custom key store is deleted only while it is disconnected.",
        ));
    }
    let space = space::account_region(&call.principal.account, call.region);
    let keys = call
        .env
        .store
        .scan(&space, KEY_TABLE, &Scan::all())
        .map_err(errors::store_failure)?;
    for item in keys {
        let Ok(key) = serde_json::from_slice::<KeyRecord>(&item.value) else {
            continue;
        };
        if key
            .custom_key_store
            .as_ref()
            .is_some_and(|s| s.store_id == record.id)
            && !key::deletion_due(call, &key)
        {
            return Err(AwsError::new(
                "CustomKeyStoreHasCMKsException",
                400,
                format!(
                    "The custom key store {} still holds KMS keys; delete them first.",
                    record.id
                ),
            ));
        }
    }
    call.env
        .store
        .commit(Batch::new().delete_if(store_key(call, &record.id), Expect::Version(version)))
        .map_err(errors::store_failure)?;
    Ok(json!({}))
}
