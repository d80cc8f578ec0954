//! The contract test suite every [`Store`] backend must pass (feature `testkit`).
//!
//! Each case is a `pub fn(&dyn Store)` that expects a fresh, empty store and panics on a
//! breach of the contract. A backend runs them all with one line in its tests:
//!
//! ```
//! # use rampart_store::MemStore;
//! rampart_store::contract_tests!(|| Box::new(MemStore::new()));
//! # fn main() {}
//! ```
//!
//! The argument is an expression callable with no arguments whose result dereferences to a
//! store (a `Box<dyn Store>`, or a fixture that also keeps a temporary directory alive).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{
    Batch, Expect, Item, Key, Lease, MAX_ID_LEN, MAX_NAME_LEN, MAX_VALUE_LEN, Scan, Store,
    StoreError,
};
use std::sync::atomic::{AtomicBool, Ordering};

/// Emits one `#[test]` per contract case, each on a fresh store made by `$make()`.
#[macro_export]
macro_rules! contract_tests {
    ($make:expr) => {
        $crate::contract_tests!(@cases $make;
            get_absent,
            put_then_get,
            values_round_trip_bytes,
            versions_increase_and_are_shared_within_a_commit,
            commit_returns_a_version_per_put_only,
            put_expectations,
            delete_expectations,
            check_expectations,
            failed_expectation_leaves_batch_unapplied,
            ops_see_earlier_ops_of_their_batch,
            delete_then_recreate_never_reuses_a_version,
            scan_orders_by_id_bytes,
            scan_prefix,
            scan_pages_with_start_after,
            scan_limit,
            scan_reverse,
            spaces_and_tables_are_isolated,
            too_large,
            random_batches_match_model,
            concurrent_compare_and_swap,
            concurrent_batches_never_interleave,
            concurrent_transfers_conserve_total,
            watermarks_move_exactly_when_their_table_changes,
            tables_lists_exactly_the_non_empty_tables,
            a_lease_is_held_renewed_released_and_taken_again,
            leases_are_not_items,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let make = $make;
                let store = make();
                $crate::testkit::$case(&*store);
            }
        )*
    };
}

const SPACE: &str = "acct/123456789012";
const TABLE: &str = "t";

fn key(id: &str) -> Key {
    Key::new(SPACE, TABLE, id)
}

fn put(store: &dyn Store, key: Key, value: &[u8]) -> u64 {
    store.commit(Batch::new().put(key, value)).unwrap()[0].unwrap()
}

fn version_of(store: &dyn Store, key: &Key) -> Option<u64> {
    store.get(key).unwrap().map(|item| item.version)
}

fn value_of(store: &dyn Store, key: &Key) -> Option<Vec<u8>> {
    store.get(key).unwrap().map(|item| item.value)
}

fn ids(items: &[Item]) -> Vec<&str> {
    items.iter().map(|item| item.key.id.as_str()).collect()
}

fn scan_ids(store: &dyn Store, scan: &Scan) -> Vec<String> {
    let items = store.scan(SPACE, TABLE, scan).unwrap();
    ids(&items).into_iter().map(str::to_owned).collect()
}

fn assert_conflict(result: Result<Vec<Option<u64>>, StoreError>, on: &Key) {
    match result {
        Err(StoreError::Conflict { key }) => assert_eq!(&key, on),
        other => panic!("expected a conflict on {on}, got {other:?}"),
    }
}

/// Reading a key never written is `Ok(None)`, not an error.
pub fn get_absent(store: &dyn Store) {
    assert_eq!(store.get(&key("nothing")).unwrap(), None);
    assert!(store.scan(SPACE, TABLE, &Scan::all()).unwrap().is_empty());
}

/// A put is read back with its key, value and returned version; a second put replaces it.
pub fn put_then_get(store: &dyn Store) {
    let k = key("alice");
    let v1 = put(store, k.clone(), b"one");
    let item = store.get(&k).unwrap().unwrap();
    assert_eq!(
        item,
        Item {
            key: k.clone(),
            version: v1,
            value: b"one".to_vec()
        }
    );
    let v2 = put(store, k.clone(), b"two");
    assert!(v2 > v1);
    assert_eq!(value_of(store, &k).unwrap(), b"two");
    assert_eq!(version_of(store, &k), Some(v2));
}

