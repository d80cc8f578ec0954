//! `ScheduleExpression`s: `rate(<n> <unit>)` with `minute`/`minutes`, `hour`/`hours`,
//! `day`/`days` (singular exactly when n is 1), or `cron(<6 fields>)` in AWS's cron syntax
//! (`rampart-cron`: `L`, `W`, `#`, ranges, steps, names and the year field; exactly one of
//! day-of-month and day-of-week a `?`). Both fire (see `schedules`): a rate every period from
//! when the rule was put, a cron at each minute it names.

use rampart_cron::Cron;
use std::time::Duration;

/// A valid schedule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Schedule {
    /// `rate(...)`: every period.
    Rate(Duration),
    /// `cron(...)`.
    Cron(Cron),
}

/// The schedule `expression` describes, if EventBridge accepts it.
pub(crate) fn parse(expression: &str) -> Option<Schedule> {
    if expression.starts_with("rate(") {
        return rate(expression).map(Schedule::Rate);
    }
    Cron::from_expression(expression).ok().map(Schedule::Cron)
}

/// Whether EventBridge accepts `expression`.
pub(crate) fn valid(expression: &str) -> bool {
    parse(expression).is_some()
}

impl Schedule {
    /// When a schedule put at `now_ms` (Unix milliseconds) is first due; `None`: never.
    pub(crate) fn first_due(&self, now_ms: u64) -> Option<u64> {
        match self {
            Schedule::Rate(period) => now_ms.checked_add(period.as_millis() as u64),
            Schedule::Cron(cron) => cron_after(cron, now_ms),
        }
    }

    /// When it is due next, once it fired at `now_ms` for the time `due_ms`: a rate keeps its
    /// phase (the period after `due_ms`, or after now when the server was away for more than
    /// a period); a cron takes its first minute after now. Either way missed times are not
    /// fired again.
    pub(crate) fn following(&self, due_ms: u64, now_ms: u64) -> Option<u64> {
        match self {
            Schedule::Rate(period) => {
                let period = period.as_millis() as u64;
                let next = due_ms.checked_add(period)?;
                if next > now_ms {
                    Some(next)
                } else {
                    now_ms.checked_add(period)
                }
            }
            Schedule::Cron(cron) => cron_after(cron, now_ms),
        }
    }
}

/// The first minute `cron` names strictly after `ms`, in milliseconds.
fn cron_after(cron: &Cron, ms: u64) -> Option<u64> {
    let seconds = i64::try_from(ms / 1000).ok()?;
    let next = cron.next_after(seconds)?;
    u64::try_from(next).ok()?.checked_mul(1000)
}

/// The period of a valid `rate(...)` expression.
fn rate(expression: &str) -> Option<Duration> {
    let body = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (count, unit) = body.split_once(' ')?;
    let count: u64 = count.parse().ok().filter(|n| *n > 0)?;
    let seconds = match (unit, count == 1) {
        ("minute", true) | ("minutes", false) => 60,
        ("hour", true) | ("hours", false) => 3600,
        ("day", true) | ("days", false) => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(count.checked_mul(seconds)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert!(valid("rate(1 minute)"));
        assert!(valid("rate(5 minutes)"));
        assert!(valid("rate(2 days)"));
        assert!(valid("rate(1 hour)"));
        assert!(!valid("rate(1 minutes)"));
        assert!(!valid("rate(5 minute)"));
        assert!(!valid("rate(0 minutes)"));
        assert!(!valid("rate(5 weeks)"));
        assert_eq!(rate("rate(5 minutes)"), Some(Duration::from_secs(300)));
        assert_eq!(rate("rate(1 day)"), Some(Duration::from_secs(86_400)));
        assert_eq!(rate("cron(0 12 * * ? *)"), None);
    }

    #[test]
    fn crons() {
        assert!(valid("cron(0 12 * * ? *)"));
        assert!(valid("cron(15 10 ? * 6L 2002-2005)"));
        assert!(valid("cron(0 8 ? * MON#1 *)"));
        assert!(valid("cron(0 0 LW * ? *)"));
        assert!(!valid("cron(0 12 * * * *)"));
        assert!(!valid("cron(0 12 * *)"));
        assert!(!valid("cron(0 25 * * ? *)"));
        assert!(!valid("every minute"));
    }

    #[test]
    fn due_times() {
        // 2023-11-14T22:13:20Z.
        let now = 1_700_000_000_000;
        let hourly = parse("rate(1 hour)").unwrap();
        assert_eq!(hourly.first_due(now), Some(now + 3_600_000));
        assert_eq!(hourly.following(now, now + 10), Some(now + 3_600_000));
        // Away for three periods: the next is a period after now, not a burst.
        assert_eq!(
            hourly.following(now, now + 3 * 3_600_000),
            Some(now + 4 * 3_600_000)
        );
        let noon = parse("cron(0 12 * * ? *)").unwrap();
        let next_noon = 1_700_049_600_000; // 2023-11-15T12:00:00Z
        assert_eq!(noon.first_due(now), Some(next_noon));
        // Fired late, three days on: the next noon after now.
        let late = next_noon + 3 * 86_400_000 + 1;
        assert_eq!(
            noon.following(next_noon, late),
            Some(next_noon + 4 * 86_400_000)
        );
        let past = parse("cron(0 0 1 1 ? 2020)").unwrap();
        assert_eq!(past.first_due(now), None);
    }
}
