//! IP sets: CreateIPSet, GetIPSet, UpdateIPSet, DeleteIPSet, ListIPSets. Addresses are
//! validated and compiled by the engine ([`rampart_waf::IpSet`]): CIDR blocks of the set's
//! version, any prefix but `/0`, at most 10,000.

use crate::entity::{self, Entity};
use crate::errors;
use crate::input::{self, Tag};
use crate::references;
use crate::scope::{Kind, Scope};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::Batch;
use rampart_waf::IpSet;
use rampart_waf::model::IpSetDef;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What an IP set stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IpSetBody {
    /// `IPV4` or `IPV6`.
    pub version: String,
    /// The CIDR blocks, as given.
    pub addresses: Vec<String>,
}

impl IpSetBody {
    /// The engine's compiled form.
    pub(crate) fn compile(&self) -> Result<IpSet, AwsError> {
        IpSet::compile(&IpSetDef {
            ip_address_version: self.version.clone(),
            addresses: self.addresses.clone(),
        })
        .map_err(errors::from_engine)
    }
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "CreateIPSet", false, create);
    registry.register("wafv2", "GetIPSet", true, get);
    registry.register("wafv2", "UpdateIPSet", false, update);
    registry.register("wafv2", "DeleteIPSet", false, delete);
    registry.register("wafv2", "ListIPSets", true, list);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    name: String,
    scope: String,
    description: Option<String>,
    #[serde(rename = "IPAddressVersion")]
    ip_address_version: String,
    addresses: Vec<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: CreateInput = input::read(input, "IP_SET")?;
    let scope = Scope::parse(call, &i.scope)?;
    input::name(&i.name, "IP_SET")?;
    input::description(i.description.as_deref(), "IP_SET")?;
    let tags = input::tags(&i.tags)?;
    let body = IpSetBody {
        version: i.ip_address_version,
        addresses: i.addresses,
    };
    body.compile()?;
    let e = entity::create(
        call,
        scope,
        Kind::IpSet,
        &i.name,
        entity::About {
            description: i.description,
            tags,
        },
        body,
        &[],
    )?;
    Ok(json!({ "Summary": entity::summary(&e) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NamedInput {
    name: String,
    scope: String,
    id: String,
}

fn describe(e: &Entity<IpSetBody>) -> Value {
    let mut v = json!({
        "Name": e.name,
        "Id": e.id,
        "ARN": e.arn,
        "IPAddressVersion": e.body.version,
        "Addresses": e.body.addresses,
    });
    if let Some(d) = &e.description {
        v["Description"] = d.clone().into();
    }
    v
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: NamedInput = input::read(input, "IP_SET")?;
    let l = entity::load_named::<IpSetBody>(call, Kind::IpSet, &i.scope, &i.name, &i.id)?;
    Ok(json!({ "IPSet": describe(&l.entity), "LockToken": l.entity.lock_token }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    name: String,
    scope: String,
    id: String,
    description: Option<String>,
    addresses: Vec<String>,
    lock_token: String,
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: UpdateInput = input::read(input, "IP_SET")?;
    input::description(i.description.as_deref(), "IP_SET")?;
    input::uuid(&i.lock_token, "IP_SET")?;
    let l = entity::load_named::<IpSetBody>(call, Kind::IpSet, &i.scope, &i.name, &i.id)?;
    let body = IpSetBody {
        version: l.entity.body.version.clone(),
        addresses: i.addresses,
    };
    body.compile()?;
    let next = entity::save(call, l, Some(&i.lock_token), |e| {
        e.body = body;
        e.description = i.description;
    })?;
    Ok(json!({ "NextLockToken": next }))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (l, token) = entity::load_for_delete::<IpSetBody>(call, Kind::IpSet, input)?;
    references::require_unreferenced(call, &l.entity.arn)?;
    entity::delete(call, &l, &token, Batch::new())?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListInput {
    pub scope: String,
    pub next_marker: Option<String>,
    pub limit: Option<i64>,
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = input::read(input, "IP_SET")?;
    list_of::<IpSetBody>(call, Kind::IpSet, "IPSets", i)
}

/// A list operation's answer: the summaries of one page under `member`, and `NextMarker`.
pub(crate) fn list_of<T: serde::de::DeserializeOwned>(
    call: &Call<'_>,
    kind: Kind,
    member: &str,
    i: ListInput,
) -> Result<Value, AwsError> {
    let scope = Scope::parse(call, &i.scope)?;
    let limit = input::page_limit(i.limit)?;
    let (page, next) = entity::page::<T>(call, kind, scope, limit, i.next_marker.as_deref())?;
    let mut out = json!({ member: page.iter().map(entity::summary).collect::<Vec<_>>() });
    if let Some(n) = next {
        out["NextMarker"] = n.into();
    }
    Ok(out)
}