/// Values are opaque bytes: empty, every byte value, and the largest allowed all round-trip.
pub fn values_round_trip_bytes(store: &dyn Store) {
    let all_bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let big: Vec<u8> = (0..MAX_VALUE_LEN).map(|i| (i % 251) as u8).collect();
    put(store, key("empty"), b"");
    put(store, key("bytes"), &all_bytes);
    put(store, key("big"), &big);
    assert_eq!(value_of(store, &key("empty")).unwrap(), b"");
    assert_eq!(value_of(store, &key("bytes")).unwrap(), all_bytes);
    assert_eq!(value_of(store, &key("big")).unwrap(), big);
}

/// Versions strictly increase across commits, store-wide, and one commit's puts share one.
pub fn versions_increase_and_are_shared_within_a_commit(store: &dyn Store) {
    let a = put(store, key("a"), b"1");
    let b = put(store, Key::new("other-space", "other-table", "b"), b"1");
    assert!(b > a, "versions are store-wide: {b} after {a}");
    let got = store
        .commit(
            Batch::new()
                .put(key("x"), "1")
                .put(key("y"), "2")
                .put(Key::new("system", "z", "z"), "3"),
        )
        .unwrap();
    let v = got[0].unwrap();
    assert!(v > b);
    assert_eq!(got, vec![Some(v), Some(v), Some(v)]);
    for k in [key("x"), key("y"), Key::new("system", "z", "z")] {
        assert_eq!(version_of(store, &k), Some(v));
    }
    assert!(put(store, key("a"), b"2") > v);
}

/// `commit` answers one entry per op: the new version for a put, `None` otherwise.
pub fn commit_returns_a_version_per_put_only(store: &dyn Store) {
    put(store, key("d"), b"x");
    let got = store
        .commit(
            Batch::new()
                .check(key("c"), Expect::Absent)
                .put(key("p"), "x")
                .delete(key("d")),
        )
        .unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], None);
    assert!(got[1].is_some());
    assert_eq!(got[2], None);
    assert_eq!(
        store.commit(Batch::new()).unwrap(),
        Vec::<Option<u64>>::new()
    );
    assert_eq!(
        store
            .commit(Batch::new().check(key("p"), Expect::Any))
            .unwrap(),
        vec![None]
    );
}

/// Put with each expectation, on an absent and on a present key.
pub fn put_expectations(store: &dyn Store) {
    let k = key("k");
    // Absent key: Any and Absent pass, any Version fails.
    assert_conflict(
        store.commit(Batch::new().put_if(k.clone(), "x", Expect::Version(1))),
        &k,
    );
    assert_eq!(store.get(&k).unwrap(), None);
    let v1 = store
        .commit(Batch::new().put_if(k.clone(), "1", Expect::Absent))
        .unwrap()[0]
        .unwrap();
    // Present key: Absent fails, a stale or future Version fails, the current one passes.
    assert_conflict(
        store.commit(Batch::new().put_if(k.clone(), "x", Expect::Absent)),
        &k,
    );
    assert_conflict(
        store.commit(Batch::new().put_if(k.clone(), "x", Expect::Version(v1 + 1))),
        &k,
    );
    assert_conflict(
        store.commit(Batch::new().put_if(k.clone(), "x", Expect::Version(0))),
        &k,
    );
    let v2 = store
        .commit(Batch::new().put_if(k.clone(), "2", Expect::Version(v1)))
        .unwrap()[0]
        .unwrap();
    assert_conflict(
        store.commit(Batch::new().put_if(k.clone(), "x", Expect::Version(v1))),
        &k,
    );
    let v3 = store
        .commit(Batch::new().put_if(k.clone(), "3", Expect::Any))
        .unwrap()[0]
        .unwrap();
    assert!(v1 < v2 && v2 < v3);
    assert_eq!(value_of(store, &k).unwrap(), b"3");
    let fresh = key("fresh");
    store
        .commit(Batch::new().put_if(fresh.clone(), "f", Expect::Any))
        .unwrap();
    assert_eq!(value_of(store, &fresh).unwrap(), b"f");
}

