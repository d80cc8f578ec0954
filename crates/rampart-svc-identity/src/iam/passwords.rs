//! Passwords: the account password policy (Update/Get/DeleteAccountPasswordPolicy), the rules
//! it puts on new passwords, and how passwords are kept: only as salted PBKDF2-HMAC-SHA512
//! hashes, never in a log, an error or Debug output.

use super::errors::{model_error, no_such_entity, store_error, validation};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key, space};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::num::NonZeroU32;

/// Account-wide IAM settings (password policy, alias), in the account's space.
pub(crate) const ACCOUNT_TABLE: &str = "iam.account";
const POLICY_KEY: &str = "password-policy";
/// PBKDF2 rounds for new hashes (each hash records its own, so this can rise).
const ITERATIONS: u32 = 210_000;
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 64;
/// The characters AWS counts as symbols.
const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// The account password policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PasswordPolicy {
    pub minimum_password_length: u32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hard_expiry: Option<bool>,
}

/// A password as a request carries it: wiped from memory when dropped, never shown.
pub(crate) struct Secret(zeroize::Zeroizing<String>);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(zeroize::Zeroizing::new(s)))
    }
}

impl std::ops::Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A salted password hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasswordHash {
    iterations: u32,
    salt: String,
    hash: String,
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl PasswordHash {
    /// A fresh salted hash of `password`.
    pub(crate) fn new(password: &str) -> Result<PasswordHash, AwsError> {
        use base64::Engine;
        let salt: [u8; SALT_LEN] =
            rampart_crypto::random_bytes().ok_or_else(rampart_service::internal_error)?;
        let mut out = zeroize::Zeroizing::new([0u8; HASH_LEN]);
        let rounds = NonZeroU32::new(ITERATIONS).ok_or_else(rampart_service::internal_error)?;
        aws_lc_rs::pbkdf2::derive(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA512,
            rounds,
            &salt,
            password.as_bytes(),
            &mut out[..],
        );
        Ok(PasswordHash {
            iterations: ITERATIONS,
            salt: b64().encode(salt),
            hash: b64().encode(&out[..]),
        })
    }

    /// Whether `password` is the one hashed (compared in constant time).
    pub(crate) fn matches(&self, password: &str) -> bool {
        use base64::Engine;
        let (Ok(salt), Ok(hash), Some(rounds)) = (
            b64().decode(&self.salt),
            b64().decode(&self.hash),
            NonZeroU32::new(self.iterations),
        ) else {
            return false;
        };
        aws_lc_rs::pbkdf2::verify(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA512,
            rounds,
            &salt,
            password.as_bytes(),
            &hash,
        )
        .is_ok()
    }
}

/// `PasswordPolicyViolation` (400).
fn violation(message: impl Into<String>) -> AwsError {
    model_error("PasswordPolicyViolationException", message.into())
}

/// Whether `password` satisfies the account's policy, or without one AWS's default: at least
/// eight characters of at least three kinds (upper case, lower case, digits, symbols). A
/// password may never be the user's name.
pub(crate) fn check_password(
    policy: Option<&PasswordPolicy>,
    password: &str,
    user_name: &str,
) -> Result<(), AwsError> {
    let len = password.chars().count();
    if len > 128 || !password.chars().all(|c| (' '..='\u{ff}').contains(&c)) {
        return Err(violation(
            "Password should contain only printable Latin-1 characters, at most 128.",
        ));
    }
    if password.eq_ignore_ascii_case(user_name) {
        return Err(violation(
            "Password should not be the same as the user name",
        ));
    }
    let upper = password.chars().any(|c| c.is_ascii_uppercase());
    let lower = password.chars().any(|c| c.is_ascii_lowercase());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let symbol = password.chars().any(|c| SYMBOLS.contains(c));
    let Some(policy) = policy else {
        if len < 8 {
            return Err(violation("Password should have a minimum length of 8"));
        }
        if [upper, lower, digit, symbol].iter().filter(|k| **k).count() < 3 {
            return Err(violation(
                "Password should have at least three of: uppercase letters, lowercase letters, numbers and symbols",
            ));
        }
        return Ok(());
    };
    let minimum = policy.minimum_password_length as usize;
    if len < minimum {
        return Err(violation(format!(
            "Password should have a minimum length of {minimum}"
        )));
    }
    let rules = [
        (policy.require_symbols, symbol, "one symbol"),
        (policy.require_numbers, digit, "one number"),
        (
            policy.require_uppercase_characters,
            upper,
            "one uppercase letter",
        ),
        (
            policy.require_lowercase_characters,
            lower,
            "one lowercase letter",
        ),
    ];
    for (required, present, what) in rules {
        if required && !present {
            return Err(violation(format!("Password should have at least {what}")));
        }
    }
    Ok(())
}

fn policy_key(account: &AccountId) -> Key {
    Key::new(
        space::account(account),
        ACCOUNT_TABLE,
        POLICY_KEY.to_owned(),
    )
}

/// The account's password policy, if it set one, and its record's version.
pub(crate) fn password_policy(call: &Call<'_>) -> Result<Option<(PasswordPolicy, u64)>, AwsError> {
    super::records::get_record(
        call.env.store.as_ref(),
        &policy_key(&call.principal.account),
    )
    .map_err(store_error)
}

fn no_policy(call: &Call<'_>) -> AwsError {
    no_such_entity(format!(
        "The Password Policy with domain name {} cannot be found.",
        call.principal.account
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    minimum_password_length: Option<i64>,
    require_symbols: Option<bool>,
    require_numbers: Option<bool>,
    require_uppercase_characters: Option<bool>,
    require_lowercase_characters: Option<bool>,
    allow_users_to_change_password: Option<bool>,
    max_password_age: Option<i64>,
    password_reuse_prevention: Option<i64>,
    hard_expiry: Option<bool>,
}

/// A number within the model's range, or its `ValidationError`.
fn in_range(value: i64, member: &str, min: i64, max: i64) -> Result<u32, AwsError> {
    let fault = |rule: String| {
        validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
        ))
    };
    if value < min {
        return Err(fault(format!(
            "Member must have value greater than or equal to {min}"
        )));
    }
    if value > max {
        return Err(fault(format!(
            "Member must have value less than or equal to {max}"
        )));
    }
    u32::try_from(value).map_err(|_| rampart_service::internal_error())
}

/// Sets the whole policy: members left out take AWS's defaults (not their previous values).
fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UpdateInput = from_input(input, "ValidationError")?;
    let policy = PasswordPolicy {
        minimum_password_length: in_range(
            input.minimum_password_length.unwrap_or(6),
            "minimumPasswordLength",
            6,
            128,
        )?,
        require_symbols: input.require_symbols.unwrap_or(false),
        require_numbers: input.require_numbers.unwrap_or(false),
        require_uppercase_characters: input.require_uppercase_characters.unwrap_or(false),
        require_lowercase_characters: input.require_lowercase_characters.unwrap_or(false),
        allow_users_to_change_password: input.allow_users_to_change_password.unwrap_or(false),
        max_password_age: input
            .max_password_age
            .map(|v| in_range(v, "maxPasswordAge", 1, 1095))
            .transpose()?,
        password_reuse_prevention: input
            .password_reuse_prevention
            .map(|v| in_range(v, "passwordReusePrevention", 1, 24))
            .transpose()?,
        hard_expiry: input.hard_expiry,
    };
    let value = serde_json::to_vec(&policy).map_err(|_| rampart_service::internal_error())?;
    let key = policy_key(&call.principal.account);
    let expect = match password_policy(call)? {
        Some((_, version)) => Expect::Version(version),
        None => Expect::Absent,
    };
    call.env
        .store
        .commit(Batch::new().put_if(key, value, expect))
        .map_err(store_error)?;
    Ok(json!({}))
}

