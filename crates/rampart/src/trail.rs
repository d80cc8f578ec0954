//! `rampart trail validate`: the analog of `aws cloudtrail validate-logs`, offline, over a data
//! directory's trail folders.
//!
//! The bucket and key prefix come from `--s3-bucket`/`--s3-prefix`, or else from the trail
//! record in the data directory's embedded store (read with the server running or not). Public
//! keys come from `<DIR>/cloudtrail-public-keys/*.der`, which the server writes.

use clap::{Args, Subcommand};
use rampart_server::delivery::{bucket_dir, public_keys_dir};
use rampart_trail::{PublicKey, TrailFiles, ValidationReport, ValidationScope, signature_key};
use rampart_types::{AccountId, Arn, Region};
use std::fs;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `rampart trail ...`
#[derive(Subcommand)]
pub enum TrailCommand {
    /// Validate a trail's log files against its signed digests (like `aws cloudtrail
    /// validate-logs`). Exits 0 when everything is valid, 1 otherwise.
    Validate(ValidateArgs),
}

/// `rampart trail validate` arguments.
#[derive(Args)]
pub struct ValidateArgs {
    /// The data directory.
    #[arg(long, env = "RAMPART_DATA_DIR", default_value = rampart_server::config::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// The trail's ARN.
    #[arg(long)]
    trail_arn: String,
    /// The trail's bucket [default: read from the trail record in the store].
    #[arg(long)]
    s3_bucket: Option<String>,
    /// The trail's S3 key prefix [default: the trail's, or none with --s3-bucket].
    #[arg(long)]
    s3_prefix: Option<String>,
    /// Validate from this time (RFC 3339 or YYYY-MM-DD, UTC) [default: the beginning].
    #[arg(long)]
    start_time: Option<String>,
    /// Validate up to this time [default: now].
    #[arg(long)]
    end_time: Option<String>,
    /// Also list every valid file.
    #[arg(long)]
    verbose: bool,
}

/// Runs a trail subcommand; `Ok(true)` when everything validated.
pub fn run(command: TrailCommand) -> Result<bool, String> {
    match command {
        TrailCommand::Validate(args) => validate(&args),
    }
}

fn validate(args: &ValidateArgs) -> Result<bool, String> {
    let arn: Arn = args
        .trail_arn
        .parse()
        .map_err(|_| format!("not a trail ARN: {}", args.trail_arn))?;
    let trail_name = arn
        .resource
        .strip_prefix("trail/")
        .filter(|_| arn.service == "cloudtrail")
        .ok_or_else(|| format!("not a trail ARN: {}", args.trail_arn))?;
    let account: AccountId = arn
        .account
        .parse()
        .map_err(|_| format!("bad account in {}", args.trail_arn))?;
    let (bucket, prefix) = destination(args)?;
    let start = match &args.start_time {
        Some(t) => parse_time(t)?,
        None => OffsetDateTime::UNIX_EPOCH,
    };
    let end = match &args.end_time {
        Some(t) => parse_time(t)?,
        None => OffsetDateTime::now_utc(),
    };
    if start > end {
        return Err("--start-time is after --end-time".into());
    }
    let files = Folder(bucket_dir(&args.data_dir, &bucket));
    let keys = public_keys(&public_keys_dir(&args.data_dir))?;
    let mut regions = files.regions(prefix.as_deref(), &account);
    if regions.is_empty() {
        regions.push(arn.region.parse().map_err(|_| "bad region in the ARN")?);
    }
    println!(
        "Validating log files for trail {} between {} and {}\n",
        args.trail_arn,
        iso(start),
        iso(end)
    );
    let mut total = ValidationReport::default();
    for region in &regions {
        let scope = ValidationScope {
            prefix: prefix.as_deref(),
            account: &account,
            region,
            trail_name,
            start,
            end,
        };
        merge(&mut total, rampart_trail::validate(&files, &scope, &keys));
    }
    if args.verbose {
        for key in &total.valid_digests {
            println!("Digest file\t{key}\tvalid");
        }
        for key in &total.valid_logs {
            println!("Log file\t{key}\tvalid");
        }
    }
    let region = regions.first().cloned().unwrap_or_default();
    let scope = ValidationScope {
        prefix: prefix.as_deref(),
        account: &account,
        region: &region,
        trail_name,
        start,
        end,
    };
    print!("{}", total.render(&scope));
    Ok(total.is_clean())
}

/// The bucket and key prefix: from the flags, else from the stored trail.
fn destination(args: &ValidateArgs) -> Result<(String, Option<String>), String> {
    if let Some(bucket) = &args.s3_bucket {
        return Ok((bucket.clone(), args.s3_prefix.clone()));
    }
    let path = args.data_dir.join(rampart_server::bootstrap::STORE_FILE);
    if !path.exists() {
        return Err(format!(
            "no store at {}: pass --s3-bucket (and --s3-prefix)",
            path.display()
        ));
    }
    let store = rampart_store_sqlite::SqliteStore::open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let found = rampart_svc_audit::trail_destination(&store, &args.trail_arn)
        .map_err(|e| format!("cannot read the trail: {e}"))?
        .ok_or_else(|| {
            format!(
                "trail {} not found in {}: pass --s3-bucket",
                args.trail_arn,
                path.display()
            )
        })?;
    Ok((found.bucket, args.s3_prefix.clone().or(found.prefix)))
}

