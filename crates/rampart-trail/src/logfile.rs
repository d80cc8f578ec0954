//! Log files: where a trail writes its events and what the file holds.

use crate::event::Event;
use crate::{gzip, timefmt};
use rampart_types::{AccountId, Region};
use serde::Serialize;
use time::OffsetDateTime;

/// The S3 key of a log file:
/// `[prefix/]AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`.
///
/// `end_time` is when the file was closed; `unique` is a random string keeping names
/// apart (AWS uses 16 alphanumerics). An empty prefix is the same as none.
pub fn log_file_key(
    prefix: Option<&str>,
    account: &AccountId,
    region: &Region,
    end_time: OffsetDateTime,
    unique: &str,
) -> String {
    format!(
        "{}AWSLogs/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}_{unique}.json.gz",
        key_prefix(prefix),
        timefmt::date_folders(end_time),
        timefmt::compact_minutes(end_time),
    )
}

/// A fresh random 16-character alphanumeric string for [`log_file_key`]'s `unique` part,
/// as AWS names its log files.
pub fn unique_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 16];
    // The system RNG does not fail in practice; zero bytes still give a well-formed name.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// `prefix/` for a non-empty prefix, else nothing.
pub(crate) fn key_prefix(prefix: Option<&str>) -> String {
    match prefix.map(|p| p.trim_end_matches('/')) {
        Some(p) if !p.is_empty() => format!("{p}/"),
        _ => String::new(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Records<'a> {
    records: &'a [Event],
}

/// The uncompressed body of a log file: `{"Records":[...]}`.
pub fn log_file_json(events: &[Event]) -> Vec<u8> {
    serde_json::to_vec(&Records { records: events }).unwrap_or_default()
}

/// A log file as delivered: the gzip of [`log_file_json`].
pub fn build_log_file(events: &[Event]) -> Vec<u8> {
    gzip::compress(&log_file_json(events))
}

/// Reads the events back from a delivered log file; `None` if it is not one.
pub fn read_log_file(gz: &[u8]) -> Option<Vec<Event>> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Owned {
        records: Vec<Event>,
    }
    let json = gzip::decompress(gz)?;
    serde_json::from_slice::<Owned>(&json)
        .ok()
        .map(|o| o.records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::UserIdentity;
    use time::macros::datetime;

    fn ids() -> (AccountId, Region) {
        (
            "123456789012".parse().unwrap(),
            "us-east-1".parse().unwrap(),
        )
    }

    #[test]
    fn key_follows_aws_layout() {
        let (account, region) = ids();
        let t = datetime!(2026-11-22 20:05:31 UTC);
        assert_eq!(
            log_file_key(None, &account, &region, t, "AbCdEf0123456789"),
            "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/22/123456789012_CloudTrail_us-east-1_20261122T2005Z_AbCdEf0123456789.json.gz"
        );
        assert!(
            log_file_key(Some("audit/"), &account, &region, t, "u").starts_with("audit/AWSLogs/")
        );
        assert!(log_file_key(Some(""), &account, &region, t, "u").starts_with("AWSLogs/"));
    }

    #[test]
    fn unique_suffixes_are_sixteen_alphanumerics() {
        let a = unique_suffix();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, unique_suffix());
    }

    #[test]
    fn file_is_gzipped_records() {
        let e = Event::api_call(
            UserIdentity::anonymous(),
            datetime!(2026-11-22 20:00:00 UTC),
            "s3.amazonaws.com",
            "GetObject",
            "us-east-1",
            "192.0.2.1",
            "123456789012",
        );
        let gz = build_log_file(std::slice::from_ref(&e));
        let json = gzip::decompress(&gz).unwrap();
        assert!(json.starts_with(b"{\"Records\":[{\"eventVersion\":\"1.11\""));
        assert_eq!(read_log_file(&gz), Some(vec![e]));
        assert_eq!(read_log_file(b"nope"), None);
        assert_eq!(
            gzip::decompress(&build_log_file(&[])).unwrap(),
            b"{\"Records\":[]}"
        );
    }
}
