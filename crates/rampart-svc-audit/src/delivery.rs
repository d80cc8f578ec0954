//! Trail delivery: gzipped log files of the recorded events each trail selects, and the
//! signed, chained digest files that make tampering with them detectable.
//!
//! The scheduler (in `rampart-server`) calls [`Delivery::deliver_logs`] every delivery
//! interval and [`Delivery::deliver_digests`] every digest interval; files leave through an
//! [`ObjectSink`]. Each trail keeps, per region, a cursor (the position in the event log of
//! the last event it examined, see [`crate::event_log`]), the log files delivered since its
//! last digest and its digest chain, in table `cloudtrail.delivery` of the account's space.
//!
//! Order of effects: a file is written first, then the new cursor (and the trail's
//! `LatestDeliveryTime`) is committed. Delivery is therefore at least once and never leaves a
//! gap: a crash between the two writes the same records again in a new file at the next
//! delivery. Likewise a crash between writing a digest and committing its chain leaves an
//! unreferenced digest file; the next digest chains to the last committed one.

use crate::event_log::{Flow, Position, read_forward};
use crate::public_keys;
use crate::recorder::Recorder;
use crate::trails::{self, ACCOUNT_TABLE, DELIVERY_TABLE, Trail};
use rampart_service::{Env, epoch_seconds};
use rampart_store::{Batch, Expect, Key, Scan, Store, StoreError, space};
use rampart_trail::{
    DigestChain, DigestSigner, DigestTarget, Event, LogFileEntry, build_digest,
    build_log_file_with_entry, log_file_key, signature_key, unique_suffix,
};
use rampart_types::{AccountId, Partition, Region};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Where delivered files go: the trail's S3 bucket, and the digest public keys.
pub trait ObjectSink: Send + Sync {
    /// Stores `bytes` durably as object `key` of `bucket`, replacing any previous object.
    fn put(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<(), String>;
    /// Publishes a digest public key (PKCS#1 DER) for offline validators.
    fn publish_public_key(&self, fingerprint: &str, der: &[u8]) -> Result<(), String>;
}

/// Which recorded events a log delivery may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cutoff {
    /// Only events at least [`SETTLE_SECONDS`] old: a request answered just now may still be
    /// on its way to the recorder with an earlier time than events already stored.
    Settled,
    /// Every recorded event: for the final delivery, once no request can be in flight.
    Everything,
}

/// How old an event must be before a [`Cutoff::Settled`] delivery takes it.
pub const SETTLE_SECONDS: i64 = 2;
/// The most events one log file holds.
const MAX_EVENTS_PER_FILE: usize = 5000;
/// How many times a state commit is retried when the trail changed meanwhile.
const COMMIT_ATTEMPTS: usize = 5;

/// What one delivery run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Log files written.
    pub log_files: usize,
    /// Digest files written.
    pub digests: usize,
    /// Trails or regions skipped because of an error (logged).
    pub failures: usize,
    /// Regions whose delivered log files could not be digested yet: their last digest ended
    /// in the current second. The next digest run covers them.
    pub deferred: usize,
}

/// Delivers every account's trails. Cheap to share: one per server.
pub struct Delivery {
    env: Env,
    recorder: Recorder,
    sink: Arc<dyn ObjectSink>,
    signer: Mutex<Option<Arc<DigestSigner>>>,
}

/// One trail's delivery state in one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionState {
    /// The last event examined; `None` before the first delivery.
    cursor: Option<Position>,
    /// Log files delivered since the last digest (only when validation is enabled).
    pending: Vec<LogFileEntry>,
    /// The digest chain.
    chain: DigestChain,
}

/// What one read of recorded events found.
#[derive(Default)]
struct Read {
    /// The events the trail selects, in recording order.
    events: Vec<Event>,
    /// The last event examined.
    last: Option<Position>,
    /// Whether the read stopped because a file's worth was selected.
    full: bool,
}

impl Delivery {
    /// Delivery over `env`'s store, reading what `recorder` wrote, writing to `sink`.
    pub fn new(env: Env, recorder: Recorder, sink: Arc<dyn ObjectSink>) -> Self {
        Delivery {
            env,
            recorder,
            sink,
            signer: Mutex::new(None),
        }
    }

    /// Writes, for every trail that is logging (or stopped with events not yet delivered),
    /// one log file per region with new events the trail selects.
    pub fn deliver_logs(&self, cutoff: Cutoff) -> Delivered {
        self.recorder.flush();
        let now = self.now();
        let upper = match cutoff {
            Cutoff::Settled => Some(now.unix_timestamp() - SETTLE_SECONDS),
            Cutoff::Everything => None,
        };
        let mut done = Delivered::default();
        for (account, trail) in self.trails(&mut done) {
            let Some(window) = Window::of(&trail, upper) else {
                continue;
            };
            for region in self.covered_regions(&account, &trail, &mut done) {
                if let Err(e) =
                    self.deliver_region(&account, &trail, &region, window, now, &mut done)
                {
                    tracing::error!(error = %e, trail = %trail.arn, %region, "log delivery failed");
                    done.failures += 1;
                }
            }
        }
        done
    }

