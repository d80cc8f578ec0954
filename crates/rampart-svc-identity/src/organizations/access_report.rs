//! What IAM's Organizations access report (GenerateOrganizationsAccessReport) reads of the
//! organization: the entity an `EntityPath` names and the SCP documents that govern it.

use super::model::{Org, SCP, read_content};
use super::view::view;
use rampart_protocol::AwsError;
use rampart_service::Call;

fn invalid(message: String) -> AwsError {
    crate::iam::model_error("InvalidInputException", message)
}

/// Whether `path` (`o-x/r-x[/ou-x...][/account]`) walks down `org` from its root: each
/// segment a child of the one before.
fn walks(org: &Org, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let [organization, root, rest @ ..] = segments.as_slice() else {
        return false;
    };
    if *organization != org.id || *root != org.root {
        return false;
    }
    let mut parent = *root;
    for segment in rest {
        if org.parent_of(segment) != Some(parent) {
            return false;
        }
        parent = segment;
    }
    true
}

/// The SCP documents governing the entity `path` names, one list per level from the root
/// down, or only `policy_id`'s when one is given. The caller must be the management account of
/// an organization with SCPs enabled.
pub(crate) fn scp_levels(
    call: &Call<'_>,
    path: &str,
    policy_id: Option<&str>,
) -> Result<Vec<Vec<String>>, AwsError> {
    let view = view(call.env).map_err(super::errors::store_error)?;
    let Some(org) = view.org.as_deref() else {
        return Err(invalid(
            "The request was rejected because no organization is associated with your account."
                .into(),
        ));
    };
    if call.principal.account.as_str() != org.management {
        return Err(AwsError::new(
            "AccessDenied",
            403,
            "Only the management account of the organization can generate an Organizations access report.",
        ));
    }
    if !org.enabled(SCP) {
        return Err(invalid(
            "Service control policies must be enabled in the organization root.".into(),
        ));
    }
    if !walks(org, path) {
        return Err(invalid(format!("The entity path {path} is not valid.")));
    }
    let content = |id: &str| {
        read_content(call.env.store.as_ref(), id)
            .map_err(super::errors::store_error)
            .map(Option::unwrap_or_default)
    };
    if let Some(id) = policy_id {
        if org.policy_kind(id).as_deref() != Some(SCP) {
            return Err(invalid(format!(
                "The policy {id} is not a service control policy of the organization."
            )));
        }
        return Ok(vec![vec![content(id)?]]);
    }
    let mut levels = Vec::new();
    for node in path.trim_end_matches('/').split('/').skip(1) {
        let ids = org.attached_of(node, SCP);
        levels.push(ids.iter().map(|id| content(id)).collect::<Result<_, _>>()?);
    }
    Ok(levels)
}
