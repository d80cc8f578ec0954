//! CloudTrail file delivery on the local filesystem, as scheduler duties.
//!
//! Until rampart serves S3, a trail's bucket is the folder `<data-dir>/s3/<bucket>/` and each
//! object a file at its key below it. Digest public keys are published as
//! `<data-dir>/cloudtrail-public-keys/<fingerprint>.der` for `rampart trail validate`.

use rampart_service::Duty;
use rampart_svc_audit::{Cutoff, Delivered, Delivery, ObjectSink};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// The folder that stands for S3 bucket `bucket`.
pub fn bucket_dir(data_dir: &Path, bucket: &str) -> PathBuf {
    data_dir.join("s3").join(bucket)
}

/// The folder of published digest public keys.
pub fn public_keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("cloudtrail-public-keys")
}

/// Writes objects as files under the data directory, durably: each file is written under a
/// temporary name, synced, renamed into place, and its folder synced.
pub struct FsSink {
    data_dir: PathBuf,
    temp_counter: AtomicU64,
}

impl FsSink {
    /// A sink writing under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        FsSink {
            data_dir: data_dir.into(),
            temp_counter: AtomicU64::new(0),
        }
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), String> {
        let dir = path
            .parent()
            .ok_or_else(|| format!("no folder for {}", path.display()))?;
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
        let written = File::create(&temp)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
            .and_then(|()| fs::rename(&temp, path))
            .and_then(|()| File::open(dir)?.sync_all());
        written.map_err(|e| {
            let _ = fs::remove_file(&temp);
            format!("cannot write {}: {e}", path.display())
        })
    }
}

impl ObjectSink for FsSink {
    fn put(&self, bucket: &str, key: &str, bytes: &[u8]) -> Result<(), String> {
        if !is_plain_name(bucket) || !key.split('/').all(is_plain_name) {
            return Err(format!("refusing object name {bucket}/{key}"));
        }
        self.write(&bucket_dir(&self.data_dir, bucket).join(key), bytes)
    }

    fn publish_public_key(&self, fingerprint: &str, der: &[u8]) -> Result<(), String> {
        if fingerprint.is_empty() || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("refusing a malformed key fingerprint".into());
        }
        let path = public_keys_dir(&self.data_dir).join(format!("{fingerprint}.der"));
        self.write(&path, der)
    }
}

/// A path segment that stays where it is put: not empty, not `.` or `..`, no NUL.
fn is_plain_name(segment: &str) -> bool {
    !segment.is_empty() && segment != "." && segment != ".." && !segment.contains('\0')
}

/// How many times the final digest run is tried while log files wait for the next second.
const FINAL_DIGEST_ATTEMPTS: usize = 8;

/// The scheduler's CloudTrail duties: log files every `logs`, digests every `digests`.
pub fn duties(delivery: &Arc<Delivery>, logs: Duration, digests: Duration) -> Vec<Duty> {
    let (for_logs, for_digests) = (delivery.clone(), delivery.clone());
    vec![
        Duty {
            name: "cloudtrail log files",
            every: logs,
            run: Box::new(move || report("log", for_logs.deliver_logs(Cutoff::Settled))),
        },
        Duty {
            name: "cloudtrail digests",
            every: digests,
            run: Box::new(move || report("digest", for_digests.deliver_digests())),
        },
    ]
}

/// Delivers everything recorded so far and the digests that cover it. Call once no request
/// can be in flight, the recorder is flushed and the scheduler is stopped.
///
/// A digest already written in the current second leaves the newest log files undigested:
/// the final run then waits for the clock's next second (a few times at most), so that a
/// cleanly stopped server leaves every log file covered.
pub fn deliver_all(delivery: &Delivery) -> Delivered {
    let logs = delivery.deliver_logs(Cutoff::Everything);
    let mut digests = Delivered::default();
    for attempt in 0..FINAL_DIGEST_ATTEMPTS {
        if attempt > 0 {
            thread::sleep(Duration::from_millis(250));
        }
        let run = delivery.deliver_digests();
        digests.digests += run.digests;
        digests.failures += run.failures;
        digests.deferred = run.deferred;
        if run.deferred == 0 {
            break;
        }
    }
    Delivered {
        log_files: logs.log_files,
        digests: digests.digests,
        failures: logs.failures + digests.failures,
        deferred: digests.deferred,
    }
}

