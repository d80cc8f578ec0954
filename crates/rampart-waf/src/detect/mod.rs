//! rampart's own injection detectors (the engines of `SqliMatchStatement` and
//! `XssMatchStatement`): a SQL tokenizer with signature rules over the token stream, and an
//! HTML/JavaScript scanner. Both are linear in their input.

pub mod sqli;
pub mod xss;
