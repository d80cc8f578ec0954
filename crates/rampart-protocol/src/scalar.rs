//! Scalars between wire text and the canonical JSON form: timestamps (epoch
//! seconds), blobs (base64 strings), numbers and booleans.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Number, Value};
use time::format_description::well_known::{Iso8601, Rfc2822, Rfc3339};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::model::ShapeType;

/// How a timestamp is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    /// `2015-01-01T00:00:00Z` (with milliseconds when not whole).
    Iso8601,
    /// `Thu, 01 Jan 2015 00:00:00 GMT`.
    HttpDate,
    /// Epoch seconds.
    EpochSeconds,
}

impl TimestampFormat {
    /// The format a model names (`iso8601`, `rfc822`, `unixTimestamp`), else `default`.
    pub fn from_model(name: Option<&str>, default: TimestampFormat) -> TimestampFormat {
        match name {
            Some("iso8601") => TimestampFormat::Iso8601,
            Some("rfc822") => TimestampFormat::HttpDate,
            Some("unixTimestamp") => TimestampFormat::EpochSeconds,
            _ => default,
        }
    }
}

/// Canonical epoch-seconds number from whole seconds and milliseconds.
pub fn epoch_value(seconds: i64, millis: u32) -> Value {
    if millis == 0 {
        Value::Number(Number::from(seconds))
    } else {
        Number::from_f64(seconds as f64 + f64::from(millis) / 1000.0)
            .map_or(Value::Null, Value::Number)
    }
}

fn from_datetime(dt: OffsetDateTime) -> Value {
    epoch_value(dt.unix_timestamp(), u32::from(dt.millisecond()))
}

/// Parses any wire timestamp text (ISO-8601, HTTP date, or epoch seconds) into
/// canonical epoch seconds.
pub fn parse_timestamp(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(dt) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(from_datetime(dt));
    }
    if let Ok(dt) = OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(from_datetime(dt));
    }
    let no_zone = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(dt) = PrimitiveDateTime::parse(text, &no_zone) {
        return Some(from_datetime(dt.assume_utc()));
    }
    let http = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    if let Ok(dt) = PrimitiveDateTime::parse(text, &http) {
        return Some(from_datetime(dt.assume_utc()));
    }
    if let Ok(dt) = OffsetDateTime::parse(text, &Rfc2822) {
        return Some(from_datetime(dt));
    }
    let seconds: f64 = text.parse().ok()?;
    epoch_number(seconds)
}

/// Canonical epoch seconds from a float (rejecting NaN, infinities and years
/// outside 0000-9999).
pub fn epoch_number(seconds: f64) -> Option<Value> {
    if !seconds.is_finite() || !(-62_167_219_200.0..=253_402_300_799.0).contains(&seconds) {
        return None;
    }
    if seconds.fract() == 0.0 {
        return Some(Value::Number(Number::from(seconds as i64)));
    }
    Number::from_f64(seconds).map(Value::Number)
}

/// Epoch seconds of a canonical timestamp; handlers may also hand over any
/// wire text form, which is parsed leniently.
pub fn timestamp_seconds(value: &Value) -> Option<f64> {
    match value {
        Value::String(s) => parse_timestamp(s)?.as_f64(),
        v => v.as_f64(),
    }
}

fn to_datetime(value: &Value) -> Option<OffsetDateTime> {
    let seconds = timestamp_seconds(value)?;
    let whole = seconds.floor();
    let millis = ((seconds - whole) * 1000.0).round() as i64;
    let dt = OffsetDateTime::from_unix_timestamp(whole as i64).ok()?;
    dt.checked_add(time::Duration::milliseconds(millis))
}

/// Writes a canonical timestamp (epoch seconds) in a wire format.
pub fn format_timestamp(value: &Value, format: TimestampFormat) -> Option<String> {
    if format == TimestampFormat::EpochSeconds {
        return epoch_number(timestamp_seconds(value)?).map(|v| v.to_string());
    }
    let dt = to_datetime(value)?.to_offset(UtcOffset::UTC);
    let formatted = match format {
        TimestampFormat::HttpDate => dt.format(format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        )),
        _ if dt.millisecond() == 0 => dt.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        )),
        _ => dt.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        )),
    };
    formatted.ok()
}

/// Decodes a base64 blob.
pub fn decode_blob(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}