/// Delete with each expectation; deleting an absent key under `Any` is a no-op.
pub fn delete_expectations(store: &dyn Store) {
    let k = key("k");
    assert_eq!(
        store.commit(Batch::new().delete(k.clone())).unwrap(),
        vec![None]
    );
    store
        .commit(Batch::new().delete_if(k.clone(), Expect::Absent))
        .unwrap();
    assert_conflict(
        store.commit(Batch::new().delete_if(k.clone(), Expect::Version(1))),
        &k,
    );
    let v = put(store, k.clone(), b"x");
    assert_conflict(
        store.commit(Batch::new().delete_if(k.clone(), Expect::Absent)),
        &k,
    );
    assert_conflict(
        store.commit(Batch::new().delete_if(k.clone(), Expect::Version(v + 1))),
        &k,
    );
    assert_eq!(version_of(store, &k), Some(v));
    store
        .commit(Batch::new().delete_if(k.clone(), Expect::Version(v)))
        .unwrap();
    assert_eq!(store.get(&k).unwrap(), None);
    put(store, k.clone(), b"y");
    store
        .commit(Batch::new().delete_if(k.clone(), Expect::Any))
        .unwrap();
    assert_eq!(store.get(&k).unwrap(), None);
    assert!(store.scan(SPACE, TABLE, &Scan::all()).unwrap().is_empty());
}

/// Check with each expectation gates the batch without writing.
pub fn check_expectations(store: &dyn Store) {
    let guard = key("guard");
    let out = key("out");
    store
        .commit(
            Batch::new()
                .check(guard.clone(), Expect::Absent)
                .check(guard.clone(), Expect::Any)
                .put(out.clone(), "1"),
        )
        .unwrap();
    assert_eq!(store.get(&guard).unwrap(), None);
    assert_conflict(
        store.commit(
            Batch::new()
                .check(guard.clone(), Expect::Version(1))
                .put(out.clone(), "2"),
        ),
        &guard,
    );
    let v = put(store, guard.clone(), b"g");
    assert_conflict(
        store.commit(
            Batch::new()
                .check(guard.clone(), Expect::Absent)
                .put(out.clone(), "2"),
        ),
        &guard,
    );
    assert_conflict(
        store.commit(
            Batch::new()
                .check(guard.clone(), Expect::Version(v + 1))
                .put(out.clone(), "2"),
        ),
        &guard,
    );
    assert_eq!(value_of(store, &out).unwrap(), b"1");
    store
        .commit(
            Batch::new()
                .check(guard.clone(), Expect::Version(v))
                .check(guard.clone(), Expect::Any)
                .put(out.clone(), "3"),
        )
        .unwrap();
    assert_eq!(value_of(store, &out).unwrap(), b"3");
    assert_eq!(version_of(store, &guard), Some(v));
}

/// A failing expectation at any position leaves every op of the batch unapplied.
pub fn failed_expectation_leaves_batch_unapplied(store: &dyn Store) {
    let keep = key("keep");
    let gone = key("gone");
    let bad = key("bad");
    let v_keep = put(store, keep.clone(), b"old");
    let v_gone = put(store, gone.clone(), b"old");
    let v_bad = put(store, bad.clone(), b"old");
    let failing = [
        Op3::Put(Expect::Absent),
        Op3::Delete(Expect::Version(v_bad + 1)),
        Op3::Check(Expect::Absent),
    ];
    for fail in failing {
        for position in 0..3 {
            let mut batch = Batch::new();
            for slot in 0..3 {
                batch = if slot == position {
                    fail.push(batch, bad.clone())
                } else if slot % 2 == 0 {
                    batch
                        .put_if(keep.clone(), "new", Expect::Version(v_keep))
                        .put(key("new"), "new")
                } else {
                    batch.delete_if(gone.clone(), Expect::Version(v_gone))
                };
            }
            assert_conflict(store.commit(batch), &bad);
            assert_eq!(store.get(&key("new")).unwrap(), None);
            assert_eq!(value_of(store, &keep).unwrap(), b"old");
            assert_eq!(version_of(store, &keep), Some(v_keep));
            assert_eq!(version_of(store, &gone), Some(v_gone));
            assert_eq!(version_of(store, &bad), Some(v_bad));
        }
    }
}

/// One failing op of a kind, for [`failed_expectation_leaves_batch_unapplied`].
#[derive(Clone, Copy)]
enum Op3 {
    Put(Expect),
    Delete(Expect),
    Check(Expect),
}

impl Op3 {
    fn push(self, batch: Batch, key: Key) -> Batch {
        match self {
            Op3::Put(expect) => batch.put_if(key, "new", expect),
            Op3::Delete(expect) => batch.delete_if(key, expect),
            Op3::Check(expect) => batch.check(key, expect),
        }
    }
}

