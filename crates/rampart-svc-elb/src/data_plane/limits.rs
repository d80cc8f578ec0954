//! The slow-request, connection and request-rate limits of every listener (what an ALB and
//! Shield Standard impose before a request reaches the web ACL).
//!
//! The request-rate limit is a token bucket per source address (the TCP peer; a client-set
//! `X-Forwarded-For` is never trusted for it), refilled continuously at `rate` requests per
//! second up to `burst`, shared by every listener of the data plane. Each request takes one
//! token as soon as its head is read, before Shield's counting, the web ACL, the listener rules
//! and the target; a request without a token is answered `429 Too Many Requests` with
//! `Retry-After` (whole seconds until a token is back, at least 1) and `Connection: close`.
//! Shield Standard drops such floods at the network layer, silently; an ALB has no answer of
//! its own for them. rampart answers a clear 429 instead, so that someone testing their app
//! behind it sees at once why a request did not arrive, and well-behaved clients back off.
//!
//! Memory is bounded: a bucket that has refilled to `burst` holds nothing worth keeping and is
//! dropped by a sweep that runs each time the number of tracked addresses doubles, and at most
//! [`MAX_TRACKED_SOURCES`] addresses are tracked. At that cap, when a sweep frees nothing (every
//! tracked source is still draining its bucket), a new address is refused with 429 until the
//! next sweep may free room (when the first tracked bucket is full again; at most one sweep a
//! second while more than half the cap is tracked, so a full map is not scanned per request;
//! `Retry-After` says when): the sources already seen keep their service, and a flood from
//! ever-new addresses cannot grow the map. The buckets
//! read the monotonic clock (not the server's adjustable clock): this is wall-time protection.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a client may take to send a request's header block.
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's body.
pub(crate) const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest header block read (request line and headers), bytes.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most header fields a request may carry.
pub(crate) const MAX_HEADERS: usize = 100;
/// The largest body buffered, bytes (the request is refused with 413 beyond it).
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The most connections one client address may hold open on the data plane at once.
pub(crate) const MAX_CONNECTIONS_PER_CLIENT: usize = 256;
/// How long connecting to a target may take (then the answer is 502).
pub(crate) const TARGET_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a target may take to answer before the answer is 504.
pub(crate) const TARGET_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable setting the per-source request-rate limit: `<rate>`,
/// `<rate>,<burst>` (requests per second per source address, positive integers; the burst
/// defaults to twice the rate) or `off`.
pub const DATA_PLANE_RATE_LIMIT_VAR: &str = "RAMPART_DATA_PLANE_RATE_LIMIT";
/// The default sustained rate per source, requests per second.
pub(crate) const DEFAULT_RATE: u32 = 1000;
/// The default burst per source, requests.
pub(crate) const DEFAULT_BURST: u32 = 2000;
/// The most source addresses whose buckets are tracked at once.
pub(crate) const MAX_TRACKED_SOURCES: usize = 100_000;
/// The tracked-address count of the first sweep.
const FIRST_SWEEP_AT: usize = 1024;
/// The least time between two sweeps while more than half the cap stays tracked.
const SWEEP_GAP: Duration = Duration::from_secs(1);

/// A per-source request-rate limit: `rate` tokens a second, at most `burst` held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimit {
    /// Requests per second, sustained.
    pub(crate) rate: u32,
    /// Requests admitted at once from a full bucket.
    pub(crate) burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            rate: DEFAULT_RATE,
            burst: DEFAULT_BURST,
        }
    }
}

impl RateLimit {
    /// Parses the setting: `Ok(None)` for `off`, `Err` with the reason for anything else
    /// than `<rate>` or `<rate>,<burst>` in positive integers.
    pub(crate) fn parse(text: &str) -> Result<Option<RateLimit>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let positive = |part: &str, what: &str| match part.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("the {what} must be a positive integer")),
        };
        let (rate, burst) = match text.split_once(',') {
            Some((rate, burst)) => (positive(rate, "rate")?, positive(burst, "burst")?),
            None => {
                let rate = positive(text, "rate")?;
                (rate, rate.saturating_mul(2))
            }
        };
        Ok(Some(RateLimit { rate, burst }))
    }

    /// The setting `RAMPART_DATA_PLANE_RATE_LIMIT` gives (the default when unset; the default,
    /// with a warning, when invalid).
    pub(crate) fn from_env() -> Option<RateLimit> {
        let Ok(text) = std::env::var(DATA_PLANE_RATE_LIMIT_VAR) else {
            return Some(RateLimit::default());
        };
        RateLimit::parse(&text).unwrap_or_else(|why| {
            let d = RateLimit::default();
            tracing::warn!(
                variable = DATA_PLANE_RATE_LIMIT_VAR,
                reason = %why,
                "invalid per-source rate limit (expected <rate>, <rate>,<burst> or off); using {},{}",
                d.rate,
                d.burst
            );
            Some(d)
        })
    }
}

