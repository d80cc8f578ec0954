//! The table of implemented operations.

use crate::{Access, Authorize, Call};
use rampart_protocol::AwsError;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// An operation's implementation: canonical input in, canonical output or an AWS error out.
pub type Handler = Arc<dyn Fn(&Call<'_>, Value) -> Result<Value, AwsError> + Send + Sync>;

/// One implemented operation.
#[derive(Clone)]
pub struct OperationEntry {
    /// Whether the operation only reads (CloudTrail's `readOnly`).
    pub read_only: bool,
    /// Whether the handler may wait: on a durable write, a flush, another process. The pipeline
    /// runs such handlers on the blocking pool, and the rest (short reads) inline.
    pub may_block: bool,
    /// The implementation.
    pub handler: Handler,
}

/// Every operation rampart implements, keyed by service model name (`sts`, `cloudtrail`, ...)
/// and operation name (`GetCallerIdentity`).
/// Each service's authorization table, keyed by service model name.
#[derive(Default, Clone)]
pub struct Registry {
    operations: HashMap<(String, String), OperationEntry>,
    tables: HashMap<String, Authorize>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds an operation; a later registration of the same name replaces the earlier one.
    /// Writes may block (they wait for durability); reads are expected not to.
    pub fn register(
        &mut self,
        service: &str,
        operation: &str,
        read_only: bool,
        handler: impl Fn(&Call<'_>, Value) -> Result<Value, AwsError> + Send + Sync + 'static,
    ) {
        self.insert(service, operation, read_only, !read_only, Arc::new(handler));
    }

    /// Adds a read-only operation that may nevertheless wait (for example on a flush).
    pub fn register_waiting_read(
        &mut self,
        service: &str,
        operation: &str,
        handler: impl Fn(&Call<'_>, Value) -> Result<Value, AwsError> + Send + Sync + 'static,
    ) {
        self.insert(service, operation, true, true, Arc::new(handler));
    }

    fn insert(
        &mut self,
        service: &str,
        operation: &str,
        read_only: bool,
        may_block: bool,
        handler: Handler,
    ) {
        self.operations.insert(
            (service.to_owned(), operation.to_owned()),
            OperationEntry {
                read_only,
                may_block,
                handler,
            },
        );
    }

    /// Sets `service`'s authorization table: for each operation and input, the accesses the
    /// caller needs (see [`Access`]). A service without a table serves nobody.
    pub fn authorize(
        &mut self,
        service: &str,
        table: impl Fn(&Call<'_>, &str, &Value) -> Result<Vec<Access>, AwsError> + Send + Sync + 'static,
    ) {
        self.tables.insert(service.to_owned(), Arc::new(table));
    }

    /// `service`'s authorization table, if it registered one.
    pub fn authorizer(&self, service: &str) -> Option<&Authorize> {
        self.tables.get(service)
    }

    /// Every registered (service, operation) pair, in no particular order.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.operations
            .keys()
            .map(|(service, operation)| (service.as_str(), operation.as_str()))
    }

    /// The implementation of `service`'s `operation`, if rampart has one.
    pub fn get(&self, service: &str, operation: &str) -> Option<&OperationEntry> {
        self.operations
            .get(&(service.to_owned(), operation.to_owned()))
    }

    /// How many operations are registered.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// Whether no operation is registered.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}
