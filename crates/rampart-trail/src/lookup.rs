//! LookupEvents: input validation, attribute matching, paging and the awsJson summary
//! of each event.

use crate::event::{Event, IdentityType};
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::fmt;
use time::OffsetDateTime;

/// The attributes LookupEvents can filter on (`LookupAttributeKey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupAttribute {
    /// The record's `eventID`.
    EventId,
    /// The operation name.
    EventName,
    /// `"true"` or `"false"`.
    ReadOnly,
    /// See [`username`].
    Username,
    /// A resource's type, such as `AWS::KMS::Key`.
    ResourceType,
    /// A resource's ARN or its final name segment.
    ResourceName,
    /// The service, such as `kms.amazonaws.com`.
    EventSource,
    /// The access key that signed the request.
    AccessKeyId,
}

impl LookupAttribute {
    /// The attribute named by an `AttributeKey`, if it is one.
    pub fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "EventId" => Self::EventId,
            "EventName" => Self::EventName,
            "ReadOnly" => Self::ReadOnly,
            "Username" => Self::Username,
            "ResourceType" => Self::ResourceType,
            "ResourceName" => Self::ResourceName,
            "EventSource" => Self::EventSource,
            "AccessKeyId" => Self::AccessKeyId,
            _ => return None,
        })
    }

    /// The attribute's `AttributeKey` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EventId => "EventId",
            Self::EventName => "EventName",
            Self::ReadOnly => "ReadOnly",
            Self::Username => "Username",
            Self::ResourceType => "ResourceType",
            Self::ResourceName => "ResourceName",
            Self::EventSource => "EventSource",
            Self::AccessKeyId => "AccessKeyId",
        }
    }
}

/// The user name LookupEvents shows and filters on: the IAM user's name, `root` for the
/// root user, the role session name for assumed roles, the federated user's name, the
/// calling service for service events.
pub fn username(event: &Event) -> Option<String> {
    let id = &event.user_identity;
    let from_arn_tail = || {
        id.arn
            .as_deref()
            .and_then(|a| a.rsplit_once('/'))
            .map(|(_, n)| n.to_owned())
    };
    match id.identity_type {
        IdentityType::Root => Some(id.user_name.clone().unwrap_or_else(|| "root".to_owned())),
        IdentityType::AssumedRole => id.session_name().map(str::to_owned),
        IdentityType::FederatedUser => id.user_name.clone().or_else(from_arn_tail),
        IdentityType::AwsService => id.invoked_by.clone(),
        _ => id.user_name.clone(),
    }
}

/// Whether `event` has `value` for `attribute` (exact, case-sensitive, as AWS matches).
pub fn matches(event: &Event, attribute: &LookupAttribute, value: &str) -> bool {
    let resources = || event.resources.iter().flatten();
    match attribute {
        LookupAttribute::EventId => event.event_id == value,
        LookupAttribute::EventName => event.event_name == value,
        LookupAttribute::ReadOnly => match event.read_only {
            Some(true) => value == "true",
            Some(false) => value == "false",
            None => false,
        },
        LookupAttribute::Username => username(event).as_deref() == Some(value),
        LookupAttribute::ResourceType => resources().any(|r| r.resource_type == value),
        LookupAttribute::ResourceName => {
            resources().any(|r| r.arn == value || resource_tail(&r.arn) == value)
        }
        LookupAttribute::EventSource => event.event_source == value,
        LookupAttribute::AccessKeyId => event.user_identity.access_key_id.as_deref() == Some(value),
    }
}

