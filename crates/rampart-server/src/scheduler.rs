//! The one background thread that runs scheduled work: every second it reads the clock and runs
//! each duty that came due (CloudTrail deliveries, KMS rotations and deletions, ...). Duties
//! read time from the injected clock themselves, so a controlled clock moves all of them, and
//! [`Ticker::run_all`] makes the thread run every duty at once (after the clock was advanced).

use rampart_service::Duty;
use rampart_types::Clock;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

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
    /// Runs every duty in order on the scheduler thread and waits for them: how many ran, or
    /// why they could not.
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
    thread: JoinHandle<()>,
}

impl Scheduler {
    /// Starts the thread reading `inbox`; each duty first runs one interval after the start.
    pub fn start(
        clock: Arc<dyn Clock>,
        duties: Vec<Duty>,
        inbox: Inbox,
    ) -> Result<Scheduler, String> {
        let Inbox { orders, stop } = inbox;
        let thread = thread::Builder::new()
            .name("rampart-scheduler".into())
            .spawn(move || run(clock.as_ref(), duties, &orders))
            .map_err(|e| format!("cannot start the scheduler thread: {e}"))?;
        Ok(Scheduler { stop, thread })
    }

    /// Stops the thread after the duty it may be running.
    pub fn stop(self) {
        let _ = self.stop.send(Order::Stop);
        if self.thread.join().is_err() {
            tracing::error!("the scheduler thread panicked");
        }
    }
}

fn run(clock: &dyn Clock, duties: Vec<Duty>, orders: &Receiver<Order>) {
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
        for (duty, due) in duties.iter().zip(next.iter_mut()) {
            if run_all.is_some() || now >= *due {
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
}
