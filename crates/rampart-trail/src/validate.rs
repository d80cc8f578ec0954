//! The analog of `aws cloudtrail validate-logs`: walks a trail's digest chain backwards
//! from the newest digest, checks every digest's signature and every log file's hash,
//! and reports by file what was modified, deleted or inserted.

use crate::digest::{DigestFile, PublicKey, sha256_hex, string_to_sign};
use crate::logfile::key_prefix;
use crate::{gzip, timefmt};
use rampart_types::{AccountId, Region};
use std::collections::HashSet;
use std::fmt::Write as _;
use time::OffsetDateTime;

/// Read access to the files of a trail's bucket, implemented by the caller.
pub trait TrailFiles {
    /// Every key that starts with `prefix`.
    fn list(&self, prefix: &str) -> Vec<String>;
    /// The bytes stored at `key`, if any.
    fn read(&self, key: &str) -> Option<Vec<u8>>;
    /// The hex signature kept for the digest at `digest_key` (see [`crate::signature_key`]).
    fn signature(&self, digest_key: &str) -> Option<String>;
}

/// Which trail, region and period to validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationScope<'a> {
    /// The trail's `S3KeyPrefix`.
    pub prefix: Option<&'a str>,
    /// The trail's account.
    pub account: &'a AccountId,
    /// The region whose logs are validated.
    pub region: &'a Region,
    /// The trail's name.
    pub trail_name: &'a str,
    /// Validate from this time (inclusive).
    pub start: OffsetDateTime,
    /// Validate up to this time (inclusive).
    pub end: OffsetDateTime,
}

/// What is wrong with one file (or, for [`Problem::Gap`], with the period between two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A log file's content does not match the hash its digest lists.
    LogModified,
    /// A log file listed in a digest is missing.
    LogDeleted,
    /// A log file is not gzip, or has data after its end.
    LogInvalidFormat,
    /// A log file in a digested period that no digest lists.
    LogNotCovered,
    /// A digest the chain points to is missing.
    DigestDeleted,
    /// A digest is not gzipped digest JSON.
    DigestInvalidFormat,
    /// A digest's `digestS3Object` is not where it was found.
    DigestMoved,
    /// No given public key has the digest's fingerprint.
    DigestKeyNotFound {
        /// The fingerprint the digest names.
        fingerprint: String,
    },
    /// The digest's signature is missing or does not verify: it was modified.
    DigestSignatureInvalid,
    /// The digest's content does not match the hash its successor recorded.
    DigestHashMismatch,
    /// Not an error: the chain restarts, no logs were delivered between these times.
    Gap {
        /// End of the older chain.
        from: OffsetDateTime,
        /// Start of the newer chain.
        to: OffsetDateTime,
    },
}

/// One reported problem and the file it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file's key.
    pub key: String,
    /// What is wrong with it.
    pub problem: Problem,
}

impl Problem {
    /// Whether the problem concerns a digest file (rather than a log file or a gap).
    pub fn concerns_digest(&self) -> bool {
        matches!(
            self,
            Problem::DigestDeleted
                | Problem::DigestInvalidFormat
                | Problem::DigestMoved
                | Problem::DigestKeyNotFound { .. }
                | Problem::DigestSignatureInvalid
                | Problem::DigestHashMismatch
        )
    }
}

impl Finding {
    /// Whether this counts as an invalid file (everything but a gap).
    pub fn is_invalid(&self) -> bool {
        !matches!(self.problem, Problem::Gap { .. })
    }

