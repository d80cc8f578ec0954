//! GetParametersByPath and DescribeParameters: walks of the caller's parameters in name order,
//! filtered, a page at a time (the NextToken is the last name returned).

use crate::filters::{self, Filter, OldFilter, StringFilter, Use};
use crate::name::{self, Selector};
use crate::read::{self, policy_list};
use crate::record::{self, Parameter, Version};
use crate::{errors, public, token};
use rampart_protocol::AwsError;
use rampart_service::{Call, from_input};
use rampart_store::Scan;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// How many records one store read takes.
const CHUNK: usize = 64;

/// Walks the parameters of the caller's region whose names start with `prefix`, after the
/// name `after`, handing each to `visit` until it returns `false` (page full).
fn walk(
    call: &Call<'_>,
    prefix: &str,
    after: Option<String>,
    mut visit: impl FnMut(&Parameter) -> Result<bool, AwsError>,
) -> Result<(), AwsError> {
    let space = record::space_of(call);
    let mut cursor = after;
    loop {
        let mut scan = Scan::new(prefix, CHUNK);
        if let Some(c) = &cursor {
            scan = scan.after(c.clone());
        }
        let items = call
            .env
            .store
            .scan(&space, record::TABLE, &scan)
            .map_err(errors::store_failure)?;
        let full = items.len() == CHUNK;
        for item in &items {
            let parameter = record::decode(&item.value)?;
            if !visit(&parameter)? {
                return Ok(());
            }
        }
        match items.last() {
            Some(last) if full => cursor = Some(last.key.id.clone()),
            _ => return Ok(()),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ByPathInput {
    path: String,
    recursive: Option<bool>,
    parameter_filters: Option<Vec<StringFilter>>,
    with_decryption: Option<bool>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// GetParametersByPath.
pub(crate) fn get_parameters_by_path(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ByPathInput = from_input(input, "ValidationException")?;
    let path = name::check_path(&input.path)?;
    let recursive = input.recursive.unwrap_or(false);
    let filters = filters::compile(
        input.parameter_filters.as_deref().unwrap_or_default(),
        Use::ByPath,
    )?;
    let limit = token::page_size(input.max_results, 10, 10)?;
    let after = input.next_token.as_deref().map(token::decode).transpose()?;
    let with_decryption = input.with_decryption.unwrap_or(false);
    if public::is_public(&format!("{path}/")) {
        return public_by_path(call, &path, recursive, &filters, limit, after);
    }
    let prefix = if path == "/" {
        String::new()
    } else {
        format!("{path}/")
    };
    let mut page = Vec::new();
    let mut last = None;
    walk(call, &prefix, after, |parameter| {
        if !name::is_under(&path, &parameter.name, recursive) {
            return Ok(true);
        }
        if let Some(version) = filters::select(&filters, parameter) {
            page.push(read::render(
                call,
                &parameter.name,
                version,
                &Selector::Latest,
                with_decryption,
            )?);
            last = Some(parameter.name.clone());
        }
        Ok(page.len() < limit)
    })?;
    Ok(paged("Parameters", page, limit, last))
}

/// The public parameters under `path` (type filters apply; they carry no key or label).
fn public_by_path(
    call: &Call<'_>,
    path: &str,
    recursive: bool,
    filters: &[Filter],
    limit: usize,
    after: Option<String>,
) -> Result<Value, AwsError> {
    let mut page = Vec::new();
    let mut last = None;
    for p in public::all(call.region.as_str()) {
        if after
            .as_ref()
            .is_some_and(|a| p.name.as_str() <= a.as_str())
            || !name::is_under(path, &p.name, recursive)
        {
            continue;
        }
        let as_parameter = public_as_parameter(&p);
        if filters::select(filters, &as_parameter).is_none() {
            continue;
        }
        if let Some(v) = read::render_public(call, &p, &Selector::Latest) {
            page.push(v);
            last = Some(p.name.clone());
        }
        if page.len() >= limit {
            break;
        }
    }
    Ok(paged("Parameters", page, limit, last))
}

fn public_as_parameter(p: &public::Public) -> Parameter {
    Parameter {
        name: p.name.clone(),
        versions: vec![Version {
            version: 1,
            kind: record::Kind::String,
            value: record::Stored::Plain(String::new()),
            key_id: None,
            key_arn: None,
            description: None,
            allowed_pattern: None,
            data_type: p.data_type.to_owned(),
            tier: record::Tier::Standard,
            policies: Vec::new(),
            labels: Vec::new(),
            modified: public::MODIFIED,
            modified_user: String::new(),
        }],
        tags: Default::default(),
        policies: Vec::new(),
        due_entry: None,
    }
}

fn paged(member: &str, page: Vec<Value>, limit: usize, last: Option<String>) -> Value {
    let mut out = Map::new();
    let full = page.len() >= limit;
    out.insert(member.to_owned(), Value::Array(page));
    if full && let Some(last) = last {
        out.insert("NextToken".to_owned(), Value::String(token::encode(&last)));
    }
    Value::Object(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    filters: Option<Vec<OldFilter>>,
    parameter_filters: Option<Vec<StringFilter>>,
    max_results: Option<i64>,
    next_token: Option<String>,
    shared: Option<bool>,
}

/// DescribeParameters: metadata, never values.
pub(crate) fn describe_parameters(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationException")?;
    let old = input.filters.unwrap_or_default();
    let new = input.parameter_filters.unwrap_or_default();
    if !old.is_empty() && !new.is_empty() {
        return Err(errors::validation(
            "You can use either Filters or ParameterFilters in a single request.",
        ));
    }
    let filters = if old.is_empty() {
        filters::compile(&new, Use::Describe)?
    } else {
        filters::compile_old(&old)?
    };
    let limit = token::page_size(input.max_results, 10, 50)?;
    let after = input.next_token.as_deref().map(token::decode).transpose()?;
    if input.shared.unwrap_or(false) {
        return Ok(json!({ "Parameters": [] }));
    }
    let mut page = Vec::new();
    let mut last = None;
    walk(call, "", after, |parameter| {
        if let Some(version) = filters::select(&filters, parameter) {
            page.push(metadata(call, parameter, version));
            last = Some(parameter.name.clone());
        }
        Ok(page.len() < limit)
    })?;
    Ok(paged("Parameters", page, limit, last))
}

/// ParameterMetadata.
fn metadata(call: &Call<'_>, parameter: &Parameter, version: &Version) -> Value {
    let mut out = Map::new();
    out.insert("Name".into(), json!(parameter.name));
    out.insert("ARN".into(), json!(name::arn(call, &parameter.name)));
    out.insert("Type".into(), json!(version.kind.name()));
    if let Some(k) = &version.key_id {
        out.insert("KeyId".into(), json!(k));
    }
    out.insert("LastModifiedDate".into(), json!(version.modified));
    out.insert("LastModifiedUser".into(), json!(version.modified_user));
    if let Some(d) = &version.description {
        out.insert("Description".into(), json!(d));
    }
    if let Some(p) = &version.allowed_pattern {
        out.insert("AllowedPattern".into(), json!(p));
    }
    out.insert("Version".into(), json!(version.version));
    out.insert("Tier".into(), json!(version.tier.name()));
    let views: Vec<_> = parameter.policies.iter().map(|p| p.view.clone()).collect();
    out.insert("Policies".into(), policy_list(&views));
    out.insert("DataType".into(), json!(version.data_type));
    Value::Object(out)
}
