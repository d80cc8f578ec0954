//! The six fields of an AWS cron expression, checked and turned into sets of values.

use crate::{Cron, CronError, DayOfMonth, DayOfWeek, MAX_YEAR, MIN_YEAR};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn error(field: &str, text: &str) -> CronError {
    CronError(format!("invalid {field} field `{text}`"))
}

/// One field's range and value names.
struct Field {
    name: &'static str,
    lo: u32,
    hi: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minutes",
    lo: 0,
    hi: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hours",
    lo: 0,
    hi: 23,
    names: &[],
};
const DAY: Field = Field {
    name: "day-of-month",
    lo: 1,
    hi: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    lo: 1,
    hi: 12,
    names: &MONTHS,
};
const WEEKDAY: Field = Field {
    name: "day-of-week",
    lo: 1,
    hi: 7,
    names: &WEEKDAYS,
};
const YEAR: Field = Field {
    name: "year",
    lo: MIN_YEAR,
    hi: MAX_YEAR,
    names: &[],
};

impl Field {
    /// One value: a number in range or a name (case-insensitive).
    fn value(&self, text: &str) -> Result<u32, CronError> {
        let named = self
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(text))
            .map(|i| i as u32 + 1);
        let number = (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten();
        named
            .or(number)
            .filter(|v| (self.lo..=self.hi).contains(v))
            .ok_or_else(|| error(self.name, text))
    }

    /// The values a list of `*`, `v`, `a-b`, each with an optional `/step`, allows.
    fn values(&self, text: &str) -> Result<Vec<u32>, CronError> {
        let mut out = Vec::new();
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => {
                    let step = step
                        .parse::<u32>()
                        .ok()
                        .filter(|s| *s > 0 && step.bytes().all(|b| b.is_ascii_digit()))
                        .ok_or_else(|| error(self.name, part))?;
                    (range, step)
                }
                None => (part, 1),
            };
            let (from, to) = if range == "*" {
                (self.lo, self.hi)
            } else if let Some((a, b)) = range.split_once('-') {
                (self.value(a)?, self.value(b)?)
            } else {
                let v = self.value(range)?;
                (v, if step > 1 { self.hi } else { v })
            };
            if from > to {
                return Err(error(self.name, part));
            }
            out.extend((from..=to).step_by(step as usize));
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

fn mask(values: &[u32]) -> u64 {
    values.iter().fold(0, |m, v| m | (1u64 << v))
}

fn day_of_month(text: &str) -> Result<DayOfMonth, CronError> {
    if text == "?" {
        return Ok(DayOfMonth::Any);
    }
    if text.eq_ignore_ascii_case("L") {
        return Ok(DayOfMonth::Last);
    }
    if text.eq_ignore_ascii_case("LW") {
        return Ok(DayOfMonth::LastWeekday);
    }
    if let Some(day) = text.strip_suffix(['W', 'w']) {
        return Ok(DayOfMonth::NearestWeekday(DAY.value(day)?));
    }
    Ok(DayOfMonth::Days(mask(&DAY.values(text)?)))
}

fn day_of_week(text: &str) -> Result<DayOfWeek, CronError> {
    if text == "?" {
        return Ok(DayOfWeek::Any);
    }
    // `L` alone is the last day of the week, Saturday.
    if text.eq_ignore_ascii_case("L") {
        return Ok(DayOfWeek::Days(1 << 7));
    }
    if let Some(day) = text.strip_suffix(['L', 'l']) {
        return Ok(DayOfWeek::Last(WEEKDAY.value(day)?));
    }
    if let Some((day, nth)) = text.split_once('#') {
        let nth = match nth {
            "1" | "2" | "3" | "4" | "5" => nth.parse().map_err(|_| error(WEEKDAY.name, text))?,
            _ => return Err(error(WEEKDAY.name, text)),
        };
        return Ok(DayOfWeek::Nth(WEEKDAY.value(day)?, nth));
    }
    Ok(DayOfWeek::Days(mask(&WEEKDAY.values(text)?) as u8))
}

/// Parses the six fields `minutes hours day-of-month month day-of-week year`.
pub(crate) fn fields(text: &str) -> Result<Cron, CronError> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [minutes, hours, days, months, weekdays, years] = parts.as_slice() else {
        return Err(CronError(format!(
            "a cron expression has six fields, not {}",
            parts.len()
        )));
    };
    for (field, text) in [
        (&MINUTE, minutes),
        (&HOUR, hours),
        (&MONTH, months),
        (&YEAR, years),
    ] {
        if *text == "?" {
            return Err(error(field.name, text));
        }
    }
    if (*days == "?") == (*weekdays == "?") {
        return Err(CronError(
            "exactly one of day-of-month and day-of-week must be `?`".into(),
        ));
    }
    let years = YEAR.values(years)?;
    Ok(Cron {
        minutes: mask(&MINUTE.values(minutes)?),
        hours: mask(&HOUR.values(hours)?) as u32,
        days: day_of_month(days)?,
        months: mask(&MONTH.values(months)?) as u16,
        weekdays: day_of_week(weekdays)?,
        years: years.iter().map(|y| *y as u16).collect(),
    })
}
