//! Atomic batches: what a commit writes and what it expects to find.

use crate::error::StoreError;
use crate::key::{Key, MAX_VALUE_LEN, check_len};

/// What a write expects to find at its key when the batch commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Anything, including nothing.
    Any,
    /// No value.
    Absent,
    /// A value whose current version is exactly this one.
    Version(u64),
}

impl Expect {
    /// Whether a key currently at `version` (`None` when absent) meets this expectation.
    pub fn is_met_by(self, version: Option<u64>) -> bool {
        match self {
            Expect::Any => true,
            Expect::Absent => version.is_none(),
            Expect::Version(want) => version == Some(want),
        }
    }
}

/// One step of an atomic batch.
#[derive(Clone, PartialEq, Eq)]
pub enum Op {
    /// Store `value` at `key`.
    Put {
        /// Where.
        key: Key,
        /// The bytes to store.
        value: Vec<u8>,
        /// What must be there before.
        expect: Expect,
    },
    /// Remove `key`; removing an absent key is a no-op (when `expect` allows it).
    Delete {
        /// Where.
        key: Key,
        /// What must be there before.
        expect: Expect,
    },
    /// Write nothing, only require `expect` at `key`.
    Check {
        /// Where.
        key: Key,
        /// What must be there.
        expect: Expect,
    },
}

impl Op {
    /// The key this op reads or writes.
    pub fn key(&self) -> &Key {
        match self {
            Op::Put { key, .. } | Op::Delete { key, .. } | Op::Check { key, .. } => key,
        }
    }

    /// What this op expects to find.
    pub fn expect(&self) -> Expect {
        match self {
            Op::Put { expect, .. } | Op::Delete { expect, .. } | Op::Check { expect, .. } => {
                *expect
            }
        }
    }
}

/// Shows keys and expectations, never values (they may hold encrypted secrets).
impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Op::Put { key, value, expect } => f
                .debug_struct("Put")
                .field("key", key)
                .field("value_len", &value.len())
                .field("expect", expect)
                .finish(),
            Op::Delete { key, expect } => f
                .debug_struct("Delete")
                .field("key", key)
                .field("expect", expect)
                .finish(),
            Op::Check { key, expect } => f
                .debug_struct("Check")
                .field("key", key)
                .field("expect", expect)
                .finish(),
        }
    }
}

/// An all-or-nothing batch of ops.
///
/// Ops apply in order: each expectation sees the effects of the earlier ops of the same batch
/// (a `Put` followed by a `Check` of the same key with `Expect::Absent` conflicts). Every `Put`
/// of one commit receives the same new version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The ops, applied in order.
    pub ops: Vec<Op>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds an unconditional put.
    pub fn put(self, key: Key, value: impl Into<Vec<u8>>) -> Batch {
        self.put_if(key, value, Expect::Any)
    }

    /// Adds a put that requires `expect` at `key`.
    pub fn put_if(mut self, key: Key, value: impl Into<Vec<u8>>, expect: Expect) -> Batch {
        self.ops.push(Op::Put {
            key,
            value: value.into(),
            expect,
        });
        self
    }

    /// Adds an unconditional delete (a no-op when the key is absent).
    pub fn delete(self, key: Key) -> Batch {
        self.delete_if(key, Expect::Any)
    }

    /// Adds a delete that requires `expect` at `key`.
    pub fn delete_if(mut self, key: Key, expect: Expect) -> Batch {
        self.ops.push(Op::Delete { key, expect });
        self
    }

    /// Adds a pure check: the batch applies only if `expect` holds at `key`.
    pub fn check(mut self, key: Key, expect: Expect) -> Batch {
        self.ops.push(Op::Check { key, expect });
        self
    }

    /// Whether the batch writes anything (has a put or a delete).
    pub fn writes(&self) -> bool {
        self.ops.iter().any(|op| !matches!(op, Op::Check { .. }))
    }

    /// Refuses a batch with a key or a value above the documented limits.
    pub fn check_limits(&self) -> Result<(), StoreError> {
        for op in &self.ops {
            op.key().check_limits()?;
            if let Op::Put { value, .. } = op {
                check_len("value", value.len(), MAX_VALUE_LEN)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations() {
        assert!(Expect::Any.is_met_by(None));
        assert!(Expect::Any.is_met_by(Some(4)));
        assert!(Expect::Absent.is_met_by(None));
        assert!(!Expect::Absent.is_met_by(Some(4)));
        assert!(Expect::Version(4).is_met_by(Some(4)));
        assert!(!Expect::Version(4).is_met_by(Some(5)));
        assert!(!Expect::Version(4).is_met_by(None));
    }

    #[test]
    fn builder_keeps_order_and_expectations() {
        let k = |id: &str| Key::new("s", "t", id);
        let batch = Batch::new()
            .put(k("a"), "1")
            .put_if(k("b"), b"2".to_vec(), Expect::Absent)
            .delete(k("c"))
            .delete_if(k("d"), Expect::Version(7))
            .check(k("e"), Expect::Version(1));
        let summary: Vec<(&str, Expect)> = batch
            .ops
            .iter()
            .map(|op| (op.key().id.as_str(), op.expect()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a", Expect::Any),
                ("b", Expect::Absent),
                ("c", Expect::Any),
                ("d", Expect::Version(7)),
                ("e", Expect::Version(1)),
            ]
        );
        assert!(batch.writes());
        assert!(!Batch::new().check(k("a"), Expect::Any).writes());
    }

    #[test]
    fn value_limit() {
        let k = Key::new("s", "t", "i");
        assert!(
            Batch::new()
                .put(k.clone(), vec![0; MAX_VALUE_LEN])
                .check_limits()
                .is_ok()
        );
        assert_eq!(
            Batch::new()
                .put(k, vec![0; MAX_VALUE_LEN + 1])
                .check_limits(),
            Err(StoreError::TooLarge {
                part: "value",
                len: MAX_VALUE_LEN + 1,
                max: MAX_VALUE_LEN
            })
        );
    }

    #[test]
    fn debug_hides_values() {
        let batch = Batch::new().put(Key::new("s", "t", "i"), "hunter2");
        assert!(!format!("{batch:?}").contains("hunter2"));
    }
}
