//! Virtual MFA devices with real TOTP codes.

use super::*;
use crate::iam::mfa::tests::code_for;
use crate::iam::{MfaOwner, mfa_device_owner, verify_totp};
use base64::Engine;
use rampart_types::Clock;
use std::time::{Duration, UNIX_EPOCH};

/// The seed of a new device, as the authenticator app reads it.
fn create_device(w: &World, name: &str) -> (String, String) {
    let out = w
        .call(
            "CreateVirtualMFADevice",
            json!({"VirtualMFADeviceName": name}),
        )
        .unwrap();
    let device = &out["VirtualMFADevice"];
    let serial = device["SerialNumber"].as_str().unwrap().to_owned();
    let seed = base64::engine::general_purpose::STANDARD
        .decode(device["Base32StringSeed"].as_str().unwrap())
        .unwrap();
    (serial, String::from_utf8(seed).unwrap())
}

fn now(w: &World) -> u64 {
    w.base
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn devices_are_enabled_with_two_consecutive_codes() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    let (serial, seed) = create_device(&w, "alice-phone");
    assert_eq!(serial, "arn:aws:iam::123456789012:mfa/alice-phone");
    assert_eq!(seed.len(), 32);
    assert_eq!(
        code(w.call(
            "CreateVirtualMFADevice",
            json!({"VirtualMFADeviceName": "alice-phone"})
        )),
        "EntityAlreadyExists"
    );
    let t = now(&w);
    let (c1, c2) = (code_for(&seed, t - 30), code_for(&seed, t));
    let e = w
        .call(
            "EnableMFADevice",
            json!({"UserName": "alice", "SerialNumber": serial,
                   "AuthenticationCode1": c2, "AuthenticationCode2": c1}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("InvalidAuthenticationCode", 403));
    assert_eq!(
        code(w.call(
            "EnableMFADevice",
            json!({"UserName": "alice", "SerialNumber": serial,
                   "AuthenticationCode1": "12345", "AuthenticationCode2": c2})
        )),
        "ValidationError"
    );
    w.call(
        "EnableMFADevice",
        json!({"UserName": "alice", "SerialNumber": serial,
               "AuthenticationCode1": c1, "AuthenticationCode2": c2}),
    )
    .unwrap();
    assert_eq!(
        code(w.call(
            "EnableMFADevice",
            json!({"UserName": "alice", "SerialNumber": serial,
                   "AuthenticationCode1": c1, "AuthenticationCode2": c2})
        )),
        "EntityAlreadyExists"
    );
    let listed = w
        .call("ListMFADevices", json!({"UserName": "alice"}))
        .unwrap();
    assert_eq!(listed["MFADevices"][0]["SerialNumber"], serial);
    let assigned = w
        .call(
            "ListVirtualMFADevices",
            json!({"AssignmentStatus": "Assigned"}),
        )
        .unwrap();
    assert_eq!(
        assigned["VirtualMFADevices"][0]["User"]["UserName"],
        "alice"
    );
    assert!(
        assigned["VirtualMFADevices"][0]
            .get("Base32StringSeed")
            .is_none()
    );
    assert_eq!(
        w.call(
            "ListVirtualMFADevices",
            json!({"AssignmentStatus": "Unassigned"})
        )
        .unwrap()["VirtualMFADevices"],
        json!([])
    );
    assert_eq!(
        w.call("GetMFADevice", json!({"SerialNumber": serial}))
            .unwrap()["UserName"],
        "alice"
    );
    let account = ACCOUNT.parse().unwrap();
    assert!(matches!(
        mfa_device_owner(&w.env, &account, &serial).unwrap(),
        Some(MfaOwner::User { name, .. }) if name == "alice"
    ));
    // The enabling code is spent; the next step's code is good once.
    assert!(!verify_totp(&w.env, &account, &serial, &c2).unwrap());
    w.base.clock.advance(Duration::from_secs(30));
    let next = code_for(&seed, now(&w));
    assert!(verify_totp(&w.env, &account, &serial, &next).unwrap());
    assert!(!verify_totp(&w.env, &account, &serial, &next).unwrap());
    assert!(
        !verify_totp(
            &w.env,
            &account,
            "arn:aws:iam::123456789012:mfa/none",
            &next
        )
        .unwrap()
    );
    // Nothing about the seed is kept in the clear.
    let stored = w
        .env
        .store
        .scan(
            &rampart_store::space::account(&account),
            "iam.mfa",
            &rampart_store::Scan::all(),
        )
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored[0].value).contains(&seed));
    w.assert_user_undeletable(
        "alice",
        "Cannot delete entity, must delete MFA device first.",
    );
    assert_eq!(
        code(w.call("DeleteVirtualMFADevice", json!({"SerialNumber": serial}))),
        "DeleteConflict"
    );
    w.call(
        "DeactivateMFADevice",
        json!({"UserName": "alice", "SerialNumber": serial}),
    )
    .unwrap();
    assert!(!verify_totp(&w.env, &account, &serial, &next).unwrap());
    w.call("DeleteVirtualMFADevice", json!({"SerialNumber": serial}))
        .unwrap();
    w.call("DeleteUser", json!({"UserName": "alice"})).unwrap();
    assert_eq!(
        code(w.call("DeleteVirtualMFADevice", json!({"SerialNumber": serial}))),
        "NoSuchEntity"
    );
}

#[test]
fn the_root_user_enables_its_own_device() {
    let w = world();
    let (serial, seed) = create_device(&w, "root-device");
    let t = now(&w);
    w.call(
        "EnableMFADevice",
        json!({"SerialNumber": serial,
               "AuthenticationCode1": code_for(&seed, t - 30),
               "AuthenticationCode2": code_for(&seed, t)}),
    )
    .unwrap();
    let account = ACCOUNT.parse().unwrap();
    assert_eq!(
        mfa_device_owner(&w.env, &account, &serial).unwrap(),
        Some(MfaOwner::Root)
    );
    let listed = w.call("ListMFADevices", json!({})).unwrap();
    assert_eq!(listed["MFADevices"][0]["UserName"], ACCOUNT);
    w.call(
        "TagMFADevice",
        json!({"SerialNumber": serial, "Tags": [{"Key": "k", "Value": "v"}]}),
    )
    .unwrap();
    assert_eq!(
        w.call("ListMFADeviceTags", json!({"SerialNumber": serial}))
            .unwrap()["Tags"],
        json!([{"Key": "k", "Value": "v"}])
    );
}

#[test]
fn a_renamed_user_keeps_its_device() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "alice"})).unwrap();
    let (serial, seed) = create_device(&w, "phone");
    let t = now(&w);
    w.call(
        "EnableMFADevice",
        json!({"UserName": "alice", "SerialNumber": serial,
               "AuthenticationCode1": code_for(&seed, t - 30),
               "AuthenticationCode2": code_for(&seed, t)}),
    )
    .unwrap();
    w.call(
        "UpdateUser",
        json!({"UserName": "alice", "NewUserName": "alicia"}),
    )
    .unwrap();
    let listed = w
        .call("ListMFADevices", json!({"UserName": "alicia"}))
        .unwrap();
    assert_eq!(listed["MFADevices"][0]["SerialNumber"], serial);
    let virtual_devices = w.call("ListVirtualMFADevices", json!({})).unwrap();
    assert_eq!(
        virtual_devices["VirtualMFADevices"][0]["User"]["UserName"],
        "alicia"
    );
    assert_eq!(
        w.call("GetMFADevice", json!({"SerialNumber": serial}))
            .unwrap()["UserName"],
        "alicia"
    );
}
