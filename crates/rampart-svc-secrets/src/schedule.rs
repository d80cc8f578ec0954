//! Rotation schedules: `RotationRules` (`AutomaticallyAfterDays`, `ScheduleExpression` as
//! `rate(N days|hours)` or a six-field `cron(minutes hours day-of-month month day-of-week
//! year)`, `Duration` window) checked as AWS does, and the next time a rotation is due. All
//! times are UTC, in milliseconds since the epoch.

use crate::errors;
use rampart_cron::Cron;
use rampart_protocol::AwsError;
use serde_json::{Value, json};

const HOUR_MS: i64 = 3_600_000;
use crate::model::DAY_MS;

/// A checked schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// Every `n` days, windows opening at midnight.
    Days(i64),
    /// Every `n` hours.
    Hours(i64),
    /// A cron expression (AWS's syntax, `rampart-cron`).
    Cron(Box<Cron>),
}

fn invalid(what: &str) -> AwsError {
    errors::invalid_parameter(format!("Invalid schedule expression: {what}"))
}

/// Parses `rate(...)` or `cron(...)`.
pub(crate) fn parse_expression(expression: &str) -> Result<Schedule, AwsError> {
    if expression.chars().count() > 256 {
        return Err(errors::validation(
            "rotationRules.scheduleExpression",
            "Member must have length less than or equal to 256",
        ));
    }
    if let Some(body) = expression
        .strip_prefix("rate(")
        .and_then(|b| b.strip_suffix(')'))
    {
        let (n, unit) = body
            .trim()
            .split_once(' ')
            .ok_or_else(|| invalid(expression))?;
        let n: i64 = n.parse().map_err(|_| invalid(expression))?;
        return match unit.trim() {
            "day" | "days" if (1..=1000).contains(&n) => Ok(Schedule::Days(n)),
            "hour" | "hours" if (4..=23).contains(&n) => Ok(Schedule::Hours(n)),
            _ => Err(invalid("rate() takes 4 to 23 hours or 1 to 1000 days")),
        };
    }
    if let Some(body) = expression
        .strip_prefix("cron(")
        .and_then(|b| b.strip_suffix(')'))
    {
        let cron = Cron::parse(body).map_err(|e| invalid(&e.0))?;
        return Ok(Schedule::Cron(Box::new(cron)));
    }
    Err(invalid(expression))
}

/// Checks `RotationRules` and returns them as stored (and answered) with the schedule.
pub(crate) fn check_rules(rules: &Value) -> Result<(Value, Schedule), AwsError> {
    let days = rules.get("AutomaticallyAfterDays").and_then(Value::as_i64);
    let expression = rules.get("ScheduleExpression").and_then(Value::as_str);
    let duration = rules.get("Duration").and_then(Value::as_str);
    let schedule = match (days, expression) {
        (Some(_), Some(_)) => {
            return Err(errors::invalid_parameter(
                "You can't specify both AutomaticallyAfterDays and ScheduleExpression.",
            ));
        }
        (Some(d), None) if (1..=1000).contains(&d) => Schedule::Days(d),
        (Some(_), None) => {
            return Err(errors::validation(
                "rotationRules.automaticallyAfterDays",
                "Member must have value between 1 and 1000",
            ));
        }
        (None, Some(e)) => parse_expression(e)?,
        (None, None) => {
            return Err(errors::invalid_parameter(
                "RotationRules must have AutomaticallyAfterDays or ScheduleExpression.",
            ));
        }
    };
    let mut stored = json!({});
    if let Some(d) = days {
        stored["AutomaticallyAfterDays"] = d.into();
    }
    if let Some(e) = expression {
        stored["ScheduleExpression"] = e.into();
    }
    if let Some(d) = duration {
        let hours: i64 = d
            .strip_suffix('h')
            .and_then(|h| h.parse().ok())
            .filter(|h| (1..=24).contains(h))
            .ok_or_else(|| {
                errors::invalid_parameter("Duration must be between 1h and 24h, such as 3h.")
            })?;
        let fits = match &schedule {
            Schedule::Hours(n) => hours <= *n,
            Schedule::Days(_) => true,
            Schedule::Cron(cron) => window_fits(cron, hours),
        };
        if !fits {
            return Err(errors::invalid_parameter(
                "The rotation window must not extend into the next UTC day or into the next rotation window.",
            ));
        }
        stored["Duration"] = d.into();
    }
    if let Schedule::Cron(cron) = &schedule
        && !at_most_every_four_hours(cron)
    {
        return Err(errors::invalid_parameter(
            "Secrets Manager can rotate a secret at most every four hours.",
        ));
    }
    Ok((stored, schedule))
}

