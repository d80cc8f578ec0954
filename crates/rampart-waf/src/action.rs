//! Rule actions, compiled: custom request headers and custom responses validated against
//! AWS's limits and resolved against the container's response bodies.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::{REASON_EXACTLY_ONE, REASON_INVALID, WafError};
use crate::model::{self, CustomHeader, CustomResponseBody, RequestHandlingAction, RuleAction};

/// The status codes a custom response may use.
pub const CUSTOM_RESPONSE_CODES: &[u16] = &[
    200, 201, 202, 204, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 408, 409,
    411, 412, 413, 414, 415, 416, 421, 429, 500, 501, 502, 503, 504, 505,
];

/// The prefix AWS gives inserted request headers.
pub const INSERTED_HEADER_PREFIX: &str = "x-amzn-waf-";

/// What a rule (or the default action) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// Forward the request.
    Allow,
    /// Refuse the request (403 or the custom response).
    Block,
    /// Record and continue.
    Count,
    /// Ask for a CAPTCHA (405 interstitial) unless a valid token is present.
    Captcha,
    /// Ask for a silent challenge (202 interstitial) unless a valid token is present.
    Challenge,
}

impl ActionKind {
    /// The name AWS logs use: `ALLOW`, `BLOCK`, `COUNT`, `CAPTCHA`, `CHALLENGE`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Allow => "ALLOW",
            ActionKind::Block => "BLOCK",
            ActionKind::Count => "COUNT",
            ActionKind::Captcha => "CAPTCHA",
            ActionKind::Challenge => "CHALLENGE",
        }
    }
}

/// A custom response for a blocked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockResponse {
    /// The status code.
    pub status: u16,
    /// Response headers, as configured.
    pub headers: Vec<(String, String)>,
    /// `(Content-Type, body)` when a body key was given.
    pub body: Option<(&'static str, String)>,
}

/// A compiled action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Act {
    pub kind: ActionKind,
    /// Headers to insert (names already prefixed), for Allow/Count/Captcha/Challenge.
    pub headers: Vec<(String, String)>,
    /// The custom response of a Block.
    pub response: Option<Arc<BlockResponse>>,
}

impl Act {
    pub(crate) fn plain(kind: ActionKind) -> Act {
        Act {
            kind,
            headers: Vec::new(),
            response: None,
        }
    }

    /// Compiles a `RuleAction` against the container's response bodies.
    pub(crate) fn compile(
        a: &RuleAction,
        bodies: Option<&BTreeMap<String, CustomResponseBody>>,
    ) -> Result<Act, WafError> {
        Ok(match a {
            RuleAction::Block(b) => Act {
                kind: ActionKind::Block,
                headers: Vec::new(),
                response: b
                    .custom_response
                    .as_ref()
                    .map(|r| response(r, bodies))
                    .transpose()?
                    .map(Arc::new),
            },
            RuleAction::Allow(h) => handling(ActionKind::Allow, h)?,
            RuleAction::Count(h) => handling(ActionKind::Count, h)?,
            RuleAction::Captcha(h) => handling(ActionKind::Captcha, h)?,
            RuleAction::Challenge(h) => handling(ActionKind::Challenge, h)?,
        })
    }

    /// Compiles a web ACL's `DefaultAction`.
    pub(crate) fn default_action(
        a: &model::DefaultAction,
        bodies: Option<&BTreeMap<String, CustomResponseBody>>,
    ) -> Result<Act, WafError> {
        match a {
            model::DefaultAction::Allow(h) => handling(ActionKind::Allow, h),
            model::DefaultAction::Block(b) => Ok(Act {
                kind: ActionKind::Block,
                headers: Vec::new(),
                response: b
                    .custom_response
                    .as_ref()
                    .map(|r| response(r, bodies))
                    .transpose()?
                    .map(Arc::new),
            }),
        }
    }
}

fn handling(kind: ActionKind, h: &RequestHandlingAction) -> Result<Act, WafError> {
    let headers = match &h.custom_request_handling {
        None => Vec::new(),
        Some(c) => {
            check_headers(&c.insert_headers, "CUSTOM_REQUEST_HANDLING")?;
            c.insert_headers
                .iter()
                .map(|h| {
                    (
                        format!("{INSERTED_HEADER_PREFIX}{}", h.name.to_ascii_lowercase()),
                        h.value.clone(),
                    )
                })
                .collect()
        }
    };
    Ok(Act {
        kind,
        headers,
        response: None,
    })
}

fn check_headers(headers: &[CustomHeader], field: &'static str) -> Result<(), WafError> {
    if headers.is_empty() || headers.len() > 10 {
        return Err(WafError::invalid(field, "InsertHeaders", REASON_INVALID));
    }
    for h in headers {
        let name_ok = !h.name.is_empty()
            && h.name.len() <= 64
            && h.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b'-'));
        if !name_ok
            || h.value.is_empty()
            || h.value.len() > 255
            || h.value.bytes().any(|b| b == b'\r' || b == b'\n')
        {
            return Err(WafError::invalid(field, h.name.clone(), REASON_INVALID));
        }
    }
    Ok(())
}

fn response(
    r: &model::CustomResponse,
    bodies: Option<&BTreeMap<String, CustomResponseBody>>,
) -> Result<BlockResponse, WafError> {
    if !CUSTOM_RESPONSE_CODES.contains(&r.response_code) {
        return Err(WafError::invalid(
            "CUSTOM_RESPONSE",
            r.response_code.to_string(),
            REASON_INVALID,
        ));
    }
    let headers = match &r.response_headers {
        None => Vec::new(),
        Some(h) => {
            check_headers(h, "CUSTOM_RESPONSE")?;
            h.iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect()
        }
    };
    let body = match &r.custom_response_body_key {
        None => None,
        Some(key) => {
            let b = bodies.and_then(|m| m.get(key)).ok_or_else(|| {
                WafError::invalid("CUSTOM_RESPONSE_BODY", key.clone(), REASON_INVALID)
            })?;
            Some((content_type(&b.content_type)?, b.content.clone()))
        }
    };
    Ok(BlockResponse {
        status: r.response_code,
        headers,
        body,
    })
}

/// Validates a container's `CustomResponseBodies` (at most 50, 4 KB each, 50 KB total).
pub(crate) fn check_bodies(
    bodies: Option<&BTreeMap<String, CustomResponseBody>>,
) -> Result<(), WafError> {
    let Some(bodies) = bodies else { return Ok(()) };
    let total: usize = bodies.values().map(|b| b.content.len()).sum();
    if bodies.len() > 50 || total > 50 * 1024 {
        return Err(WafError::limits(
            "Custom response bodies exceed 50 entries or 50 KB.",
        ));
    }
    for (key, b) in bodies {
        content_type(&b.content_type)?;
        if b.content.is_empty() || b.content.len() > 4 * 1024 {
            return Err(WafError::invalid(
                "CUSTOM_RESPONSE_BODY",
                key.clone(),
                REASON_INVALID,
            ));
        }
    }
    Ok(())
}

fn content_type(t: &str) -> Result<&'static str, WafError> {
    match t {
        "TEXT_PLAIN" => Ok("text/plain"),
        "TEXT_HTML" => Ok("text/html"),
        "APPLICATION_JSON" => Ok("application/json"),
        other => Err(WafError::invalid(
            "RESPONSE_CONTENT_TYPE",
            other,
            REASON_INVALID,
        )),
    }
}

/// The error for a rule with both or neither of `Action` and `OverrideAction`.
pub(crate) fn exactly_one(field: &'static str, parameter: &str) -> WafError {
    WafError::invalid(field, parameter, REASON_EXACTLY_ONE)
}
