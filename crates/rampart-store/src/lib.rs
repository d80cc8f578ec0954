//! The storage contract: a small versioned key-value trait, an in-memory store and the contract test suite.
