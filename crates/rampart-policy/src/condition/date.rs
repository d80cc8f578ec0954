//! Date values for `Date*` operators: W3C/ISO-8601 forms or epoch seconds, as seconds
//! since the Unix epoch.

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parse_offset(s: &str) -> Option<i64> {
    if s.eq_ignore_ascii_case("z") || s.is_empty() {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (&rest[..2], &rest[2..]),
        None if rest.len() == 2 => (rest, "00"),
        None => return None,
    };
    let (h, m) = (digits(h)?, digits(m)?);
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn parse_time(s: &str) -> Option<f64> {
    let zone_at = s.find(['Z', 'z', '+', '-']).unwrap_or(s.len());
    let (clock, zone) = s.split_at(zone_at);
    let offset = parse_offset(zone)?;
    let mut fields = clock.split(':');
    let h = digits(fields.next()?)?;
    let m = fields.next().map_or(Some(0), digits)?;
    let (sec, frac) = match fields.next() {
        Some(sec) => match sec.split_once('.') {
            Some((s, f)) => (
                digits(s)?,
                digits(f)? as f64 / 10f64.powi(i32::try_from(f.len()).ok()?),
            ),
            None => (digits(sec)?, 0.0),
        },
        None => (0, 0.0),
    };
    if fields.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some((h * 3600 + m * 60 + sec - offset) as f64 + frac)
}

/// Parses a date value; `None` if it is not a date.
pub(crate) fn parse(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(epoch) = digits(s) {
        return Some(epoch as f64);
    }
    let (date, time) = match s.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut it = date.split('-');
    let y = digits(it.next()?)?;
    let m = it.next().map_or(Some(1), digits)?;
    let d = it.next().map_or(Some(1), digits)?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day_secs = (days_from_civil(y, m, d) * 86_400) as f64;
    match time {
        Some(t) => Some(day_secs + parse_time(t)?),
        None => Some(day_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn iso_forms() {
        assert_eq!(parse("1970-01-01"), Some(0.0));
        assert_eq!(parse("2024-01-01T00:00:00Z"), Some(1_704_067_200.0));
        assert_eq!(parse("2024-01-01"), Some(1_704_067_200.0));
        assert_eq!(parse("2024-01-01T01:00:00+01:00"), Some(1_704_067_200.0));
        assert_eq!(parse("2023-12-31T23:00:00-01:00"), Some(1_704_067_200.0));
        assert_eq!(parse("2024-01-01T00:00:00.500Z"), Some(1_704_067_200.5));
        assert_eq!(parse("2024-02-29T12:30Z"), Some(1_709_209_800.0));
    }

    #[test]
    fn epoch_seconds_not_millis() {
        // iam.md 15.22: epoch values are seconds (the oracle wrongly reads milliseconds).
        assert_eq!(parse("1700000000"), Some(1_700_000_000.0));
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse("2024-13-01"), None);
        assert_eq!(parse("2024-01-01T25:00:00Z"), None);
        assert_eq!(parse(""), None);
    }
}