/// Ops apply in order: an expectation sees what earlier ops of the same batch did.
pub fn ops_see_earlier_ops_of_their_batch(store: &dyn Store) {
    let k = key("k");
    assert_conflict(
        store.commit(
            Batch::new()
                .put(k.clone(), "1")
                .check(k.clone(), Expect::Absent),
        ),
        &k,
    );
    assert_eq!(store.get(&k).unwrap(), None);
    let got = store
        .commit(
            Batch::new()
                .put_if(k.clone(), "1", Expect::Absent)
                .delete(k.clone())
                .check(k.clone(), Expect::Absent)
                .put_if(k.clone(), "2", Expect::Absent),
        )
        .unwrap();
    let v = got[3].unwrap();
    assert_eq!(got[0], Some(v));
    assert_eq!(value_of(store, &k).unwrap(), b"2");
    assert_eq!(version_of(store, &k), Some(v));
    // Within a batch, a later op sees the new version of an earlier put.
    let later = store
        .commit(Batch::new().put(k.clone(), "3").put(key("other"), "o"))
        .unwrap()[0]
        .unwrap();
    store
        .commit(
            Batch::new()
                .put(k.clone(), "4")
                .delete(k.clone())
                .put(k.clone(), "5"),
        )
        .unwrap();
    assert!(version_of(store, &k).unwrap() > later);
    assert_eq!(value_of(store, &k).unwrap(), b"5");
}

/// A deleted and re-created key gets a new, higher version (no ABA).
pub fn delete_then_recreate_never_reuses_a_version(store: &dyn Store) {
    let k = key("k");
    let v1 = put(store, k.clone(), b"1");
    store.commit(Batch::new().delete(k.clone())).unwrap();
    assert_eq!(store.get(&k).unwrap(), None);
    let v2 = store
        .commit(Batch::new().put_if(k.clone(), "2", Expect::Absent))
        .unwrap()[0]
        .unwrap();
    assert!(v2 > v1);
    assert_conflict(
        store.commit(Batch::new().put_if(k.clone(), "3", Expect::Version(v1))),
        &k,
    );
}

/// Ids that stress ordering: prefixes of each other, separators, escapes, unicode, empty.
const AWKWARD_IDS: [&str; 14] = [
    "",
    "0",
    "A",
    "a",
    "a%",
    "a%2F",
    "a/",
    "a/b",
    "ab",
    "abc",
    "b",
    "z",
    "é",
    "\u{10FFFF}",
];

fn put_awkward(store: &dyn Store) -> Vec<String> {
    let mut batch = Batch::new();
    for id in AWKWARD_IDS {
        batch = batch.put(key(id), id);
    }
    store.commit(batch).unwrap();
    let mut sorted: Vec<String> = AWKWARD_IDS.iter().map(|id| id.to_string()).collect();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    sorted
}

/// A scan walks ids in byte order and returns each item's full key, version and value.
pub fn scan_orders_by_id_bytes(store: &dyn Store) {
    let sorted = put_awkward(store);
    let items = store.scan(SPACE, TABLE, &Scan::all()).unwrap();
    assert_eq!(ids(&items), sorted);
    for item in &items {
        assert_eq!(item.key, key(&item.key.id));
        assert_eq!(item.value, item.key.id.as_bytes());
        assert_eq!(Some(item.version), version_of(store, &item.key));
    }
}

/// A prefix selects exactly the ids starting with it.
pub fn scan_prefix(store: &dyn Store) {
    let sorted = put_awkward(store);
    for prefix in [
        "",
        "a",
        "a/",
        "a%",
        "ab",
        "abc",
        "abcd",
        "é",
        "\u{10FFFF}",
        "b",
        "c",
    ] {
        let want: Vec<String> = sorted
            .iter()
            .filter(|id| id.starts_with(prefix))
            .cloned()
            .collect();
        assert_eq!(
            scan_ids(store, &Scan::new(prefix, usize::MAX)),
            want,
            "prefix {prefix:?}"
        );
        let mut reversed = want.clone();
        reversed.reverse();
        assert_eq!(
            scan_ids(store, &Scan::new(prefix, usize::MAX).reversed()),
            reversed,
            "reverse prefix {prefix:?}"
        );
    }
}