/// Whether a window of `hours` from each start ends before the next start and the UTC day.
fn window_fits(cron: &Cron, hours: i64) -> bool {
    let starts = cron.hours();
    let last_minute = cron.minutes().last().copied().unwrap_or(0);
    starts.windows(2).all(|h| i64::from(h[1] - h[0]) >= hours)
        && starts
            .last()
            .is_none_or(|h| i64::from(*h) * 60 + i64::from(last_minute) + hours * 60 <= 24 * 60)
}

/// Whether starts are at least four hours apart within a day (one minute, hours spaced):
/// Secrets Manager's narrower rule over the cron syntax.
fn at_most_every_four_hours(cron: &Cron) -> bool {
    cron.minutes().len() == 1 && cron.hours().windows(2).all(|h| h[1] - h[0] >= 4)
}

/// When the first rotation after `after` is due.
pub(crate) fn next_after(schedule: &Schedule, after: i64) -> Option<i64> {
    match schedule {
        Schedule::Days(n) => Some((after.div_euclid(DAY_MS) + n) * DAY_MS),
        Schedule::Hours(n) => Some((after.div_euclid(HOUR_MS) + n) * HOUR_MS),
        Schedule::Cron(cron) => cron
            .next_after(after.div_euclid(1000))
            .and_then(|seconds| seconds.checked_mul(1000)),
    }
}

/// The schedule of stored rules.
pub(crate) fn of_rules(rules: &Value) -> Option<Schedule> {
    check_rules(rules).ok().map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2023-11-14T22:13:20Z, a Tuesday.
    const T: i64 = 1_700_000_000_000;

    #[test]
    fn rates() {
        let day = T.div_euclid(DAY_MS) * DAY_MS;
        assert_eq!(
            next_after(&parse_expression("rate(10 days)").unwrap(), T),
            Some(day + 10 * DAY_MS)
        );
        assert_eq!(
            next_after(&parse_expression("rate(1 day)").unwrap(), T),
            Some(day + DAY_MS)
        );
        let hour = T.div_euclid(HOUR_MS) * HOUR_MS;
        assert_eq!(
            next_after(&parse_expression("rate(4 hours)").unwrap(), T),
            Some(hour + 4 * HOUR_MS)
        );
        for bad in [
            "rate(2 hours)",
            "rate(0 days)",
            "rate(1001 days)",
            "rate(5 weeks)",
            "every day",
        ] {
            assert_eq!(
                parse_expression(bad).unwrap_err().code,
                "InvalidParameterException",
                "{bad}"
            );
        }
    }

    #[test]
    fn cron_expressions() {
        let day = T.div_euclid(DAY_MS) * DAY_MS;
        // Every day at 16:00: today is already past 16:00 (22:13), so tomorrow.
        let s = parse_expression("cron(0 16 * * ? *)").unwrap();
        assert_eq!(next_after(&s, T), Some(day + DAY_MS + 16 * HOUR_MS));
        // The first and fifteenth of the month at 08:00: 2023-11-15.
        let s = parse_expression("cron(0 8 1,15 * ? *)").unwrap();
        assert_eq!(next_after(&s, T), Some(day + DAY_MS + 8 * HOUR_MS));
        // Sundays at midnight: 2023-11-19 (five days after a Tuesday).
        let s = parse_expression("cron(0 0 ? * SUN *)").unwrap();
        assert_eq!(next_after(&s, T), Some(day + 5 * DAY_MS));
        // Every 4 hours from 02:00 on weekdays MON-FRI: Wednesday 02:00.
        let s = parse_expression("cron(0 2/4 ? * MON-FRI *)").unwrap();
        assert_eq!(next_after(&s, T), Some(day + DAY_MS + 2 * HOUR_MS));
        for bad in [
            "cron(0 16 * * * *)",
            "cron(0 16 ? * ? *)",
            "cron(0 25 * * ? *)",
            "cron(0 16 * *)",
        ] {
            assert_eq!(
                parse_expression(bad).unwrap_err().code,
                "InvalidParameterException",
                "{bad}"
            );
        }
    }

    #[test]
    fn rules() {
        let (stored, s) =
            check_rules(&json!({"AutomaticallyAfterDays": 30, "Duration": "2h"})).unwrap();
        assert_eq!(s, Schedule::Days(30));
        assert_eq!(
            stored,
            json!({"AutomaticallyAfterDays": 30, "Duration": "2h"})
        );
        let both = json!({"AutomaticallyAfterDays": 30, "ScheduleExpression": "rate(2 days)"});
        assert_eq!(
            check_rules(&both).unwrap_err().code,
            "InvalidParameterException"
        );
        assert_eq!(
            check_rules(&json!({"AutomaticallyAfterDays": 0}))
                .unwrap_err()
                .code,
            "ValidationException"
        );
        assert!(
            check_rules(&json!({"ScheduleExpression": "rate(4 hours)", "Duration": "5h"})).is_err()
        );
        assert!(
            check_rules(&json!({"ScheduleExpression": "rate(1 day)", "Duration": "25h"})).is_err()
        );
    }
}
