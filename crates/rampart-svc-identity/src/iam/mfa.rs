//! Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
//! DeactivateMFADevice, DeleteVirtualMFADevice, GetMFADevice, ListMFADevices and
//! ListVirtualMFADevices, with real TOTP codes (RFC 6238: HMAC-SHA1, 30-second steps, six
//! digits). A device's seed is stored only sealed under the master key; it leaves rampart once,
//! in `CreateVirtualMFADevice`'s answer.

use super::entity::{existing, required};
use super::errors::{
    already_exists, delete_conflict, limit_exceeded, model_error, no_such_entity, store_error,
    validation,
};
use super::names::{check_name, check_path, max_items};
use super::paging::page;
use super::records::{StoredUser, Tag, encode, get_record, list};
use super::tags::{Tagged, check_tags};
use base64::Engine;
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, PrincipalKind, Registry, from_input, internal_error};
use rampart_store::{Batch, Expect, Key, space};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::time::UNIX_EPOCH;
use zeroize::Zeroizing;

/// The virtual MFA devices table, in the account's space, keyed by serial number.
pub(crate) const MFA_TABLE: &str = "iam.mfa";
/// AWS's quota of MFA devices assigned to one user.
const DEVICES_PER_USER: usize = 8;
/// How many 30-second steps back `EnableMFADevice` looks for the first of two codes.
const ENABLE_WINDOW: u64 = 10;
const STEP_SECONDS: u64 = 30;
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Who a device is assigned to. Two owners are the same when they are the same root user or
/// the same IAM user (by unique id: a renamed user keeps its devices, a re-created one does
/// not get them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub(crate) enum MfaOwner {
    /// The account's root user.
    Root,
    /// An IAM user, by name and unique id.
    User { name: String, user_id: String },
}

impl PartialEq for MfaOwner {
    fn eq(&self, other: &MfaOwner) -> bool {
        match (self, other) {
            (MfaOwner::Root, MfaOwner::Root) => true,
            (MfaOwner::User { user_id: a, .. }, MfaOwner::User { user_id: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Eq for MfaOwner {}

/// Adds to `batch` the rewrite of the devices of the user `user_id` under its new name.
pub(crate) fn rename_owner(
    env: &Env,
    account: &AccountId,
    mut batch: Batch,
    user_id: &str,
    new_name: &str,
) -> Result<Batch, AwsError> {
    let owner = MfaOwner::User {
        name: new_name.to_owned(),
        user_id: user_id.to_owned(),
    };
    for item in env
        .store
        .scan(
            &space::account(account),
            MFA_TABLE,
            &rampart_store::Scan::all(),
        )
        .map_err(store_error)?
    {
        let mut device: StoredMfa =
            serde_json::from_slice(&item.value).map_err(|_| internal_error())?;
        if device.owner.as_ref() == Some(&owner) {
            device.owner = Some(owner.clone());
            batch = batch.put_if(
                device_key(account, &device.serial_number),
                encode(&device).map_err(store_error)?,
                Expect::Version(item.version),
            );
        }
    }
    Ok(batch)
}

/// A virtual MFA device.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredMfa {
    /// Its ARN, `arn:<partition>:iam::<account>:mfa<path><name>`.
    pub serial_number: String,
    pub create_date: f64,
    /// The 20-byte TOTP seed, sealed under the master key (base64).
    seed_sealed: String,
    pub owner: Option<MfaOwner>,
    pub enable_date: Option<f64>,
    /// The last time step whose code was accepted: a code is good once.
    last_step: Option<u64>,
    pub tags: Vec<Tag>,
}

fn seal_context(serial: &str) -> Vec<u8> {
    format!("iam-mfa-seed:{serial}").into_bytes()
}

fn device_key(account: &AccountId, serial: &str) -> Key {
    Key::new(space::account(account), MFA_TABLE, serial.to_owned())
}

impl StoredMfa {
    /// The seed, opened.
    fn seed(&self, env: &Env) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(&self.seed_sealed)
            .map_err(|_| internal_error())?;
        env.master_key
            .open(&seal_context(&self.serial_number), &sealed)
            .map_err(|_| internal_error())
    }
}

/// The six-digit TOTP code of `seed` at time step `step` (RFC 4226 truncation).
fn code_at(seed: &[u8], step: u64) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, seed);
    let tag = aws_lc_rs::hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let bin = (u32::from(mac[offset] & 0x7f) << 24)
        | (u32::from(mac[offset + 1]) << 16)
        | (u32::from(mac[offset + 2]) << 8)
        | u32::from(mac[offset + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// Whether two codes are equal, in time independent of where they differ.
fn same_code(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The current 30-second time step.
fn current_step(env: &Env) -> u64 {
    env.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / STEP_SECONDS)
        .unwrap_or(0)
}

/// RFC 4648 base32 without padding.
fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn invalid_code(serial: &str) -> AwsError {
    model_error(
        "InvalidAuthenticationCodeException",
        format!("Authentication code for device {serial} is not valid."),
    )
}

/// Six digits.
fn check_code(code: &str, member: &str) -> Result<(), AwsError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]+"
        )));
    }
    Ok(())
}

