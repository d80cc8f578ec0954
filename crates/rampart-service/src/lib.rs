//! The contract between rampart's request pipeline and its services.
//!
//! A service registers its operations in a [`Registry`]; the pipeline authenticates the caller,
//! builds a [`Call`] and invokes the operation's handler with the decoded input in the canonical
//! JSON form of `rampart-protocol`. Services never see HTTP, and the pipeline never sees a
//! service's internals. This crate holds no state of its own and performs no I/O.

mod access;
mod call;
mod certificates;
mod duty;
mod events;
mod inventory;
mod keys;
mod outbound;
mod principal;
pub mod records;
mod registry;
mod secrets;
#[cfg(feature = "testkit")]
pub mod testkit;
mod values;

pub use access::{Access, Authorize, no_rule};
pub use call::{Call, Env, Guard, ServiceAuthority};
pub use certificates::{NoServerCertificates, ServerCertificate, ServerCertificates};
pub use duty::Duty;
pub use events::{AwsEvent, EventBus, NoEvents};
pub use inventory::{LOAD_BALANCER_TYPE, NoInventory, Resource, ResourceInventory};
pub use keys::{DataKey, EncryptionContext, KeyService, NoKeys, OnBehalf};
pub use outbound::{Answer, NoOutbound, Outbound, Post, TlsTrust};
pub use principal::{Principal, PrincipalKind, Session};
pub use registry::{Handler, OperationEntry, Registry};
pub use secrets::{NoSecrets, SecretReader, SecretReading, SecretVersion};
pub use values::{epoch_seconds, from_input, internal_error, store_unavailable, to_output};
