//! What PutParameter checks in a value and its metadata: sizes per tier, nested references,
//! AllowedPattern, data types, descriptions and tags. Messages never echo a value.

use crate::errors;
use crate::record::{Kind, Tier};
use rampart_protocol::AwsError;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The largest Standard value, in bytes.
pub(crate) const STANDARD_MAX: usize = 4096;
/// The largest Advanced value, in bytes.
pub(crate) const ADVANCED_MAX: usize = 8192;
/// The most tags a parameter may carry.
pub(crate) const MAX_TAGS: usize = 50;

/// The data type AWS assumes when none is given.
pub(crate) const TEXT: &str = "text";
const EC2_IMAGE: &str = "aws:ec2:image";
const INTEGRATION: &str = "aws:ssm:integration";
const INTEGRATION_PREFIX: &str = "/d9d01087-4a3f-49e0-b0b4-d568d7826553/ssm/integrations/webhook/";

/// One tag as the API spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// Checks a value's size for `tier` and that it nests no other parameter.
pub(crate) fn value(value: &str, tier: Tier) -> Result<(), AwsError> {
    if value.is_empty() {
        return Err(errors::validation(
            "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1.",
        ));
    }
    match tier {
        Tier::Standard if value.len() > STANDARD_MAX => Err(errors::validation(
            "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
        )),
        Tier::Advanced if value.len() > ADVANCED_MAX => Err(errors::validation(
            "Advanced tier parameters support a maximum parameter value of 8192 characters.",
        )),
        _ => nested(value),
    }
}

fn nested(value: &str) -> Result<(), AwsError> {
    match value.find("{{") {
        Some(open) if value[open..].contains("}}") => Err(errors::validation(
            "Parameter value can't nest another parameter. Do not use \"{{}}\" in the value.",
        )),
        _ => Ok(()),
    }
}

/// Checks `pattern` (at most 1024 characters) and that `value` matches it.
pub(crate) fn allowed_pattern(pattern: &str, value: &str) -> Result<(), AwsError> {
    if pattern.chars().count() > 1024 {
        return Err(errors::validation(
            "1 validation error detected: Value at 'allowedPattern' failed to satisfy constraint: Member must have length less than or equal to 1024.",
        ));
    }
    let re = Regex::new(pattern).map_err(|_| errors::invalid_allowed_pattern())?;
    if re.is_match(value) {
        Ok(())
    } else {
        Err(errors::pattern_mismatch(pattern))
    }
}

/// Checks a data type against the parameter's type, name and value.
pub(crate) fn data_type(
    data_type: &str,
    kind: Kind,
    name: &str,
    value: &str,
) -> Result<(), AwsError> {
    match data_type {
        TEXT => Ok(()),
        EC2_IMAGE => {
            if kind != Kind::String {
                return Err(errors::validation(
                    "The data type aws:ec2:image is supported only for parameters of type String.",
                ));
            }
            if is_ami_id(value) {
                Ok(())
            } else {
                Err(errors::validation(
                    "Parameter value must be a valid AMI ID (ami- followed by 8 or 17 letters or digits) for the data type aws:ec2:image.",
                ))
            }
        }
        INTEGRATION => {
            if kind != Kind::SecureString || !name.starts_with(INTEGRATION_PREFIX) {
                return Err(errors::validation(format!(
                    "The data type aws:ssm:integration is supported only for SecureString parameters whose name begins with {INTEGRATION_PREFIX}."
                )));
            }
            Ok(())
        }
        other => match value_fits(other, value) {
            Some(true) => Ok(()),
            Some(false) => Err(errors::validation(format!(
                "The parameter value doesn't match the data type {other}."
            ))),
            None => Err(errors::validation(format!(
                "The following data type is not supported: {other} (Data type names are all lowercase.)"
            ))),
        },
    }
}

