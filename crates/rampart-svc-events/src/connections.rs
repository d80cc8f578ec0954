//! Connections (the authorization an API destination sends) and API destinations (an HTTP
//! endpoint and method): Create, Describe, List and Delete of each.
//!
//! A connection's secret (the API key value or the Basic password) is sealed under the master
//! key, bound to the connection's ARN, and never returned, logged or put in an error; only
//! the delivery opens it, to build the request's authorization header. OAuth client
//! credentials are refused (`rampart` does not fetch tokens).

use crate::errors::{self, validation};
use crate::paging;
use crate::records::{self, API_DESTINATION_TABLE, CONNECTION_TABLE, Home};
use crate::rules::valid_name;
use base64::Engine;
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, epoch_seconds};
use rampart_store::Expect;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

const SERVICE: &str = "events";
const METHODS: [&str; 7] = ["POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"];

/// A stored connection. `sealed_secret` is the sealed API key value or password, base64.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct ConnectionRecord {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub authorization_type: String,
    /// The API key's header name, or the Basic user name.
    pub principal: String,
    pub sealed_secret: String,
    pub created: f64,
    pub modified: f64,
}

/// Shows the connection's name only: the record holds a sealed secret.
impl std::fmt::Debug for ConnectionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionRecord")
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

/// A stored API destination.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ApiDestinationRecord {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub connection_arn: String,
    pub endpoint: String,
    pub method: String,
    pub rate_limit: Option<i64>,
    pub created: f64,
    pub modified: f64,
}

/// Registers the connection and API destination operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register(SERVICE, "CreateConnection", false, create_connection);
    registry.register(SERVICE, "DescribeConnection", true, describe_connection);
    registry.register(SERVICE, "ListConnections", true, list_connections);
    registry.register(SERVICE, "DeleteConnection", false, delete_connection);
    registry.register(SERVICE, "CreateApiDestination", false, create_destination);
    registry.register(
        SERVICE,
        "DescribeApiDestination",
        true,
        describe_destination,
    );
    registry.register(SERVICE, "ListApiDestinations", true, list_destinations);
    registry.register(SERVICE, "DeleteApiDestination", false, delete_destination);
}

fn str_member<'v>(input: &'v Value, name: &str) -> Option<&'v str> {
    input.get(name).and_then(Value::as_str)
}

fn check_name(name: &str) -> Result<(), AwsError> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
        )))
    }
}

/// The name in `arn:...:connection/<name>/<id>` or `arn:...:api-destination/<name>/<id>`.
pub(crate) fn name_in_arn<'a>(arn: &'a str, kind: &str) -> Option<&'a str> {
    let (_, rest) = arn.split_once(&format!(":{kind}/"))?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// The seal context of a connection's secret: its ARN.
fn seal_context(arn: &str) -> Vec<u8> {
    format!("events-connection:{arn}").into_bytes()
}

fn create_connection(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let name = str_member(&input, "Name").unwrap_or_default();
    check_name(name)?;
    let key = home.key(CONNECTION_TABLE, name);
    if records::load::<ConnectionRecord>(store, &key)?.is_some() {
        return Err(errors::already_exists(format!(
            "Connection '{name}' already exists."
        )));
    }
    let kind = str_member(&input, "AuthorizationType").unwrap_or_default();
    let params = input.get("AuthParameters").cloned().unwrap_or(Value::Null);
    let (principal, secret) = match kind {
        "API_KEY" => {
            let p = &params["ApiKeyAuthParameters"];
            (str_member(p, "ApiKeyName"), str_member(p, "ApiKeyValue"))
        }
        "BASIC" => {
            let p = &params["BasicAuthParameters"];
            (str_member(p, "Username"), str_member(p, "Password"))
        }
        "OAUTH_CLIENT_CREDENTIALS" => {
            return Err(validation(
                "rampart does not support OAUTH_CLIENT_CREDENTIALS connections; use API_KEY or BASIC.",
            ));
        }
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [OAUTH_CLIENT_CREDENTIALS, BASIC, API_KEY]"
            )));
        }
    };
    let (Some(principal), Some(secret)) = (principal, secret) else {
        return Err(validation(format!(
            "The AuthParameters of a connection of type {kind} are incomplete."
        )));
    };
    let id = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
    let arn = home.arn(&format!("connection/{name}/{id}"));
    let secret = Zeroizing::new(secret.as_bytes().to_vec());
    let sealed = call
        .env
        .master_key
        .seal(&seal_context(&arn), &secret)
        .map_err(|_| rampart_service::internal_error())?;
    let now = epoch_seconds(call.env.clock.now());
    let record = ConnectionRecord {
        name: name.to_owned(),
        arn: arn.clone(),
        description: str_member(&input, "Description").map(str::to_owned),
        authorization_type: kind.to_owned(),
        principal: principal.to_owned(),
        sealed_secret: base64::engine::general_purpose::STANDARD.encode(sealed),
        created: now,
        modified: now,
    };
    records::save(store, key, &record, Expect::Absent)?;
    Ok(json!({
        "ConnectionArn": arn,
        "ConnectionState": "AUTHORIZED",
        "CreationTime": now,
        "LastModifiedTime": now,
    }))
}

