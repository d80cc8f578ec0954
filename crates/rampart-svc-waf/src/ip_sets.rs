//! IP sets: CreateIPSet, GetIPSet, UpdateIPSet, DeleteIPSet, ListIPSets. Addresses are
//! validated and compiled by the engine ([`rampart_waf::IpSet`]): CIDR blocks of the set's
//! version, any prefix but `/0`, at most 10,000.

use crate::entity;
use crate::errors;
use crate::input;
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
    #[serde(rename = "IPAddressVersion")]
    ip_address_version: String,
    addresses: Vec<String>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (name, scope, about) = entity::create_head(call, Kind::IpSet, &input)?;
    let i: CreateInput = input::read(input, "IP_SET")?;
    let body = IpSetBody {
        version: i.ip_address_version,
        addresses: i.addresses,
    };
    body.compile()?;
    let e = entity::create(call, scope, Kind::IpSet, &name, about, body, &[])?;
    Ok(json!({ "Summary": entity::summary(&e) }))
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let l = entity::load_from::<IpSetBody>(call, Kind::IpSet, &input)?;
    let e = &l.entity;
    let members = json!({"IPAddressVersion": e.body.version, "Addresses": e.body.addresses});
    Ok(json!({ "IPSet": entity::describe(e, members), "LockToken": e.lock_token }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    addresses: Vec<String>,
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (l, edit) = entity::load_for_update::<IpSetBody>(call, Kind::IpSet, &input)?;
    let i: UpdateInput = input::read(input, "IP_SET")?;
    let body = IpSetBody {
        version: l.entity.body.version.clone(),
        addresses: i.addresses,
    };
    body.compile()?;
    entity::redefine(call, l, edit, body, &[])
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    references::delete_unused::<IpSetBody>(call, Kind::IpSet, input, |_| Batch::new())
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
