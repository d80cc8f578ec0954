//! The IAM policy engine: parse, validate, evaluate and explain AWS policies.
//!
//! This crate decides whether a request is allowed, exactly as AWS documents it
//! (the project's `shared/reference/iam.md` is the fact base): identity policies, resource policies
//! (same-account and cross-account), permissions boundaries, session policies, SCP and RCP
//! hierarchies, every condition operator and policy variable, and AWS's AccessDenied
//! messages. It is pure: it must never perform I/O, read a clock (time values come in the
//! request context), log, or depend on an async runtime, a store or a service.
//!
//! # How the server uses it
//!
//! - **Writes** (`CreatePolicy`, `PutRolePolicy`, `UpdateAssumeRolePolicy`, bucket/key
//!   policies, SCPs, RCPs): [`Policy::parse`] with the right [`PolicyKind`] gives AWS's
//!   `MalformedPolicyDocument` text as the error's `Display` ([`PolicyError::code`] gives the
//!   code); [`PolicyKind::check_size`] / [`policy_size`] apply the quotas.
//! - **Reads**: [`Policy::parse_stored`] for documents already accepted; compile once and
//!   keep the [`Policy`] (an `Arc`) with the stored version; a new version is a new
//!   `Policy`, so nothing stale can be evaluated.
//! - **Each authorization check**: build a [`Request`] (resource `*` for wildcard-only
//!   actions, see [`ActionInfo::is_wildcard_only`]; the resource account for S3), fill its
//!   [`Context`] ([`Principal::derive_context`], [`Context::set_request_time`], session
//!   tags set after principal tags so they override), gather a [`PolicySet`]:
//!   user: its and its groups' policies, its boundary; role session: the role's policies,
//!   boundary and the session policies it was created with; federated session: the parent
//!   user's policies and boundary plus the session policies; root, services, web
//!   identities, anonymous: no identity policies. The target's resource policy goes in
//!   `resource` (a [`PolicyKind::Trust`] policy for `sts:AssumeRole*`/`sts:TagSession`
//!   on a role; set `resource_policy_required` for KMS keys). SCP levels of the principal's
//!   account and customer RCP levels of the resource's account (for services where
//!   [`Catalog::is_rcp_supported`]) go root first. Then [`evaluate`] and, when denied,
//!   [`Decision::access_denied_message`].
//! - **Simulator**: [`evaluate_all_statements`] lists every matching statement.
//!
//! ```
//! use rampart_policy::{evaluate, Context, Policy, PolicyKind, PolicySet, Principal, Request};
//!
//! let policy = Policy::parse(
//!     r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject",
//!         "Resource":"arn:aws:s3:::bucket/home/${aws:username}/*"}}"#,
//!     PolicyKind::Identity,
//! )?;
//! let alice = Principal::User { arn: "arn:aws:iam::111122223333:user/alice".into(), account: "111122223333".into() };
//! let mut request = Request::new(alice, "s3:GetObject", "arn:aws:s3:::bucket/home/alice/notes.txt")
//!     .with_resource_account("111122223333");
//! request.principal.clone().derive_context(&mut request.context);
//! let set = PolicySet { identity: vec![policy], ..PolicySet::default() };
//! assert!(evaluate(&request, &set).is_allowed());
//! # Ok::<(), rampart_policy::PolicyError>(())
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod action;
mod catalog;
mod condition;
mod context;
mod decision;
mod document;
mod error;
mod evaluate;
mod glob;
mod keyhash;
mod kind;
mod parse;
mod principal;
mod request;
mod resource;
mod template;

pub use catalog::{ActionInfo, Catalog, ManagedPolicies, ManagedPolicy, ResourceTypeRef, Service};
pub use context::{Context, ContextValue};
pub use decision::{Applied, Decision, Outcome, PolicyType, Reason, StatementRef};
pub use document::{Effect, Policy, Version};
pub use error::PolicyError;
pub use evaluate::{PolicySet, evaluate, evaluate_all_statements};
pub use kind::{PolicyKind, policy_size};
pub use principal::{Principal, PrincipalMatch};
pub use request::Request;