/// The name at the end of an ARN: after the last `/`, else after the last `:`.
fn resource_tail(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// One element of LookupEvents' `Events` list in awsJson form: `EventTime` in epoch
/// seconds, `CloudTrailEvent` the record's JSON text.
pub fn summary(event: &Event) -> Value {
    let resources: Vec<Value> = event
        .resources
        .iter()
        .flatten()
        .map(|r| json!({"ResourceType": r.resource_type, "ResourceName": r.arn}))
        .collect();
    let mut out = json!({
        "EventId": event.event_id,
        "EventName": event.event_name,
        "EventTime": event.event_time.unix_timestamp(),
        "EventSource": event.event_source,
        "Resources": resources,
        "CloudTrailEvent": event.to_json(),
    });
    if let Some(read_only) = event.read_only {
        out["ReadOnly"] = Value::String(read_only.to_string());
    }
    if let Some(key) = &event.user_identity.access_key_id {
        out["AccessKeyId"] = Value::String(key.clone());
    }
    if let Some(name) = username(event) {
        out["Username"] = Value::String(name);
    }
    out
}

/// LookupEvents' input, as decoded from the request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookupInput {
    /// `LookupAttributes` as (`AttributeKey`, `AttributeValue`) pairs.
    pub lookup_attributes: Vec<(String, String)>,
    /// `StartTime` (inclusive).
    pub start_time: Option<OffsetDateTime>,
    /// `EndTime` (inclusive).
    pub end_time: Option<OffsetDateTime>,
    /// `EventCategory` (only `insight` exists).
    pub event_category: Option<String>,
    /// `MaxResults`.
    pub max_results: Option<i64>,
    /// `NextToken` from a previous page.
    pub next_token: Option<String>,
}

/// A validated LookupEvents query.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupQuery {
    /// The single attribute filter, if any.
    pub filter: Option<(LookupAttribute, String)>,
    /// Oldest event time to return (inclusive).
    pub start_time: Option<OffsetDateTime>,
    /// Newest event time to return (inclusive).
    pub end_time: Option<OffsetDateTime>,
    /// `true` for `EventCategory=insight`: rampart records no Insights events, so nothing matches.
    pub insights: bool,
    /// Page size, 1..=50.
    pub max_results: usize,
    /// Where the previous page stopped.
    pub after: Option<Cursor>,
}

/// A position in the newest-first order of events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The last returned event's time, in Unix nanoseconds (decimal text).
    #[serde(rename = "t")]
    pub event_time_nanos: String,
    /// The last returned event's id.
    #[serde(rename = "i")]
    pub event_id: String,
    /// Fingerprint of the query the token belongs to.
    #[serde(rename = "q")]
    pub query: String,
}

/// Why LookupEvents' input was refused; `code()` is the AWS error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// More than one attribute, an unknown key, or an over-long value.
    InvalidLookupAttributes(String),
    /// `MaxResults` outside 1..=50.
    InvalidMaxResults,
    /// `StartTime` after `EndTime`.
    InvalidTimeRange,
    /// A token that is not one of ours or belongs to other parameters.
    InvalidNextToken,
    /// An `EventCategory` other than `insight`.
    InvalidEventCategory,
}

impl LookupError {
    /// The AWS error code (the awsJson `__type`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidLookupAttributes(_) => "InvalidLookupAttributesException",
            Self::InvalidMaxResults => "InvalidMaxResultsException",
            Self::InvalidTimeRange => "InvalidTimeRangeException",
            Self::InvalidNextToken => "InvalidNextTokenException",
            Self::InvalidEventCategory => "InvalidEventCategoryException",
        }
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidLookupAttributes(why) => f.write_str(why),
            Self::InvalidMaxResults => f.write_str("MaxResults must be between 1 and 50."),
            Self::InvalidTimeRange => {
                f.write_str("Start time must be before or equal to end time.")
            }
            Self::InvalidNextToken => f.write_str("Invalid NextToken."),
            Self::InvalidEventCategory => f.write_str("EventCategory must be insight."),
        }
    }
}

impl std::error::Error for LookupError {}

/// The longest `AttributeValue` AWS accepts.
const MAX_ATTRIBUTE_VALUE: usize = 2000;
/// Default and largest page size.
const MAX_PAGE: usize = 50;