/// Encodes bytes as the canonical base64 string.
pub fn encode_blob(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Parses the text form of a scalar shape (query strings, headers, XML text)
/// into its canonical JSON value; `None` when the text does not fit the type.
pub fn parse_text(kind: ShapeType, text: &str) -> Option<Value> {
    match kind {
        ShapeType::String => Some(Value::String(text.to_owned())),
        ShapeType::Boolean => match text.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ShapeType::Integer | ShapeType::Long | ShapeType::Short | ShapeType::Byte => {
            integer_in_range(kind, text.trim().parse::<i64>().ok()?)
        }
        ShapeType::Float | ShapeType::Double => {
            let t = text.trim();
            match t {
                "NaN" | "Infinity" | "-Infinity" => Some(Value::String(t.to_owned())),
                _ => Number::from_f64(t.parse::<f64>().ok()?).map(Value::Number),
            }
        }
        ShapeType::Timestamp => parse_timestamp(text),
        ShapeType::Blob => decode_blob(text).map(|b| Value::String(encode_blob(&b))),
        _ => None,
    }
}

/// Checks an integer against the range of its shape type.
pub fn integer_in_range(kind: ShapeType, n: i64) -> Option<Value> {
    let fits = match kind {
        ShapeType::Integer => i32::try_from(n).is_ok(),
        ShapeType::Short => i16::try_from(n).is_ok(),
        ShapeType::Byte => i8::try_from(n).is_ok(),
        _ => true,
    };
    fits.then(|| Value::Number(Number::from(n)))
}

/// Writes a canonical scalar as wire text (timestamps in `format`).
pub fn scalar_text(kind: ShapeType, value: &Value, format: TimestampFormat) -> Option<String> {
    match (kind, value) {
        (ShapeType::Timestamp, v) => format_timestamp(v, format),
        (_, Value::String(s)) => Some(s.clone()),
        (_, Value::Bool(b)) => Some(b.to_string()),
        (_, Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_parse_from_every_wire_form() {
        assert_eq!(
            parse_timestamp("2015-01-01T00:00:00Z"),
            Some(json!(1_420_070_400))
        );
        assert_eq!(
            parse_timestamp("2015-01-01T00:00:00.500Z"),
            Some(json!(1_420_070_400.5))
        );
        assert_eq!(
            parse_timestamp("2015-01-01T01:00:00+01:00"),
            Some(json!(1_420_070_400))
        );
        assert_eq!(
            parse_timestamp("2015-01-01T00:00:00"),
            Some(json!(1_420_070_400))
        );
        assert_eq!(
            parse_timestamp("Thu, 01 Jan 2015 00:00:00 GMT"),
            Some(json!(1_420_070_400))
        );
        assert_eq!(parse_timestamp("1420070400"), Some(json!(1_420_070_400)));
        assert_eq!(
            parse_timestamp("1420070400.25"),
            Some(json!(1_420_070_400.25))
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("NaN"), None);
        assert_eq!(parse_timestamp("1e300"), None);
    }

    #[test]
    fn timestamps_format_in_utc() {
        let t = json!(1_420_070_400);
        assert_eq!(
            format_timestamp(&t, TimestampFormat::Iso8601).unwrap(),
            "2015-01-01T00:00:00Z"
        );
        assert_eq!(
            format_timestamp(&json!(1_420_070_400.5), TimestampFormat::Iso8601).unwrap(),
            "2015-01-01T00:00:00.500Z"
        );
        assert_eq!(
            format_timestamp(&t, TimestampFormat::HttpDate).unwrap(),
            "Thu, 01 Jan 2015 00:00:00 GMT"
        );
        assert_eq!(
            format_timestamp(&t, TimestampFormat::EpochSeconds).unwrap(),
            "1420070400"
        );
        assert_eq!(
            format_timestamp(&json!("x"), TimestampFormat::Iso8601),
            None
        );
    }

    #[test]
    fn scalar_text_types() {
        assert_eq!(parse_text(ShapeType::Integer, "12"), Some(json!(12)));
        assert_eq!(parse_text(ShapeType::Integer, "3000000000"), None);
        assert_eq!(
            parse_text(ShapeType::Long, "3000000000"),
            Some(json!(3_000_000_000_i64))
        );
        assert_eq!(parse_text(ShapeType::Integer, "x"), None);
        assert_eq!(parse_text(ShapeType::Boolean, "true"), Some(json!(true)));
        assert_eq!(parse_text(ShapeType::Boolean, "yes"), None);
        assert_eq!(parse_text(ShapeType::Double, "1.5"), Some(json!(1.5)));
        assert_eq!(parse_text(ShapeType::Blob, "aGk="), Some(json!("aGk=")));
        assert_eq!(parse_text(ShapeType::Blob, "!!"), None);
    }

    proptest::proptest! {
        #[test]
        fn iso_roundtrip(secs in -2_000_000_000i64..20_000_000_000, millis in 0u32..1000) {
            let v = epoch_value(secs, millis);
            let text = format_timestamp(&v, TimestampFormat::Iso8601).unwrap();
            proptest::prop_assert_eq!(parse_timestamp(&text), Some(v));
        }

        #[test]
        fn parse_never_panics(s in ".*") {
            let _ = parse_timestamp(&s);
        }
    }
}
