//! Rate-based rules as pure state. The caller owns a [`RateTracker`], passes it to every
//! evaluation with the current time, and asks it for the currently limited keys
//! (`GetRateBasedStatementManagedKeys`). The crate never reads a clock.
//!
//! Each (rule, aggregation key) has a sliding-window counter: the count of the current
//! window-long bucket plus the previous bucket's count weighted by how much of it still lies
//! inside the window, so recent requests weigh more and memory stays O(1) per key.

use std::collections::HashMap;

/// The default cap on tracked keys per rule.
pub const DEFAULT_MAX_KEYS: usize = 100_000;
/// The most limited keys reported per rule (AWS limits at most 10,000 instances per rule).
pub const MAX_REPORTED_KEYS: usize = 10_000;

/// Identifies a rate-based rule: web ACL, the ACL rule referencing a rule group (if the rule
/// is inside one), and the rule's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateRuleId(String);

impl RateRuleId {
    /// The id of `rule` in web ACL `web_acl`, inside the group referenced by ACL rule
    /// `group_rule` if any (the names `GetRateBasedStatementManagedKeys` takes).
    pub fn new(web_acl: &str, group_rule: Option<&str>, rule: &str) -> RateRuleId {
        RateRuleId(format!(
            "{web_acl}\u{1f}{}\u{1f}{rule}",
            group_rule.unwrap_or("")
        ))
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Counter {
    bucket_start: u64,
    current: u64,
    previous: u64,
}

impl Counter {
    fn roll(&mut self, now: u64, window: u64) {
        let elapsed = now.saturating_sub(self.bucket_start);
        if elapsed >= 2 * window {
            self.previous = 0;
            self.current = 0;
            self.bucket_start = now - elapsed % window;
        } else if elapsed >= window {
            self.previous = self.current;
            self.current = 0;
            self.bucket_start += window;
        }
    }

    fn estimate(&self, now: u64, window: u64) -> u64 {
        let elapsed = now.saturating_sub(self.bucket_start);
        if elapsed >= 2 * window {
            return 0;
        }
        let (previous, current, elapsed) = if elapsed >= window {
            (self.current, 0, elapsed - window)
        } else {
            (self.previous, self.current, elapsed)
        };
        current + previous * (window - elapsed) / window
    }
}

#[derive(Debug, Default)]
struct RuleState {
    fingerprint: u64,
    window: u64,
    limit: u64,
    keys: HashMap<Vec<u8>, Counter>,
    last_sweep: u64,
}

impl RuleState {
    fn sweep(&mut self, now: u64) {
        let window = self.window;
        self.keys.retain(|_, c| c.estimate(now, window) > 0);
        self.last_sweep = now;
    }
}

/// Counters of every rate-based rule, owned by the caller.
#[derive(Debug)]
pub struct RateTracker {
    rules: HashMap<RateRuleId, RuleState>,
    max_keys: usize,
}

impl Default for RateTracker {
    fn default() -> Self {
        RateTracker::new(DEFAULT_MAX_KEYS)
    }
}

impl RateTracker {
    /// A tracker that follows at most `max_keys` aggregation keys per rule (new keys beyond the
    /// cap are not counted until stale ones expire).
    pub fn new(max_keys: usize) -> RateTracker {
        RateTracker {
            rules: HashMap::new(),
            max_keys,
        }
    }

    /// Counts one request of `key` for the rule at `now` (Unix seconds) and says whether the
    /// key is now over `limit` in the window. A changed rule (`fingerprint`) starts afresh.
    pub(crate) fn record(
        &mut self,
        rule: &RateRuleId,
        fingerprint: u64,
        window: u64,
        limit: u64,
        key: &[u8],
        now: u64,
    ) -> bool {
        if !self.rules.contains_key(rule) {
            self.rules.insert(rule.clone(), RuleState::default());
        }
        let Some(state) = self.rules.get_mut(rule) else {
            return false;
        };
        if state.fingerprint != fingerprint || state.window != window || state.limit != limit {
            *state = RuleState {
                fingerprint,
                window,
                limit,
                keys: HashMap::new(),
                last_sweep: now,
            };
        }
        if !state.keys.contains_key(key) && state.keys.len() >= self.max_keys {
            if now > state.last_sweep {
                state.sweep(now);
            }
            if state.keys.len() >= self.max_keys {
                return false;
            }
        }
        let counter = state.keys.entry(key.to_vec()).or_insert(Counter {
            bucket_start: now,
            current: 0,
            previous: 0,
        });
        counter.roll(now, window);
        counter.current += 1;
        counter.estimate(now, window) > limit
    }

    /// The keys of `rule` currently over their limit, highest rate first (at most 10,000).
    /// Each key is its components in the rule's key order (an IP-aggregated rule has one
    /// component: the address text).
    pub fn limited_keys(&self, rule: &RateRuleId, now: u64) -> Vec<Vec<String>> {
        let Some(state) = self.rules.get(rule) else {
            return Vec::new();
        };
        let mut over: Vec<(u64, &Vec<u8>)> = state
            .keys
            .iter()
            .map(|(k, c)| (c.estimate(now, state.window), k))
            .filter(|(e, _)| *e > state.limit)
            .collect();
        over.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        over.into_iter()
            .take(MAX_REPORTED_KEYS)
            .map(|(_, k)| decode_key(k))
            .collect()
    }

    /// How many keys the tracker follows for `rule`.
    pub fn tracked_keys(&self, rule: &RateRuleId) -> usize {
        self.rules.get(rule).map_or(0, |s| s.keys.len())
    }

    /// Drops the state of rules not in `live` (call after replacing compiled ACLs).
    pub fn retain_rules(&mut self, live: &[RateRuleId]) {
        self.rules.retain(|id, _| live.contains(id));
    }
}

/// Encodes key components unambiguously (length-prefixed).
pub(crate) fn encode_key(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn decode_key(mut k: &[u8]) -> Vec<String> {
    let mut parts = Vec::new();
    while k.len() >= 4 {
        let len = u32::from_be_bytes([k[0], k[1], k[2], k[3]]) as usize;
        let end = (4 + len).min(k.len());
        parts.push(String::from_utf8_lossy(&k[4..end]).into_owned());
        k = &k[end..];
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> RateRuleId {
        RateRuleId::new("acl", None, "rate")
    }

    #[test]
    fn limits_after_the_limit_and_recovers_after_the_window() {
        let mut t = RateTracker::default();
        let key = encode_key(&[b"192.0.2.1".to_vec()]);
        for i in 0..10 {
            assert!(
                !t.record(&id(), 1, 60, 10, &key, 1000 + i),
                "request {i} is within the limit"
            );
        }
        assert!(
            t.record(&id(), 1, 60, 10, &key, 1010),
            "the 11th request in the window is over"
        );
        assert_eq!(
            t.limited_keys(&id(), 1010),
            vec![vec!["192.0.2.1".to_string()]]
        );
        // The previous bucket's weight fades over the next window.
        assert!(!t.record(&id(), 1, 60, 10, &key, 1000 + 60 + 59));
        assert!(t.limited_keys(&id(), 1200).is_empty());
        assert!(!t.record(&id(), 1, 60, 10, &key, 5000));
    }

    #[test]
    fn keys_are_counted_separately_and_a_changed_rule_resets() {
        let mut t = RateTracker::default();
        let a = encode_key(&[b"a".to_vec()]);
        let b = encode_key(&[b"b".to_vec()]);
        for _ in 0..11 {
            t.record(&id(), 1, 300, 10, &a, 10);
        }
        assert!(!t.record(&id(), 1, 300, 10, &b, 10));
        assert_eq!(t.limited_keys(&id(), 10).len(), 1);
        assert!(
            !t.record(&id(), 2, 300, 10, &a, 11),
            "new fingerprint, fresh counts"
        );
    }

    #[test]
    fn the_key_cap_holds_and_stale_keys_make_room() {
        let mut t = RateTracker::new(2);
        for k in [b"a", b"b", b"c"] {
            t.record(&id(), 1, 60, 10, k, 0);
        }
        assert_eq!(t.tracked_keys(&id()), 2);
        t.record(&id(), 1, 60, 10, b"d", 500);
        assert_eq!(t.tracked_keys(&id()), 1, "stale keys were swept");
    }

    #[test]
    fn estimate_weighs_the_previous_bucket() {
        let c = Counter {
            bucket_start: 0,
            current: 0,
            previous: 100,
        };
        assert_eq!(c.estimate(0, 100), 100);
        assert_eq!(c.estimate(50, 100), 50);
        assert_eq!(c.estimate(99, 100), 1);
    }
}
