//! The IAM policy engine: parse, validate, evaluate and explain AWS policies.
