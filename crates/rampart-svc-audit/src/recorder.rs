//! The CloudTrail recorder: events are queued without blocking the request and written to the
//! store in batches by one background thread (group commit), like CloudTrail's own delivery.
//! Each batch becomes one segment per account-and-region (see [`crate::event_log`]).
//!
//! Several nodes sharing one store record into the same segments tables: segment numbers come
//! from one store-wide sequence item, advanced by compare-and-swap in the very commit that
//! writes the segments, so every segment gets a number above every segment committed before
//! it, whichever node wrote it. Readers that follow segment numbers (trail delivery, with its
//! cursor) therefore see all nodes' events in one order (commit order) with no gap, and no
//! two commits can write the same segment.
//!
//! A record is durable shortly after its call returns, not before: CloudTrail itself delivers
//! events minutes after the call. Readers that must see every recorded event (LookupEvents, trail
//! delivery, shutdown) call [`Recorder::flush`] first.

use crate::event_log::{add_segment, last_segment, segment_key, segment_value};
use rampart_store::{Batch, Expect, Key, Store, StoreError, space};
use rampart_trail::Event;
use rampart_types::{AccountId, Clock, Region};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

/// The most bytes of records in one segment (a segment stays far below the store's value
/// limit); the writer commits at once when this much is waiting.
const SEGMENT_BYTES: usize = 2 * 1024 * 1024;
/// How long the writer lets events gather before it commits.
const GATHER: Duration = Duration::from_millis(20);
/// The table, in the system space, of the segment-number sequence (one item, [`SEQUENCE_ID`],
/// holding the last number used, in decimal).
const SEQUENCE_TABLE: &str = "cloudtrail.sequence";
/// The sequence item's id.
const SEQUENCE_ID: &str = "last";
/// How many times one commit is tried again at once after another node took the number.
const RACES: usize = 64;
/// How many emptied line buffers the writer keeps for reuse.
const SPARE_BUFFERS: usize = 16;
/// The largest scratch line a recording thread keeps between events.
const SCRATCH_BYTES: usize = 64 * 1024;

/// The queue of events on their way to the store. Cloning shares the queue.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    work: Condvar,
    written: Condvar,
}

#[derive(Default)]
struct State {
    /// Each space's events not yet taken by the writer: JSON lines in recording order.
    pending: HashMap<String, Vec<u8>>,
    /// How many events and bytes `pending` holds.
    pending_events: u64,
    pending_bytes: usize,
    /// Emptied line buffers, for the next spaces that get events.
    spare: Vec<Vec<u8>>,
    queued: u64,
    durable: u64,
    stopping: bool,
}

/// What a recording thread reuses from one event to the next: the last event's space (most
/// calls of a thread come from one account and region) and the buffer its line is written in.
#[derive(Default)]
struct Scratch {
    account: String,
    region: String,
    space: String,
    line: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// What only the writer thread touches.
#[derive(Default)]
struct Writer {
    last_segment: u64,
    /// Spaces whose newest stored segment has been looked at since start.
    seen: HashSet<String>,
    /// The sequence item's version as this writer last wrote it (then its value is
    /// `last_segment`), or `None` when it must be read first.
    sequence: Option<Expect>,
    /// A segment (its key and value) from a commit whose outcome is unknown (the connection
    /// was lost while committing): if it is stored, that commit happened.
    uncertain: Option<(Key, Vec<u8>)>,
}

impl Recorder {
    /// Starts the recorder's writer thread over `store`; segment numbers follow `clock`.
    pub fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Recorder {
        let inner = Arc::new(Inner {
            store,
            clock,
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            written: Condvar::new(),
        });
        let writer = inner.clone();
        let spawned = thread::Builder::new()
            .name("cloudtrail-recorder".into())
            .spawn(move || writer.run());
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the CloudTrail recorder thread");
        }
        Recorder { inner }
    }

    /// Queues `event`; never blocks on storage. The record is written as JSON on the calling
    /// thread, straight after its space's other waiting lines, so queuing costs no allocation.
    pub fn record(&self, event: &Event) {
        SCRATCH.with_borrow_mut(|scratch| {
            if scratch.account != event.recipient_account_id || scratch.region != event.aws_region {
                scratch.space = event_space(event);
                scratch.account.clone_from(&event.recipient_account_id);
                scratch.region.clone_from(&event.aws_region);
            }
            scratch.line.clear();
            event.write_json(&mut scratch.line);
            scratch.line.push(b'\n');
            self.queue(&scratch.space, &scratch.line);
            if scratch.line.capacity() > SCRATCH_BYTES {
                scratch.line = Vec::new();
            }
        });
    }

