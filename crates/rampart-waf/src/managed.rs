//! rampart's own managed rule groups, equivalents of AWS's baseline and use-case groups (core
//! rule set, SQL database, known bad inputs, admin protection, Linux, POSIX, Windows, PHP,
//! Amazon IP reputation, anonymous IP), with AWS's
//! group and rule names, label namespaces, capacities and default actions. The rules are
//! rampart's own signatures, written in the WAFv2 rule model itself, so they compile, cost WCU
//! and can be overridden exactly like any rule group.
//!
//! The IP-list groups reference IP sets by the ARNs in [`MANAGED_IP_SETS`]; the caller's
//! [`Resolver`](crate::Resolver) supplies their addresses (an empty set when it has no feed).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::model::RuleGroupDef;
use crate::resolver::ResolvedGroup;

/// The vendor of rampart's managed groups, as AWS names its own.
pub const VENDOR: &str = "AWS";
/// The one version each group has.
pub const VERSION: &str = "Version_1.0";

/// The ARNs (by their name part) of the IP sets the IP-list groups use.
pub const MANAGED_IP_SETS: [&str; 5] = [
    "AWSManagedIPReputationList",
    "AWSManagedReconnaissanceList",
    "AWSManagedIPDDoSList",
    "AnonymousIPList",
    "HostingProviderIPList",
];

/// The ARN under which a managed IP set is resolved: `arn:aws:wafv2:managed:aws:managed-ipset/<name>`.
pub fn managed_ip_set_arn(name: &str) -> String {
    format!("arn:aws:wafv2:managed:aws:managed-ipset/{name}")
}

/// A managed rule group's summary (`ListAvailableManagedRuleGroups`, `DescribeManagedRuleGroup`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedGroupInfo {
    /// The vendor (`AWS`).
    pub vendor: &'static str,
    /// The group name, e.g. `AWSManagedRulesCommonRuleSet`.
    pub name: &'static str,
    /// Its label namespace, e.g. `awswaf:managed:aws:core-rule-set:`.
    pub label_namespace: &'static str,
    /// Its capacity (WCU).
    pub capacity: u64,
    /// A description.
    pub description: &'static str,
}

const GROUPS: [ManagedGroupInfo; 10] = [
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesCommonRuleSet",
        label_namespace: "awswaf:managed:aws:core-rule-set:",
        capacity: 700,
        description: "Core rule set: common web exploits (size limits, bad bots, SSRF to instance metadata, LFI, RFI, XSS).",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesSQLiRuleSet",
        label_namespace: "awswaf:managed:aws:sql-database:",
        capacity: 200,
        description: "SQL database: SQL injection in query arguments, body and cookies.",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesKnownBadInputsRuleSet",
        label_namespace: "awswaf:managed:aws:known-bad-inputs:",
        capacity: 200,
        description: "Known bad inputs: Java deserialization, Log4j lookups, localhost Host headers, PROPFIND, exploitable paths.",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesAdminProtectionRuleSet",
        label_namespace: "awswaf:managed:aws:admin-protection:",
        capacity: 100,
        description: "Admin protection: requests for administrative pages.",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesLinuxRuleSet",
        label_namespace: "awswaf:managed:aws:linux-os:",
        capacity: 200,
        description: "Linux operating system: local file inclusion of Linux system files.",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesUnixRuleSet",
        label_namespace: "awswaf:managed:aws:posix-os:",
        capacity: 100,
        description: "POSIX operating system: injected shell commands and shell variables.",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesWindowsRuleSet",
        label_namespace: "awswaf:managed:aws:windows-os:",
        capacity: 200,
        description: "Windows operating system: injected cmd.exe and PowerShell commands.",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesPHPRuleSet",
        label_namespace: "awswaf:managed:aws:php-app:",
        capacity: 100,
        description: "PHP application: high-risk PHP functions, superglobals and stream wrappers.",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesAmazonIpReputationList",
        label_namespace: "awswaf:managed:aws:amazon-ip-list:",
        capacity: 25,
        description: "IP reputation: sources known for bots, reconnaissance and DDoS (addresses from the operator's feeds).",
    },
    ManagedGroupInfo {
        vendor: VENDOR,
        name: "AWSManagedRulesAnonymousIpList",
        label_namespace: "awswaf:managed:aws:anonymous-ip-list:",
        capacity: 50,
        description: "Anonymous IP: anonymizing services and hosting providers (addresses from the operator's feeds).",
    },
];