/// One source's bucket, kept as the instant it is full again: it holds
/// `burst - (full_at - now) / interval` tokens at `now` (`burst` once `full_at` is past).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    full_at: Instant,
}

/// The tracked buckets and when to sweep them next.
#[derive(Debug)]
struct Tracked {
    buckets: HashMap<IpAddr, Bucket>,
    /// Sweep when this many addresses are tracked.
    sweep_at_len: usize,
    /// At the cap, no sweep before this instant (no bucket is full before it).
    no_sweep_before: Option<Instant>,
}

/// The per-source request-rate limiter of the data plane.
#[derive(Debug)]
pub(crate) struct Buckets {
    /// The time one token takes to come back.
    interval: Duration,
    /// The time an empty bucket takes to fill: `burst` intervals.
    depth: Duration,
    cap: usize,
    tracked: Mutex<Tracked>,
    throttled: AtomicU64,
}

impl Buckets {
    /// Buckets for `limit`, tracking at most `cap` addresses.
    pub(crate) fn new(limit: RateLimit, cap: usize) -> Buckets {
        let interval = Duration::from_secs(1) / limit.rate.max(1);
        Buckets {
            interval,
            depth: interval.saturating_mul(limit.burst.max(1)),
            cap: cap.max(1),
            tracked: Mutex::new(Tracked {
                buckets: HashMap::new(),
                sweep_at_len: FIRST_SWEEP_AT.min(cap.max(1)),
                no_sweep_before: None,
            }),
            throttled: AtomicU64::new(0),
        }
    }

    /// Takes one token from `ip`'s bucket at `now`: `Ok(())`, or `Err(seconds)` to wait
    /// before a token is back (at least 1).
    pub(crate) fn take(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut t = self.tracked.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = match t.buckets.get_mut(&ip) {
            Some(bucket) => self.take_from(bucket, now),
            None => self.track(&mut t, ip, now),
        };
        drop(t);
        if outcome.is_err() {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }

    /// Takes one token from a tracked bucket.
    fn take_from(&self, bucket: &mut Bucket, now: Instant) -> Result<(), u64> {
        let after = bucket.full_at.max(now) + self.interval;
        let owed = after.saturating_duration_since(now);
        if owed <= self.depth {
            bucket.full_at = after;
            Ok(())
        } else {
            Err(whole_seconds(owed - self.depth))
        }
    }

    /// Starts tracking `ip` with a full bucket and takes its first token (sweeping first when
    /// the map has grown); refused when the cap is reached and nothing can be swept yet.
    fn track(&self, t: &mut Tracked, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let sweep_due = t.no_sweep_before.is_none_or(|at| now >= at);
        if t.buckets.len() >= t.sweep_at_len && sweep_due {
            self.sweep(t, now);
        }
        if t.buckets.len() >= self.cap {
            let wait = t
                .no_sweep_before
                .map_or(Duration::ZERO, |at| at.saturating_duration_since(now));
            return Err(whole_seconds(wait));
        }
        let mut bucket = Bucket { full_at: now };
        let taken = self.take_from(&mut bucket, now);
        t.buckets.insert(ip, bucket);
        taken
    }

    /// Drops every full bucket and sets when to sweep next: when the count has doubled, and
    /// (while more than half the cap stays tracked) not before the first bucket is full again
    /// nor within [`SWEEP_GAP`], so that a map near its cap is not scanned per request.
    fn sweep(&self, t: &mut Tracked, now: Instant) {
        let mut earliest: Option<Instant> = None;
        t.buckets.retain(|_, b| {
            let keep = b.full_at > now;
            if keep {
                earliest = Some(earliest.map_or(b.full_at, |e| e.min(b.full_at)));
            }
            keep
        });
        let len = t.buckets.len();
        t.sweep_at_len = len
            .saturating_mul(2)
            .clamp(FIRST_SWEEP_AT.min(self.cap), self.cap);
        t.no_sweep_before = (len.saturating_mul(2) > self.cap)
            .then(|| earliest.map_or(now, |e| e.max(now + SWEEP_GAP)));
    }

    /// The requests refused since the last call.
    pub(crate) fn take_throttled(&self) -> u64 {
        self.throttled.swap(0, Ordering::Relaxed)
    }

    /// How many addresses are tracked.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.tracked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .buckets
            .len()
    }
}

