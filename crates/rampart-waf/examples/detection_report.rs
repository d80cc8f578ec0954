//! Detection report: true- and false-positive rates of rampart's SQLi and XSS detectors on the
//! libinjection samples and GoTestWAF cases.
//!
//! `cargo run -p rampart-waf --release --example detection_report -- /work/shared/data/waf`
//!
//! Each sample is inspected the way a typical web ACL rule would: after `URL_DECODE` (SQLi) or
//! `URL_DECODE` + `HTML_ENTITY_DECODE` (XSS), as AWS's managed SQLi/XSS rules do.

use std::fs;
use std::path::{Path, PathBuf};

use std::net::IpAddr;
use std::sync::Arc;

use percent_encoding::{NON_ALPHANUMERIC, percent_encode};
use rampart_waf::detect::{sqli, xss};
use rampart_waf::model::IpSetDef;
use rampart_waf::{
    ActionKind, Chain, CompileOptions, IpSet, RateTracker, RegexPatternSet, Request, ResolvedGroup,
    Resolver, Transform, WebAcl, evaluate, managed,
};

#[derive(Default)]
struct Tally {
    total: usize,
    flagged: usize,
}

impl Tally {
    fn add(&mut self, flagged: bool) {
        self.total += 1;
        self.flagged += usize::from(flagged);
    }

    fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.flagged as f64 / self.total as f64
        }
    }
}

fn sqli_chain() -> Chain {
    Chain::of(&[Transform::UrlDecode])
}

fn xss_chain() -> Chain {
    Chain::of(&[Transform::UrlDecode, Transform::HtmlEntityDecode])
}

fn is_sqli(raw: &[u8], level: sqli::Sensitivity) -> bool {
    sqli::is_sqli(&sqli_chain().apply(raw), level)
}

fn is_xss(raw: &[u8]) -> bool {
    xss::is_xss(&xss_chain().apply(raw))
}

/// Non-comment, non-empty lines of a libinjection sample file.
fn sample_lines(path: &Path) -> Vec<Vec<u8>> {
    let Ok(data) = fs::read(path) else {
        return Vec::new();
    };
    data.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .map(<[u8]>::to_vec)
        .collect()
}

/// The `payload:` items and the `type:` of a GoTestWAF YAML file (the subset of YAML they use).
fn gotestwaf_file(path: &Path) -> (Vec<Vec<u8>>, String) {
    let Ok(text) = fs::read_to_string(path) else {
        return (Vec::new(), String::new());
    };
    let mut payloads = Vec::new();
    let mut kind = String::new();
    let mut in_payload = false;
    let mut open: Option<String> = None;
    for line in text.lines() {
        // A double-quoted scalar continued on the next lines (`\` at the end joins directly,
        // otherwise the line break folds into a space).
        if let Some(mut acc) = open.take() {
            let part = line.trim_start();
            if let Some(stripped) = acc.strip_suffix('\\') {
                acc = stripped.to_owned();
            } else {
                acc.push(' ');
            }
            acc.push_str(part);
            if closes_double_quote(&acc) {
                payloads.push(unquote(&acc).into_bytes());
            } else {
                open = Some(acc);
            }
            continue;
        }
        if let Some(t) = line.strip_prefix("type:") {
            kind = unquote(t.trim());
        }
        if !line.starts_with(' ') && !line.starts_with('-') {
            in_payload = line.starts_with("payload:");
            continue;
        }
        if in_payload && let Some(item) = line.trim_start().strip_prefix("- ") {
            let item = item.trim();
            if item.starts_with('"') && !closes_double_quote(item) {
                open = Some(item.to_owned());
            } else {
                payloads.push(unquote(item).into_bytes());
            }
        }
    }
    (payloads, kind)
}

/// Whether a scalar starting with `"` ends with an unescaped `"`.
fn closes_double_quote(s: &str) -> bool {
    if s.len() < 2 || !s.ends_with('"') {
        return false;
    }
    let backslashes = s[..s.len() - 1]
        .chars()
        .rev()
        .take_while(|&c| c == '\\')
        .count();
    backslashes % 2 == 0
}

fn unquote(s: &str) -> String {
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        return s[1..s.len() - 1].replace("''", "'");
    }
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        let inner = &s[1..s.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(
                        u32::from_str_radix(&hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or('?'),
                    );
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        return out;
    }
    s.to_owned()
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p, ext));
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn row(name: &str, t: &Tally) {
    println!(
        "| {name:<58} | {:>6} | {:>6} | {:>6.1}% |",
        t.total,
        t.flagged,
        t.rate()
    );
}

