//! Group commit: batches that arrive while a commit is being written wait for it, then share
//! the next transaction and its single fsync.
//!
//! Every batch still behaves as if committed alone, in arrival order: each runs inside its own
//! savepoint, sees the batches before it, gets its own version when it writes, and a batch
//! whose expectation fails is rolled back to its savepoint without touching the others. No
//! caller hears `Ok` before the shared transaction is durable; if that final commit fails,
//! every batch of the group fails and none of them is applied.

use crate::error::from_sqlite;
use crate::sql;
use rampart_store::{Batch, Expect, Key, Op, StoreError};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The most batches written by one transaction, so one caller never waits for an unbounded
/// group.
const MAX_GROUP: usize = 64;

/// What a batch's commit answers.
pub(crate) type Outcome = Result<Vec<Option<u64>>, StoreError>;

/// The tables a committed group wrote, with the version of their latest write.
pub(crate) type Written = Vec<((String, String), u64)>;

/// The writer connection and the batches waiting for it.
pub(crate) struct GroupCommitter {
    writer: Mutex<Connection>,
    queue: Mutex<Queue>,
    settled: Condvar,
}

#[derive(Default)]
struct Queue {
    next_ticket: u64,
    waiting: Vec<(u64, Batch)>,
    outcomes: HashMap<u64, Outcome>,
    /// Whether some caller is writing a group now.
    leading: bool,
}

impl GroupCommitter {
    /// A committer over the writer connection.
    pub(crate) fn new(writer: Connection) -> Self {
        GroupCommitter {
            writer: Mutex::new(writer),
            queue: Mutex::new(Queue::default()),
            settled: Condvar::new(),
        }
    }

    /// Commits `batch` (non-empty), together with whatever other batches are waiting when the
    /// writer is free. `record` runs, under the queue's lock and before any caller of the group
    /// returns, with the tables the group wrote.
    pub(crate) fn commit(&self, batch: Batch, record: impl Fn(Written)) -> Outcome {
        let mut queue = self.lock_queue();
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push((ticket, batch));
        loop {
            if let Some(outcome) = queue.outcomes.remove(&ticket) {
                return outcome;
            }
            if queue.leading {
                queue = self
                    .settled
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            queue.leading = true;
            let take = queue.waiting.len().min(MAX_GROUP);
            let group: Vec<(u64, Batch)> = queue.waiting.drain(..take).collect();
            drop(queue);
            let mut lead = Lead {
                committer: self,
                tickets: group.iter().map(|(ticket, _)| *ticket).collect(),
                outcomes: None,
            };
            let (outcomes, written) = self.write_group(group);
            lead.outcomes = Some(outcomes);
            queue = lead.settle(&record, written);
        }
    }

    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one group in one transaction; answers each batch's outcome.
    fn write_group(&self, group: Vec<(u64, Batch)>) -> (Vec<(u64, Outcome)>, Written) {
        // A panic elsewhere cannot leave the connection mid-transaction: see below.
        let mut conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let all_fail = |group: &[(u64, Batch)], error: StoreError| {
            let outcomes = group
                .iter()
                .map(|(ticket, _)| (*ticket, Err(error.clone())))
                .collect();
            (outcomes, Vec::new())
        };
        if !conn.is_autocommit()
            && let Err(e) = conn.execute_batch("ROLLBACK")
        {
            // A previous rollback failed (I/O error); it must be cleared before starting anew.
            return all_fail(&group, from_sqlite(e));
        }
        // Dropping the transaction without `commit` rolls it back.
        let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => return all_fail(&group, from_sqlite(e)),
        };
        let mut version = match sql::last_version(&tx) {
            Ok(version) => version,
            Err(e) => return all_fail(&group, e),
        };
        let mut outcomes = Vec::with_capacity(group.len());
        let mut written = Vec::new();
        for (ticket, batch) in &group {
            let outcome = apply_in_savepoint(&mut tx, batch, version);
            if outcome.is_ok() && batch.writes() {
                version += 1;
                written.extend(tables_written(batch).map(|table| (table, version)));
            }
            outcomes.push((*ticket, outcome));
        }
        let finished = match written.is_empty() {
            true => Ok(()),
            false => sql::set_last_version(&tx, version),
        }
        .and_then(|()| tx.commit().map_err(from_sqlite));
        match finished {
            Ok(()) => (outcomes, written),
            Err(e) => all_fail(&group, e),
        }
    }
}

/// The caller writing a group. If it unwinds before settling, every batch of its group is
/// answered with an error and another caller may lead, so nobody waits forever.
struct Lead<'a> {
    committer: &'a GroupCommitter,
    tickets: Vec<u64>,
    outcomes: Option<Vec<(u64, Outcome)>>,
}

