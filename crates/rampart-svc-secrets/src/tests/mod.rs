//! Unit tests over a test world with the real KMS port (rampart-svc-kms's `Keys`).

mod authz;
mod concurrency;
mod policy;
mod properties;
mod replication;
mod rotation;
mod secrets;
mod versions;

use crate::model;
use rampart_protocol::AwsError;
use rampart_service::testkit::World;
use rampart_service::{Call, DataKey, KeyService, OnBehalf};
use rampart_store::{Item, Scan};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use zeroize::Zeroizing;

pub(crate) const SPACE: &str = "acct/123456789012/us-east-1";

/// The KMS port, refusing every use while `refuse` is set (a caller KMS denies).
pub(crate) struct Kms {
    pub refuse: AtomicBool,
    inner: rampart_svc_kms::Keys,
}

impl Kms {
    fn check(&self) -> Result<(), AwsError> {
        if self.refuse.load(Ordering::SeqCst) {
            Err(AwsError::new(
                "AccessDeniedException",
                400,
                "User: arn:aws:iam::123456789012:user/x is not authorized to perform: kms:Decrypt",
            ))
        } else {
            Ok(())
        }
    }
}

impl KeyService for Kms {
    fn key_arn(&self, call: &Call<'_>, request: &OnBehalf<'_>) -> Result<String, AwsError> {
        self.check()?;
        self.inner.key_arn(call, request)
    }
    fn generate_data_key(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
    ) -> Result<DataKey, AwsError> {
        self.check()?;
        self.inner.generate_data_key(call, request)
    }
    fn encrypt(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        self.check()?;
        self.inner.encrypt(call, request, plaintext)
    }
    fn decrypt(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        self.check()?;
        self.inner.decrypt(call, request, blob)
    }
}

/// A world with KMS and Secrets Manager, and the KMS port's switch.
pub(crate) fn world() -> (World, Arc<Kms>) {
    let mut w = World::new(|r| {
        rampart_svc_kms::register(r);
        crate::register(r);
    });
    let kms = Arc::new(Kms {
        refuse: AtomicBool::new(false),
        inner: rampart_svc_kms::Keys::new(),
    });
    w.env.keys = kms.clone();
    (w, kms)
}

/// The region calls go to unless a test names another.
pub(crate) const HOME: &str = "us-east-1";

pub(crate) fn call_in(w: &World, region: &str, op: &str, input: Value) -> Result<Value, AwsError> {
    w.call_in(&w.root(), region, "secretsmanager", op, input)
}

pub(crate) fn call(w: &World, op: &str, input: Value) -> Result<Value, AwsError> {
    call_in(w, HOME, op, input)
}

#[track_caller]
pub(crate) fn ok_in(w: &World, region: &str, op: &str, input: Value) -> Value {
    call_in(w, region, op, input).unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.message))
}

#[track_caller]
pub(crate) fn ok(w: &World, op: &str, input: Value) -> Value {
    ok_in(w, HOME, op, input)
}

#[track_caller]
pub(crate) fn err_in(w: &World, region: &str, op: &str, input: Value) -> AwsError {
    match call_in(w, region, op, input) {
        Ok(v) => panic!("{op} succeeded: {v}"),
        Err(e) => e,
    }
}

#[track_caller]
pub(crate) fn err(w: &World, op: &str, input: Value) -> AwsError {
    err_in(w, HOME, op, input)
}

#[track_caller]
pub(crate) fn kms(w: &World, op: &str, input: Value) -> Value {
    w.call_as(&w.root(), "kms", op, input)
        .unwrap_or_else(|e| panic!("kms {op}: {} {}", e.code, e.message))
}

/// A ClientRequestToken from a number.
pub(crate) fn tok(n: u32) -> String {
    format!("{n:0>32}")
}

/// Every stored record and value of the test account's region (id and store version).
pub(crate) fn snapshot(w: &World) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for table in [model::SECRETS, model::VALUES] {
        let items: Vec<Item> = w.env.store.scan(SPACE, table, &Scan::all()).unwrap();
        out.extend(
            items
                .into_iter()
                .map(|i| (format!("{table}|{}", i.key.id), i.version)),
        );
    }
    out
}

/// Creates `name` with `value`; its ARN.
pub(crate) fn create(w: &World, name: &str, value: &str) -> String {
    ok(
        w,
        "CreateSecret",
        json!({"Name": name, "SecretString": value, "ClientRequestToken": tok(1)}),
    )["ARN"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The AWSCURRENT SecretString of `id` in `region`.
#[track_caller]
pub(crate) fn current_in(w: &World, region: &str, id: &str) -> String {
    ok_in(w, region, "GetSecretValue", json!({"SecretId": id}))["SecretString"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The AWSCURRENT SecretString of `id`.
#[track_caller]
pub(crate) fn current(w: &World, id: &str) -> String {
    current_in(w, HOME, id)
}

/// `VersionIdsToStages` of `id`.
pub(crate) fn stages(w: &World, id: &str) -> Value {
    ok(w, "DescribeSecret", json!({"SecretId": id}))["VersionIdsToStages"].clone()
}
