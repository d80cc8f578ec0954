//! Identity services: who may call rampart, and who they are.
//!
//! Today this is the organization's bootstrap (the management account and its root access key),
//! the access-key table the pipeline authenticates against, IAM users with their access keys,
//! inline and managed policies ([`governing`] gives the pipeline a user's compiled
//! policies), and STS `GetCallerIdentity`. Roles, groups, sessions and Organizations grow here.
//! Secret access keys are stored only sealed under the master key, and never appear in a log, an
//! error or a response after their creation (`CreateAccessKey`'s answer).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod access_keys;
mod enforce;
mod governing;
mod iam;
#[cfg(test)]
mod model_coverage;
mod organization;
mod organizations;
mod outbound;
mod sessions;
mod sts;

pub use access_keys::{
    AccessKeyOwner, Credential, CredentialCache, mint_access_key_id, mint_secret_access_key,
    resolve_access_key, store_access_key,
};
pub use enforce::Enforcer;
pub use governing::{Governing, governing};
pub use iam::import_access_key;
pub use organization::{Bootstrap, RootKey, bootstrap, management_account};
pub use organizations::{Standing, standing};
pub use outbound::{outbound_discovery, outbound_jwks, set_outbound_issuer_base};
pub use sessions::{SessionError, resolve_session, session_admits};

/// Registers this crate's operations.
pub fn register(registry: &mut rampart_service::Registry) {
    sts::register(registry);
    iam::register(registry);
    organizations::register(registry);
}
