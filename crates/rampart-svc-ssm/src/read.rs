//! GetParameter, GetParameters and GetParameterHistory, and how a parameter version is shown.

use crate::name::{self, Selector};
use crate::public::{self, Public};
use crate::record::{self, Kind, Parameter, Version};
use crate::{errors, reference, secure, token};
use rampart_protocol::AwsError;
use rampart_service::{Call, from_input};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The version `selector` names.
pub(crate) fn select<'a>(parameter: &'a Parameter, selector: &Selector) -> Option<&'a Version> {
    match selector {
        Selector::Latest => parameter.latest(),
        Selector::Version(v) => parameter.versions.iter().find(|x| x.version == *v),
        Selector::Label(l) => parameter.versions.iter().find(|x| x.labels.contains(l)),
    }
}

/// The value a caller sees: decrypted when asked for and the type is SecureString.
pub(crate) fn shown_value(
    call: &Call<'_>,
    version: &Version,
    arn: &str,
    with_decryption: bool,
) -> Result<String, AwsError> {
    if version.kind == Kind::SecureString && with_decryption {
        Ok(secure::open(call, version, arn)?.to_string())
    } else {
        Ok(secure::shown(&version.value).to_owned())
    }
}

/// `Parameter` as GetParameter(s) and GetParametersByPath return it.
pub(crate) fn render(
    call: &Call<'_>,
    name: &str,
    version: &Version,
    selector: &Selector,
    with_decryption: bool,
) -> Result<Value, AwsError> {
    let arn = name::arn(call, name);
    let mut out = json!({
        "Name": name,
        "Type": version.kind.name(),
        "Value": shown_value(call, version, &arn, with_decryption)?,
        "Version": version.version,
        "LastModifiedDate": version.modified,
        "ARN": arn,
        "DataType": version.data_type,
    });
    if let (Some(s), Value::Object(map)) = (selector.echo(), &mut out) {
        map.insert("Selector".to_owned(), Value::String(s));
    }
    Ok(out)
}

/// A public parameter as the read operations return it.
pub(crate) fn render_public(call: &Call<'_>, p: &Public, selector: &Selector) -> Option<Value> {
    if !matches!(selector, Selector::Latest | Selector::Version(1)) {
        return None;
    }
    let mut out = json!({
        "Name": p.name,
        "Type": "String",
        "Value": p.value,
        "Version": 1,
        "LastModifiedDate": public::MODIFIED,
        "ARN": name::arn_in(call.env.partition.as_str(), call.region.as_str(), "", &p.name),
        "DataType": p.data_type,
    });
    if let (Some(s), Value::Object(map)) = (selector.echo(), &mut out) {
        map.insert("Selector".to_owned(), Value::String(s));
    }
    Some(out)
}

/// What a requested name resolves to.
enum Found {
    One(Value),
    NoParameter,
    NoVersion(String, Selector),
}

fn find(call: &Call<'_>, requested: &str, with_decryption: bool) -> Result<Found, AwsError> {
    if let Some(secret) = requested.strip_prefix(reference::PREFIX) {
        if !with_decryption {
            return Err(reference::needs_decryption());
        }
        return Ok(reference::find(call, secret)?.map_or(Found::NoParameter, Found::One));
    }
    let target = name::target(call, name::requested(requested)?);
    let selector = target.selector;
    let space = record::space_of(call);
    for name in &target.candidates {
        if name.starts_with(reference::PREFIX) {
            if !with_decryption {
                return Err(reference::needs_decryption());
            }
            return Ok(Found::NoParameter);
        }
        if public::is_public(name) {
            if let Some(p) = public::lookup(call.region.as_str(), name) {
                return Ok(match render_public(call, &p, &selector) {
                    Some(v) => Found::One(v),
                    None => Found::NoVersion(name.clone(), selector),
                });
            }
            continue;
        }
        let Some((parameter, _)) = record::load(call.env, &space, name)? else {
            continue;
        };
        return match select(&parameter, &selector) {
            Some(version) => Ok(Found::One(render(
                call,
                name,
                version,
                &selector,
                with_decryption,
            )?)),
            None => Ok(Found::NoVersion(name.clone(), selector)),
        };
    }
    Ok(Found::NoParameter)
}

