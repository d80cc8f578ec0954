//! Latency of the two hottest store calls: a one-put commit (one fsync) and a point get.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_store::{Batch, Key, Store};
use rampart_store_sqlite::SqliteStore;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("bench.db")).unwrap();
    let value = vec![7u8; 512];
    let mut n = 0u64;
    c.bench_function("commit one put (512 B, fsync)", |b| {
        b.iter(|| {
            n += 1;
            let key = Key::new("acct/123456789012", "bench", format!("k{}", n % 1000));
            black_box(store.commit(Batch::new().put(key, value.clone())).unwrap());
        })
    });
    let key = Key::new("acct/123456789012", "bench", "k1");
    c.bench_function("get (512 B)", |b| {
        b.iter(|| black_box(store.get(&key).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
