//! Identity providers for federation: OpenID Connect providers (URL, client ids, thumbprints)
//! and SAML providers (the metadata document), with the readers STS's
//! `AssumeRoleWithWebIdentity` and `AssumeRoleWithSAML` use.

use super::entity::{null_member, required, strings};
use super::errors::{
    already_exists, invalid_input, limit_exceeded, no_such_entity, store_error, validation,
};
use super::records::{Tag, encode, get_record, list};
use super::tags::{Tagged, check_tags};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, from_input, internal_error};
use rampart_store::{Batch, Expect, Key, StoreError, space};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The OIDC providers table, in the account's space, keyed by the URL without its scheme.
pub(crate) const OIDC_TABLE: &str = "iam.oidc-provider";
/// The SAML providers table, in the account's space, keyed by the lower-cased name.
pub(crate) const SAML_TABLE: &str = "iam.saml-provider";
/// AWS's quota of providers of each kind per account.
const PROVIDERS_PER_ACCOUNT: usize = 100;
/// AWS's quotas on an OIDC provider's lists.
const THUMBPRINTS: usize = 5;
const CLIENT_IDS: usize = 100;

/// An OpenID Connect provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredOidcProvider {
    /// The issuer URL as created (`https://...`).
    pub url: String,
    /// The audiences (`aud`) tokens may carry.
    pub client_ids: Vec<String>,
    /// SHA-1 thumbprints (40 hex digits) of the issuer's certificates.
    pub thumbprints: Vec<String>,
    pub create_date: f64,
    pub tags: Vec<Tag>,
}

impl StoredOidcProvider {
    /// The URL without its scheme: how the ARN and the store name it.
    pub(crate) fn host_path(&self) -> &str {
        strip_scheme(&self.url)
    }
}

/// A SAML 2.0 provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredSamlProvider {
    pub name: String,
    /// The IdP's metadata document, as uploaded.
    pub metadata: String,
    pub uuid: String,
    pub create_date: f64,
    /// The metadata's `validUntil`, if it says, in seconds since the epoch.
    pub valid_until: Option<f64>,
    pub tags: Vec<Tag>,
}

fn strip_scheme(url: &str) -> &str {
    url.strip_prefix("https://").unwrap_or(url)
}

fn oidc_key(account: &AccountId, host_path: &str) -> Key {
    Key::new(
        space::account(account),
        OIDC_TABLE,
        host_path.to_lowercase(),
    )
}

fn saml_key(account: &AccountId, name: &str) -> Key {
    Key::new(space::account(account), SAML_TABLE, name.to_lowercase())
}

/// What an OIDC provider ARN names: `arn:<partition>:iam::<account>:oidc-provider/<host/path>`.
fn oidc_arn_host<'a>(env: &Env, account: &AccountId, arn: &'a str) -> Option<&'a str> {
    arn.strip_prefix(&format!(
        "arn:{}:iam::{account}:oidc-provider/",
        env.partition
    ))
}

/// The OIDC provider `arn` names in `account`, if it exists.
pub(crate) fn get_oidc_provider(
    env: &Env,
    account: &AccountId,
    arn: &str,
) -> Result<Option<StoredOidcProvider>, AwsError> {
    let Some(host) = oidc_arn_host(env, account, arn) else {
        return Ok(None);
    };
    let found: Option<(StoredOidcProvider, u64)> =
        get_record(env.store.as_ref(), &oidc_key(account, host)).map_err(store_error)?;
    Ok(found.map(|(p, _)| p))
}

/// The SAML provider `arn` names in `account`, if it exists.
#[allow(dead_code, reason = "the lead's federation operations read it")]
pub(crate) fn get_saml_provider(
    env: &Env,
    account: &AccountId,
    arn: &str,
) -> Result<Option<StoredSamlProvider>, AwsError> {
    let prefix = format!("arn:{}:iam::{account}:saml-provider/", env.partition);
    let Some(name) = arn.strip_prefix(&prefix) else {
        return Ok(None);
    };
    let found: Option<(StoredSamlProvider, u64)> =
        get_record(env.store.as_ref(), &saml_key(account, name)).map_err(store_error)?;
    Ok(found.map(|(p, _)| p))
}

