//! `ScheduleExpression`s: `rate(<n> <unit>)` with `minute`/`minutes`, `hour`/`hours`,
//! `day`/`days` (singular exactly when n is 1), or `cron(<6 fields>)` with exactly one of
//! day-of-month and day-of-week a `?`. Schedules are validated and stored; they do not fire.

/// Whether EventBridge accepts `expression`.
pub(crate) fn valid(expression: &str) -> bool {
    if let Some(body) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let Some((count, unit)) = body.split_once(' ') else {
            return false;
        };
        let Ok(count) = count.parse::<u64>() else {
            return false;
        };
        return count > 0
            && matches!(
                (unit, count == 1),
                ("minute" | "hour" | "day", true) | ("minutes" | "hours" | "days", false)
            );
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