fn find_connection(call: &Call<'_>, name: &str) -> Result<(ConnectionRecord, u64), AwsError> {
    let home = Home::of(call);
    records::load(call.env.store.as_ref(), &home.key(CONNECTION_TABLE, name))?.ok_or_else(|| {
        errors::not_found(format!(
            "Failed to describe the connection(s). Connection '{name}' does not exist."
        ))
    })
}

fn connection_shown(c: &ConnectionRecord) -> Value {
    let auth = match c.authorization_type.as_str() {
        "API_KEY" => json!({ "ApiKeyAuthParameters": { "ApiKeyName": c.principal } }),
        _ => json!({ "BasicAuthParameters": { "Username": c.principal } }),
    };
    let mut v = json!({
        "ConnectionArn": c.arn,
        "Name": c.name,
        "ConnectionState": "AUTHORIZED",
        "AuthorizationType": c.authorization_type,
        "AuthParameters": auth,
        "CreationTime": c.created,
        "LastModifiedTime": c.modified,
        "LastAuthorizedTime": c.created,
    });
    if let Some(d) = &c.description {
        v["Description"] = json!(d);
    }
    v
}

fn describe_connection(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (c, _) = find_connection(call, str_member(&input, "Name").unwrap_or_default())?;
    Ok(connection_shown(&c))
}

