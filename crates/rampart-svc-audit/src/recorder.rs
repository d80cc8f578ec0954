//! The CloudTrail recorder: events are queued without blocking the request and written to the
//! store in batches by one background thread (group commit), like CloudTrail's own delivery.
//! Each batch becomes one segment per account-and-region (see [`crate::event_log`]).
//!
//! A record is durable shortly after its call returns, not before: CloudTrail itself delivers
//! events minutes after the call. Readers that must see every recorded event (LookupEvents, trail
//! delivery, shutdown) call [`Recorder::flush`] first.

use crate::event_log::{add_segment, last_segment};
use rampart_store::{Batch, Store, space};
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

    fn commit(
        &self,
        writer: &mut Writer,
        by_space: &BTreeMap<String, Vec<Vec<u8>>>,
    ) -> Result<(), rampart_store::StoreError> {
        // Segment numbers follow the clock in nanoseconds but never repeat or go back, also
        // across restarts (a space's newest stored segment is looked at once).
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut n = now.max(writer.last_segment + 1);
        for space in by_space.keys() {
            if !writer.seen.contains(space)
                && let Some(last) = last_segment(self.store.as_ref(), space)?
            {
                n = n.max(last + 1);
            }
        }
        let mut batch = Batch::new();
        for (space, records) in by_space {
            batch = add_segment(batch, space, n, records);
        }
        self.store.commit(batch)?;
        writer.last_segment = n;
        writer.seen.extend(by_space.keys().cloned());
        Ok(())
    }
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
