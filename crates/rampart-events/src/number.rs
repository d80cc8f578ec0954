//! Numbers as EventBridge compares them: as IEEE doubles, refusing in patterns a number a
//! double cannot hold exactly (`Cannot compare number : <n>`).

use serde_json::Number;

/// `n` as a double when the double holds it exactly; `None` for integers beyond 2^53 that
/// would round.
pub(crate) fn comparable(n: &Number) -> Option<f64> {
    if let Some(i) = n.as_i64() {
        let f = i as f64;
        return (f as i128 == i128::from(i) && f.abs() < 9.3e18).then_some(f);
    }
    if let Some(u) = n.as_u64() {
        let f = u as f64;
        return (f < 1.8e19 && f as u128 == u128::from(u)).then_some(f);
    }
    n.as_f64().filter(|f| f.is_finite())
}

/// Whether two JSON numbers are equal: as doubles when both are exact doubles, else as text.
pub(crate) fn same(a: &Number, b: &Number) -> bool {
    match (comparable(a), comparable(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.to_string() == b.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn doubles_hold_small_integers_and_decimals() {
        assert_eq!(comparable(&num("5")), Some(5.0));
        assert_eq!(comparable(&num("-3")), Some(-3.0));
        assert_eq!(comparable(&num("301.5")), Some(301.5));
        assert_eq!(comparable(&num("3.015e2")), Some(301.5));
    }

    #[test]
    fn integers_beyond_two_to_the_53_are_not_comparable() {
        assert_eq!(comparable(&num("9007199254740993")), None);
        assert_eq!(
            comparable(&num("9007199254740992")),
            Some(9_007_199_254_740_992.0)
        );
        assert_eq!(comparable(&num("18446744073709551615")), None);
    }

    #[test]
    fn equality_across_notations() {
        assert!(same(&num("5"), &num("5.0")));
        assert!(same(&num("301.5"), &num("3.015e2")));
        assert!(!same(&num("5"), &num("6")));
        // Account ids and other big integers compare as text.
        assert!(same(&num("9007199254740993"), &num("9007199254740993")));
        assert!(!same(&num("9007199254740993"), &num("9007199254740992")));
    }
}