/// Paging with `start_after` (the last id of the previous page) visits each id once.
pub fn scan_pages_with_start_after(store: &dyn Store) {
    let sorted = put_awkward(store);
    for prefix in ["", "a"] {
        for reverse in [false, true] {
            for page in [1, 2, 3, 100] {
                let mut seen = Vec::new();
                let mut scan = Scan::new(prefix, page);
                scan.reverse = reverse;
                loop {
                    let got = scan_ids(store, &scan);
                    assert!(got.len() <= page);
                    match got.last() {
                        Some(last) => scan.start_after = Some(last.clone()),
                        None => break,
                    }
                    seen.extend(got);
                }
                let mut want: Vec<String> = sorted
                    .iter()
                    .filter(|id| id.starts_with(prefix))
                    .cloned()
                    .collect();
                if reverse {
                    want.reverse();
                }
                assert_eq!(
                    seen, want,
                    "prefix {prefix:?} reverse {reverse} page {page}"
                );
            }
        }
    }
    // A cursor need not be a stored id.
    assert_eq!(
        scan_ids(store, &Scan::new("a", 2).after("a%0")),
        vec!["a%2F", "a/"]
    );
    assert_eq!(
        scan_ids(store, &Scan::new("", 100).after("zz")),
        vec!["é", "\u{10FFFF}"]
    );
    assert!(scan_ids(store, &Scan::new("a", 100).after("b")).is_empty());
}

/// `limit` caps the result; 0 reads nothing.
pub fn scan_limit(store: &dyn Store) {
    let sorted = put_awkward(store);
    assert!(scan_ids(store, &Scan::new("", 0)).is_empty());
    assert!(scan_ids(store, &Scan::new("", 0).reversed()).is_empty());
    assert_eq!(scan_ids(store, &Scan::new("", 1)), vec![""]);
    assert_eq!(scan_ids(store, &Scan::new("", 3)), sorted[..3].to_vec());
    assert_eq!(scan_ids(store, &Scan::new("", 1000)), sorted);
}

/// Reverse walks ids descending, and `start_after` then means "before".
pub fn scan_reverse(store: &dyn Store) {
    let sorted = put_awkward(store);
    let mut desc = sorted.clone();
    desc.reverse();
    assert_eq!(scan_ids(store, &Scan::all().reversed()), desc);
    assert_eq!(
        scan_ids(store, &Scan::new("", 3).reversed()),
        desc[..3].to_vec()
    );
    assert_eq!(
        scan_ids(store, &Scan::new("a", 3).after("ab").reversed()),
        vec!["a/b", "a/", "a%2F"]
    );
    assert_eq!(
        scan_ids(store, &Scan::new("a", 100).after("a").reversed()),
        Vec::<String>::new()
    );
    assert_eq!(
        scan_ids(store, &Scan::new("", 100).after("0").reversed()),
        vec![""]
    );
    assert!(scan_ids(store, &Scan::new("b", 100).after("a").reversed()).is_empty());
    assert_eq!(
        scan_ids(store, &Scan::new("a", 100).after("zz").reversed()),
        sorted
            .iter()
            .filter(|id| id.starts_with('a'))
            .rev()
            .cloned()
            .collect::<Vec<_>>()
    );
}

/// Spaces and tables are separate namespaces, even when their names run into each other.
pub fn spaces_and_tables_are_isolated(store: &dyn Store) {
    let places = [
        ("a", "bc"),
        ("ab", "c"),
        ("a/b", "c"),
        ("a", "b/c"),
        ("a", "b"),
        ("", "ab"),
        ("ab", ""),
        ("acct/123456789012", "iam.user"),
        ("acct/123456789012/us-east-1", "iam.user"),
        ("acct/123456789012", "iam.user2"),
    ];
    for (space, table) in places {
        store
            .commit(
                Batch::new()
                    .put(Key::new(space, table, "id"), format!("{space}|{table}"))
                    .put(Key::new(space, table, ""), "empty"),
            )
            .unwrap();
    }
    for (space, table) in places {
        let item = store.get(&Key::new(space, table, "id")).unwrap().unwrap();
        assert_eq!(item.value, format!("{space}|{table}").as_bytes());
        let items = store.scan(space, table, &Scan::all()).unwrap();
        assert_eq!(ids(&items), vec!["", "id"], "{space:?} {table:?}");
        assert!(
            items
                .iter()
                .all(|item| item.key.space == space && item.key.table == table)
        );
    }
    assert!(store.scan("a", "bc/", &Scan::all()).unwrap().is_empty());
    assert!(
        store
            .scan("acct", "iam.user", &Scan::all())
            .unwrap()
            .is_empty()
    );
    store
        .commit(Batch::new().delete(Key::new("a", "bc", "id")))
        .unwrap();
    assert!(store.get(&Key::new("ab", "c", "id")).unwrap().is_some());
}

