//! `Action` / `NotAction` patterns: `service:glob` or `*`, matched case-insensitively.

use crate::glob::{self, Case};
use crate::template::{Syntax, Template};

/// One compiled action pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ActionPattern {
    /// `*`: every action of every service.
    All,
    /// `prefix:glob`, the prefix lower-cased and compared literally.
    Service {
        /// Lower-cased service prefix.
        service: Box<str>,
        /// The action-name glob (ASCII case-insensitive), compiled once.
        name: Template,
    },
    /// Something that can never match (`s3:`, whitespace, no colon): iam.md section 4.
    Never,
}

impl ActionPattern {
    /// Compiles a pattern as written in a policy.
    pub(crate) fn compile(text: &str) -> ActionPattern {
        if text == "*" {
            return ActionPattern::All;
        }
        match text.split_once(':') {
            Some((service, name))
                if !service.is_empty()
                    && !name.is_empty()
                    && !text.contains(char::is_whitespace)
                    && !name.contains(':') =>
            {
                let syntax = Syntax {
                    wildcards: true,
                    variables: false,
                };
                ActionPattern::Service {
                    service: service.to_ascii_lowercase().into(),
                    name: Template::compile(name, syntax),
                }
            }
            _ => ActionPattern::Never,
        }
    }

    /// The service prefix this pattern is restricted to (`None` for `*`).
    pub(crate) fn service(&self) -> Option<&str> {
        match self {
            ActionPattern::Service { service, .. } => Some(service),
            _ => None,
        }
    }

    /// Matches a request action already split into lower-cased service and its name.
    pub(crate) fn matches(&self, service_lower: &str, name: &str) -> bool {
        match self {
            ActionPattern::All => true,
            ActionPattern::Service { service, name: pat } => {
                glob::eq(service.as_bytes(), service_lower.as_bytes())
                    && pat.matches_plain(name, Case::AsciiInsensitive)
            }
            ActionPattern::Never => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, service: &str, name: &str) -> bool {
        ActionPattern::compile(p).matches(service, name)
    }

    #[test]
    fn case_insensitive_prefix_and_name() {
        assert!(m("S3:getobject", "s3", "GetObject"));
        assert!(m("s3:Get*Tagging", "s3", "GetObjectTagging"));
        assert!(!m("s3:Get*Tagging", "s3", "GetObject"));
        assert!(m("*", "iam", "CreateUser"));
        assert!(m("iam:*", "iam", "CreateUser"));
        assert!(!m("iam:*", "sts", "AssumeRole"));
        assert!(m("ec2:Describe?nstances", "ec2", "DescribeInstances"));
    }

    #[test]
    fn degenerate_patterns_never_match() {
        assert!(!m("s3:", "s3", ""));
        assert!(!m("s3:Get Object", "s3", "Get Object"));
        assert!(!m("s3", "s3", "GetObject"));
        assert!(!m("s3:a:b", "s3", "a:b"));
    }
}
