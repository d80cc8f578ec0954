//! The ISO-8601 basic timestamp SigV4 uses (`20130524T000000Z`), and the HTTP `Date` header
//! fallback.

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::error::Error;

const BASIC: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");
const IMF_FIXDATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// Formats `t` as `YYYYMMDDTHHMMSSZ` (UTC). Times outside years 0..=9999 cannot be expressed.
pub(crate) fn format(t: SystemTime) -> Result<String, Error> {
    let err = || {
        Error::new(
            crate::ErrorKind::InvalidSigningInput,
            "time cannot be formatted",
        )
    };
    // `OffsetDateTime::from(SystemTime)` panics out of range: go through the checked path.
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).map_err(|_| err())?,
        Err(e) => i64::try_from(e.duration().as_secs())
            .map(|s| -s)
            .map_err(|_| err())?,
    };
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| err())?
        .format(BASIC)
        .map_err(|_| err())
}

/// Parses an `X-Amz-Date` value; anything but exactly `YYYYMMDDTHHMMSSZ` is refused with AWS's
/// message.
pub(crate) fn parse(value: &str) -> Result<SystemTime, Error> {
    let bad = || {
        Error::incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ))
    };
    let b = value.as_bytes();
    let shape_ok = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    if !shape_ok {
        return Err(bad());
    }
    let dt = PrimitiveDateTime::parse(value, BASIC).map_err(|_| bad())?;
    Ok(dt.assume_utc().into())
}

/// Parses an HTTP `Date` header (IMF-fixdate, e.g. `Fri, 24 May 2013 00:00:00 GMT`; the
/// `-0000` / `+0000` zone that Python's `formatdate` writes is accepted too).
pub(crate) fn parse_http_date(value: &str) -> Result<SystemTime, Error> {
    let trimmed = value.trim();
    let body = trimmed
        .strip_suffix(" -0000")
        .or_else(|| trimmed.strip_suffix(" +0000"))
        .or_else(|| trimmed.strip_suffix(" GMT"))
        .unwrap_or(trimmed);
    PrimitiveDateTime::parse(&format!("{body} GMT"), IMF_FIXDATE)
        .map(|dt| dt.assume_utc().into())
        .map_err(|_| {
            Error::incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn round_trip() {
        let t = parse("20130524T000000Z").unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_369_353_600));
        assert_eq!(format(t).unwrap(), "20130524T000000Z");
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in [
            "2013-05-24T00:00:00Z",
            "20130524T000000",
            "20130524t000000Z",
            "20131324T000000Z",
            "20130524T250000Z",
            "",
            "+0130524T000000Z",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(
                e.message()
                    .starts_with("Date must be in ISO-8601 'basic format'")
            );
        }
    }

    #[test]
    fn http_date() {
        assert_eq!(
            parse_http_date("Fri, 24 May 2013 00:00:00 GMT").unwrap(),
            parse("20130524T000000Z").unwrap()
        );
        assert_eq!(
            parse_http_date("Fri, 24 May 2013 00:00:00 -0000").unwrap(),
            parse("20130524T000000Z").unwrap()
        );
        assert!(parse_http_date("yesterday").is_err());
    }
}
