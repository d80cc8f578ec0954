//! `ScheduleExpression`s: `rate(<n> <unit>)` with `minute`/`minutes`, `hour`/`hours`,
//! `day`/`days` (singular exactly when n is 1), or `cron(<6 fields>)` with exactly one of
//! day-of-month and day-of-week a `?`. `rate` schedules fire (see `schedules`); `cron`
//! schedules are validated and stored but do not fire yet.

use std::time::Duration;

/// The period of a valid `rate(...)` expression.
pub(crate) fn rate(expression: &str) -> Option<Duration> {
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

/// Whether EventBridge accepts `expression`.
pub(crate) fn valid(expression: &str) -> bool {
    if expression.starts_with("rate(") {
        return rate(expression).is_some();
    }
    let Some(body) = expression
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))
    else {
        return false;
    };
    let fields: Vec<&str> = body.split(' ').collect();
    let allowed = |f: &str| {
        !f.is_empty()
            && f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b",-*?/LW#".contains(&b))
    };
    fields.len() == 6
        && fields.iter().all(|f| allowed(f))
        && ((fields[2] == "?") != (fields[4] == "?"))
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
        assert!(!valid("cron(0 12 * * * *)"));
        assert!(!valid("cron(0 12 * *)"));
        assert!(!valid("every minute"));
    }
}
