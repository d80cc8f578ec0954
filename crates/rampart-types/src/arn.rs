//! Amazon Resource Names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a string is not an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnError(pub String);

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a valid ARN", self.0)
    }
}

impl std::error::Error for ArnError {}

/// An ARN split into its six fields: `arn:partition:service:region:account:resource`.
///
/// The fields are kept as written: wildcards, empty region or account, and resource
/// parts containing colons are all preserved, so an ARN pattern from a policy parses too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Arn {
    /// The partition, such as `aws`.
    pub partition: String,
    /// The service namespace, such as `iam`.
    pub service: String,
    /// The region, empty for global resources.
    pub region: String,
    /// The account id, empty for some resources (S3 buckets) and `aws` for managed policies.
    pub account: String,
    /// Everything after the fifth colon, such as `user/alice`.
    pub resource: String,
}

impl Arn {
    /// Builds an ARN from its parts.
    pub fn new(
        partition: impl Into<String>,
        service: impl Into<String>,
        region: impl Into<String>,
        account: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Arn {
            partition: partition.into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        }
    }
}

impl FromStr for Arn {
    type Err = ArnError;
    fn from_str(s: &str) -> Result<Self, ArnError> {
        let mut parts = s.splitn(6, ':');
        let mut next = || parts.next().ok_or_else(|| ArnError(s.to_owned()));
        let (prefix, partition, service, region, account, resource) =
            (next()?, next()?, next()?, next()?, next()?, next()?);
        if prefix != "arn" || partition.is_empty() || service.is_empty() {
            return Err(ArnError(s.to_owned()));
        }
        Ok(Arn::new(partition, service, region, account, resource))
    }
}

impl TryFrom<String> for Arn {
    type Error = ArnError;
    fn try_from(s: String) -> Result<Self, ArnError> {
        s.parse()
    }
}

impl From<Arn> for String {
    fn from(a: Arn) -> String {
        a.to_string()
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_six_fields() {
        let text = "arn:aws:iam::123456789012:user/division/alice";
        let arn: Arn = text.parse().unwrap();
        assert_eq!(arn.service, "iam");
        assert_eq!(arn.region, "");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource, "user/division/alice");
        assert_eq!(arn.to_string(), text);
    }

    #[test]
    fn keeps_colons_in_the_resource() {
        let arn: Arn = "arn:aws:logs:us-east-1:123456789012:log-group:g:*"
            .parse()
            .unwrap();
        assert_eq!(arn.resource, "log-group:g:*");
    }

    #[test]
    fn refuses_what_is_not_an_arn() {
        for bad in [
            "",
            "arn",
            "arn:aws",
            "urn:aws:iam::1:x",
            "arn::iam::1:x",
            "arn:aws:iam:x",
        ] {
            assert!(bad.parse::<Arn>().is_err(), "{bad}");
        }
    }
}
