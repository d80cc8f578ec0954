//! A chain of three digests over five log files, kept in memory, then tampered with in
//! every way `validate` must notice.

use rampart_trail::{
    DigestChain, DigestSigner, DigestTarget, Event, Problem, PublicKey, TrailFiles, UserIdentity,
    ValidationReport, ValidationScope, build_digest, build_log_file_with_entry, log_file_key,
    signature_key, validate,
};
use rampart_types::{AccountId, Region};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use time::OffsetDateTime;
use time::macros::datetime;

const BUCKET: &str = "trail-bucket";
const TRAIL: &str = "main";

#[derive(Clone, Default)]
struct MemFiles(BTreeMap<String, Vec<u8>>);

impl TrailFiles for MemFiles {
    fn list(&self, prefix: &str) -> Vec<String> {
        self.0
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }
    fn read(&self, key: &str) -> Option<Vec<u8>> {
        self.0.get(key).cloned()
    }
    fn signature(&self, digest_key: &str) -> Option<String> {
        self.0
            .get(&signature_key(digest_key))
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }
}

fn gunzip(gz: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn signer() -> &'static DigestSigner {
    static SIGNER: OnceLock<DigestSigner> = OnceLock::new();
    SIGNER.get_or_init(|| DigestSigner::generate().unwrap().0)
}

fn ids() -> &'static (AccountId, Region) {
    static IDS: OnceLock<(AccountId, Region)> = OnceLock::new();
    IDS.get_or_init(|| {
        (
            "123456789012".parse().unwrap(),
            "us-east-1".parse().unwrap(),
        )
    })
}

fn event(at: OffsetDateTime, name: &str) -> Event {
    Event::api_call(
        UserIdentity::anonymous(),
        at,
        "s3.amazonaws.com",
        name,
        "us-east-1",
        "192.0.2.7",
        "123456789012",
    )
}

struct Fixture {
    files: MemFiles,
    logs: Vec<String>,
    digests: Vec<String>,
}

/// Digests ending 21:00, 22:00 and 23:00 over log files closed at 20:10, 20:40, 21:15,
/// 21:45 and 22:30.
fn fixture() -> Fixture {
    fixture_under(None)
}

/// The same chain with the trail's S3 key prefix.
fn fixture_under(prefix: Option<&str>) -> Fixture {
    let (account, region) = ids();
    let target = DigestTarget {
        bucket: BUCKET,
        prefix,
        account,
        region,
        trail_name: TRAIL,
    };
    let hours = [
        (
            datetime!(2026-11-22 21:00:00 UTC),
            vec![
                datetime!(2026-11-22 20:10:00 UTC),
                datetime!(2026-11-22 20:40:00 UTC),
            ],
        ),
        (
            datetime!(2026-11-22 22:00:00 UTC),
            vec![
                datetime!(2026-11-22 21:15:00 UTC),
                datetime!(2026-11-22 21:45:00 UTC),
            ],
        ),
        (
            datetime!(2026-11-22 23:00:00 UTC),
            vec![datetime!(2026-11-22 22:30:00 UTC)],
        ),
    ];
    let mut files = MemFiles::default();
    let mut chain = DigestChain::default();
    let (mut logs, mut digests) = (Vec::new(), Vec::new());
    for (n, (end, closes)) in hours.into_iter().enumerate() {
        let mut entries = Vec::new();
        for (i, close) in closes.into_iter().enumerate() {
            let events = [
                event(close - time::Duration::minutes(3), "GetObject"),
                event(close, "PutObject"),
            ];
            let key = log_file_key(prefix, account, region, close, &format!("unique{n}{i}"));
            let (gz, entry) = build_log_file_with_entry(BUCKET, &key, &events).unwrap();
            files.0.insert(key.clone(), gz);
            logs.push(key);
            entries.push(entry);
        }
        let built = build_digest(
            signer(),
            &mut chain,
            &target,
            datetime!(2026-11-22 20:00:00 UTC),
            end,
            entries,
        )
        .unwrap();
        files
            .0
            .insert(signature_key(&built.key), built.signature_hex.into_bytes());
        files.0.insert(built.key.clone(), built.gz);
        digests.push(built.key);
    }
    Fixture {
        files,
        logs,
        digests,
    }
}

/// The validation window over the fixture's whole chain, for the trail under `prefix`.
fn scope(prefix: Option<&str>) -> ValidationScope<'_> {
    let (account, region) = ids();
    ValidationScope {
        prefix,
        account,
        region,
        trail_name: TRAIL,
        start: datetime!(2026-11-22 20:00:00 UTC),
        end: datetime!(2026-11-22 23:30:00 UTC),
    }
}

/// Validates `files` (no key prefix) with the signer's public key.
fn check(files: &MemFiles) -> ValidationReport {
    check_with(None, files, &[signer().public_key()])
}