fn get(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let (policy, _) = password_policy(call)?.ok_or_else(|| no_policy(call))?;
    let mut out = serde_json::to_value(&policy).map_err(|_| rampart_service::internal_error())?;
    out["ExpirePasswords"] = json!(policy.max_password_age.is_some());
    Ok(json!({ "PasswordPolicy": out }))
}

fn delete(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let (_, version) = password_policy(call)?.ok_or_else(|| no_policy(call))?;
    call.env
        .store
        .commit(Batch::new().delete_if(
            policy_key(&call.principal.account),
            Expect::Version(version),
        ))
        .map_err(store_error)?;
    Ok(json!({}))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "UpdateAccountPasswordPolicy", false, update);
    registry.register("iam", "GetAccountPasswordPolicy", true, get);
    registry.register("iam", "DeleteAccountPasswordPolicy", false, delete);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password_and_hide_in_debug() {
        let hash = PasswordHash::new("Correct-Horse-9").unwrap();
        assert!(hash.matches("Correct-Horse-9"));
        assert!(!hash.matches("correct-horse-9"));
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
        assert_ne!(hash, PasswordHash::new("Correct-Horse-9").unwrap());
    }

    #[test]
    fn the_default_rules_want_eight_characters_of_three_kinds() {
        assert!(check_password(None, "Abcdefg1", "u").is_ok());
        let e = check_password(None, "Abcde1", "u").unwrap_err();
        assert_eq!((&*e.code, e.status), ("PasswordPolicyViolation", 400));
        assert!(check_password(None, "abcdefgh1", "u").is_err());
        assert!(check_password(None, "Alice123!", "alice123!").is_err());
    }

    #[test]
    fn a_policy_sets_its_own_rules() {
        let policy = PasswordPolicy {
            minimum_password_length: 12,
            require_symbols: true,
            require_numbers: false,
            require_uppercase_characters: false,
            require_lowercase_characters: true,
            allow_users_to_change_password: true,
            max_password_age: None,
            password_reuse_prevention: None,
            hard_expiry: None,
        };
        assert!(check_password(Some(&policy), "aaaaaaaaaaa!", "u").is_ok());
        assert_eq!(
            check_password(Some(&policy), "aaaaaaaaaaaa", "u")
                .unwrap_err()
                .message,
            "Password should have at least one symbol"
        );
        assert_eq!(
            check_password(Some(&policy), "aaaa!", "u")
                .unwrap_err()
                .message,
            "Password should have a minimum length of 12"
        );
    }
}