fn report(kind: &str, done: Delivered) {
    if done.log_files + done.digests > 0 || done.failures > 0 {
        tracing::info!(
            kind,
            log_files = done.log_files,
            digests = done.digests,
            failures = done.failures,
            "CloudTrail delivery"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_service::testkit::World;
    use rampart_trail::{Event, UserIdentity, read_log_file};
    use rampart_types::Clock;
    use serde_json::json;

    #[test]
    fn stopping_delivers_what_was_recorded_to_the_bucket_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut world = World::at(1_800_000_000, |_| {});
        let (env, clock) = (world.env.clone(), world.clock.clone());
        let recorder = rampart_svc_audit::Recorder::start(env.store.clone(), clock.clone());
        rampart_svc_audit::register(&mut world.registry, recorder.clone());
        let root = world.root();
        for (op, input) in [
            (
                "CreateTrail",
                json!({"Name": "main", "S3BucketName": "trail-bucket"}),
            ),
            ("StartLogging", json!({"Name": "main"})),
        ] {
            world.call_as(&root, "cloudtrail", op, input).unwrap();
        }
        let event = Event::api_call(
            UserIdentity::anonymous(),
            time::OffsetDateTime::from(clock.now()),
            "kms.amazonaws.com",
            "ListKeys",
            "us-east-1",
            "127.0.0.1",
            "123456789012",
        );
        recorder.record(&event);
        let delivery = Arc::new(Delivery::new(
            env.clone(),
            recorder,
            Arc::new(FsSink::new(dir.path())),
        ));
        let hour = Duration::from_secs(3600);
        let (_ticker, inbox) = crate::scheduler::channel();
        let scheduler =
            crate::scheduler::Scheduler::start(clock, duties(&delivery, hour, hour), inbox)
                .unwrap();
        scheduler.stop();
        let done = deliver_all(&delivery);
        assert_eq!((done.log_files, done.failures), (1, 0));
        let folder = dir
            .path()
            .join("s3/trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2027/01/15");
        let file = fs::read_dir(&folder).unwrap().next().unwrap().unwrap();
        let events = read_log_file(&fs::read(file.path()).unwrap()).unwrap();
        assert_eq!(events, vec![event]);
    }

    #[test]
    fn objects_land_at_their_key_under_the_bucket_folder() {
        let dir = tempfile::tempdir().unwrap();
        let sink = FsSink::new(dir.path());
        sink.put("my-bucket", "AWSLogs/1/CloudTrail/x.json.gz", b"one")
            .unwrap();
        sink.put("my-bucket", "AWSLogs/1/CloudTrail/x.json.gz", b"two")
            .unwrap();
        let path = dir
            .path()
            .join("s3/my-bucket/AWSLogs/1/CloudTrail/x.json.gz");
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn names_that_escape_the_bucket_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sink = FsSink::new(dir.path());
        for (bucket, key) in [
            ("b", "../x"),
            ("b", "a//x"),
            ("b", "/abs"),
            ("..", "x"),
            ("b", "a/./x"),
        ] {
            assert!(sink.put(bucket, key, b"x").is_err(), "{bucket}/{key}");
        }
        assert!(sink.publish_public_key("../x", b"k").is_err());
        sink.publish_public_key("0aF9", b"der").unwrap();
        assert_eq!(
            fs::read(dir.path().join("cloudtrail-public-keys/0aF9.der")).unwrap(),
            b"der"
        );
    }
}
