//! Operation tests over an in-memory store.