fn oidc_arn(call: &Call<'_>, host_path: &str) -> String {
    format!(
        "arn:{}:iam::{}:oidc-provider/{host_path}",
        call.env.partition, call.principal.account
    )
}

fn saml_arn(call: &Call<'_>, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:saml-provider/{name}",
        call.env.partition, call.principal.account
    )
}

fn oidc_not_found(arn: &str) -> AwsError {
    no_such_entity(format!("OpenIDConnect Provider not found for arn {arn}"))
}

/// The OIDC provider the input's `OpenIDConnectProviderArn` names, its key and version.
fn existing_oidc(
    call: &Call<'_>,
    input: &Value,
) -> Result<(StoredOidcProvider, Key, u64), AwsError> {
    let arn = required(
        input,
        "OpenIDConnectProviderArn",
        "openIDConnectProviderArn",
    )?;
    let host = oidc_arn_host(call.env, &call.principal.account, arn)
        .ok_or_else(|| invalid_input(format!("Invalid ARN: {arn}")))?;
    let key = oidc_key(&call.principal.account, host);
    let (provider, version) = get_record(call.env.store.as_ref(), &key)
        .map_err(store_error)?
        .ok_or_else(|| oidc_not_found(arn))?;
    Ok((provider, key, version))
}

impl Tagged for StoredOidcProvider {
    const TITLE: &'static str = "OpenIDConnectProvider";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        existing_oidc(call, input)
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
}

/// A list member of the input (absent: empty).
fn check_thumbprints(thumbprints: &[String]) -> Result<(), AwsError> {
    if thumbprints.len() > THUMBPRINTS {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: {THUMBPRINTS}"
        )));
    }
    if thumbprints
        .iter()
        .any(|t| t.len() != 40 || !t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(validation(
            "1 validation error detected: Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]",
        ));
    }
    Ok(())
}

fn check_client_id(id: &str) -> Result<(), AwsError> {
    let len = id.chars().count();
    if len == 0 || len > 255 {
        return Err(validation(
            "1 validation error detected: Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]",
        ));
    }
    Ok(())
}

fn save<T: Serialize>(
    call: &Call<'_>,
    record: &T,
    key: Key,
    expect: Expect,
) -> Result<Value, AwsError> {
    let batch = Batch::new().put_if(key, encode(record).map_err(store_error)?, expect);
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn create_oidc(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let url = required(&input, "Url", "url")?.to_owned();
    let host_path = url
        .strip_prefix("https://")
        .filter(|rest| !rest.is_empty() && url.len() <= 255 && !rest.contains(['?', '#', ' ']))
        .ok_or_else(|| {
            invalid_input("Invalid OpenID Connect Provider URL. It must begin with https://")
        })?
        .trim_end_matches('/')
        .to_owned();
    let client_ids = strings(&input, "ClientIDList");
    client_ids.iter().try_for_each(|id| check_client_id(id))?;
    if client_ids.len() > CLIENT_IDS {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {CLIENT_IDS}"
        )));
    }
    let thumbprints: Vec<String> = strings(&input, "ThumbprintList")
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect();
    check_thumbprints(&thumbprints)?;
    let tags: Vec<Tag> = from_input(
        input.get("Tags").cloned().unwrap_or(json!([])),
        "ValidationError",
    )?;
    check_tags(&tags, "TagsPerOpenIdConnectProvider")?;
    let account = &call.principal.account;
    let store = call.env.store.as_ref();
    let key = oidc_key(account, &host_path);
    let exists = || already_exists(format!("Provider with url {url} already exists."));
    if get_record::<StoredOidcProvider>(store, &key)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    if list::<StoredOidcProvider>(store, account, OIDC_TABLE)
        .map_err(store_error)?
        .len()
        >= PROVIDERS_PER_ACCOUNT
    {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for OpenIdConnectProvidersPerAccount: {PROVIDERS_PER_ACCOUNT}"
        )));
    }
    let provider = StoredOidcProvider {
        url: format!("https://{host_path}"),
        client_ids,
        thumbprints,
        create_date: rampart_service::epoch_seconds(call.env.clock.now()),
        tags,
    };
    save(call, &provider, key, Expect::Absent).map_err(|e| {
        if e.code == "ConcurrentModification" {
            exists()
        } else {
            e
        }
    })?;
    let mut out = json!({ "OpenIDConnectProviderArn": oidc_arn(call, &host_path) });
    if !provider.tags.is_empty() {
        out["Tags"] = json!(provider.tags);
    }
    Ok(out)
}

