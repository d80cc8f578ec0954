//! Audit services: the CloudTrail recorder that every request passes through, the CloudTrail
//! API over what it recorded, and trail delivery of log and signed digest files.
//!
//! Records reach this crate already redacted by `rampart-trail`; nothing here may add request
//! or response content to a record, a log line or an error.

mod authz;
mod cloudtrail;
mod delivery;
mod event_log;
mod public_keys;
mod recorder;
mod trails;

pub use delivery::{Cutoff, Delivered, Delivery, ObjectSink, SETTLE_SECONDS};
pub use recorder::Recorder;
pub use trails::TrailDestination;

/// Registers the CloudTrail API; its handlers read what `recorder` wrote.
pub fn register(registry: &mut rampart_service::Registry, recorder: Recorder) {
    cloudtrail::register(registry, recorder);
    trails::register(registry);
    public_keys::register(registry);
    registry.authorize("cloudtrail", authz::table);
}

/// Where the trail with `arn` delivers (bucket and key prefix), read from `store`; `None` when
/// no such trail is stored. For the offline validator.
pub fn trail_destination(
    store: &dyn rampart_store::Store,
    arn: &str,
) -> Result<Option<TrailDestination>, rampart_store::StoreError> {
    Ok(trails::trail_by_arn(store, arn)?.map(|t| TrailDestination {
        bucket: t.s3_bucket_name,
        prefix: t.s3_key_prefix,
    }))
}
