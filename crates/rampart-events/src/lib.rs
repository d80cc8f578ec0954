//! The EventBridge event-pattern language: [`Pattern::parse`] validates a pattern exactly as
//! EventBridge does (its `InvalidEventPatternException` reasons, [`PatternError`]) and
//! [`Pattern::matches`] decides whether an event (its JSON) matches.
//!
//! Supported: exact strings, numbers, `null` and booleans; arrays of values as OR; nested
//! fields; `prefix`, `suffix` (plain and `equals-ignore-case`), `equals-ignore-case`,
//! `wildcard`, `anything-but` (a value, a list, `prefix`, `suffix`, `equals-ignore-case`,
//! `wildcard`), `numeric` ranges, `exists`, `cidr` (IPv4 and IPv6) and `$or`. An event field
//! holding an array matches when any of its elements does; the fields of one pattern object
//! must all match within the same array element.
//!
//! It is pure: it must never perform I/O, read a clock or log, and it never panics on any
//! input (a pattern or an event).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cidr;
mod error;
mod matching;
mod number;
mod parse;
mod pattern;
mod wildcard;

pub use error::PatternError;
pub use pattern::Pattern;

/// The longest event pattern, in characters, EventBridge accepts (`EventPattern` in the model).
pub const MAX_PATTERN_LEN: usize = 4096;

#[cfg(test)]
mod tests;
