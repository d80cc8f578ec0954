//! End-to-end tests with the AWS SDK for Rust live in `tests/`; this library is empty.