    /// One output line in `validate-logs` style, such as
    /// `Log file\tAWSLogs/…json.gz\tINVALID: hash value doesn't match`.
    pub fn line(&self) -> String {
        let (kind, why) = match &self.problem {
            Problem::LogModified => ("Log", "hash value doesn't match".to_owned()),
            Problem::LogDeleted => ("Log", "not found".to_owned()),
            Problem::LogInvalidFormat => ("Log", "invalid format".to_owned()),
            Problem::LogNotCovered => ("Log", "not listed in any digest file".to_owned()),
            Problem::DigestDeleted => ("Digest", "not found".to_owned()),
            Problem::DigestInvalidFormat => ("Digest", "invalid format".to_owned()),
            Problem::DigestMoved => (
                "Digest",
                "has been moved from its original location".to_owned(),
            ),
            Problem::DigestKeyNotFound { fingerprint } => (
                "Digest",
                format!("public key not found for fingerprint {fingerprint}"),
            ),
            Problem::DigestSignatureInvalid => {
                ("Digest", "signature verification failed".to_owned())
            }
            Problem::DigestHashMismatch => ("Digest", "hash value doesn't match".to_owned()),
            Problem::Gap { from, to } => {
                return format!(
                    "No log files were delivered by CloudTrail between {} and {}",
                    timefmt::iso_seconds(*from),
                    timefmt::iso_seconds(*to)
                );
            }
        };
        format!("{kind} file\t{}\tINVALID: {why}", self.key)
    }
}

/// The outcome of [`validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationReport {
    /// Problems in the order found (newest first).
    pub findings: Vec<Finding>,
    /// Digests whose signature verified.
    pub valid_digests: Vec<String>,
    /// Log files whose hash matched.
    pub valid_logs: Vec<String>,
    /// Earliest time covered by a valid digest (not before the requested start).
    pub found_start: Option<OffsetDateTime>,
    /// Latest time covered by a valid digest (not after the requested end).
    pub found_end: Option<OffsetDateTime>,
}

impl ValidationReport {
    /// Whether nothing invalid was found.
    pub fn is_clean(&self) -> bool {
        !self.findings.iter().any(Finding::is_invalid)
    }

    /// How many digests were invalid (including deleted).
    pub fn invalid_digests(&self) -> usize {
        self.count_invalid(true)
    }

    /// How many log files were invalid (including deleted and not covered).
    pub fn invalid_logs(&self) -> usize {
        self.count_invalid(false)
    }

    fn count_invalid(&self, digests: bool) -> usize {
        self.findings
            .iter()
            .filter(|f| f.is_invalid() && f.problem.concerns_digest() == digests)
            .count()
    }

    /// The problems and the summary, as `validate-logs` prints them.
    pub fn render(&self, scope: &ValidationScope<'_>) -> String {
        let mut out = String::new();
        for finding in &self.findings {
            let _ = writeln!(out, "{}\n", finding.line());
        }
        let _ = writeln!(
            out,
            "Results requested for {} to {}",
            timefmt::iso_seconds(scope.start),
            timefmt::iso_seconds(scope.end)
        );
        let digests = self.valid_digests.len() + self.invalid_digests();
        if digests == 0 {
            out.push_str("No digests found\n");
            return out;
        }
        match (self.found_start, self.found_end) {
            (Some(s), Some(e)) => {
                let _ = writeln!(
                    out,
                    "Results found for {} to {}:",
                    timefmt::iso_seconds(s),
                    timefmt::iso_seconds(e)
                );
            }
            _ => out.push_str("No valid digests found in range\n"),
        }
        ratio(
            &mut out,
            self.valid_digests.len(),
            self.invalid_digests(),
            "digest",
        );
        ratio(&mut out, self.valid_logs.len(), self.invalid_logs(), "log");
        out.push('\n');
        out
    }
}

fn ratio(out: &mut String, valid: usize, invalid: usize, name: &str) {
    let total = valid + invalid;
    if total > 0 {
        let _ = write!(out, "\n{valid}/{total} {name} files valid");
        if invalid > 0 {
            let _ = write!(out, ", {invalid}/{total} {name} files INVALID");
        }
    }
}

