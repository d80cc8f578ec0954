//! Managed rule groups, from the engine's own ([`rampart_waf::managed`]):
//! ListAvailableManagedRuleGroups, ListAvailableManagedRuleGroupVersions,
//! DescribeManagedRuleGroup, DescribeAllManagedProducts, DescribeManagedProductsByVendor.

use crate::errors::{self, REASON_INVALID};
use crate::input;
use crate::scope::Scope;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_waf::managed::{self, ManagedGroupInfo, VERSION};
use rampart_waf::model::RuleGroupDef;
use rampart_waf::rule_group_labels;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "ListAvailableManagedRuleGroups", true, list);
    registry.register(
        "wafv2",
        "ListAvailableManagedRuleGroupVersions",
        true,
        versions,
    );
    registry.register("wafv2", "DescribeManagedRuleGroup", true, describe);
    registry.register("wafv2", "DescribeAllManagedProducts", true, products);
    registry.register(
        "wafv2",
        "DescribeManagedProductsByVendor",
        true,
        products_by_vendor,
    );
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScopeInput {
    scope: String,
    next_marker: Option<String>,
    limit: Option<i64>,
}

/// A page of `items` after `marker` (the last name of the previous page).
fn page<'a>(
    items: impl Iterator<Item = &'a ManagedGroupInfo>,
    marker: Option<&str>,
    limit: usize,
) -> (Vec<&'a ManagedGroupInfo>, Option<String>) {
    let rest: Vec<&ManagedGroupInfo> = items
        .filter(|g| marker.is_none_or(|m| g.name > m))
        .collect();
    let next = (rest.len() > limit).then(|| rest[limit - 1].name.to_owned());
    (rest.into_iter().take(limit).collect(), next)
}

fn sorted() -> Vec<&'static ManagedGroupInfo> {
    let mut groups: Vec<&ManagedGroupInfo> = managed::managed_groups().iter().collect();
    groups.sort_by_key(|g| g.name);
    groups
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ScopeInput = input::read(input, "SCOPE_VALUE")?;
    Scope::parse(call, &i.scope)?;
    let limit = input::page_limit(i.limit)?;
    let (groups, next) = page(sorted().into_iter(), i.next_marker.as_deref(), limit);
    let groups: Vec<Value> = groups
        .iter()
        .map(|g| {
            json!({
                "VendorName": g.vendor,
                "Name": g.name,
                "VersioningSupported": true,
                "Description": g.description,
            })
        })
        .collect();
    let mut out = json!({ "ManagedRuleGroups": groups });
    if let Some(n) = next {
        out["NextMarker"] = n.into();
    }
    Ok(out)
}

/// The group `vendor`/`name`, or `WAFNonexistentItemException`.
fn find(vendor: &str, name: &str) -> Result<&'static ManagedGroupInfo, AwsError> {
    managed::managed_groups()
        .iter()
        .find(|g| g.vendor == vendor && g.name == name)
        .ok_or_else(errors::nonexistent)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupInput {
    vendor_name: String,
    name: String,
    scope: String,
    version_name: Option<String>,
}

fn versions(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: GroupInput = input::read(input, "MANAGED_RULE_SET")?;
    Scope::parse(call, &i.scope)?;
    find(&i.vendor_name, &i.name)?;
    Ok(json!({
        "Versions": [{ "Name": VERSION, "LastUpdateTimestamp": 1_700_000_000.0 }],
        "CurrentDefaultVersion": VERSION,
    }))
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: GroupInput = input::read(input, "MANAGED_RULE_SET")?;
    Scope::parse(call, &i.scope)?;
    let info = find(&i.vendor_name, &i.name)?;
    let group = managed::managed_group(&i.vendor_name, &i.name, i.version_name.as_deref())
        .ok_or_else(|| {
            errors::invalid(
                "MANAGED_RULE_SET",
                i.version_name.clone().unwrap_or_default(),
                REASON_INVALID,
            )
        })?;
    Ok(describe_group(info, &group.def))
}

/// `DescribeManagedRuleGroup`'s answer for a group.
fn describe_group(info: &ManagedGroupInfo, def: &RuleGroupDef) -> Value {
    let rules: Vec<Value> = def
        .rules
        .iter()
        .map(|r| {
            let mut v = json!({ "Name": r.name });
            if let Some(a) = &r.action {
                v["Action"] = serde_json::to_value(a).unwrap_or(Value::Null);
            }
            v
        })
        .collect();
    let (available, consumed) = rule_group_labels(def, info.label_namespace);
    let names = |l: Vec<String>| {
        l.into_iter()
            .map(|n| json!({ "Name": n }))
            .collect::<Vec<_>>()
    };
    json!({
        "VersionName": VERSION,
        "Capacity": info.capacity,
        "Rules": rules,
        "LabelNamespace": info.label_namespace,
        "AvailableLabels": names(available),
        "ConsumedLabels": names(consumed),
    })
}

fn product(g: &ManagedGroupInfo) -> Value {
    json!({
        "VendorName": g.vendor,
        "ManagedRuleSetName": g.name,
        "ProductId": g.name,
        "ProductTitle": g.name,
        "ProductDescription": g.description,
        "IsVersioningSupported": true,
        "IsAdvancedManagedRuleSet": false,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProductsInput {
    scope: String,
}

fn products(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ProductsInput = input::read(input, "SCOPE_VALUE")?;
    Scope::parse(call, &i.scope)?;
    let products: Vec<Value> = sorted().into_iter().map(product).collect();
    Ok(json!({ "ManagedProducts": products }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VendorInput {
    vendor_name: String,
    scope: String,
}

fn products_by_vendor(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: VendorInput = input::read(input, "SCOPE_VALUE")?;
    Scope::parse(call, &i.scope)?;
    let products: Vec<Value> = sorted()
        .into_iter()
        .filter(|g| g.vendor == i.vendor_name)
        .map(product)
        .collect();
    Ok(json!({ "ManagedProducts": products }))
}