/// Whether `value` fits one of the value data types (`aws:region`, `boolean`, `json`, ...);
/// `None` for a name that is no data type.
fn value_fits(data_type: &str, value: &str) -> Option<bool> {
    use std::net::{Ipv4Addr, Ipv6Addr};
    Some(match data_type {
        "aws:region" => is_region(value),
        "aws:account:id" => value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()),
        "boolean" => matches!(value, "true" | "false"),
        "integer" => value.parse::<i64>().is_ok(),
        "float" => value.parse::<f64>().is_ok_and(f64::is_finite),
        "binary" => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(value)
                .is_ok()
        }
        "hostname" => is_hostname(value),
        "email" => value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && domain.contains('.')
                && is_hostname(domain)
        }),
        "ipv4-address" => value.parse::<Ipv4Addr>().is_ok(),
        "ipv6-address" => value.parse::<Ipv6Addr>().is_ok(),
        "url" => ["https://", "http://"].iter().any(|scheme| {
            value.strip_prefix(scheme).is_some_and(|rest| {
                let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
                let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
                !host.is_empty() && !rest.contains(char::is_whitespace)
            })
        }),
        "json" => serde_json::from_str::<serde_json::Value>(value).is_ok(),
        "jsonc" => serde_json::from_str::<serde_json::Value>(&strip_comments(value)).is_ok(),
        _ => return None,
    })
}

