//! The storage contract suite on a real PostgreSQL cluster (see `support`).

mod support;

use rampart_store::{MemStore, Store};

/// A fresh store per case. Without PostgreSQL installed the case runs on the in-memory store
/// instead, after saying loudly that the PostgreSQL run is skipped.
fn make() -> Box<dyn Store> {
    match support::fresh_store() {
        Some(store) => Box::new(store),
        None => {
            eprintln!("SKIPPED on PostgreSQL (not installed): case ran on MemStore");
            Box::new(MemStore::new())
        }
    }
}

rampart_store::contract_tests!(|| make());