fn get_oidc(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (provider, _, _) = existing_oidc(call, &input)?;
    let mut out = json!({
        "Url": provider.host_path(),
        "ClientIDList": provider.client_ids,
        "ThumbprintList": provider.thumbprints,
        "CreateDate": provider.create_date,
    });
    if !provider.tags.is_empty() {
        out["Tags"] = json!(provider.tags);
    }
    Ok(out)
}

fn delete_oidc(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (_, key, version) = existing_oidc(call, &input)?;
    super::entity::delete_record(call, key, version)
}

fn list_oidc(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let providers: Vec<StoredOidcProvider> =
        list(call.env.store.as_ref(), &call.principal.account, OIDC_TABLE).map_err(store_error)?;
    let arns: Vec<Value> = providers
        .iter()
        .map(|p| json!({ "Arn": oidc_arn(call, p.host_path()) }))
        .collect();
    Ok(json!({ "OpenIDConnectProviderList": arns }))
}

fn add_client_id(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let client_id = required(&input, "ClientID", "clientID")?.to_owned();
    check_client_id(&client_id)?;
    let (mut provider, key, version) = existing_oidc(call, &input)?;
    if provider.client_ids.contains(&client_id) {
        return Ok(json!({}));
    }
    if provider.client_ids.len() >= CLIENT_IDS {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {CLIENT_IDS}"
        )));
    }
    provider.client_ids.push(client_id);
    save(call, &provider, key, Expect::Version(version))
}

fn remove_client_id(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let client_id = required(&input, "ClientID", "clientID")?.to_owned();
    let (mut provider, key, version) = existing_oidc(call, &input)?;
    provider.client_ids.retain(|id| *id != client_id);
    save(call, &provider, key, Expect::Version(version))
}

fn update_thumbprints(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    if input.get("ThumbprintList").is_none() {
        return Err(null_member("thumbprintList"));
    }
    let thumbprints: Vec<String> = strings(&input, "ThumbprintList")
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect();
    check_thumbprints(&thumbprints)?;
    let (mut provider, key, version) = existing_oidc(call, &input)?;
    provider.thumbprints = thumbprints;
    save(call, &provider, key, Expect::Version(version))
}

fn saml_not_found(arn: &str) -> AwsError {
    no_such_entity(format!("SAMLProvider {arn} does not exist."))
}

/// The SAML provider the input's `SAMLProviderArn` names, its key and version.
fn existing_saml(
    call: &Call<'_>,
    input: &Value,
) -> Result<(StoredSamlProvider, Key, u64), AwsError> {
    let arn = required(input, "SAMLProviderArn", "sAMLProviderArn")?;
    let prefix = format!(
        "arn:{}:iam::{}:saml-provider/",
        call.env.partition, call.principal.account
    );
    let name = arn
        .strip_prefix(&prefix)
        .ok_or_else(|| invalid_input(format!("Invalid ARN: {arn}")))?;
    let key = saml_key(&call.principal.account, name);
    let (provider, version) = get_record(call.env.store.as_ref(), &key)
        .map_err(store_error)?
        .ok_or_else(|| saml_not_found(arn))?;
    Ok((provider, key, version))
}

impl Tagged for StoredSamlProvider {
    const TITLE: &'static str = "SAMLProvider";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        existing_saml(call, input)
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
}

