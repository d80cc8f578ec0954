//! AWS cron expressions, the one cron engine of rampart: EventBridge's scheduled rules and
//! Secrets Manager's rotation schedules both parse `cron(...)` here and ask it when the next
//! run is due. Times are UTC, in whole seconds since the Unix epoch.
//!
//! The six fields are `minutes hours day-of-month month day-of-week year`, as AWS documents
//! them: minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or `JAN`-`DEC`,
//! day-of-week 1-7 or `SUN`-`SAT` (1 is Sunday), year 1970-2199. Every field takes `*`, a
//! value, a range `a-b`, a step `a/n`, `*/n` or `a-b/n`, and comma-separated lists of these.
//! Exactly one of day-of-month and day-of-week is `?` (the other decides the days).
//! Day-of-month also takes `L` (the last day of the month), `LW` (the last weekday of the
//! month) and `nW` (the weekday nearest to day `n`, within the same month); day-of-week takes
//! `L` (Saturday), `nL` (the last such weekday of the month) and `n#k` (the `k`-th such weekday
//! of the month). Names are case-insensitive.
//!
//! Firing rule for schedulers built on it: a schedule fires at each due minute it is present
//! for; a scheduler that was away (a server stopped, or an administrator's clock moved past
//! several due times at once) fires once for the latest due time it missed and then waits for
//! the next one after now. AWS documents no replay of missed runs for scheduled rules, so
//! missed minutes are never fired in a burst. (EventBridge delivers a scheduled rule's event
//! within its minute, never earlier.)
//!
//! It is pure: no I/O, no clock reads, no panics on any input.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod calendar;
mod parse;
#[cfg(test)]
mod tests;

use calendar::{civil_from_days, days_from_civil, days_in_month, weekday};
use std::fmt;

/// The first year a cron expression may name.
pub const MIN_YEAR: u32 = 1970;
/// The last year a cron expression may name.
pub const MAX_YEAR: u32 = 2199;

const DAY_SECONDS: i64 = 86_400;

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError(pub String);

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CronError {}

/// The days a day-of-month field selects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfMonth {
    /// `?`: the day-of-week field decides.
    Any,
    /// A set of days, bit `d` for day `d`.
    Days(u64),
    /// `L`.
    Last,
    /// `LW`.
    LastWeekday,
    /// `nW`.
    NearestWeekday(u32),
}

/// The days a day-of-week field selects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DayOfWeek {
    /// `?`: the day-of-month field decides.
    Any,
    /// A set of weekdays, bit `w` for weekday `w` (1 = Sunday).
    Days(u8),
    /// `wL`: the last weekday `w` of the month.
    Last(u32),
    /// `w#k`: the `k`-th weekday `w` of the month.
    Nth(u32, u32),
}

/// A checked cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: DayOfMonth,
    months: u16,
    weekdays: DayOfWeek,
    /// The years allowed, ascending.
    years: Vec<u16>,
}

impl Cron {
    /// Parses the six fields (`0 12 * * ? *`).
    pub fn parse(fields: &str) -> Result<Cron, CronError> {
        parse::fields(fields)
    }

    /// Parses a schedule expression of the form `cron(<six fields>)`.
    pub fn from_expression(expression: &str) -> Result<Cron, CronError> {
        let fields = expression
            .strip_prefix("cron(")
            .and_then(|rest| rest.strip_suffix(')'))
            .ok_or_else(|| CronError("not a cron(...) expression".into()))?;
        Cron::parse(fields)
    }

    /// The minutes of the hour it runs at, ascending.
    pub fn minutes(&self) -> Vec<u32> {
        (0..60).filter(|m| self.minutes & (1 << m) != 0).collect()
    }

    /// The hours of the day it runs at, ascending.
    pub fn hours(&self) -> Vec<u32> {
        (0..24).filter(|h| self.hours & (1 << h) != 0).collect()
    }

