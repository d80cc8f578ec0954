//! Snapshots of the whole state: every item of the store, saved to a file and restored in one
//! commit. rampart's own space (the clock's advance) is left alone both ways, so restoring
//! never moves time back. Values are stored as the store holds them: key material stays
//! sealed under the master key, and a snapshot restores only under the same master key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rampart_store::{Batch, Key, Scan, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The store space snapshots leave alone.
pub(crate) const OWN_SPACE: &str = "rampart";
/// The snapshot taken when the data directory was created, which a reset restores.
pub const INITIAL: &str = "initial";
/// What the first line of every snapshot file says.
const FORMAT: &str = "rampart-snapshot/1";

/// A snapshot file's content.
#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    /// `[space, table, id, base64 value]`.
    items: Vec<[String; 4]>,
}

/// Where the snapshots of a data directory live.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("snapshots")
}

/// Whether `name` may name a snapshot: 1 to 64 letters, digits, `.`, `_` or `-`, not starting
/// with a dot.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Saves every item of `store` outside rampart's own space as snapshot `name` in `dir`
/// (replacing one of that name); how many items it holds.
pub fn save(store: &dyn Store, dir: &Path, name: &str) -> Result<usize, String> {
    let mut items = Vec::new();
    for (space, table) in tables(store)? {
        for item in store
            .scan(&space, &table, &Scan::all())
            .map_err(|e| format!("cannot read the store: {e}"))?
        {
            items.push([
                item.key.space,
                item.key.table,
                item.key.id,
                STANDARD.encode(&item.value),
            ]);
        }
    }
    let count = items.len();
    let text = serde_json::to_vec(&File {
        format: FORMAT.to_owned(),
        items,
    })
    .map_err(|e| format!("cannot encode the snapshot: {e}"))?;
    write_atomically(dir, name, &text)?;
    Ok(count)
}

/// Replaces everything in `store` outside rampart's own space with snapshot `name` from
/// `dir`, in one commit; how many items it restored. `Ok(None)` when there is no such snapshot.
pub fn restore(store: &dyn Store, dir: &Path, name: &str) -> Result<Option<usize>, String> {
    let path = dir.join(format!("{name}.json"));
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let file: File = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a rampart snapshot: {e}", path.display()))?;
    if file.format != FORMAT {
        return Err(format!(
            "{} has format {}, this rampart reads {FORMAT}",
            path.display(),
            file.format
        ));
    }
    let mut batch = Batch::new();
    for (space, table) in tables(store)? {
        for item in store
            .scan(&space, &table, &Scan::all())
            .map_err(|e| format!("cannot read the store: {e}"))?
        {
            batch = batch.delete(item.key);
        }
    }
    let count = file.items.len();
    for [space, table, id, value] in file.items {
        if space == OWN_SPACE {
            continue;
        }
        let value = STANDARD
            .decode(value)
            .map_err(|_| format!("{} holds a value that is not base64", path.display()))?;
        batch = batch.put(Key::new(space, table, id), value);
    }
    store
        .commit(batch)
        .map_err(|e: StoreError| format!("cannot restore the snapshot: {e}"))?;
    Ok(Some(count))
}

/// The snapshots in `dir`: (name, size in bytes), sorted by name.
pub fn list(dir: &Path) -> Result<Vec<(String, u64)>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if valid_name(name) {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            found.push((name.to_owned(), size));
        }
    }
    found.sort();
    Ok(found)
}

/// Every table outside rampart's own space.
fn tables(store: &dyn Store) -> Result<Vec<(String, String)>, String> {
    Ok(store
        .tables()
        .map_err(|e| format!("cannot list the store's tables: {e}"))?
        .into_iter()
        .filter(|(space, _)| space != OWN_SPACE)
        .collect())
}

/// Writes `dir/name.json` readable by its owner only, replacing it whole or not at all.
fn write_atomically(dir: &Path, name: &str, data: &[u8]) -> Result<(), String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let partial = dir.join(format!(".{name}.partial"));
    let target = dir.join(format!("{name}.json"));
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    file.write_all(data)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&partial, &target))
        .map_err(|e| format!("cannot write {}: {e}", target.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_store::MemStore;

    fn value(store: &dyn Store, space: &str, table: &str, id: &str) -> Option<Vec<u8>> {
        store
            .get(&Key::new(space, table, id))
            .unwrap()
            .map(|item| item.value)
    }

    #[test]
    fn a_restore_brings_back_exactly_the_saved_state_but_not_rampart_s_own() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemStore::new();
        store
            .commit(
                Batch::new()
                    .put(Key::new("iam", "users", "alice"), b"v1".to_vec())
                    .put(Key::new("kms", "keys", "k1"), vec![0, 255, 7])
                    .put(Key::new(OWN_SPACE, "clock", "advance"), b"10".to_vec()),
            )
            .unwrap();
        assert_eq!(save(&store, dir.path(), "before").unwrap(), 2);

        store
            .commit(
                Batch::new()
                    .put(Key::new("iam", "users", "alice"), b"v2".to_vec())
                    .put(Key::new("iam", "users", "bob"), b"new".to_vec())
                    .delete(Key::new("kms", "keys", "k1"))
                    .put(Key::new(OWN_SPACE, "clock", "advance"), b"20".to_vec()),
            )
            .unwrap();
        assert_eq!(restore(&store, dir.path(), "before").unwrap(), Some(2));
        assert_eq!(value(&store, "iam", "users", "alice"), Some(b"v1".to_vec()));
        assert_eq!(value(&store, "iam", "users", "bob"), None);
        assert_eq!(value(&store, "kms", "keys", "k1"), Some(vec![0, 255, 7]));
        assert_eq!(
            value(&store, OWN_SPACE, "clock", "advance"),
            Some(b"20".to_vec())
        );
        assert_eq!(restore(&store, dir.path(), "missing").unwrap(), None);
        assert_eq!(list(dir.path()).unwrap().len(), 1);
    }

    #[test]
    fn names_are_plain_file_names() {
        for good in ["initial", "before-test.1", "A_b"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", ".hidden", "../x", "a/b", "a b", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
