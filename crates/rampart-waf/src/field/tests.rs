use super::*;
use crate::model::{FieldToMatch, TextTransformation};
use std::net::IpAddr;

fn field(json: &str) -> Field {
    let f: FieldToMatch = serde_json::from_str(json).unwrap();
    Field::compile(&f, &[]).unwrap()
}

fn req() -> Request {
    Request::new(
        "POST",
        b"/p/a?Name=v1&x=2&name=v3#frag",
        IpAddr::from([192, 0, 2, 1]),
    )
    .with_header("Host", "example.com")
    .with_header("User-Agent", "curl/8")
    .with_header("Cookie", "session=abc; Theme=dark")
    .with_body(br#"{"user": {"name": "bob", "tags": ["a", "b"]}, "n": 1}"#.to_vec())
}

fn values(e: Extracted) -> Vec<String> {
    e.values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

#[test]
fn single_header_is_case_insensitive() {
    assert_eq!(
        values(field(r#"{"SingleHeader": {"Name": "user-agent"}}"#).extract(&req(), 8192)),
        vec!["curl/8"]
    );
    assert!(
        field(r#"{"SingleHeader": {"Name": "x-missing"}}"#)
            .extract(&req(), 8192)
            .values
            .is_empty()
    );
}

#[test]
fn single_query_argument_tests_every_repeat_case_insensitively() {
    let f = field(r#"{"SingleQueryArgument": {"Name": "NAME"}}"#);
    assert_eq!(values(f.extract(&req(), 8192)), vec!["v1", "v3"]);
}

#[test]
fn query_components() {
    assert_eq!(
        values(field(r#"{"AllQueryArguments": {}}"#).extract(&req(), 8192)),
        vec!["v1", "2", "v3"]
    );
    assert_eq!(
        values(field(r#"{"QueryString": {}}"#).extract(&req(), 8192)),
        vec!["Name=v1&x=2&name=v3"]
    );
    assert_eq!(
        values(field(r#"{"UriPath": {}}"#).extract(&req(), 8192)),
        vec!["/p/a"]
    );
    assert_eq!(
        values(field(r#"{"Method": {}}"#).extract(&req(), 8192)),
        vec!["POST"]
    );
}

#[test]
fn uri_fragment_and_fingerprints_use_their_fallback_when_missing() {
    assert_eq!(
        values(field(r#"{"UriFragment": {}}"#).extract(&req(), 8192)),
        vec!["frag"]
    );
    let r = Request::new("GET", b"/", IpAddr::from([192, 0, 2, 1]));
    assert_eq!(
        field(r#"{"UriFragment": {"FallbackBehavior": "MATCH"}}"#)
            .extract(&r, 8192)
            .forced,
        Some(true)
    );
    assert_eq!(
        field(r#"{"JA3Fingerprint": {"FallbackBehavior": "NO_MATCH"}}"#)
            .extract(&r, 8192)
            .forced,
        Some(false)
    );
    let mut r2 = r.clone();
    r2.ja4 = Some("t13d1516h2_8daaf6152771_b186095e22b6".into());
    assert_eq!(
        values(field(r#"{"JA4Fingerprint": {"FallbackBehavior": "NO_MATCH"}}"#).extract(&r2, 8192)),
        vec!["t13d1516h2_8daaf6152771_b186095e22b6"]
    );
}

#[test]
fn body_and_oversize_handling() {
    let big =
        Request::new("POST", b"/", IpAddr::from([192, 0, 2, 1])).with_body(vec![b'a'; 10_000]);
    let cont = field(r#"{"Body": {}}"#).extract(&big, 8192);
    assert_eq!(
        cont.values[0].len(),
        8192,
        "CONTINUE inspects the first 8 KB"
    );
    assert_eq!(
        field(r#"{"Body": {"OversizeHandling": "MATCH"}}"#)
            .extract(&big, 8192)
            .forced,
        Some(true)
    );
    assert_eq!(
        field(r#"{"Body": {"OversizeHandling": "NO_MATCH"}}"#)
            .extract(&big, 8192)
            .forced,
        Some(false)
    );
    assert_eq!(
        field(r#"{"Body": {"OversizeHandling": "MATCH"}}"#)
            .extract(&big, 16384)
            .forced,
        None
    );
    // The data plane may buffer only the limit but report the full length.
    let mut partial =
        Request::new("POST", b"/", IpAddr::from([192, 0, 2, 1])).with_body(vec![b'a'; 8192]);
    partial.body_len = 1_000_000;
    assert_eq!(
        field(r#"{"Body": {"OversizeHandling": "MATCH"}}"#)
            .extract(&partial, 8192)
            .forced,
        Some(true)
    );
}

#[test]
fn json_body_scopes_and_paths() {
    let all = r#"{"JsonBody": {"MatchPattern": {"All": {}}, "MatchScope": "ALL"}}"#;
    assert_eq!(
        values(field(all).extract(&req(), 8192)),
        vec!["user", "name", "bob", "tags", "a", "b", "n", "1"]
    );
    let keys = r#"{"JsonBody": {"MatchPattern": {"All": {}}, "MatchScope": "KEY"}}"#;
    assert_eq!(
        values(field(keys).extract(&req(), 8192)),
        vec!["user", "name", "tags", "n"]
    );
    let path =
        r#"{"JsonBody": {"MatchPattern": {"IncludedPaths": ["/user"]}, "MatchScope": "ALL"}}"#;
    assert_eq!(
        values(field(path).extract(&req(), 8192)),
        vec!["name", "bob", "tags", "a", "b"],
        "the included path's own key is not inspected"
    );
    let idx = r#"{"JsonBody": {"MatchPattern": {"IncludedPaths": ["/user/tags/1"]}, "MatchScope": "VALUE"}}"#;
    assert_eq!(values(field(idx).extract(&req(), 8192)), vec!["b"]);
}

#[test]
fn json_body_invalid_fallbacks() {
    let bad = Request::new("POST", b"/", IpAddr::from([192, 0, 2, 1]))
        .with_body(&br#"{"a": "x", "b": oops}"#[..]);
    let with = |fb: &str| {
        format!(
            r#"{{"JsonBody": {{"MatchPattern": {{"All": {{}}}}, "MatchScope": "VALUE", "InvalidFallbackBehavior": "{fb}"}}}}"#
        )
    };
    assert_eq!(field(&with("MATCH")).extract(&bad, 8192).forced, Some(true));
    assert_eq!(
        field(&with("NO_MATCH")).extract(&bad, 8192).forced,
        Some(false)
    );
    assert_eq!(
        values(field(&with("EVALUATE_AS_STRING")).extract(&bad, 8192)),
        vec![r#"{"a": "x", "b": oops}"#]
    );
    let unset = r#"{"JsonBody": {"MatchPattern": {"All": {}}, "MatchScope": "VALUE"}}"#;
    assert_eq!(
        values(field(unset).extract(&bad, 8192)),
        vec!["x"],
        "unset: what parsed before the error"
    );
}

#[test]
fn headers_with_patterns_and_scopes() {
    let inc = r#"{"Headers": {"MatchPattern": {"IncludedHeaders": ["HOST"]}, "MatchScope": "VALUE", "OversizeHandling": "CONTINUE"}}"#;
    assert_eq!(
        values(field(inc).extract(&req(), 8192)),
        vec!["example.com"]
    );
    let exc = r#"{"Headers": {"MatchPattern": {"ExcludedHeaders": ["cookie", "host"]}, "MatchScope": "KEY", "OversizeHandling": "CONTINUE"}}"#;
    assert_eq!(values(field(exc).extract(&req(), 8192)), vec!["User-Agent"]);
    let mut many = Request::new("GET", b"/", IpAddr::from([192, 0, 2, 1]));
    for i in 0..201 {
        many = many.with_header(&format!("x-{i}"), "v");
    }
    let m = r#"{"Headers": {"MatchPattern": {"All": {}}, "MatchScope": "ALL", "OversizeHandling": "MATCH"}}"#;
    assert_eq!(
        field(m).extract(&many, 8192).forced,
        Some(true),
        "more than 200 headers is oversize"
    );
}

#[test]
fn cookies_match_names_case_sensitively() {
    let f = r#"{"Cookies": {"MatchPattern": {"IncludedCookies": ["theme", "Theme"]}, "MatchScope": "ALL", "OversizeHandling": "CONTINUE"}}"#;
    assert_eq!(
        values(field(f).extract(&req(), 8192)),
        vec!["Theme", "dark"]
    );
}

#[test]
fn header_order() {
    assert_eq!(
        values(field(r#"{"HeaderOrder": {"OversizeHandling": "CONTINUE"}}"#).extract(&req(), 8192)),
        vec!["Host:User-Agent:Cookie"]
    );
}

#[test]
fn invalid_fields_are_rejected_with_their_field() {
    let f: FieldToMatch =
        serde_json::from_str(r#"{"Body": {"OversizeHandling": "MAYBE"}}"#).unwrap();
    assert_eq!(
        Field::compile(&f, &[]).unwrap_err().field,
        "OVERSIZE_HANDLING"
    );
    let f: FieldToMatch = serde_json::from_str(r#"{"SingleHeader": {"Name": " "}}"#).unwrap();
    assert_eq!(Field::compile(&f, &[]).unwrap_err().field, "SINGLE_HEADER");
    let f: FieldToMatch = serde_json::from_str(
        r#"{"Cookies": {"MatchPattern": {"IncludedHeaders": ["a"]}, "MatchScope": "ALL", "OversizeHandling": "MATCH"}}"#,
    )
    .unwrap();
    assert_eq!(
        Field::compile(&f, &[]).unwrap_err().field,
        "COOKIE_MATCH_PATTERN"
    );
    assert!(
        serde_json::from_str::<FieldToMatch>(r#"{"UriPath": {}, "Method": {}}"#).is_err(),
        "exactly one member"
    );
}

#[test]
fn pre_parse_transformations_normalise_the_query_before_splitting() {
    let tts = |kinds: &[&str]| -> Vec<TextTransformation> {
        kinds
            .iter()
            .enumerate()
            .map(|(i, k)| TextTransformation {
                priority: i as i64,
                kind: k.to_string(),
            })
            .collect()
    };
    let f: FieldToMatch = serde_json::from_str(r#"{"AllQueryArguments": {}}"#).unwrap();
    let r = Request::new(
        "GET",
        b"/?a=1;b=2%26c%3D3&a=4",
        IpAddr::from([192, 0, 2, 1]),
    );
    let plain = Field::compile(&f, &[]).unwrap();
    assert_eq!(values(plain.extract(&r, 8192)), vec!["1;b=2%26c%3D3", "4"]);
    let semis = Field::compile(&f, &tts(&["REPLACE_SEMICOLONS_WITH_AMPERSANDS"])).unwrap();
    assert_eq!(values(semis.extract(&r, 8192)), vec!["1", "2%26c%3D3", "4"]);
    let decoded = Field::compile(
        &f,
        &tts(&["REPLACE_SEMICOLONS_WITH_AMPERSANDS", "URL_DECODE"]),
    )
    .unwrap();
    assert_eq!(values(decoded.extract(&r, 8192)), vec!["1", "2", "3", "4"]);
    let single: FieldToMatch =
        serde_json::from_str(r#"{"SingleQueryArgument": {"Name": "a"}}"#).unwrap();
    let combined =
        Field::compile(&single, &tts(&["COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA"])).unwrap();
    assert_eq!(values(combined.extract(&r, 8192)), vec!["1;b=2%26c%3D3,4"]);
    let body: FieldToMatch = serde_json::from_str(r#"{"Body": {}}"#).unwrap();
    assert_eq!(
        Field::compile(&body, &tts(&["URL_DECODE"]))
            .unwrap_err()
            .field,
        "PRE_PARSE_TEXT_TRANSFORMATION",
        "only query-argument components take pre-parse transformations"
    );
    assert!(Field::compile(&f, &tts(&["LOWERCASE"])).is_err());
}
