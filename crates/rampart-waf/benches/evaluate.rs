//! Evaluation cost of a realistic 10-rule web ACL (IP set of 10,000 addresses, geo, rate,
//! SQLi and XSS on query and body, a regex pattern set, a size limit, a user-agent match) on a
//! benign and a malicious request.

use std::hint::black_box;
use std::net::IpAddr;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_waf::model::{IpSetDef, WebAclDef};
use rampart_waf::{
    CompileOptions, GeoInfo, GeoLookup, IpSet, RateTracker, RegexPatternSet, Request,
    ResolvedGroup, Resolver, WebAcl, evaluate,
};

const IP_SET: &str = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/blocked/1";
const REGEX_SET: &str = "arn:aws:wafv2:us-east-1:111122223333:regional/regexpatternset/paths/1";

struct Refs {
    ip_set: Arc<IpSet>,
    regex_set: Arc<RegexPatternSet>,
}

impl Resolver for Refs {
    fn ip_set(&self, arn: &str) -> Option<Arc<IpSet>> {
        (arn == IP_SET).then(|| self.ip_set.clone())
    }
    fn regex_pattern_set(&self, arn: &str) -> Option<Arc<RegexPatternSet>> {
        (arn == REGEX_SET).then(|| self.regex_set.clone())
    }
    fn rule_group(&self, _arn: &str) -> Option<ResolvedGroup> {
        None
    }
    fn managed_rule_group(&self, _v: &str, _n: &str, _ver: Option<&str>) -> Option<ResolvedGroup> {
        None
    }
}

struct Geo;

impl GeoLookup for Geo {
    fn lookup(&self, ip: IpAddr) -> Option<GeoInfo> {
        let cc = if ip.is_loopback() { "US" } else { "DE" };
        Some(GeoInfo {
            country: cc.into(),
            region: None,
        })
    }
}