    /// Writes, for every trail with log file validation, one signed digest per region it
    /// delivers to, listing the log files delivered there since the previous digest (none
    /// is an empty digest, as AWS writes). A stopped trail gets one last digest for files
    /// delivered after its previous one, then no more.
    pub fn deliver_digests(&self) -> Delivered {
        let mut done = Delivered::default();
        let signer = match self.signer() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "no digest signing key");
                done.failures += 1;
                return done;
            }
        };
        let now = self.now();
        for (account, trail) in self.trails(&mut done) {
            if !trail.log_file_validation_enabled || trail.start_logging_time.is_none() {
                continue;
            }
            let states = match self.states(&account, &trail) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, trail = %trail.arn, "cannot read delivery state");
                    done.failures += 1;
                    continue;
                }
            };
            let mut regions: BTreeSet<String> = states.into_iter().map(|(r, _)| r).collect();
            if trail.logging {
                regions.insert(trail.home_region.clone());
            }
            for region in regions {
                if let Err(e) =
                    self.digest_region(&account, &trail, &region, &signer, now, &mut done)
                {
                    tracing::error!(error = %e, trail = %trail.arn, %region, "digest delivery failed");
                    done.failures += 1;
                }
            }
        }
        done
    }

    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from(self.env.clock.now())
    }

    /// The digest signer, loaded (or created) once and its public key published.
    fn signer(&self) -> Result<Arc<DigestSigner>, String> {
        let mut cached = self
            .signer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(signer) = cached.as_ref() {
            return Ok(signer.clone());
        }
        let (signer, _) = public_keys::signer(&self.env)?;
        self.sink
            .publish_public_key(signer.fingerprint(), signer.public_key_der())?;
        let signer = Arc::new(signer);
        *cached = Some(signer.clone());
        Ok(signer)
    }

    /// Every stored trail of every account that has one.
    fn trails(&self, done: &mut Delivered) -> Vec<(AccountId, Trail)> {
        let store = self.env.store.as_ref();
        let mut accounts = BTreeSet::from([self.env.management_account.clone()]);
        match store.scan(space::SYSTEM, ACCOUNT_TABLE, &Scan::all()) {
            Ok(items) => accounts.extend(items.iter().filter_map(|i| i.key.id.parse().ok())),
            Err(e) => {
                tracing::error!(error = %e, "cannot list trail accounts");
                done.failures += 1;
            }
        }
        let mut all = Vec::new();
        for account in accounts {
            match trails::trails_of(store, &account) {
                Ok(list) => all.extend(list.into_iter().map(|(t, _)| (account.clone(), t))),
                Err(e) => {
                    tracing::error!(error = %e, %account, "cannot read trails");
                    done.failures += 1;
                }
            }
        }
        all
    }

    /// The regions whose events `trail` may deliver: its home region, the global-service
    /// region when it includes global events, and for a multi-region trail every region of
    /// the partition plus any region it already delivered to.
    fn covered_regions(
        &self,
        account: &AccountId,
        trail: &Trail,
        done: &mut Delivered,
    ) -> BTreeSet<String> {
        let mut regions = BTreeSet::from([trail.home_region.clone()]);
        if trail.include_global_service_events {
            regions.insert(global_region(self.env.partition).to_owned());
        }
        if trail.is_multi_region_trail {
            regions.extend(
                partition_regions(self.env.partition)
                    .iter()
                    .map(|r| (*r).to_owned()),
            );
            match self.states(account, trail) {
                Ok(states) => regions.extend(states.into_iter().map(|(r, _)| r)),
                Err(e) => {
                    tracing::error!(error = %e, trail = %trail.arn, "cannot read delivery state");
                    done.failures += 1;
                }
            }
        }
        regions
    }

    /// The trail's delivery states, by region.
    fn states(
        &self,
        account: &AccountId,
        trail: &Trail,
    ) -> Result<Vec<(String, RegionState)>, StoreError> {
        let prefix = trail.delivery_id("");
        let items = self.env.store.scan(
            &space::account(account),
            DELIVERY_TABLE,
            &Scan::new(prefix.clone(), usize::MAX),
        )?;
        items
            .into_iter()
            .map(|item| {
                let region = item.key.id[prefix.len()..].to_owned();
                decode_state(&item.value).map(|s| (region, s))
            })
            .collect()
    }

    fn load_state(
        &self,
        account: &AccountId,
        trail: &Trail,
        region: &str,
    ) -> Result<(RegionState, Expect), StoreError> {
        match self.env.store.get(&state_key(account, trail, region))? {
            Some(item) => Ok((decode_state(&item.value)?, Expect::Version(item.version))),
            None => Ok((RegionState::default(), Expect::Absent)),
        }
    }

    fn deliver_region(
        &self,
        account: &AccountId,
        trail: &Trail,
        region: &str,
        window: Window,
        now: OffsetDateTime,
        done: &mut Delivered,
    ) -> Result<(), String> {
        let Ok(parsed_region) = region.parse::<Region>() else {
            return Ok(());
        };
        loop {
            let (mut state, expect) = self
                .load_state(account, trail, region)
                .map_err(|e| e.to_string())?;
            let read = self
                .read_selected(account, &parsed_region, trail, window, state.cursor)
                .map_err(|e| e.to_string())?;
            let Some(last) = read.last else {
                return Ok(());
            };
            let mut delivered_at = None;
            if !read.events.is_empty() {
                let key = log_file_key(
                    trail.s3_key_prefix.as_deref(),
                    account,
                    &parsed_region,
                    now,
                    &unique_suffix(),
                );
                if let Some((gz, entry)) =
                    build_log_file_with_entry(&trail.s3_bucket_name, &key, &read.events)
                {
                    self.sink.put(&trail.s3_bucket_name, &key, &gz)?;
                    done.log_files += 1;
                    if trail.log_file_validation_enabled {
                        state.pending.push(entry);
                    }
                    delivered_at = Some(epoch_seconds(self.env.clock.now()));
                }
            }
            state.cursor = Some(last);
            self.commit_state(account, trail, region, &state, expect, |t| {
                if let Some(at) = delivered_at {
                    t.latest_delivery_time = Some(at);
                }
            })?;
            if !read.full {
                return Ok(());
            }
        }
    }

    /// Reads the events after `after` inside `window` and returns those `trail` selects (at most
    /// a file's worth) with the position of the last one examined. The read stops at the first
    /// event past the window's end: it is examined again by a later delivery.
    fn read_selected(
        &self,
        account: &AccountId,
        region: &Region,
        trail: &Trail,
        window: Window,
        after: Option<Position>,
    ) -> Result<Read, StoreError> {
        let global = global_region(self.env.partition);
        let space = space::account_region(account, region);
        let mut read = Read::default();
        read_forward(
            self.env.store.as_ref(),
            &space,
            after,
            None,
            |position, event| {
                let second = event.event_time.unix_timestamp();
                if window.end.is_some_and(|end| second > end) {
                    return Flow::Stop;
                }
                read.last = Some(position);
                if second >= window.start && selects(trail, region.as_str(), global, &event) {
                    read.events.push(event);
                    if read.events.len() == MAX_EVENTS_PER_FILE {
                        read.full = true;
                        return Flow::Stop;
                    }
                }
                Flow::More
            },
        )?;
        Ok(read)
    }

    fn digest_region(
        &self,
        account: &AccountId,
        trail: &Trail,
        region: &str,
        signer: &DigestSigner,
        now: OffsetDateTime,
        done: &mut Delivered,
    ) -> Result<(), String> {
        let Ok(parsed_region) = region.parse::<Region>() else {
            return Ok(());
        };
        let (mut state, expect) = self
            .load_state(account, trail, region)
            .map_err(|e| e.to_string())?;
        if !trail.logging && state.pending.is_empty() {
            return Ok(());
        }
        // Digests are named by their end second: one second holds at most one digest. Log
        // files waiting for the next digest are counted as deferred, to be digested in a later
        // second (the final delivery at shutdown waits for it).
        let end = whole_seconds(now);
        if state
            .chain
            .previous
            .as_ref()
            .is_some_and(|p| p.end_time >= end)
        {
            if !state.pending.is_empty() {
                done.deferred += 1;
            }
            return Ok(());
        }
        let first_start = trail
            .start_logging_time
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t as i64).ok())
            .unwrap_or(end)
            .min(end);
        let target = DigestTarget {
            bucket: &trail.s3_bucket_name,
            prefix: trail.s3_key_prefix.as_deref(),
            account,
            region: &parsed_region,
            trail_name: &trail.name,
        };
        let files = std::mem::take(&mut state.pending);
        let built = build_digest(signer, &mut state.chain, &target, first_start, end, files)
            .map_err(|e| e.to_string())?;
        self.sink
            .put(&trail.s3_bucket_name, &built.key, &built.gz)?;
        self.sink.put(
            &trail.s3_bucket_name,
            &signature_key(&built.key),
            built.signature_hex.as_bytes(),
        )?;
        done.digests += 1;
        let at = epoch_seconds(self.env.clock.now());
        self.commit_state(account, trail, region, &state, expect, |t| {
            t.latest_digest_delivery_time = Some(at);
        })
    }

    /// Commits `state` with the trail changed by `touch`, re-reading the trail when another
    /// request changed it meanwhile. A trail deleted meanwhile keeps no state.
    fn commit_state(
        &self,
        account: &AccountId,
        trail: &Trail,
        region: &str,
        state: &RegionState,
        expect: Expect,
        touch: impl Fn(&mut Trail),
    ) -> Result<(), String> {
        let value = serde_json::to_vec(state).map_err(|e| e.to_string())?;
        let store = self.env.store.as_ref();
        for _ in 0..COMMIT_ATTEMPTS {
            let Some((mut current, version)) = trails::trails_of(store, account)
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|(t, _)| t.home_region == trail.home_region && t.name == trail.name)
            else {
                return Ok(());
            };
            touch(&mut current);
            let state_put =
                Batch::new().put_if(state_key(account, trail, region), value.clone(), expect);
            match trails::save_in(store, &current, version, state_put) {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("the trail kept changing; delivery state not saved".into())
    }
}