/// Every managed group rampart offers.
pub fn managed_groups() -> &'static [ManagedGroupInfo] {
    &GROUPS
}

/// The group `vendor`/`name` (any `version` but ours is unknown), for a resolver's
/// `managed_rule_group`.
pub fn managed_group(vendor: &str, name: &str, version: Option<&str>) -> Option<ResolvedGroup> {
    if version.is_some_and(|v| v != VERSION) {
        return None;
    }
    let info = GROUPS
        .iter()
        .find(|g| g.vendor == vendor && g.name == name)?;
    let rules = match info.name {
        "AWSManagedRulesCommonRuleSet" => core_rule_set(),
        "AWSManagedRulesSQLiRuleSet" => sql_database(),
        "AWSManagedRulesKnownBadInputsRuleSet" => known_bad_inputs(),
        "AWSManagedRulesAdminProtectionRuleSet" => admin_protection(),
        "AWSManagedRulesLinuxRuleSet" => linux(),
        "AWSManagedRulesUnixRuleSet" => posix(),
        "AWSManagedRulesWindowsRuleSet" => windows(),
        "AWSManagedRulesPHPRuleSet" => php(),
        "AWSManagedRulesAmazonIpReputationList" => vec![
            ip_rule(
                "AWSManagedIPReputationList",
                "AWSManagedIPReputationList",
                block(),
            ),
            ip_rule(
                "AWSManagedReconnaissanceList",
                "AWSManagedReconnaissanceList",
                block(),
            ),
            ip_rule(
                "AWSManagedIPDDoSList",
                "AWSManagedIPDDoSList",
                json!({"Count": {}}),
            ),
        ],
        _ => vec![
            ip_rule("AnonymousIPList", "AnonymousIPList", block()),
            ip_rule("HostingProviderIPList", "HostingProviderIPList", block()),
        ],
    };
    let rules: Vec<Value> = rules
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r["Priority"] = json!(i);
            r
        })
        .collect();
    let def: RuleGroupDef = serde_json::from_value(json!({
        "Name": info.name,
        "Capacity": info.capacity,
        "Rules": rules,
    }))
    .ok()?;
    Some(ResolvedGroup {
        def: Arc::new(def),
        label_namespace: info.label_namespace.to_owned(),
    })
}

fn block() -> Value {
    json!({"Block": {}})
}

fn tts(kinds: &[&str]) -> Value {
    Value::Array(
        kinds
            .iter()
            .enumerate()
            .map(|(i, k)| json!({"Priority": i, "Type": k}))
            .collect(),
    )
}

/// A rule named `name` adding the label `label` (AWS's labels are the rule names with the
/// component suffix in mixed case).
fn rule(name: &str, label: &str, statement: Value, action: Value) -> Value {
    json!({
        "Name": name,
        "Priority": 0,
        "Statement": statement,
        "Action": action,
        "RuleLabels": [{"Name": label}],
        "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name},
    })
}

fn regex(pattern: &str, field: Value, transforms: &[&str]) -> Value {
    json!({"RegexMatchStatement": {"RegexString": pattern, "FieldToMatch": field, "TextTransformations": tts(transforms)}})
}

fn size_over(field: Value, size: u64) -> Value {
    json!({"SizeConstraintStatement": {"FieldToMatch": field, "ComparisonOperator": "GT", "Size": size,
        "TextTransformations": tts(&["NONE"])}})
}

fn ip_rule(name: &str, set: &str, action: Value) -> Value {
    rule(
        name,
        name,
        json!({"IPSetReferenceStatement": {"ARN": managed_ip_set_arn(set)}}),
        action,
    )
}

fn query_args() -> Value {
    json!({"AllQueryArguments": {}})
}

fn body() -> Value {
    json!({"Body": {"OversizeHandling": "CONTINUE"}})
}

fn uri_path() -> Value {
    json!({"UriPath": {}})
}

fn header(name: &str) -> Value {
    json!({"SingleHeader": {"Name": name}})
}

fn cookies() -> Value {
    json!({"Cookies": {"MatchPattern": {"All": {}}, "MatchScope": "ALL", "OversizeHandling": "CONTINUE"}})
}

