//! Identity services: who may call rampart, who they are, and what they may do.
//!
//! IAM (users, groups, roles, policies, credentials, providers, reports, the simulator), STS
//! (every way to temporary credentials, and rampart as an OpenID Connect issuer) and
//! Organizations (structure, SCPs and RCPs, delegation, centralized root access), plus what
//! the pipeline needs on every request: the access-key table and session tokens it
//! authenticates against, and the [`Enforcer`] that decides each access over everything that
//! governs the caller. Secret access keys and signing keys are stored only sealed under the
//! master key, and never appear in a log, an error or a response after their creation.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod access_keys;
mod der;
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
pub use iam::{IamServerCertificates, import_access_key};
pub use organization::{Bootstrap, RootKey, bootstrap, management_account};
pub use organizations::{Standing, standing};
pub use outbound::outbound_issuer_document;
pub use sessions::{SessionError, is_root_task_session, resolve_session, session_admits};

/// Registers this crate's operations.
pub fn register(registry: &mut rampart_service::Registry) {
    sts::register(registry);
    iam::register(registry);
    organizations::register(registry);
}
