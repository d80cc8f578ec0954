//! IAM's "legacy parsing" checks (`The policy failed legacy parsing`): exact `Effect`
//! casing, the shape of date values in Date conditions, and truncated resource ARNs. The
//! rules follow the documents AWS accepts and rejects in moto's corpus (iam.md 14).

/// An integer in `[min, max]` written with optional sign and ASCII digits.
fn int_in(s: &str, min: i128, max: i128) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty()
        && digits.len() <= 30
        && digits.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<i128>().is_ok_and(|v| (min..=max).contains(&v))
}

/// The seconds field: `ss[.fraction]` optionally followed by `z` or `+hh[:mm]`.
fn seconds_ok(field: &str) -> bool {
    let (secs, zone) = if let Some((s, rest)) = field.split_once('z') {
        if !rest.is_empty() {
            return false;
        }
        (s, None)
    } else if let Some((s, zone)) = field.split_once('+') {
        (s, Some(zone))
    } else {
        (field, None)
    };
    if let Some(zone) = zone {
        let (h, m) = match zone.split_once(':') {
            Some((h, m)) => (h, Some(m)),
            None => (zone, None),
        };
        if h.len() != 2 || !int_in(h, 0, 23) || m.is_some_and(|m| m.len() != 2 || !int_in(m, 0, 59))
        {
            return false;
        }
    }
    let (whole, fraction) = match secs.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (secs, None),
    };
    int_in(whole, 0, 59) && fraction.is_none_or(|f| int_in(f, 0, 999_999_999))
}

/// A value IAM accepts in a Date condition: a W3C/ISO date-time (parts may be omitted)
/// or a non-negative epoch number.
pub(super) fn date_ok(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if !lower.contains('t') && !lower.contains('-') {
        return int_in(&lower, 0, i128::from(i64::MAX));
    }
    let (date, time) = lower.split_once('t').unwrap_or((&lower, ""));
    let (negative, date) = match date.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, date),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let year_ok = parts.first().is_some_and(|y| {
        let year = if negative {
            format!("-{y}")
        } else {
            (*y).to_owned()
        };
        int_in(&year, -292_275_054, 292_278_993)
    });
    let month_ok = parts.get(1).is_none_or(|m| int_in(m, 1, 12));
    let day_ok = parts.get(2).is_none_or(|d| int_in(d, 1, 31));
    if !(year_ok && month_ok && day_ok && parts.len() < 4) {
        return false;
    }
    let fields: Vec<&str> = time.split(':').collect();
    let hours_ok = fields[0].is_empty() || int_in(fields[0], 0, 23);
    let minutes_ok = fields.get(1).is_none_or(|m| int_in(m, 0, 59));
    let seconds = if fields.len() > 2 {
        fields[2..].join(":")
    } else {
        String::new()
    };
    hours_ok && minutes_ok && (fields.len() <= 2 || seconds_ok(&seconds))
}

/// A Resource/NotResource value that is not cut short: `*`, or at least five colons, or
/// no empty segment; and the service segment, when present, is not empty.
pub(super) fn resource_ok(r: &str) -> bool {
    if r == "*" {
        return true;
    }
    let complete = r.matches(':').count() >= 5 || !r.contains("::");
    let service_ok = r.split(':').nth(2).is_none_or(|s| !s.is_empty());
    complete && service_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_iam_accepts() {
        for ok in [
            "2019-07-01T13:20:15Z",
            "2016-12-13T21:20:37.593194+00:00",
            "2016-12-13t2:00:00.593194+23",
            "2016-12-13",
            "01T",
            "-292275054",
            "1524411111",
            "2019-07-01T13:20",
        ] {
            assert!(date_ok(ok), "{ok}");
        }
    }

    #[test]
    fn dates_iam_rejects() {
        for bad in [
            "2016-12-13t2:00:00.1999999999+10:59",
            "2016-13-01",
            "2016-12-13T24:00:00Z",
            "2016-12-13T23:60:00Z",
            "2016-12-13T23:00:00+1:00",
            "2016-12-13T23:00:00zz",
            "not a date",
            "2016-12-13-01",
        ] {
            assert!(!date_ok(bad), "{bad}");
        }
    }

    #[test]
    fn truncated_resources() {
        assert!(resource_ok("*"));
        assert!(resource_ok("arn:aws:s3:::b"));
        assert!(!resource_ok("arn:aws:s3::b"));
        assert!(!resource_ok("arn:aws::::b"));
    }
}