const BAD_BOTS: &str = "(?i)(nessus|nmap|nikto|sqlmap|masscan|zgrab|dirbuster|gobuster|wpscan|acunetix|netsparker|w3af|openvas|havij|fimap|arachni|appscan|jaeles|nuclei)";
const METADATA_SSRF: &str = "(?i)(169\\.254\\.169\\.254|2852039166|0xa9fea9fe|0251\\.0376\\.0251\\.0376|fd00:ec2::254|instance-data|metadata\\.google\\.internal)";
const TRAVERSAL: &str = "(\\.\\./|\\.\\.\\\\|/\\.\\.$|^\\.\\.$)";
const RESTRICTED_EXTENSIONS: &str = "(?i)\\.(bak|backup|cfg|conf|config|dat|db|env|git|htaccess|htpasswd|inc|ini|key|log|old|orig|pem|sql|swp|tmp)$";
const REMOTE_FILE: &str =
    "(?i)(https?|ftps?|file)://[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}";

fn core_rule_set() -> Vec<Value> {
    let decode = ["URL_DECODE_UNI", "HTML_ENTITY_DECODE"];
    let path = ["URL_DECODE_UNI"];
    let xss = |name: &str, label: &str, field: Value| {
        rule(
            name,
            label,
            json!({"XssMatchStatement": {"FieldToMatch": field, "TextTransformations": tts(&decode)}}),
            block(),
        )
    };
    vec![
        rule(
            "NoUserAgent_HEADER",
            "NoUserAgent_Header",
            json!({"NotStatement": {"Statement": size_over(header("user-agent"), 0)}}),
            block(),
        ),
        rule(
            "UserAgent_BadBots_HEADER",
            "BadBots_Header",
            regex(BAD_BOTS, header("user-agent"), &["NONE"]),
            block(),
        ),
        rule(
            "SizeRestrictions_QUERYSTRING",
            "SizeRestrictions_QueryString",
            size_over(json!({"QueryString": {}}), 2048),
            block(),
        ),
        rule(
            "SizeRestrictions_Cookie_HEADER",
            "SizeRestrictions_Cookie_Header",
            size_over(header("cookie"), 10_240),
            block(),
        ),
        rule(
            "SizeRestrictions_BODY",
            "SizeRestrictions_Body",
            size_over(json!({"Body": {"OversizeHandling": "MATCH"}}), 8192),
            block(),
        ),
        rule(
            "SizeRestrictions_URIPATH",
            "SizeRestrictions_URIPath",
            size_over(uri_path(), 1024),
            block(),
        ),
        rule(
            "EC2MetaDataSSRF_BODY",
            "EC2MetaDataSSRF_Body",
            regex(METADATA_SSRF, body(), &decode),
            block(),
        ),
        rule(
            "EC2MetaDataSSRF_COOKIE",
            "EC2MetaDataSSRF_Cookie",
            regex(METADATA_SSRF, cookies(), &decode),
            block(),
        ),
        rule(
            "EC2MetaDataSSRF_URIPATH",
            "EC2MetaDataSSRF_URIPath",
            regex(METADATA_SSRF, uri_path(), &path),
            block(),
        ),
        rule(
            "EC2MetaDataSSRF_QUERYARGUMENTS",
            "EC2MetaDataSSRF_QueryArguments",
            regex(METADATA_SSRF, query_args(), &decode),
            block(),
        ),
        rule(
            "GenericLFI_QUERYARGUMENTS",
            "GenericLFI_QueryArguments",
            regex(TRAVERSAL, query_args(), &decode),
            block(),
        ),
        rule(
            "GenericLFI_URIPATH",
            "GenericLFI_URIPath",
            regex(TRAVERSAL, uri_path(), &path),
            block(),
        ),
        rule(
            "GenericLFI_BODY",
            "GenericLFI_Body",
            regex(TRAVERSAL, body(), &decode),
            block(),
        ),
        rule(
            "RestrictedExtensions_URIPATH",
            "RestrictedExtensions_URIPath",
            regex(RESTRICTED_EXTENSIONS, uri_path(), &path),
            block(),
        ),
        rule(
            "RestrictedExtensions_QUERYARGUMENTS",
            "RestrictedExtensions_QueryArguments",
            regex(RESTRICTED_EXTENSIONS, query_args(), &decode),
            block(),
        ),
        rule(
            "GenericRFI_QUERYARGUMENTS",
            "GenericRFI_QueryArguments",
            regex(REMOTE_FILE, query_args(), &decode),
            block(),
        ),
        rule(
            "GenericRFI_BODY",
            "GenericRFI_Body",
            regex(REMOTE_FILE, body(), &decode),
            block(),
        ),
        rule(
            "GenericRFI_URIPATH",
            "GenericRFI_URIPath",
            regex(REMOTE_FILE, uri_path(), &path),
            block(),
        ),
        xss(
            "CrossSiteScripting_COOKIE",
            "CrossSiteScripting_Cookie",
            cookies(),
        ),
        xss(
            "CrossSiteScripting_QUERYARGUMENTS",
            "CrossSiteScripting_QueryArguments",
            query_args(),
        ),
        xss("CrossSiteScripting_BODY", "CrossSiteScripting_Body", body()),
        xss(
            "CrossSiteScripting_URIPATH",
            "CrossSiteScripting_URIPath",
            uri_path(),
        ),
    ]
}