/// Validates a trail's digests and log files in `scope` against `public_keys`.
///
/// Walks the chain from the newest digest in the period backwards through each digest's
/// `previousDigestS3Object`; a missing or invalid digest is reported and the walk goes on
/// with the next older digest found by listing. Every log file a valid digest lists is
/// hashed. Finally, log files inside the digested period that no digest lists are
/// reported as inserted.
pub fn validate(
    files: &dyn TrailFiles,
    scope: &ValidationScope<'_>,
    public_keys: &[PublicKey],
) -> ValidationReport {
    let mut walk = Walk {
        files,
        public_keys,
        report: ValidationReport::default(),
        referenced: HashSet::new(),
        oldest_digest_start: None,
        newest_digest_end: None,
    };
    let mut listed = list_digests(files, scope);
    let mut next = listed.pop().map(|(_, key)| key);
    let mut expected_hash: Option<String> = None;
    let mut last_start = scope.end;
    let mut visited = HashSet::new();
    while let Some(key) = next.take() {
        if last_start < scope.start || !visited.insert(key.clone()) {
            break;
        }
        match walk.load_digest(&key, expected_hash.take()) {
            Ok(digest) => {
                let start = timefmt::parse_iso(&digest.digest_start_time).unwrap_or(scope.start);
                let end = timefmt::parse_iso(&digest.digest_end_time).unwrap_or(scope.end);
                walk.accept(scope, &key, &digest, start, end);
                last_start = start;
                match &digest.previous_digest_s3_object {
                    Some(previous) => {
                        next = Some(previous.clone());
                        expected_hash = digest.previous_digest_hash_value.clone();
                    }
                    None => {
                        next = older_than(&mut listed, &key);
                        if let Some(older) = &next {
                            let from = digest_stamp(older).unwrap_or(start);
                            walk.report.findings.push(Finding {
                                key: older.clone(),
                                problem: Problem::Gap { from, to: start },
                            });
                        }
                    }
                }
            }
            Err(problem) => {
                walk.report.findings.push(Finding {
                    key: key.clone(),
                    problem,
                });
                next = older_than(&mut listed, &key);
            }
        }
    }
    walk.find_uncovered_logs(scope);
    walk.report
}

struct Walk<'a> {
    files: &'a dyn TrailFiles,
    public_keys: &'a [PublicKey],
    report: ValidationReport,
    /// Log keys listed by any readable digest, valid or not.
    referenced: HashSet<String>,
    oldest_digest_start: Option<OffsetDateTime>,
    newest_digest_end: Option<OffsetDateTime>,
}

impl Walk<'_> {
    /// Reads and checks one digest; records the log files it lists even when it fails.
    fn load_digest(
        &mut self,
        key: &str,
        expected_hash: Option<String>,
    ) -> Result<DigestFile, Problem> {
        let gz = self.files.read(key).ok_or(Problem::DigestDeleted)?;
        let json = gzip::decompress(&gz).ok_or(Problem::DigestInvalidFormat)?;
        let digest: DigestFile =
            serde_json::from_slice(&json).map_err(|_| Problem::DigestInvalidFormat)?;
        self.referenced
            .extend(digest.log_files.iter().map(|l| l.s3_object.clone()));
        if digest.digest_s3_object != key {
            return Err(Problem::DigestMoved);
        }
        let fingerprint = &digest.digest_public_key_fingerprint;
        let public_key = self
            .public_keys
            .iter()
            .find(|k| &k.fingerprint == fingerprint)
            .ok_or_else(|| Problem::DigestKeyNotFound {
                fingerprint: fingerprint.clone(),
            })?;
        let signature = self
            .files
            .signature(key)
            .ok_or(Problem::DigestSignatureInvalid)?;
        if !public_key.verify(string_to_sign(&digest, &json).as_bytes(), &signature) {
            return Err(Problem::DigestSignatureInvalid);
        }
        if expected_hash.is_some_and(|h| h != sha256_hex(&json)) {
            return Err(Problem::DigestHashMismatch);
        }
        Ok(digest)
    }

    /// Counts a valid digest and checks the log files it lists.
    fn accept(
        &mut self,
        scope: &ValidationScope<'_>,
        key: &str,
        digest: &DigestFile,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) {
        self.report.valid_digests.push(key.to_owned());
        let shown_start = start.max(scope.start);
        let shown_end = end.min(scope.end);
        self.report.found_start = Some(
            self.report
                .found_start
                .map_or(shown_start, |s| s.min(shown_start)),
        );
        self.report.found_end = Some(
            self.report
                .found_end
                .map_or(shown_end, |e| e.max(shown_end)),
        );
        self.oldest_digest_start = Some(self.oldest_digest_start.map_or(start, |s| s.min(start)));
        self.newest_digest_end = Some(self.newest_digest_end.map_or(end, |e| e.max(end)));
        for log in &digest.log_files {
            let problem = match self.files.read(&log.s3_object) {
                None => Some(Problem::LogDeleted),
                Some(gz) => match gzip::decompress(&gz) {
                    None => Some(Problem::LogInvalidFormat),
                    Some(json) if sha256_hex(&json) != log.hash_value => Some(Problem::LogModified),
                    Some(_) => None,
                },
            };
            match problem {
                Some(problem) => self.report.findings.push(Finding {
                    key: log.s3_object.clone(),
                    problem,
                }),
                None => self.report.valid_logs.push(log.s3_object.clone()),
            }
        }
    }

    /// Reports log files inside the validly digested period that no digest lists.
    fn find_uncovered_logs(&mut self, scope: &ValidationScope<'_>) {
        let (Some(oldest), Some(newest)) = (self.oldest_digest_start, self.newest_digest_end)
        else {
            return;
        };
        // Log names carry minutes only: compare from the start of the first digested minute.
        let from = scope.start.max(oldest);
        let lower = from
            .replace_second(0)
            .and_then(|t| t.replace_nanosecond(0))
            .unwrap_or(from);
        let upper = scope.end.min(newest);
        let dir = format!(
            "{}AWSLogs/{}/CloudTrail/{}/",
            key_prefix(scope.prefix),
            scope.account,
            scope.region
        );
        let name_start = format!("{}_CloudTrail_{}_", scope.account, scope.region);
        let mut keys = self.files.list(&dir);
        keys.sort();
        for key in keys.into_iter().rev() {
            let Some(stamp) = log_stamp(&key, &name_start) else {
                continue;
            };
            if stamp >= lower && stamp < upper && !self.referenced.contains(&key) {
                self.report.findings.push(Finding {
                    key,
                    problem: Problem::LogNotCovered,
                });
            }
        }
    }
}

