//! GetKeyLastUsage: the last successful cryptographic operation of each key (when, which, and
//! the KMS request id, which is the `requestID` of the operation's CloudTrail record).
//!
//! Uses are noted in memory, at no store cost to the operation, and [`flush`]ed to the store by
//! the scheduler's minute duty ([`crate::run_due`]). A node answers from its own notes first,
//! so its own uses show at once; another node's uses (a shared store) show after its next
//! flush, and a crash loses at most the last minute of notes. The CloudTrail `eventID` is
//! drawn when the record is written, after the handler, so `CloudTrailEventId` is not given.

use crate::cache::{StoreId, store_id};
use crate::errors;
use crate::key;
use crate::resolve::{Accept, resolve};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, from_input};
use rampart_store::{Batch, Expect, Key, StoreError, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Each key's last use, id = the key id, in the key's account-and-region space.
pub(crate) const USAGE_TABLE: &str = "kms.key-usage";
/// When this server began tracking uses (system space, id [`TRACKING_START`]).
const TRACKING_TABLE: &str = "kms.usage-tracking";
const TRACKING_START: &str = "start";

/// The operations whose successful use is tracked, as `KeyLastUsageTrackingOperation` names them.
pub(crate) const TRACKED: [&str; 14] = [
    "Decrypt",
    "DeriveSharedSecret",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "ReEncrypt",
    "Sign",
    "Verify",
    "VerifyMac",
    "Encapsulate",
    "Decapsulate",
];

/// One key's last use, as stored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    timestamp: f64,
    operation: String,
    request_id: String,
}

/// One key's last use, as noted in memory (updated in place: no allocation once a key has a
/// note).
struct Noted {
    timestamp: f64,
    operation: &'static str,
    request_id: String,
}

impl Noted {
    fn usage(&self) -> Usage {
        Usage {
            timestamp: self.timestamp,
            operation: self.operation.to_owned(),
            request_id: self.request_id.clone(),
        }
    }
}

/// The notes not yet flushed, per store, by key ARN.
type Pending = HashMap<StoreId, HashMap<String, Noted>>;

