//! Next-run computations checked by hand against the calendar, and properties of next_after.

use crate::Cron;
use crate::calendar::days_from_civil;
use proptest::prelude::*;

/// Unix seconds of a UTC date and time.
fn at(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
    days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60
}

fn next(fields: &str, after: i64) -> Option<i64> {
    Cron::parse(fields).unwrap().next_after(after)
}

// 2023-11-14T22:13:20Z, a Tuesday.
const T: i64 = 1_700_000_000;

#[test]
fn plain_fields() {
    assert_eq!(next("0 12 * * ? *", T), Some(at(2023, 11, 15, 12, 0)));
    assert_eq!(next("* * * * ? *", T), Some(at(2023, 11, 14, 22, 14)));
    assert_eq!(next("0/15 * * * ? *", T), Some(at(2023, 11, 14, 22, 15)));
    assert_eq!(next("*/20 * * * ? *", T), Some(at(2023, 11, 14, 22, 20)));
    assert_eq!(next("5-10/5 22 * * ? *", T), Some(at(2023, 11, 15, 22, 5)));
    assert_eq!(next("0 8 1,15 * ? *", T), Some(at(2023, 11, 15, 8, 0)));
    assert_eq!(
        next("15 10 ? * MON-FRI *", T),
        Some(at(2023, 11, 15, 10, 15))
    );
    assert_eq!(next("0 0 ? * sun *", T), Some(at(2023, 11, 19, 0, 0)));
    assert_eq!(next("0 0 1 jan ? *", T), Some(at(2024, 1, 1, 0, 0)));
    // Strictly after: a run at exactly `after` is not the next one.
    assert_eq!(
        next("0 12 * * ? *", at(2023, 11, 15, 12, 0)),
        Some(at(2023, 11, 16, 12, 0))
    );
    assert_eq!(
        next("0 12 * * ? *", at(2023, 11, 15, 11, 59) + 59),
        Some(at(2023, 11, 15, 12, 0))
    );
}

#[test]
fn the_year_field() {
    assert_eq!(next("0 0 1 1 ? 2030", T), Some(at(2030, 1, 1, 0, 0)));
    assert_eq!(next("0 0 1 1 ? 2020-2022", T), None);
    assert_eq!(next("0 0 29 2 ? 2025-2030", T), Some(at(2028, 2, 29, 0, 0)));
    assert_eq!(next("0 0 1 1 ? 2199", at(2199, 1, 1, 0, 0)), None);
    assert_eq!(next("0 0 30 2 ? *", T), None, "February has no 30th");
}

#[test]
fn last_and_weekday_wildcards() {
    // L: the last day of the month.
    assert_eq!(next("0 0 L * ? *", T), Some(at(2023, 11, 30, 0, 0)));
    assert_eq!(next("0 0 L 2 ? 2024", T), Some(at(2024, 2, 29, 0, 0)));
    // LW: the last weekday; 2023-12-31 is a Sunday, so Friday the 29th.
    assert_eq!(next("0 0 LW 12 ? 2023", T), Some(at(2023, 12, 29, 0, 0)));
    // nW: 2023-12-02 is a Saturday → Friday the 1st; 2023-12-03 a Sunday → Monday the 4th.
    assert_eq!(next("0 0 2W 12 ? 2023", T), Some(at(2023, 12, 1, 0, 0)));
    assert_eq!(next("0 0 3W 12 ? 2023", T), Some(at(2023, 12, 4, 0, 0)));
    // 1W when the 1st is a Saturday (2024-06-01): Monday the 3rd, not May's last Friday.
    assert_eq!(next("0 0 1W 6 ? 2024", T), Some(at(2024, 6, 3, 0, 0)));
    // 31W when the 31st is a Sunday (2024-03-31): Friday the 29th.
    assert_eq!(next("0 0 31W 3 ? 2024", T), Some(at(2024, 3, 29, 0, 0)));
    // 31W in a month of 30 days never runs in that month.
    assert_eq!(next("0 0 31W 4 ? 2024", T), None);
    // 6L: the last Friday of November 2023 is the 24th.
    assert_eq!(next("0 10 ? * 6L *", T), Some(at(2023, 11, 24, 10, 0)));
    // L alone in day-of-week: Saturday.
    assert_eq!(next("0 0 ? * L *", T), Some(at(2023, 11, 18, 0, 0)));
    // 3#2: the second Tuesday; November's was the 14th (past 00:00), December's is the 12th.
    assert_eq!(next("0 0 ? * 3#2 *", T), Some(at(2023, 12, 12, 0, 0)));
    assert_eq!(next("0 0 ? * MON#1 *", T), Some(at(2023, 12, 4, 0, 0)));
    // The fifth Friday exists only in some months: December 2023 has one (the 29th).
    assert_eq!(next("0 0 ? * FRI#5 *", T), Some(at(2023, 12, 29, 0, 0)));
}