fn main() {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/work/shared/data/waf".into()),
    );
    let lib = root.join("libinjection-samples");
    let gtw = root.join("gotestwaf-testcases");
    let verbose = std::env::args().any(|a| a == "--misses");

    println!("| corpus | samples | flagged | rate |");
    println!("|---|---:|---:|---:|");

    let (mut sqli_low, mut sqli_high, mut xss_tp) =
        (Tally::default(), Tally::default(), Tally::default());
    for f in files(&lib, "txt") {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for s in sample_lines(&f) {
            if name.starts_with("sqli-") {
                let low = is_sqli(&s, sqli::Sensitivity::Low);
                sqli_low.add(low);
                sqli_high.add(is_sqli(&s, sqli::Sensitivity::High));
                if verbose && !low {
                    println!(
                        "MISS sqli {}",
                        String::from_utf8_lossy(&sqli_chain().apply(&s))
                    );
                }
            } else if name.starts_with("xss-") {
                let hit = is_xss(&s);
                xss_tp.add(hit);
                if verbose && !hit {
                    println!(
                        "MISS xss {}",
                        String::from_utf8_lossy(&xss_chain().apply(&s))
                    );
                }
            }
        }
    }
    row(
        "libinjection sqli-*.txt, SQLi LOW (true positives)",
        &sqli_low,
    );
    row(
        "libinjection sqli-*.txt, SQLi HIGH (true positives)",
        &sqli_high,
    );
    row("libinjection xss-*.txt, XSS (true positives)", &xss_tp);

    let (mut fp_low, mut fp_high, mut fp_xss) =
        (Tally::default(), Tally::default(), Tally::default());
    for s in sample_lines(&lib.join("false_positives.txt")) {
        let low = is_sqli(&s, sqli::Sensitivity::Low);
        fp_low.add(low);
        fp_high.add(is_sqli(&s, sqli::Sensitivity::High));
        fp_xss.add(is_xss(&s));
        if verbose && low {
            println!("FP sqli {}", String::from_utf8_lossy(&s));
        }
    }
    row(
        "libinjection false_positives.txt, SQLi LOW (false positives)",
        &fp_low,
    );
    row(
        "libinjection false_positives.txt, SQLi HIGH (false positives)",
        &fp_high,
    );
    row(
        "libinjection false_positives.txt, XSS (false positives)",
        &fp_xss,
    );

    let (mut g_sqli, mut g_sqli_high, mut g_xss, mut g_other) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let (mut g_fp_sqli, mut g_fp_sqli_high, mut g_fp_xss) =
        (Tally::default(), Tally::default(), Tally::default());
    for f in files(&gtw, "yml") {
        let (payloads, kind) = gotestwaf_file(&f);
        let benign = f.parent().is_some_and(|p| p.ends_with("false-pos"));
        for p in payloads {
            if benign {
                fp_report(
                    &p,
                    &mut g_fp_sqli,
                    &mut g_fp_sqli_high,
                    &mut g_fp_xss,
                    verbose,
                );
            } else if kind.contains("SQL Injection") {
                let hit = is_sqli(&p, sqli::Sensitivity::Low);
                g_sqli.add(hit);
                g_sqli_high.add(is_sqli(&p, sqli::Sensitivity::High));
                if verbose && !hit {
                    println!(
                        "MISS gtw-sqli {}",
                        String::from_utf8_lossy(&p[..p.len().min(200)])
                    );
                }
            } else if kind.contains("XSS") {
                let hit = is_xss(&p);
                g_xss.add(hit);
                if verbose && !hit {
                    println!(
                        "MISS gtw-xss {}",
                        String::from_utf8_lossy(&p[..p.len().min(200)])
                    );
                }
            } else {
                g_other.add(is_sqli(&p, sqli::Sensitivity::Low) || is_xss(&p));
            }
        }
    }
    row("GoTestWAF SQL injection payloads, SQLi LOW", &g_sqli);
    row("GoTestWAF SQL injection payloads, SQLi HIGH", &g_sqli_high);
    row("GoTestWAF XSS payloads, XSS", &g_xss);
    row(
        "GoTestWAF other attacks (RCE, LFI, ...), SQLi LOW or XSS",
        &g_other,
    );
    row(
        "GoTestWAF false-pos texts, SQLi LOW (false positives)",
        &g_fp_sqli,
    );
    row(
        "GoTestWAF false-pos texts, SQLi HIGH (false positives)",
        &g_fp_sqli_high,
    );
    row(
        "GoTestWAF false-pos texts, XSS (false positives)",
        &g_fp_xss,
    );

    // The whole WAF: every managed group but the IP lists.
    let Some(acl) = managed_acl() else {
        println!("managed web ACL did not compile");
        return;
    };
    let (mut attacks, mut benign, mut lib_fp) =
        (Placed::default(), Placed::default(), Placed::default());
    for f in files(&gtw, "yml") {
        let (payloads, kind) = gotestwaf_file(&f);
        let is_benign = f.parent().is_some_and(|p| p.ends_with("false-pos"));
        for p in payloads {
            if is_benign {
                benign.add(&acl, &p);
                if verbose {
                    print_blocking_rule(&acl, &p);
                }
            } else {
                let missed = attacks.add(&acl, &p);
                if verbose && missed {
                    println!(
                        "MISS managed [{kind}] {}",
                        String::from_utf8_lossy(&p[..p.len().min(160)])
                    );
                }
            }
        }
    }
    for s in sample_lines(&lib.join("false_positives.txt")) {
        let text = Transform::UrlDecode.apply(&s);
        lib_fp.add(&acl, &text);
        if verbose {
            print_blocking_rule(&acl, &text);
        }
    }
    attacks.rows("managed groups blocking GoTestWAF attacks");
    benign.rows("managed groups blocking GoTestWAF false-pos texts");
    lib_fp.rows("managed groups blocking libinjection false_positives");
}