/// The digests of this trail and region whose end time falls in the scope, oldest first.
fn list_digests(
    files: &dyn TrailFiles,
    scope: &ValidationScope<'_>,
) -> Vec<(OffsetDateTime, String)> {
    let dir = format!(
        "{}AWSLogs/{}/CloudTrail-Digest/{}/",
        key_prefix(scope.prefix),
        scope.account,
        scope.region
    );
    let name_start = format!(
        "{account}_CloudTrail-Digest_{region}_{trail}_{region}_",
        account = scope.account,
        region = scope.region,
        trail = scope.trail_name
    );
    let mut found: Vec<(OffsetDateTime, String)> = files
        .list(&dir)
        .into_iter()
        .filter_map(|key| {
            let stamp = file_name(&key)
                .strip_prefix(name_start.as_str())?
                .strip_suffix(".json.gz")?;
            let t = timefmt::parse_compact_seconds(stamp)?;
            (t >= scope.start && t <= scope.end).then_some((t, key))
        })
        .collect();
    found.sort();
    found
}

/// Pops listed digests until one older than `key`'s stamp, and returns it.
fn older_than(listed: &mut Vec<(OffsetDateTime, String)>, key: &str) -> Option<String> {
    let Some(limit) = digest_stamp(key) else {
        return listed.pop().map(|(_, k)| k);
    };
    while let Some((t, k)) = listed.pop() {
        if t < limit {
            return Some(k);
        }
    }
    None
}

fn file_name(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// The end time in a digest file's name (the 16 characters before `.json.gz`).
fn digest_stamp(key: &str) -> Option<OffsetDateTime> {
    let stem = key.strip_suffix(".json.gz")?;
    let stamp = stem.get(stem.len().checked_sub(16)?..)?;
    timefmt::parse_compact_seconds(stamp)
}

/// The minute stamp in a log file's name: `<name_start><YYYYMMDDTHHmmZ>_<unique>.json.gz`.
fn log_stamp(key: &str, name_start: &str) -> Option<OffsetDateTime> {
    let rest = file_name(key).strip_prefix(name_start)?;
    let rest = rest.strip_suffix(".json.gz")?;
    let (stamp, _unique) = rest.split_once('_')?;
    timefmt::parse_compact_minutes(stamp)
}
