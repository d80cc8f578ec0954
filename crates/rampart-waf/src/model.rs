//! The WAFv2 rule model exactly as the wire spells it (botocore's `wafv2` shapes, PascalCase).
//!
//! These types only describe; [`crate::WebAcl::compile`] validates and compiles them. Unions
//! (`Statement`, `FieldToMatch`, `RuleAction`, ...) are enums, so a JSON object with none or
//! several members set does not parse.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{REASON_EXACTLY_ONE, REASON_INVALID, WafError};

/// Parses a wire shape (e.g. a `CreateWebACL` body as [`WebAclDef`], a `Rules` list as
/// `Vec<Rule>`), turning shape errors into `WAFInvalidParameterException` for `field`
/// (a union with none or several members gets AWS's "exactly one" reason).
pub fn parse<T: DeserializeOwned>(
    value: &serde_json::Value,
    field: &'static str,
) -> Result<T, WafError> {
    T::deserialize(value).map_err(|e| {
        let msg = e.to_string();
        let reason =
            if msg.contains("expected map with a single key") || msg.contains("unknown variant") {
                REASON_EXACTLY_ONE
            } else {
                REASON_INVALID
            };
        WafError::invalid(field, msg, reason)
    })
}

/// An empty JSON object (`{}`), the payload of members such as `UriPath` or `Count`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A web ACL's definition (the rule-related members of `CreateWebACL`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebAclDef {
    /// The ACL name.
    pub name: String,
    /// The action when no rule terminates.
    pub default_action: DefaultAction,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Bodies referenced by custom responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_response_bodies: Option<BTreeMap<String, CustomResponseBody>>,
    /// ACL-wide CAPTCHA immunity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captcha_config: Option<ImmunityConfig>,
    /// ACL-wide challenge immunity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_config: Option<ImmunityConfig>,
    /// Body inspection size per resource type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association_config: Option<AssociationConfig>,
}

/// A rule group's definition (the rule-related members of `CreateRuleGroup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleGroupDef {
    /// The group name.
    pub name: String,
    /// The capacity fixed at creation.
    pub capacity: u64,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Bodies referenced by custom responses of the group's rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_response_bodies: Option<BTreeMap<String, CustomResponseBody>>,
}

/// `AssociationConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationConfig {
    /// Resource type (`CLOUDFRONT`, `API_GATEWAY`, ...) to its body inspection limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<BTreeMap<String, RequestBodyConfig>>,
}

/// `RequestBodyAssociatedResourceTypeConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestBodyConfig {
    /// `KB_16`, `KB_32`, `KB_48` or `KB_64`.
    pub default_size_inspection_limit: String,
}

/// `CaptchaConfig` / `ChallengeConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImmunityConfig {
    /// The immunity time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immunity_time_property: Option<ImmunityTimeProperty>,
}

/// `ImmunityTimeProperty`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImmunityTimeProperty {
    /// Seconds a solved puzzle stays valid (60..=259200).
    pub immunity_time: u64,
}

/// `CustomResponseBody`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResponseBody {
    /// `TEXT_PLAIN`, `TEXT_HTML` or `APPLICATION_JSON`.
    pub content_type: String,
    /// The body.
    pub content: String,
}

/// `DefaultAction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DefaultAction {
    /// Block, optionally with a custom response.
    Block(BlockAction),
    /// Allow, optionally inserting headers.
    Allow(RequestHandlingAction),
}

/// `Rule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// Unique name within its container.
    pub name: String,
    /// Unique priority within its container; lowest first.
    pub priority: i64,
    /// What to match.
    pub statement: Statement,
    /// The action of a plain rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RuleAction>,
    /// The override of a rule-group rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_action: Option<OverrideAction>,
    /// Labels added when the rule matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_labels: Option<Vec<Label>>,
    /// Metrics and sampling settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility_config: Option<VisibilityConfig>,
    /// Rule-level CAPTCHA immunity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captcha_config: Option<ImmunityConfig>,
    /// Rule-level challenge immunity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_config: Option<ImmunityConfig>,
}

/// `VisibilityConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VisibilityConfig {
    /// Keep samples of matching requests.
    pub sampled_requests_enabled: bool,
    /// Publish metrics.
    pub cloud_watch_metrics_enabled: bool,
    /// The metric name.
    pub metric_name: String,
}

/// `Label`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Label {
    /// The label, without the container prefix.
    pub name: String,
}

/// `RuleAction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RuleAction {
    /// Block.
    Block(BlockAction),
    /// Allow.
    Allow(RequestHandlingAction),
    /// Count.
    Count(RequestHandlingAction),
    /// CAPTCHA.
    Captcha(RequestHandlingAction),
    /// Challenge.
    Challenge(RequestHandlingAction),
}