fn is_region(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn is_hostname(value: &str) -> bool {
    value.len() <= 253
        && value.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// JSON with `//` and `/* */` comments outside strings removed.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut previous = ' ';
                for skipped in chars.by_ref() {
                    if previous == '*' && skipped == '/' {
                        break;
                    }
                    previous = skipped;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `value` has the form of an AMI id: `ami-` and 8 or 17 letters or digits (AWS's own
/// examples, such as `ami-12345abcdeEXAMPLE`, pass; whether the image exists is not checked).
pub(crate) fn is_ami_id(value: &str) -> bool {
    value.strip_prefix("ami-").is_some_and(|id| {
        (id.len() == 8 || id.len() == 17) && id.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Checks a description (at most 1024 characters).
pub(crate) fn description(description: &str) -> Result<(), AwsError> {
    if description.chars().count() > 1024 {
        return Err(errors::validation(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1024.",
        ));
    }
    Ok(())
}

fn tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || c.is_whitespace()
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// Checks tags (key 1-128 characters, value at most 256, AWS's character set, no `aws:`
/// keys) and returns them as a map; a later duplicate key wins.
pub(crate) fn tags(tags: &[Tag]) -> Result<BTreeMap<String, String>, AwsError> {
    let mut out = BTreeMap::new();
    for tag in tags {
        let key_len = tag.key.chars().count();
        if !(1..=128).contains(&key_len)
            || tag.value.chars().count() > 256
            || !tag.key.chars().all(tag_char)
            || !tag.value.chars().all(tag_char)
        {
            return Err(errors::validation(
                "1 validation error detected: Tag keys must be 1 to 128 characters and tag values at most 256 characters of letters, numbers, white space and _.:/=+-@.",
            ));
        }
        if tag.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(errors::validation(
                "Tag keys beginning with aws: are reserved for AWS use.",
            ));
        }
        out.insert(tag.key.clone(), tag.value.clone());
    }
    Ok(out)
}

/// Refuses more than [`MAX_TAGS`] tags on one parameter.
pub(crate) fn tag_count(tags: &BTreeMap<String, String>) -> Result<(), AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(errors::too_many_tags());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<T>(r: Result<T, AwsError>) -> String {
        r.map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.code.to_string())
    }

    #[test]
    fn sizes_per_tier() {
        let four = "x".repeat(STANDARD_MAX);
        assert_eq!(code(value(&four, Tier::Standard)), "ok");
        let over = "x".repeat(STANDARD_MAX + 1);
        let e = value(&over, Tier::Standard).unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert!(e.message.contains("4096"));
        assert_eq!(code(value(&over, Tier::Advanced)), "ok");
        let eight = "x".repeat(ADVANCED_MAX + 1);
        assert_eq!(code(value(&eight, Tier::Advanced)), "ValidationException");
        assert_eq!(code(value("", Tier::Standard)), "ValidationException");
    }

    #[test]
    fn values_may_not_nest_parameters() {
        assert_eq!(
            code(value("{{ssm:other}}", Tier::Standard)),
            "ValidationException"
        );
        assert_eq!(
            code(value("a {{x}} b", Tier::Standard)),
            "ValidationException"
        );
        assert_eq!(code(value("{ {x} }", Tier::Standard)), "ok");
        assert_eq!(code(value("}}{{", Tier::Standard)), "ok");
    }

    #[test]
    fn allowed_patterns() {
        assert_eq!(code(allowed_pattern(r"^\d+$", "443")), "ok");
        let e = allowed_pattern(r"^\d+$", "secret-value").unwrap_err();
        assert_eq!(e.code, "ParameterPatternMismatchException");
        assert!(!e.message.contains("secret-value"));
        assert_eq!(
            code(allowed_pattern("(", "x")),
            "InvalidAllowedPatternException"
        );
    }

    #[test]
    fn data_types() {
        assert_eq!(code(data_type("text", Kind::SecureString, "/x", "v")), "ok");
        assert_eq!(
            code(data_type(
                "aws:ec2:image",
                Kind::String,
                "/x",
                "ami-0123456789abcdef0"
            )),
            "ok"
        );
        assert_eq!(
            code(data_type(
                "aws:ec2:image",
                Kind::String,
                "/x",
                "ami-12345678"
            )),
            "ok"
        );
        assert_eq!(
            code(data_type("aws:ec2:image", Kind::String, "/x", "ami-XYZ")),
            "ValidationException"
        );
        assert_eq!(
            code(data_type(
                "aws:ec2:image",
                Kind::StringList,
                "/x",
                "ami-12345678"
            )),
            "ValidationException"
        );
        assert_eq!(
            code(data_type(
                "aws:ssm:integration",
                Kind::SecureString,
                "/x",
                "v"
            )),
            "ValidationException"
        );
        let integration = format!("{INTEGRATION_PREFIX}hook");
        assert_eq!(
            code(data_type(
                "aws:ssm:integration",
                Kind::SecureString,
                &integration,
                "v"
            )),
            "ok"
        );
        assert_eq!(
            code(data_type("Text", Kind::String, "/x", "v")),
            "ValidationException"
        );
        assert_eq!(
            code(data_type(
                "aws:ec2:image",
                Kind::String,
                "/x",
                "ami-12345abcdeEXAMPLE"
            )),
            "ok"
        );
    }

    #[test]
    fn value_data_types() {
        let fits = |t: &str, v: &str| value_fits(t, v).unwrap();
        assert!(fits("aws:region", "eu-west-1") && fits("aws:region", "us-gov-west-1"));
        assert!(!fits("aws:region", "EU-west-1") && !fits("aws:region", "west"));
        assert!(fits("aws:account:id", "123456789012") && !fits("aws:account:id", "12345"));
        assert!(fits("boolean", "true") && !fits("boolean", "yes"));
        assert!(fits("integer", "-443") && !fits("integer", "4.5"));
        assert!(fits("float", "4.5") && !fits("float", "NaN") && !fits("float", "x"));
        assert!(fits("binary", "aGk=") && !fits("binary", "not base64!"));
        assert!(fits("hostname", "db-1.internal.example") && !fits("hostname", "-bad.example"));
        assert!(fits("email", "ops@example.com") && !fits("email", "ops@localhost"));
        assert!(fits("ipv4-address", "10.0.0.1") && !fits("ipv4-address", "10.0.0.256"));
        assert!(fits("ipv6-address", "::1") && !fits("ipv6-address", "10.0.0.1"));
        assert!(fits("url", "https://example.com:8443/x?y") && !fits("url", "ftp://example.com"));
        assert!(fits("json", r#"{"a": [1, 2]}"#) && !fits("json", "{a: 1}"));
        assert!(fits("jsonc", "{\n  // port\n  \"a\": 1 /* one */\n}"));
        assert!(fits("jsonc", r#"{"url": "http://x"}"#));
        assert!(!fits("jsonc", "{ // open"));
        assert_eq!(value_fits("yaml", "a: 1"), None);
        assert_eq!(code(data_type("integer", Kind::String, "/x", "12")), "ok");
        assert_eq!(
            code(data_type("integer", Kind::String, "/x", "twelve")),
            "ValidationException"
        );
    }

    #[test]
    fn tag_rules() {
        let tag = |k: &str, v: &str| Tag {
            key: k.into(),
            value: v.into(),
        };
        assert_eq!(
            tags(&[tag("team", "a"), tag("team", "b")]).unwrap()["team"],
            "b"
        );
        assert_eq!(code(tags(&[tag("", "a")])), "ValidationException");
        assert_eq!(code(tags(&[tag("aws:x", "a")])), "ValidationException");
        assert_eq!(
            code(tags(&[tag("k", &"v".repeat(257))])),
            "ValidationException"
        );
        assert_eq!(code(tags(&[tag("k!", "v")])), "ValidationException");
        let many: BTreeMap<String, String> =
            (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert_eq!(code(tag_count(&many)), "TooManyTagsError");
    }
}
