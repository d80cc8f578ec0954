//! AWS's constraints on IAM names and paths, with the framework's `ValidationError` wording.

use super::errors::validation;
use rampart_protocol::AwsError;

/// `\w+=,.@-`: the characters of user and policy names.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn constraint(value: &str, member: &str, rule: &str) -> AwsError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

fn check_length(value: &str, member: &str, max: usize) -> Result<(), AwsError> {
    let len = value.chars().count();
    if len < 1 {
        return Err(constraint(
            value,
            member,
            "Member must have length greater than or equal to 1",
        ));
    }
    if len > max {
        return Err(constraint(
            value,
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// A name of the `[\w+=,.@-]+` family (user names up to 64, policy names up to 128).
pub(crate) fn check_name(value: &str, member: &str, max: usize) -> Result<(), AwsError> {
    check_length(value, member, max)?;
    if !value.chars().all(is_name_char) {
        return Err(constraint(
            value,
            member,
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ));
    }
    Ok(())
}

/// A user name (`userName`, 1-64 characters).
pub(crate) fn check_user_name(value: &str, member: &str) -> Result<(), AwsError> {
    check_name(value, member, 64)
}

/// An entity path: `/`, or `/` + printable ASCII + `/`, up to 512 characters.
pub(crate) fn check_path(value: &str, member: &str) -> Result<(), AwsError> {
    check_length(value, member, 512)?;
    let printable = |c: char| ('\u{21}'..='\u{7e}').contains(&c);
    let ok = value == "/"
        || (value.len() >= 3
            && value.starts_with('/')
            && value.ends_with('/')
            && value.chars().all(printable));
    if !ok {
        return Err(constraint(
            value,
            member,
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ));
    }
    Ok(())
}

/// A managed policy path: `((/[A-Za-z0-9\.,\+@=_-]+)*)/`.
pub(crate) fn check_policy_path(value: &str, member: &str) -> Result<(), AwsError> {
    check_length(value, member, 512)?;
    let segment_char = |c: char| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c);
    let ok = value == "/"
        || value
            .strip_prefix('/')
            .and_then(|v| v.strip_suffix('/'))
            .is_some_and(|inner| {
                inner
                    .split('/')
                    .all(|s| !s.is_empty() && s.chars().all(segment_char))
            });
    if !ok {
        return Err(constraint(
            value,
            member,
            "Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
        ));
    }
    Ok(())
}

/// `MaxItems`: 1 to 1000, 100 when absent.
pub(crate) fn max_items(value: Option<i64>) -> Result<usize, AwsError> {
    match value {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
        Some(n) if n < 1 => Err(constraint(
            &n.to_string(),
            "maxItems",
            "Member must have value greater than or equal to 1",
        )),
        Some(n) => Err(constraint(
            &n.to_string(),
            "maxItems",
            "Member must have value less than or equal to 1000",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_follow_aws_rules() {
        assert!(check_user_name("alice.o'hara", "userName").is_err());
        assert!(check_user_name("a+b=c,d.e@f-g_h9", "userName").is_ok());
        let e = check_user_name("bad name", "userName").unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
        let e = check_user_name(&"a".repeat(65), "userName").unwrap_err();
        assert!(
            e.message
                .ends_with("Member must have length less than or equal to 64")
        );
        assert!(check_user_name(&"a".repeat(64), "userName").is_ok());
        assert!(check_user_name("", "userName").is_err());
    }

    #[test]
    fn paths_start_and_end_with_a_slash() {
        for ok in ["/", "/a/", "/division/team/"] {
            assert!(check_path(ok, "path").is_ok(), "{ok}");
        }
        for bad in ["", "a", "/a", "a/", "//", "/a b/"] {
            assert!(check_path(bad, "path").is_err(), "{bad}");
        }
        for ok in ["/", "/a/", "/a/b/"] {
            assert!(check_policy_path(ok, "path").is_ok(), "{ok}");
        }
        for bad in ["", "/a", "//", "/a//b/", "/a*/"] {
            assert!(check_policy_path(bad, "path").is_err(), "{bad}");
        }
    }

    #[test]
    fn max_items_range() {
        assert_eq!(max_items(None).unwrap(), 100);
        assert_eq!(max_items(Some(1000)).unwrap(), 1000);
        assert!(max_items(Some(0)).is_err());
        assert!(max_items(Some(1001)).is_err());
    }
}