/// `OverrideAction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OverrideAction {
    /// Downgrade the group's terminating result to Count.
    Count(RequestHandlingAction),
    /// Keep the group's result.
    None(Empty),
}

/// `BlockAction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockAction {
    /// The custom response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_response: Option<CustomResponse>,
}

/// `AllowAction`, `CountAction`, `CaptchaAction`, `ChallengeAction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestHandlingAction {
    /// Headers to insert into the forwarded request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_request_handling: Option<CustomRequestHandling>,
}

/// `CustomRequestHandling`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomRequestHandling {
    /// The headers (names get the `x-amzn-waf-` prefix).
    pub insert_headers: Vec<CustomHeader>,
}

/// `CustomResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResponse {
    /// The status code.
    pub response_code: u16,
    /// Key into `CustomResponseBodies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_response_body_key: Option<String>,
    /// Response headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_headers: Option<Vec<CustomHeader>>,
}

/// `CustomHTTPHeader`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomHeader {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// `Statement`: exactly one member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Statement {
    /// String match.
    ByteMatchStatement(ByteMatchStatement),
    /// SQL injection detection.
    SqliMatchStatement(SqliMatchStatement),
    /// Cross-site scripting detection.
    XssMatchStatement(InspectStatement),
    /// Size comparison.
    SizeConstraintStatement(SizeConstraintStatement),
    /// Country match.
    GeoMatchStatement(GeoMatchStatement),
    /// A rule group (web ACL only).
    RuleGroupReferenceStatement(RuleGroupReferenceStatement),
    /// An IP set.
    #[serde(rename = "IPSetReferenceStatement")]
    IpSetReferenceStatement(IpSetReferenceStatement),
    /// A regex pattern set.
    RegexPatternSetReferenceStatement(RegexPatternSetReferenceStatement),
    /// A rate limit (top level only).
    RateBasedStatement(Box<RateBasedStatement>),
    /// All children match.
    AndStatement(ListStatement),
    /// Any child matches.
    OrStatement(ListStatement),
    /// The child does not match.
    NotStatement(Box<NotStatement>),
    /// A managed rule group (web ACL only).
    ManagedRuleGroupStatement(Box<ManagedRuleGroupStatement>),
    /// A label or namespace added by an earlier rule.
    LabelMatchStatement(LabelMatchStatement),
    /// One regex.
    RegexMatchStatement(RegexMatchStatement),
    /// Autonomous system numbers.
    AsnMatchStatement(AsnMatchStatement),
}

/// `TextTransformation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TextTransformation {
    /// Order (ascending), unique within the statement.
    pub priority: i64,
    /// The transformation, e.g. `URL_DECODE`.
    #[serde(rename = "Type")]
    pub kind: String,
}

/// `ByteMatchStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ByteMatchStatement {
    /// The searched bytes, base64 as on the wire.
    pub search_string: String,
    /// The component.
    pub field_to_match: FieldToMatch,
    /// The transformations.
    pub text_transformations: Vec<TextTransformation>,
    /// `EXACTLY`, `STARTS_WITH`, `ENDS_WITH`, `CONTAINS` or `CONTAINS_WORD`.
    pub positional_constraint: String,
    /// Normalisations of the raw query string before it is split into arguments (only with
    /// `SingleQueryArgument` / `AllQueryArguments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_parse_text_transformations: Option<Vec<TextTransformation>>,
}

/// `SqliMatchStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SqliMatchStatement {
    /// The component.
    pub field_to_match: FieldToMatch,
    /// The transformations.
    pub text_transformations: Vec<TextTransformation>,
    /// `LOW` (default) or `HIGH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity_level: Option<String>,
    /// Normalisations of the raw query string before it is split into arguments (only with
    /// `SingleQueryArgument` / `AllQueryArguments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_parse_text_transformations: Option<Vec<TextTransformation>>,
}

/// `XssMatchStatement`: a component and its transformations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectStatement {
    /// The component.
    pub field_to_match: FieldToMatch,
    /// The transformations.
    pub text_transformations: Vec<TextTransformation>,
    /// Normalisations of the raw query string before it is split into arguments (only with
    /// `SingleQueryArgument` / `AllQueryArguments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_parse_text_transformations: Option<Vec<TextTransformation>>,
}

/// `SizeConstraintStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SizeConstraintStatement {
    /// The component.
    pub field_to_match: FieldToMatch,
    /// `EQ`, `NE`, `LE`, `LT`, `GE` or `GT`.
    pub comparison_operator: String,
    /// Bytes.
    pub size: u64,
    /// The transformations.
    pub text_transformations: Vec<TextTransformation>,
    /// Normalisations of the raw query string before it is split into arguments (only with
    /// `SingleQueryArgument` / `AllQueryArguments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_parse_text_transformations: Option<Vec<TextTransformation>>,
}

