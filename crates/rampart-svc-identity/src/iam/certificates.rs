//! Certificates IAM keeps: users' X.509 signing certificates (UploadSigningCertificate,
//! ListSigningCertificates, UpdateSigningCertificate, DeleteSigningCertificate) and server
//! certificates (UploadServerCertificate, GetServerCertificate, ListServerCertificates,
//! UpdateServerCertificate, DeleteServerCertificate; tags are in `tags`).
//!
//! A server certificate's private key is stored only sealed under the master key and is never
//! returned. Certificates are read just enough to check them and learn when they expire.

use super::entity::required;
use super::errors::{already_exists, limit_exceeded, model_error, no_such_entity, store_error};
use super::held;
use super::names::{check_name, check_path, max_items};
use super::paging::{PageInput, page};
use super::records::{StoredUser, Tag, encode, get_record, list, new_unique_id};
use super::tags::{Tagged, check_tags};
use base64::Engine;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input, internal_error};
use rampart_store::{Batch, Expect, Key, StoreError, space};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The server certificates table, in the account's space, keyed by the lower-cased name.
pub(crate) const SERVER_CERTIFICATE_TABLE: &str = "iam.server-certificate";
/// AWS's quota of signing certificates per user.
const SIGNING_CERTIFICATES_PER_USER: usize = 2;
/// AWS's default quota of server certificates per account.
pub(crate) const SERVER_CERTIFICATES_PER_ACCOUNT: usize = 20;

/// A user's signing certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SigningCertificate {
    pub id: String,
    pub body: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub upload_date: f64,
}

/// A server certificate.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredServerCertificate {
    pub name: String,
    pub path: String,
    /// `ASCA` and 16 base32 characters.
    pub id: String,
    pub upload_date: f64,
    /// The certificate's `notAfter`, in seconds since the epoch.
    pub expiration: Option<f64>,
    pub body: String,
    pub chain: Option<String>,
    /// The private key, sealed under the master key (base64).
    private_key_sealed: String,
    pub tags: Vec<Tag>,
}

impl std::fmt::Debug for StoredServerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredServerCertificate")
            .field("name", &self.name)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The DER bytes of the first PEM block labelled `label`.
fn pem_block(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let body: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// One DER element: its tag, its contents and what follows it.
fn der_element(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// A DER `UTCTime` or `GeneralizedTime` (`...Z`) in seconds since the epoch.
fn der_time(tag: u8, content: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(content).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i32 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| -> Option<u8> { rest.get(i..i + 2)?.parse().ok() };
    let month = time::Month::try_from(field(0)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, field(2)?).ok()?;
    let time = time::Time::from_hms(field(4)?, field(6)?, field(8)?).ok()?;
    Some(date.with_time(time).assume_utc().unix_timestamp() as f64)
}

/// When a DER certificate expires (`tbsCertificate.validity.notAfter`), if it parses.
fn not_after(der: &[u8]) -> Option<f64> {
    let (_, certificate, _) = der_element(der)?;
    let (_, tbs, _) = der_element(certificate)?;
    let mut rest = tbs;
    let (tag, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after; // the explicit version
    }
    for _ in 0..3 {
        rest = der_element(rest)?.2; // serial, signature algorithm, issuer
    }
    let (_, validity, _) = der_element(rest)?;
    let (_, _, after_not_before) = der_element(validity)?;
    let (tag, not_after, _) = der_element(after_not_before)?;
    der_time(tag, not_after)
}

fn malformed() -> AwsError {
    model_error(
        "MalformedCertificateException",
        "Unable to parse certificate. Please ensure the certificate is in PEM format.".into(),
    )
}

/// A PEM certificate that parses, and when it expires.
fn check_certificate(body: &str) -> Result<f64, AwsError> {
    pem_block(body, "CERTIFICATE")
        .as_deref()
        .and_then(not_after)
        .ok_or_else(malformed)
}

/// The user the input names, else the calling user.
fn target(call: &Call<'_>, input: &Value) -> Result<(StoredUser, u64), AwsError> {
    held::target(call, input, 128)
}

fn certificate_output(user: &StoredUser, c: &SigningCertificate) -> Value {
    json!({
        "UserName": user.name,
        "CertificateId": c.id,
        "CertificateBody": c.body,
        "Status": c.status,
        "UploadDate": c.upload_date,
    })
}

fn upload_signing(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut user, version) = target(call, &input)?;
    let body = required(&input, "CertificateBody", "certificateBody")?.to_owned();
    check_certificate(&body)?;
    let der = pem_block(&body, "CERTIFICATE");
    let duplicate = user
        .signing_certificates
        .iter()
        .any(|c| pem_block(&c.body, "CERTIFICATE") == der);
    if duplicate {
        return Err(model_error(
            "DuplicateCertificateException",
            "The request was rejected because the same certificate is associated with an IAM user in the account.".into(),
        ));
    }
    if user.signing_certificates.len() >= SIGNING_CERTIFICATES_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for CertificatesPerUser: {SIGNING_CERTIFICATES_PER_USER}"
        )));
    }
    let id = new_unique_id("").map_err(store_error)? + &new_unique_id("").map_err(store_error)?;
    let certificate = SigningCertificate {
        id,
        body,
        status: "Active".into(),
        upload_date: rampart_service::epoch_seconds(call.env.clock.now()),
    };
    let out = json!({ "Certificate": certificate_output(&user, &certificate) });
    user.signing_certificates.push(certificate);
    held::save(call, &user, version)?;
    Ok(out)
}