/// The step at which `code1` and `code2` are two consecutive codes, looking back
/// `ENABLE_WINDOW` steps from now (and one ahead, for a clock slightly behind the device's).
fn consecutive_step(seed: &[u8], now: u64, code1: &str, code2: &str) -> Option<u64> {
    (now.saturating_sub(ENABLE_WINDOW)..=now + 1)
        .rev()
        .find(|&t| same_code(&code_at(seed, t), code1) && same_code(&code_at(seed, t + 1), code2))
        .map(|t| t + 1)
}

/// The device `serial`, its key and version.
fn existing_device(
    env: &Env,
    account: &AccountId,
    serial: &str,
) -> Result<(StoredMfa, Key, u64), AwsError> {
    let key = device_key(account, serial);
    let (device, version) = get_record(env.store.as_ref(), &key)
        .map_err(store_error)?
        .ok_or_else(|| {
            no_such_entity(format!(
                "VirtualMFADevice with serial number {serial} doesn't exist."
            ))
        })?;
    Ok((device, key, version))
}

/// The device `serial` of the caller's account enabled for `owner`, its key and version.
fn owned_device(
    call: &Call<'_>,
    owner: &MfaOwner,
    serial: &str,
) -> Result<(StoredMfa, Key, u64), AwsError> {
    let (device, key, version) = existing_device(call.env, &call.principal.account, serial)?;
    if device.owner.as_ref() != Some(owner) {
        return Err(not_enabled(serial));
    }
    Ok((device, key, version))
}

/// NoSuchEntity for a device that is not enabled (for the caller).
fn not_enabled(serial: &str) -> AwsError {
    no_such_entity(format!(
        "MFA Device with serial number {serial} does not exist."
    ))
}

/// A batch that writes `device` at `key` over its stored `version`.
fn device_write(key: Key, device: &StoredMfa, version: u64) -> Result<Batch, AwsError> {
    Ok(Batch::new().put_if(
        key,
        encode(device).map_err(store_error)?,
        Expect::Version(version),
    ))
}

/// Whether `code` is the current code of the enabled device `serial` of `account` (one step of
/// clock drift either way), and the first use of that code: the lead's `GetSessionToken` and
/// `AssumeRole` call it with the `SerialNumber` and `TokenCode` they were given. A code once
/// accepted is not accepted again. `Ok(false)` for a device that does not exist or is not
/// enabled.
pub(crate) fn verify_totp(
    env: &Env,
    account: &AccountId,
    serial_number: &str,
    code: &str,
) -> Result<bool, AwsError> {
    let Ok((mut device, key, version)) = existing_device(env, account, serial_number) else {
        return Ok(false);
    };
    if device.owner.is_none() || code.len() != 6 {
        return Ok(false);
    }
    let seed = device.seed(env)?;
    let now = current_step(env);
    let Some(step) =
        (now.saturating_sub(1)..=now + 1).find(|&t| same_code(&code_at(&seed, t), code))
    else {
        return Ok(false);
    };
    if device.last_step.is_some_and(|last| step <= last) {
        return Ok(false);
    }
    device.last_step = Some(step);
    env.store
        .commit(device_write(key, &device, version)?)
        .map_err(store_error)?;
    Ok(true)
}

