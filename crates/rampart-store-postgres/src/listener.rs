//! The listener: one thread per store handle, on its own connection, that LISTENs to the
//! store's channel, turns other nodes' change notifications into watermark moves, and proves
//! with a heartbeat round trip that it is not missing any.
//!
//! # The freshness rule
//!
//! PostgreSQL delivers notifications to a listening session in commit order. So when a
//! token this handle sent at instant `t` comes back, every commit acknowledged before `t`
//! (on any node) has already been applied to the watermarks. Watermarks are trusted while
//! the listener is connected and its last proof is at most `max_lag` old; otherwise every
//! watermark moves on every read, so caches miss and read the database, until the listener
//! is back. When the listener (re)connects it moves every watermark once, covering whatever
//! it missed while it was away. A cache that reads the watermark before the data it derives
//! is therefore never served stale longer than the notification delay, and never after a
//! missed notification.

use crate::marks::Marks;
use crate::notice::{CHANNEL, Notice};
use crate::options::Options;
use crate::pool::Conn;
use crate::target::Target;
use postgres::fallible_iterator::FallibleIterator;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Tokens awaiting their round trip, at most this many (older ones are forgotten).
const MAX_OUTSTANDING: usize = 4096;
/// The longest pause between two attempts to reconnect the listener.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The listener connection's `application_name`, so operators can tell it apart.
pub(crate) const LISTENER_NAME: &str = "rampart listener";

/// What the store handle and its listener thread share.
pub(crate) struct Shared {
    /// This handle's id in notifications (random, per handle).
    pub(crate) handle: String,
    /// The tunables.
    pub(crate) options: Options,
    /// Set when the store handle is dropped: the thread ends.
    pub(crate) stop: AtomicBool,
    next_token: AtomicU64,
    state: Mutex<State>,
    changed: Condvar,
}

/// The watermarks and the listener's health, under one lock.
#[derive(Default)]
pub(crate) struct State {
    /// The watermarks.
    pub(crate) marks: Marks,
    connected: bool,
    /// The send instant of the newest token that came back (or of the last (re)connect).
    proven_at: Option<Instant>,
    /// Tokens sent and not yet back, oldest first, with their send instants.
    outstanding: VecDeque<(u64, Instant)>,
    /// The newest token that came back.
    seen: u64,
}

impl State {
    /// Whether the watermarks can be trusted at `now` (see the module's freshness rule).
    pub(crate) fn fresh(&self, now: Instant, max_lag: Duration) -> bool {
        self.connected
            && self
                .proven_at
                .is_some_and(|at| now.saturating_duration_since(at) <= max_lag)
    }
}

