//! The rule that decides when a protected resource is under an application-layer attack,
//! from the requests the data plane counts (pure: counts and times in, decisions out).
//!
//! Time is cut into windows of [`WINDOW_SECS`] seconds of the server's clock. When a window
//! closes, its rate (requests per second) is compared with the resource's baseline, an
//! exponentially weighted moving average of the rates of earlier quiet windows (weight
//! [`ALPHA`] for the newest, so about the last minute and a half counts). The resource is under
//! attack while a closed window's rate exceeds `max(THRESHOLD_MULTIPLE × baseline,
//! FLOOR_PER_SECOND)`; the attack ends with the first window at or below it (a window with
//! no requests at all included, so an attack also ends when time moves on). Attack windows do
//! not move the baseline, so a long flood cannot teach the detector that it is normal.

use std::collections::HashMap;
use std::net::IpAddr;

/// The length of a window, seconds.
pub const WINDOW_SECS: u64 = 10;
/// The weight of the newest quiet window in the baseline.
pub const ALPHA: f64 = 0.1;
/// The weight of the newest window in the baseline while under attack.
pub const ALPHA_UNDER_ATTACK: f64 = ALPHA / 10.0;
/// How many times its baseline a resource's rate must be to be an attack.
pub const THRESHOLD_MULTIPLE: f64 = 5.0;
/// The lowest rate, requests per second, that is an attack whatever the baseline.
pub const FLOOR_PER_SECOND: f64 = 20.0;
/// The most distinct sources counted per window (more are counted in the total only).
const MAX_SOURCES: usize = 10_000;
/// How many top contributors an attack records.
pub const TOP_CONTRIBUTORS: usize = 5;

/// What a closed window means.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// An attack starts at `start` (seconds): its rate and top sources.
    Started {
        /// The window's start.
        start: u64,
        /// Requests per second in the window.
        rate: f64,
        /// Requests in the window.
        total: u64,
        /// The biggest sources, most requests first.
        top: Vec<(IpAddr, u64)>,
    },
    /// The attack goes on: another window over the threshold.
    Continues {
        /// Requests per second in the window.
        rate: f64,
        /// Requests in the window.
        total: u64,
        /// The biggest sources.
        top: Vec<(IpAddr, u64)>,
    },
    /// The attack ended at `end` (seconds: the start of the first quiet window).
    Ended {
        /// When it ended.
        end: u64,
    },
}

/// One resource's counting and baseline.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    window_start: Option<u64>,
    total: u64,
    sources: HashMap<IpAddr, u64>,
    baseline: f64,
    attacking: bool,
}

impl Detector {
    /// Counts one request from `source` at `now` (seconds), closing windows first.
    pub fn record(&mut self, source: IpAddr, now: u64) -> Vec<Change> {
        let changes = self.advance(now);
        self.total += 1;
        if self.sources.len() < MAX_SOURCES || self.sources.contains_key(&source) {
            *self.sources.entry(source).or_default() += 1;
        }
        changes
    }

    /// Closes every window that ended by `now` (seconds).
    pub fn advance(&mut self, now: u64) -> Vec<Change> {
        let current = now - now % WINDOW_SECS;
        let Some(start) = self.window_start else {
            self.window_start = Some(current);
            return Vec::new();
        };
        let mut changes = Vec::new();
        let mut start = start;
        while start < current {
            changes.extend(self.close(start));
            start += WINDOW_SECS;
            if self.total == 0 && !self.attacking {
                // Quiet windows only pull the baseline down; skip to now at once.
                let skipped = (current - start) / WINDOW_SECS;
                self.baseline *= (1.0 - ALPHA).powi(skipped.min(1000) as i32);
                start = current;
            }
        }
        self.window_start = Some(current);
        changes
    }

    /// The threshold rate (requests per second).
    pub fn threshold(&self) -> f64 {
        (self.baseline * THRESHOLD_MULTIPLE).max(FLOOR_PER_SECOND)
    }

    /// Whether the resource is under attack.
    pub fn attacking(&self) -> bool {
        self.attacking
    }

    fn close(&mut self, start: u64) -> Option<Change> {
        let total = std::mem::take(&mut self.total);
        let sources = std::mem::take(&mut self.sources);
        let rate = total as f64 / WINDOW_SECS as f64;
        let over = rate > self.threshold();
        let top = || {
            let mut top: Vec<(IpAddr, u64)> = sources.iter().map(|(ip, n)| (*ip, *n)).collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(TOP_CONTRIBUTORS);
            top
        };
        match (self.attacking, over) {
            (false, true) => {
                self.attacking = true;
                Some(Change::Started {
                    start,
                    rate,
                    total,
                    top: top(),
                })
            }
            (true, true) => {
                self.baseline += ALPHA_UNDER_ATTACK * (rate - self.baseline);
                Some(Change::Continues {
                    rate,
                    total,
                    top: top(),
                })
            }
            (true, false) => {
                self.attacking = false;
                self.baseline += ALPHA * (rate - self.baseline);
                Some(Change::Ended { end: start })
            }
            (false, false) => {
                self.baseline += ALPHA * (rate - self.baseline);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[test]
    fn a_flood_from_one_source_starts_and_ends_an_attack() {
        let mut d = Detector::default();
        let mut t = 1_000u64;
        // Quiet traffic: 1 request a second for a minute.
        for _ in 0..60 {
            assert!(d.record(ip(1), t).is_empty());
            t += 1;
        }
        assert!(d.threshold() >= FLOOR_PER_SECOND);
        // A flood: 500 requests in one window from one source.
        let start = t - t % WINDOW_SECS + WINDOW_SECS;
        for i in 0..500 {
            d.record(ip(9), start + i % WINDOW_SECS);
        }
        let changes = d.advance(start + WINDOW_SECS);
        match &changes[..] {
            [
                Change::Started {
                    start: s,
                    total,
                    top,
                    ..
                },
            ] => {
                assert_eq!(*s, start);
                assert_eq!(*total, 500);
                assert_eq!(top[0], (ip(9), 500));
            }
            other => panic!("{other:?}"),
        }
        assert!(d.attacking());
        // Time moves on with nothing: the attack ends with the next window.
        let changes = d.advance(start + 10 * WINDOW_SECS);
        assert_eq!(
            changes,
            vec![Change::Ended {
                end: start + WINDOW_SECS
            }]
        );
        assert!(!d.attacking());
    }

    #[test]
    fn the_baseline_learns_busy_normal_traffic() {
        let mut d = Detector::default();
        // 30 requests a second for ten minutes: above the floor, but normal after a while.
        let mut attacks = 0;
        for s in 0..600u64 {
            for _ in 0..30 {
                attacks += d
                    .record(ip(1), 10_000 + s)
                    .iter()
                    .filter(|c| matches!(c, Change::Started { .. }))
                    .count();
            }
        }
        assert!(d.threshold() > 100.0, "{}", d.threshold());
        assert!(attacks <= 1);
        assert!(!d.attacking());
    }
}