    /// Appends one event's `line` to `space`'s waiting lines.
    fn queue(&self, space: &str, line: &[u8]) {
        let mut state = self.inner.lock();
        let was_idle = state.pending_events == 0;
        if let Some(lines) = state.pending.get_mut(space) {
            lines.extend_from_slice(line);
        } else {
            let mut lines = state.spare.pop().unwrap_or_default();
            lines.extend_from_slice(line);
            state.pending.insert(space.to_owned(), lines);
        }
        state.pending_events += 1;
        state.pending_bytes += line.len();
        state.queued += 1;
        let full = state.pending_bytes >= SEGMENT_BYTES;
        drop(state);
        // The writer sleeps only when nothing waits; waking it for every event would cost a
        // context switch per request.
        if was_idle || full {
            self.inner.work.notify_one();
        }
    }

    /// Blocks until every event queued before this call is in the store.
    pub fn flush(&self) {
        let mut state = self.inner.lock();
        let target = state.queued;
        self.inner.work.notify_one();
        while state.durable < target {
            state = self
                .inner
                .written
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Writes what is queued and stops the writer thread.
    pub fn shutdown(&self) {
        self.flush();
        self.inner.lock().stopping = true;
        self.inner.work.notify_one();
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn run(&self) {
        let mut writer = Writer::default();
        loop {
            let mut state = self.lock();
            while state.pending_events == 0 && !state.stopping {
                state = self
                    .work
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if state.pending_events == 0 && state.stopping {
                return;
            }
            if state.pending_bytes < SEGMENT_BYTES && !state.stopping {
                drop(state);
                thread::sleep(GATHER);
                state = self.lock();
            }
            let pending = std::mem::take(&mut state.pending);
            let count = std::mem::take(&mut state.pending_events);
            state.pending_bytes = 0;
            drop(state);
            let emptied = self.write(&mut writer, pending);
            let mut state = self.lock();
            state.durable += count;
            let room = SPARE_BUFFERS.saturating_sub(state.spare.len());
            state.spare.extend(emptied.into_iter().take(room));
            drop(state);
            self.written.notify_all();
        }
    }

    /// Commits each space's waiting lines as segments of at most [`SEGMENT_BYTES`] (cut at line
    /// ends), one commit per round of segments, retrying until the store takes each: an
    /// acknowledged call's record is never dropped. Returns the emptied line buffers.
    fn write(&self, writer: &mut Writer, pending: HashMap<String, Vec<u8>>) -> Vec<Vec<u8>> {
        let mut spaces: Vec<(String, Vec<u8>, usize)> = pending
            .into_iter()
            .map(|(space, lines)| (space, lines, 0))
            .collect();
        spaces.sort_by(|a, b| a.0.cmp(&b.0));
        loop {
            let round: Vec<(&str, Vec<u8>)> = spaces
                .iter_mut()
                .filter(|(_, lines, at)| *at < lines.len())
                .map(|(space, lines, at)| {
                    let end = *at + segment_end(&lines[*at..]);
                    let value = segment_value(&lines[*at..end]);
                    *at = end;
                    (space.as_str(), value)
                })
                .collect();
            if round.is_empty() {
                break;
            }
            let mut delay = Duration::from_millis(10);
            while let Err(e) = self.commit(writer, &round) {
                tracing::error!(error = %e, "cannot write CloudTrail events; retrying");
                thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
        spaces
            .into_iter()
            .map(|(_, mut lines, _)| {
                lines.clear();
                lines
            })
            .filter(|lines| lines.capacity() <= 2 * SEGMENT_BYTES)
            .collect()
    }

    /// Writes `segments` (space, stored value) under one number of the store-wide sequence,
    /// exactly once: a commit of unknown outcome is looked for before it is tried again.
    fn commit(&self, writer: &mut Writer, segments: &[(&str, Vec<u8>)]) -> Result<(), StoreError> {
        if let Some((key, value)) = writer.uncertain.take()
            && self
                .store
                .get(&key)?
                .is_some_and(|item| item.value == value)
        {
            writer
                .seen
                .extend(segments.iter().map(|(space, _)| (*space).to_owned()));
            return Ok(());
        }
        let mut races = 0;
        loop {
            let (stored, expect) = match writer.sequence {
                Some(expect) => (writer.last_segment, expect),
                None => self.read_sequence()?,
            };
            let n = self.next_number(writer, segments, stored)?;
            let mut batch = Batch::new().put_if(sequence_key(), n.to_string(), expect);
            for (space, value) in segments {
                batch = add_segment(batch, space, n, value.clone());
            }
            match self.store.commit(batch) {
                Ok(versions) => {
                    writer.sequence = versions.first().copied().flatten().map(Expect::Version);
                    writer.last_segment = n;
                    writer
                        .seen
                        .extend(segments.iter().map(|(space, _)| (*space).to_owned()));
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) if races < RACES => {
                    // Another node took the number (or wrote the segment): read and retry.
                    races += 1;
                    writer.sequence = None;
                }
                Err(e) => {
                    writer.sequence = None;
                    writer.uncertain = segments
                        .first()
                        .map(|(space, value)| (segment_key(space, n), value.clone()));
                    return Err(e);
                }
            }
        }
    }

    /// The last number of the store-wide sequence and the expectation to advance it.
    fn read_sequence(&self) -> Result<(u64, Expect), StoreError> {
        Ok(match self.store.get(&sequence_key())? {
            Some(item) => {
                let last = std::str::from_utf8(&item.value)
                    .ok()
                    .and_then(|text| text.parse().ok())
                    .ok_or_else(|| {
                        StoreError::Corrupt("the CloudTrail sequence is not a number".into())
                    })?;
                (last, Expect::Version(item.version))
            }
            None => (0, Expect::Absent),
        })
    }

    /// The next segment number: above the sequence's last, this writer's last, and the newest
    /// segment of each space not looked at since start (segments written before the sequence
    /// existed); otherwise the clock in nanoseconds, so numbers follow recording time.
    fn next_number(
        &self,
        writer: &Writer,
        segments: &[(&str, Vec<u8>)],
        stored: u64,
    ) -> Result<u64, StoreError> {
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut n = now.max(writer.last_segment + 1).max(stored + 1);
        for (space, _) in segments {
            if !writer.seen.contains(*space)
                && let Some(last) = last_segment(self.store.as_ref(), space)?
            {
                n = n.max(last + 1);
            }
        }
        Ok(n)
    }
}

/// How many bytes of `lines` (whole JSON lines) go into one segment: at most
/// [`SEGMENT_BYTES`], cut after a newline; a single longer line goes alone.
fn segment_end(lines: &[u8]) -> usize {
    if lines.len() <= SEGMENT_BYTES {
        return lines.len();
    }
    match lines[..SEGMENT_BYTES].iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None => lines
            .iter()
            .position(|&b| b == b'\n')
            .map_or(lines.len(), |i| i + 1),
    }
}

/// The sequence item.
fn sequence_key() -> Key {
    Key::new(space::SYSTEM, SEQUENCE_TABLE, SEQUENCE_ID)
}

/// The space an event is stored in: its recipient account and region.
pub(crate) fn event_space(event: &Event) -> String {
    match (
        event.recipient_account_id.parse::<AccountId>(),
        event.aws_region.parse::<Region>(),
    ) {
        (Ok(account), Ok(region)) => space::account_region(&account, &region),
        _ => space::SYSTEM.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_log::{Flow, read_forward};
    use rampart_store::{Item, MemStore, Scan};
    use rampart_trail::UserIdentity;
    use rampart_types::FixedClock;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::SystemTime;
    use time::OffsetDateTime;

    const SPACE: &str = "acct/123456789012/us-east-1";

    fn event(name: &str) -> Event {
        Event::api_call(
            UserIdentity::anonymous(),
            OffsetDateTime::UNIX_EPOCH,
            "kms.amazonaws.com",
            name,
            "us-east-1",
            "127.0.0.1",
            "123456789012",
        )
    }

    fn clock_at(seconds: u64) -> Arc<dyn Clock> {
        Arc::new(FixedClock::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(seconds),
        ))
    }

    fn names(store: &dyn Store) -> Vec<String> {
        let mut out = Vec::new();
        read_forward(store, SPACE, None, None, |_, e| {
            out.push(e.event_name);
            Flow::More
        })
        .unwrap();
        out
    }

    fn record(recorder: &Recorder, name: &str) {
        recorder.record(&event(name));
        recorder.flush();
    }

    #[test]
    fn nodes_sharing_a_store_record_in_one_order_whatever_their_clocks() {
        let store: Arc<dyn Store> = Arc::new(MemStore::new());
        // Node b's clock is far behind node a's: numbers still follow commit order.
        let a = Recorder::start(store.clone(), clock_at(2_000_000_000));
        let b = Recorder::start(store.clone(), clock_at(1));
        record(&a, "first");
        record(&b, "second");
        record(&a, "third");
        record(&b, "fourth");
        assert_eq!(
            names(store.as_ref()),
            ["first", "second", "third", "fourth"]
        );
        a.shutdown();
        b.shutdown();
    }

    #[test]
    fn concurrent_nodes_lose_and_duplicate_nothing() {
        let store: Arc<dyn Store> = Arc::new(MemStore::new());
        let nodes: Vec<Recorder> = (0..3)
            .map(|_| Recorder::start(store.clone(), clock_at(1_000)))
            .collect();
        thread::scope(|scope| {
            for (i, node) in nodes.iter().enumerate() {
                scope.spawn(move || {
                    for j in 0..50 {
                        node.record(&event(&format!("n{i}-{j}")));
                    }
                    node.flush();
                });
            }
        });
        let mut seen = names(store.as_ref());
        // Each node's own events stay in its recording order.
        for i in 0..3 {
            let own: Vec<&String> = seen
                .iter()
                .filter(|n| n.starts_with(&format!("n{i}-")))
                .collect();
            let expected: Vec<String> = (0..50).map(|j| format!("n{i}-{j}")).collect();
            assert_eq!(own, expected.iter().collect::<Vec<_>>());
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 150);
        for node in &nodes {
            node.shutdown();
        }
    }

    /// A store whose next commit is applied but answered as a lost connection.
    struct LosesAnAnswer {
        inner: MemStore,
        lose_next: AtomicBool,
    }

    impl Store for LosesAnAnswer {
        fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
            self.inner.get(key)
        }
        fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError> {
            self.inner.scan(space, table, scan)
        }
        fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError> {
            let versions = self.inner.commit(batch)?;
            if self.lose_next.swap(false, Ordering::SeqCst) {
                return Err(StoreError::Unavailable(
                    "connection lost while committing".into(),
                ));
            }
            Ok(versions)
        }
        fn watermark(&self, space: &str, table: &str) -> u64 {
            self.inner.watermark(space, table)
        }
        fn tables(&self) -> Result<Vec<(String, String)>, StoreError> {
            self.inner.tables()
        }
    }

    #[test]
    fn a_commit_whose_answer_was_lost_is_not_written_twice() {
        let store = Arc::new(LosesAnAnswer {
            inner: MemStore::new(),
            lose_next: AtomicBool::new(false),
        });
        let recorder = Recorder::start(store.clone(), clock_at(1_000));
        record(&recorder, "before");
        store.lose_next.store(true, Ordering::SeqCst);
        record(&recorder, "answer lost");
        record(&recorder, "after");
        assert_eq!(names(store.as_ref()), ["before", "answer lost", "after"]);
        recorder.shutdown();
    }

    #[test]
    fn segments_are_cut_at_line_ends_below_the_limit() {
        let line = |n: usize| {
            let mut l = vec![b'x'; n - 1];
            l.push(b'\n');
            l
        };
        assert_eq!(segment_end(&line(10)), 10);
        let two: Vec<u8> = [line(SEGMENT_BYTES - 5), line(10)].concat();
        assert_eq!(segment_end(&two), SEGMENT_BYTES - 5);
        let long: Vec<u8> = [line(SEGMENT_BYTES + 7), line(3)].concat();
        assert_eq!(segment_end(&long), SEGMENT_BYTES + 7);
    }

    #[test]
    fn a_backlog_beyond_one_segment_is_written_whole_and_in_order() {
        let store: Arc<dyn Store> = Arc::new(MemStore::new());
        let recorder = Recorder::start(store.clone(), clock_at(1_000));
        let mut big = event("big-0");
        big.user_agent = Some("u".repeat(100_000));
        let expected: Vec<String> = (0..60).map(|i| format!("big-{i}")).collect();
        for name in &expected {
            big.event_name.clone_from(name);
            recorder.record(&big);
        }
        recorder.flush();
        assert_eq!(names(store.as_ref()), expected);
        let segments = store
            .scan(SPACE, "cloudtrail.segment", &Scan::new("", 100))
            .unwrap();
        assert!(segments.len() >= 3, "{} segments", segments.len());
        recorder.shutdown();
    }
}