/// The time span of events a trail delivers: from StartLogging, up to StopLogging when
/// stopped, and no later than the cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    /// First second (inclusive).
    start: i64,
    /// Last second (inclusive), if bounded.
    end: Option<i64>,
}

impl Window {
    fn of(trail: &Trail, cutoff: Option<i64>) -> Option<Window> {
        let start = trail.start_logging_time? as i64;
        let stop = if trail.logging {
            None
        } else {
            Some(trail.stop_logging_time? as i64)
        };
        let end = match (stop, cutoff) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Some(Window { start, end })
    }
}

/// Whether `trail` delivers `event`, recorded in `region`: the region must be one it covers
/// for this kind of event, and its selectors must take the event.
fn selects(trail: &Trail, region: &str, global_region: &str, event: &Event) -> bool {
    let global = is_global_service(&event.event_source);
    let region_ok = if global {
        trail.include_global_service_events
            && (region == trail.home_region
                || trail.is_multi_region_trail
                || region == global_region)
    } else {
        region == trail.home_region || trail.is_multi_region_trail
    };
    region_ok
        && event.event_category == "Management"
        && trail.records_management(&event.event_source, event.read_only == Some(true))
}

/// IAM, STS and Organizations: the global services whose events a trail takes only with
/// `IncludeGlobalServiceEvents`.
fn is_global_service(event_source: &str) -> bool {
    matches!(
        event_source,
        "iam.amazonaws.com" | "sts.amazonaws.com" | "organizations.amazonaws.com"
    )
}

