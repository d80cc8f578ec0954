//! Temporary credentials: `ASIA` access keys with a session token.
//!
//! The token carries everything the session is (who, until when, with which session policies
//! and tags) sealed under the master key with a context of its own, so any node that holds the
//! master key can authenticate it without a store read, and nobody can forge or alter one. The
//! access key id encodes the account (as AWS's do, which `GetAccessKeyInfo` decodes), and the
//! token names the key id it was minted with, so a token cannot be used with another key.

use crate::access_keys::{Credential, mint_secret_access_key};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::random_bytes;
use rampart_service::{Env, Principal, PrincipalKind, Session};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::UNIX_EPOCH;
use zeroize::Zeroizing;

/// Binds sealed tokens to their purpose.
const TOKEN_CONTEXT: &[u8] = b"rampart/sts/session-token/v1";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// What a session token holds, sealed.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sealed {
    access_key_id: String,
    secret: String,
    account: AccountId,
    kind: PrincipalKind,
    principal_id: String,
    session: Session,
}

/// Freshly minted temporary credentials, shown to their caller once.
pub(crate) struct Minted {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: String,
}

/// Why a session token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// It is not a token rampart minted for this key (or the key is not a session key).
    Invalid,
    /// It was valid and has expired.
    Expired,
}

/// Mints credentials for a session of `kind` in `account`.
pub(crate) fn mint(
    env: &Env,
    account: &AccountId,
    kind: PrincipalKind,
    principal_id: String,
    session: Session,
) -> Option<Minted> {
    let access_key_id = mint_key_id("ASIA", account)?;
    let secret_access_key = mint_secret_access_key()?;
    let sealed = Sealed {
        access_key_id: access_key_id.clone(),
        secret: secret_access_key.to_string(),
        account: account.clone(),
        kind,
        principal_id,
        session,
    };
    let plain = Zeroizing::new(serde_json::to_vec(&sealed).ok()?);
    let blob = env.master_key.seal(TOKEN_CONTEXT, &plain).ok()?;
    Some(Minted {
        access_key_id,
        secret_access_key,
        session_token: B64.encode(blob),
    })
}

/// The credential behind session key `access_key_id` with `token`, if the token is one rampart
/// minted for that key and it has not expired.
pub fn resolve_session(
    env: &Env,
    access_key_id: &str,
    token: &str,
) -> Result<Credential, SessionError> {
    let blob = B64.decode(token).map_err(|_| SessionError::Invalid)?;
    let plain = env
        .master_key
        .open(TOKEN_CONTEXT, &blob)
        .map_err(|_| SessionError::Invalid)?;
    let sealed: Sealed = serde_json::from_slice(&plain).map_err(|_| SessionError::Invalid)?;
    if sealed.access_key_id != access_key_id {
        return Err(SessionError::Invalid);
    }
    let now = env
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    if now >= sealed.session.expires_at {
        return Err(SessionError::Expired);
    }
    Ok(Credential {
        secret: Zeroizing::new(sealed.secret),
        principal: Principal {
            account: sealed.account,
            partition: env.partition,
            kind: sealed.kind,
            principal_id: sealed.principal_id,
            access_key_id: access_key_id.to_owned(),
            session: Some(Arc::new(sealed.session)),
        },
    })
}

/// Whether `principal`'s credentials may call `service`'s `operation` at all. AWS limits two
/// kinds of session: `GetSessionToken` sessions call no IAM operation unless MFA was proven and
/// no STS operation but `AssumeRole` and `GetCallerIdentity`; `GetFederationToken` sessions call
/// no IAM operation and no STS operation but `GetCallerIdentity`. (The session operations
/// themselves are let through so that they can refuse with their own message.) `AssumeRoot`
/// sessions call what their task policy allows, and of STS only `GetCallerIdentity`.
pub fn session_admits(principal: &Principal, service: &str, operation: &str) -> bool {
    let Some(session) = principal.session.as_deref() else {
        return true;
    };
    let own_refusal = matches!(operation, "GetSessionToken" | "GetFederationToken");
    if is_root_task_session(principal) {
        // An AssumeRoot session: its task policy decides (see the enforcer); of STS it calls
        // only GetCallerIdentity.
        return service != "sts" || operation == "GetCallerIdentity";
    }
    match (&principal.kind, service) {
        (PrincipalKind::Root | PrincipalKind::User { .. }, "iam") => {
            session.mfa_authenticated_at.is_some()
        }
        (PrincipalKind::Root | PrincipalKind::User { .. }, "sts") => {
            own_refusal || matches!(operation, "AssumeRole" | "GetCallerIdentity")
        }
        (PrincipalKind::FederatedUser { .. }, "iam") => false,
        (PrincipalKind::FederatedUser { .. }, "sts") => {
            own_refusal || operation == "GetCallerIdentity"
        }
        _ => true,
    }
}