fn pending() -> MutexGuard<'static, Pending> {
    static PENDING: OnceLock<Mutex<Pending>> = OnceLock::new();
    PENDING
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The store key of the usage of the key `key_arn` names (`None` for a malformed ARN).
fn usage_key(key_arn: &str) -> Option<Key> {
    let mut parts = key_arn.splitn(6, ':');
    let (_, _, _, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let key_id = resource.strip_prefix("key/")?;
    let space = space::account_region(&account.parse().ok()?, &region.parse().ok()?);
    Some(Key::new(space, USAGE_TABLE, key_id))
}

/// Notes a successful `operation` of the call with the key `key_arn`.
pub(crate) fn note(call: &Call<'_>, key_arn: &str, operation: &'static str) {
    let timestamp = key::now(call);
    let mut pending = pending();
    let notes = pending.entry(store_id(call.env)).or_default();
    match notes.get_mut(key_arn) {
        Some(noted) => {
            noted.timestamp = timestamp;
            noted.operation = operation;
            noted.request_id.clear();
            noted.request_id.push_str(call.request_id);
        }
        None => {
            let noted = Noted {
                timestamp,
                operation,
                request_id: call.request_id.to_owned(),
            };
            notes.insert(key_arn.to_owned(), noted);
        }
    }
}

/// Notes the use of the keys a successful tracked operation's output names (`KeyId`, and
/// ReEncrypt's `SourceKeyId`).
pub(crate) fn note_output(call: &Call<'_>, operation: &'static str, output: &Value) {
    for member in ["SourceKeyId", "KeyId"] {
        if let Some(arn) = output.get(member).and_then(Value::as_str) {
            note(call, arn, operation);
        }
    }
}

/// Wraps each tracked operation's handler so that its successes are noted.
pub(crate) fn track(registry: &mut Registry) {
    for operation in TRACKED {
        let Some(entry) = registry.get("kms", operation) else {
            continue;
        };
        let (handler, read_only) = (entry.handler.clone(), entry.read_only);
        registry.register("kms", operation, read_only, move |call, input| {
            let output = handler(call, input)?;
            note_output(call, operation, &output);
            Ok(output)
        });
    }
}

/// Writes the noted uses to the store (the scheduler's duty), and the tracking start the first
/// time. Notes that fail to write are kept for the next flush unless a newer one replaced them.
pub(crate) fn flush(env: &Env) -> Result<(), StoreError> {
    let start = Key::new(space::SYSTEM, TRACKING_TABLE, TRACKING_START);
    if env.store.get(&start)?.is_none() {
        let now = rampart_service::epoch_seconds(env.clock.now());
        let batch = Batch::new().put_if(start, now.to_string().into_bytes(), Expect::Absent);
        match env.store.commit(batch) {
            Ok(_) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let store = store_id(env);
    let taken = pending().remove(&store).unwrap_or_default();
    if taken.is_empty() {
        return Ok(());
    }
    let mut batch = Batch::new();
    for (arn, noted) in &taken {
        if let Some(key) = usage_key(arn)
            && let Ok(value) = serde_json::to_vec(&noted.usage())
        {
            batch = batch.put(key, value);
        }
    }
    env.store.commit(batch).map(|_| ()).inspect_err(|_| {
        let mut pending = pending();
        let notes = pending.entry(store).or_default();
        for (arn, noted) in taken {
            notes.entry(arn).or_insert(noted);
        }
    })
}

/// Forgets the usage of a deleted key (its store key, to delete in the same batch).
pub(crate) fn store_key(env: &Env, space: &str, key_id: &str) -> Key {
    let key = Key::new(space.to_owned(), USAGE_TABLE, key_id);
    if let Some(notes) = pending().get_mut(&store_id(env)) {
        notes.retain(|arn, _| usage_key(arn).as_ref() != Some(&key));
    }
    key
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "GetKeyLastUsage", true, get_key_last_usage);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyIdInput {
    key_id: String,
}

fn get_key_last_usage(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    // Alias names are not supported (the model says so).
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    let key = usage_key(&record.arn).ok_or_else(|| errors::internal("malformed key ARN"))?;
    let noted = pending()
        .get(&store_id(call.env))
        .and_then(|notes| notes.get(&record.arn))
        .map(Noted::usage);
    let usage = match noted {
        Some(usage) => Some(usage),
        None => match call.env.store.get(&key).map_err(errors::store_failure)? {
            Some(item) => serde_json::from_slice(&item.value).ok(),
            None => None,
        },
    };
    let start = Key::new(space::SYSTEM, TRACKING_TABLE, TRACKING_START);
    let tracking_start = call
        .env
        .store
        .get(&start)
        .map_err(errors::store_failure)?
        .and_then(|item| String::from_utf8(item.value).ok())
        .and_then(|text| text.parse::<f64>().ok())
        .unwrap_or(record.creation_date);
    let last = match usage {
        Some(usage) => json!({
            "Timestamp": usage.timestamp,
            "Operation": usage.operation,
            "KmsRequestId": usage.request_id,
        }),
        None => json!({}),
    };
    Ok(json!({
        "KeyId": record.key_id,
        "KeyCreationDate": record.creation_date,
        "TrackingStartDate": tracking_start.max(record.creation_date),
        "KeyLastUsage": last,
    }))
}

#[cfg(test)]
mod tests {
    use rampart_service::testkit::World;
    use serde_json::{Value, json};
    use std::time::Duration;

    fn call(w: &World, op: &str, input: Value) -> Value {
        w.call_as(&w.root(), "kms", op, input)
            .unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
    }

    fn last(w: &World, key: &str) -> Value {
        call(w, "GetKeyLastUsage", json!({"KeyId": key}))
    }

    #[test]
    fn the_last_successful_use_is_reported_with_its_request_id() {
        let w = World::new(crate::register);
        let meta = call(&w, "CreateKey", json!({}))["KeyMetadata"].clone();
        let key = meta["KeyId"].as_str().unwrap();
        let fresh = last(&w, key);
        assert_eq!(fresh["KeyId"], key);
        assert_eq!(fresh["KeyCreationDate"], meta["CreationDate"]);
        assert_eq!(fresh["TrackingStartDate"], meta["CreationDate"]);
        assert_eq!(fresh["KeyLastUsage"], json!({}));
        call(
            &w,
            "CreateAlias",
            json!({"AliasName": "alias/a", "TargetKeyId": key}),
        );
        let by_alias = w.call_as(
            &w.root(),
            "kms",
            "GetKeyLastUsage",
            json!({"KeyId": "alias/a"}),
        );
        assert_eq!(by_alias.unwrap_err().code, "NotFoundException");

        w.clock.advance(Duration::from_secs(10));
        let blob =
            call(&w, "Encrypt", json!({"KeyId": key, "Plaintext": "AA=="}))["CiphertextBlob"]
                .clone();
        let used = last(&w, key)["KeyLastUsage"].clone();
        assert_eq!(used["Operation"], "Encrypt");
        assert_eq!(used["Timestamp"], 1_700_000_010.0);
        // The KMS request id, which CloudTrail records as the event's requestID.
        assert_eq!(used["KmsRequestId"], "test-request");
        assert!(used.get("CloudTrailEventId").is_none());

        // A failed operation is not a use.
        w.clock.advance(Duration::from_secs(10));
        let failed = w.call_as(
            &w.root(),
            "kms",
            "Decrypt",
            json!({"CiphertextBlob": blob, "EncryptionContext": {"a": "b"}}),
        );
        assert_eq!(failed.unwrap_err().code, "InvalidCiphertextException");
        assert_eq!(last(&w, key)["KeyLastUsage"]["Operation"], "Encrypt");

        // ReEncrypt uses both keys.
        let other = call(&w, "CreateKey", json!({}))["KeyMetadata"]["KeyId"].clone();
        call(
            &w,
            "ReEncrypt",
            json!({"CiphertextBlob": blob, "DestinationKeyId": other}),
        );
        assert_eq!(last(&w, key)["KeyLastUsage"]["Operation"], "ReEncrypt");
        let other = other.as_str().unwrap();
        assert_eq!(last(&w, other)["KeyLastUsage"]["Operation"], "ReEncrypt");
        assert_eq!(
            last(&w, other)["KeyLastUsage"]["Timestamp"],
            1_700_000_020.0
        );
    }

    #[test]
    fn uses_are_flushed_by_the_minute_duty_and_tracking_starts_then() {
        let w = World::new(crate::register);
        let key = call(&w, "CreateKey", json!({}))["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned();
        call(
            &w,
            "GenerateDataKey",
            json!({"KeyId": key, "KeySpec": "AES_256"}),
        );
        w.clock.advance(Duration::from_secs(60));
        crate::run_due(&w.env).unwrap();
        let stored = w
            .env
            .store
            .get(
                &super::usage_key(&format!("arn:aws:kms:us-east-1:123456789012:key/{key}"))
                    .unwrap(),
            )
            .unwrap()
            .expect("flushed");
        let stored: Value = serde_json::from_slice(&stored.value).unwrap();
        assert_eq!(stored["operation"], "GenerateDataKey");
        let answer = last(&w, &key);
        assert_eq!(answer["KeyLastUsage"]["Operation"], "GenerateDataKey");
        assert_eq!(answer["KeyLastUsage"]["Timestamp"], 1_700_000_000.0);
        // Tracking began at the first flush, after this key was made.
        assert_eq!(answer["TrackingStartDate"], 1_700_000_060.0);
        assert_eq!(answer["KeyCreationDate"], 1_700_000_000.0);

        // A key deleted for good takes its usage with it.
        call(
            &w,
            "ScheduleKeyDeletion",
            json!({"KeyId": key, "PendingWindowInDays": 7}),
        );
        w.clock.advance(Duration::from_secs(8 * 86_400));
        crate::run_due(&w.env).unwrap();
        let gone = w
            .env
            .store
            .get(
                &super::usage_key(&format!("arn:aws:kms:us-east-1:123456789012:key/{key}"))
                    .unwrap(),
            )
            .unwrap();
        assert!(gone.is_none());
    }
}
