//! Parameter names, paths, selectors and labels: what AWS accepts and how a name sits in its
//! hierarchy. Pure functions, no store.

use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::Call;

/// The deepest hierarchy AWS allows.
pub(crate) const MAX_DEPTH: usize = 15;

/// The longest parameter ARN AWS allows (the name a caller gives plus the ARN's prefix).
pub(crate) const MAX_ARN_LEN: usize = 1011;

/// The longest label.
pub(crate) const MAX_LABEL_LEN: usize = 100;

const INVALID_NAME: &str = "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_";

const INVALID_PATH: &str = "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.";

/// The ARN of parameter `name` in the caller's account and region:
/// `arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading slash>`.
pub(crate) fn arn(call: &Call<'_>, name: &str) -> String {
    arn_in(
        call.env.partition.as_str(),
        call.region.as_str(),
        call.principal.account.as_str(),
        name,
    )
}

/// [`arn`] with its parts spelled out.
pub(crate) fn arn_in(partition: &str, region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:{partition}:ssm:{region}:{account}:parameter/{}",
        name.strip_prefix('/').unwrap_or(name)
    )
}

/// The name with the blanks AWS drops at either end removed.
pub(crate) fn trimmed(name: &str) -> &str {
    name.trim_matches(' ')
}

/// A name a request gives for an existing parameter, trimmed; `ValidationException` when
/// blanks remain inside it, as AWS answers.
pub(crate) fn requested(name: &str) -> Result<&str, AwsError> {
    let name = trimmed(name);
    if name.contains(char::is_whitespace) {
        return Err(errors::validation(
            "Parameter name: can't contain spaces. Remove the spaces and try again.",
        ));
    }
    Ok(name)
}

fn allowed_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')
}

/// How many levels `name` has: `/a/b/c` and `a` have 3 and 1.
pub(crate) fn depth(name: &str) -> usize {
    name.trim_start_matches('/').split('/').count()
}

/// Checks a name PutParameter may create, already trimmed; `arn` is the ARN it would have.
pub(crate) fn check_new_name(name: &str, arn: &str) -> Result<(), AwsError> {
    if name.is_empty() {
        return Err(errors::validation(
            "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1.",
        ));
    }
    let lower = name.to_ascii_lowercase();
    let bare = lower.trim_start_matches('/');
    if bare.starts_with("aws") || bare.starts_with("ssm") {
        let is_path = name.matches('/').count() > 1;
        if lower.starts_with("/aws") && is_path {
            return Err(errors::reserved_name(name));
        }
        if !is_path {
            return Err(errors::validation(
                "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
            ));
        }
        return Err(errors::validation(INVALID_NAME));
    }
    if !name.chars().all(allowed_char) || name.contains("//") || name.ends_with('/') {
        return Err(errors::validation(INVALID_NAME));
    }
    if name.contains('/') && !name.starts_with('/') {
        return Err(errors::validation(
            "Parameter name must be a fully qualified name.",
        ));
    }
    if depth(name) > MAX_DEPTH {
        return Err(errors::hierarchy_too_deep());
    }
    if arn.len() > MAX_ARN_LEN {
        return Err(errors::validation(format!(
            "Parameter name: can't be longer than {MAX_ARN_LEN} characters including the ARN prefix."
        )));
    }
    Ok(())
}

/// Which version of a parameter a request names: `name`, `name:3` or `name:label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selector {
    /// The newest version.
    Latest,
    /// A version number.
    Version(u64),
    /// The version carrying a label.
    Label(String),
}

impl Selector {
    /// The selector as AWS echoes it in `Parameter.Selector` (`:3`, `:prod`), if any.
    pub(crate) fn echo(&self) -> Option<String> {
        match self {
            Selector::Latest => None,
            Selector::Version(v) => Some(format!(":{v}")),
            Selector::Label(l) => Some(format!(":{l}")),
        }
    }

    /// The selector's text without the colon, for error messages.
    pub(crate) fn text(&self) -> String {
        match self {
            Selector::Latest => String::new(),
            Selector::Version(v) => v.to_string(),
            Selector::Label(l) => l.clone(),
        }
    }
}

/// Splits a requested name into the parameter's name and its selector. Names never contain
/// `:`, so the first colon starts the selector; digits select a version, anything else a label.
pub(crate) fn split_selector(requested: &str) -> (&str, Selector) {
    let requested = trimmed(requested);
    match requested.split_once(':') {
        None => (requested, Selector::Latest),
        Some((name, sel)) if !sel.is_empty() && sel.bytes().all(|b| b.is_ascii_digit()) => {
            match sel.parse::<u64>() {
                Ok(v) => (name, Selector::Version(v)),
                Err(_) => (name, Selector::Label(sel.to_owned())),
            }
        }
        Some((name, sel)) => (name, Selector::Label(sel.to_owned())),
    }
}

