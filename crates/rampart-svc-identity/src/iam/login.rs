//! Console passwords of users: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
//! DeleteLoginProfile and ChangePassword, checked against the account password policy.

use super::entity::{existing, null_member, put};
use super::errors::{already_exists, model_error, no_such_entity, store_error};
use super::passwords::{PasswordHash, Secret, check_password, password_policy};
use super::records::StoredUser;
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Registry, from_input};
use rampart_store::Batch;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A user's console password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginProfile {
    pub create_date: f64,
    pub password_reset_required: bool,
    /// When the password was last set.
    pub password_changed: f64,
    pub password: PasswordHash,
    /// Earlier passwords, newest first, as many as the policy's reuse prevention remembers.
    #[serde(default)]
    pub previous: Vec<PasswordHash>,
}

/// The user the input's `UserName` names, or the calling user.
fn target(call: &Call<'_>, input: &Value) -> Result<(StoredUser, u64), AwsError> {
    super::held::target(call, input, 128)
}

fn no_profile(user: &str) -> AwsError {
    no_such_entity(format!("Login Profile for User {user} cannot be found."))
}

fn output(user: &StoredUser, profile: &LoginProfile) -> Value {
    json!({ "LoginProfile": {
        "UserName": user.name,
        "CreateDate": profile.create_date,
        "PasswordResetRequired": profile.password_reset_required,
    }})
}

/// Checks `password` for `user` against the policy (and its reuse prevention) and hashes it.
fn new_password(
    call: &Call<'_>,
    user: &StoredUser,
    password: &str,
    earlier: &[PasswordHash],
) -> Result<PasswordHash, AwsError> {
    let policy = password_policy(call)?.map(|(p, _)| p);
    check_password(policy.as_ref(), password, &user.name)?;
    let remembered = policy
        .as_ref()
        .and_then(|p| p.password_reuse_prevention)
        .unwrap_or(0) as usize;
    if earlier.iter().take(remembered).any(|h| h.matches(password)) {
        return Err(model_error(
            "PasswordPolicyViolationException",
            format!("Password should not be one of the last {remembered} passwords"),
        ));
    }
    PasswordHash::new(password)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PasswordInput {
    password: Option<Secret>,
    password_reset_required: Option<bool>,
}

fn save(call: &Call<'_>, user: &StoredUser, version: u64) -> Result<(), AwsError> {
    let batch = put(Batch::new(), call, user, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(())
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut user, version) = target(call, &input)?;
    let input: PasswordInput = from_input(input, "ValidationError")?;
    let password = input.password.ok_or_else(|| null_member("password"))?;
    if user.login_profile.is_some() {
        return Err(already_exists(format!(
            "Login Profile for user {} already exists.",
            user.name
        )));
    }
    let hash = new_password(call, &user, &password, &[])?;
    let now = rampart_service::epoch_seconds(call.env.clock.now());
    let profile = LoginProfile {
        create_date: now,
        password_reset_required: input.password_reset_required.unwrap_or(false),
        password_changed: now,
        password: hash,
        previous: Vec::new(),
    };
    let out = output(&user, &profile);
    user.login_profile = Some(profile);
    save(call, &user, version)?;
    Ok(out)
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (user, _) = target(call, &input)?;
    let profile = user
        .login_profile
        .as_ref()
        .ok_or_else(|| no_profile(&user.name))?;
    Ok(output(&user, profile))
}

/// Replaces the password, remembering the old one for the reuse prevention.
fn set_password(call: &Call<'_>, user: &mut StoredUser, password: &str) -> Result<(), AwsError> {
    let Some(profile) = user.login_profile.as_ref() else {
        return Err(no_profile(&user.name));
    };
    let mut earlier = vec![profile.password.clone()];
    earlier.extend(profile.previous.iter().cloned());
    let hash = new_password(call, user, password, &earlier)?;
    earlier.truncate(24);
    let now = rampart_service::epoch_seconds(call.env.clock.now());
    if let Some(profile) = user.login_profile.as_mut() {
        profile.password = hash;
        profile.previous = earlier;
        profile.password_changed = now;
    }
    Ok(())
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut user, version) = target(call, &input)?;
    let input: PasswordInput = from_input(input, "ValidationError")?;
    if user.login_profile.is_none() {
        return Err(no_profile(&user.name));
    }
    if let Some(password) = &input.password {
        set_password(call, &mut user, password)?;
    }
    if let (Some(required), Some(profile)) =
        (input.password_reset_required, user.login_profile.as_mut())
    {
        profile.password_reset_required = required;
    }
    save(call, &user, version)?;
    Ok(json!({}))
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut user, version) = target(call, &input)?;
    if user.login_profile.take().is_none() {
        return Err(no_profile(&user.name));
    }
    save(call, &user, version)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChangePasswordInput {
    old_password: Secret,
    new_password: Secret,
}

/// An IAM user changes its own password; the old one must match.
fn change_password(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let PrincipalKind::User { name, .. } = &call.principal.kind else {
        return Err(model_error(
            "InvalidUserTypeException",
            "Only IAM users can change their own password.".into(),
        ));
    };
    let input: ChangePasswordInput = from_input(input, "ValidationError")?;
    let (mut user, version) = existing::<StoredUser>(call, name)?;
    let profile = user
        .login_profile
        .as_ref()
        .ok_or_else(|| no_profile(&user.name))?;
    if !profile.password.matches(&input.old_password) {
        return Err(model_error(
            "InvalidUserTypeException",
            "The old password is incorrect.".into(),
        ));
    }
    set_password(call, &mut user, &input.new_password)?;
    if let Some(profile) = user.login_profile.as_mut() {
        profile.password_reset_required = false;
    }
    save(call, &user, version)?;
    Ok(json!({}))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateLoginProfile", false, create);
    registry.register("iam", "GetLoginProfile", true, get);
    registry.register("iam", "UpdateLoginProfile", false, update);
    registry.register("iam", "DeleteLoginProfile", false, delete);
    registry.register("iam", "ChangePassword", false, change_password);
}
