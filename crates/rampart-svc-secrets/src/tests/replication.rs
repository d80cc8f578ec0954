use super::*;

/// `ReplicateSecretToRegions` of `id` to `region` from the primary.
fn replicate(w: &World, id: &str, region: &str) -> Result<Value, AwsError> {
    call(
        w,
        "ReplicateSecretToRegions",
        json!({"SecretId": id, "AddReplicaRegions": [{"Region": region}]}),
    )
}

/// `RemoveRegionsFromReplication` of `region` from `id`.
fn unreplicate(w: &World, id: &str, region: &str) -> Result<Value, AwsError> {
    call(
        w,
        "RemoveRegionsFromReplication",
        json!({"SecretId": id, "RemoveReplicaRegions": [region]}),
    )
}

/// `DescribeSecret` of `id` in `region`.
#[track_caller]
fn describe_in(w: &World, region: &str, id: &str) -> Value {
    ok_in(w, region, "DescribeSecret", json!({"SecretId": id}))
}

#[test]
fn replicas_follow_their_primary() {
    let (w, _) = world();
    let out = ok(
        &w,
        "CreateSecret",
        json!({"Name": "rep", "SecretString": "one", "ClientRequestToken": tok(1),
        "AddReplicaRegions": [{"Region": "us-west-2"}]}),
    );
    let arn = out["ARN"].as_str().unwrap();
    assert_eq!(out["ReplicationStatus"][0]["Region"], "us-west-2");
    assert_eq!(out["ReplicationStatus"][0]["Status"], "InSync");
    let replica_arn = arn.replace("us-east-1", "us-west-2");
    let got = ok_in(
        &w,
        "us-west-2",
        "GetSecretValue",
        json!({"SecretId": "rep"}),
    );
    assert_eq!(got["SecretString"], "one");
    assert_eq!(got["ARN"], replica_arn);
    assert_eq!(
        describe_in(&w, "us-west-2", "rep")["PrimaryRegion"],
        "us-east-1"
    );
    // Writes go to the primary and reach the replica.
    let e = err_in(
        &w,
        "us-west-2",
        "PutSecretValue",
        json!({"SecretId": "rep", "SecretString": "x"}),
    );
    assert_eq!(e.code, "InvalidRequestException");
    ok(
        &w,
        "PutSecretValue",
        json!({"SecretId": "rep", "SecretString": "two", "ClientRequestToken": tok(2)}),
    );
    ok(
        &w,
        "TagResource",
        json!({"SecretId": "rep", "Tags": [{"Key": "k", "Value": "v"}]}),
    );
    assert_eq!(current_in(&w, "us-west-2", "rep"), "two");
    let d = describe_in(&w, "us-west-2", &replica_arn);
    assert_eq!(d["Tags"], json!([{"Key": "k", "Value": "v"}]));
    assert_eq!(
        d["VersionIdsToStages"],
        json!({tok(1): ["AWSPREVIOUS"], tok(2): ["AWSCURRENT"]})
    );
    let d = describe_in(&w, HOME, "rep");
    assert_eq!(d["ReplicationStatus"][0]["Status"], "InSync");
    // A primary with replicas cannot be deleted.
    assert_eq!(
        err(&w, "DeleteSecret", json!({"SecretId": "rep"})).code,
        "InvalidRequestException"
    );
    // Removing the region deletes the replica.
    let out = unreplicate(&w, "rep", "us-west-2").unwrap();
    assert_eq!(out["ReplicationStatus"], json!([]));
    let e = err_in(
        &w,
        "us-west-2",
        "DescribeSecret",
        json!({"SecretId": "rep"}),
    );
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(
        unreplicate(&w, "rep", "us-west-2").unwrap_err().code,
        "InvalidParameterException"
    );
}

#[test]
fn a_replica_can_be_promoted() {
    let (w, _) = world();
    create(&w, "promo", "one");
    let out = replicate(&w, "promo", "eu-west-1").unwrap();
    assert_eq!(out["ReplicationStatus"][0]["Status"], "InSync");
    // Neither the same region again nor the primary's own region.
    for region in ["eu-west-1", "us-east-1"] {
        assert_eq!(
            replicate(&w, "promo", region).unwrap_err().code,
            "InvalidParameterException",
            "{region}"
        );
    }
    assert_eq!(
        err(&w, "StopReplicationToReplica", json!({"SecretId": "promo"})).code,
        "InvalidRequestException"
    );
    ok_in(
        &w,
        "eu-west-1",
        "StopReplicationToReplica",
        json!({"SecretId": "promo"}),
    );
    assert_eq!(
        describe_in(&w, HOME, "promo").get("ReplicationStatus"),
        None
    );
    ok_in(
        &w,
        "eu-west-1",
        "PutSecretValue",
        json!({"SecretId": "promo", "SecretString": "standalone"}),
    );
    assert_eq!(current(&w, "promo"), "one");
    assert_eq!(current_in(&w, "eu-west-1", "promo"), "standalone");
}

#[test]
fn an_existing_secret_in_the_region_blocks_replication_unless_forced() {
    let (w, _) = world();
    ok_in(
        &w,
        "eu-central-1",
        "CreateSecret",
        json!({"Name": "clash", "SecretString": "theirs"}),
    );
    create(&w, "clash", "ours");
    let out = replicate(&w, "clash", "eu-central-1").unwrap();
    assert_eq!(out["ReplicationStatus"][0]["Status"], "Failed");
    assert_eq!(current_in(&w, "eu-central-1", "clash"), "theirs");
    unreplicate(&w, "clash", "eu-central-1").unwrap();
    let out = ok(
        &w,
        "ReplicateSecretToRegions",
        json!({"SecretId": "clash", "ForceOverwriteReplicaSecret": true, "AddReplicaRegions": [{"Region": "eu-central-1"}]}),
    );
    assert_eq!(out["ReplicationStatus"][0]["Status"], "InSync");
    assert_eq!(current_in(&w, "eu-central-1", "clash"), "ours");
}
