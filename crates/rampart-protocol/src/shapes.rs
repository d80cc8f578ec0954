//! Shape look-ups shared by every codec: resolving references, wire names and
//! the recursion limit.

use crate::model::{MemberRef, ServiceModel, Shape};

/// Deepest nesting any codec follows; deeper input is rejected, not recursed into.
pub const MAX_DEPTH: usize = 64;

/// A codec's failure: a message for the protocol's serialization error.
#[derive(Debug, Clone, PartialEq)]
pub struct WireError(pub String);

impl WireError {
    /// A type mismatch at a member path.
    pub fn expected(what: &str, path: &str) -> Self {
        WireError(format!(
            "Expected {what} at '{}'",
            if path.is_empty() { "input" } else { path }
        ))
    }
}

/// Result of a codec step.
pub type WireResult<T> = Result<T, WireError>;

/// Resolves a shape name in a service model.
pub fn shape<'m>(service: &'m ServiceModel, name: &str) -> WireResult<&'m Shape> {
    service
        .shape(name)
        .ok_or_else(|| WireError(format!("model shape {name} is missing")))
}

/// Fails once nesting passes [`MAX_DEPTH`].
pub fn check_depth(depth: usize) -> WireResult<()> {
    if depth > MAX_DEPTH {
        Err(WireError("Input nests too deeply".to_owned()))
    } else {
        Ok(())
    }
}

/// The wire name of a reference: its `locationName`, else the target shape's,
/// else `default` (botocore merges both into the serialization name).
pub fn wire_name<'a>(r: &'a MemberRef, target: &'a Shape, default: &'a str) -> &'a str {
    r.location_name
        .as_deref()
        .or(target.location_name.as_deref())
        .unwrap_or(default)
}

/// Whether a list or map reference is flattened (on the reference or the shape).
pub fn is_flattened(r: &MemberRef, target: &Shape) -> bool {
    r.flattened || target.flattened
}

/// Appends a path step for error messages.
pub fn join(path: &str, step: &str) -> String {
    if path.is_empty() {
        step.to_owned()
    } else {
        format!("{path}.{step}")
    }
}