/// `GeoMatchStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GeoMatchStatement {
    /// ISO 3166 alpha-2 codes.
    #[serde(default)]
    pub country_codes: Vec<String>,
    /// Use an address from a header instead of the connection.
    #[serde(
        rename = "ForwardedIPConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub forwarded_ip_config: Option<ForwardedIpConfig>,
}

/// `ForwardedIPConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ForwardedIpConfig {
    /// The header, e.g. `X-Forwarded-For`.
    pub header_name: String,
    /// `MATCH` or `NO_MATCH` when the header's value is not an address.
    pub fallback_behavior: String,
}

/// `IPSetForwardedIPConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpSetForwardedIpConfig {
    /// The header.
    pub header_name: String,
    /// `MATCH` or `NO_MATCH`.
    pub fallback_behavior: String,
    /// `FIRST`, `LAST` or `ANY`.
    pub position: String,
}

/// `RuleGroupReferenceStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleGroupReferenceStatement {
    /// The group's ARN.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Legacy: rules whose action becomes Count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_rules: Option<Vec<ExcludedRule>>,
    /// Per-rule action overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_action_overrides: Option<Vec<RuleActionOverride>>,
}

/// `ExcludedRule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExcludedRule {
    /// The rule name.
    pub name: String,
}

/// `RuleActionOverride`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleActionOverride {
    /// The rule name inside the group.
    pub name: String,
    /// Its new action.
    pub action_to_use: RuleAction,
}

/// `IPSetReferenceStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpSetReferenceStatement {
    /// The IP set's ARN.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// Use addresses from a header.
    #[serde(
        rename = "IPSetForwardedIPConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_set_forwarded_ip_config: Option<IpSetForwardedIpConfig>,
}

/// `RegexPatternSetReferenceStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegexPatternSetReferenceStatement {
    /// The set's ARN.
    #[serde(rename = "ARN")]
    pub arn: String,
    /// The component.
    pub field_to_match: FieldToMatch,
    /// The transformations.
    pub text_transformations: Vec<TextTransformation>,
    /// Normalisations of the raw query string before it is split into arguments (only with
    /// `SingleQueryArgument` / `AllQueryArguments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_parse_text_transformations: Option<Vec<TextTransformation>>,
}

/// `RegexMatchStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegexMatchStatement {
    /// The pattern.
    pub regex_string: String,
    /// The component.
    pub field_to_match: FieldToMatch,
    /// The transformations.
    pub text_transformations: Vec<TextTransformation>,
    /// Normalisations of the raw query string before it is split into arguments (only with
    /// `SingleQueryArgument` / `AllQueryArguments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_parse_text_transformations: Option<Vec<TextTransformation>>,
}

/// `RateBasedStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RateBasedStatement {
    /// Requests per window per aggregation instance (minimum 10).
    pub limit: u64,
    /// 60, 120, 300 (default) or 600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_window_sec: Option<u64>,
    /// `IP`, `FORWARDED_IP`, `CUSTOM_KEYS` or `CONSTANT`.
    pub aggregate_key_type: String,
    /// Only matching requests are counted and limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_down_statement: Option<Statement>,
    /// Needed by `FORWARDED_IP` keys.
    #[serde(
        rename = "ForwardedIPConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub forwarded_ip_config: Option<ForwardedIpConfig>,
    /// The keys of `CUSTOM_KEYS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_keys: Option<Vec<RateCustomKey>>,
}

/// `RateBasedStatementCustomKey`: exactly one member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RateCustomKey {
    /// A header value.
    Header(NamedKey),
    /// A cookie value.
    Cookie(NamedKey),
    /// A query argument value.
    QueryArgument(NamedKey),
    /// The query string.
    QueryString(TransformedKey),
    /// The method.
    #[serde(rename = "HTTPMethod")]
    HttpMethod(Empty),
    /// The forwarded address.
    #[serde(rename = "ForwardedIP")]
    ForwardedIp(Empty),
    /// The connection address.
    #[serde(rename = "IP")]
    Ip(Empty),
    /// Each label in a namespace.
    LabelNamespace(LabelNamespaceKey),
    /// The URI path.
    UriPath(TransformedKey),
    /// The JA3 fingerprint.
    #[serde(rename = "JA3Fingerprint")]
    Ja3Fingerprint(FallbackConfig),
    /// The JA4 fingerprint.
    #[serde(rename = "JA4Fingerprint")]
    Ja4Fingerprint(FallbackConfig),
    /// The autonomous system number.
    #[serde(rename = "ASN")]
    Asn(Empty),
}

/// `RateLimitHeader`, `RateLimitCookie`, `RateLimitQueryArgument`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NamedKey {
    /// The name.
    pub name: String,
    /// The transformations of the value.
    pub text_transformations: Vec<TextTransformation>,
}

