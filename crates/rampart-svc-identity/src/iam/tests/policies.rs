//! Managed policies: tags, boundary usage and what blocks their deletion.

use super::*;

#[test]
fn policies_are_tagged_and_counted_as_boundaries() {
    let w = world();
    let out = w
        .call(
            "CreatePolicy",
            json!({"PolicyName": "p", "PolicyDocument": ALLOW_LIST,
                   "Tags": [{"Key": "a", "Value": "1"}]}),
        )
        .unwrap();
    assert_eq!(out["Policy"]["Tags"], json!([{"Key": "a", "Value": "1"}]));
    let arn = out["Policy"]["Arn"].as_str().unwrap().to_owned();
    w.call(
        "TagPolicy",
        json!({"PolicyArn": arn, "Tags": [{"Key": "b", "Value": "2"}]}),
    )
    .unwrap();
    w.call("UntagPolicy", json!({"PolicyArn": arn, "TagKeys": ["a"]}))
        .unwrap();
    assert_eq!(
        w.call("ListPolicyTags", json!({"PolicyArn": arn})).unwrap()["Tags"],
        json!([{"Key": "b", "Value": "2"}])
    );
    assert_eq!(
        w.call("GetPolicy", json!({"PolicyArn": arn})).unwrap()["Policy"]["Tags"],
        json!([{"Key": "b", "Value": "2"}])
    );
    assert_eq!(
        code(w.call(
            "TagPolicy",
            json!({"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                   "Tags": [{"Key": "b", "Value": "2"}]})
        )),
        "NoSuchEntity"
    );
    w.call(
        "CreateUser",
        json!({"UserName": "u", "PermissionsBoundary": arn}),
    )
    .unwrap();
    let got = w.call("GetPolicy", json!({"PolicyArn": arn})).unwrap();
    assert_eq!(got["Policy"]["PermissionsBoundaryUsageCount"], 1);
    assert_eq!(got["Policy"]["AttachmentCount"], 0);
    let e = w
        .call("DeletePolicy", json!({"PolicyArn": arn}))
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
    w.call("DeleteUserPermissionsBoundary", json!({"UserName": "u"}))
        .unwrap();
    w.call("DeletePolicy", json!({"PolicyArn": arn})).unwrap();
    let tag_access = w
        .base
        .accesses(
            &w.root,
            "iam",
            "TagPolicy",
            &json!({"PolicyArn": "arn:aws:iam::123456789012:policy/p",
                    "Tags": [{"Key": "k", "Value": "v"}]}),
        )
        .unwrap();
    assert_eq!(
        rampart_service::testkit::sar_violation(&tag_access[0]),
        None
    );
    assert_eq!(tag_access[0].context.single("aws:RequestTag/k"), Some("v"));
}
