//! Aliases: CreateAlias, UpdateAlias, DeleteAlias and ListAliases, and alias lookup for KeyId.

use crate::cache::{StoreId, store_id};
use crate::errors;
use crate::key;
use crate::keys::page_limit;
use crate::resolve::{Accept, alias_arn, resolve};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key, Scan, StoreError, space};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The table of aliases, id = the alias name (`alias/...`), in the account-and-region space.
pub(crate) const ALIAS_TABLE: &str = "kms.alias";
const PREFIX: &str = "alias/";
const RESERVED_PREFIX: &str = "alias/aws/";

/// A stored alias.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AliasRecord {
    name: String,
    target_key_id: String,
    creation_date: f64,
    last_updated_date: f64,
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "CreateAlias", false, create_alias);
    registry.register("kms", "UpdateAlias", false, update_alias);
    registry.register("kms", "DeleteAlias", false, delete_alias);
    registry.register("kms", "ListAliases", true, list_aliases);
}

fn store_key(call: &Call<'_>, name: &str) -> Key {
    store_key_in(&call.principal.account, call, name)
}

fn store_key_in(account: &AccountId, call: &Call<'_>, name: &str) -> Key {
    Key::new(
        space::account_region(account, call.region),
        ALIAS_TABLE,
        name,
    )
}

fn load(call: &Call<'_>, name: &str) -> Result<Option<(AliasRecord, u64)>, AwsError> {
    load_in(call, &call.principal.account, name)
}

fn load_in(
    call: &Call<'_>,
    account: &AccountId,
    name: &str,
) -> Result<Option<(AliasRecord, u64)>, AwsError> {
    let Some(item) = call
        .env
        .store
        .get(&store_key_in(account, call, name))
        .map_err(errors::store_failure)?
    else {
        return Ok(None);
    };
    let record = serde_json::from_slice(&item.value)
        .map_err(|_| errors::internal("stored alias does not parse"))?;
    Ok(Some((record, item.version)))
}

/// The aliases of one account and Region, as read at one watermark of the alias table.
#[derive(Default)]
struct Table {
    /// Alias names by target key id, sorted.
    by_key: HashMap<String, Vec<String>>,
    /// Target key id by alias name.
    by_name: HashMap<String, String>,
}

/// Per store and account-and-Region space: the watermark read at and the table.
type Tables = Mutex<HashMap<(StoreId, String), (u64, Arc<Table>)>>;

/// The aliases of `account` in the caller's Region, read from the store once per change of the
/// alias table, not once per request.
fn table(call: &Call<'_>, account: &AccountId) -> Result<Arc<Table>, AwsError> {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    let space = space::account_region(account, call.region);
    let watermark = call.env.store.watermark(&space, ALIAS_TABLE);
    let slot = (store_id(call.env), space);
    let tables = TABLES.get_or_init(Mutex::default);
    let lock = || {
        tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    let cached = lock()
        .get(&slot)
        .filter(|(at, _)| *at == watermark)
        .map(|(_, table)| table.clone());
    if let Some(table) = cached {
        return Ok(table);
    }
    let mut table = Table::default();
    for item in call
        .env
        .store
        .scan(&slot.1, ALIAS_TABLE, &Scan::all())
        .map_err(errors::store_failure)?
    {
        let Ok(alias) = serde_json::from_slice::<AliasRecord>(&item.value) else {
            // One damaged alias must not make every key of the account unusable.
            tracing::error!(alias = %item.key.id, "stored alias does not parse");
            continue;
        };
        table
            .by_name
            .insert(alias.name.clone(), alias.target_key_id.clone());
        table
            .by_key
            .entry(alias.target_key_id)
            .or_default()
            .push(alias.name);
    }
    let table = Arc::new(table);
    let mut tables = lock();
    if tables.len() >= 4096 {
        tables.clear();
    }
    tables.insert(slot, (watermark, table.clone()));
    Ok(table)
}

/// The names of the aliases of the key `key_id` of `account` (in the caller's Region), for
/// `kms:ResourceAliases`.
pub(crate) fn of_key(
    call: &Call<'_>,
    account: &AccountId,
    key_id: &str,
) -> Result<Vec<String>, AwsError> {
    Ok(table(call, account)?
        .by_key
        .get(key_id)
        .cloned()
        .unwrap_or_default())
}

/// Whether the stored alias `value` points to the key `key_id`.
pub(crate) fn points_to(value: &[u8], key_id: &str) -> bool {
    serde_json::from_slice::<AliasRecord>(value).is_ok_and(|a| a.target_key_id == key_id)
}

/// The key id alias `name` points to, if the alias exists.
pub(crate) fn target_of(call: &Call<'_>, name: &str) -> Result<Option<String>, AwsError> {
    target_in(call, &call.principal.account, name)
}

/// The key id alias `name` of `account` (in the caller's Region) points to, if it exists.
pub(crate) fn target_in(
    call: &Call<'_>,
    account: &AccountId,
    name: &str,
) -> Result<Option<String>, AwsError> {
    Ok(table(call, account)?.by_name.get(name).cloned())
}

/// Checks an alias name: `alias/` then letters, digits, `/`, `_` and `-` (the model's pattern
/// also admits `:`, which AWS refuses in alias names), not under `alias/aws/`.
fn validate_name(name: &str) -> Result<(), AwsError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-');
    if name.is_empty() || name.len() > 256 || !name.chars().all(allowed) {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        )));
    }
    if !name.starts_with(PREFIX) || name.len() == PREFIX.len() {
        return Err(errors::validation(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ));
    }
    if name.contains(':') {
        return Err(errors::validation(format!(
            "{name} contains invalid characters for an alias"
        )));
    }
    if name.starts_with(RESERVED_PREFIX) {
        return Err(errors::not_authorized(
            "Cannot create, update or delete an alias with the reserved prefix alias/aws/.",
        ));
    }
    Ok(())
}

