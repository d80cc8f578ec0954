//! What a handler knows about the request it serves and the world it runs in.

use crate::{Access, EventBus, KeyService, Outbound, Principal};
use rampart_crypto::MasterKey;
use rampart_protocol::AwsError;
use rampart_store::Store;
use rampart_types::{AccountId, Clock, Partition, Region};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// The shared environment every handler runs in: storage, time and the root of trust.
#[derive(Clone)]
pub struct Env {
    /// The durable store.
    pub store: Arc<dyn Store>,
    /// The one clock every time-based behaviour reads.
    pub clock: Arc<dyn Clock>,
    /// The key that seals secrets at rest.
    pub master_key: Arc<MasterKey>,
    /// The partition every ARN is minted in.
    pub partition: Partition,
    /// The organization's management account.
    pub management_account: AccountId,
    /// Outbound HTTP(S).
    pub outbound: Arc<dyn Outbound>,
    /// KMS, for services that encrypt their data at rest with KMS keys.
    pub keys: Arc<dyn KeyService>,
    /// EventBridge, for services that emit events.
    pub events: Arc<dyn EventBus>,
    /// Secrets Manager, for services that read secrets for their callers.
    pub secrets: Arc<dyn crate::SecretReader>,
    /// The resources other services own (ELBv2's load balancers), for Firewall Manager.
    pub inventory: Arc<dyn crate::ResourceInventory>,
    /// The server's data directory: a service that keeps files (EventBridge's log-group
    /// targets) keeps them in a folder of its own under it.
    pub data_dir: PathBuf,
    /// The URL clients reach this server at, without a trailing slash, for what the server
    /// publishes (the OpenID Connect documents of outbound web identity issuers).
    pub public_url: String,
    /// Server certificates by ARN (IAM's), for services that serve TLS with them (ELBv2's
    /// HTTPS listeners).
    pub certificates: Arc<dyn crate::ServerCertificates>,
}

/// One authenticated request, as a handler sees it.
pub struct Call<'a> {
    /// The request id echoed in `x-amzn-RequestId`.
    pub request_id: &'a str,
    /// Who is calling.
    pub principal: &'a Principal,
    /// The region from the request's SigV4 scope.
    pub region: &'a Region,
    /// The caller's address.
    pub source_ip: IpAddr,
    /// The caller's `User-Agent`.
    pub user_agent: &'a str,
    /// The shared environment.
    pub env: &'a Env,
    /// Decides accesses the handler needs beyond those its authorization table named.
    pub guard: &'a dyn Guard,
}

/// The policy decision point for the caller of one request, for what a service asks of
/// another on the caller's behalf (Secrets Manager asking KMS to decrypt): each access is
/// decided exactly as the pipeline decides the operation's own, and refused with AWS's
/// AccessDenied error in the request's protocol.
pub trait Guard: Send + Sync {
    /// `Ok` when the caller may perform `access`.
    fn check(&self, access: &Access) -> Result<(), AwsError>;
}

/// The guard of work a service does on its own authority, not a caller's: scheduled rotations,
/// expiries and deliveries. AWS services act there as their service principal, which the
/// resources they manage trust; it allows every access.
pub struct ServiceAuthority;

impl Guard for ServiceAuthority {
    fn check(&self, _access: &Access) -> Result<(), AwsError> {
        Ok(())
    }
}