/// rampart's managed groups; the IP-list feeds are empty.
struct ManagedOnly;

impl Resolver for ManagedOnly {
    fn ip_set(&self, _arn: &str) -> Option<Arc<IpSet>> {
        IpSet::compile(&IpSetDef {
            ip_address_version: "IPV4".into(),
            addresses: Vec::new(),
        })
        .ok()
        .map(Arc::new)
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
        managed::managed_group(vendor, name, version)
    }
}

/// A web ACL of every managed group but the IP lists (Block), default Allow.
fn managed_acl() -> Option<WebAcl> {
    let groups: Vec<&str> = managed::managed_groups()
        .iter()
        .map(|g| g.name)
        .filter(|n| !n.ends_with("IpReputationList") && !n.ends_with("AnonymousIpList"))
        .collect();
    let rules: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            format!(
                r#"{{"Name": "{g}", "Priority": {i}, "OverrideAction": {{"None": {{}}}},
                    "Statement": {{"ManagedRuleGroupStatement": {{"VendorName": "AWS", "Name": "{g}"}}}},
                    "VisibilityConfig": {{"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "{g}"}}}}"#
            )
        })
        .collect();
    let def = serde_json::from_str(&format!(
        r#"{{"Name": "report", "DefaultAction": {{"Allow": {{}}}}, "Rules": [{}]}}"#,
        rules.join(",")
    ))
    .ok()?;
    WebAcl::compile(
        &def,
        &ManagedOnly,
        &CompileOptions::new("111122223333".parse().ok()?),
    )
    .ok()
}

/// The payload placed where GoTestWAF places it: a URL parameter, a form body, a JSON body, a header.
fn placements(payload: &[u8]) -> Vec<(&'static str, Request)> {
    let ip = IpAddr::from([192, 0, 2, 10]);
    let base = |method: &str, target: &[u8]| {
        Request::new(method, target, ip)
            .with_header("Host", "app.example")
            .with_header(
                "User-Agent",
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
            )
            .with_header("Accept", "*/*")
    };
    let encoded = percent_encode(payload, NON_ALPHANUMERIC).to_string();
    let json = serde_json::to_string(&String::from_utf8_lossy(payload)).unwrap_or_default();
    let mut out = vec![
        (
            "URL parameter",
            base("GET", format!("/search?q={encoded}").as_bytes()),
        ),
        (
            "form body",
            base("POST", b"/submit")
                .with_header("Content-Type", "application/x-www-form-urlencoded")
                .with_body(format!("q={encoded}").into_bytes()),
        ),
        (
            "JSON body",
            base("POST", b"/api")
                .with_header("Content-Type", "application/json")
                .with_body(format!(r#"{{"q": {json}}}"#).into_bytes()),
        ),
    ];
    if payload.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        out.push((
            "header",
            base("GET", b"/").with_header("X-Payload", payload.to_vec()),
        ));
    }
    out
}

/// With `--misses`: which rule blocks a benign text in a URL parameter.
fn print_blocking_rule(acl: &WebAcl, text: &[u8]) {
    for (place, req) in placements(text).into_iter().take(1) {
        let v = evaluate(acl, &req, &mut RateTracker::default(), 0);
        if let Some(t) = v.terminating_rule.filter(|_| v.action == ActionKind::Block) {
            println!(
                "FP managed [{place}] {} {}",
                t.rule_within_group.unwrap_or(t.rule),
                String::from_utf8_lossy(text)
            );
        }
    }
}

#[derive(Default)]
struct Placed {
    by_place: Vec<(&'static str, Tally)>,
}

impl Placed {
    /// Tallies each placement; says whether the URL-parameter placement got through.
    fn add(&mut self, acl: &WebAcl, payload: &[u8]) -> bool {
        let mut tracker = RateTracker::default();
        let mut missed_in_url = false;
        for (place, req) in placements(payload) {
            let blocked = evaluate(acl, &req, &mut tracker, 0).action == ActionKind::Block;
            missed_in_url |= place == "URL parameter" && !blocked;
            match self.by_place.iter_mut().find(|(p, _)| *p == place) {
                Some((_, t)) => t.add(blocked),
                None => {
                    let mut t = Tally::default();
                    t.add(blocked);
                    self.by_place.push((place, t));
                }
            }
        }
        missed_in_url
    }

    fn rows(&self, what: &str) {
        for (place, t) in &self.by_place {
            row(&format!("{what}, {place}"), t);
        }
    }
}

fn fp_report(p: &[u8], low: &mut Tally, high: &mut Tally, x: &mut Tally, verbose: bool) {
    let l = is_sqli(p, sqli::Sensitivity::Low);
    let h = is_sqli(p, sqli::Sensitivity::High);
    let xs = is_xss(p);
    low.add(l);
    high.add(h);
    x.add(xs);
    if verbose && (h || xs) {
        println!("FP gtw {}", String::from_utf8_lossy(p));
    }
}
