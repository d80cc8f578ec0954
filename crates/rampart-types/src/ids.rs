//! Account ids, regions and partitions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// An account id must be exactly 12 ASCII digits.
    AccountId(String),
    /// A region is lower-case letters, digits and dashes, such as `us-east-1`.
    Region(String),
    /// The partition is not one rampart knows.
    Partition(String),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::AccountId(v) => write!(f, "'{v}' is not a 12-digit account id"),
            IdError::Region(v) => write!(f, "'{v}' is not a region name"),
            IdError::Partition(v) => write!(f, "'{v}' is not a known partition"),
        }
    }
}

impl std::error::Error for IdError {}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// The id as its 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s.to_owned()))
        } else {
            Err(IdError::AccountId(s.to_owned()))
        }
    }
}

impl TryFrom<String> for AccountId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        s.parse()
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region name such as `us-east-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    /// The region's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Region {
    /// `us-east-1`: where AWS's global services record their events, and the region rampart
    /// assumes for a request that names none.
    fn default() -> Self {
        Region("us-east-1".to_owned())
    }
}

impl FromStr for Region {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Region(s.to_owned()))
        } else {
            Err(IdError::Region(s.to_owned()))
        }
    }
}

impl TryFrom<String> for Region {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        s.parse()
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS partition: the first field of every ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Partition {
    /// The commercial partition, `aws`.
    #[default]
    #[serde(rename = "aws")]
    Aws,
    /// The China partition, `aws-cn`.
    #[serde(rename = "aws-cn")]
    AwsCn,
    /// The GovCloud partition, `aws-us-gov`.
    #[serde(rename = "aws-us-gov")]
    AwsUsGov,
}

impl Partition {
    /// The partition's name as it stands in an ARN.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }
}

impl FromStr for Partition {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        match s {
            "aws" => Ok(Partition::Aws),
            "aws-cn" => Ok(Partition::AwsCn),
            "aws-us-gov" => Ok(Partition::AwsUsGov),
            other => Err(IdError::Partition(other.to_owned())),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!("123456789012".parse::<AccountId>().is_ok());
        assert!("12345678901".parse::<AccountId>().is_err());
        assert!("12345678901a".parse::<AccountId>().is_err());
    }

    #[test]
    fn regions_are_lower_case_names() {
        assert!("us-east-1".parse::<Region>().is_ok());
        assert!("US-EAST-1".parse::<Region>().is_err());
        assert!("".parse::<Region>().is_err());
        assert!("-x".parse::<Region>().is_err());
    }

    #[test]
    fn partitions_round_trip() {
        for p in [Partition::Aws, Partition::AwsCn, Partition::AwsUsGov] {
            assert_eq!(p.as_str().parse::<Partition>(), Ok(p));
        }
    }
}
