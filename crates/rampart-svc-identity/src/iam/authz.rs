//! IAM's authorization table: for each operation, the action, the resource ARN and the condition
//! keys of the Service Authorization Reference.
//!
//! Users, roles and groups are named by their ARN with the stored path (one that does not exist
//! yet, or at all, by the path in the request, else `/`); users and roles carry their tags as
//! `aws:ResourceTag/*` and `iam:ResourceTag/*` and their boundary as `iam:PermissionsBoundary`.
//! Policies are named by ARN.

use super::certificates::{SERVER_CERTIFICATE_TABLE, StoredServerCertificate};
use super::errors::store_error;
use super::records::{
    PROFILE_TABLE, StoredProfile, Tag, get_group, get_policy, get_record, get_role, get_user,
    record_key,
};
use crate::access_keys::{AccessKeyOwner, read_key};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, PrincipalKind, no_rule};
use serde_json::Value;

/// The accesses IAM `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("iam:{operation}");
    let access = match operation {
        // The account's password policy may let every IAM user change its own password
        // (`AllowUsersToChangePassword`), whatever its policies say.
        "ChangePassword" if users_may_change_passwords(call)? => return Ok(Vec::new()),
        "ListUsers" | "ListPolicies" | "ListRoles" | "ListGroups" | "ListInstanceProfiles" => {
            Access::new(action, "*")
        }
        "CreateInstanceProfile" => {
            let name = text(input, "InstanceProfileName").unwrap_or_default();
            let path = text(input, "Path").unwrap_or("/");
            Access::new(action, arn(call, Of::Profile, path, name)).with_request_tags(tags(input))
        }
        "GetInstanceProfile"
        | "DeleteInstanceProfile"
        | "RemoveRoleFromInstanceProfile"
        | "ListInstanceProfileTags" => profile_access(call, action, input)?,
        "TagInstanceProfile" => profile_access(call, action, input)?.with_request_tags(tags(input)),
        "UntagInstanceProfile" => with_tag_keys(profile_access(call, action, input)?, input),
        "AddRoleToInstanceProfile" => {
            // Putting a role in a profile passes it to whoever launches with the profile.
            let pass = entity_access(call, "iam:PassRole".into(), Of::Role, input)?
                .access
                .with("iam:PassedToService", "ec2.amazonaws.com");
            return Ok(vec![profile_access(call, action, input)?, pass]);
        }
        "CreateUser" | "CreateRole" | "CreateGroup" => {
            let of = of_operation(operation);
            let name = text(input, of.member()).unwrap_or_default();
            let path = text(input, "Path").unwrap_or("/");
            let mut access =
                Access::new(action, arn(call, of, path, name)).with_request_tags(tags(input));
            if let Some(boundary) = text(input, "PermissionsBoundary") {
                access = access.with("iam:PermissionsBoundary", boundary);
            }
            access
        }
        "GetUser"
        | "UpdateUser"
        | "DeleteUser"
        | "CreateAccessKey"
        | "DeleteAccessKey"
        | "UpdateAccessKey"
        | "ListAccessKeys"
        | "GetUserPolicy"
        | "ListUserPolicies"
        | "ListAttachedUserPolicies"
        | "ListUserTags"
        | "ListGroupsForUser"
        | "CreateLoginProfile"
        | "GetLoginProfile"
        | "UpdateLoginProfile"
        | "DeleteLoginProfile"
        | "ChangePassword"
        | "EnableMFADevice"
        | "ResyncMFADevice"
        | "DeactivateMFADevice"
        | "GetMFADevice"
        | "ListMFADevices"
        | "UploadSigningCertificate"
        | "ListSigningCertificates"
        | "UpdateSigningCertificate"
        | "DeleteSigningCertificate"
        | "UploadSSHPublicKey"
        | "GetSSHPublicKey"
        | "ListSSHPublicKeys"
        | "UpdateSSHPublicKey"
        | "DeleteSSHPublicKey"
        | "ResetServiceSpecificCredential"
        | "UpdateServiceSpecificCredential" => user_access(call, action, input)?.access,
        "CreateServiceSpecificCredential" | "DeleteServiceSpecificCredential" => {
            let access = user_access(call, action, input)?.access;
            match text(input, "ServiceName") {
                Some(service) => access.with("iam:ServiceSpecificCredentialServiceName", service),
                None => access,
            }
        }
        "ListServiceSpecificCredentials" => {
            if input.get("AllUsers").and_then(Value::as_bool) == Some(true) {
                Access::new(action, "*")
            } else {
                user_access(call, action, input)?.access
            }
        }
        "ListServerCertificates" => Access::new(action, "*"),
        "UploadServerCertificate" => {
            let name = text(input, "ServerCertificateName").unwrap_or_default();
            let path = text(input, "Path").unwrap_or("/");
            Access::new(action, arn(call, Of::ServerCertificate, path, name))
                .with_request_tags(tags(input))
        }
        "GetServerCertificate"
        | "UpdateServerCertificate"
        | "DeleteServerCertificate"
        | "ListServerCertificateTags" => {
            entity_access(call, action, Of::ServerCertificate, input)?.access
        }
        "TagServerCertificate" => entity_access(call, action, Of::ServerCertificate, input)?
            .access
            .with_request_tags(tags(input)),
        "UntagServerCertificate" => with_tag_keys(
            entity_access(call, action, Of::ServerCertificate, input)?.access,
            input,
        ),
        "ListVirtualMFADevices" => Access::new(action, "*"),
        "CreateVirtualMFADevice" => {
            let name = text(input, "VirtualMFADeviceName").unwrap_or_default();
            let path = text(input, "Path").unwrap_or("/");
            create_access(call, action, &format!("mfa{path}{name}"), input)
        }
        "DeleteVirtualMFADevice" | "ListMFADeviceTags" => arn_access(action, input, "SerialNumber"),
        "TagMFADevice" => arn_access(action, input, "SerialNumber").with_request_tags(tags(input)),
        "UntagMFADevice" => with_tag_keys(arn_access(action, input, "SerialNumber"), input),
        "ListOpenIDConnectProviders"
        | "ListSAMLProviders"
        | "CreateAccountAlias"
        | "DeleteAccountAlias"
        | "ListAccountAliases"
        | "GetAccountSummary"
        | "SimulateCustomPolicy"
        | "GetContextKeysForCustomPolicy"
        | "GenerateCredentialReport"
        | "GetCredentialReport"
        | "GetAccountAuthorizationDetails"
        | "SetSecurityTokenServicePreferences"
        | "ListOrganizationsFeatures"
        | "EnableOrganizationsRootCredentialsManagement"
        | "DisableOrganizationsRootCredentialsManagement"
        | "EnableOrganizationsRootSessions"
        | "DisableOrganizationsRootSessions"
        | "EnableOutboundWebIdentityFederation"
        | "DisableOutboundWebIdentityFederation"
        | "GetOutboundWebIdentityFederationInfo" => Access::new(action, "*"),
        "SimulatePrincipalPolicy" | "GetContextKeysForPrincipalPolicy" => {
            arn_access(action, input, "PolicySourceArn")
        }
        "ListPoliciesGrantingServiceAccess" | "GenerateServiceLastAccessedDetails" => {
            arn_access(action, input, "Arn")
        }
        "GetServiceLastAccessedDetails" | "GetServiceLastAccessedDetailsWithEntities" => {
            Access::new(action, "*")
        }
        "CreateOpenIDConnectProvider" => {
            let url = text(input, "Url").unwrap_or_default();
            let host = url
                .strip_prefix("https://")
                .unwrap_or(url)
                .trim_end_matches('/');
            create_access(call, action, &format!("oidc-provider/{host}"), input)
        }
        "GetOpenIDConnectProvider"
        | "DeleteOpenIDConnectProvider"
        | "AddClientIDToOpenIDConnectProvider"
        | "RemoveClientIDFromOpenIDConnectProvider"
        | "UpdateOpenIDConnectProviderThumbprint"
        | "ListOpenIDConnectProviderTags" => arn_access(action, input, "OpenIDConnectProviderArn"),
        "TagOpenIDConnectProvider" => {
            arn_access(action, input, "OpenIDConnectProviderArn").with_request_tags(tags(input))
        }
        "UntagOpenIDConnectProvider" => {
            with_tag_keys(arn_access(action, input, "OpenIDConnectProviderArn"), input)
        }
        "CreateSAMLProvider" => {
            let name = text(input, "Name").unwrap_or_default();
            create_access(call, action, &format!("saml-provider/{name}"), input)
        }
        "GetSAMLProvider"
        | "UpdateSAMLProvider"
        | "DeleteSAMLProvider"
        | "ListSAMLProviderTags" => arn_access(action, input, "SAMLProviderArn"),
        "TagSAMLProvider" => {
            arn_access(action, input, "SAMLProviderArn").with_request_tags(tags(input))
        }
        "UntagSAMLProvider" => with_tag_keys(arn_access(action, input, "SAMLProviderArn"), input),
        "UpdateAccountPasswordPolicy"
        | "GetAccountPasswordPolicy"
        | "DeleteAccountPasswordPolicy" => Access::new(action, "*"),
        "GetGroup"
        | "UpdateGroup"
        | "DeleteGroup"
        | "AddUserToGroup"
        | "RemoveUserFromGroup"
        | "PutGroupPolicy"
        | "GetGroupPolicy"
        | "DeleteGroupPolicy"
        | "ListGroupPolicies"
        | "ListAttachedGroupPolicies" => entity_access(call, action, Of::Group, input)?.access,
        "PutUserPolicy"
        | "DeleteUserPolicy"
        | "DeleteUserPermissionsBoundary"
        | "PutRolePolicy"
        | "DeleteRolePolicy"
        | "DeleteRolePermissionsBoundary" => {
            entity_access(call, action, of_operation(operation), input)?.bounded()
        }
        "AttachUserPolicy" | "DetachUserPolicy" | "AttachRolePolicy" | "DetachRolePolicy"
        | "AttachGroupPolicy" | "DetachGroupPolicy" => {
            let policy = text(input, "PolicyArn").unwrap_or_default().to_owned();
            entity_access(call, action, of_operation(operation), input)?
                .bounded()
                .with("iam:PolicyARN", policy)
        }
        "PutUserPermissionsBoundary" | "PutRolePermissionsBoundary" => {
            let boundary = text(input, "PermissionsBoundary").unwrap_or_default();
            entity_access(call, action, of_operation(operation), input)?
                .access
                .with("iam:PermissionsBoundary", boundary)
        }
        "TagUser" | "TagRole" => entity_access(call, action, of_operation(operation), input)?
            .access
            .with_request_tags(tags(input)),
        "UntagUser" | "UntagRole" => with_tag_keys(
            entity_access(call, action, of_operation(operation), input)?.access,
            input,
        ),
        "TagPolicy" => policy_access(call, action, input)?.with_request_tags(tags(input)),
        "UntagPolicy" => with_tag_keys(policy_access(call, action, input)?, input),
        "GetRole"
        | "UpdateRole"
        | "UpdateRoleDescription"
        | "UpdateAssumeRolePolicy"
        | "DeleteRole"
        | "GetRolePolicy"
        | "ListRolePolicies"
        | "ListAttachedRolePolicies"
        | "ListRoleTags"
        | "ListInstanceProfilesForRole"
        | "DeleteServiceLinkedRole" => entity_access(call, action, Of::Role, input)?.access,
        "CreateServiceLinkedRole" => {
            let service = text(input, "AWSServiceName").unwrap_or_default();
            let mut name = super::roles::service_role_name(service);
            if let Some(suffix) = text(input, "CustomSuffix") {
                name = format!("{name}_{suffix}");
            }
            let path = format!("{}{service}/", super::records::SERVICE_ROLE_PATH);
            Access::new(action, arn(call, Of::Role, &path, &name))
                .with("iam:AWSServiceName", service)
        }
        "GetServiceLinkedRoleDeletionStatus" => {
            // `task/<role path><role name>/<uuid>`.
            let task = text(input, "DeletionTaskId").unwrap_or_default();
            let role = task
                .strip_prefix("task")
                .and_then(|rest| rest.rsplit_once('/'))
                .map_or("/", |(role, _)| role);
            let (path, name) = role.rsplit_once('/').unwrap_or(("", ""));
            Access::new(action, arn(call, Of::Role, &format!("{path}/"), name))
        }
        "GetAccessKeyLastUsed" => key_owner_access(call, action, input)?,
        "CreatePolicy" => {
            let name = text(input, "PolicyName").unwrap_or_default();
            let path = text(input, "Path").unwrap_or("/");
            create_access(call, action, &format!("policy{path}{name}"), input)
        }
        "GetPolicy"
        | "DeletePolicy"
        | "CreatePolicyVersion"
        | "GetPolicyVersion"
        | "DeletePolicyVersion"
        | "ListPolicyVersions"
        | "SetDefaultPolicyVersion"
        | "ListPolicyTags"
        | "ListEntitiesForPolicy" => policy_access(call, action, input)?,
        "GetAccountProperties" | "PutAccountProperties" => Access::new(action, "*").with_multi(
            "iam:AccountPropertyNamespaces",
            super::properties::namespaces(input),
        ),
        "GenerateOrganizationsAccessReport" => {
            let path = text(input, "EntityPath").unwrap_or_default();
            let access = Access::new(action, account_arn(call, &format!("access-report/{path}")));
            match text(input, "OrganizationsPolicyId") {
                Some(policy) => access.with("iam:OrganizationsPolicyId", policy),
                None => access,
            }
        }
        "GetOrganizationsAccessReport" => Access::new(action, "*"),
        "CreateDelegationRequest" => {
            let mut access = Access::new(action, super::delegation::request_arn(call, "*"));
            if let Some(duration) = input.get("SessionDuration").and_then(Value::as_i64) {
                access = access.with("iam:DelegationDuration", duration.to_string());
            }
            if let Some(channel) = text(input, "NotificationChannel") {
                access = access.with("iam:NotificationChannel", channel);
            }
            match input
                .get("Permissions")
                .and_then(|p| text(p, "PolicyTemplateArn"))
            {
                Some(template) => access.with("iam:TemplateArn", template),
                None => access,
            }
        }
        "GetDelegationRequest"
        | "AssociateDelegationRequest"
        | "AcceptDelegationRequest"
        | "RejectDelegationRequest"
        | "SendDelegationToken" => Access::new(
            action,
            super::delegation::request_arn(call, text(input, "DelegationRequestId").unwrap_or("*")),
        ),
        // Not in the Service Authorization Reference: a request's owner updates it by a
        // default permission the handler grants (and no request exists to update).
        "UpdateDelegationRequest" => return Ok(Vec::new()),
        "ListDelegationRequests" => Access::new(action, "*"),
        "GetHumanReadableSummary" => {
            let arn = text(input, "EntityArn").unwrap_or_default();
            let id = arn.rsplit('/').next().unwrap_or("*");
            Access::new(action, super::delegation::request_arn(call, id))
        }
        "GetRoleTemplateVersion" => {
            Access::new(action, text(input, "TemplateArn").unwrap_or_default())
        }
        // Not in the Service Authorization Reference: the role the template creates is a
        // role like any other, so creating it needs what CreateRole needs.
        "AcquireRole" => Access::new("iam:CreateRole", account_arn(call, "role/*")),
        _ => return Err(no_rule("iam", operation)),
    };
    Ok(vec![access])
}