/// Where a partition's global services record their events.
fn global_region(partition: Partition) -> &'static str {
    match partition {
        Partition::AwsCn => "cn-north-1",
        Partition::AwsUsGov => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// The regions of a partition (botocore's endpoints), probed by multi-region trails.
fn partition_regions(partition: Partition) -> &'static [&'static str] {
    match partition {
        Partition::AwsCn => &["cn-north-1", "cn-northwest-1"],
        Partition::AwsUsGov => &["us-gov-east-1", "us-gov-west-1"],
        _ => &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    }
}

fn state_key(account: &AccountId, trail: &Trail, region: &str) -> Key {
    Key::new(
        space::account(account),
        DELIVERY_TABLE,
        trail.delivery_id(region),
    )
}

fn decode_state(bytes: &[u8]) -> Result<RegionState, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("delivery state: {e}")))
}

fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_protocol::AwsError;
    use rampart_service::testkit::{ACCOUNT, World as Base};
    use rampart_trail::{
        DigestFile, PublicKey, TrailFiles, UserIdentity, ValidationScope, read_log_file, validate,
    };
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use std::time::Duration;

    const T0: u64 = 1_800_000_000;

    /// An in-memory bucket that can be told to fail.
    #[derive(Default)]
    struct MemSink {
        objects: Mutex<BTreeMap<String, Vec<u8>>>,
        keys: Mutex<Vec<PublicKey>>,
        failing: Mutex<Fail>,
    }

    /// How the sink fails.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    enum Fail {
        #[default]
        Never,
        /// Refuses the write.
        BeforeWrite,
        /// Writes, then reports an error (as a crash after the write would).
        AfterWrite,
    }

    impl ObjectSink for MemSink {
        fn put(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<(), String> {
            let fail = *self.failing.lock().unwrap();
            if fail == Fail::BeforeWrite {
                return Err("disk full".into());
            }
            self.objects
                .lock()
                .unwrap()
                .insert(format!("{bucket}/{key}"), bytes.to_vec());
            match fail {
                Fail::AfterWrite => Err("lost the acknowledgement".into()),
                _ => Ok(()),
            }
        }
        fn publish_public_key(&self, fingerprint: &str, der: &[u8]) -> Result<(), String> {
            let key = PublicKey::from_der(der.to_vec());
            assert_eq!(key.fingerprint, fingerprint);
            self.keys.lock().unwrap().push(key);
            Ok(())
        }
    }

    /// The sink's objects of one bucket, as the validator reads them.
    struct Bucket<'a>(&'a MemSink, &'a str);

    impl TrailFiles for Bucket<'_> {
        fn list(&self, prefix: &str) -> Vec<String> {
            let full = format!("{}/{prefix}", self.1);
            self.0
                .objects
                .lock()
                .unwrap()
                .keys()
                .filter(|k| k.starts_with(&full))
                .map(|k| k[self.1.len() + 1..].to_owned())
                .collect()
        }
        fn read(&self, key: &str) -> Option<Vec<u8>> {
            self.0
                .objects
                .lock()
                .unwrap()
                .get(&format!("{}/{key}", self.1))
                .cloned()
        }
        fn signature(&self, digest_key: &str) -> Option<String> {
            self.read(&signature_key(digest_key))
                .and_then(|b| String::from_utf8(b).ok())
        }
    }

    struct World {
        base: Base,
        env: Env,
        recorder: Recorder,
        sink: Arc<MemSink>,
        delivery: Delivery,
    }

    impl World {
        fn new() -> World {
            let mut base = Base::at(T0, |_| {});
            let env = base.env.clone();
            let recorder = Recorder::start(env.store.clone(), base.clock.clone());
            let sink = Arc::new(MemSink::default());
            let delivery = Delivery::new(env.clone(), recorder.clone(), sink.clone());
            crate::register(&mut base.registry, recorder.clone());
            World {
                base,
                env,
                recorder,
                sink,
                delivery,
            }
        }

        fn try_call(&self, region: &str, op: &str, input: Value) -> Result<Value, AwsError> {
            self.base
                .call_in(&self.base.root(), region, "cloudtrail", op, input)
        }

        fn call(&self, region: &str, op: &str, input: Value) -> Value {
            self.try_call(region, op, input).unwrap()
        }

        fn trail(&self, name: &str, extra: Value) {
            let mut input = json!({ "Name": name, "S3BucketName": "bucket" });
            if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
                obj.extend(more.clone());
            }
            self.call("us-east-1", "CreateTrail", input);
            self.call("us-east-1", "StartLogging", json!({ "Name": name }));
        }

        fn advance(&self, seconds: u64) {
            self.base.clock.advance(Duration::from_secs(seconds));
        }

        /// Records a call made now, and returns its event id.
        fn record(&self, source: &str, name: &str, region: &str, read_only: bool) -> String {
            let mut e = Event::api_call(
                UserIdentity::anonymous(),
                OffsetDateTime::from(self.env.clock.now()),
                format!("{source}.amazonaws.com"),
                name,
                region,
                "127.0.0.1",
                ACCOUNT,
            );
            e.read_only = Some(read_only);
            self.recorder.record(&e);
            e.event_id
        }

        /// Every delivered record's event name, by log-file region folder, sorted.
        fn delivered(&self) -> BTreeMap<String, Vec<String>> {
            let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (key, bytes) in self.sink.objects.lock().unwrap().iter() {
                if !key.contains("/CloudTrail/") {
                    continue;
                }
                let region = key.split('/').nth(4).unwrap().to_owned();
                let names = read_log_file(bytes)
                    .unwrap()
                    .into_iter()
                    .map(|e| e.event_name);
                out.entry(region).or_default().extend(names);
            }
            out.values_mut().for_each(|v| v.sort());
            out
        }

        fn trail_status(&self, name: &str) -> Value {
            self.call("us-east-1", "GetTrailStatus", json!({ "Name": name }))
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn a_home_region_trail_takes_its_region_and_global_events_since_start_logging() {
        let w = World::new();
        w.record("kms", "CreateKey", "us-east-1", false);
        w.advance(1);
        w.trail("trail1", json!({}));
        w.record("kms", "ListKeys", "us-east-1", true);
        w.record("iam", "CreateUser", "us-east-1", false);
        w.record("kms", "CreateKey", "eu-west-1", false);
        w.advance(SETTLE_SECONDS as u64);
        let done = w.delivery.deliver_logs(Cutoff::Settled);
        assert_eq!((done.log_files, done.failures), (1, 0));
        assert_eq!(
            w.delivered(),
            BTreeMap::from([("us-east-1".to_owned(), names(&["ListKeys", "CreateUser"]))])
        );
        assert!(w.trail_status("trail1")["LatestDeliveryTime"].is_number());
        // Nothing new: nothing delivered.
        assert_eq!(w.delivery.deliver_logs(Cutoff::Settled).log_files, 0);
    }

    #[test]
    fn events_still_settling_wait_for_the_next_delivery_unless_final() {
        let w = World::new();
        w.trail("trail1", json!({}));
        w.advance(5);
        w.record("kms", "ListKeys", "us-east-1", true);
        assert_eq!(w.delivery.deliver_logs(Cutoff::Settled).log_files, 0);
        assert_eq!(w.delivery.deliver_logs(Cutoff::Everything).log_files, 1);
        assert_eq!(w.delivered()["us-east-1"], names(&["ListKeys"]));
    }

    #[test]
    fn global_events_follow_include_global_service_events() {
        let w = World::new();
        w.trail("trail1", json!({ "IncludeGlobalServiceEvents": false }));
        w.record("iam", "CreateUser", "us-east-1", false);
        w.record("sts", "GetCallerIdentity", "us-east-1", true);
        w.record("kms", "ListKeys", "us-east-1", true);
        w.delivery.deliver_logs(Cutoff::Everything);
        assert_eq!(w.delivered()["us-east-1"], names(&["ListKeys"]));
    }

    #[test]
    fn a_multi_region_trail_writes_one_file_per_region() {
        let w = World::new();
        w.trail("all", json!({ "IsMultiRegionTrail": true }));
        w.record("kms", "ListKeys", "eu-west-1", true);
        w.record("kms", "ListAliases", "ap-south-1", true);
        w.record("iam", "ListUsers", "us-east-1", true);
        let done = w.delivery.deliver_logs(Cutoff::Everything);
        assert_eq!(done.log_files, 3);
        let got = w.delivered();
        assert_eq!(got["eu-west-1"], names(&["ListKeys"]));
        assert_eq!(got["ap-south-1"], names(&["ListAliases"]));
        assert_eq!(got["us-east-1"], names(&["ListUsers"]));
    }

    #[test]
    fn read_write_type_selects_management_events() {
        let w = World::new();
        w.trail("trail1", json!({}));
        w.call(
            "us-east-1",
            "PutEventSelectors",
            json!({ "TrailName": "trail1", "EventSelectors": [{ "ReadWriteType": "WriteOnly" }] }),
        );
        w.record("kms", "ListKeys", "us-east-1", true);
        w.record("kms", "CreateKey", "us-east-1", false);
        w.delivery.deliver_logs(Cutoff::Everything);
        // StartLogging and PutEventSelectors were not recorded (no pipeline here).
        assert_eq!(w.delivered()["us-east-1"], names(&["CreateKey"]));
    }

    #[test]
    fn selectors_read_only_exclusions_and_advanced_forms() {
        let trail = |selectors: Value, advanced: Value| {
            let mut t: Trail = serde_json::from_value(json!({
                "name": "t", "homeRegion": "us-east-1", "account": ACCOUNT, "arn": "a",
                "s3BucketName": "b", "includeGlobalServiceEvents": true,
                "isMultiRegionTrail": false, "logFileValidationEnabled": false,
                "isOrganizationTrail": false, "tags": [], "logging": true
            }))
            .unwrap();
            t.event_selectors = Some(selectors).filter(|s| !s.is_null());
            t.advanced_event_selectors = Some(advanced).filter(|s| !s.is_null());
            t
        };
        let read_only = trail(json!([{ "ReadWriteType": "ReadOnly" }]), Value::Null);
        assert!(read_only.records_management("kms.amazonaws.com", true));
        assert!(!read_only.records_management("kms.amazonaws.com", false));
        let none = trail(
            json!([{ "ReadWriteType": "All", "IncludeManagementEvents": false }]),
            Value::Null,
        );
        assert!(!none.records_management("kms.amazonaws.com", true));
        let no_kms = trail(
            json!([{ "ExcludeManagementEventSources": ["kms.amazonaws.com"] }]),
            Value::Null,
        );
        assert!(!no_kms.records_management("kms.amazonaws.com", true));
        assert!(no_kms.records_management("iam.amazonaws.com", true));
        let advanced = trail(
            Value::Null,
            json!([{ "FieldSelectors": [
                { "Field": "eventCategory", "Equals": ["Management"] },
                { "Field": "readOnly", "Equals": ["false"] }
            ]}]),
        );
        assert!(advanced.records_management("kms.amazonaws.com", false));
        assert!(!advanced.records_management("kms.amazonaws.com", true));
        let data_only = trail(
            Value::Null,
            json!([{ "FieldSelectors": [{ "Field": "eventCategory", "Equals": ["Data"] }] }]),
        );
        assert!(!data_only.records_management("kms.amazonaws.com", false));
        assert!(trail(Value::Null, Value::Null).records_management("x", false));
    }

    #[test]
    fn a_failed_write_is_delivered_again_never_skipped() {
        let w = World::new();
        w.trail("trail1", json!({}));
        let id = w.record("kms", "ListKeys", "us-east-1", true);
        *w.sink.failing.lock().unwrap() = Fail::BeforeWrite;
        let done = w.delivery.deliver_logs(Cutoff::Everything);
        assert_eq!((done.log_files, done.failures), (0, 1));
        assert!(w.trail_status("trail1").get("LatestDeliveryTime").is_none());
        *w.sink.failing.lock().unwrap() = Fail::Never;
        assert_eq!(w.delivery.deliver_logs(Cutoff::Everything).log_files, 1);
        let files = w.sink.objects.lock().unwrap();
        let events = read_log_file(files.values().next().unwrap()).unwrap();
        assert_eq!(events[0].event_id, id);
    }

    #[test]
    fn a_stopped_trail_delivers_what_came_before_the_stop_and_nothing_after() {
        let w = World::new();
        w.trail("trail1", json!({}));
        w.record("kms", "ListKeys", "us-east-1", true);
        w.advance(1);
        w.call("us-east-1", "StopLogging", json!({ "Name": "trail1" }));
        w.advance(1);
        w.record("kms", "ListAliases", "us-east-1", true);
        w.advance(10);
        assert_eq!(w.delivery.deliver_logs(Cutoff::Settled).log_files, 1);
        assert_eq!(w.delivery.deliver_logs(Cutoff::Everything).log_files, 0);
        assert_eq!(w.delivered()["us-east-1"], names(&["ListKeys"]));
        // Started again: what was recorded while stopped stays out.
        w.call("us-east-1", "StartLogging", json!({ "Name": "trail1" }));
        w.record("kms", "DescribeKey", "us-east-1", true);
        w.delivery.deliver_logs(Cutoff::Everything);
        assert_eq!(
            w.delivered()["us-east-1"],
            names(&["ListKeys", "DescribeKey"])
        );
    }

    #[test]
    fn a_final_delivery_hides_no_later_event_of_the_same_second() {
        let w = World::new();
        w.trail("trail1", json!({}));
        let mut ids = BTreeSet::new();
        // Random event ids: later events of one second often sort before earlier ones.
        for _ in 0..20 {
            ids.insert(w.record("kms", "ListKeys", "us-east-1", true));
            w.delivery.deliver_logs(Cutoff::Everything);
        }
        w.advance(5);
        w.delivery.deliver_logs(Cutoff::Settled);
        w.record("kms", "ListKeys", "us-east-1", true);
        w.delivery.deliver_logs(Cutoff::Everything);
        let delivered: Vec<String> = w
            .sink
            .objects
            .lock()
            .unwrap()
            .values()
            .flat_map(|b| read_log_file(b).unwrap())
            .map(|e| e.event_id)
            .collect();
        assert_eq!(delivered.len(), 21, "each event exactly once");
        assert!(ids.iter().all(|id| delivered.contains(id)));
    }

    #[test]
    fn a_deleted_trail_forgets_its_delivery_state() {
        let w = World::new();
        w.trail("trail1", json!({}));
        w.record("kms", "ListKeys", "us-east-1", true);
        w.delivery.deliver_logs(Cutoff::Everything);
        w.call("us-east-1", "DeleteTrail", json!({ "Name": "trail1" }));
        let left = w
            .env
            .store
            .scan(&format!("acct/{ACCOUNT}"), DELIVERY_TABLE, &Scan::all())
            .unwrap();
        assert!(left.is_empty());
    }

    #[test]
    fn digests_list_delivered_files_chain_and_validate() {
        let w = World::new();
        w.trail(
            "trail1",
            json!({ "EnableLogFileValidation": true, "S3KeyPrefix": "audit" }),
        );
        w.record("kms", "ListKeys", "us-east-1", true);
        w.advance(3);
        assert_eq!(w.delivery.deliver_logs(Cutoff::Settled).log_files, 1);
        w.advance(60);
        assert_eq!(w.delivery.deliver_digests().digests, 1);
        // Same second: no second digest; log files waiting for one are deferred.
        assert_eq!(w.delivery.deliver_digests().digests, 0);
        w.record("kms", "ListAliases", "us-east-1", true);
        assert_eq!(w.delivery.deliver_logs(Cutoff::Everything).log_files, 1);
        let done = w.delivery.deliver_digests();
        assert_eq!((done.digests, done.deferred), (0, 1));
        w.advance(1);
        assert_eq!(w.delivery.deliver_digests().digests, 1);
        w.advance(60);
        assert_eq!(w.delivery.deliver_digests().digests, 1);
        assert!(w.trail_status("trail1")["LatestDigestDeliveryTime"].is_number());

        let digests: Vec<DigestFile> = w
            .sink
            .objects
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.ends_with(".json.gz") && k.contains("CloudTrail-Digest"))
            .map(|(_, v)| DigestFile::from_gz(v).unwrap())
            .collect();
        assert_eq!(digests.len(), 3);
        assert_eq!(digests[0].log_files.len(), 1);
        assert_eq!(digests[1].log_files.len(), 1);
        assert_eq!(digests[1].digest_end_time, "2027-01-15T08:01:04Z");
        assert!(digests[2].log_files.is_empty());
        for pair in digests.windows(2) {
            assert_eq!(
                pair[1].previous_digest_s3_object.as_deref(),
                Some(pair[0].digest_s3_object.as_str())
            );
        }
        assert!(digests[0].digest_s3_object.starts_with("audit/AWSLogs/"));

        let keys = w.sink.keys.lock().unwrap().clone();
        assert_eq!(keys.len(), 1);
        assert_eq!(
            keys[0].fingerprint,
            digests[0].digest_public_key_fingerprint
        );
        let account: AccountId = ACCOUNT.parse().unwrap();
        let region: Region = "us-east-1".parse().unwrap();
        let scope = ValidationScope {
            prefix: Some("audit"),
            account: &account,
            region: &region,
            trail_name: "trail1",
            start: OffsetDateTime::from_unix_timestamp(0).unwrap(),
            end: OffsetDateTime::from(w.env.clock.now()),
        };
        let report = validate(&Bucket(&w.sink, "bucket"), &scope, &keys);
        assert!(report.is_clean(), "{}", report.render(&scope));
        assert_eq!(
            (report.valid_digests.len(), report.valid_logs.len()),
            (3, 2)
        );

        // ListPublicKeys shows the same key.
        let listed = w.call("us-east-1", "ListPublicKeys", json!({}));
        assert_eq!(
            listed["PublicKeyList"][0]["Fingerprint"],
            keys[0].fingerprint.as_str()
        );
        let e = w
            .try_call(
                "us-east-1",
                "ListPublicKeys",
                json!({ "StartTime": 10.0, "EndTime": 5.0 }),
            )
            .unwrap_err();
        assert_eq!(e.code, "InvalidTimeRangeException");
    }

    #[test]
    fn every_operation_has_an_authorization_rule_on_trail_arns() {
        let w = World::new();
        assert_eq!(w.base.operations_without_rules(), Vec::<String>::new());
        w.trail("main", json!({}));
        let root = w.base.root();
        let accesses = w
            .base
            .accesses(&root, "cloudtrail", "StopLogging", &json!({"Name": "main"}))
            .unwrap();
        let arn = format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main");
        assert_eq!(accesses[0].resource, arn);
        assert_eq!(rampart_service::testkit::sar_violation(&accesses[0]), None);
        let list = w
            .base
            .accesses(&root, "cloudtrail", "LookupEvents", &json!({}))
            .unwrap();
        assert_eq!(list[0].resource, "*");
        assert_eq!(rampart_service::testkit::sar_violation(&list[0]), None);
    }

    #[test]
    fn trails_without_validation_get_no_digests() {
        let w = World::new();
        w.trail("trail1", json!({}));
        w.record("kms", "ListKeys", "us-east-1", true);
        w.delivery.deliver_logs(Cutoff::Everything);
        assert_eq!(w.delivery.deliver_digests().digests, 0);
    }

    #[derive(Debug, Clone)]
    enum Step {
        Record {
            source: &'static str,
            region: &'static str,
            read_only: bool,
        },
        Advance(u64),
        Deliver(Cutoff, Fail),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (
                prop::sample::select(vec!["kms", "iam", "sts", "secretsmanager"]),
                prop::sample::select(vec!["us-east-1", "eu-west-1", "ap-south-1"]),
                any::<bool>(),
            )
                .prop_map(|(source, region, read_only)| Step::Record {
                    source,
                    region,
                    read_only
                }),
            2 => (0u64..4).prop_map(Step::Advance),
            2 => (
                prop::sample::select(vec![Cutoff::Settled, Cutoff::Everything]),
                prop::sample::select(vec![Fail::Never, Fail::Never, Fail::BeforeWrite, Fail::AfterWrite]),
            )
                .prop_map(|(c, f)| Step::Deliver(c, f)),
        ]
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the interleaving of calls, deliveries and failed writes, the files end up
        /// holding exactly the events the trail selects (a model of the rules, restated), and
        /// an event appears twice only if a write was reported failed after it happened.
        #[test]
        fn delivery_is_complete_exact_and_at_least_once(
            multi in any::<bool>(),
            global in any::<bool>(),
            rw in prop::sample::select(vec!["All", "ReadOnly", "WriteOnly"]),
            steps in prop::collection::vec(step(), 1..30),
        ) {
            let w = World::new();
            w.trail("prop-trail", json!({
                "IsMultiRegionTrail": multi,
                "IncludeGlobalServiceEvents": global || multi,
            }));
            w.call("us-east-1", "PutEventSelectors", json!({
                "TrailName": "prop-trail", "EventSelectors": [{ "ReadWriteType": rw }]
            }));
            let global = global || multi;
            let mut expected = BTreeSet::new();
            let mut lost_acks = false;
            for step in steps {
                match step {
                    Step::Record { source, region, read_only } => {
                        let id = w.record(source, "Op", region, read_only);
                        let is_global = matches!(source, "iam" | "sts");
                        let region_ok = if is_global {
                            global && (multi || region == "us-east-1")
                        } else {
                            multi || region == "us-east-1"
                        };
                        let rw_ok = match rw {
                            "ReadOnly" => read_only,
                            "WriteOnly" => !read_only,
                            _ => true,
                        };
                        if region_ok && rw_ok {
                            expected.insert(id);
                        }
                    }
                    Step::Advance(s) => w.advance(s),
                    Step::Deliver(cutoff, fail) => {
                        *w.sink.failing.lock().unwrap() = fail;
                        let done = w.delivery.deliver_logs(cutoff);
                        lost_acks |= fail == Fail::AfterWrite && done.failures > 0;
                        *w.sink.failing.lock().unwrap() = Fail::Never;
                    }
                }
            }
            w.delivery.deliver_logs(Cutoff::Everything);
            let mut delivered = Vec::new();
            for (key, bytes) in w.sink.objects.lock().unwrap().iter() {
                for event in read_log_file(bytes).unwrap() {
                    let folder = format!("/CloudTrail/{}/", event.aws_region);
                    prop_assert!(key.contains(&folder));
                    delivered.push(event.event_id);
                }
            }
            let unique: BTreeSet<String> = delivered.iter().cloned().collect();
            prop_assert_eq!(&unique, &expected);
            if !lost_acks {
                prop_assert_eq!(unique.len(), delivered.len());
            }
        }
    }
}