/// What a read request names (GetParameter, GetParameters, GetParameterHistory accept a name
/// or the parameter's ARN), and its selector.
pub(crate) struct Target {
    /// The names the parameter may be stored under, most likely first; empty when the ARN is
    /// another account's or region's (rampart shares no parameters).
    pub candidates: Vec<String>,
    /// The resource the request is authorized on: the parameter's ARN (as given, for an ARN).
    pub arn: Option<String>,
    /// The version asked for.
    pub selector: Selector,
}

/// Reads a requested name or ARN, with its `:version` or `:label` selector, as seen by `call`.
pub(crate) fn target(call: &Call<'_>, requested: &str) -> Target {
    let requested = trimmed(requested);
    if let Some(arn) = requested.strip_prefix("arn:") {
        let parts: Vec<&str> = arn.splitn(5, ':').collect();
        if let [partition, "ssm", region, account, resource] = parts[..]
            && let Some(rest) = resource.strip_prefix("parameter/")
        {
            let (bare, selector) = split_selector(rest);
            let full = format!("arn:{partition}:ssm:{region}:{account}:parameter/{bare}");
            let here = partition == call.env.partition.as_str() && region == call.region.as_str();
            let public = account.is_empty() && crate::public::is_public(&format!("/{bare}"));
            let candidates = if here && (account == call.principal.account.as_str() || public) {
                if bare.contains('/') {
                    vec![format!("/{bare}")]
                } else {
                    vec![bare.to_owned(), format!("/{bare}")]
                }
            } else {
                Vec::new()
            };
            return Target {
                candidates,
                arn: Some(full),
                selector,
            };
        }
    }
    let (name, selector) = split_selector(requested);
    Target {
        candidates: vec![name.to_owned()],
        arn: None,
        selector,
    }
}

/// A name as it sits in the hierarchy: with one leading slash (`foo` and `/foo` are both the
/// top-level `foo`, as their ARNs are the same).
pub(crate) fn in_hierarchy(name: &str) -> String {
    format!("/{}", name.trim_start_matches('/'))
}

/// Checks and normalises a GetParametersByPath path: `/` or `/a/b` (a trailing slash is
/// dropped).
pub(crate) fn check_path(path: &str) -> Result<String, AwsError> {
    let path = trimmed(path);
    if path == "/" {
        return Ok(path.to_owned());
    }
    let body = path.strip_suffix('/').unwrap_or(path);
    if !body.starts_with('/')
        || !body.chars().all(allowed_char)
        || body.contains("//")
        || body.len() < 2
    {
        return Err(errors::validation(INVALID_PATH));
    }
    if depth(body) > MAX_DEPTH {
        return Err(errors::hierarchy_too_deep());
    }
    Ok(body.to_owned())
}

/// Whether `name` lies under the normalised `path`: directly below it, or anywhere below it
/// when `recursive`.
pub(crate) fn is_under(path: &str, name: &str, recursive: bool) -> bool {
    let name = in_hierarchy(name);
    let rest = if path == "/" {
        name.strip_prefix('/')
    } else {
        name.strip_prefix(path).and_then(|r| r.strip_prefix('/'))
    };
    match rest {
        Some(rest) if !rest.is_empty() => recursive || !rest.contains('/'),
        _ => false,
    }
}