    /// Whether it runs at the minute that contains `unix_seconds`.
    pub fn matches(&self, unix_seconds: i64) -> bool {
        let day = unix_seconds.div_euclid(DAY_SECONDS);
        let minute_of_day = unix_seconds.rem_euclid(DAY_SECONDS) / 60;
        let (year, month, _) = civil_from_days(day);
        self.year_allowed(year)
            && self.months & (1 << month) != 0
            && self.day_allowed(day)
            && self.hours & (1 << (minute_of_day / 60)) != 0
            && self.minutes & (1 << (minute_of_day % 60)) != 0
    }

    /// The first minute it runs at strictly after `unix_seconds` (the start of that minute),
    /// or `None` when it never runs again before the end of [`MAX_YEAR`].
    pub fn next_after(&self, unix_seconds: i64) -> Option<i64> {
        let first_minute = unix_seconds.div_euclid(60) + 1;
        let mut day = first_minute.div_euclid(1440);
        let mut from_minute = first_minute.rem_euclid(1440) as u32;
        loop {
            let (year, month, _) = civil_from_days(day);
            if year > i64::from(MAX_YEAR) {
                return None;
            }
            if !self.year_allowed(year) {
                let next = self.years.iter().find(|y| i64::from(**y) > year)?;
                day = days_from_civil(i64::from(*next), 1, 1);
                from_minute = 0;
                continue;
            }
            if self.months & (1 << month) == 0 {
                day = if month == 12 {
                    days_from_civil(year + 1, 1, 1)
                } else {
                    days_from_civil(year, month + 1, 1)
                };
                from_minute = 0;
                continue;
            }
            if self.day_allowed(day)
                && let Some(minute) = self.first_minute_from(from_minute)
            {
                return Some(day * DAY_SECONDS + i64::from(minute) * 60);
            }
            day += 1;
            from_minute = 0;
        }
    }

    /// The first minute of the day at or after `from` that it runs at.
    fn first_minute_from(&self, from: u32) -> Option<u32> {
        (from / 60..24)
            .filter(|h| self.hours & (1 << h) != 0)
            .find_map(|h| {
                let first = if h == from / 60 { from % 60 } else { 0 };
                (first..60)
                    .find(|m| self.minutes & (1 << m) != 0)
                    .map(|m| h * 60 + m)
            })
    }

    fn year_allowed(&self, year: i64) -> bool {
        u16::try_from(year).is_ok_and(|y| self.years.binary_search(&y).is_ok())
    }

    /// Whether the day-of-month and day-of-week fields allow `day` (days since the epoch).
    fn day_allowed(&self, day: i64) -> bool {
        let (year, month, date) = civil_from_days(day);
        let last = days_in_month(year, month);
        let wd = weekday(day);
        let by_date = match self.days {
            DayOfMonth::Any => true,
            DayOfMonth::Days(mask) => mask & (1 << date) != 0,
            DayOfMonth::Last => date == last,
            DayOfMonth::LastWeekday => date == nearest_weekday(year, month, last),
            DayOfMonth::NearestWeekday(n) => n <= last && date == nearest_weekday(year, month, n),
        };
        let by_weekday = match self.weekdays {
            DayOfWeek::Any => true,
            DayOfWeek::Days(mask) => mask & (1 << wd) != 0,
            DayOfWeek::Last(w) => wd == w && date + 7 > last,
            DayOfWeek::Nth(w, k) => wd == w && (date - 1) / 7 + 1 == k,
        };
        by_date && by_weekday
    }
}

/// The weekday (Monday to Friday) nearest to day `n` of the month, without leaving the month:
/// a Saturday moves to the Friday before (or to Monday the 3rd when `n` is the 1st), a Sunday
/// to the Monday after (or to the Friday before when `n` is the month's last day).
fn nearest_weekday(year: i64, month: u32, n: u32) -> u32 {
    let last = days_in_month(year, month);
    match weekday(days_from_civil(year, month, n)) {
        7 if n == 1 => 3,
        7 => n - 1,
        1 if n == last => n - 2,
        1 => n + 1,
        _ => n,
    }
}