/// A metadata document AWS would accept: 1,000 characters or more, an `EntityDescriptor` with
/// an IdP SSO descriptor. Returns its `validUntil`, if it says.
fn check_metadata(document: &str) -> Result<Option<f64>, AwsError> {
    if document.chars().count() < 1000 {
        return Err(validation(
            "1 validation error detected: Value at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000",
        ));
    }
    if !document.contains("EntityDescriptor") || !document.contains("IDPSSODescriptor") {
        return Err(invalid_input("Could not parse metadata"));
    }
    let valid_until = document
        .split_once("validUntil=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .and_then(|(value, _)| {
            time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| t.unix_timestamp() as f64);
    Ok(valid_until)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateSamlInput {
    #[serde(rename = "SAMLMetadataDocument")]
    metadata: String,
    name: String,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create_saml(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateSamlInput = from_input(input, "ValidationError")?;
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
    if input.name.is_empty() || input.name.chars().count() > 128 || !input.name.chars().all(name_ok)
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w._-]+",
            input.name
        )));
    }
    let valid_until = check_metadata(&input.metadata)?;
    check_tags(&input.tags, "TagsPerSAMLProvider")?;
    let account = &call.principal.account;
    let store = call.env.store.as_ref();
    let key = saml_key(account, &input.name);
    let exists = || already_exists(format!("SAMLProvider {} already exists.", input.name));
    if get_record::<StoredSamlProvider>(store, &key)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    if list::<StoredSamlProvider>(store, account, SAML_TABLE)
        .map_err(store_error)?
        .len()
        >= PROVIDERS_PER_ACCOUNT
    {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for SamlProvidersPerAccount: {PROVIDERS_PER_ACCOUNT}"
        )));
    }
    let provider = StoredSamlProvider {
        name: input.name.clone(),
        metadata: input.metadata,
        uuid: rampart_crypto::random_uuid().ok_or_else(internal_error)?,
        create_date: rampart_service::epoch_seconds(call.env.clock.now()),
        valid_until,
        tags: input.tags,
    };
    let batch = Batch::new().put_if(key, encode(&provider).map_err(store_error)?, Expect::Absent);
    call.env.store.commit(batch).map_err(|e| match e {
        StoreError::Conflict { .. } => exists(),
        e => store_error(e),
    })?;
    let mut out = json!({ "SAMLProviderArn": saml_arn(call, &provider.name) });
    if !provider.tags.is_empty() {
        out["Tags"] = json!(provider.tags);
    }
    Ok(out)
}

fn get_saml(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (provider, _, _) = existing_saml(call, &input)?;
    let mut out = json!({
        "SAMLProviderUUID": provider.uuid,
        "SAMLMetadataDocument": provider.metadata,
        "CreateDate": provider.create_date,
    });
    if let Some(until) = provider.valid_until {
        out["ValidUntil"] = json!(until);
    }
    if !provider.tags.is_empty() {
        out["Tags"] = json!(provider.tags);
    }
    Ok(out)
}

fn update_saml(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut provider, key, version) = existing_saml(call, &input)?;
    if let Some(document) = input.get("SAMLMetadataDocument").and_then(Value::as_str) {
        provider.valid_until = check_metadata(document)?;
        provider.metadata = document.to_owned();
    }
    save(call, &provider, key, Expect::Version(version))?;
    Ok(json!({ "SAMLProviderArn": saml_arn(call, &provider.name) }))
}

fn delete_saml(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (_, key, version) = existing_saml(call, &input)?;
    super::entity::delete_record(call, key, version)
}

fn list_saml(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let providers: Vec<StoredSamlProvider> =
        list(call.env.store.as_ref(), &call.principal.account, SAML_TABLE).map_err(store_error)?;
    let entries: Vec<Value> = providers
        .iter()
        .map(|p| {
            let mut v = json!({ "Arn": saml_arn(call, &p.name), "CreateDate": p.create_date });
            if let Some(until) = p.valid_until {
                v["ValidUntil"] = json!(until);
            }
            v
        })
        .collect();
    Ok(json!({ "SAMLProviderList": entries }))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateOpenIDConnectProvider", false, create_oidc);
    registry.register("iam", "GetOpenIDConnectProvider", true, get_oidc);
    registry.register("iam", "DeleteOpenIDConnectProvider", false, delete_oidc);
    registry.register("iam", "ListOpenIDConnectProviders", true, list_oidc);
    registry.register(
        "iam",
        "AddClientIDToOpenIDConnectProvider",
        false,
        add_client_id,
    );
    registry.register(
        "iam",
        "RemoveClientIDFromOpenIDConnectProvider",
        false,
        remove_client_id,
    );
    registry.register(
        "iam",
        "UpdateOpenIDConnectProviderThumbprint",
        false,
        update_thumbprints,
    );
    registry.register("iam", "CreateSAMLProvider", false, create_saml);
    registry.register("iam", "GetSAMLProvider", true, get_saml);
    registry.register("iam", "UpdateSAMLProvider", false, update_saml);
    registry.register("iam", "DeleteSAMLProvider", false, delete_saml);
    registry.register("iam", "ListSAMLProviders", true, list_saml);
}