/// Whether `label` is one AWS accepts: letters, digits, `.`, `-`, `_`, not starting with a
/// digit, `aws` or `ssm` (any case), at most 100 characters.
pub(crate) fn is_valid_label(label: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    !label.is_empty()
        && label.chars().count() <= MAX_LABEL_LEN
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !label.starts_with(|c: char| c.is_ascii_digit())
        && !lower.starts_with("aws")
        && !lower.starts_with("ssm")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(r: Result<(), AwsError>) -> String {
        r.map(|_| "ok".to_owned())
            .unwrap_or_else(|e| e.code.to_string())
    }

    fn check(name: &str) -> String {
        code(check_new_name(
            name,
            &arn_in("aws", "us-east-1", "123456789012", name),
        ))
    }

    #[test]
    fn names_aws_accepts() {
        for ok in ["a", "/a/b/c", "/Dev/DB-1/my_param.x", "db-string13"] {
            assert_eq!(check(ok), "ok", "{ok}");
        }
    }

    #[test]
    fn names_aws_refuses() {
        assert_eq!(check("awsname"), "ValidationException");
        assert_eq!(check("SSM-thing"), "ValidationException");
        assert_eq!(check("/ssm/x"), "ValidationException");
        assert_eq!(check("/aws/x"), "AccessDeniedException");
        assert_eq!(check("a b"), "ValidationException");
        assert_eq!(check("a/b"), "ValidationException");
        assert_eq!(check("/a//b"), "ValidationException");
        assert_eq!(check("/a/"), "ValidationException");
        assert_eq!(check("a:1"), "ValidationException");
        assert_eq!(check(""), "ValidationException");
        let fifteen = "/l".repeat(15);
        assert_eq!(check(&fifteen), "ok");
        let sixteen = "/l".repeat(16);
        assert_eq!(check(&sixteen), "HierarchyLevelLimitExceededException");
        let long = format!("/{}", "x".repeat(MAX_ARN_LEN));
        assert_eq!(check(&long), "ValidationException");
    }

    #[test]
    fn requested_names_may_not_hold_blanks() {
        assert_eq!(requested("  /a/b ").unwrap(), "/a/b");
        assert_eq!(requested("/a b").unwrap_err().code, "ValidationException");
    }

    #[test]
    fn arn_drops_the_leading_slash() {
        assert_eq!(
            arn_in("aws", "eu-west-1", "123456789012", "/a/b"),
            "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b"
        );
        assert_eq!(
            arn_in("aws", "eu-west-1", "123456789012", "plain"),
            "arn:aws:ssm:eu-west-1:123456789012:parameter/plain"
        );
    }

    #[test]
    fn selectors() {
        assert_eq!(split_selector("/a/b"), ("/a/b", Selector::Latest));
        assert_eq!(split_selector("/a/b:3"), ("/a/b", Selector::Version(3)));
        assert_eq!(
            split_selector(" /a/b:prod "),
            ("/a/b", Selector::Label("prod".into()))
        );
        assert_eq!(Selector::Version(3).echo().as_deref(), Some(":3"));
        assert_eq!(Selector::Latest.echo(), None);
    }

    #[test]
    fn paths() {
        assert_eq!(check_path("/").unwrap(), "/");
        assert_eq!(check_path("/a/b/").unwrap(), "/a/b");
        assert_eq!(check_path("a").unwrap_err().code, "ValidationException");
        assert_eq!(check_path("/a//b").unwrap_err().code, "ValidationException");
        assert!(is_under("/a", "/a/b", false));
        assert!(!is_under("/a", "/a/b/c", false));
        assert!(is_under("/a", "/a/b/c", true));
        assert!(!is_under("/a", "/ab", true));
        assert!(!is_under("/a", "/a", true));
        assert!(is_under("/", "top", false));
        assert!(is_under("/", "/top", false));
        assert!(!is_under("/", "/a/b", false));
    }

    #[test]
    fn labels() {
        assert!(is_valid_label("prod"));
        assert!(is_valid_label("Release-1.2_x"));
        assert!(!is_valid_label("1st"));
        assert!(!is_valid_label("awsLabel"));
        assert!(!is_valid_label("SSMx"));
        assert!(!is_valid_label("a b"));
        assert!(!is_valid_label(&"l".repeat(101)));
        assert!(!is_valid_label(""));
    }

    fn segment() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_.-]{1,6}"
    }

    proptest! {
        #[test]
        fn a_name_is_under_each_of_its_ancestors(segs in proptest::collection::vec(segment(), 1..8)) {
            let name = format!("/{}", segs.join("/"));
            for k in 0..segs.len() {
                let path = if k == 0 { "/".to_owned() } else { format!("/{}", segs[..k].join("/")) };
                prop_assert!(is_under(&path, &name, true));
                prop_assert_eq!(is_under(&path, &name, false), k == segs.len() - 1);
            }
            prop_assert!(!is_under(&name, &name, true));
        }

        #[test]
        fn selectors_round_trip(segs in proptest::collection::vec(segment(), 1..4), v in 1u64..1_000_000, label in "[a-zA-Z][a-zA-Z0-9_.-]{0,20}") {
            let name = format!("/{}", segs.join("/"));
            let versioned = format!("{name}:{v}");
            prop_assert_eq!(split_selector(&versioned), (name.as_str(), Selector::Version(v)));
            let labelled = format!("{name}:{label}");
            prop_assert_eq!(split_selector(&labelled), (name.as_str(), Selector::Label(label.clone())));
            prop_assert_eq!(split_selector(&name), (name.as_str(), Selector::Latest));
        }
    }
}
