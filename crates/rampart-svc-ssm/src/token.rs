//! NextToken: an opaque spelling of where the previous page stopped (the last name or version
//! it returned).

use crate::errors;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use rampart_protocol::AwsError;

const TAG: &str = "ssm1:";

/// The token that resumes after `position`.
pub(crate) fn encode(position: &str) -> String {
    B64.encode(format!("{TAG}{position}"))
}

/// Where `token` resumes; `InvalidNextToken` when it is not one of ours.
pub(crate) fn decode(token: &str) -> Result<String, AwsError> {
    let bytes = B64
        .decode(token.trim())
        .map_err(|_| errors::invalid_next_token())?;
    let text = String::from_utf8(bytes).map_err(|_| errors::invalid_next_token())?;
    text.strip_prefix(TAG)
        .map(str::to_owned)
        .ok_or_else(errors::invalid_next_token)
}

/// A page size: `requested` within `1..=max`, `default` when absent.
pub(crate) fn page_size(
    requested: Option<i64>,
    default: usize,
    max: usize,
) -> Result<usize, AwsError> {
    match requested {
        None => Ok(default),
        Some(n) if n >= 1 && n as u64 <= max as u64 => Ok(n as usize),
        Some(n) => Err(errors::validation(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value {}",
            if n < 1 {
                "greater than or equal to 1".to_owned()
            } else {
                format!("less than or equal to {max}")
            }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusal() {
        assert_eq!(decode(&encode("/a/b")).unwrap(), "/a/b");
        assert_eq!(decode("garbage!").unwrap_err().code, "InvalidNextToken");
        assert_eq!(
            decode(&B64.encode("other")).unwrap_err().code,
            "InvalidNextToken"
        );
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None, 10, 50).unwrap(), 10);
        assert_eq!(page_size(Some(50), 10, 50).unwrap(), 50);
        assert_eq!(
            page_size(Some(51), 10, 50).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            page_size(Some(0), 10, 50).unwrap_err().code,
            "ValidationException"
        );
    }
}