/// Whether `principal` holds an `AssumeRoot` session: a root user's temporary credentials scoped
/// by a task policy (GetSessionToken sessions of a root user carry no session policy).
pub fn is_root_task_session(principal: &Principal) -> bool {
    principal.kind == PrincipalKind::Root
        && principal
            .session
            .as_deref()
            .is_some_and(|s| !s.policy_arns.is_empty())
}

/// An access key id of `prefix` and 16 base32 characters that encode `account` the way AWS's
/// do: the first 48 bits hold the account id shifted left by 7, the rest is random.
pub(crate) fn mint_key_id(prefix: &str, account: &AccountId) -> Option<String> {
    let number: u64 = account.as_str().parse().ok()?;
    let noise = random_bytes::<5>()?;
    let head = (number << 7) | u64::from(noise[0] & 0x7f);
    let mut bytes = [0u8; 10];
    bytes[..6].copy_from_slice(&head.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&noise[1..]);
    let bits = u128::from_be_bytes({
        let mut wide = [0u8; 16];
        wide[6..].copy_from_slice(&bytes);
        wide
    });
    let text: String = (0..16)
        .rev()
        .map(|i| char::from(BASE32[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    Some(format!("{prefix}{text}"))
}

/// The account an access key id encodes (AWS's scheme; see [`mint_key_id`]).
pub(crate) fn account_of_key_id(access_key_id: &str) -> Option<String> {
    let body = access_key_id.get(4..)?;
    if body.len() != 16 {
        return None;
    }
    let mut bits: u128 = 0;
    for c in body.bytes() {
        let value = BASE32.iter().position(|&b| b == c)?;
        bits = (bits << 5) | value as u128;
    }
    let head = (bits >> 32) as u64;
    Some(format!("{:012}", (head & 0x7fff_ffff_ff80) >> 7))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_service::testkit::World;
    use std::time::Duration;

    fn session(world: &World, lifetime: i64) -> Session {
        let now = world.env.clock.now().duration_since(UNIX_EPOCH).unwrap();
        let issued_at = now.as_secs() as i64;
        Session {
            issued_at,
            expires_at: issued_at + lifetime,
            ..Session::default()
        }
    }

    /// A 900-second role session minted for account 123456789012.
    fn mint_role_session(world: &World, principal_id: &str) -> Minted {
        let account: AccountId = "123456789012".parse().unwrap();
        mint(
            &world.env,
            &account,
            role_kind(),
            principal_id.into(),
            session(world, 900),
        )
        .unwrap()
    }

    fn role_kind() -> PrincipalKind {
        PrincipalKind::AssumedRole {
            role_name: "deploy".into(),
            role_path: "/".into(),
            session_name: "ci".into(),
        }
    }

    #[test]
    fn key_ids_encode_their_account_as_aws_does() {
        let account: AccountId = "123456789012".parse().unwrap();
        for _ in 0..100 {
            let id = mint_key_id("ASIA", &account).unwrap();
            assert_eq!(id.len(), 20);
            assert!(id.starts_with("ASIA"));
            assert_eq!(account_of_key_id(&id).as_deref(), Some("123456789012"));
        }
        // A session key id from a public write-up of the scheme decodes to the account it named.
        assert_eq!(
            account_of_key_id("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
    }

    #[test]
    fn a_token_authenticates_its_key_until_it_expires() {
        let world = World::new(|_| {});
        let minted = mint_role_session(&world, "AROAEXAMPLE");
        let credential =
            resolve_session(&world.env, &minted.access_key_id, &minted.session_token).unwrap();
        assert_eq!(*credential.secret, *minted.secret_access_key);
        assert_eq!(credential.principal.kind, role_kind());
        assert_eq!(credential.principal.access_key_id, minted.access_key_id);
        assert!(
            !minted
                .session_token
                .contains(minted.secret_access_key.as_str())
        );

        world.clock.advance(Duration::from_secs(900));
        assert_eq!(
            resolve_session(&world.env, &minted.access_key_id, &minted.session_token).err(),
            Some(SessionError::Expired)
        );
    }

    #[test]
    fn a_token_is_bound_to_its_key_and_cannot_be_altered() {
        let world = World::new(|_| {});
        let a = mint_role_session(&world, "AROA1");
        let b = mint_role_session(&world, "AROA1");
        let invalid = Some(SessionError::Invalid);
        assert_eq!(
            resolve_session(&world.env, &a.access_key_id, &b.session_token).err(),
            invalid
        );
        let mut bytes = B64.decode(&a.session_token).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = B64.encode(bytes);
        assert_eq!(
            resolve_session(&world.env, &a.access_key_id, &tampered).err(),
            invalid
        );
        assert_eq!(
            resolve_session(&world.env, &a.access_key_id, "garbage").err(),
            invalid
        );
        // Another master key (another rampart) does not accept it.
        let other = World::new(|_| {});
        assert_eq!(
            resolve_session(&other.env, &a.access_key_id, &a.session_token).err(),
            invalid
        );
    }
}
