//! A world for service tests: an in-memory store, a fixed clock, the service's registry and
//! callers to make requests as. Every call also asks the service's authorization table for the
//! operation's accesses, so a test of an operation fails if the table has no rule for it.
//! Accesses a handler asks on the caller's behalf ([`crate::Guard`]) are recorded and allowed,
//! after a check against the Service Authorization Reference.

use crate::{Access, Call, Env, Guard, Principal, PrincipalKind, Registry};
use rampart_crypto::MasterKey;
use rampart_protocol::AwsError;
use rampart_store::MemStore;
use rampart_types::{AccountId, FixedClock, Partition, Region};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The management account of every test world.
pub const ACCOUNT: &str = "123456789012";

/// An in-memory rampart with the operations a test registered.
pub struct World {
    /// The environment handlers run in.
    pub env: Env,
    /// The clock, to move time forward.
    pub clock: Arc<FixedClock>,
    /// The registered operations and authorization tables.
    pub registry: Registry,
    /// The accesses handlers asked on their callers' behalf.
    pub guard: RecordingGuard,
}

/// A [`Guard`] that allows every access that agrees with the Service Authorization Reference
/// (and panics on one that does not), and remembers them.
#[derive(Default)]
pub struct RecordingGuard {
    checked: std::sync::Mutex<Vec<Access>>,
}

impl RecordingGuard {
    /// The accesses checked so far, oldest first; clears the record.
    #[allow(clippy::expect_used)]
    pub fn take(&self) -> Vec<Access> {
        std::mem::take(&mut *self.checked.lock().expect("guard record"))
    }
}

impl Guard for RecordingGuard {
    #[allow(clippy::expect_used, clippy::panic)]
    fn check(&self, access: &Access) -> Result<(), AwsError> {
        if let Some(violation) = sar_violation(access) {
            panic!("a handler asked an access AWS does not define: {violation}");
        }
        self.checked
            .lock()
            .expect("guard record")
            .push(access.clone());
        Ok(())
    }
}

impl World {
    /// A world at 2023-11-14T22:13:20Z with the operations `register` adds.
    pub fn new(register: impl FnOnce(&mut Registry)) -> World {
        World::at(1_700_000_000, register)
    }

    /// A world whose clock shows `unix_seconds`, with the operations `register` adds.
    #[allow(clippy::expect_used)]
    pub fn at(unix_seconds: u64, register: impl FnOnce(&mut Registry)) -> World {
        let clock = Arc::new(FixedClock::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(unix_seconds),
        ));
        let env = Env {
            store: Arc::new(MemStore::new()),
            clock: clock.clone(),
            master_key: Arc::new(MasterKey::generate().expect("system randomness")),
            partition: Partition::Aws,
            management_account: account(ACCOUNT),
            outbound: Arc::new(crate::NoOutbound),
            keys: Arc::new(crate::NoKeys),
            events: Arc::new(crate::NoEvents),
            secrets: Arc::new(crate::NoSecrets),
            inventory: Arc::new(crate::NoInventory),
            data_dir: world_dir(),
            public_url: "http://127.0.0.1:4599".to_owned(),
            certificates: Arc::new(crate::NoServerCertificates),
        };
        let mut registry = Registry::new();
        register(&mut registry);
        World {
            env,
            clock,
            registry,
            guard: RecordingGuard::default(),
        }
    }

    /// The root user of the management account.
    pub fn root(&self) -> Principal {
        root_of(ACCOUNT)
    }

    /// Calls `service`'s `operation` in us-east-1 as `principal`: the authorization table must
    /// have a rule for it, then the handler runs (the policy engine is the pipeline's business).
    pub fn call_as(
        &self,
        principal: &Principal,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, AwsError> {
        self.call_in(principal, "us-east-1", service, operation, input)
    }

    /// [`World::call_as`] in another region.
    #[allow(clippy::expect_used, clippy::panic)]
    pub fn call_in(
        &self,
        principal: &Principal,
        region: &str,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, AwsError> {
        let region: Region = region.parse().expect("a region");
        let call = self.call_context(principal, &region);
        if let Err(e) = self.accesses_in(&call, service, operation, &input)
            && e.status == 500
        {
            panic!("{service}:{operation}: {}", e.message);
        }
        let entry = self
            .registry
            .get(service, operation)
            .unwrap_or_else(|| panic!("{service}:{operation} is not registered"));
        (entry.handler)(&call, input)
    }

    /// The accesses `service`'s table asks for `operation` with `input`, called by `principal`
    /// in us-east-1.
    #[allow(clippy::expect_used)]
    pub fn accesses(
        &self,
        principal: &Principal,
        service: &str,
        operation: &str,
        input: &Value,
    ) -> Result<Vec<Access>, AwsError> {
        let region: Region = "us-east-1".parse().expect("a region");
        let call = self.call_context(principal, &region);
        self.accesses_in(&call, service, operation, input)
    }

    /// The registered operations whose service's authorization table has no rule for them
    /// (asked with an empty input by the root user); a service test asserts there are none.
    pub fn operations_without_rules(&self) -> Vec<String> {
        let root = self.root();
        let mut missing: Vec<String> = self
            .registry
            .operations()
            .filter(|(service, operation)| {
                self.accesses(
                    &root,
                    service,
                    operation,
                    &Value::Object(Default::default()),
                )
                .is_err_and(|e| e.status == 500)
            })
            .map(|(service, operation)| format!("{service}:{operation}"))
            .collect();
        missing.sort();
        missing
    }

    fn accesses_in(
        &self,
        call: &Call<'_>,
        service: &str,
        operation: &str,
        input: &Value,
    ) -> Result<Vec<Access>, AwsError> {
        let table = self
            .registry
            .authorizer(service)
            .ok_or_else(|| crate::no_rule(service, operation))?;
        table(call, operation, input)
    }

    fn call_context<'a>(&'a self, principal: &'a Principal, region: &'a Region) -> Call<'a> {
        Call {
            request_id: "test-request",
            principal,
            region,
            source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
            user_agent: "rampart-test",
            env: &self.env,
            guard: &self.guard,
        }
    }
}

