//! AWS Signature Version 4: parsing and constant-time verification of signed requests (header
//! and presigned forms, aws-chunked bodies), and signing for clients.
//!
//! Verification is three steps, so that the server can look the access key up in between:
//! [`parse`] (no secret needed) → [`SignedRequest::check_time`] → [`SignedRequest::verify`]
//! with a [`SigningKey`] derived from the key's secret (cacheable per scope); then, for a
//! streaming body, [`decode_chunked`]. Errors carry AWS's wording and the code and status to
//! answer with in each protocol [`Family`].
//!
//! This crate is pure: it must never perform I/O, read the clock (callers pass `now`), depend on
//! an async runtime, put a key, a secret or an expected signature in an error or in Debug
//! output, or panic on any input.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod amz_date;
mod canonical;
mod chunked;
mod error;
mod key;
mod request;
mod sign;
mod verify;

pub use chunked::{DecodedBody, decode_chunked, encode_chunked};
pub use error::{Error, ErrorKind, Family};
pub use key::{CredentialScope, SigningKey};
pub use request::{Form, PayloadClaim, SignedRequest, parse};
pub use sign::{Credentials, SigningParams, presign, sign};
pub use verify::MAX_SKEW;
