//! Leadership of cluster-wide work: [`Lease`], what [`crate::Store::lease`] answers, and
//! [`Leadership`], which keeps one lease for a node and says whether the node leads now.

use crate::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What an attempt to take or renew a lease found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// This store handle holds the lease: no other handle can hold it for at least this
    /// long, counted from the moment the call that answered this began.
    Held(Duration),
    /// Another handle holds it.
    Elsewhere,
}

/// One node's hold on one named lease: [`Leadership::leads`] takes or renews the lease and
/// says whether this node may do the leased work now.
///
/// The node leads until the instant the store promised (the call's start plus the answered
/// duration), so when the store cannot be reached the node stops leading before any other
/// handle can take over. Renewal happens on every `leads` call once a third of the promise is
/// used up, and on every call while another node holds the lease (to notice its expiry).
pub struct Leadership {
    store: Arc<dyn Store>,
    name: String,
    /// The end of the current promise, when this node holds the lease.
    until: Option<Instant>,
    /// When the current promise was given, and for how long.
    renewed: Option<(Instant, Duration)>,
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leadership")
            .field("name", &self.name)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

impl Leadership {
    /// The leadership of lease `name` in `store`; nothing is asked of the store yet.
    pub fn new(store: Arc<dyn Store>, name: impl Into<String>) -> Leadership {
        Leadership {
            store,
            name: name.into(),
            until: None,
            renewed: None,
        }
    }

    /// Whether this node leads now: takes the lease when it is free, renews it when due, and
    /// answers `false` once the store's last promise ran out without being renewed.
    pub fn leads(&mut self) -> bool {
        let now = Instant::now();
        if !self.renewal_due(now) {
            return true;
        }
        let was = self.holds(now);
        match self.store.lease(&self.name) {
            Ok(Lease::Held(promise)) => {
                self.until = Some(deadline(now, promise));
                self.renewed = Some((now, promise));
            }
            Ok(Lease::Elsewhere) => {
                self.until = None;
                self.renewed = None;
            }
            Err(e) => {
                // Keep what the store promised before: no other node can hold it until then.
                tracing::warn!(lease = %self.name, error = %e, "cannot renew the lease");
            }
        }
        let is = self.holds(Instant::now());
        if is != was {
            tracing::info!(lease = %self.name, leads = is, "leadership changed");
        }
        is
    }

    /// Gives the lease up (when held) so another node can take it at once; this node leads
    /// again only after a later [`Leadership::leads`] takes it anew.
    pub fn release(&mut self) {
        if self.until.take().is_some() {
            self.renewed = None;
            if let Err(e) = self.store.release(&self.name) {
                tracing::warn!(lease = %self.name, error = %e, "cannot release the lease");
            }
        }
    }

    fn holds(&self, now: Instant) -> bool {
        self.until.is_some_and(|until| now < until)
    }

    /// Whether the store must be asked: not holding, or a third of the promise used up.
    fn renewal_due(&self, now: Instant) -> bool {
        match (self.until, self.renewed) {
            (Some(until), Some((at, promise))) if now < until => {
                now.duration_since(at) >= promise / 3
            }
            _ => true,
        }
    }
}

/// `now + promise`, or a century from now when that is beyond what an `Instant` holds (a
/// promise of [`Duration::MAX`] means for ever).
fn deadline(now: Instant, promise: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    now.checked_add(promise)
        .or_else(|| now.checked_add(CENTURY))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Batch, Item, Key, MemStore, Scan, StoreError};
    use std::sync::Mutex;

    /// A store whose lease answers are scripted.
    struct Scripted {
        inner: MemStore,
        answers: Mutex<Vec<Result<Lease, StoreError>>>,
        released: Mutex<usize>,
    }

    impl Store for Scripted {
        fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
            self.inner.get(key)
        }
        fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError> {
            self.inner.scan(space, table, scan)
        }
        fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError> {
            self.inner.commit(batch)
        }
        fn watermark(&self, space: &str, table: &str) -> u64 {
            self.inner.watermark(space, table)
        }
        fn tables(&self) -> Result<Vec<(String, String)>, StoreError> {
            self.inner.tables()
        }
        fn lease(&self, _name: &str) -> Result<Lease, StoreError> {
            self.answers.lock().unwrap().remove(0)
        }
        fn release(&self, _name: &str) -> Result<(), StoreError> {
            *self.released.lock().unwrap() += 1;
            Ok(())
        }
    }

    fn scripted(answers: Vec<Result<Lease, StoreError>>) -> Arc<Scripted> {
        Arc::new(Scripted {
            inner: MemStore::new(),
            answers: Mutex::new(answers),
            released: Mutex::new(0),
        })
    }

    #[test]
    fn an_embedded_store_always_leads() {
        let mut leadership = Leadership::new(Arc::new(MemStore::new()), "duties");
        assert!(leadership.leads());
        assert!(leadership.leads());
        leadership.release();
        assert!(leadership.leads());
    }

    #[test]
    fn leads_only_while_the_store_says_so() {
        let store = scripted(vec![
            Ok(Lease::Elsewhere),
            Ok(Lease::Held(Duration::ZERO)),
            Ok(Lease::Elsewhere),
        ]);
        let mut leadership = Leadership::new(store.clone(), "duties");
        assert!(!leadership.leads(), "held elsewhere");
        assert!(!leadership.leads(), "a promise of nothing is no lead");
        assert!(!leadership.leads(), "taken by another");
        assert!(store.answers.lock().unwrap().is_empty());
    }

    #[test]
    fn a_failed_renewal_keeps_the_promise_already_given_and_no_more() {
        let store = scripted(vec![
            Ok(Lease::Held(Duration::ZERO)),
            Err(StoreError::Unavailable("down".into())),
        ]);
        let mut leadership = Leadership::new(store.clone(), "duties");
        assert!(!leadership.leads());
        assert!(!leadership.leads(), "an error never makes a leader");

        let long = Duration::from_secs(3600);
        let store = scripted(vec![Ok(Lease::Held(long))]);
        let mut leadership = Leadership::new(store.clone(), "duties");
        assert!(leadership.leads());
        // Not due for renewal: the store is not asked again (the script is empty).
        assert!(leadership.leads());
        leadership.release();
        assert_eq!(*store.released.lock().unwrap(), 1);
        leadership.release();
        assert_eq!(*store.released.lock().unwrap(), 1, "released once");
    }
}
