//! Scheduled work a service hands to the server's scheduler: KMS rotations and deletions,
//! secret rotations, parameter expiries, event deliveries. A duty reads time from the injected
//! clock itself, so a controlled clock moves every one of them.

use std::time::Duration;

/// A piece of scheduled work and how often it runs.
pub struct Duty {
    /// What it is, for the log.
    pub name: &'static str,
    /// Between two runs.
    pub every: Duration,
    /// The work.
    pub run: Box<dyn Fn() + Send>,
}
