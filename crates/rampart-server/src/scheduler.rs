//! The one background thread that runs scheduled work: every second it reads the clock and runs
//! each duty that came due (CloudTrail deliveries, KMS rotations and deletions, ...). Duties
//! read time from the injected clock themselves, so a controlled clock moves all of them, and
//! [`Ticker::run_all`] makes the thread run every duty at once (after the clock was advanced).
//!
//! Several nodes sharing one store run each duty exactly once between them: a scheduler
//! started with [`Scheduler::start_leading`] runs duties only while its node holds the store's
//! [`LEASE`] (see [`rampart_store::Leadership`]); the other nodes' schedulers idle, and the
//! first to take the lease after its holder died or was cut off runs what came due.

use rampart_service::Duty;
use rampart_store::{Leadership, Store};
use rampart_types::Clock;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

/// The store lease whose holder runs the scheduled work of every node sharing the store.
pub const LEASE: &str = "scheduler";

/// The longest [`Ticker::run_all`] waits for the duties to finish.
const RUN_ALL_TIMEOUT: Duration = Duration::from_secs(120);

/// What the scheduler thread is asked.
enum Order {
    /// Run every duty now, then answer with how many ran.
    RunAll(Sender<usize>),
    /// Finish.
    Stop,
}

/// A handle that asks the scheduler thread to run every duty now.
#[derive(Clone)]
pub struct Ticker(Sender<Order>);

/// The scheduler's end of the [`Ticker`] channel, handed to [`Scheduler::start`].
pub struct Inbox {
    orders: Receiver<Order>,
    stop: Sender<Order>,
}

/// A ticker and the inbox its scheduler will read: made before the scheduler starts, so that
/// the services registered earlier can hold the ticker.
pub fn channel() -> (Ticker, Inbox) {
    let (sender, orders) = mpsc::channel();
    let inbox = Inbox {
        orders,
        stop: sender.clone(),
    };
    (Ticker(sender), inbox)
}

impl Ticker {
    /// Runs every duty in order on the scheduler thread and waits for them: how many ran (none
    /// on a node that does not lead), or why they could not.
    pub fn run_all(&self) -> Result<usize, String> {
        let (done, ran) = mpsc::channel();
        self.0
            .send(Order::RunAll(done))
            .map_err(|_| "the scheduler is not running".to_owned())?;
        ran.recv_timeout(RUN_ALL_TIMEOUT)
            .map_err(|_| format!("the scheduled work did not finish within {RUN_ALL_TIMEOUT:?}"))
    }
}

/// The running scheduler thread.
pub struct Scheduler {
    stop: Sender<Order>,
    thread: JoinHandle<Option<Leadership>>,
}

impl Scheduler {
    /// Starts the thread reading `inbox`, running every duty (a node alone with its store);
    /// each duty first runs one interval after the start.
    pub fn start(
        clock: Arc<dyn Clock>,
        duties: Vec<Duty>,
        inbox: Inbox,
    ) -> Result<Scheduler, String> {
        Scheduler::spawn(clock, duties, inbox, None)
    }

    /// [`Scheduler::start`] for a node of several sharing `store`: duties run only while this
    /// node holds the store's [`LEASE`].
    pub fn start_leading(
        clock: Arc<dyn Clock>,
        duties: Vec<Duty>,
        inbox: Inbox,
        store: Arc<dyn Store>,
    ) -> Result<Scheduler, String> {
        Scheduler::spawn(clock, duties, inbox, Some(Leadership::new(store, LEASE)))
    }

    fn spawn(
        clock: Arc<dyn Clock>,
        duties: Vec<Duty>,
        inbox: Inbox,
        leadership: Option<Leadership>,
    ) -> Result<Scheduler, String> {
        let Inbox { orders, stop } = inbox;
        let thread = thread::Builder::new()
            .name("rampart-scheduler".into())
            .spawn(move || {
                let mut leadership = leadership;
                run(clock.as_ref(), &duties, &orders, leadership.as_mut());
                leadership
            })
            .map_err(|e| format!("cannot start the scheduler thread: {e}"))?;
        Ok(Scheduler { stop, thread })
    }

    /// Stops the thread after the duty it may be running and hands leadership over.
    pub fn stop(self) {
        self.finish(|| {});
    }