fn rule(name: &str, priority: u32, statement: &str) -> String {
    format!(
        r#"{{"Name": "{name}", "Priority": {priority}, "Action": {{"Block": {{}}}}, "Statement": {statement},
            "VisibilityConfig": {{"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "{name}"}}}}"#
    )
}

fn acl() -> WebAcl {
    let tt =
        r#"[{"Priority": 0, "Type": "URL_DECODE"}, {"Priority": 1, "Type": "HTML_ENTITY_DECODE"}]"#;
    let rules = [
        rule(
            "ip-block",
            0,
            &format!(r#"{{"IPSetReferenceStatement": {{"ARN": "{IP_SET}"}}}}"#),
        ),
        rule(
            "geo",
            1,
            r#"{"GeoMatchStatement": {"CountryCodes": ["KP", "IR"]}}"#,
        ),
        rule(
            "rate",
            2,
            r#"{"RateBasedStatement": {"Limit": 2000000000, "AggregateKeyType": "IP"}}"#,
        ),
        rule(
            "body-size",
            3,
            r#"{"SizeConstraintStatement": {"FieldToMatch": {"Body": {"OversizeHandling": "MATCH"}}, "ComparisonOperator": "GT", "Size": 8192, "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}"#,
        ),
        rule(
            "bad-ua",
            4,
            r#"{"ByteMatchStatement": {"SearchString": "c3FsbWFw", "FieldToMatch": {"SingleHeader": {"Name": "user-agent"}}, "PositionalConstraint": "CONTAINS", "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}}"#,
        ),
        rule(
            "sqli-query",
            5,
            &format!(
                r#"{{"SqliMatchStatement": {{"FieldToMatch": {{"AllQueryArguments": {{}}}}, "TextTransformations": {tt}}}}}"#
            ),
        ),
        rule(
            "sqli-body",
            6,
            &format!(
                r#"{{"SqliMatchStatement": {{"FieldToMatch": {{"Body": {{}}}}, "TextTransformations": {tt}}}}}"#
            ),
        ),
        rule(
            "xss-query",
            7,
            &format!(
                r#"{{"XssMatchStatement": {{"FieldToMatch": {{"AllQueryArguments": {{}}}}, "TextTransformations": {tt}}}}}"#
            ),
        ),
        rule(
            "xss-body",
            8,
            &format!(
                r#"{{"XssMatchStatement": {{"FieldToMatch": {{"Body": {{}}}}, "TextTransformations": {tt}}}}}"#
            ),
        ),
        rule(
            "paths",
            9,
            &format!(
                r#"{{"RegexPatternSetReferenceStatement": {{"ARN": "{REGEX_SET}", "FieldToMatch": {{"UriPath": {{}}}}, "TextTransformations": [{{"Priority": 0, "Type": "NORMALIZE_PATH"}}, {{"Priority": 1, "Type": "LOWERCASE"}}]}}}}"#
            ),
        ),
    ];
    let def: WebAclDef = serde_json::from_str(&format!(
        r#"{{"Name": "bench", "DefaultAction": {{"Allow": {{}}}}, "Rules": [{}]}}"#,
        rules.join(",")
    ))
    .expect("valid ACL");
    let addresses: Vec<String> = (0..10_000u32)
        .map(|i| {
            format!(
                "{}.{}.{}.{}/32",
                11 + i / 65536,
                (i / 256) % 256,
                i % 256,
                7
            )
        })
        .collect();
    let ip_set = IpSet::compile(&IpSetDef {
        ip_address_version: "IPV4".into(),
        addresses,
    })
    .expect("valid IP set");
    let patterns: Vec<String> = [
        "(?i)/wp-admin",
        "\\.(env|git|svn)(/|$)",
        "(?i)/phpmyadmin",
        "/cgi-bin/.*\\.(pl|sh)$",
        "(?i)/\\.aws/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let refs = Refs {
        ip_set: Arc::new(ip_set),
        regex_set: Arc::new(RegexPatternSet::compile(&patterns).expect("valid patterns")),
    };
    let mut opts = CompileOptions::new("111122223333".parse().expect("account id"));
    opts.geo = Arc::new(Geo);
    WebAcl::compile(&def, &refs, &opts).expect("compiles")
}

fn request(target: &str, body: &str) -> Request {
    Request::new("POST", target.as_bytes(), IpAddr::from([127, 0, 0, 1]))
        .with_header("Host", "app.example")
        .with_header(
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        )
        .with_header("Accept", "text/html,application/xhtml+xml")
        .with_header(
            "Cookie",
            "session=8f14e45fceea167a5a36dedd4bea2543; theme=dark",
        )
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body(body.as_bytes().to_vec())
}

fn bench(c: &mut Criterion) {
    let acl = acl();
    let benign = request(
        "/index.html?page=2&sort=name&q=hello+world",
        "name=Jane+O%27Reilly&comment=Looking+forward+to+the+select+few+products+you+offer%21&rating=5",
    );
    let malicious = request(
        "/index.html?id=1%27%20OR%20%271%27=%271&q=1%20UNION%20SELECT%20password%20FROM%20users--",
        "",
    );
    let mut tracker = RateTracker::default();
    assert_eq!(
        evaluate(&acl, &benign, &mut tracker, 0).action,
        rampart_waf::ActionKind::Allow
    );
    assert_eq!(
        evaluate(&acl, &malicious, &mut tracker, 0).action,
        rampart_waf::ActionKind::Block
    );
    let mut now = 1_700_000_000u64;
    c.bench_function("evaluate/benign", |b| {
        b.iter(|| {
            now += 1;
            black_box(evaluate(&acl, black_box(&benign), &mut tracker, now))
        })
    });
    c.bench_function("evaluate/malicious", |b| {
        b.iter(|| {
            now += 1;
            black_box(evaluate(&acl, black_box(&malicious), &mut tracker, now))
        })
    });
}

fn detectors(c: &mut Criterion) {
    use rampart_waf::detect::{sqli, xss};
    let benign = b"Looking forward to the select few products you offer! Jane O'Reilly, 5 stars.";
    let sqli_payload = b"1' UNION SELECT username, password FROM users WHERE '1'='1";
    let xss_payload = b"<img src=x onerror=alert(document.cookie)>";
    c.bench_function("detect/sqli-benign", |b| {
        b.iter(|| sqli::is_sqli(black_box(benign), sqli::Sensitivity::Low))
    });
    c.bench_function("detect/sqli-attack", |b| {
        b.iter(|| sqli::is_sqli(black_box(sqli_payload), sqli::Sensitivity::Low))
    });
    c.bench_function("detect/xss-benign", |b| {
        b.iter(|| xss::is_xss(black_box(benign)))
    });
    c.bench_function("detect/xss-attack", |b| {
        b.iter(|| xss::is_xss(black_box(xss_payload)))
    });
}

criterion_group!(benches, bench, detectors);
criterion_main!(benches);