fn list_signing(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (user, _) = target(call, &input)?;
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let items = user
        .signing_certificates
        .iter()
        .map(|c| (c.id.clone(), certificate_output(&user, c)))
        .collect();
    let mut output = Map::new();
    let certificates = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("Certificates".into(), Value::Array(certificates));
    Ok(Value::Object(output))
}

fn no_certificate(id: &str) -> AwsError {
    no_such_entity(format!("The Certificate with id {id} cannot be found."))
}

fn update_signing(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let user = target(call, &input)?;
    let id = required(&input, "CertificateId", "certificateId")?;
    held::update_status(
        call,
        &input,
        user,
        id,
        |u| &mut u.signing_certificates,
        no_certificate,
    )
}

fn delete_signing(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let user = target(call, &input)?;
    let id = required(&input, "CertificateId", "certificateId")?;
    held::remove(
        call,
        user,
        id,
        |u| &mut u.signing_certificates,
        no_certificate,
    )
}

impl held::Held for SigningCertificate {
    fn id(&self) -> &str {
        &self.id
    }

    fn set_status(&mut self, status: &str) {
        self.status = status.to_owned();
    }
}

fn server_key(call: &Call<'_>, name: &str) -> Key {
    Key::new(
        space::account(&call.principal.account),
        SERVER_CERTIFICATE_TABLE,
        name.to_lowercase(),
    )
}

/// The context a server certificate's private key is sealed under.
pub(crate) fn seal_context(id: &str) -> Vec<u8> {
    format!("iam-server-certificate-key:{id}").into_bytes()
}

/// The server certificate the input's `ServerCertificateName` names, its key and version.
fn existing_server(
    call: &Call<'_>,
    input: &Value,
) -> Result<(StoredServerCertificate, Key, u64), AwsError> {
    let name = required(input, "ServerCertificateName", "serverCertificateName")?;
    check_name(name, "serverCertificateName", 128)?;
    let key = server_key(call, name);
    let (certificate, version) = get_record(call.env.store.as_ref(), &key)
        .map_err(store_error)?
        .ok_or_else(|| {
            no_such_entity(format!(
                "The Server Certificate with name {name} cannot be found."
            ))
        })?;
    Ok((certificate, key, version))
}

impl Tagged for StoredServerCertificate {
    const TITLE: &'static str = "ServerCertificate";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        existing_server(call, input)
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
}