    /// Stops the thread after the duty it may be running, then runs `last` (the final
    /// delivery of trail files) if this node still leads, then hands leadership over so
    /// another node takes the scheduled work at once.
    pub fn finish(self, last: impl FnOnce()) {
        let _ = self.stop.send(Order::Stop);
        match self.thread.join() {
            Ok(Some(mut leadership)) => {
                if leadership.leads() {
                    last();
                }
                leadership.release();
            }
            Ok(None) => last(),
            Err(_) => tracing::error!("the scheduler thread panicked"),
        }
    }
}

fn run(
    clock: &dyn Clock,
    duties: &[Duty],
    orders: &Receiver<Order>,
    mut leadership: Option<&mut Leadership>,
) {
    let start = clock.now();
    let mut next: Vec<SystemTime> = duties.iter().map(|d| start + d.every).collect();
    loop {
        let run_all = match orders.recv_timeout(Duration::from_secs(1)) {
            Err(RecvTimeoutError::Timeout) => None,
            Ok(Order::RunAll(done)) => Some(done),
            Ok(Order::Stop) | Err(RecvTimeoutError::Disconnected) => return,
        };
        let now = clock.now();
        let mut ran = 0;
        // Asked every tick, so the leader renews and a follower notices a free lease, and
        // again before each duty, so a node whose lease ran out stops at once.
        let mut leads = || leadership.as_mut().is_none_or(|l| l.leads());
        let leading = leads();
        for (duty, due) in duties.iter().zip(next.iter_mut()) {
            if leading && (run_all.is_some() || now >= *due) && leads() {
                tracing::debug!(duty = duty.name, "running scheduled work");
                (duty.run)();
                *due = now + duty.every;
                ran += 1;
            }
        }
        if let Some(done) = run_all {
            let _ = done.send(ran);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_store::{Batch, Item, Key, Lease, MemStore, Scan, StoreError};
    use rampart_types::FixedClock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn run_all_runs_every_duty_before_it_returns() {
        let clock = Arc::new(FixedClock::new(SystemTime::UNIX_EPOCH));
        let count = Arc::new(AtomicUsize::new(0));
        let duty = |name| {
            let count = count.clone();
            Duty {
                name,
                every: Duration::from_secs(3600),
                run: Box::new(move || {
                    count.fetch_add(1, Ordering::SeqCst);
                }),
            }
        };
        let (ticker, inbox) = channel();
        let scheduler = Scheduler::start(clock, vec![duty("a"), duty("b")], inbox).unwrap();
        assert_eq!(ticker.run_all().unwrap(), 2);
        assert_eq!(count.load(Ordering::SeqCst), 2);
        scheduler.stop();
        assert!(ticker.run_all().is_err());
    }

    /// A store whose leases another node always holds.
    struct Follower(MemStore);

    impl Store for Follower {
        fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
            self.0.get(key)
        }
        fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError> {
            self.0.scan(space, table, scan)
        }
        fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError> {
            self.0.commit(batch)
        }
        fn watermark(&self, space: &str, table: &str) -> u64 {
            self.0.watermark(space, table)
        }
        fn tables(&self) -> Result<Vec<(String, String)>, StoreError> {
            self.0.tables()
        }
        fn lease(&self, _name: &str) -> Result<Lease, StoreError> {
            Ok(Lease::Elsewhere)
        }
    }

    fn counting(count: &Arc<AtomicUsize>) -> Duty {
        let count = count.clone();
        Duty {
            name: "count",
            every: Duration::from_secs(3600),
            run: Box::new(move || {
                count.fetch_add(1, Ordering::SeqCst);
            }),
        }
    }

    #[test]
    fn only_the_leading_node_runs_duties_and_the_last_work() {
        let clock = Arc::new(FixedClock::new(SystemTime::UNIX_EPOCH));
        let count = Arc::new(AtomicUsize::new(0));
        let last = Arc::new(AtomicUsize::new(0));

        let (ticker, inbox) = channel();
        let follower = Arc::new(Follower(MemStore::new()));
        let scheduler =
            Scheduler::start_leading(clock.clone(), vec![counting(&count)], inbox, follower)
                .unwrap();
        assert_eq!(ticker.run_all().unwrap(), 0);
        scheduler.finish(|| {
            last.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(count.load(Ordering::SeqCst), 0);
        assert_eq!(
            last.load(Ordering::SeqCst),
            0,
            "a follower delivers nothing"
        );

        let (ticker, inbox) = channel();
        let alone = Arc::new(MemStore::new());
        let scheduler =
            Scheduler::start_leading(clock, vec![counting(&count)], inbox, alone).unwrap();
        assert_eq!(ticker.run_all().unwrap(), 1);
        scheduler.finish(|| {
            last.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(last.load(Ordering::SeqCst), 1);
    }
}