const SQLI_EXTENDED: &str = "(?i)(union(\\s|/\\*.*?\\*/)+(all(\\s|/\\*.*?\\*/)+)?select\\b|\\bsleep\\s*\\(\\s*\\d|benchmark\\s*\\(|waitfor\\s+delay|pg_sleep\\s*\\(|information_schema|xp_cmdshell|load_file\\s*\\(|into\\s+(out|dump)file)";

fn sql_database() -> Vec<Value> {
    let decode = ["URL_DECODE", "HTML_ENTITY_DECODE"];
    let sqli = |name: &str, label: &str, field: Value| {
        rule(
            name,
            label,
            json!({"SqliMatchStatement": {"FieldToMatch": field, "TextTransformations": tts(&decode), "SensitivityLevel": "LOW"}}),
            block(),
        )
    };
    vec![
        sqli("SQLi_QUERYARGUMENTS", "SQLi_QueryArguments", query_args()),
        rule(
            "SQLiExtendedPatterns_QUERYARGUMENTS",
            "SQLiExtendedPatterns_QueryArguments",
            regex(SQLI_EXTENDED, query_args(), &decode),
            block(),
        ),
        sqli("SQLi_BODY", "SQLi_Body", body()),
        rule(
            "SQLiExtendedPatterns_BODY",
            "SQLiExtendedPatterns_Body",
            regex(SQLI_EXTENDED, body(), &decode),
            block(),
        ),
        sqli("SQLi_COOKIE", "SQLi_Cookie", cookies()),
    ]
}

const JAVA_DESERIALIZATION: &str = "(?i)(java\\.lang\\.(runtime|processbuilder)|rO0AB|aced0005|class\\.module\\.classloader|springframework\\.context\\.support|spring\\.cloud\\.function\\.routing-expression)";
const LOG4J: &str = "(?i)\\$\\{(jndi|\\$\\{|lower:|upper:|::-|env:|sys:|date:|java:|main:|base64:)";
const LOCALHOST: &str =
    "(?i)^(localhost|127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\]|0\\.0\\.0\\.0)(:[0-9]+)?$";
const EXPLOITABLE_PATHS: &str = "(?i)(/web-inf(/|$)|/meta-inf(/|$)|/\\.git/|/actuator(/|$)|/jmx-console|/invoker/|/manager/html|/\\.svn/|/server-status)";

