//! Login profiles and the account password policy.

use super::*;

#[test]
fn login_profiles_follow_the_password_policy() {
    let w = world();
    let alice = w.user_with_key("alice");
    let e = w
        .call(
            "CreateLoginProfile",
            json!({"UserName": "alice", "Password": "short"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("PasswordPolicyViolation", 400));
    assert_eq!(
        code(w.call("GetLoginProfile", json!({"UserName": "alice"}))),
        "NoSuchEntity"
    );
    let out = w
        .call(
            "CreateLoginProfile",
            json!({"UserName": "alice", "Password": "Sup3r-Secret", "PasswordResetRequired": true}),
        )
        .unwrap();
    assert_eq!(out["LoginProfile"]["UserName"], "alice");
    assert_eq!(out["LoginProfile"]["PasswordResetRequired"], true);
    assert!(!out.to_string().contains("Sup3r-Secret"));
    let e = w
        .call(
            "CreateLoginProfile",
            json!({"UserName": "alice", "Password": "Sup3r-Secret"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("EntityAlreadyExists", 409));
    let stored = crate::iam::get_user(w.env.store.as_ref(), &ACCOUNT.parse().unwrap(), "alice")
        .unwrap()
        .unwrap()
        .0;
    let record = serde_json::to_string(&stored).unwrap();
    assert!(!record.contains("Sup3r-Secret"));
    assert!(!format!("{stored:?}").contains("Sup3r-Secret"));
    // The user changes its own password: the old one must match.
    assert_eq!(
        code(w.call_as(
            &alice,
            "ChangePassword",
            json!({"OldPassword": "wrong", "NewPassword": "An0ther-Secret"})
        )),
        "InvalidUserType"
    );
    w.call_as(
        &alice,
        "ChangePassword",
        json!({"OldPassword": "Sup3r-Secret", "NewPassword": "An0ther-Secret"}),
    )
    .unwrap();
    assert_eq!(
        w.call("GetLoginProfile", json!({"UserName": "alice"}))
            .unwrap()["LoginProfile"]["PasswordResetRequired"],
        false
    );
    assert_eq!(
        code(w.call(
            "ChangePassword",
            json!({"OldPassword": "a", "NewPassword": "b"})
        )),
        "InvalidUserType"
    );
    // A policy with reuse prevention refuses a recent password.
    w.call(
        "UpdateAccountPasswordPolicy",
        json!({"MinimumPasswordLength": 10, "RequireSymbols": true, "PasswordReusePrevention": 3}),
    )
    .unwrap();
    let e = w
        .call(
            "UpdateLoginProfile",
            json!({"UserName": "alice", "Password": "Sup3r-Secret"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "PasswordPolicyViolation");
    assert_eq!(
        code(w.call(
            "UpdateLoginProfile",
            json!({"UserName": "alice", "Password": "NoSymbols123"})
        )),
        "PasswordPolicyViolation"
    );
    w.call(
        "UpdateLoginProfile",
        json!({"UserName": "alice", "Password": "Brand-New-1!"}),
    )
    .unwrap();
    w.call(
        "DeleteAccessKey",
        json!({"UserName": "alice", "AccessKeyId": alice.access_key_id}),
    )
    .unwrap();
    w.assert_user_undeletable(
        "alice",
        "Cannot delete entity, must delete login profile first.",
    );
    w.call("DeleteLoginProfile", json!({"UserName": "alice"}))
        .unwrap();
    assert_eq!(
        code(w.call("DeleteLoginProfile", json!({"UserName": "alice"}))),
        "NoSuchEntity"
    );
}

#[test]
fn the_account_password_policy_is_set_read_and_deleted() {
    let w = world();
    let e = w.call("GetAccountPasswordPolicy", json!({})).unwrap_err();
    assert_eq!((&*e.code, e.status), ("NoSuchEntity", 404));
    assert_eq!(
        e.message,
        "The Password Policy with domain name 123456789012 cannot be found."
    );
    w.call(
        "UpdateAccountPasswordPolicy",
        json!({"RequireNumbers": true, "MaxPasswordAge": 90}),
    )
    .unwrap();
    let got = w.call("GetAccountPasswordPolicy", json!({})).unwrap();
    let policy = &got["PasswordPolicy"];
    assert_eq!(policy["MinimumPasswordLength"], 6);
    assert_eq!(policy["RequireNumbers"], true);
    assert_eq!(policy["RequireSymbols"], false);
    assert_eq!(policy["ExpirePasswords"], true);
    assert_eq!(policy["MaxPasswordAge"], 90);
    for bad in [
        json!({"MinimumPasswordLength": 5}),
        json!({"MinimumPasswordLength": 129}),
        json!({"MaxPasswordAge": 0}),
        json!({"PasswordReusePrevention": 25}),
    ] {
        assert_eq!(
            code(w.call("UpdateAccountPasswordPolicy", bad)),
            "ValidationError"
        );
    }
    assert_eq!(
        w.call("GetAccountPasswordPolicy", json!({})).unwrap(),
        got,
        "a refused update changes nothing"
    );
    w.call("DeleteAccountPasswordPolicy", json!({})).unwrap();
    assert_eq!(
        code(w.call("DeleteAccountPasswordPolicy", json!({}))),
        "NoSuchEntity"
    );
}

#[test]
fn the_password_policy_can_let_users_change_their_own_password() {
    let w = world();
    let alice = w.user_with_key("alice");
    w.call(
        "CreateLoginProfile",
        json!({"UserName": "alice", "Password": "Sup3r-Secret"}),
    )
    .unwrap();
    let change = json!({"OldPassword": "Sup3r-Secret", "NewPassword": "An0ther-Secret"});
    assert!(!may(&w, &alice, "ChangePassword", change.clone()));
    w.call(
        "UpdateAccountPasswordPolicy",
        json!({"AllowUsersToChangePassword": true}),
    )
    .unwrap();
    assert!(may(&w, &alice, "ChangePassword", change));
}
