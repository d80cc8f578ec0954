//! Durability under a real `kill -9`: every commit the store acknowledged survives.
//!
//! The test re-executes its own binary as a child (selected by an environment variable) that
//! commits keys 0, 1, 2, ... and prints `ack N` after each commit returns. The parent reads a
//! few hundred acknowledgements, kills the child with SIGKILL mid-stream, reopens the store and
//! checks every acknowledged key.
#![allow(missing_docs)]

use rampart_store::{Batch, Key, Scan, Store};
use rampart_store_sqlite::SqliteStore;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Set in the child's environment: the directory of the store it writes.
const CHILD_DIR: &str = "RAMPART_STORE_CRASH_CHILD_DIR";
/// Acknowledgements the parent waits for before killing the child.
const ACKS: usize = 300;
/// The child stops by itself after this many commits if nobody kills it.
const CHILD_MAX_COMMITS: u64 = 100_000;

fn key(n: u64) -> Key {
    Key::new("system", "crash", format!("{n:08}"))
}

/// A value that is a few pages long and different for every key.
fn value(n: u64) -> Vec<u8> {
    (0..3000u64)
        .map(|i| (n.wrapping_mul(31).wrapping_add(i) % 251) as u8)
        .collect()
}

#[test]
#[ignore = "the child process of kill_9_keeps_every_acknowledged_commit"]
fn crash_child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let store = SqliteStore::open(Path::new(&dir).join("store.db")).unwrap();
    let mut out = std::io::stdout().lock();
    // libtest has printed "test crash_child_writer ... " without a newline: end that line.
    if writeln!(out).is_err() {
        return;
    }
    for n in 0..CHILD_MAX_COMMITS {
        store.commit(Batch::new().put(key(n), value(n))).unwrap();
        // A write error means the parent is gone: stop.
        if writeln!(out, "ack {n}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
}

#[test]
fn kill_9_keeps_every_acknowledged_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child_writer",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("ack ") {
            acked.push(n.parse::<u64>().unwrap());
            if acked.len() == ACKS {
                break;
            }
        }
    }
    // `Child::kill` sends SIGKILL on Unix: no destructor, no checkpoint, no clean close.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(acked.len(), ACKS, "the child stopped before {ACKS} commits");
    assert_eq!(acked, (0..ACKS as u64).collect::<Vec<_>>());

    let store = SqliteStore::open(dir.path().join("store.db")).unwrap();
    for &n in &acked {
        let item = store
            .get(&key(n))
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged key {n} was lost"));
        assert_eq!(item.value, value(n), "key {n} holds the wrong bytes");
    }
    // Commits that landed but were not yet acknowledged are whole too, and versions rise.
    let items = store.scan("system", "crash", &Scan::all()).unwrap();
    assert!(items.len() >= ACKS);
    for (n, pair) in items.windows(2).enumerate() {
        assert!(pair[0].version < pair[1].version, "versions rise at {n}");
    }
    for (n, item) in (0u64..).zip(&items) {
        assert_eq!(item.key, key(n));
        assert_eq!(item.value, value(n));
    }
    let next = store
        .commit(Batch::new().put(key(u64::MAX), "after"))
        .unwrap()[0]
        .unwrap();
    assert!(next > items.last().map_or(0, |item| item.version));
}