fn known_bad_inputs() -> Vec<Value> {
    let decode = ["URL_DECODE_UNI"];
    let headers = json!({"Headers": {"MatchPattern": {"All": {}}, "MatchScope": "ALL", "OversizeHandling": "CONTINUE"}});
    let query_string = json!({"QueryString": {}});
    vec![
        rule(
            "JavaDeserializationRCE_HEADER",
            "JavaDeserializationRCE_Header",
            regex(JAVA_DESERIALIZATION, headers.clone(), &decode),
            block(),
        ),
        rule(
            "JavaDeserializationRCE_BODY",
            "JavaDeserializationRCE_Body",
            regex(JAVA_DESERIALIZATION, body(), &decode),
            block(),
        ),
        rule(
            "JavaDeserializationRCE_URIPATH",
            "JavaDeserializationRCE_URIPath",
            regex(JAVA_DESERIALIZATION, uri_path(), &decode),
            block(),
        ),
        rule(
            "JavaDeserializationRCE_QUERYSTRING",
            "JavaDeserializationRCE_QueryString",
            regex(JAVA_DESERIALIZATION, query_string.clone(), &decode),
            block(),
        ),
        rule(
            "Host_localhost_HEADER",
            "Host_Localhost_Header",
            regex(LOCALHOST, header("host"), &["NONE"]),
            block(),
        ),
        rule(
            "PROPFIND_METHOD",
            "Propfind_Method",
            regex("^PROPFIND$", json!({"Method": {}}), &["NONE"]),
            block(),
        ),
        rule(
            "ExploitablePaths_URIPATH",
            "ExploitablePaths_URIPath",
            regex(
                EXPLOITABLE_PATHS,
                uri_path(),
                &["URL_DECODE_UNI", "NORMALIZE_PATH"],
            ),
            block(),
        ),
        rule(
            "Log4JRCE_HEADER",
            "Log4JRCE_Header",
            regex(LOG4J, headers, &decode),
            block(),
        ),
        rule(
            "Log4JRCE_QUERYSTRING",
            "Log4JRCE_QueryString",
            regex(LOG4J, query_string, &decode),
            block(),
        ),
        rule(
            "Log4JRCE_BODY",
            "Log4JRCE_Body",
            regex(LOG4J, body(), &decode),
            block(),
        ),
        rule(
            "Log4JRCE_URIPATH",
            "Log4JRCE_URIPath",
            regex(LOG4J, uri_path(), &decode),
            block(),
        ),
    ]
}

const ADMIN_PATHS: &str = "(?i)^/(admin|administrator|admin-console|sqlmanager|mysqlmanager|phpmyadmin|pma|wp-admin|adminer|_admin|cpanel|webadmin)(/|\\.|$)";

fn admin_protection() -> Vec<Value> {
    vec![rule(
        "AdminProtection_URIPATH",
        "AdminProtection_URIPath",
        regex(
            ADMIN_PATHS,
            uri_path(),
            &["URL_DECODE_UNI", "NORMALIZE_PATH"],
        ),
        block(),
    )]
}

const LINUX_FILES: &str = "(?i)(/etc/(passwd|shadow|group|hosts|issue|crontab|sudoers)\\b|/proc/(self|version|cpuinfo|[0-9]+)(/|$)|/var/log/|\\.ssh/(id_rsa|id_dsa|authorized_keys)|/root/\\.(bash_history|profile))";

fn linux() -> Vec<Value> {
    // CMD_LINE_UNIX drops the quotes of `/et'c/pa'ss'wd`; NORMALIZE_PATH folds `/etc/./passwd`.
    let decode = ["URL_DECODE_UNI", "CMD_LINE_UNIX", "NORMALIZE_PATH"];
    let headers = json!({"Headers": {"MatchPattern": {"All": {}}, "MatchScope": "VALUE", "OversizeHandling": "CONTINUE"}});
    vec![
        rule(
            "LFI_URIPATH",
            "LFI_URIPath",
            regex(LINUX_FILES, uri_path(), &decode),
            block(),
        ),
        rule(
            "LFI_QUERYSTRING",
            "LFI_QueryString",
            regex(LINUX_FILES, json!({"QueryString": {}}), &decode),
            block(),
        ),
        rule(
            "LFI_HEADER",
            "LFI_Header",
            regex(LINUX_FILES, headers, &decode),
            block(),
        ),
    ]
}

/// A shell command after a command separator (`;`, `|`, `&`, a backtick, `$(`, a newline), a
/// shell variable such as `$IFS`, arithmetic expansion, or the Shellshock function prefix. A
/// command word alone is prose ("echo in the mirror"), and commands that are also English
/// words ("; more than that") count only with an option, path, variable or number after them.
const SHELL: &str = "(?i)(([;|&`\\n]|\\$\\()\\s*((uname|whoami|wget|curl|ncat|netcat|bash|zsh|dash|python[23]?|perl|ruby|php|chmod|chown|nslookup|getent|printenv|base64|telnet|tftp|xterm)\\b|(cat|ls|id|sh|nc|rm|echo|ping|dig|sleep|kill|ps|env|ssh|scp|awk|sed|find|head|tail|more|less)(\\s+[-/$'\"`0-9]|\\s*$))|\\$\\{?(ifs|home|path|shell|user|pwd|hostname)\\b|\\$\\(\\(|\\(\\)\\s*\\{\\s*:\\s*;\\s*\\}\\s*;)";

