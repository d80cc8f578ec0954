//! rampart's own injection detectors (the engines of `SqliMatchStatement` and
//! `XssMatchStatement`): a SQL tokenizer with signature rules over the token stream, and an
//! HTML/JavaScript scanner. Both are linear in their input.

pub mod sqli;
pub mod xss;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Inputs shaped to make a careless scanner quadratic; each must finish (the test would
    /// time out otherwise) and give a plain answer.
    #[test]
    fn adversarial_inputs_stay_linear() {
        let n = 200_000;
        let cases: Vec<Vec<u8>> = vec![
            b"<a ".repeat(n / 3),
            b"<a x=\"".repeat(n / 6),
            b"on".repeat(n / 2),
            b" on".repeat(n / 3),
            b"alert)".repeat(n / 6),
            b"f(".repeat(n / 2),
            b"(((((".repeat(n / 5),
            b"'a' or ".repeat(n / 7),
            b"/*".repeat(n / 2),
            b"1+".repeat(n / 2),
            b"ascii(substring(".repeat(n / 16),
        ];
        for c in &cases {
            let _ = sqli::is_sqli(c, sqli::Sensitivity::High);
            let _ = xss::is_xss(c);
        }
    }

    #[test]
    fn an_attack_after_a_long_prefix_is_still_found() {
        let mut v = b"a ".repeat(5_000);
        v.extend_from_slice(b"x' UNION SELECT password FROM users--");
        assert!(sqli::is_sqli(&v, sqli::Sensitivity::Low));
        let mut v = b"hello ".repeat(5_000);
        v.extend_from_slice(b"<script>alert(1)</script>");
        assert!(xss::is_xss(&v));
    }

    proptest! {
        #[test]
        fn detectors_never_panic(input in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = sqli::is_sqli(&input, sqli::Sensitivity::Low);
            let _ = sqli::is_sqli(&input, sqli::Sensitivity::High);
            let _ = xss::is_xss(&input);
        }

        #[test]
        fn detectors_never_panic_on_sql_and_html_shaped_text(input in "[a-z0-9 '\"<>=()/*;#@,.-]{0,300}") {
            let _ = sqli::is_sqli(input.as_bytes(), sqli::Sensitivity::High);
            let _ = xss::is_xss(input.as_bytes());
        }
    }
}
