//! The index of parameters whose policies come due: one entry per parameter with a pending
//! policy, in the server-wide space (table `ssm.due`, id `<epoch seconds, 12 digits>|<space>|<name>`)
//! so that one ordered scan finds everything due in every account and region.

use crate::record::{self, Parameter};
use rampart_protocol::AwsError;
use rampart_service::Env;
use rampart_store::{Batch, Expect, Key, space};

/// The table of the index.
pub(crate) const TABLE: &str = "ssm.due";

/// The index id of `name` in `space` due at `due`.
pub(crate) fn entry_id(due: i64, space: &str, name: &str) -> String {
    format!("{:012}|{space}|{name}", due.max(0))
}

/// An index id's time, space and name.
pub(crate) fn parse_entry(id: &str) -> Option<(i64, &str, &str)> {
    let (due, rest) = id.split_once('|')?;
    let (space, name) = rest.split_once('|')?;
    Some((due.parse().ok()?, space, name))
}

fn key(id: &str) -> Key {
    Key::new(space::SYSTEM, TABLE, id)
}

/// Adds to `batch` what moves `parameter`'s index entry to its next due policy (or removes it),
/// and records the entry in the parameter.
pub(crate) fn reschedule(mut batch: Batch, space: &str, parameter: &mut Parameter) -> Batch {
    let next = crate::policies::next_due(&parameter.policies)
        .map(|due| entry_id(due, space, &parameter.name));
    if next != parameter.due_entry {
        if let Some(old) = &parameter.due_entry {
            batch = batch.delete(key(old));
        }
        if let Some(new) = &next {
            batch = batch.put(key(new), Vec::new());
        }
        parameter.due_entry = next;
    }
    batch
}

/// The batch that deletes `parameter` (stored at `version`) from `space`, with its index entry
/// and its place in the tier counts.
pub(crate) fn delete_batch(
    env: &Env,
    space: &str,
    parameter: &Parameter,
    version: u64,
) -> Result<Batch, AwsError> {
    let mut batch = Batch::new().delete_if(
        record::key(space, &parameter.name),
        Expect::Version(version),
    );
    if let Some(old) = &parameter.due_entry {
        batch = batch.delete(key(old));
    }
    let mut counts = record::load_counts(env, space, &parameter.name)?;
    if let Some(latest) = parameter.latest() {
        counts.add(latest.tier, -1);
    }
    counts.put(batch)
}

/// The index entries due at or before `now`, oldest first, at most `limit`.
pub(crate) fn due_entries(env: &Env, now: i64, limit: usize) -> Result<Vec<String>, AwsError> {
    let scan = rampart_store::Scan::new("", limit);
    let items = env
        .store
        .scan(space::SYSTEM, TABLE, &scan)
        .map_err(crate::errors::store_failure)?;
    Ok(items
        .into_iter()
        .map(|item| item.key.id)
        .take_while(|id| parse_entry(id).is_some_and(|(due, _, _)| due <= now))
        .collect())
}

/// Removes an index entry that no longer matches its parameter.
pub(crate) fn forget(env: &Env, id: &str) -> Result<(), AwsError> {
    env.store
        .commit(Batch::new().delete(key(id)))
        .map(|_| ())
        .map_err(crate::errors::store_failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_order_by_time_and_parse_back() {
        let a = entry_id(99, "acct/123456789012/us-east-1", "/a/b");
        let b = entry_id(1_000, "acct/123456789012/eu-west-1", "x");
        assert!(a < b);
        assert_eq!(
            parse_entry(&a),
            Some((99, "acct/123456789012/us-east-1", "/a/b"))
        );
        assert_eq!(parse_entry("garbage"), None);
    }
}