/// Which kind of entity an access names.
#[derive(Clone, Copy)]
enum Of {
    User,
    Role,
    Group,
    Profile,
    ServerCertificate,
}

impl Of {
    fn member(self) -> &'static str {
        match self {
            Of::User => "UserName",
            Of::Role => "RoleName",
            Of::Group => "GroupName",
            Of::Profile => "InstanceProfileName",
            Of::ServerCertificate => "ServerCertificateName",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Of::User => "user",
            Of::Role => "role",
            Of::Group => "group",
            Of::Profile => "instance-profile",
            Of::ServerCertificate => "server-certificate",
        }
    }
}

/// The kind of entity an operation named `<Verb><Kind>...` is about.
fn of_operation(operation: &str) -> Of {
    if operation.contains("Role") {
        Of::Role
    } else if operation.contains("Group") {
        Of::Group
    } else {
        Of::User
    }
}

/// An access to an entity, with the entity's boundary for the operations that filter on it.
struct EntityAccess {
    access: Access,
    boundary: Option<String>,
}

impl EntityAccess {
    /// The access with `iam:PermissionsBoundary` set to the entity's boundary, if it has one.
    fn bounded(self) -> Access {
        match self.boundary {
            Some(b) => self.access.with("iam:PermissionsBoundary", b),
            None => self.access,
        }
    }
}

