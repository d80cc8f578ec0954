//! The rampart server: one listener for every AWS API, and the request pipeline behind it.
//!
//! Every request goes through the same steps (see [`pipeline`]): route by protocol, authenticate
//! with SigV4, resolve the principal, authorize, run the operation's handler, encode the answer,
//! and record a CloudTrail event, whatever the outcome. This crate composes the pure engines, the
//! protocols, the store and the services; it holds no service logic of its own.

pub mod admin;
mod audit;
mod authz;
pub mod bootstrap;
pub mod config;
pub mod delivery;
mod listener;
mod outbound;
pub mod pipeline;
pub mod scheduler;
pub mod seed;
pub mod snapshot;

pub use config::{Config, DatabaseUrl, Overrides, TlsFiles};
pub use listener::{serve, tls_acceptor};
pub use outbound::HttpsOutbound;
pub use pipeline::Pipeline;