/// Ids above 1024 bytes, spaces and tables above 256 bytes and values above 4 MiB are
/// refused, and nothing is written.
pub fn too_large(store: &dyn Store) {
    let long = key(&"x".repeat(MAX_ID_LEN + 1));
    let fine = key(&"x".repeat(MAX_ID_LEN));
    let too_large = |result: Result<_, StoreError>| {
        assert!(
            matches!(result, Err(StoreError::TooLarge { .. })),
            "{result:?}"
        );
    };
    too_large(store.commit(Batch::new().put(key("ok"), "1").put(long.clone(), "x")));
    too_large(store.commit(Batch::new().delete(long.clone())));
    too_large(store.commit(Batch::new().check(long.clone(), Expect::Absent)));
    too_large(store.get(&long).map(|_| Vec::new()));
    too_large(
        store.commit(
            Batch::new()
                .put(key("ok"), "1")
                .put(key("big"), vec![0; MAX_VALUE_LEN + 1]),
        ),
    );
    too_large(
        store
            .scan(SPACE, TABLE, &Scan::new("x".repeat(MAX_ID_LEN + 1), 1))
            .map(|_| Vec::new()),
    );
    too_large(
        store
            .scan(SPACE, &"t".repeat(MAX_NAME_LEN + 1), &Scan::all())
            .map(|_| Vec::new()),
    );
    too_large(
        store.commit(Batch::new().put(Key::new("s".repeat(MAX_NAME_LEN + 1), TABLE, "i"), "x")),
    );
    assert_eq!(store.get(&key("ok")).unwrap(), None);
    put(store, fine.clone(), b"edge");
    assert_eq!(value_of(store, &fine).unwrap(), b"edge");
}

/// A tiny deterministic generator, so the model test needs no dependency and replays exactly.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Random batches over a few keys behave exactly as a straightforward model predicts.
pub fn random_batches_match_model(store: &dyn Store) {
    use std::collections::BTreeMap;
    let ids = ["", "a", "a/", "ab", "b"];
    let tables = ["t1", "t2"];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut model: BTreeMap<(&str, &str), (u64, Vec<u8>)> = BTreeMap::new();
    let mut last_version = 0;
    for round in 0..400u64 {
        let mut batch = Batch::new();
        let mut staged = model.clone();
        let mut first_conflict = None;
        let ops = 1 + rng.below(4);
        for _ in 0..ops {
            let place = (
                tables[rng.below(2) as usize],
                ids[rng.below(ids.len() as u64) as usize],
            );
            let current = staged.get(&place).map(|(v, _)| *v);
            let expect = match rng.below(5) {
                0 | 1 => Expect::Any,
                2 => Expect::Absent,
                3 => Expect::Version(current.unwrap_or(last_version)),
                _ => Expect::Version(current.map_or(1, |v| v.saturating_sub(1))),
            };
            // Puts in this batch carry the (unknown) new version; mark it as u64::MAX.
            let met = match (expect, current) {
                (Expect::Version(_), Some(u64::MAX)) => false,
                _ => expect.is_met_by(current),
            };
            let k = Key::new(SPACE, place.0, place.1);
            if !met && first_conflict.is_none() {
                first_conflict = Some(k.clone());
            }
            batch = match rng.below(3) {
                0 => {
                    let value = format!("{round}").into_bytes();
                    staged.insert(place, (u64::MAX, value.clone()));
                    batch.put_if(k, value, expect)
                }
                1 => {
                    staged.remove(&place);
                    batch.delete_if(k, expect)
                }
                _ => batch.check(k, expect),
            };
        }
        let result = store.commit(batch);
        match first_conflict {
            Some(on) => assert_conflict(result, &on),
            None => {
                let versions: Vec<u64> = result.unwrap().into_iter().flatten().collect();
                if let Some(&v) = versions.first() {
                    assert!(v > last_version);
                    assert!(versions.iter().all(|&other| other == v));
                    last_version = v;
                }
                for entry in staged.values_mut() {
                    if entry.0 == u64::MAX {
                        entry.0 = last_version;
                    }
                }
                model = staged;
            }
        }
        for table in tables {
            let got: Vec<(String, u64, Vec<u8>)> = store
                .scan(SPACE, table, &Scan::all())
                .unwrap()
                .into_iter()
                .map(|item| (item.key.id, item.version, item.value))
                .collect();
            let want: Vec<(String, u64, Vec<u8>)> = model
                .iter()
                .filter(|((t, _), _)| *t == table)
                .map(|((_, id), (v, value))| (id.to_string(), *v, value.clone()))
                .collect();
            assert_eq!(got, want, "round {round}, table {table}");
        }
    }
}