/// The access to the user, role or group the input names: its stored ARN, tags and boundary.
fn entity_access(
    call: &Call<'_>,
    action: String,
    of: Of,
    input: &Value,
) -> Result<EntityAccess, AwsError> {
    let name = text(input, of.member()).unwrap_or_default();
    let store = call.env.store.as_ref();
    let account = &call.principal.account;
    let partition = call.env.partition;
    let found: Option<(String, Vec<Tag>, Option<String>)> = match of {
        Of::User => get_user(store, account, name)
            .map_err(store_error)?
            .map(|(u, _)| (u.arn(partition, account), u.tags, u.permissions_boundary)),
        Of::Role => get_role(store, account, name)
            .map_err(store_error)?
            .map(|(r, _)| (r.arn(partition, account), r.tags, r.permissions_boundary)),
        Of::Group => get_group(store, account, name)
            .map_err(store_error)?
            .map(|(g, _)| (g.arn(partition, account), Vec::new(), None)),
        Of::Profile => {
            get_record::<StoredProfile>(store, &record_key(account, PROFILE_TABLE, name))
                .map_err(store_error)?
                .map(|(p, _)| (p.arn(partition, account), p.tags, None))
        }
        Of::ServerCertificate => get_record::<StoredServerCertificate>(
            store,
            &record_key(account, SERVER_CERTIFICATE_TABLE, name),
        )
        .map_err(store_error)?
        .map(|(c, _)| {
            (
                arn(call, Of::ServerCertificate, &c.path, &c.name),
                c.tags,
                None,
            )
        }),
    };
    let Some((resource, tags, boundary)) = found else {
        return Ok(EntityAccess {
            access: Access::new(action, arn(call, of, "/", name)),
            boundary: None,
        });
    };
    let pairs = tags
        .iter()
        .map(|Tag { key, value }| (key.as_str(), value.as_str()));
    let mut access = Access::new(action, resource).with_resource_tags(pairs.clone());
    for (key, value) in pairs {
        access = access.with(&format!("iam:ResourceTag/{key}"), value);
    }
    Ok(EntityAccess { access, boundary })
}