/// `d` in whole seconds, rounded up, at least 1.
fn whole_seconds(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

/// Open connections per client address, capped.
#[derive(Debug, Default)]
pub(crate) struct Clients {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection; its drop frees the slot.
#[derive(Debug)]
pub(crate) struct Slot {
    clients: Arc<Clients>,
    ip: IpAddr,
}

impl Clients {
    /// Admits one more connection from `ip`, or `None` when it holds `max` already.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            clients: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.clients.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(n: u32) -> IpAddr {
        IpAddr::from(std::net::Ipv4Addr::from(0xc000_0200 + n))
    }

    fn buckets(rate: u32, burst: u32, cap: usize) -> Buckets {
        Buckets::new(RateLimit { rate, burst }, cap)
    }

    fn admitted(b: &Buckets, ip: IpAddr, n: u32, now: Instant) -> u32 {
        (0..n).filter(|_| b.take(ip, now).is_ok()).count() as u32
    }

    #[test]
    fn the_setting_is_a_rate_a_rate_and_burst_or_off() {
        assert_eq!(
            RateLimit::parse("5,10"),
            Ok(Some(RateLimit { rate: 5, burst: 10 }))
        );
        assert_eq!(
            RateLimit::parse(" 300 "),
            Ok(Some(RateLimit {
                rate: 300,
                burst: 600
            }))
        );
        assert_eq!(RateLimit::parse("off"), Ok(None));
        assert_eq!(RateLimit::parse("OFF"), Ok(None));
        for bad in [
            "", "0", "-1", "1.5", "5,0", "5,", ",5", "5,10,20", "lots", "1e3",
        ] {
            assert!(RateLimit::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            RateLimit::default(),
            RateLimit {
                rate: 1000,
                burst: 2000
            }
        );
    }

    #[test]
    fn a_full_bucket_admits_its_burst_then_refuses() {
        let b = buckets(5, 10, 100);
        let t0 = Instant::now();
        assert_eq!(admitted(&b, ip(1), 30, t0), 10);
        // Empty: the next token is back in 1/5 s, which Retry-After rounds up to 1 s.
        assert_eq!(b.take(ip(1), t0), Err(1));
        assert_eq!(b.take_throttled(), 21);
        assert_eq!(b.take_throttled(), 0);
    }

    #[test]
    fn tokens_come_back_at_the_rate() {
        let b = buckets(5, 10, 100);
        let t0 = Instant::now();
        assert_eq!(admitted(&b, ip(1), 10, t0), 10);
        // 199 ms: no token yet; 200 ms: one; 1 s more: five.
        assert!(b.take(ip(1), t0 + Duration::from_millis(199)).is_err());
        let t1 = t0 + Duration::from_millis(200);
        assert_eq!(admitted(&b, ip(1), 3, t1), 1);
        assert_eq!(admitted(&b, ip(1), 9, t1 + Duration::from_secs(1)), 5);
        // Long idle: full again, never more than the burst.
        assert_eq!(admitted(&b, ip(1), 50, t1 + Duration::from_secs(3600)), 10);
    }

    #[test]
    fn retry_after_is_the_whole_seconds_until_a_token_is_back() {
        // One token every 4 s.
        let b = Buckets::new(RateLimit { rate: 1, burst: 1 }, 10);
        let slow = Buckets {
            interval: Duration::from_secs(4),
            depth: Duration::from_secs(4),
            ..b
        };
        let t0 = Instant::now();
        assert!(slow.take(ip(1), t0).is_ok());
        assert_eq!(slow.take(ip(1), t0), Err(4));
        assert_eq!(slow.take(ip(1), t0 + Duration::from_millis(500)), Err(4));
        assert_eq!(slow.take(ip(1), t0 + Duration::from_millis(1000)), Err(3));
        assert_eq!(slow.take(ip(1), t0 + Duration::from_millis(3999)), Err(1));
        assert!(slow.take(ip(1), t0 + Duration::from_secs(4)).is_ok());
    }

    #[test]
    fn sources_have_their_own_buckets() {
        let b = buckets(1, 3, 100);
        let t0 = Instant::now();
        assert_eq!(admitted(&b, ip(1), 10, t0), 3);
        assert_eq!(admitted(&b, ip(2), 10, t0), 3);
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(admitted(&b, v6, 10, t0), 3);
        assert!(b.take(ip(1), t0).is_err());
    }

    #[test]
    fn full_buckets_are_swept_when_the_map_grows() {
        let b = buckets(10, 10, 100_000);
        let t0 = Instant::now();
        for n in 0..FIRST_SWEEP_AT as u32 {
            assert!(b.take(ip(n), t0).is_ok());
        }
        assert_eq!(b.tracked(), FIRST_SWEEP_AT);
        // A tenth of a second later every bucket is full again: the next new source sweeps.
        let t1 = t0 + Duration::from_millis(100);
        assert!(b.take(ip(5000), t1).is_ok());
        assert_eq!(b.tracked(), 1);
    }

    #[test]
    fn at_the_cap_a_new_source_waits_for_room_and_known_ones_keep_theirs() {
        let b = buckets(1, 2, 4);
        let t0 = Instant::now();
        for n in 0..4 {
            assert!(b.take(ip(n), t0).is_ok());
        }
        // Every bucket drains until t0 + 1 s: a fifth source is refused, told to come back
        // when the first bucket is full (no sweep scans the map before that).
        assert_eq!(b.take(ip(9), t0), Err(1));
        assert_eq!(b.take(ip(9), t0 + Duration::from_millis(400)), Err(1));
        assert!(b.take(ip(0), t0 + Duration::from_millis(400)).is_ok());
        assert_eq!(b.tracked(), 4);
        // ip(1..4) are full again at t0 + 1 s; ip(0) (one request more) only at t0 + 2 s.
        let t1 = t0 + Duration::from_secs(1);
        assert!(b.take(ip(9), t1).is_ok());
        assert_eq!(b.tracked(), 2);
    }

    proptest! {
        #[test]
        fn a_burst_of_n_admits_min_n_b(rate in 1u32..5000, burst in 1u32..300, n in 0u32..600) {
            let b = buckets(rate, burst, 10);
            prop_assert_eq!(admitted(&b, ip(1), n, Instant::now()), n.min(burst));
        }

        #[test]
        fn tokens_never_exceed_the_burst(
            rate in 1u32..50,
            burst in 1u32..20,
            steps in proptest::collection::vec((0u64..5_000, 0u32..30), 1..40),
        ) {
            let b = buckets(rate, burst, 10);
            let mut now = Instant::now();
            for (gap_ms, n) in steps {
                now += Duration::from_millis(gap_ms);
                // However long the idle gap, no more than a burst at one instant.
                prop_assert!(admitted(&b, ip(1), n, now) <= burst);
                prop_assert!(admitted(&b, ip(1), burst + 1, now) <= burst);
            }
        }

        #[test]
        fn the_map_never_outgrows_its_cap(
            steps in proptest::collection::vec((0u32..40, 0u64..400), 1..300),
        ) {
            let b = buckets(2, 3, 8);
            let mut now = Instant::now();
            for (source, gap_ms) in steps {
                now += Duration::from_millis(gap_ms);
                let _ = b.take(ip(source), now);
                prop_assert!(b.tracked() <= 8);
            }
        }

        #[test]
        fn over_time_admitted_requests_follow_the_rate(rate in 1u32..100, burst in 1u32..50, secs in 1u64..20) {
            // Asking every millisecond for `secs` seconds admits the burst plus the refill.
            let b = buckets(rate, burst, 10);
            let t0 = Instant::now();
            let mut ok = 0u64;
            for ms in 0..secs * 1000 {
                ok += u64::from(b.take(ip(1), t0 + Duration::from_millis(ms)).is_ok());
            }
            let refill = u64::from(rate) * secs;
            prop_assert!(ok <= u64::from(burst) + refill, "{} > {} + {}", ok, burst, refill);
            prop_assert!(ok + 1 >= u64::from(burst) + refill - u64::from(rate), "{}", ok);
        }
    }

    #[test]
    fn a_client_is_capped_and_slots_free_on_drop() {
        let clients = Arc::new(Clients::default());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let a = clients.admit(ip, 2).unwrap();
        let _b = clients.admit(ip, 2).unwrap();
        assert!(clients.admit(ip, 2).is_none());
        assert!(clients.admit(other, 2).is_some());
        drop(a);
        assert!(clients.admit(ip, 2).is_some());
    }
}