impl<'a> Lead<'a> {
    /// Publishes the group's outcomes and hands the writer on; returns the queue, locked.
    fn settle(mut self, record: &impl Fn(Written), written: Written) -> MutexGuard<'a, Queue> {
        let mut queue = self.committer.lock_queue();
        record(written);
        self.publish(&mut queue);
        queue
    }

    fn publish(&mut self, queue: &mut Queue) {
        let outcomes = self.outcomes.take().unwrap_or_else(|| {
            let error = StoreError::Unavailable("the commit was interrupted".into());
            self.tickets
                .iter()
                .map(|ticket| (*ticket, Err(error.clone())))
                .collect()
        });
        queue.outcomes.extend(outcomes);
        queue.leading = false;
        self.tickets.clear();
        self.committer.settled.notify_all();
    }
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        if !self.tickets.is_empty() {
            let mut queue = self.committer.lock_queue();
            self.outcomes = None;
            self.publish(&mut queue);
        }
    }
}

/// Applies `batch` as if it were alone, on top of what the transaction holds, with the version
/// after `last`; rolls it back to its savepoint when an expectation fails or a write errs.
fn apply_in_savepoint(tx: &mut Transaction<'_>, batch: &Batch, last: u64) -> Outcome {
    let version = last
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt("version sequence exhausted".into()))?;
    // Dropping the savepoint without `commit` rolls it back.
    let savepoint = tx.savepoint().map_err(from_sqlite)?;
    let mut versions = Vec::with_capacity(batch.ops.len());
    for op in &batch.ops {
        let key = op.key();
        let expect = op.expect();
        if expect != Expect::Any && !expect.is_met_by(sql::version(&savepoint, key)?) {
            return Err(StoreError::Conflict { key: key.clone() });
        }
        versions.push(match op {
            Op::Put { key, value, .. } => {
                sql::put(&savepoint, key, version, value)?;
                Some(version)
            }
            Op::Delete { key, .. } => {
                sql::delete(&savepoint, key)?;
                None
            }
            Op::Check { .. } => None,
        });
    }
    savepoint.commit().map_err(from_sqlite)?;
    Ok(versions)
}

/// The (space, table) of every op of `batch` that writes.
fn tables_written(batch: &Batch) -> impl Iterator<Item = (String, String)> + '_ {
    batch
        .ops
        .iter()
        .filter(|op| !matches!(op, Op::Check { .. }))
        .map(|op| {
            let Key { space, table, .. } = op.key();
            (space.clone(), table.clone())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;
    use std::sync::Arc;

    fn key(id: &str) -> Key {
        Key::new("system", "group", id.to_owned())
    }

    fn committer() -> (GroupCommitter, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let writer = schema::open_writer(&dir.path().join("store.db")).unwrap();
        (GroupCommitter::new(writer), dir)
    }

    fn stored(committer: &GroupCommitter, id: &str) -> Option<(u64, Vec<u8>)> {
        let conn = committer.writer.lock().unwrap();
        sql::get(&conn, &key(id))
            .unwrap()
            .map(|item| (item.version, item.value))
    }

    #[test]
    fn a_conflict_in_a_group_rolls_back_only_its_own_batch() {
        let (committer, _dir) = committer();
        let group = vec![
            (0, Batch::new().put(key("a"), b"1".to_vec())),
            (
                1,
                Batch::new().put(key("b"), b"2".to_vec()).put_if(
                    key("a"),
                    b"x".to_vec(),
                    Expect::Absent,
                ),
            ),
            (
                2,
                Batch::new().put_if(key("c"), b"3".to_vec(), Expect::Absent),
            ),
            (3, Batch::new().check(key("a"), Expect::Version(1))),
        ];
        let (outcomes, written) = committer.write_group(group);
        assert_eq!(outcomes[0], (0, Ok(vec![Some(1)])));
        assert_eq!(
            outcomes[1],
            (1, Err(StoreError::Conflict { key: key("a") }))
        );
        // The batch after the conflict gets the next version: no gap.
        assert_eq!(outcomes[2], (2, Ok(vec![Some(2)])));
        assert_eq!(outcomes[3], (3, Ok(vec![None])));
        assert_eq!(stored(&committer, "a"), Some((1, b"1".to_vec())));
        assert_eq!(stored(&committer, "b"), None);
        assert_eq!(stored(&committer, "c"), Some((2, b"3".to_vec())));
        let table = ("system".to_owned(), "group".to_owned());
        assert_eq!(written, vec![(table.clone(), 1), (table, 2)]);
    }

    #[test]
    fn concurrent_compare_and_swap_counts_every_success_once() {
        let (committer, _dir) = committer();
        let committer = Arc::new(committer);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let committer = committer.clone();
                std::thread::spawn(move || {
                    let mut won = 0u32;
                    for _ in 0..40 {
                        let current = stored(&committer, "n");
                        let (expect, count) = match &current {
                            None => (Expect::Absent, 0u32),
                            Some((version, value)) => (
                                Expect::Version(*version),
                                String::from_utf8_lossy(value).parse().unwrap(),
                            ),
                        };
                        let next = (count + 1).to_string().into_bytes();
                        let batch = Batch::new().put_if(key("n"), next, expect);
                        if committer.commit(batch, |_| {}).is_ok() {
                            won += 1;
                        }
                    }
                    won
                })
            })
            .collect();
        let won: u32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        let (version, value) = stored(&committer, "n").unwrap();
        assert_eq!(String::from_utf8_lossy(&value), won.to_string());
        // Every successful write took exactly one version; failed ones took none.
        assert_eq!(version, u64::from(won));
    }
}
