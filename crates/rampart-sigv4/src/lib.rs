//! AWS Signature Version 4: parsing and constant-time verification of signed requests (header
//! and presigned forms, aws-chunked bodies), and signing for clients.
//!
//! Verification is three steps, so that the server can look the access key up in between:
//! [`parse`] (no secret needed) → [`SignedRequest::check_time`] → [`SignedRequest::verify`]
//! with a [`SigningKey`] derived from the key's secret (a [`SigningKeyCache`] keeps them); then, for a
//! streaming body, [`decode_chunked`]. Errors carry AWS's wording and the code and status to
//! answer with in each protocol [`Family`].
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use http::{HeaderMap, Method, Uri};
//! use rampart_sigv4::{Credentials, Family, SigningKey, SigningParams, parse, sign};
//!
//! // A client signs...
//! let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
//! let creds = Credentials::new("AKIDEXAMPLE", "secret", None);
//! let (method, uri): (Method, Uri) = (Method::POST, "http://127.0.0.1:4599/".parse()?);
//! let body = b"Action=GetCallerIdentity&Version=2011-06-15";
//! let mut headers = HeaderMap::new();
//! sign(&method, &uri, &mut headers, body, &SigningParams::new(&creds, "us-east-1", "sts", now))?;
//!
//! // ...and the server verifies.
//! let request = parse(&method, &uri, &headers)?;
//! assert_eq!(request.access_key_id(), "AKIDEXAMPLE"); // look the secret up by this id
//! request.check_time(now)?;
//! let key = SigningKey::derive("secret", request.scope());
//! request.verify(&method, &uri, &headers, body, &key)?;
//!
//! let wrong = SigningKey::derive("other", request.scope());
//! let err = request.verify(&method, &uri, &headers, body, &wrong).unwrap_err();
//! assert_eq!(err.aws_code(Family::Query), "SignatureDoesNotMatch");
//! assert_eq!(err.http_status(Family::Query), 403);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
mod key_cache;
mod request;
mod sign;
mod verify;

pub use chunked::{DecodedBody, decode_chunked, encode_chunked};
pub use error::{Error, ErrorKind, Family};
pub use key::{CredentialScope, SigningKey};
pub use key_cache::SigningKeyCache;
pub use request::{Form, PayloadClaim, SignedRequest, parse};
pub use sign::{Credentials, SigningParams, presign, sign};
pub use verify::MAX_SKEW;
