//! JSON records in the store: a serde value at a key, read with its version, listed with their
//! versions, and put under an expectation. Each service maps a [`RecordError`] to its own
//! error codes ([`RecordError::into_aws`]).

use rampart_protocol::AwsError;
use rampart_store::{Batch, Expect, Key, Scan, Store, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a record could not be read or written.
#[derive(Debug)]
pub enum RecordError {
    /// The store failed.
    Store(StoreError),
    /// A stored value is not the JSON expected, or a value could not be written as JSON.
    Malformed,
}

impl RecordError {
    /// The service's error for it: `store` of a store failure, `internal` otherwise.
    pub fn into_aws(
        self,
        store: impl FnOnce(StoreError) -> AwsError,
        internal: impl FnOnce() -> AwsError,
    ) -> AwsError {
        match self {
            RecordError::Store(e) => store(e),
            RecordError::Malformed => {
                tracing::error!("a stored record is not the JSON expected");
                internal()
            }
        }
    }
}

/// The record at `key` with its version, if there is one.
pub fn read<T: DeserializeOwned>(
    store: &dyn Store,
    key: &Key,
) -> Result<Option<(T, u64)>, RecordError> {
    let Some(item) = store.get(key).map_err(RecordError::Store)? else {
        return Ok(None);
    };
    let value = serde_json::from_slice(&item.value).map_err(|_| RecordError::Malformed)?;
    Ok(Some((value, item.version)))
}

/// Every record of `table` in `space`, in key order, with its version.
pub fn list<T: DeserializeOwned>(
    store: &dyn Store,
    space: &str,
    table: &str,
) -> Result<Vec<(T, u64)>, RecordError> {
    store
        .scan(space, table, &Scan::all())
        .map_err(RecordError::Store)?
        .into_iter()
        .map(|i| {
            serde_json::from_slice(&i.value)
                .map(|v| (v, i.version))
                .map_err(|_| RecordError::Malformed)
        })
        .collect()
}

/// `batch` with a put of `value` at `key` expecting `expect`.
pub fn put<T: Serialize>(
    batch: Batch,
    key: Key,
    value: &T,
    expect: Expect,
) -> Result<Batch, RecordError> {
    let bytes = serde_json::to_vec(value).map_err(|_| RecordError::Malformed)?;
    Ok(batch.put_if(key, bytes, expect))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_store::MemStore;

    #[test]
    fn records_are_read_listed_and_put_with_versions() {
        let store = MemStore::new();
        let key = Key::new("acct/123456789012", "t", "a");
        assert!(read::<u32>(&store, &key).unwrap().is_none());
        let batch = put(Batch::new(), key.clone(), &7u32, Expect::Absent).unwrap();
        let versions = store.commit(batch).unwrap();
        let (value, version) = read::<u32>(&store, &key).unwrap().unwrap();
        assert_eq!((Some(version), value), (versions[0], 7));
        let listed = list::<u32>(&store, "acct/123456789012", "t").unwrap();
        assert_eq!(listed, [(7, version)]);
        // A value of another shape is malformed; the service answers its internal error.
        let e = read::<String>(&store, &key).unwrap_err();
        assert!(matches!(e, RecordError::Malformed));
        let aws = e.into_aws(|_| unreachable!(), crate::internal_error);
        assert_eq!(aws.status, 500);
        // Stale expectations fail at commit time, as the store's.
        let stale = put(Batch::new(), key, &8u32, Expect::Absent).unwrap();
        assert!(matches!(
            store.commit(stale),
            Err(StoreError::Conflict { .. })
        ));
    }
}
