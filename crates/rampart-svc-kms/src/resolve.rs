//! Finding the key a request's `KeyId` names: a key id, a key ARN, an alias name or an alias ARN.

use crate::aliases;
use crate::errors;
use crate::key;
use rampart_protocol::AwsError;
use rampart_service::Call;
use rampart_types::AccountId;

/// Which `KeyId` forms an operation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// Key id, key ARN, alias name or alias ARN (DescribeKey, Encrypt, ...).
    KeysAndAliases,
    /// Key id or key ARN only (EnableKey, TagResource, ...).
    KeysOnly,
    /// As [`Accept::KeysAndAliases`], and also the key ARN or alias ARN of a key in another
    /// account (the operations AWS allows across accounts: Encrypt, Decrypt, DescribeKey, ...).
    AcrossAccounts,
    /// As [`Accept::KeysOnly`], and also the key ARN of a key in another account
    /// (GetKeyRotationStatus, ListGrants).
    KeysAcrossAccounts,
}

impl Accept {
    fn across_accounts(self) -> bool {
        matches!(self, Accept::AcrossAccounts | Accept::KeysAcrossAccounts)
    }

    fn aliases(self) -> bool {
        matches!(self, Accept::KeysAndAliases | Accept::AcrossAccounts)
    }
}

/// The ARN of key `key_id` in the caller's account and region.
pub(crate) fn key_arn(call: &Call<'_>, key_id: &str) -> String {
    format!(
        "arn:{}:kms:{}:{}:key/{key_id}",
        call.env.partition, call.region, call.principal.account
    )
}

/// The ARN of alias `name` (`alias/...`) in the caller's account and region.
pub(crate) fn alias_arn(call: &Call<'_>, name: &str) -> String {
    format!(
        "arn:{}:kms:{}:{}:{name}",
        call.env.partition, call.region, call.principal.account
    )
}

/// What a `KeyId` names, before any lookup.
#[derive(Debug, PartialEq, Eq)]
enum Named {
    Key(String),
    Alias(String),
}

/// Parses a `KeyId` in the caller's region, with the account it names (the caller's unless an
/// ARN names another and `across` allows it); `None` for anything else (another region,
/// another service, a malformed id).
fn parse(call: &Call<'_>, key_id: &str, across: bool) -> Option<(AccountId, Named)> {
    let own = || call.principal.account.clone();
    if let Some(rest) = key_id.strip_prefix("arn:") {
        let mut parts = rest.splitn(5, ':');
        let (partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if partition != call.env.partition.as_str()
            || service != "kms"
            || region != call.region.as_str()
            || (account != call.principal.account.as_str() && !across)
        {
            return None;
        }
        return Some((account.parse().ok()?, parse_resource(resource)?));
    }
    if key_id.starts_with("alias/") {
        return Some((own(), Named::Alias(key_id.to_owned())));
    }
    key::id_bytes(key_id).map(|_| (own(), Named::Key(key_id.to_owned())))
}

fn parse_resource(resource: &str) -> Option<Named> {
    if let Some(id) = resource.strip_prefix("key/") {
        return key::id_bytes(id).map(|_| Named::Key(id.to_owned()));
    }
    resource
        .starts_with("alias/")
        .then(|| Named::Alias(resource.to_owned()))
}

/// The key `key_id` names, with its store version.
pub(crate) fn resolve(
    call: &Call<'_>,
    key_id: &str,
    accept: Accept,
) -> Result<key::Loaded, AwsError> {
    let (account, target) = match parse(call, key_id, accept.across_accounts()) {
        Some((account, Named::Key(id))) => (account, id),
        Some((account, Named::Alias(name))) if accept.aliases() => {
            let target = aliases::target_in(call, &account, &name)?.ok_or_else(|| {
                errors::not_found(format!("Alias {} is not found.", alias_arn(call, &name)))
            })?;
            (account, target)
        }
        _ => return Err(errors::not_found(format!("Invalid keyId '{key_id}'"))),
    };
    key::load_in(call, &account, &target)?.ok_or_else(|| key_not_found(call, &target))
}

/// AWS's message for a key that does not exist.
pub(crate) fn key_not_found(call: &Call<'_>, key_id: &str) -> AwsError {
    errors::not_found(format!("Key '{}' does not exist", key_arn(call, key_id)))
}