/// Why `access` disagrees with the Service Authorization Reference, if it does: the action must
/// exist, and the resource must be `*` for a wildcard-only action, else match the ARN format of
/// one of the action's resource types.
pub fn sar_violation(access: &Access) -> Option<String> {
    let catalog = rampart_policy::Catalog::get();
    let Some(info) = catalog.action(&access.action) else {
        return Some(format!("{} is not an action", access.action));
    };
    if info.is_wildcard_only() {
        return (access.resource != "*")
            .then(|| format!("{} takes only `*`, not {}", access.action, access.resource));
    }
    let service = catalog.service(access.action.split(':').next().unwrap_or_default())?;
    let fits = info.resource_types.iter().any(|t| {
        service
            .resource_type_arn(&t.name)
            .is_some_and(|format| fits_format(&access.resource, format))
    });
    (!fits).then(|| {
        format!(
            "{} on {} matches none of its resource types",
            access.action, access.resource
        )
    })
}

/// Whether `arn` can be `format` with its `${Placeholder}`s filled in.
fn fits_format(arn: &str, format: &str) -> bool {
    let mut literals = Vec::new();
    let mut rest = format;
    while let Some((literal, after)) = rest.split_once("${") {
        literals.push(literal);
        rest = after.split_once('}').map_or("", |(_, tail)| tail);
    }
    literals.push(rest);
    let (first, last) = (literals[0], literals[literals.len() - 1]);
    if literals.len() == 1 {
        return arn == first;
    }
    let Some(mut remaining) = arn.strip_prefix(first) else {
        return false;
    };
    for literal in &literals[1..literals.len() - 1] {
        match remaining.find(literal) {
            Some(at) if at > 0 => remaining = &remaining[at + literal.len()..],
            _ => return false,
        }
    }
    remaining.len() > last.len() && remaining.ends_with(last)
}

/// A folder of this world's own under the system's temporary folder (created by whoever writes
/// there first).
fn world_dir() -> std::path::PathBuf {
    static WORLDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WORLDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("rampart-world-{}-{n}", std::process::id()))
}

/// The root user of `account`.
pub fn root_of(account_id: &str) -> Principal {
    Principal {
        account: account(account_id),
        partition: Partition::Aws,
        kind: PrincipalKind::Root,
        principal_id: account_id.to_owned(),
        access_key_id: "AKIAROOTEXAMPLE00000".to_owned(),
        session: None,
    }
}

#[allow(clippy::expect_used)]
fn account(id: &str) -> AccountId {
    id.parse().expect("a 12-digit account id")
}