fn check_with(prefix: Option<&str>, files: &MemFiles, keys: &[PublicKey]) -> ValidationReport {
    validate(files, &scope(prefix), keys)
}

/// Flips bits of `mask` in the middle byte of the stored file `key`.
fn flip_middle(files: &mut MemFiles, key: &str, mask: u8) {
    let bytes = files.0.get_mut(key).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= mask;
}

/// Stores a new log file closed at `at` with one `name` event: its key.
fn add_log_file(files: &mut MemFiles, at: OffsetDateTime, name: &str, unique: &str) -> String {
    let (account, region) = ids();
    let key = log_file_key(None, account, region, at, unique);
    files.0.insert(
        key.clone(),
        rampart_trail::build_log_file(&[event(at, name)]),
    );
    key
}

fn problems(report: &ValidationReport) -> Vec<(String, Problem)> {
    report
        .findings
        .iter()
        .map(|f| (f.key.clone(), f.problem.clone()))
        .collect()
}

#[test]
fn an_untouched_chain_validates_clean() {
    let f = fixture();
    let report = check(&f.files);
    assert_eq!(problems(&report), vec![]);
    assert!(report.is_clean());
    assert_eq!(report.valid_digests.len(), 3);
    assert_eq!(report.valid_logs.len(), 5);
    assert_eq!(report.found_start, Some(datetime!(2026-11-22 20:00:00 UTC)));
    assert_eq!(report.found_end, Some(datetime!(2026-11-22 23:00:00 UTC)));
    let text = report.render(&scope(None));
    assert!(text.contains("3/3 digest files valid"), "{text}");
    assert!(text.contains("5/5 log files valid"), "{text}");
}

#[test]
fn a_flipped_byte_in_a_log_file_is_reported() {
    let mut f = fixture();
    let victim = f.logs[1].clone();
    flip_middle(&mut f.files, &victim, 0x01);
    let report = check(&f.files);
    let found = problems(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, victim);
    assert!(matches!(
        found[0].1,
        Problem::LogModified | Problem::LogInvalidFormat
    ));
    assert_eq!(report.valid_logs.len(), 4);
    assert_eq!(report.invalid_logs(), 1);
}

#[test]
fn a_rewritten_log_file_fails_its_hash() {
    let mut f = fixture();
    let victim = f.logs[3].clone();
    let forged =
        rampart_trail::build_log_file(&[event(datetime!(2026-11-22 21:40:00 UTC), "Nothing")]);
    f.files.0.insert(victim.clone(), forged);
    assert_eq!(
        problems(&check(&f.files)),
        vec![(victim, Problem::LogModified)]
    );
}

#[test]
fn a_deleted_log_file_is_reported() {
    let mut f = fixture();
    let victim = f.logs[2].clone();
    f.files.0.remove(&victim);
    assert_eq!(
        problems(&check(&f.files)),
        vec![(victim, Problem::LogDeleted)]
    );
}

#[test]
fn an_inserted_log_file_is_reported() {
    let mut f = fixture();
    let at = datetime!(2026-11-22 21:30:00 UTC);
    let key = add_log_file(&mut f.files, at, "DeleteBucket", "inserted");
    assert_eq!(
        problems(&check(&f.files)),
        vec![(key, Problem::LogNotCovered)]
    );
}

#[test]
fn a_log_file_after_the_newest_digest_is_pending_not_inserted() {
    let mut f = fixture();
    let at = datetime!(2026-11-22 23:10:00 UTC);
    add_log_file(&mut f.files, at, "GetObject", "pending");
    assert!(check(&f.files).is_clean());
}

#[test]
fn an_edited_digest_fails_its_signature() {
    let mut f = fixture();
    let victim = f.digests[1].clone();
    let json = gunzip(&f.files.0[&victim]);
    let edited = json.replace(&f.logs[2], "AWSLogs/elsewhere.json.gz");
    f.files.0.insert(victim.clone(), gzip(edited.as_bytes()));
    let report = check(&f.files);
    // The edit also dropped a log file from every digest: it is reported as uncovered.
    assert_eq!(
        problems(&report),
        vec![
            (victim, Problem::DigestSignatureInvalid),
            (f.logs[2].clone(), Problem::LogNotCovered)
        ]
    );
    assert_eq!(report.valid_digests.len(), 2);
    assert_eq!(report.invalid_digests(), 1);
}

#[test]
fn a_flipped_byte_in_a_digest_is_reported() {
    let mut f = fixture();
    let victim = f.digests[2].clone();
    flip_middle(&mut f.files, &victim, 0x80);
    let found = problems(&check(&f.files));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, victim);
    assert!(matches!(
        found[0].1,
        Problem::DigestInvalidFormat | Problem::DigestSignatureInvalid
    ));
}

