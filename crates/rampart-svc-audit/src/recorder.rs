//! The CloudTrail recorder: events are queued without blocking the request and written to the
//! store in batches by one background thread (group commit), like CloudTrail's own delivery.
//!
//! A record is durable shortly after its call returns, not before: CloudTrail itself delivers
//! events minutes after the call. Readers that must see every recorded event (LookupEvents, trail
//! delivery, shutdown) call [`Recorder::flush`] first.

use rampart_store::{Batch, Key, Store, space};
use rampart_trail::Event;
use rampart_types::{AccountId, Region};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// The table recorded events live in, in each account-and-region space.
pub(crate) const EVENT_TABLE: &str = "cloudtrail.event";
/// The largest number of events written in one commit.
const BATCH_LIMIT: usize = 512;
/// How long the writer lets events gather before it commits.
const GATHER: Duration = Duration::from_millis(20);

/// The queue of events on their way to the store. Cloning shares the queue.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    state: Mutex<State>,
    work: Condvar,
    written: Condvar,
}

#[derive(Default)]
struct State {
    queue: Vec<(Key, Vec<u8>)>,
    queued: u64,
    durable: u64,
    stopping: bool,
}

impl Recorder {
    /// Starts the recorder's writer thread over `store`.
    pub fn start(store: Arc<dyn Store>) -> Recorder {
        let inner = Arc::new(Inner {
            store,
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
        let key = event_key(event);
        let value = event.to_json().into_bytes();
        let mut state = self.inner.lock();
        let was_idle = state.queue.is_empty();
        state.queue.push((key, value));
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
            if state.queue.len() < BATCH_LIMIT && !state.stopping {
                drop(state);
                thread::sleep(GATHER);
                state = self.lock();
            }
            let take = state.queue.len().min(BATCH_LIMIT);
            let batch: Vec<(Key, Vec<u8>)> = state.queue.drain(..take).collect();
            drop(state);
            self.write(batch);
        }
    }

    /// Commits one batch, retrying until the store takes it: an acknowledged call's record is
    /// never dropped.
    fn write(&self, batch: Vec<(Key, Vec<u8>)>) {
        let count = batch.len() as u64;
        let mut ops = Batch::new();
        for (key, value) in batch {
            ops = ops.put(key, value);
        }
        let mut delay = Duration::from_millis(10);
        while let Err(e) = self.store.commit(ops.clone()) {
            tracing::error!(error = %e, "cannot write CloudTrail events; retrying");
            thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(2));
        }
        self.lock().durable += count;
        self.written.notify_all();
    }
}

/// Where an event is stored: its account and region's space, ordered by time then event id.
/// The time is taken at the record's own precision (whole seconds), so a key can be rebuilt
/// from a stored record, as LookupEvents' paging does.
pub(crate) fn event_key(event: &Event) -> Key {
    let space = match (
        event.recipient_account_id.parse::<AccountId>(),
        event.aws_region.parse::<Region>(),
    ) {
        (Ok(account), Ok(region)) => space::account_region(&account, &region),
        _ => space::SYSTEM.to_owned(),
    };
    let nanos = i128::from(event.event_time.unix_timestamp().max(0)) * 1_000_000_000;
    Key::new(
        space,
        EVENT_TABLE,
        format!("{nanos:020}/{}", event.event_id),
    )
}
