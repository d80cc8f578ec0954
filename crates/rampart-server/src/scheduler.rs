//! The one background thread that runs scheduled work: every second it reads the clock and runs
//! each duty that came due (CloudTrail deliveries, KMS rotations and deletions, ...). Duties
//! read time from the injected clock themselves, so a controlled clock moves all of them.

use rampart_service::Duty;
use rampart_types::Clock;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

/// The running scheduler thread.
pub struct Scheduler {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Scheduler {
    /// Starts the thread; each duty first runs one interval after the start.
    pub fn start(clock: Arc<dyn Clock>, duties: Vec<Duty>) -> Result<Scheduler, String> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("rampart-scheduler".into())
            .spawn(move || run(clock.as_ref(), duties, &stopped))
            .map_err(|e| format!("cannot start the scheduler thread: {e}"))?;
        Ok(Scheduler { stop, thread })
    }

    /// Stops the thread after the duty it may be running.
    pub fn stop(self) {
        let _ = self.stop.send(());
        if self.thread.join().is_err() {
            tracing::error!("the scheduler thread panicked");
        }
    }
}

fn run(clock: &dyn Clock, duties: Vec<Duty>, stopped: &mpsc::Receiver<()>) {
    let start = clock.now();
    let mut next: Vec<SystemTime> = duties.iter().map(|d| start + d.every).collect();
    loop {
        match stopped.recv_timeout(Duration::from_secs(1)) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = clock.now();
        for (duty, due) in duties.iter().zip(next.iter_mut()) {
            if now >= *due {
                tracing::debug!(duty = duty.name, "running scheduled work");
                (duty.run)();
                *due = now + duty.every;
            }
        }
    }
}