/// `RateLimitQueryString`, `RateLimitUriPath`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransformedKey {
    /// The transformations of the value.
    pub text_transformations: Vec<TextTransformation>,
}

/// `RateLimitLabelNamespace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LabelNamespaceKey {
    /// The namespace, ending with `:`.
    pub namespace: String,
}

/// A member holding only `FallbackBehavior`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FallbackConfig {
    /// `MATCH` or `NO_MATCH` when the component is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_behavior: Option<String>,
}

/// `AndStatement` / `OrStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStatement {
    /// The children (at least two).
    pub statements: Vec<Statement>,
}

/// `NotStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotStatement {
    /// The negated child.
    pub statement: Statement,
}

/// `ManagedRuleGroupStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedRuleGroupStatement {
    /// The vendor, e.g. `AWS`.
    pub vendor_name: String,
    /// The group, e.g. `AWSManagedRulesCommonRuleSet`.
    pub name: String,
    /// A pinned version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Legacy: rules whose action becomes Count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_rules: Option<Vec<ExcludedRule>>,
    /// The group applies only to requests matching this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_down_statement: Option<Statement>,
    /// Per-rule action overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_action_overrides: Option<Vec<RuleActionOverride>>,
    /// Group-specific settings, kept for the group implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_rule_group_configs: Option<Vec<serde_json::Value>>,
}

/// `LabelMatchStatement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LabelMatchStatement {
    /// `LABEL` or `NAMESPACE`.
    pub scope: String,
    /// The label or namespace, fully qualified or relative to the rule's container.
    pub key: String,
}

/// `AsnMatchStatement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsnMatchStatement {
    /// The numbers.
    pub asn_list: Vec<u64>,
    /// Use an address from a header.
    #[serde(
        rename = "ForwardedIPConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub forwarded_ip_config: Option<ForwardedIpConfig>,
}

/// `FieldToMatch`: exactly one member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FieldToMatch {
    /// One header by name.
    SingleHeader(NameOnly),
    /// One query argument by name.
    SingleQueryArgument(NameOnly),
    /// Every query argument's value.
    AllQueryArguments(Empty),
    /// The path.
    UriPath(Empty),
    /// The query string.
    QueryString(Empty),
    /// The body.
    Body(OversizeOnly),
    /// The method.
    Method(Empty),
    /// The parsed JSON body.
    JsonBody(JsonBody),
    /// Headers.
    Headers(MapMatch),
    /// Cookies.
    Cookies(MapMatch),
    /// The header names in order.
    HeaderOrder(OversizeOnly),
    /// The JA3 fingerprint.
    #[serde(rename = "JA3Fingerprint")]
    Ja3Fingerprint(FallbackConfig),
    /// The JA4 fingerprint.
    #[serde(rename = "JA4Fingerprint")]
    Ja4Fingerprint(FallbackConfig),
    /// The URI fragment.
    UriFragment(FallbackConfig),
}

/// `SingleHeader` / `SingleQueryArgument`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NameOnly {
    /// The name.
    pub name: String,
}

/// `Body` / `HeaderOrder`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OversizeOnly {
    /// `CONTINUE` (default), `MATCH` or `NO_MATCH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversize_handling: Option<String>,
}

/// `JsonBody`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JsonBody {
    /// Which parts.
    pub match_pattern: JsonMatchPattern,
    /// `ALL`, `KEY` or `VALUE`.
    pub match_scope: String,
    /// `MATCH`, `NO_MATCH` or `EVALUATE_AS_STRING` for bodies that do not parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_fallback_behavior: Option<String>,
    /// `CONTINUE` (default), `MATCH` or `NO_MATCH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversize_handling: Option<String>,
}

/// `JsonMatchPattern`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JsonMatchPattern {
    /// The whole document.
    All(Empty),
    /// JSON Pointer paths.
    IncludedPaths(Vec<String>),
}

/// `Headers` / `Cookies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MapMatch {
    /// Which entries.
    pub match_pattern: MapMatchPattern,
    /// `ALL`, `KEY` or `VALUE`.
    pub match_scope: String,
    /// `CONTINUE`, `MATCH` or `NO_MATCH`.
    pub oversize_handling: String,
}

/// `HeaderMatchPattern` / `CookieMatchPattern`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MapMatchPattern {
    /// Every entry.
    All(Empty),
    /// Only these headers.
    IncludedHeaders(Vec<String>),
    /// All but these headers.
    ExcludedHeaders(Vec<String>),
    /// Only these cookies.
    IncludedCookies(Vec<String>),
    /// All but these cookies.
    ExcludedCookies(Vec<String>),
}

/// An IP set's content (`CreateIPSet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpSetDef {
    /// `IPV4` or `IPV6`.
    #[serde(rename = "IPAddressVersion")]
    pub ip_address_version: String,
    /// CIDR blocks.
    pub addresses: Vec<String>,
}
