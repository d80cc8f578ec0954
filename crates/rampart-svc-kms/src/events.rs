//! KMS's EventBridge events (`source` `aws.kms`), put on the default bus of the key's account
//! in the key's region, as AWS KMS sends them: `KMS CMK Rotation` when key material is rotated
//! automatically or on demand (`detail`: `key-id`, `key-origin`, `rotation-type`),
//! `KMS CMK Deletion` when a scheduled deletion is carried out (`detail`: `key-id`), and
//! `KMS Imported Key Material Expiration` when imported material expires and is deleted
//! (`detail`: `key-id`). `resources` is the key's ARN. AWS sends them on a best-effort
//! basis, so a failure to put one is logged and never fails the work that caused it.

use crate::key::KeyRecord;
use rampart_service::{AwsEvent, Env};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

/// `detail-type` of a rotation.
pub(crate) const ROTATION: &str = "KMS CMK Rotation";
/// `detail-type` of a carried-out deletion.
pub(crate) const DELETION: &str = "KMS CMK Deletion";
/// `detail-type` of expired imported material.
pub(crate) const EXPIRATION: &str = "KMS Imported Key Material Expiration";

/// Key material of `record` was rotated at `at` (epoch seconds); `kind` is `AUTOMATIC` or
/// `ON_DEMAND`.
pub(crate) fn rotated(env: &Env, record: &KeyRecord, kind: &str, at: f64) {
    let detail = json!({
        "key-id": record.key_id,
        "key-origin": record.origin,
        "rotation-type": kind,
    });
    emit(env, record, ROTATION, detail, at);
}

/// `record`'s scheduled deletion was carried out at `at`.
pub(crate) fn deleted(env: &Env, record: &KeyRecord, at: f64) {
    emit(env, record, DELETION, json!({"key-id": record.key_id}), at);
}

/// `record`'s imported key material expired and was deleted at `at`.
pub(crate) fn material_expired(env: &Env, record: &KeyRecord, at: f64) {
    emit(
        env,
        record,
        EXPIRATION,
        json!({"key-id": record.key_id}),
        at,
    );
}

fn emit(env: &Env, record: &KeyRecord, detail_type: &str, detail: Value, at: f64) {
    let Some(event) = event(record, detail_type, detail, at) else {
        tracing::warn!(key = %record.arn, "a KMS event names an unusable account or region");
        return;
    };
    if let Err(e) = env.events.emit(env, event) {
        tracing::warn!(key = %record.arn, detail_type, error = %e, "KMS event not put on EventBridge");
    }
}

/// The event, or `None` when the key's ARN or account cannot name a bus.
fn event(record: &KeyRecord, detail_type: &str, detail: Value, at: f64) -> Option<AwsEvent> {
    let region = record.arn.split(':').nth(3)?.parse().ok()?;
    Some(AwsEvent {
        source: "aws.kms".to_owned(),
        detail_type: detail_type.to_owned(),
        account: record.account.parse().ok()?,
        region,
        time: SystemTime::UNIX_EPOCH + Duration::from_secs_f64(at.max(0.0)),
        resources: vec![record.arn.clone()],
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_protocol::AwsError;
    use rampart_service::EventBus;
    use rampart_service::testkit::World;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Recorder(Mutex<Vec<AwsEvent>>);

    impl EventBus for Recorder {
        fn emit(&self, _env: &Env, event: AwsEvent) -> Result<(), AwsError> {
            self.0.lock().unwrap().push(event);
            Ok(())
        }
    }

    fn world() -> (World, Arc<Recorder>) {
        let mut world = World::new(crate::register);
        let events = Arc::new(Recorder::default());
        world.env.events = events.clone();
        (world, events)
    }

    fn call(w: &World, op: &str, input: Value) -> Value {
        w.call_as(&w.root(), "kms", op, input)
            .unwrap_or_else(|e| panic!("{op}: {e}"))
    }

    fn taken(events: &Recorder) -> Vec<AwsEvent> {
        std::mem::take(&mut *events.0.lock().unwrap())
    }

    #[test]
    fn rotations_on_demand_and_automatic_are_announced() {
        let (w, events) = world();
        let key = call(&w, "CreateKey", json!({}))["KeyMetadata"].clone();
        let id = key["KeyId"].as_str().unwrap();
        call(&w, "RotateKeyOnDemand", json!({"KeyId": id}));
        let [on_demand] = taken(&events).try_into().unwrap();
        assert_eq!(on_demand.source, "aws.kms");
        assert_eq!(on_demand.detail_type, "KMS CMK Rotation");
        assert_eq!(on_demand.resources, vec![key["Arn"].as_str().unwrap()]);
        assert_eq!(
            on_demand.account.as_str(),
            rampart_service::testkit::ACCOUNT
        );
        assert_eq!(on_demand.region.as_str(), "us-east-1");
        assert_eq!(
            on_demand.detail,
            json!({"key-id": id, "key-origin": "AWS_KMS", "rotation-type": "ON_DEMAND"})
        );
        call(
            &w,
            "EnableKeyRotation",
            json!({"KeyId": id, "RotationPeriodInDays": 90}),
        );
        crate::run_due(&w.env).unwrap();
        assert!(taken(&events).is_empty(), "nothing is due yet");
        // Two periods pass: two rotations, each dated when it fell due.
        w.clock.advance(Duration::from_secs(181 * 86_400));
        crate::run_due(&w.env).unwrap();
        let automatic = taken(&events);
        assert_eq!(automatic.len(), 2);
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for (event, periods) in automatic.iter().zip([1u64, 2]) {
            assert_eq!(event.detail["rotation-type"], "AUTOMATIC");
            assert_eq!(
                event.time,
                start + Duration::from_secs(periods * 90 * 86_400)
            );
        }
    }

    #[test]
    fn a_deletion_is_announced_when_it_is_carried_out() {
        let (w, events) = world();
        let key = call(&w, "CreateKey", json!({}))["KeyMetadata"].clone();
        let id = key["KeyId"].as_str().unwrap();
        call(
            &w,
            "ScheduleKeyDeletion",
            json!({"KeyId": id, "PendingWindowInDays": 7}),
        );
        crate::run_due(&w.env).unwrap();
        assert!(taken(&events).is_empty(), "scheduling deletes nothing");
        w.clock.advance(Duration::from_secs(7 * 86_400));
        crate::run_due(&w.env).unwrap();
        let [deleted] = taken(&events).try_into().unwrap();
        assert_eq!(deleted.detail_type, "KMS CMK Deletion");
        assert_eq!(deleted.detail, json!({"key-id": id}));
        assert_eq!(deleted.resources, vec![key["Arn"].as_str().unwrap()]);
    }
}