/// The stored parameter a name or ARN names in the caller's region, with the name it has.
pub(crate) fn load_target(
    call: &Call<'_>,
    requested: &str,
) -> Result<Option<(String, Parameter)>, AwsError> {
    let space = record::space_of(call);
    for name in name::target(call, name::requested(requested)?).candidates {
        if let Some((parameter, _)) = record::load(call.env, &space, &name)? {
            return Ok(Some((name, parameter)));
        }
    }
    Ok(None)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetInput {
    name: String,
    with_decryption: Option<bool>,
}

/// GetParameter.
pub(crate) fn get_parameter(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: GetInput = from_input(input, "ValidationException")?;
    match find(call, &input.name, input.with_decryption.unwrap_or(false))? {
        Found::One(p) => Ok(json!({ "Parameter": p })),
        Found::NoParameter => Err(errors::parameter_not_found()),
        Found::NoVersion(name, selector) => Err(errors::version_not_found(&name, &selector.text())),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetManyInput {
    names: Vec<String>,
    with_decryption: Option<bool>,
}

/// Refuses a list of names outside 1..=10.
pub(crate) fn check_names(names: &[String]) -> Result<(), AwsError> {
    if names.is_empty() || names.len() > 10 {
        return Err(errors::validation(format!(
            "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length {}",
            if names.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 10"
            }
        )));
    }
    Ok(())
}

/// GetParameters: each name found, and those not found (or whose version is not) listed as
/// InvalidParameters.
pub(crate) fn get_parameters(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: GetManyInput = from_input(input, "ValidationException")?;
    check_names(&input.names)?;
    let with_decryption = input.with_decryption.unwrap_or(false);
    let mut seen = Vec::new();
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    for requested in &input.names {
        if seen.contains(requested) {
            continue;
        }
        seen.push(requested.clone());
        match find(call, requested, with_decryption)? {
            Found::One(p) => found.push(p),
            Found::NoParameter | Found::NoVersion(..) => invalid.push(requested.clone()),
        }
    }
    found.sort_by(|a, b| a["Name"].as_str().cmp(&b["Name"].as_str()));
    Ok(json!({ "Parameters": found, "InvalidParameters": invalid }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HistoryInput {
    name: String,
    with_decryption: Option<bool>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// The page size of GetParameterHistory.
const HISTORY_PAGE: usize = 50;

/// GetParameterHistory: every retained version, oldest first.
pub(crate) fn get_parameter_history(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: HistoryInput = from_input(input, "ValidationException")?;
    let limit = token::page_size(input.max_results, HISTORY_PAGE, HISTORY_PAGE)?;
    let after: u64 = match &input.next_token {
        None => 0,
        Some(t) => token::decode(t)?
            .parse()
            .map_err(|_| errors::invalid_next_token())?,
    };
    let Some((name, parameter)) = load_target(call, &input.name)? else {
        return Err(errors::parameter_not_found());
    };
    let name = name.as_str();
    let arn = name::arn(call, name);
    let with_decryption = input.with_decryption.unwrap_or(false);
    let rest: Vec<&Version> = parameter
        .versions
        .iter()
        .filter(|v| v.version > after)
        .collect();
    let mut page = Vec::new();
    for version in rest.iter().take(limit) {
        page.push(history_entry(call, name, version, &arn, with_decryption)?);
    }
    let mut out = Map::new();
    out.insert("Parameters".to_owned(), Value::Array(page));
    if rest.len() > limit
        && let Some(last) = rest.get(limit - 1)
    {
        out.insert(
            "NextToken".to_owned(),
            Value::String(token::encode(&last.version.to_string())),
        );
    }
    Ok(Value::Object(out))
}

fn history_entry(
    call: &Call<'_>,
    name: &str,
    version: &Version,
    arn: &str,
    with_decryption: bool,
) -> Result<Value, AwsError> {
    let mut entry = Map::new();
    entry.insert("Name".into(), json!(name));
    entry.insert("Type".into(), json!(version.kind.name()));
    if let Some(k) = &version.key_id {
        entry.insert("KeyId".into(), json!(k));
    }
    entry.insert("LastModifiedDate".into(), json!(version.modified));
    entry.insert("LastModifiedUser".into(), json!(version.modified_user));
    if let Some(d) = &version.description {
        entry.insert("Description".into(), json!(d));
    }
    entry.insert(
        "Value".into(),
        json!(shown_value(call, version, arn, with_decryption)?),
    );
    if let Some(p) = &version.allowed_pattern {
        entry.insert("AllowedPattern".into(), json!(p));
    }
    entry.insert("Version".into(), json!(version.version));
    entry.insert("Labels".into(), json!(version.labels));
    entry.insert("Tier".into(), json!(version.tier.name()));
    entry.insert("Policies".into(), policy_list(&version.policies));
    entry.insert("DataType".into(), json!(version.data_type));
    Ok(Value::Object(entry))
}

/// Policies as the API lists them.
pub(crate) fn policy_list(policies: &[record::PolicyView]) -> Value {
    Value::Array(
        policies
            .iter()
            .map(|p| {
                json!({
                    "PolicyText": p.text,
                    "PolicyType": p.kind,
                    "PolicyStatus": p.status,
                })
            })
            .collect(),
    )
}