/// The key an alias may point to: a key id or ARN of an existing key not pending deletion.
fn target(call: &Call<'_>, target_key_id: &str) -> Result<String, AwsError> {
    let (record, _) = resolve(call, target_key_id, Accept::KeysOnly)?;
    record.require_not_pending_deletion()?;
    Ok(record.key_id.clone())
}

fn encode(record: &AliasRecord) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(record).map_err(|_| errors::internal("alias does not serialise"))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AliasInput {
    alias_name: String,
    target_key_id: String,
}

fn create_alias(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: AliasInput = from_input(input, "ValidationException")?;
    validate_name(&input.alias_name)?;
    let target_key_id = target(call, &input.target_key_id)?;
    let now = key::now(call);
    let record = AliasRecord {
        name: input.alias_name.clone(),
        target_key_id,
        creation_date: now,
        last_updated_date: now,
    };
    let batch = Batch::new().put_if(
        store_key(call, &input.alias_name),
        encode(&record)?,
        Expect::Absent,
    );
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({})),
        Err(StoreError::Conflict { .. }) => Err(errors::already_exists(format!(
            "An alias with the name {} already exists",
            alias_arn(call, &input.alias_name)
        ))),
        Err(e) => Err(errors::store_failure(e)),
    }
}

/// The store key and value of a new alias `name` to the key `key_id`, for a batch that
/// writes it with its key (the AWS managed keys' aliases).
pub(crate) fn new_alias(
    call: &Call<'_>,
    name: &str,
    key_id: &str,
) -> Result<(Key, Vec<u8>), AwsError> {
    let now = key::now(call);
    let record = AliasRecord {
        name: name.to_owned(),
        target_key_id: key_id.to_owned(),
        creation_date: now,
        last_updated_date: now,
    };
    Ok((store_key(call, name), encode(&record)?))
}

fn alias_not_found(call: &Call<'_>, name: &str) -> AwsError {
    errors::not_found(format!("Alias {} is not found.", alias_arn(call, name)))
}

fn update_alias(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: AliasInput = from_input(input, "ValidationException")?;
    validate_name(&input.alias_name)?;
    let target_key_id = target(call, &input.target_key_id)?;
    let (mut record, version) =
        load(call, &input.alias_name)?.ok_or_else(|| alias_not_found(call, &input.alias_name))?;
    record.target_key_id = target_key_id;
    record.last_updated_date = key::now(call);
    let batch = Batch::new().put_if(
        store_key(call, &input.alias_name),
        encode(&record)?,
        Expect::Version(version),
    );
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({})),
        Err(StoreError::Conflict { .. }) => Err(alias_not_found(call, &input.alias_name)),
        Err(e) => Err(errors::store_failure(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteAliasInput {
    alias_name: String,
}

fn delete_alias(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteAliasInput = from_input(input, "ValidationException")?;
    validate_name(&input.alias_name)?;
    let (_, version) =
        load(call, &input.alias_name)?.ok_or_else(|| alias_not_found(call, &input.alias_name))?;
    let batch =
        Batch::new().delete_if(store_key(call, &input.alias_name), Expect::Version(version));
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({})),
        Err(StoreError::Conflict { .. }) => Err(alias_not_found(call, &input.alias_name)),
        Err(e) => Err(errors::store_failure(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListAliasesInput {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

fn list_aliases(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListAliasesInput = from_input(input, "ValidationException")?;
    let limit = page_limit(input.limit)?;
    let only_key = match &input.key_id {
        Some(id) => Some(resolve(call, id, Accept::KeysOnly)?.0.key_id.clone()),
        None => None,
    };
    let space = space::account_region(&call.principal.account, call.region);
    let mut scan = Scan::all();
    if let Some(marker) = input.marker {
        scan = scan.after(marker);
    }
    let items = call
        .env
        .store
        .scan(&space, ALIAS_TABLE, &scan)
        .map_err(errors::store_failure)?;
    let mut matching = Vec::new();
    for item in &items {
        let record: AliasRecord = serde_json::from_slice(&item.value)
            .map_err(|_| errors::internal("stored alias does not parse"))?;
        // An alias of a key whose deletion has come due went with the key.
        if only_key.as_ref().is_none_or(|k| *k == record.target_key_id)
            && key::load(call, &record.target_key_id)?.is_some()
        {
            matching.push(record);
        }
    }
    let truncated = matching.len() > limit;
    let page: Vec<Value> = matching
        .iter()
        .take(limit)
        .map(|a| {
            json!({
                "AliasName": a.name,
                "AliasArn": alias_arn(call, &a.name),
                "TargetKeyId": a.target_key_id,
                "CreationDate": a.creation_date,
                "LastUpdatedDate": a.last_updated_date,
            })
        })
        .collect();
    let mut out = json!({ "Aliases": page, "Truncated": truncated });
    if truncated && let Some(last) = matching.get(limit - 1) {
        out["NextMarker"] = json!(last.name);
    }
    Ok(out)
}