#[test]
fn refused_expressions() {
    for bad in [
        "0 12 * * * *",
        "0 12 ? * ? *",
        "0 12 * *",
        "0 12 * * ? * *",
        "60 12 * * ? *",
        "0 24 * * ? *",
        "0 0 0 * ? *",
        "0 0 32 * ? *",
        "0 0 ? 13 * *",
        "0 0 ? * 8 *",
        "0 0 ? * 3#6 *",
        "0 0 ? * 3#0 *",
        "0 0 1 1 ? 1969",
        "0 0 1 1 ? 2200",
        "0/0 * * * ? *",
        "10-5 * * * ? *",
        "? 0 1 * ? *",
        "0 0 1 FOO ? *",
        "0 0 32W * ? *",
        "0 0 ? * 9L *",
        "a 0 1 * ? *",
        "-1 0 1 * ? *",
        "+1 0 1 * ? *",
    ] {
        assert!(Cron::parse(bad).is_err(), "{bad} should be refused");
    }
    assert!(Cron::from_expression("cron(0 12 * * ? *)").is_ok());
    assert!(Cron::from_expression("rate(5 minutes)").is_err());
}

#[test]
fn minutes_and_hours_are_listed() {
    let cron = Cron::parse("0,30 2/4 * * ? *").unwrap();
    assert_eq!(cron.minutes(), vec![0, 30]);
    assert_eq!(cron.hours(), vec![2, 6, 10, 14, 18, 22]);
}

fn field(range: std::ops::RangeInclusive<u32>) -> impl Strategy<Value = String> {
    let (lo, hi) = (*range.start(), *range.end());
    prop_oneof![
        Just("*".to_owned()),
        (lo..=hi).prop_map(|v| v.to_string()),
        (lo..=hi, 1..=hi.max(1)).prop_map(|(v, s)| format!("{v}/{s}")),
        (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
        proptest::collection::vec(lo..=hi, 1..4)
            .prop_map(|vs| { vs.iter().map(u32::to_string).collect::<Vec<_>>().join(",") }),
    ]
}

fn days() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        field(1..=31).prop_map(|d| (d, "?".to_owned())),
        Just(("L".to_owned(), "?".to_owned())),
        Just(("LW".to_owned(), "?".to_owned())),
        (1u32..=31).prop_map(|d| (format!("{d}W"), "?".to_owned())),
        field(1..=7).prop_map(|w| ("?".to_owned(), w)),
        (1u32..=7).prop_map(|w| ("?".to_owned(), format!("{w}L"))),
        (1u32..=7, 1u32..=5).prop_map(|(w, k)| ("?".to_owned(), format!("{w}#{k}"))),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    (
        field(0..=59),
        field(0..=23),
        days(),
        field(1..=12),
        prop_oneof![
            Just("*".to_owned()),
            (2000u32..=2100, 0u32..=30).prop_map(|(y, n)| format!("{y}-{}", y + n)),
        ],
    )
        .prop_map(|(mi, h, (dom, dow), mo, y)| format!("{mi} {h} {dom} {mo} {dow} {y}"))
}

proptest! {
    #[test]
    fn next_after_is_the_first_matching_minute_after(
        fields in expression(),
        after in 946_684_800i64..4_102_444_800,
        probe in 0.0f64..1.0,
    ) {
        let cron = Cron::parse(&fields).unwrap();
        if let Some(next) = cron.next_after(after) {
            prop_assert!(next > after);
            prop_assert_eq!(next % 60, 0);
            prop_assert!(cron.matches(next), "{} does not match {}", fields, next);
            // The run at `next` is the next one from any moment in between.
            prop_assert_eq!(cron.next_after(next - 1), Some(next));
            // No minute strictly between `after` and `next` matches: every one when they are
            // close, else one taken at random.
            let first = (after.div_euclid(60) + 1) * 60;
            if next - first <= 3 * 86_400 {
                let mut t = first;
                while t < next {
                    prop_assert!(!cron.matches(t), "{} matches {} before {}", fields, t, next);
                    t += 60;
                }
            } else {
                let t = first + 60 * (((next - first) / 60) as f64 * probe) as i64;
                prop_assert!(t >= next || !cron.matches(t), "{} matches {} before {}", fields, t, next);
            }
            prop_assert!(cron.next_after(next).is_none_or(|n| n > next));
        }
    }

    #[test]
    fn parsing_never_panics(text in "[0-9A-Za-z*?/,#\\- ]{0,40}") {
        let _ = Cron::parse(&text).map(|c| c.next_after(0));
    }
}