/// Who the device `serial_number` of `account` is assigned to, if anyone: the caller of
/// `GetSessionToken` must be its owner.
pub(crate) fn mfa_device_owner(
    env: &Env,
    account: &AccountId,
    serial_number: &str,
) -> Result<Option<MfaOwner>, AwsError> {
    match existing_device(env, account, serial_number) {
        Ok((device, _, _)) => Ok(device.owner),
        Err(e) if e.code == "NoSuchEntity" => Ok(None),
        Err(e) => Err(e),
    }
}

impl Tagged for StoredMfa {
    const TITLE: &'static str = "MFADevice";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        let serial = required(input, "SerialNumber", "serialNumber")?;
        existing_device(call.env, &call.principal.account, serial)
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    path: Option<String>,
    #[serde(rename = "VirtualMFADeviceName")]
    name: String,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "ValidationError")?;
    check_name(&input.name, "virtualMFADeviceName", 226)?;
    let path = input.path.unwrap_or_else(|| "/".into());
    check_path(&path, "path")?;
    check_tags(&input.tags, "TagsPerMFADevice")?;
    let account = &call.principal.account;
    let serial = format!(
        "arn:{}:iam::{account}:mfa{path}{}",
        call.env.partition, input.name
    );
    let key = device_key(account, &serial);
    let exists = || already_exists("MFADevice entity at the same path and name already exists.");
    let taken = list::<StoredMfa>(call.env.store.as_ref(), account, MFA_TABLE)
        .map_err(store_error)?
        .into_iter()
        .any(|d| d.serial_number.eq_ignore_ascii_case(&serial));
    if taken {
        return Err(exists());
    }
    let seed: Zeroizing<[u8; 20]> =
        Zeroizing::new(rampart_crypto::random_bytes().ok_or_else(internal_error)?);
    let sealed = call
        .env
        .master_key
        .seal(&seal_context(&serial), &seed[..])
        .map_err(|_| internal_error())?;
    let device = StoredMfa {
        serial_number: serial.clone(),
        create_date: rampart_service::epoch_seconds(call.env.clock.now()),
        seed_sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
        owner: None,
        enable_date: None,
        last_step: None,
        tags: input.tags,
    };
    let batch = Batch::new().put_if(key, encode(&device).map_err(store_error)?, Expect::Absent);
    call.env.store.commit(batch).map_err(|e| match e {
        rampart_store::StoreError::Conflict { .. } => exists(),
        e => store_error(e),
    })?;
    // The seed is a blob: its value is the base32 text, base64-encoded on the wire.
    let text = Zeroizing::new(base32(&seed[..]));
    let mut out = json!({
        "SerialNumber": serial,
        "Base32StringSeed": base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
    });
    if !device.tags.is_empty() {
        out["Tags"] = json!(device.tags);
    }
    Ok(json!({ "VirtualMFADevice": out }))
}

/// The owner an operation's `UserName` names (else the caller: its user, or the root user).
fn owner_of(
    call: &Call<'_>,
    input: &Value,
) -> Result<(MfaOwner, Option<(StoredUser, u64)>), AwsError> {
    let name = match (
        input.get("UserName").and_then(Value::as_str),
        &call.principal.kind,
    ) {
        (Some(name), _) => name.to_owned(),
        (None, PrincipalKind::User { name, .. }) => name.clone(),
        (None, PrincipalKind::Root) => return Ok((MfaOwner::Root, None)),
        (None, _) => return Err(super::errors::session_needs_user_name()),
    };
    check_name(&name, "userName", 128)?;
    let (user, version) = existing::<StoredUser>(call, &name)?;
    let owner = MfaOwner::User {
        name: user.name.clone(),
        user_id: user.user_id.clone(),
    };
    Ok((owner, Some((user, version))))
}