fn list_connections(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let prefix = str_member(&input, "NamePrefix").unwrap_or_default();
    let all: Vec<ConnectionRecord> = records::scan(
        call.env.store.as_ref(),
        &home.space(),
        CONNECTION_TABLE,
        prefix,
    )?
    .into_iter()
    .map(|(_, c, _)| c)
    .collect();
    let page = paging::page(&all, |c| c.name.as_str(), &input)?;
    let shown: Vec<Value> = page
        .items
        .iter()
        .map(|c| {
            let mut v = connection_shown(c);
            if let Some(o) = v.as_object_mut() {
                o.remove("AuthParameters");
            }
            v
        })
        .collect();
    let mut out = json!({ "Connections": shown });
    if let Some(token) = page.next_token {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

fn delete_connection(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let (c, version) = find_connection(call, str_member(&input, "Name").unwrap_or_default())?;
    call.env
        .store
        .commit(rampart_store::Batch::new().delete_if(
            home.key(CONNECTION_TABLE, &c.name),
            Expect::Version(version),
        ))
        .map_err(errors::store)?;
    let now = epoch_seconds(call.env.clock.now());
    Ok(json!({
        "ConnectionArn": c.arn,
        "ConnectionState": "DELETING",
        "CreationTime": c.created,
        "LastModifiedTime": now,
        "LastAuthorizedTime": c.created,
    }))
}

fn create_destination(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let store = call.env.store.as_ref();
    let name = str_member(&input, "Name").unwrap_or_default();
    check_name(name)?;
    let key = home.key(API_DESTINATION_TABLE, name);
    if records::load::<ApiDestinationRecord>(store, &key)?.is_some() {
        return Err(errors::already_exists(format!(
            "An api-destination '{name}' already exists."
        )));
    }
    let connection_arn = str_member(&input, "ConnectionArn").unwrap_or_default();
    let connection_name = name_in_arn(connection_arn, "connection").unwrap_or_default();
    let exists =
        records::load::<ConnectionRecord>(store, &home.key(CONNECTION_TABLE, connection_name))?
            .is_some_and(|(c, _)| c.arn == connection_arn);
    if !exists {
        return Err(errors::not_found(format!(
            "Connection '{connection_name}' does not exist."
        )));
    }
    let endpoint = str_member(&input, "InvocationEndpoint").unwrap_or_default();
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
        return Err(validation(format!(
            "Invalid endpoint {endpoint}: it must be an http or https URL."
        )));
    }
    let method = str_member(&input, "HttpMethod").unwrap_or_default();
    if !METHODS.contains(&method) {
        return Err(validation(format!(
            "1 validation error detected: Value '{method}' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            METHODS.join(", ")
        )));
    }
    let id = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
    let now = epoch_seconds(call.env.clock.now());
    let record = ApiDestinationRecord {
        name: name.to_owned(),
        arn: home.arn(&format!("api-destination/{name}/{id}")),
        description: str_member(&input, "Description").map(str::to_owned),
        connection_arn: connection_arn.to_owned(),
        endpoint: endpoint.to_owned(),
        method: method.to_owned(),
        rate_limit: input
            .get("InvocationRateLimitPerSecond")
            .and_then(Value::as_i64),
        created: now,
        modified: now,
    };
    records::save(store, key, &record, Expect::Absent)?;
    Ok(json!({
        "ApiDestinationArn": record.arn,
        "ApiDestinationState": "ACTIVE",
        "CreationTime": now,
        "LastModifiedTime": now,
    }))
}

fn find_destination(call: &Call<'_>, name: &str) -> Result<(ApiDestinationRecord, u64), AwsError> {
    let home = Home::of(call);
    records::load(
        call.env.store.as_ref(),
        &home.key(API_DESTINATION_TABLE, name),
    )?
    .ok_or_else(|| {
        errors::not_found(format!(
            "Failed to describe the api-destination(s). An api-destination '{name}' does not exist."
        ))
    })
}

fn destination_shown(d: &ApiDestinationRecord) -> Value {
    let mut v = json!({
        "ApiDestinationArn": d.arn,
        "Name": d.name,
        "ApiDestinationState": "ACTIVE",
        "ConnectionArn": d.connection_arn,
        "InvocationEndpoint": d.endpoint,
        "HttpMethod": d.method,
        "CreationTime": d.created,
        "LastModifiedTime": d.modified,
    });
    if let Some(desc) = &d.description {
        v["Description"] = json!(desc);
    }
    if let Some(rate) = d.rate_limit {
        v["InvocationRateLimitPerSecond"] = json!(rate);
    }
    v
}

fn describe_destination(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (d, _) = find_destination(call, str_member(&input, "Name").unwrap_or_default())?;
    Ok(destination_shown(&d))
}

fn list_destinations(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let prefix = str_member(&input, "NamePrefix").unwrap_or_default();
    let all: Vec<ApiDestinationRecord> = records::scan(
        call.env.store.as_ref(),
        &home.space(),
        API_DESTINATION_TABLE,
        prefix,
    )?
    .into_iter()
    .map(|(_, d, _)| d)
    .filter(|d: &ApiDestinationRecord| {
        str_member(&input, "ConnectionArn").is_none_or(|c| c == d.connection_arn)
    })
    .collect();
    let page = paging::page(&all, |d| d.name.as_str(), &input)?;
    let mut out = json!({
        "ApiDestinations": page.items.iter().map(|d| destination_shown(d)).collect::<Vec<_>>()
    });
    if let Some(token) = page.next_token {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

fn delete_destination(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = Home::of(call);
    let (d, version) = find_destination(call, str_member(&input, "Name").unwrap_or_default())?;
    call.env
        .store
        .commit(rampart_store::Batch::new().delete_if(
            home.key(API_DESTINATION_TABLE, &d.name),
            Expect::Version(version),
        ))
        .map_err(errors::store)?;
    Ok(json!({}))
}

/// An API destination and the header that authorizes requests to it, for delivery. The
/// header's value holds the opened secret: it lives in a zeroizing buffer and only goes on
/// the wire.
pub(crate) struct Endpoint {
    /// The destination.
    pub destination: ApiDestinationRecord,
    /// `(name, value)` of the authorization header.
    pub auth_header: (String, Zeroizing<String>),
}

/// The destination with ARN `arn` in `home`, with its connection's header; `Err` says why not.
pub(crate) fn endpoint(env: &Env, home: &Home, arn: &str) -> Result<Endpoint, String> {
    let store = env.store.as_ref();
    let name = name_in_arn(arn, "api-destination").unwrap_or_default();
    let destination =
        records::load::<ApiDestinationRecord>(store, &home.key(API_DESTINATION_TABLE, name))
            .map_err(|e| e.message)?
            .map(|(d, _)| d)
            .filter(|d| d.arn == arn)
            .ok_or_else(|| format!("the API destination {arn} does not exist"))?;
    let connection_name =
        name_in_arn(&destination.connection_arn, "connection").unwrap_or_default();
    let connection =
        records::load::<ConnectionRecord>(store, &home.key(CONNECTION_TABLE, connection_name))
            .map_err(|e| e.message)?
            .map(|(c, _)| c)
            .filter(|c| c.arn == destination.connection_arn)
            .ok_or_else(|| {
                format!(
                    "the connection {} does not exist",
                    destination.connection_arn
                )
            })?;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&connection.sealed_secret)
        .map_err(|_| "the connection's secret is damaged".to_owned())?;
    let secret = env
        .master_key
        .open(&seal_context(&connection.arn), &sealed)
        .map_err(|_| "the connection's secret does not open".to_owned())?;
    let secret = Zeroizing::new(String::from_utf8_lossy(&secret).into_owned());
    let auth_header = match connection.authorization_type.as_str() {
        "API_KEY" => (connection.principal.clone(), secret),
        _ => {
            let pair = Zeroizing::new(format!("{}:{}", connection.principal, secret.as_str()));
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
            (
                "Authorization".to_owned(),
                Zeroizing::new(format!("Basic {encoded}")),
            )
        }
    };
    Ok(Endpoint {
        destination,
        auth_header,
    })
}