/// 8 threads × 200 compare-and-swap increments of one counter, retrying on conflict,
/// end at exactly 1600.
pub fn concurrent_compare_and_swap(store: &dyn Store) {
    const THREADS: u64 = 8;
    const INCREMENTS: u64 = 200;
    let counter = key("counter");
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..INCREMENTS {
                    loop {
                        let current = store.get(&counter).unwrap();
                        let (n, expect) = match current {
                            Some(item) => (parse(&item.value), Expect::Version(item.version)),
                            None => (0, Expect::Absent),
                        };
                        let batch =
                            Batch::new().put_if(counter.clone(), (n + 1).to_string(), expect);
                        match store.commit(batch) {
                            Ok(_) => break,
                            Err(StoreError::Conflict { .. }) => continue,
                            Err(other) => panic!("{other}"),
                        }
                    }
                }
            });
        }
    });
    assert_eq!(
        parse(&value_of(store, &counter).unwrap()),
        THREADS * INCREMENTS
    );
}

fn parse(value: &[u8]) -> u64 {
    std::str::from_utf8(value).unwrap().parse().unwrap()
}

/// Concurrent unconditional batches writing the same keys never interleave: every snapshot
/// (a scan) and the end state show all keys written by the same batch.
pub fn concurrent_batches_never_interleave(store: &dyn Store) {
    const WRITERS: usize = 4;
    const BATCHES: usize = 50;
    let names = ["k0", "k1", "k2", "k3"];
    let done = AtomicBool::new(false);
    let check = |items: Vec<Item>| {
        if let Some(first) = items.first() {
            assert_eq!(items.len(), names.len());
            for item in &items {
                assert_eq!(item.value, first.value, "a scan saw two batches mixed");
                assert_eq!(item.version, first.version);
            }
        }
    };
    std::thread::scope(|scope| {
        let done = &done;
        scope.spawn(move || {
            while !done.load(Ordering::Acquire) {
                check(store.scan(SPACE, TABLE, &Scan::all()).unwrap());
            }
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                scope.spawn(move || {
                    for round in 0..BATCHES {
                        let tag = format!("{writer}:{round}");
                        // Alternate key order so batches overlap in both directions.
                        let mut order = names.to_vec();
                        if writer % 2 == 1 {
                            order.reverse();
                        }
                        let mut batch = Batch::new();
                        for name in order {
                            batch = batch.put(key(name), tag.as_str());
                        }
                        store.commit(batch).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Release);
    });
    check(store.scan(SPACE, TABLE, &Scan::all()).unwrap());
}

/// Concurrent conditional transfers between accounts conserve the total in every snapshot.
pub fn concurrent_transfers_conserve_total(store: &dyn Store) {
    const ACCOUNTS: u64 = 4;
    const START: u64 = 100;
    const THREADS: u64 = 4;
    const TRANSFERS: u64 = 50;
    let account = |n: u64| key(&format!("acct-{n}"));
    let mut batch = Batch::new();
    for n in 0..ACCOUNTS {
        batch = batch.put(account(n), START.to_string());
    }
    store.commit(batch).unwrap();
    let total = |items: &[Item]| items.iter().map(|item| parse(&item.value)).sum::<u64>();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let done = &done;
        scope.spawn(move || {
            while !done.load(Ordering::Acquire) {
                let items = store.scan(SPACE, TABLE, &Scan::all()).unwrap();
                assert_eq!(
                    total(&items),
                    ACCOUNTS * START,
                    "a scan saw half a transfer"
                );
            }
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                scope.spawn(move || {
                    let mut rng = XorShift(thread + 1);
                    for _ in 0..TRANSFERS {
                        let from = account(rng.below(ACCOUNTS));
                        let to = account(rng.below(ACCOUNTS));
                        if from == to {
                            continue;
                        }
                        loop {
                            let a = store.get(&from).unwrap().unwrap();
                            let b = store.get(&to).unwrap().unwrap();
                            let (na, nb) = (parse(&a.value), parse(&b.value));
                            if na == 0 {
                                break;
                            }
                            let batch = Batch::new()
                                .put_if(
                                    from.clone(),
                                    (na - 1).to_string(),
                                    Expect::Version(a.version),
                                )
                                .put_if(
                                    to.clone(),
                                    (nb + 1).to_string(),
                                    Expect::Version(b.version),
                                );
                            match store.commit(batch) {
                                Ok(_) => break,
                                Err(StoreError::Conflict { .. }) => continue,
                                Err(other) => panic!("{other}"),
                            }
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Ordering::Release);
    });
    let items = store.scan(SPACE, TABLE, &Scan::all()).unwrap();
    assert_eq!(total(&items), ACCOUNTS * START);
}

/// A table's watermark moves on every put and delete in it, and never for other tables,
/// failed batches or checks.
pub fn watermarks_move_exactly_when_their_table_changes(store: &dyn Store) {
    let start = store.watermark(SPACE, TABLE);
    let other_start = store.watermark(SPACE, "other");
    put(store, key("a"), b"1");
    let after_put = store.watermark(SPACE, TABLE);
    assert!(after_put > start, "a put moves the watermark");
    assert_eq!(store.watermark(SPACE, "other"), other_start);
    store
        .commit(Batch::new().put(Key::new(SPACE, "other", "x"), b"1".to_vec()))
        .unwrap();
    assert_eq!(
        store.watermark(SPACE, TABLE),
        after_put,
        "another table's write"
    );
    assert!(store.watermark(SPACE, "other") > other_start);
    let failed = store.commit(
        Batch::new()
            .put(key("b"), b"2".to_vec())
            .check(key("a"), Expect::Absent),
    );
    assert!(failed.is_err());
    store
        .commit(Batch::new().check(key("a"), Expect::Any))
        .unwrap();
    assert_eq!(
        store.watermark(SPACE, TABLE),
        after_put,
        "failed batches and checks"
    );
    store.commit(Batch::new().delete(key("a"))).unwrap();
    assert!(
        store.watermark(SPACE, TABLE) > after_put,
        "a delete moves the watermark"
    );
}

/// `tables` names every (space, table) with an item, sorted, and forgets emptied ones.
pub fn tables_lists_exactly_the_non_empty_tables(store: &dyn Store) {
    assert_eq!(store.tables().unwrap(), Vec::<(String, String)>::new());
    let a = Key::new("iam", "users", "alice");
    let b = Key::new("iam", "roles", "admin");
    let c = Key::new("kms", "keys", "k1");
    store
        .commit(
            Batch::new()
                .put(c.clone(), b"1".to_vec())
                .put(a.clone(), b"1".to_vec())
                .put(b, b"1".to_vec()),
        )
        .unwrap();
    let names = |store: &dyn Store| -> Vec<String> {
        store
            .tables()
            .unwrap()
            .into_iter()
            .map(|(space, table)| format!("{space}/{table}"))
            .collect()
    };
    assert_eq!(names(store), ["iam/roles", "iam/users", "kms/keys"]);
    store.commit(Batch::new().delete(a)).unwrap();
    assert_eq!(names(store), ["iam/roles", "kms/keys"]);
}

fn assert_held(lease: Result<Lease, StoreError>, what: &str) {
    match lease {
        Ok(Lease::Held(promise)) => assert!(!promise.is_zero(), "{what}: an empty promise"),
        other => panic!("{what}: {other:?}"),
    }
}

/// The only handle of a fresh store takes any lease, renews it, and after releasing it takes
/// it again; names are independent; an over-long name is refused.
pub fn a_lease_is_held_renewed_released_and_taken_again(store: &dyn Store) {
    assert_held(store.lease("scheduler"), "first take");
    assert_held(store.lease("scheduler"), "renewal");
    assert_held(store.lease("other"), "another name");
    store.release("scheduler").unwrap();
    store.release("scheduler").unwrap();
    store.release("never-taken").unwrap();
    assert_held(store.lease("scheduler"), "taken again after release");
    assert!(matches!(
        store.lease(&"l".repeat(MAX_NAME_LEN + 1)),
        Err(StoreError::TooLarge { part: "lease", .. })
    ));
}

/// Taking, renewing and releasing leases adds no table and moves no watermark.
pub fn leases_are_not_items(store: &dyn Store) {
    put(store, key("a"), b"1");
    let tables = store.tables().unwrap();
    let mark = store.watermark(SPACE, TABLE);
    assert_held(store.lease(TABLE), "take");
    assert_held(store.lease(TABLE), "renew");
    store.release(TABLE).unwrap();
    assert_eq!(store.tables().unwrap(), tables);
    assert_eq!(store.watermark(SPACE, TABLE), mark);
    assert_eq!(scan_ids(store, &Scan::all()), ["a"]);
}