#[test]
fn a_deleted_digest_breaks_the_chain_and_is_named() {
    let mut f = fixture();
    let victim = f.digests[1].clone();
    f.files.0.remove(&victim);
    let report = check(&f.files);
    let found = problems(&report);
    assert_eq!(found[0], (victim, Problem::DigestDeleted));
    // The logs only the deleted digest vouched for can no longer be verified.
    let rest: Vec<_> = found[1..]
        .iter()
        .map(|(k, p)| (k.as_str(), p.clone()))
        .collect();
    assert_eq!(
        rest,
        vec![
            (f.logs[3].as_str(), Problem::LogNotCovered),
            (f.logs[2].as_str(), Problem::LogNotCovered)
        ]
    );
    assert_eq!(
        report.valid_digests,
        vec![f.digests[2].clone(), f.digests[0].clone()]
    );
}

#[test]
fn a_missing_signature_or_unknown_key_is_reported() {
    let mut f = fixture();
    f.files.0.remove(&signature_key(&f.digests[0]));
    assert_eq!(
        problems(&check(&f.files)),
        vec![(f.digests[0].clone(), Problem::DigestSignatureInvalid)]
    );
    let f = fixture();
    let report = check_with(None, &f.files, &[]);
    assert_eq!(report.invalid_digests(), 3);
    assert!(
        matches!(&report.findings[0].problem, Problem::DigestKeyNotFound { fingerprint } if fingerprint == signer().fingerprint())
    );
}

#[test]
fn a_digest_signed_by_another_key_is_refused() {
    let f = fixture();
    let (other, _) = DigestSigner::generate().unwrap();
    let impostor = PublicKey {
        fingerprint: signer().fingerprint().to_owned(),
        ..other.public_key()
    };
    let report = check_with(None, &f.files, &[impostor]);
    assert_eq!(report.invalid_digests(), 3);
    assert!(
        report
            .findings
            .iter()
            .all(|x| x.problem == Problem::DigestSignatureInvalid)
    );
}

#[test]
fn a_moved_digest_is_reported() {
    let mut f = fixture();
    let newest = f.digests[2].clone();
    let moved = newest.replace("20261122T230000Z", "20261122T231500Z");
    let bytes = f.files.0.remove(&newest).unwrap();
    let sig = f.files.0.remove(&signature_key(&newest)).unwrap();
    f.files.0.insert(moved.clone(), bytes);
    f.files.0.insert(signature_key(&moved), sig);
    let found = problems(&check(&f.files));
    assert_eq!(found[0], (moved, Problem::DigestMoved));
}

#[test]
fn nothing_in_range_reports_no_digests() {
    let f = MemFiles::default();
    let report = check(&f);
    assert!(report.is_clean());
    assert!(report.render(&scope(None)).contains("No digests found"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any one flipped bit in any stored file's compressed body, signature, or any one
    /// deleted file (except the newest digest, which nothing vouches for, as in AWS) is
    /// reported, naming that file or the digest it belongs to.
    #[test]
    fn any_single_tampering_is_reported(pick in 0usize..1000, at in 0usize..10_000, delete in proptest::bool::ANY) {
        let mut f = fixture();
        let newest = f.digests[2].clone();
        let candidates: Vec<String> = f
            .files
            .0
            .keys()
            .filter(|k| !(delete && (**k == newest || **k == signature_key(&newest))))
            .cloned()
            .collect();
        let victim = candidates[pick % candidates.len()].clone();
        let owner = victim.strip_suffix(".signature").unwrap_or(&victim).to_owned();
        if delete {
            f.files.0.remove(&victim);
        } else {
            let bytes = f.files.0.get_mut(&victim).unwrap();
            let start = if victim.ends_with(".signature") { 0 } else { 10 };
            let i = start + at % (bytes.len() - start);
            bytes[i] ^= 0x01;
            if victim.ends_with(".signature") && !bytes[i].is_ascii_hexdigit() {
                bytes[i] = b'g';
            }
        }
        let report = check(&f.files);
        proptest::prop_assert!(!report.is_clean());
        proptest::prop_assert!(
            report.findings.iter().any(|x| x.key == owner),
            "{owner} not named in {:?}",
            report.findings
        );
    }
}

#[test]
fn a_key_prefix_is_honoured() {
    let f = fixture_under(Some("audit/trails"));
    assert!(
        f.digests
            .iter()
            .all(|k| k.starts_with("audit/trails/AWSLogs/"))
    );
    let report = check_with(Some("audit/trails"), &f.files, &[signer().public_key()]);
    assert!(report.is_clean(), "{:?}", report.findings);
    assert_eq!(
        (report.valid_digests.len(), report.valid_logs.len()),
        (3, 5)
    );
    assert!(check(&f.files).valid_digests.is_empty());
}