/// Adds one region's report to the total.
fn merge(total: &mut ValidationReport, part: ValidationReport) {
    total.findings.extend(part.findings);
    total.valid_digests.extend(part.valid_digests);
    total.valid_logs.extend(part.valid_logs);
    total.found_start = [total.found_start, part.found_start]
        .into_iter()
        .flatten()
        .min();
    total.found_end = [total.found_end, part.found_end]
        .into_iter()
        .flatten()
        .max();
}

/// Every `*.der` public key in `dir` (none when the folder does not exist).
fn public_keys(dir: &Path) -> Result<Vec<PublicKey>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut keys = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "der") {
            let der =
                fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            keys.push(PublicKey::from_der(der));
        }
    }
    Ok(keys)
}

fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &date_only)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| format!("not a time (use 2026-11-22T20:00:00Z or 2026-11-22): {text}"))
}

fn iso(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// A bucket folder read as S3 objects: keys are paths relative to the folder.
struct Folder(PathBuf);

impl Folder {
    /// The regions that have log or digest folders for `account`.
    fn regions(&self, prefix: Option<&str>, account: &AccountId) -> Vec<Region> {
        let base = match prefix.map(|p| p.trim_end_matches('/')) {
            Some(p) if !p.is_empty() => self.0.join(p),
            _ => self.0.clone(),
        };
        let mut regions: Vec<Region> = ["CloudTrail", "CloudTrail-Digest"]
            .iter()
            .filter_map(|kind| {
                fs::read_dir(base.join("AWSLogs").join(account.as_str()).join(kind)).ok()
            })
            .flat_map(|entries| entries.flatten())
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect();
        regions.sort();
        regions.dedup();
        regions
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        key.split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
            .then(|| self.0.join(key))
    }
}

impl TrailFiles for Folder {
    fn list(&self, prefix: &str) -> Vec<String> {
        let dir = prefix.rsplit_once('/').map_or("", |(d, _)| d);
        let mut found = Vec::new();
        let mut pending = vec![if dir.is_empty() {
            self.0.clone()
        } else {
            self.0.join(dir)
        }];
        while let Some(folder) = pending.pop() {
            let Ok(entries) = fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    pending.push(path);
                    continue;
                }
                let key = path
                    .strip_prefix(&self.0)
                    .ok()
                    .and_then(|p| p.to_str())
                    .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"));
                if let Some(key) = key.filter(|k| k.starts_with(prefix)) {
                    found.push(key);
                }
            }
        }
        found
    }

    fn read(&self, key: &str) -> Option<Vec<u8>> {
        fs::read(self.path(key)?).ok()
    }

    fn signature(&self, digest_key: &str) -> Option<String> {
        let bytes = self.read(&signature_key(digest_key))?;
        String::from_utf8(bytes).ok().map(|s| s.trim().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_rfc3339_or_as_dates() {
        assert_eq!(
            parse_time("2026-11-22T20:00:00Z").unwrap().unix_timestamp(),
            1_795_377_600
        );
        assert_eq!(
            parse_time("2026-11-22").unwrap().unix_timestamp(),
            1_795_305_600
        );
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn the_folder_lists_keys_by_prefix_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bucket");
        fs::create_dir_all(root.join("AWSLogs/1/CloudTrail/us-east-1")).unwrap();
        fs::write(root.join("AWSLogs/1/CloudTrail/us-east-1/a.json.gz"), b"a").unwrap();
        fs::write(
            root.join("AWSLogs/1/CloudTrail/us-east-1/a.json.gz.signature"),
            b" ab \n",
        )
        .unwrap();
        fs::write(dir.path().join("secret"), b"s").unwrap();
        let folder = Folder(root);
        let mut keys = folder.list("AWSLogs/1/CloudTrail/");
        keys.sort();
        assert_eq!(
            keys,
            [
                "AWSLogs/1/CloudTrail/us-east-1/a.json.gz",
                "AWSLogs/1/CloudTrail/us-east-1/a.json.gz.signature"
            ]
        );
        assert_eq!(
            folder.list("AWSLogs/1/CloudTrail/us-east-1/b"),
            Vec::<String>::new()
        );
        assert_eq!(
            folder
                .signature("AWSLogs/1/CloudTrail/us-east-1/a.json.gz")
                .as_deref(),
            Some("ab")
        );
        assert_eq!(folder.read("../secret"), None);
        let account: AccountId = "123456789012".parse().unwrap();
        assert!(folder.regions(None, &account).is_empty());
    }
}