/// An `AttributeValue`'s length as AWS counts it: `_`, space, `,` and newline count twice.
fn attribute_value_length(value: &str) -> usize {
    value
        .chars()
        .map(|c| {
            if matches!(c, '_' | ' ' | ',' | '\n') {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Checks LookupEvents' input the way AWS does and turns it into a query.
pub fn validate_lookup(input: &LookupInput) -> Result<LookupQuery, LookupError> {
    let filter = match input.lookup_attributes.as_slice() {
        [] => None,
        [(key, value)] => {
            let attribute = LookupAttribute::parse(key).ok_or_else(|| {
                LookupError::InvalidLookupAttributes(format!(
                    "The attribute key '{key}' is not valid."
                ))
            })?;
            if value.is_empty() || attribute_value_length(value) > MAX_ATTRIBUTE_VALUE {
                return Err(LookupError::InvalidLookupAttributes(
                    "The attribute value must be 1 to 2000 characters long.".to_owned(),
                ));
            }
            Some((attribute, value.clone()))
        }
        _ => {
            return Err(LookupError::InvalidLookupAttributes(
                "You can specify only one lookup attribute.".to_owned(),
            ));
        }
    };
    let insights = match input.event_category.as_deref() {
        None => false,
        Some("insight") => true,
        Some(_) => return Err(LookupError::InvalidEventCategory),
    };
    let max_results = match input.max_results {
        None => MAX_PAGE,
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => n as usize,
        Some(_) => return Err(LookupError::InvalidMaxResults),
    };
    if let (Some(start), Some(end)) = (input.start_time, input.end_time)
        && start > end
    {
        return Err(LookupError::InvalidTimeRange);
    }
    let mut query = LookupQuery {
        filter,
        start_time: input.start_time,
        end_time: input.end_time,
        insights,
        max_results,
        after: None,
    };
    if let Some(token) = &input.next_token {
        query.after = Some(decode_token(token, &query)?);
    }
    Ok(query)
}

/// A fingerprint of what a query selects (not its page size or position), so a token is
/// only accepted with the parameters it was issued for.
pub fn query_fingerprint(query: &LookupQuery) -> String {
    let (key, value) = match &query.filter {
        Some((a, v)) => (a.as_str(), v.as_str()),
        None => ("", ""),
    };
    let nanos = |t: Option<OffsetDateTime>| {
        t.map(|t| t.unix_timestamp_nanos().to_string())
            .unwrap_or_default()
    };
    let text = format!(
        "{key}\n{value}\n{}\n{}\n{}",
        nanos(query.start_time),
        nanos(query.end_time),
        query.insights
    );
    hex::encode(&digest::digest(&digest::SHA256, text.as_bytes()).as_ref()[..8])
}

/// The `NextToken` for a page that ended with `last`.
pub fn encode_token(last: &Event, query: &LookupQuery) -> String {
    let cursor = Cursor {
        event_time_nanos: last.event_time.unix_timestamp_nanos().to_string(),
        event_id: last.event_id.clone(),
        query: query_fingerprint(query),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

/// Reads a `NextToken`; garbage, or a token issued for other parameters, is
/// `InvalidNextTokenException`.
pub fn decode_token(token: &str, query: &LookupQuery) -> Result<Cursor, LookupError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| LookupError::InvalidNextToken)?;
    let cursor: Cursor =
        serde_json::from_slice(&bytes).map_err(|_| LookupError::InvalidNextToken)?;
    if cursor.query != query_fingerprint(query) || cursor.event_time_nanos.parse::<i128>().is_err()
    {
        return Err(LookupError::InvalidNextToken);
    }
    Ok(cursor)
}

/// One page of LookupEvents.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupPage<'a> {
    /// The events, newest first (render each with [`summary`]).
    pub events: Vec<&'a Event>,
    /// The token for the next page, when there is one.
    pub next_token: Option<String>,
}

/// Newest-first order: by time, then by event id, both descending.
fn newer_first(a: &Event, b: &Event) -> std::cmp::Ordering {
    b.event_time
        .cmp(&a.event_time)
        .then_with(|| b.event_id.cmp(&a.event_id))
}

/// Whether `event` comes after the cursor in newest-first order.
fn after_cursor(event: &Event, cursor: &Cursor) -> bool {
    let Ok(t) = cursor.event_time_nanos.parse::<i128>() else {
        return false;
    };
    let et = event.event_time.unix_timestamp_nanos();
    et < t || (et == t && event.event_id.as_str() < cursor.event_id.as_str())
}

/// Runs a validated query over events held in memory.
pub fn lookup<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    query: &LookupQuery,
) -> LookupPage<'a> {
    if query.insights {
        return LookupPage {
            events: Vec::new(),
            next_token: None,
        };
    }
    let mut selected: Vec<&Event> = events
        .into_iter()
        .filter(|e| query.start_time.is_none_or(|s| e.event_time >= s))
        .filter(|e| query.end_time.is_none_or(|end| e.event_time <= end))
        .filter(|e| query.filter.as_ref().is_none_or(|(a, v)| matches(e, a, v)))
        .filter(|e| query.after.as_ref().is_none_or(|c| after_cursor(e, c)))
        .collect();
    selected.sort_by(|a, b| newer_first(a, b));
    let more = selected.len() > query.max_results;
    selected.truncate(query.max_results);
    let next_token = match selected.last() {
        Some(last) if more => Some(encode_token(last, query)),
        _ => None,
    };
    LookupPage {
        events: selected,
        next_token,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Resource, SessionAttributes, SessionContext, UserIdentity};
    use time::Duration;
    use time::macros::datetime;

    fn event(n: i64, name: &str, identity: UserIdentity) -> Event {
        let mut e = Event::api_call(
            identity,
            datetime!(2026-11-22 20:00:00 UTC) + Duration::minutes(n),
            "iam.amazonaws.com",
            name,
            "us-east-1",
            "192.0.2.1",
            "123456789012",
        );
        e.event_id = format!("00000000-0000-4000-8000-{n:012}");
        e.read_only = Some(name.starts_with("Get") || name.starts_with("List"));
        e
    }

    fn user(name: &str) -> UserIdentity {
        UserIdentity {
            identity_type: IdentityType::IamUser,
            arn: Some(format!("arn:aws:iam::123456789012:user/{name}")),
            user_name: Some(name.into()),
            access_key_id: Some(format!("AKIA{}", name.to_uppercase())),
            ..UserIdentity::default()
        }
    }

    fn assumed(session: &str) -> UserIdentity {
        UserIdentity {
            identity_type: IdentityType::AssumedRole,
            arn: Some(format!(
                "arn:aws:sts::123456789012:assumed-role/Admin/{session}"
            )),
            session_context: Some(SessionContext {
                attributes: SessionAttributes::default(),
                ..SessionContext::default()
            }),
            ..UserIdentity::default()
        }
    }

    #[test]
    fn usernames_follow_the_identity_kind() {
        assert_eq!(
            username(&event(0, "X", user("alice"))).as_deref(),
            Some("alice")
        );
        assert_eq!(
            username(&event(0, "X", assumed("bob-session"))).as_deref(),
            Some("bob-session")
        );
        let root = UserIdentity {
            identity_type: IdentityType::Root,
            ..UserIdentity::default()
        };
        assert_eq!(username(&event(0, "X", root)).as_deref(), Some("root"));
        let fed = UserIdentity {
            identity_type: IdentityType::FederatedUser,
            arn: Some("arn:aws:sts::123456789012:federated-user/carol".into()),
            ..UserIdentity::default()
        };
        assert_eq!(username(&event(0, "X", fed)).as_deref(), Some("carol"));
        assert_eq!(username(&event(0, "X", UserIdentity::anonymous())), None);
    }

    #[test]
    fn attributes_match_exactly() {
        let mut e = event(1, "CreateUser", user("alice"));
        e.resources = Some(vec![Resource {
            account_id: None,
            resource_type: "AWS::IAM::User".into(),
            arn: "arn:aws:iam::123456789012:user/dev/bob".into(),
        }]);
        use LookupAttribute::*;
        assert!(matches(&e, &EventName, "CreateUser"));
        assert!(!matches(&e, &EventName, "createuser"));
        assert!(matches(&e, &ReadOnly, "false"));
        assert!(!matches(&e, &ReadOnly, "False"));
        assert!(matches(&e, &Username, "alice"));
        assert!(matches(&e, &AccessKeyId, "AKIAALICE"));
        assert!(matches(&e, &EventSource, "iam.amazonaws.com"));
        assert!(matches(
            &e,
            &EventId,
            "00000000-0000-4000-8000-000000000001"
        ));
        assert!(matches(&e, &ResourceType, "AWS::IAM::User"));
        assert!(matches(&e, &ResourceName, "bob"));
        assert!(matches(
            &e,
            &ResourceName,
            "arn:aws:iam::123456789012:user/dev/bob"
        ));
        assert!(!matches(&e, &ResourceName, "dev"));
    }

    #[test]
    fn summary_has_the_awsjson_shape() {
        let mut e = event(0, "GetUser", user("alice"));
        e.resources = Some(vec![Resource {
            account_id: None,
            resource_type: "AWS::IAM::User".into(),
            arn: "arn:aws:iam::123456789012:user/alice".into(),
        }]);
        let s = summary(&e);
        assert_eq!(s["EventTime"], json!(e.event_time.unix_timestamp()));
        assert_eq!(s["ReadOnly"], "true");
        assert_eq!(s["Username"], "alice");
        assert_eq!(s["AccessKeyId"], "AKIAALICE");
        assert_eq!(
            s["Resources"],
            json!([{"ResourceType": "AWS::IAM::User", "ResourceName": "arn:aws:iam::123456789012:user/alice"}])
        );
        let back = Event::from_json(s["CloudTrailEvent"].as_str().unwrap()).unwrap();
        assert_eq!(back, e);
        let anon = summary(&event(0, "X", UserIdentity::anonymous()));
        assert!(anon.get("Username").is_none() && anon.get("AccessKeyId").is_none());
        assert_eq!(anon["Resources"], json!([]));
    }

    fn input() -> LookupInput {
        LookupInput::default()
    }

    #[test]
    fn validation_follows_aws_rules() {
        let q = validate_lookup(&input()).unwrap();
        assert_eq!(q.max_results, 50);
        let two = LookupInput {
            lookup_attributes: vec![
                ("EventName".into(), "A".into()),
                ("Username".into(), "b".into()),
            ],
            ..input()
        };
        assert_eq!(
            validate_lookup(&two).unwrap_err().code(),
            "InvalidLookupAttributesException"
        );
        let bad_key = LookupInput {
            lookup_attributes: vec![("Colour".into(), "red".into())],
            ..input()
        };
        assert_eq!(
            validate_lookup(&bad_key).unwrap_err().code(),
            "InvalidLookupAttributesException"
        );
        for n in [0, 51, -1] {
            let i = LookupInput {
                max_results: Some(n),
                ..input()
            };
            assert_eq!(
                validate_lookup(&i).unwrap_err(),
                LookupError::InvalidMaxResults
            );
        }
        for n in [1, 50] {
            assert!(
                validate_lookup(&LookupInput {
                    max_results: Some(n),
                    ..input()
                })
                .is_ok()
            );
        }
        let backwards = LookupInput {
            start_time: Some(datetime!(2026-11-22 21:00 UTC)),
            end_time: Some(datetime!(2026-11-22 20:00 UTC)),
            ..input()
        };
        assert_eq!(
            validate_lookup(&backwards).unwrap_err().code(),
            "InvalidTimeRangeException"
        );
        let cat = LookupInput {
            event_category: Some("data".into()),
            ..input()
        };
        assert_eq!(
            validate_lookup(&cat).unwrap_err().code(),
            "InvalidEventCategoryException"
        );
        let long = |v: String| LookupInput {
            lookup_attributes: vec![("EventName".into(), v)],
            ..input()
        };
        assert!(validate_lookup(&long("a".repeat(2000))).is_ok());
        assert!(validate_lookup(&long("_".repeat(1000))).is_ok());
        assert!(validate_lookup(&long("_".repeat(1001))).is_err());
        assert!(validate_lookup(&long(String::new())).is_err());
        let garbage = LookupInput {
            next_token: Some("!!not-a-token".into()),
            ..input()
        };
        assert_eq!(
            validate_lookup(&garbage).unwrap_err().code(),
            "InvalidNextTokenException"
        );
    }

    #[test]
    fn pages_newest_first_with_tokens() {
        let events: Vec<Event> = (0..7).map(|n| event(n, "GetUser", user("alice"))).collect();
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let i = LookupInput {
                max_results: Some(3),
                next_token: token.clone(),
                ..input()
            };
            let q = validate_lookup(&i).unwrap();
            let page = lookup(&events, &q);
            seen.extend(page.events.iter().map(|e| e.event_id.clone()));
            match page.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let expected: Vec<String> = events.iter().rev().map(|e| e.event_id.clone()).collect();
        assert_eq!(seen, expected);
    }

    proptest::proptest! {
        /// Paging through any set of events with any page size returns each matching
        /// event exactly once, newest first.
        #[test]
        fn paging_returns_every_match_once_in_order(
            stamps in proptest::collection::vec((0i64..20, 0u8..3), 0..40),
            page in 1i64..=50,
            filter in proptest::option::of(0u8..3),
        ) {
            let names = ["GetUser", "ListUsers", "CreateUser"];
            let events: Vec<Event> = stamps
                .iter()
                .enumerate()
                .map(|(i, (minute, name))| {
                    let mut e = event(*minute, names[*name as usize], user("alice"));
                    e.event_id = format!("id-{i:03}");
                    e
                })
                .collect();
            let attributes: Vec<(String, String)> = filter
                .map(|f| vec![("EventName".to_owned(), names[f as usize].to_owned())])
                .unwrap_or_default();
            let mut expected: Vec<&Event> = events
                .iter()
                .filter(|e| filter.is_none_or(|f| e.event_name == names[f as usize]))
                .collect();
            expected.sort_by(|a, b| newer_first(a, b));
            let mut seen: Vec<&Event> = Vec::new();
            let mut token = None;
            loop {
                let i = LookupInput {
                    lookup_attributes: attributes.clone(),
                    max_results: Some(page),
                    next_token: token.take(),
                    ..input()
                };
                let result = lookup(&events, &validate_lookup(&i).unwrap());
                proptest::prop_assert!(result.events.len() <= page as usize);
                seen.extend(result.events);
                match result.next_token {
                    Some(t) => token = Some(t),
                    None => break,
                }
            }
            let seen_ids: Vec<&str> = seen.iter().map(|e| e.event_id.as_str()).collect();
            let expected_ids: Vec<&str> = expected.iter().map(|e| e.event_id.as_str()).collect();
            proptest::prop_assert_eq!(seen_ids, expected_ids);
        }
    }

    #[test]
    fn a_token_only_works_with_its_own_parameters() {
        let events: Vec<Event> = (0..3).map(|n| event(n, "GetUser", user("alice"))).collect();
        let q = validate_lookup(&LookupInput {
            max_results: Some(1),
            ..input()
        })
        .unwrap();
        let token = lookup(&events, &q).next_token.unwrap();
        let other = LookupInput {
            lookup_attributes: vec![("Username".into(), "alice".into())],
            next_token: Some(token),
            ..input()
        };
        assert_eq!(
            validate_lookup(&other).unwrap_err(),
            LookupError::InvalidNextToken
        );
    }

    #[test]
    fn filters_by_time_and_attribute() {
        let mut events: Vec<Event> = (0..5).map(|n| event(n, "GetUser", user("alice"))).collect();
        events.push(event(2, "CreateUser", user("bob")));
        let i = LookupInput {
            lookup_attributes: vec![("Username".into(), "alice".into())],
            start_time: Some(datetime!(2026-11-22 20:01 UTC)),
            end_time: Some(datetime!(2026-11-22 20:03 UTC)),
            ..input()
        };
        let page = lookup(&events, &validate_lookup(&i).unwrap());
        let minutes: Vec<u8> = page.events.iter().map(|e| e.event_time.minute()).collect();
        assert_eq!(minutes, vec![3, 2, 1]);
        let insight = LookupInput {
            event_category: Some("insight".into()),
            ..input()
        };
        assert!(
            lookup(&events, &validate_lookup(&insight).unwrap())
                .events
                .is_empty()
        );
    }
}