impl Shared {
    /// The shared state of a new handle.
    pub(crate) fn new(handle: String, options: Options) -> Shared {
        Shared {
            handle,
            options,
            stop: AtomicBool::new(false),
            next_token: AtomicU64::new(1),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    /// The locked state.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Allocates a token and records when it is sent; returns its payload.
    pub(crate) fn new_token(&self) -> (u64, String) {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let mut state = self.state();
        if state.outstanding.len() >= MAX_OUTSTANDING {
            state.outstanding.pop_front();
        }
        state.outstanding.push_back((token, Instant::now()));
        let payload = Notice::Token {
            from: self.handle.clone(),
            token,
        }
        .encode();
        (token, payload)
    }

    /// Waits until token `token` (or a later one) came back, at most `timeout`.
    pub(crate) fn wait_for(&self, token: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        while state.seen < token {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Waits until the listener is connected, at most `timeout`.
    pub(crate) fn wait_connected(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        while !state.connected {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Applies one notification's payload.
    fn receive(&self, payload: &str) {
        let mut state = self.state();
        match Notice::decode(payload) {
            Some(Notice::Token { from, token }) if from == self.handle => {
                while let Some(&(sent, at)) = state.outstanding.front() {
                    if sent > token {
                        break;
                    }
                    state.outstanding.pop_front();
                    state.proven_at = Some(state.proven_at.map_or(at, |old| old.max(at)));
                }
                state.seen = state.seen.max(token);
                self.changed.notify_all();
            }
            // Own commits moved the watermarks when they returned.
            Some(Notice::Changed { from, .. }) if from == self.handle => {}
            Some(Notice::Changed {
                tables: Some(tables),
                ..
            }) => state
                .marks
                .changed(tables.iter().map(|(s, t)| (s.as_str(), t.as_str()))),
            Some(Notice::Changed { tables: None, .. }) => state.marks.bump_all(),
            // Other handles' tokens and foreign payloads say nothing about our tables.
            Some(Notice::Token { .. }) | None => {}
        }
    }

    fn set_connected(&self, connected: bool) {
        let mut state = self.state();
        state.connected = connected;
        if connected {
            // Whatever was missed before LISTEN took effect: move every watermark once.
            state.marks.bump_all();
            state.proven_at = Some(Instant::now());
        }
        self.changed.notify_all();
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Starts the listener thread of `shared`, connecting to `target`.
pub(crate) fn spawn(shared: Arc<Shared>, target: &Target) -> std::io::Result<()> {
    let target = target.named(LISTENER_NAME);
    std::thread::Builder::new()
        .name("rampart-pg-listener".into())
        .spawn(move || run(&shared, &target))
        .map(drop)
}

fn run(shared: &Shared, target: &Target) {
    let mut backoff = Duration::from_millis(50);
    while !shared.stopping() {
        let listening = target.open().ok().and_then(|mut conn| {
            conn.client
                .batch_execute(&format!("LISTEN {CHANNEL}"))
                .ok()
                .map(|()| conn)
        });
        match listening {
            Some(mut conn) => {
                backoff = Duration::from_millis(50);
                shared.set_connected(true);
                // Any error ends this connection; the loop opens another.
                let _ = serve(shared, &mut conn);
                shared.set_connected(false);
            }
            None => {
                sleep_unless_stopped(shared, backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Listens on `conn` until it fails, the heartbeat goes unanswered, or the handle is dropped.
fn serve(shared: &Shared, conn: &mut Conn) -> Result<(), postgres::Error> {
    let heartbeat = shared.options.heartbeat;
    let mut next_beat = Instant::now();
    let notify = conn.prepared("SELECT pg_notify($1, $2)")?;
    while !shared.stopping() {
        let now = Instant::now();
        if now >= next_beat {
            if !shared.state().fresh(now, shared.options.max_lag) {
                // The last proof is too old: this connection is silently dead. Start over.
                return Ok(());
            }
            let (_, payload) = shared.new_token();
            conn.client.execute(&notify, &[&CHANNEL, &payload])?;
            next_beat = now + heartbeat;
        }
        let wait = next_beat.saturating_duration_since(Instant::now());
        let next = conn.client.notifications().timeout_iter(wait).next()?;
        match next {
            Some(notification) => shared.receive(notification.payload()),
            None if conn.client.is_closed() => return Ok(()),
            None => {}
        }
    }
    Ok(())
}

fn sleep_unless_stopped(shared: &Shared, pause: Duration) {
    let deadline = Instant::now() + pause;
    while !shared.stopping() {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared::new("me".into(), Options::default())
    }

    #[test]
    fn other_handles_changes_move_their_tables_only() {
        let shared = shared();
        let before = {
            let state = shared.state();
            (state.marks.get("s", "a"), state.marks.get("s", "b"))
        };
        let payload = Notice::Changed {
            from: "other".into(),
            tables: Some(vec![("s".into(), "a".into())]),
        }
        .encode();
        shared.receive(&payload);
        assert!(shared.state().marks.get("s", "a") > before.0);
        assert_eq!(shared.state().marks.get("s", "b"), before.1);
    }

    #[test]
    fn own_changes_and_foreign_payloads_move_nothing() {
        let shared = shared();
        let before = shared.state().marks.get("s", "a");
        let own = Notice::Changed {
            from: "me".into(),
            tables: Some(vec![("s".into(), "a".into())]),
        };
        shared.receive(&own.encode());
        shared.receive("not ours");
        shared.receive(
            &Notice::Token {
                from: "other".into(),
                token: 9,
            }
            .encode(),
        );
        assert_eq!(shared.state().marks.get("s", "a"), before);
    }

    #[test]
    fn a_change_of_every_table_moves_them_all() {
        let shared = shared();
        let before = shared.state().marks.get("x", "y");
        shared.receive(
            &Notice::Changed {
                from: "other".into(),
                tables: None,
            }
            .encode(),
        );
        assert!(shared.state().marks.get("x", "y") > before);
    }

    #[test]
    fn freshness_needs_a_connection_and_a_recent_proof() {
        let shared = shared();
        let lag = Duration::from_secs(5);
        let now = Instant::now();
        assert!(!shared.state().fresh(now, lag), "never connected");
        shared.set_connected(true);
        let now = Instant::now();
        assert!(shared.state().fresh(now, lag));
        assert!(
            !shared
                .state()
                .fresh(now + lag + Duration::from_secs(1), lag)
        );
        shared.set_connected(false);
        assert!(!shared.state().fresh(Instant::now(), lag));
    }

    #[test]
    fn a_returned_token_proves_its_send_instant_and_wakes_waiters() {
        let shared = shared();
        let (first, _) = shared.new_token();
        let (second, payload) = shared.new_token();
        assert!(second > first);
        let sent = shared.state().outstanding.back().map(|(_, at)| *at);
        shared.receive(&payload);
        let state = shared.state();
        assert!(
            state.outstanding.is_empty(),
            "earlier tokens are covered too"
        );
        assert_eq!(state.proven_at, sent);
        assert_eq!(state.seen, second);
        drop(state);
        assert!(shared.wait_for(first, Duration::ZERO));
        assert!(!shared.wait_for(second + 1, Duration::ZERO));
    }

    #[test]
    fn reconnecting_moves_every_watermark() {
        let shared = shared();
        let before = shared.state().marks.get("s", "a");
        shared.set_connected(true);
        assert!(shared.state().marks.get("s", "a") > before);
    }
}