fn server_metadata(call: &Call<'_>, c: &StoredServerCertificate) -> Value {
    json!({
        "Path": c.path,
        "ServerCertificateName": c.name,
        "ServerCertificateId": c.id,
        "Arn": format!(
            "arn:{}:iam::{}:server-certificate{}{}",
            call.env.partition, call.principal.account, c.path, c.name
        ),
        "UploadDate": c.upload_date,
        "Expiration": c.expiration,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UploadServerInput {
    path: Option<String>,
    server_certificate_name: String,
    certificate_body: String,
    private_key: super::passwords::Secret,
    certificate_chain: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn upload_server(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UploadServerInput = from_input(input, "ValidationError")?;
    check_name(&input.server_certificate_name, "serverCertificateName", 128)?;
    let path = input.path.unwrap_or_else(|| "/".into());
    check_path(&path, "path")?;
    check_tags(&input.tags, "TagsPerServerCertificate")?;
    let expiration = check_certificate(&input.certificate_body)?;
    let key_text: &str = &input.private_key;
    if !key_text.contains("PRIVATE KEY-----") {
        return Err(model_error(
            "MalformedCertificateException",
            "Unable to parse private key.".into(),
        ));
    }
    let store = call.env.store.as_ref();
    let account = &call.principal.account;
    let key = server_key(call, &input.server_certificate_name);
    let exists = || {
        already_exists(format!(
            "The Server Certificate with name {} already exists.",
            input.server_certificate_name
        ))
    };
    if get_record::<StoredServerCertificate>(store, &key)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    if list::<StoredServerCertificate>(store, account, SERVER_CERTIFICATE_TABLE)
        .map_err(store_error)?
        .len()
        >= SERVER_CERTIFICATES_PER_ACCOUNT
    {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for ServerCertificatesPerAccount: {SERVER_CERTIFICATES_PER_ACCOUNT}"
        )));
    }
    let id = new_unique_id("ASCA").map_err(store_error)?;
    let sealed = call
        .env
        .master_key
        .seal(&seal_context(&id), key_text.as_bytes())
        .map_err(|_| internal_error())?;
    let certificate = StoredServerCertificate {
        name: input.server_certificate_name.clone(),
        path,
        id,
        upload_date: rampart_service::epoch_seconds(call.env.clock.now()),
        expiration: Some(expiration),
        body: input.certificate_body,
        chain: input.certificate_chain,
        private_key_sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
        tags: input.tags,
    };
    let batch = Batch::new().put_if(
        key,
        encode(&certificate).map_err(store_error)?,
        Expect::Absent,
    );
    call.env.store.commit(batch).map_err(|e| match e {
        StoreError::Conflict { .. } => exists(),
        e => store_error(e),
    })?;
    let mut out = json!({ "ServerCertificateMetadata": server_metadata(call, &certificate) });
    if !certificate.tags.is_empty() {
        out["Tags"] = json!(certificate.tags);
    }
    Ok(out)
}

fn get_server(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (c, _, _) = existing_server(call, &input)?;
    let mut certificate = json!({
        "ServerCertificateMetadata": server_metadata(call, &c),
        "CertificateBody": c.body,
    });
    if let Some(chain) = &c.chain {
        certificate["CertificateChain"] = json!(chain);
    }
    if !c.tags.is_empty() {
        certificate["Tags"] = json!(c.tags);
    }
    Ok(json!({ "ServerCertificate": certificate }))
}

fn list_server(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
    let certificates: Vec<StoredServerCertificate> = list(
        call.env.store.as_ref(),
        &call.principal.account,
        SERVER_CERTIFICATE_TABLE,
    )
    .map_err(store_error)?;
    let items = certificates
        .iter()
        .filter(|c| c.path.starts_with(&prefix))
        .map(|c| (c.name.to_lowercase(), server_metadata(call, c)))
        .collect();
    let mut output = Map::new();
    let listed = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("ServerCertificateMetadataList".into(), Value::Array(listed));
    Ok(Value::Object(output))
}

fn update_server(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut c, key, version) = existing_server(call, &input)?;
    if let Some(path) = input.get("NewPath").and_then(Value::as_str) {
        check_path(path, "newPath")?;
        c.path = path.to_owned();
    }
    let mut batch = Batch::new();
    let new_key = match input
        .get("NewServerCertificateName")
        .and_then(Value::as_str)
    {
        Some(new_name) => {
            check_name(new_name, "newServerCertificateName", 128)?;
            let new_key = server_key(call, new_name);
            if new_key != key
                && get_record::<StoredServerCertificate>(call.env.store.as_ref(), &new_key)
                    .map_err(store_error)?
                    .is_some()
            {
                return Err(already_exists(format!(
                    "The Server Certificate with name {new_name} already exists."
                )));
            }
            c.name = new_name.to_owned();
            new_key
        }
        None => key.clone(),
    };
    let value = encode(&c).map_err(store_error)?;
    batch = if new_key == key {
        batch.put_if(key, value, Expect::Version(version))
    } else {
        batch
            .delete_if(key, Expect::Version(version))
            .put_if(new_key, value, Expect::Absent)
    };
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn delete_server(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (_, key, version) = existing_server(call, &input)?;
    super::entity::delete_record(call, key, version)
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "UploadSigningCertificate", false, upload_signing);
    registry.register("iam", "ListSigningCertificates", true, list_signing);
    registry.register("iam", "UpdateSigningCertificate", false, update_signing);
    registry.register("iam", "DeleteSigningCertificate", false, delete_signing);
    registry.register("iam", "UploadServerCertificate", false, upload_server);
    registry.register("iam", "GetServerCertificate", true, get_server);
    registry.register("iam", "ListServerCertificates", true, list_server);
    registry.register("iam", "UpdateServerCertificate", false, update_server);
    registry.register("iam", "DeleteServerCertificate", false, delete_server);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A self-signed P-256 test certificate (made for these tests with openssl), valid until
    /// 2036-11-20T00:20:02Z.
    pub(crate) const CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----
MIIBhDCCASmgAwIBAgIUaCZ+vFlZA5QPlj/oVHYQBd+77uEwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMcmFtcGFydC10ZXN0MB4XDTI2MTEyMzAwMjAwMloXDTM2MTEy
MDAwMjAwMlowFzEVMBMGA1UEAwwMcmFtcGFydC10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEab1rNv9abIEtVmQ76oPNS14ggaYiBzpAtFnY5MlMSOqGzBrB
34DnQUZZma00W+hPH72/k2EVxFZGrpLZtGY7j6NTMFEwHQYDVR0OBBYEFDtZB6Lx
L4RL0ndlwm9QfZK8IMy8MB8GA1UdIwQYMBaAFDtZB6LxL4RL0ndlwm9QfZK8IMy8
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAM7Z5wNE1nYWqqhR
csF8EYaZEiTGvfHQSK57vFvc1Z7PAiEAmmpC8HYeMDuYKrfLsgn6uk/9z1ZgdoV4
s5I/9U1vDgo=
-----END CERTIFICATE-----
";

    #[test]
    fn expiry_comes_from_the_certificate() {
        assert_eq!(check_certificate(CERTIFICATE).unwrap(), 2_110_753_202.0);
        assert_eq!(
            check_certificate("not a certificate").unwrap_err().code,
            "MalformedCertificate"
        );
        let truncated = CERTIFICATE.replace("s5I/9U1vDgo=", "");
        assert!(check_certificate(&truncated).is_err());
    }

    #[test]
    fn der_times_read_both_forms() {
        assert_eq!(der_time(0x17, b"491231235959Z"), Some(2_524_607_999.0));
        assert_eq!(der_time(0x17, b"500101000000Z"), Some(-631_152_000.0));
        assert_eq!(der_time(0x18, b"20361120002002Z"), Some(2_110_753_202.0));
        assert_eq!(der_time(0x18, b"2036112000Z"), None);
    }
}