/// Whether the caller is an IAM user and the password policy lets users change their own.
fn users_may_change_passwords(call: &Call<'_>) -> Result<bool, AwsError> {
    if !matches!(call.principal.kind, PrincipalKind::User { .. }) {
        return Ok(false);
    }
    Ok(super::passwords::password_policy(call)?
        .is_some_and(|(policy, _)| policy.allow_users_to_change_password))
}

/// The access to the resource whose ARN is the input's `member` (an MFA device's
/// `SerialNumber`, a provider's ARN).
fn arn_access(action: String, input: &Value, member: &str) -> Access {
    Access::new(action, text(input, member).unwrap_or_default())
}

/// The access to the instance profile `InstanceProfileName`, with its tags.
fn profile_access(call: &Call<'_>, action: String, input: &Value) -> Result<Access, AwsError> {
    Ok(entity_access(call, action, Of::Profile, input)?.access)
}

/// The access to the managed policy `PolicyArn`, with its tags when it is the account's.
fn policy_access(call: &Call<'_>, action: String, input: &Value) -> Result<Access, AwsError> {
    let arn = text(input, "PolicyArn").unwrap_or_default();
    let access = Access::new(action, arn);
    let prefix = account_arn(call, "policy/");
    if !arn.starts_with(&prefix) {
        return Ok(access);
    }
    let name = arn.rsplit('/').next().unwrap_or_default();
    let stored = get_policy(call.env.store.as_ref(), &call.principal.account, name)
        .map_err(store_error)?
        .filter(|(p, _)| p.arn == arn);
    Ok(match stored {
        Some((policy, _)) => access.with_resource_tags(
            policy
                .tags
                .iter()
                .map(|t| (t.key.as_str(), t.value.as_str())),
        ),
        None => access,
    })
}

