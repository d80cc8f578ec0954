//! The timestamp forms CloudTrail writes: `2026-11-22T20:00:00Z` in records and digests,
//! `20261122T2000Z` in log-file names and `20261122T200000Z` in digest-file names.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// `2026-11-22T20:00:00Z`: whole seconds, always UTC.
pub fn iso_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_default()
}

/// Parses an RFC 3339 timestamp such as `2026-11-22T20:00:00Z`.
pub fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// `20261122T2000Z`: the minute stamp in a log file's name.
pub fn compact_minutes(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let fmt = format_description!("[year][month][day]T[hour][minute]Z");
    t.format(&fmt).unwrap_or_default()
}

/// `20261122T200000Z`: the second stamp in a digest file's name.
pub fn compact_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    t.format(&fmt).unwrap_or_default()
}

/// Parses the `20261122T200000Z` stamp of a digest file's name.
pub fn parse_compact_seconds(s: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

/// Parses the `20261122T2000Z` stamp of a log file's name.
pub fn parse_compact_minutes(s: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year][month][day]T[hour][minute]Z");
    time::PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

/// `2026/11/22`: the date folders of both log and digest keys.
pub fn date_folders(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let fmt = format_description!("[year]/[month]/[day]");
    t.format(&fmt).unwrap_or_default()
}

/// Serde adapter writing an [`OffsetDateTime`] as `2026-11-22T20:00:00Z`.
pub mod seconds {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::OffsetDateTime;

    /// Writes the timestamp.
    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::iso_seconds(*t))
    }

    /// Reads the timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_iso(&text).ok_or_else(|| D::Error::custom("not an RFC 3339 timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn writes_the_three_forms() {
        let t = datetime!(2026-11-22 20:05:09.75 UTC);
        assert_eq!(iso_seconds(t), "2026-11-22T20:05:09Z");
        assert_eq!(compact_minutes(t), "20261122T2005Z");
        assert_eq!(compact_seconds(t), "20261122T200509Z");
        assert_eq!(date_folders(t), "2026/11/22");
    }

    #[test]
    fn converts_other_offsets_to_utc() {
        let t = datetime!(2026-11-23 01:00:00 +05:00);
        assert_eq!(iso_seconds(t), "2026-11-22T20:00:00Z");
    }

    #[test]
    fn parses_what_it_writes() {
        let t = datetime!(2026-11-22 20:05:09 UTC);
        assert_eq!(parse_iso(&iso_seconds(t)), Some(t));
        assert_eq!(parse_compact_seconds(&compact_seconds(t)), Some(t));
        assert_eq!(
            parse_compact_minutes("20261122T2005Z"),
            Some(datetime!(2026-11-22 20:05:00 UTC))
        );
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_compact_seconds("20261122T2005Z"), None);
    }
}