fn posix() -> Vec<Value> {
    // No CMD_LINE here: it turns the `;` separators this rule looks for into spaces.
    let decode = ["URL_DECODE_UNI"];
    vec![
        rule(
            "UNIXShellCommandsVariables_QUERYARGUMENTS",
            "UNIXShellCommandsVariables_QueryArguments",
            regex(SHELL, query_args(), &decode),
            block(),
        ),
        rule(
            "UNIXShellCommandsVariables_BODY",
            "UNIXShellCommandsVariables_Body",
            regex(SHELL, body(), &decode),
            block(),
        ),
    ]
}

const WINDOWS_SHELL: &str = "(?i)([;&|]\\s*(cmd(\\.exe)?|powershell(\\.exe)?|net\\s+(user|localgroup|view)|nslookup|ipconfig|systeminfo|whoami|tasklist|certutil|bitsadmin|reg\\s+(add|query|delete)|wmic|rundll32|mshta)\\b|\\bset\\s+/a\\s)";
const POWERSHELL: &str = "(?i)(invoke-(expression|webrequest|command|restmethod)|\\biex\\s*[(\\s]|new-object\\s+(net\\.webclient|system\\.net)|downloadstring\\(|-encodedcommand|\\bstart-process\\b|frombase64string\\()";

fn windows() -> Vec<Value> {
    let decode = ["URL_DECODE_UNI", "CMD_LINE"];
    let ps = ["URL_DECODE_UNI", "LOWERCASE"];
    vec![
        rule(
            "WindowsShellCommands_COOKIE",
            "WindowsShellCommands_Cookie",
            regex(WINDOWS_SHELL, cookies(), &decode),
            block(),
        ),
        rule(
            "WindowsShellCommands_QUERYARGUMENTS",
            "WindowsShellCommands_QueryArguments",
            regex(WINDOWS_SHELL, query_args(), &decode),
            block(),
        ),
        rule(
            "WindowsShellCommands_BODY",
            "WindowsShellCommands_Body",
            regex(WINDOWS_SHELL, body(), &decode),
            block(),
        ),
        rule(
            "PowerShellCommands_COOKIE",
            "PowerShellCommands_Cookie",
            regex(POWERSHELL, cookies(), &ps),
            block(),
        ),
        rule(
            "PowerShellCommands_QUERYARGUMENTS",
            "PowerShellCommands_QueryArguments",
            regex(POWERSHELL, query_args(), &ps),
            block(),
        ),
        rule(
            "PowerShellCommands_BODY",
            "PowerShellCommands_Body",
            regex(POWERSHELL, body(), &ps),
            block(),
        ),
    ]
}

const PHP_RISKY: &str = "(?i)(\\b(fsockopen|shell_exec|passthru|proc_open|popen|pcntl_exec|system|exec|eval|assert|phpinfo|file_put_contents|move_uploaded_file|call_user_func|create_function|base64_decode|str_rot13|gzinflate)\\s*\\(|\\$_(get|post|request|cookie|server|files|env|session)\\b|php://(input|filter|fd)|<\\?php|@print\\()";

fn php() -> Vec<Value> {
    let decode = ["URL_DECODE_UNI", "HTML_ENTITY_DECODE"];
    let headers = json!({"Headers": {"MatchPattern": {"All": {}}, "MatchScope": "VALUE", "OversizeHandling": "CONTINUE"}});
    vec![
        rule(
            "PHPHighRiskMethodsVariables_HEADER",
            "PHPHighRiskMethodsVariables_Header",
            regex(PHP_RISKY, headers, &decode),
            block(),
        ),
        rule(
            "PHPHighRiskMethodsVariables_QUERYSTRING",
            "PHPHighRiskMethodsVariables_QueryString",
            regex(PHP_RISKY, json!({"QueryString": {}}), &decode),
            block(),
        ),
        rule(
            "PHPHighRiskMethodsVariables_BODY",
            "PHPHighRiskMethodsVariables_Body",
            regex(PHP_RISKY, body(), &decode),
            block(),
        ),
    ]
}

#[cfg(test)]
mod tests;
