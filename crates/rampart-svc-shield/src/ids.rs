//! Identifiers Shield mints.

use crate::errors;
use rampart_protocol::AwsError;

/// A random UUID (version 4), lower-case hex with hyphens.
pub(crate) fn uuid() -> Result<String, AwsError> {
    let mut b: [u8; 16] = rampart_crypto::random_bytes().ok_or_else(errors::internal)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}
