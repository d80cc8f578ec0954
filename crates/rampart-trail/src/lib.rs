//! CloudTrail's domain, pure: the event record and its redaction, LookupEvents matching
//! and paging, log files, and the signed digest chain with its validator.
//!
//! The server records every request with [`Event`], redacts it with [`redact()`], stores
//! it, answers LookupEvents with [`lookup()`] and [`summary`], and writes log and digest
//! files built here. This crate does no I/O and reads no clock: files come and go through
//! the caller (see [`TrailFiles`]), times are passed in. It must never let a secret
//! (plaintext, password, private key, secret access key, secret value) into a record, and
//! never print a signing key.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod digest;
mod event;
mod gzip;
mod logfile;
mod lookup;
mod md5;
mod redact;
mod timefmt;
mod validate;

pub use digest::{
    BuiltDigest, DigestChain, DigestError, DigestFile, DigestSigner, DigestTarget, HASH_ALGORITHM,
    LogFileEntry, PreviousDigest, PublicKey, SIGNATURE_ALGORITHM, build_digest,
    build_log_file_with_entry, digest_file_key, fingerprint_of, sha256_hex, signature_key,
    string_to_sign,
};
pub use event::{
    EVENT_VERSION, Event, IdentityType, Resource, SessionAttributes, SessionContext, SessionIssuer,
    TlsDetails, UserIdentity, new_event_id,
};
pub use logfile::{build_log_file, log_file_json, log_file_key, read_log_file, unique_suffix};
pub use lookup::{
    Cursor, LookupAttribute, LookupError, LookupInput, LookupPage, LookupQuery, decode_token,
    encode_token, lookup, matches, query_fingerprint, summary, username, validate_lookup,
};
pub use redact::{HIDDEN, is_secret_name, redact};
pub use validate::{Finding, Problem, TrailFiles, ValidationReport, ValidationScope, validate};
