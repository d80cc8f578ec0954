//! The injected clock: every time-based behaviour reads "now" through [`Clock`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// A source of the current time. Services and engines receive one; none reads the system
/// time directly, so tests and the admin API can move time forward.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// How far this clock was moved ahead of the wall clock. Times that clients write with
    /// their own clocks (SigV4 signing times) are read shifted by it, so that a client keeps
    /// working after the server's time was advanced.
    fn advanced_by(&self) -> Duration {
        Duration::ZERO
    }
}

/// The wall clock plus an offset that only grows: the server's clock, which the admin API
/// moves forward so that what is due in 30 days happens now.
#[derive(Debug, Default)]
pub struct AdjustableClock {
    ahead_millis: AtomicU64,
}

impl AdjustableClock {
    /// The wall clock, not yet moved.
    pub fn new() -> Self {
        AdjustableClock::default()
    }

    /// Moves the clock forward by `by` (time never goes back).
    pub fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.ahead_millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |ahead| {
                Some(ahead.saturating_add(millis))
            })
            .ok();
    }
}

impl Clock for AdjustableClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + self.advanced_by()
    }

    fn advanced_by(&self) -> Duration {
        Duration::from_millis(self.ahead_millis.load(Ordering::SeqCst))
    }
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that shows a set time until it is moved: for tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<SystemTime>);

impl FixedClock {
    /// A clock that shows `at`.
    pub fn new(at: SystemTime) -> Self {
        FixedClock(Mutex::new(at))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = FixedClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.now(), start + Duration::from_secs(60));
        assert_eq!(clock.advanced_by(), Duration::ZERO);
    }

    #[test]
    fn adjustable_clock_runs_ahead_of_the_wall_by_what_it_was_advanced() {
        let clock = AdjustableClock::new();
        assert_eq!(clock.advanced_by(), Duration::ZERO);
        let month = Duration::from_secs(31 * 86_400);
        clock.advance(month);
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.advanced_by(), month + Duration::from_secs(1));
        let ahead = clock.now().duration_since(SystemTime::now()).unwrap();
        assert!(ahead > month && ahead <= month + Duration::from_secs(2));
    }
}
