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
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

/// The most events written in one commit.
const BATCH_EVENTS: usize = 4096;
/// The most bytes of records written in one commit (a segment stays far below the store's
/// value limit).
const BATCH_BYTES: usize = 2 * 1024 * 1024;
/// How long the writer lets events gather before it commits.
const GATHER: Duration = Duration::from_millis(20);
/// The table, in the system space, of the segment-number sequence (one item, [`SEQUENCE_ID`],
/// holding the last number used, in decimal).
const SEQUENCE_TABLE: &str = "cloudtrail.sequence";
/// The sequence item's id.
const SEQUENCE_ID: &str = "last";
/// How many times one commit is tried again at once after another node took the number.
const RACES: usize = 64;

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
    /// (space, record) in the order calls were recorded.
    queue: Vec<(String, Vec<u8>)>,
    queued: u64,
    durable: u64,
    stopping: bool,
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

    /// Queues `event`; never blocks on storage.
    pub fn record(&self, event: &Event) {
        let space = event_space(event);
        let record = event.to_json().into_bytes();
        let mut state = self.inner.lock();
        let was_idle = state.queue.is_empty();
        state.queue.push((space, record));
        state.queued += 1;
        drop(state);
        // The writer sleeps only on an empty queue; waking it for every event would cost a
        // context switch per request.
        if was_idle {
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
            while state.queue.is_empty() && !state.stopping {
                state = self
                    .work
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if state.queue.is_empty() && state.stopping {
                return;
            }
            if state.queue.len() < BATCH_EVENTS && !state.stopping {
                drop(state);
                thread::sleep(GATHER);
                state = self.lock();
            }
            let mut bytes = 0;
            let take = state
                .queue
                .iter()
                .take(BATCH_EVENTS)
                .take_while(|(_, record)| {
                    bytes += record.len();
                    bytes <= BATCH_BYTES
                })
                .count()
                .max(1);
            let batch: Vec<(String, Vec<u8>)> = state.queue.drain(..take).collect();
            drop(state);
            self.write(&mut writer, batch);
        }
    }

    /// Commits one batch as one segment per space, retrying until the store takes it: an
    /// acknowledged call's record is never dropped.
    fn write(&self, writer: &mut Writer, batch: Vec<(String, Vec<u8>)>) {
        let count = batch.len() as u64;
        let mut by_space: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        for (space, record) in batch {
            by_space.entry(space).or_default().push(record);
        }
        let mut delay = Duration::from_millis(10);
        loop {
            match self.commit(writer, &by_space) {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!(error = %e, "cannot write CloudTrail events; retrying");
                    thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
        self.lock().durable += count;
        self.written.notify_all();
    }

    /// Writes `by_space` as segments numbered from the store-wide sequence, exactly once:
    /// a commit of unknown outcome is looked for before it is tried again.
    fn commit(
        &self,
        writer: &mut Writer,
        by_space: &BTreeMap<String, Vec<Vec<u8>>>,
    ) -> Result<(), StoreError> {
        if let Some((key, value)) = writer.uncertain.take()
            && self
                .store
                .get(&key)?
                .is_some_and(|item| item.value == value)
        {
            writer.seen.extend(by_space.keys().cloned());
            return Ok(());
        }
        let segments: Vec<(&String, Vec<u8>)> = by_space
            .iter()
            .map(|(space, records)| (space, segment_value(records)))
            .collect();
        let mut races = 0;
        loop {
            let (stored, expect) = match writer.sequence {
                Some(expect) => (writer.last_segment, expect),
                None => self.read_sequence()?,
            };
            let n = self.next_number(writer, by_space, stored)?;
            let mut batch = Batch::new().put_if(sequence_key(), n.to_string(), expect);
            for (space, value) in &segments {
                batch = add_segment(batch, space, n, value.clone());
            }
            match self.store.commit(batch) {
                Ok(versions) => {
                    writer.sequence = versions.first().copied().flatten().map(Expect::Version);
                    writer.last_segment = n;
                    writer.seen.extend(by_space.keys().cloned());
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
        by_space: &BTreeMap<String, Vec<Vec<u8>>>,
        stored: u64,
    ) -> Result<u64, StoreError> {
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut n = now.max(writer.last_segment + 1).max(stored + 1);
        for space in by_space.keys() {
            if !writer.seen.contains(space)
                && let Some(last) = last_segment(self.store.as_ref(), space)?
            {
                n = n.max(last + 1);
            }
        }
        Ok(n)
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
}