/// `access` with the input's `TagKeys` as `aws:TagKeys`.
fn with_tag_keys(access: Access, input: &Value) -> Access {
    let keys = super::entity::strings(input, "TagKeys");
    if keys.is_empty() {
        access
    } else {
        access.with_multi("aws:TagKeys", keys)
    }
}

/// The access to the user that owns the key `AccessKeyId` (the account, for a root key or a key
/// of another account, which the handler then reports as not found).
fn key_owner_access(call: &Call<'_>, action: String, input: &Value) -> Result<Access, AwsError> {
    let key_id = text(input, "AccessKeyId").unwrap_or_default();
    let owner = read_key(call.env, key_id).map_err(store_error)?;
    match owner {
        Some((key, _)) if key.account == call.principal.account => match key.owner {
            AccessKeyOwner::User { name, .. } => {
                let input = serde_json::json!({ "UserName": name });
                Ok(user_access(call, action, &input)?.access)
            }
            AccessKeyOwner::Root => Ok(Access::new(action, call.principal.arn())),
        },
        _ => Ok(Access::new(action, call.principal.arn())),
    }
}

/// The access to the user the input names (`UserName`), or when it names none, to the caller
/// itself: its user, or for the root user, the account.
fn user_access(call: &Call<'_>, action: String, input: &Value) -> Result<EntityAccess, AwsError> {
    match (text(input, "UserName"), &call.principal.kind) {
        (Some(_), _) => entity_access(call, action, Of::User, input),
        (None, PrincipalKind::User { name, .. }) => {
            let input = serde_json::json!({ "UserName": name });
            entity_access(call, action, Of::User, &input)
        }
        (None, _) => Ok(EntityAccess {
            access: Access::new(action, call.principal.arn()),
            boundary: None,
        }),
    }
}

/// The ARN of the entity `name` at `path`.
fn arn(call: &Call<'_>, of: Of, path: &str, name: &str) -> String {
    account_arn(call, &format!("{}{path}{name}", of.word()))
}

/// The ARN of the caller's account's IAM resource `resource` (`policy/p`, `role/*`).
fn account_arn(call: &Call<'_>, resource: &str) -> String {
    format!(
        "arn:{}:iam::{}:{resource}",
        call.env.partition, call.principal.account
    )
}

/// The access to create the account's `resource`, with the tags the request adds.
fn create_access(call: &Call<'_>, action: String, resource: &str, input: &Value) -> Access {
    Access::new(action, account_arn(call, resource)).with_request_tags(tags(input))
}

/// A string member of the input.
fn text<'v>(input: &'v Value, member: &str) -> Option<&'v str> {
    input.get(member).and_then(Value::as_str)
}

/// The `Tags` list of the input as (key, value) pairs.
fn tags(input: &Value) -> impl Iterator<Item = (&str, &str)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| Some((text(tag, "Key")?, text(tag, "Value").unwrap_or_default())))
}
