//! Audit services: the CloudTrail recorder that every request passes through, and the
//! CloudTrail API over what it recorded.
//!
//! Records reach this crate already redacted by `rampart-trail`; nothing here may add request
//! or response content to a record, a log line or an error.

mod cloudtrail;
mod recorder;
mod trails;

pub use recorder::Recorder;

/// Registers the CloudTrail API; its handlers read what `recorder` wrote.
pub fn register(registry: &mut rampart_service::Registry, recorder: Recorder) {
    cloudtrail::register(registry, recorder);
    trails::register(registry);
}
