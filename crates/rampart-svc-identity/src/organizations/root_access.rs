//! Centralized root access for member accounts, as IAM serves it on the organization:
//! ListOrganizationsFeatures, Enable/DisableOrganizationsRootCredentialsManagement and
//! Enable/DisableOrganizationsRootSessions, and the check `AssumeRoot` makes before it issues a
//! privileged session in a member account.
//!
//! The features need an organization with all features and IAM's trusted access
//! (`iam.amazonaws.com`). The management account enables them; it or IAM's delegated
//! administrator lists and disables them.

use super::common::read_org;
use super::model::{Change, Org, existing, update};
use super::view::view;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_types::AccountId;
use serde_json::{Value, json};

/// IAM's service principal for trusted access and delegated administration.
const IAM_PRINCIPAL: &str = "iam.amazonaws.com";
/// The feature that lets the management account manage members' root credentials.
pub(crate) const ROOT_CREDENTIALS: &str = "RootCredentialsManagement";
/// The feature that lets `AssumeRoot` open privileged sessions in member accounts.
pub(crate) const ROOT_SESSIONS: &str = "RootSessions";

/// Who may call a feature operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// Only the management account (enabling).
    Management,
    /// The management account or IAM's delegated administrator (listing, disabling).
    ManagementOrDelegated,
}

/// Whether `account` is IAM's delegated administrator in `org`.
fn iam_delegate(org: &Org, account: &str) -> bool {
    org.delegated
        .get(account)
        .is_some_and(|services| services.contains_key(IAM_PRINCIPAL))
}

/// The checks every feature operation makes, in AWS's order.
fn check(org: Option<&Org>, caller_account: &str, who: Caller) -> Result<(), AwsError> {
    let Some(org) = org else {
        return Err(crate::iam::model_error(
            "OrganizationNotFoundException",
            "The request was rejected because no organization is associated with your account."
                .into(),
        ));
    };
    let management = caller_account == org.management;
    match who {
        Caller::Management if !management => {
            return Err(crate::iam::model_error("CallerIsNotManagementAccountException", "The request was rejected because the account making the request is not the management account for the organization.".into(),
            ));
        }
        Caller::ManagementOrDelegated if !management && !iam_delegate(org, caller_account) => {
            return Err(crate::iam::model_error("AccountNotManagementOrDelegatedAdministratorException", "The request was rejected because the account is not the management account or delegated administrator.".into(),
            ));
        }
        _ => {}
    }
    if org.feature_set != "ALL" {
        return Err(crate::iam::model_error("OrganizationNotInAllFeaturesModeException", "The request was rejected because your organization does not have All features enabled.".into(),
        ));
    }
    if !org.service_access.contains_key(IAM_PRINCIPAL) {
        return Err(crate::iam::model_error("ServiceAccessNotEnabledException", "The request was rejected because trusted access is not enabled for IAM in AWS Organizations.".into(),
        ));
    }
    Ok(())
}

fn output(org: &Org) -> Value {
    let mut features = org.iam_features.clone();
    features.sort();
    json!({ "OrganizationId": org.id, "EnabledFeatures": features })
}

fn list(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let view = view(call.env).map_err(super::errors::store_error)?;
    let org = view.org.as_deref();
    check(
        org,
        call.principal.account.as_str(),
        Caller::ManagementOrDelegated,
    )?;
    Ok(org.map(output).unwrap_or_default())
}

/// Turns `feature` on or off.
fn set(call: &Call<'_>, feature: &str, on: bool) -> Result<Value, AwsError> {
    let who = match on {
        true => Caller::Management,
        false => Caller::ManagementOrDelegated,
    };
    let caller = call.principal.account.to_string();
    let view = view(call.env).map_err(super::errors::store_error)?;
    check(view.org.as_deref(), &caller, who)?;
    update(call.env, |current| {
        let org = existing(current)?;
        check(Some(org), &caller, who)?;
        org.iam_features.retain(|f| f != feature);
        if on {
            org.iam_features.push(feature.to_owned());
        }
        Ok((None, Change::of(output(org))))
    })
}

/// Registers the IAM operations of this module.
pub(crate) fn register_iam(registry: &mut Registry) {
    registry.register("iam", "ListOrganizationsFeatures", true, list);
    registry.register(
        "iam",
        "EnableOrganizationsRootCredentialsManagement",
        false,
        |call, _| set(call, ROOT_CREDENTIALS, true),
    );
    registry.register(
        "iam",
        "DisableOrganizationsRootCredentialsManagement",
        false,
        |call, _| set(call, ROOT_CREDENTIALS, false),
    );
    registry.register(
        "iam",
        "EnableOrganizationsRootSessions",
        false,
        |call, _| set(call, ROOT_SESSIONS, true),
    );
    registry.register(
        "iam",
        "DisableOrganizationsRootSessions",
        false,
        |call, _| set(call, ROOT_SESSIONS, false),
    );
}

/// The member account `AssumeRoot` may open a privileged session in: the caller's account is
/// the management account or IAM's delegated administrator, root sessions are enabled, and
/// `account` is a member account other than the management account. Refusals are AWS's `AccessDenied`.
pub(crate) fn root_session_target(call: &Call<'_>, account: &str) -> Result<AccountId, AwsError> {
    let denied = |why: &str| {
        AwsError::new(
            "AccessDenied",
            403,
            format!(
                "User: {} is not authorized to perform: sts:AssumeRoot on resource: arn:{}:iam::{account}:root ({why})",
                call.principal.arn(),
                call.env.partition
            ),
        )
    };
    let org = read_org(call, super::common::Need::Member)?;
    let caller = call.principal.account.to_string();
    if caller != org.management && !iam_delegate(&org, &caller) {
        return Err(denied(
            "the caller is not the management account or IAM's delegated administrator",
        ));
    }
    if !org.iam_features.iter().any(|f| f == ROOT_SESSIONS) {
        return Err(denied("root sessions are not enabled for the organization"));
    }
    if account == org.management || !org.accounts.contains_key(account) {
        return Err(denied(
            "the target is not a member account of the organization",
        ));
    }
    account
        .parse()
        .map_err(|_| denied("the target is not an account"))
}
