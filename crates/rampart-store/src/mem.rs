//! The in-memory store: a `BTreeMap` behind a `Mutex`, for unit tests of services.

use crate::batch::{Batch, Op};
use crate::error::StoreError;
use crate::key::{Item, Key};
use crate::scan::Scan;
use crate::store::Store;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// An in-memory [`Store`]; nothing survives the process. Meant for tests of services.
#[derive(Debug, Default)]
pub struct MemStore {
    state: Mutex<State>,
}

/// Everything the store holds, guarded by one lock so commits and scans are atomic.
#[derive(Debug, Default)]
struct State {
    last_version: u64,
    tables: BTreeMap<(String, String), BTreeMap<String, Entry>>,
    watermarks: HashMap<(String, String), u64>,
}

/// One stored value.
struct Entry {
    version: u64,
    value: Vec<u8>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{} ({} bytes)", self.version, self.value.len())
    }
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore::default()
    }

    /// The state; a panic elsewhere never leaves it half-written, so a poisoned lock is safe.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn entry(&self, key: &Key) -> Option<&Entry> {
        self.tables
            .get(&(key.space.clone(), key.table.clone()))?
            .get(&key.id)
    }

    fn put(&mut self, key: Key, version: u64, value: Vec<u8>) {
        self.tables
            .entry((key.space, key.table))
            .or_default()
            .insert(key.id, Entry { version, value });
    }

    fn mark(&mut self, key: &Key, version: u64) {
        self.watermarks
            .insert((key.space.clone(), key.table.clone()), version);
    }

    fn delete(&mut self, key: &Key) {
        let table_key = (key.space.clone(), key.table.clone());
        if let Some(table) = self.tables.get_mut(&table_key) {
            table.remove(&key.id);
            if table.is_empty() {
                self.tables.remove(&table_key);
            }
        }
    }
}

impl Store for MemStore {
    fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        key.check_limits()?;
        Ok(self.state().entry(key).map(|entry| Item {
            key: key.clone(),
            version: entry.version,
            value: entry.value.clone(),
        }))
    }

    fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError> {
        scan.check_limits(space, table)?;
        let state = self.state();
        let Some(ids) = state.tables.get(&(space.to_owned(), table.to_owned())) else {
            return Ok(Vec::new());
        };
        let prefix = scan.prefix.as_str();
        let cursor = scan.start_after.as_deref();
        let in_prefix = |(id, _): &(&String, &Entry)| id.starts_with(prefix);
        let hits: Vec<(&String, &Entry)> = if scan.reverse {
            if cursor.is_some_and(|c| c < prefix) {
                return Ok(Vec::new());
            }
            let upper = cursor.map_or(Bound::Unbounded, Bound::Excluded);
            ids.range::<str, _>((Bound::Included(prefix), upper))
                .rev()
                .skip_while(|hit| !in_prefix(hit))
                .take_while(in_prefix)
                .take(scan.limit)
                .collect()
        } else {
            let lower = match cursor {
                Some(c) if c >= prefix => Bound::Excluded(c),
                _ => Bound::Included(prefix),
            };
            ids.range::<str, _>((lower, Bound::Unbounded))
                .take_while(in_prefix)
                .take(scan.limit)
                .collect()
        };
        Ok(hits
            .into_iter()
            .map(|(id, entry)| Item {
                key: Key::new(space, table, id.as_str()),
                version: entry.version,
                value: entry.value.clone(),
            })
            .collect())
    }

    fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError> {
        batch.check_limits()?;
        let mut state = self.state();
        let version = state.last_version + 1;
        // Evaluate every expectation first, in order, over the batch's own earlier effects.
        let mut staged: HashMap<&Key, bool> = HashMap::new();
        for op in &batch.ops {
            let key = op.key();
            let current = match staged.get(key) {
                Some(true) => Some(version),
                Some(false) => None,
                None => state.entry(key).map(|entry| entry.version),
            };
            if !op.expect().is_met_by(current) {
                return Err(StoreError::Conflict { key: key.clone() });
            }
            match op {
                Op::Put { .. } => staged.insert(key, true),
                Op::Delete { .. } => staged.insert(key, false),
                Op::Check { .. } => None,
            };
        }
        drop(staged);
        if batch.writes() {
            state.last_version = version;
        }
        Ok(batch
            .ops
            .into_iter()
            .map(|op| match op {
                Op::Put { key, value, .. } => {
                    state.mark(&key, version);
                    state.put(key, version, value);
                    Some(version)
                }
                Op::Delete { key, .. } => {
                    state.mark(&key, version);
                    state.delete(&key);
                    None
                }
                Op::Check { .. } => None,
            })
            .collect())
    }

    fn tables(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self.state().tables.keys().cloned().collect())
    }

    fn watermark(&self, space: &str, table: &str) -> u64 {
        self.state()
            .watermarks
            .get(&(space.to_owned(), table.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_values() {
        let store = MemStore::new();
        store
            .commit(Batch::new().put(Key::new("s", "t", "i"), "hunter2"))
            .unwrap();
        let shown = format!("{store:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("7 bytes"), "{shown}");
    }
}

#[cfg(test)]
mod contract {
    crate::contract_tests!(|| Box::new(super::MemStore::new()));
}

#[cfg(test)]
mod properties {
    use super::MemStore;
    use crate::{Batch, Key, Scan, Store};
    use proptest::prelude::*;

    proptest! {
        /// Paging through any set of ids visits exactly the ids with the prefix, in order.
        #[test]
        fn paging_visits_each_matching_id_once(
            ids in proptest::collection::btree_set("[a/%é]{0,4}", 0..20),
            prefix in "[a/%é]{0,2}",
            page in 1usize..5,
            reverse: bool,
        ) {
            let store = MemStore::new();
            let mut batch = Batch::new();
            for id in &ids {
                batch = batch.put(Key::new("s", "t", id.as_str()), "v");
            }
            store.commit(batch).unwrap();
            let mut want: Vec<String> =
                ids.iter().filter(|id| id.starts_with(&prefix)).cloned().collect();
            if reverse {
                want.reverse();
            }
            let mut scan = Scan::new(prefix.as_str(), page);
            scan.reverse = reverse;
            let mut seen = Vec::new();
            loop {
                let got = store.scan("s", "t", &scan).unwrap();
                prop_assert!(got.len() <= page);
                let Some(last) = got.last() else { break };
                scan.start_after = Some(last.key.id.clone());
                seen.extend(got.into_iter().map(|item| item.key.id));
            }
            prop_assert_eq!(seen, want);
        }
    }
}
