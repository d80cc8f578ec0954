//! AWS Security Token Service: who is calling, and temporary credentials.

mod assume_role;
mod assume_root;
mod caller;
mod decode;
mod federation;
mod input;
pub(crate) mod jwt;
mod mfa;
mod role_session;
mod saml;
mod session_token;
mod web_identity;
mod xml;

use rampart_protocol::AwsError;
use rampart_service::{Access, Call, Registry, no_rule};
use serde_json::Value;

pub(crate) fn register(registry: &mut Registry) {
    registry.register(
        "sts",
        "GetCallerIdentity",
        true,
        caller::get_caller_identity,
    );
    registry.register("sts", "GetAccessKeyInfo", true, caller::get_access_key_info);
    registry.register("sts", "AssumeRole", false, assume_role::assume_role);
    registry.register(
        "sts",
        "AssumeRoleWithSAML",
        false,
        saml::assume_role_with_saml,
    );
    registry.register(
        "sts",
        "AssumeRoleWithWebIdentity",
        false,
        web_identity::assume_role_with_web_identity,
    );
    registry.register(
        "sts",
        "GetSessionToken",
        false,
        session_token::get_session_token,
    );
    registry.register(
        "sts",
        "GetFederationToken",
        false,
        federation::get_federation_token,
    );
    registry.register("sts", "AssumeRoot", false, assume_root::assume_root);
    registry.register(
        "sts",
        "GetDelegatedAccessToken",
        false,
        crate::iam::get_delegated_access_token,
    );
    registry.register(
        "sts",
        "GetWebIdentityToken",
        false,
        crate::outbound::get_web_identity_token,
    );
    registry.register(
        "sts",
        "DecodeAuthorizationMessage",
        true,
        decode::decode_authorization_message,
    );
    registry.authorize("sts", table);
}

/// STS's authorization table (Service Authorization Reference).
fn table(call: &Call<'_>, operation: &str, input: &Value) -> Result<Vec<Access>, AwsError> {
    let action = format!("sts:{operation}");
    match operation {
        // AWS: no permission is needed for these, and not even an explicit deny stops them
        // (GetSessionToken authenticates; policies do not govern authentication).
        "GetCallerIdentity" | "GetSessionToken" => Ok(Vec::new()),
        // The token or assertion is the proof and the role's trust policy decides, in the
        // handler.
        "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML" => Ok(Vec::new()),
        "GetAccessKeyInfo" | "DecodeAuthorizationMessage" | "GetDelegatedAccessToken" => {
            Ok(vec![Access::new(action, "*")])
        }
        "AssumeRole" => assume_role::accesses(call, input),
        "AssumeRoot" => assume_root::accesses(call, input),
        "GetWebIdentityToken" => Ok(crate::outbound::token_accesses(input)),
        "GetFederationToken" => {
            let name = input
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let tags = tag_pairs(input);
            Ok(vec![
                Access::new(action, federation::federated_user_arn(call, name))
                    .with_request_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ])
        }
        _ => Err(no_rule("sts", operation)),
    }
}

/// The request's `Tags` as pairs.
pub(crate) fn tag_pairs(input: &Value) -> Vec<(String, String)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_owned(),
                t.get("Value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ))
        })
        .collect()
}