/// The devices of `account` assigned to `owner`.
pub(crate) fn devices_of(
    env: &Env,
    account: &AccountId,
    owner: &MfaOwner,
) -> Result<Vec<StoredMfa>, AwsError> {
    let devices: Vec<StoredMfa> =
        list(env.store.as_ref(), account, MFA_TABLE).map_err(store_error)?;
    Ok(devices
        .into_iter()
        .filter(|d| d.owner.as_ref() == Some(owner))
        .collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodesInput {
    serial_number: String,
    authentication_code1: String,
    authentication_code2: String,
}

impl CodesInput {
    /// The input, once both codes have the form of a code.
    fn read(input: Value) -> Result<CodesInput, AwsError> {
        let input: CodesInput = from_input(input, "ValidationError")?;
        check_code(&input.authentication_code1, "authenticationCode1")?;
        check_code(&input.authentication_code2, "authenticationCode2")?;
        Ok(input)
    }

    /// The time step at which `device` showed the two codes one after the other, recently.
    fn step(&self, env: &Env, device: &StoredMfa) -> Result<u64, AwsError> {
        let seed = device.seed(env)?;
        consecutive_step(
            &seed,
            current_step(env),
            &self.authentication_code1,
            &self.authentication_code2,
        )
        .ok_or_else(|| invalid_code(&self.serial_number))
    }
}

fn enable(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (owner, user) = owner_of(call, &input)?;
    let input = CodesInput::read(input)?;
    let account = &call.principal.account;
    let (mut device, key, version) = existing_device(call.env, account, &input.serial_number)?;
    if device.owner.is_some() {
        return Err(already_exists("MFA Device is already in use."));
    }
    if devices_of(call.env, account, &owner)?.len() >= DEVICES_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for MFADevicesPerUser: {DEVICES_PER_USER}"
        )));
    }
    let step = input.step(call.env, &device)?;
    device.owner = Some(owner);
    device.enable_date = Some(rampart_service::epoch_seconds(call.env.clock.now()));
    device.last_step = Some(step);
    let mut batch = device_write(key, &device, version)?;
    if let Some((user, user_version)) = user {
        // Guards against the user being deleted meanwhile.
        batch = super::entity::put(batch, call, &user, user_version)?;
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn resync(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (owner, _) = owner_of(call, &input)?;
    let input = CodesInput::read(input)?;
    let (mut device, key, version) = owned_device(call, &owner, &input.serial_number)?;
    let step = input.step(call.env, &device)?;
    device.last_step = Some(step);
    call.env
        .store
        .commit(device_write(key, &device, version)?)
        .map_err(store_error)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SerialInput {
    serial_number: String,
}

fn deactivate(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (owner, _) = owner_of(call, &input)?;
    let input: SerialInput = from_input(input, "ValidationError")?;
    let (mut device, key, version) = owned_device(call, &owner, &input.serial_number)?;
    device.owner = None;
    device.enable_date = None;
    call.env
        .store
        .commit(device_write(key, &device, version)?)
        .map_err(store_error)?;
    Ok(json!({}))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SerialInput = from_input(input, "ValidationError")?;
    let (device, key, version) =
        existing_device(call.env, &call.principal.account, &input.serial_number)?;
    if device.owner.is_some() {
        return Err(delete_conflict(
            "MFA VirtualDevice in use. Must deactivate first.",
        ));
    }
    super::entity::delete_record(call, key, version)
}

/// The user name AWS shows for an owner.
fn owner_name(call: &Call<'_>, owner: &MfaOwner) -> String {
    match owner {
        MfaOwner::Root => call.principal.account.to_string(),
        MfaOwner::User { name, .. } => name.clone(),
    }
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SerialInput = from_input(input, "ValidationError")?;
    let (device, _, _) = existing_device(call.env, &call.principal.account, &input.serial_number)?;
    let Some(owner) = &device.owner else {
        return Err(not_enabled(&input.serial_number));
    };
    Ok(json!({
        "UserName": owner_name(call, owner),
        "SerialNumber": device.serial_number,
        "EnableDate": device.enable_date,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PageInput {
    assignment_status: Option<String>,
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_for_user(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (owner, _) = owner_of(call, &input)?;
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let name = owner_name(call, &owner);
    let items = devices_of(call.env, &call.principal.account, &owner)?
        .into_iter()
        .map(|d| {
            let v = json!({
                "UserName": name,
                "SerialNumber": d.serial_number,
                "EnableDate": d.enable_date,
            });
            (d.serial_number, v)
        })
        .collect();
    let mut output = Map::new();
    let devices = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("MFADevices".into(), Value::Array(devices));
    Ok(Value::Object(output))
}

fn list_virtual(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let status = input.assignment_status.as_deref().unwrap_or("Any");
    if !matches!(status, "Assigned" | "Unassigned" | "Any") {
        return Err(validation(format!(
            "1 validation error detected: Value '{status}' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Assigned, Unassigned, Any]"
        )));
    }
    let devices: Vec<StoredMfa> =
        list(call.env.store.as_ref(), &call.principal.account, MFA_TABLE).map_err(store_error)?;
    let mut items = Vec::new();
    for d in devices {
        let assigned = d.owner.is_some();
        if (status == "Assigned" && !assigned) || (status == "Unassigned" && assigned) {
            continue;
        }
        let mut v = json!({ "SerialNumber": d.serial_number });
        if let Some(owner) = &d.owner {
            v["EnableDate"] = json!(d.enable_date);
            v["User"] = match owner {
                MfaOwner::Root => json!({
                    "Path": "/",
                    "UserName": call.principal.account.to_string(),
                    "UserId": call.principal.account.to_string(),
                    "Arn": format!("arn:{}:iam::{}:root", call.env.partition, call.principal.account),
                    "CreateDate": 0.0,
                }),
                MfaOwner::User { name, .. } => match super::records::get_user(
                    call.env.store.as_ref(),
                    &call.principal.account,
                    name,
                )
                .map_err(store_error)?
                {
                    Some((user, _)) => super::users::user_output(call, &user),
                    None => json!({ "UserName": name }),
                },
            };
        }
        if !d.tags.is_empty() {
            v["Tags"] = json!(d.tags);
        }
        items.push((d.serial_number, v));
    }
    let mut output = Map::new();
    let devices = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("VirtualMFADevices".into(), Value::Array(devices));
    Ok(Value::Object(output))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateVirtualMFADevice", false, create);
    registry.register("iam", "EnableMFADevice", false, enable);
    registry.register("iam", "ResyncMFADevice", false, resync);
    registry.register("iam", "DeactivateMFADevice", false, deactivate);
    registry.register("iam", "DeleteVirtualMFADevice", false, delete);
    registry.register("iam", "GetMFADevice", true, get);
    registry.register("iam", "ListMFADevices", true, list_for_user);
    registry.register("iam", "ListVirtualMFADevices", true, list_virtual);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The code a device with `seed_base32` shows at `unix_seconds` (what a test's
    /// authenticator app computes).
    pub(crate) fn code_for(seed_base32: &str, unix_seconds: u64) -> String {
        let mut bytes = Vec::new();
        let (mut buffer, mut bits) = (0u32, 0u32);
        for c in seed_base32.bytes() {
            let v = BASE32.iter().position(|&b| b == c).unwrap() as u32;
            buffer = (buffer << 5) | v;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push((buffer >> bits) as u8);
            }
        }
        code_at(&bytes, unix_seconds / STEP_SECONDS)
    }

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1 seed "12345678901234567890": 94287082 at T=59 (eight
        // digits), so 287082 with six; 07081804 at T=1111111109.
        let seed = b"12345678901234567890";
        assert_eq!(code_at(seed, 59 / 30), "287082");
        assert_eq!(code_at(seed, 1_111_111_109 / 30), "081804");
        assert_eq!(code_for(&base32(seed), 59), "287082");
    }

    #[test]
    fn base32_is_rfc_4648_without_padding() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(&[0u8; 20]).len(), 32);
    }

    #[test]
    fn two_consecutive_codes_are_found_in_the_window() {
        let seed = b"12345678901234567890";
        let now = 1_000_000;
        let (c1, c2) = (code_at(seed, now - 3), code_at(seed, now - 2));
        assert_eq!(consecutive_step(seed, now, &c1, &c2), Some(now - 2));
        assert_eq!(consecutive_step(seed, now, &c2, &c1), None);
        let (old1, old2) = (code_at(seed, now - 20), code_at(seed, now - 19));
        assert_eq!(consecutive_step(seed, now, &old1, &old2), None);
    }
}
