"""SSM Parameter Store end to end with boto3 and the AWS CLI: versions, selectors, paths,
history, labels, SecureString through KMS (and a caller refused kms:Decrypt), IAM decisions on
parameter ARNs, public parameters, and parameter policies that really delete (issue 6)."""

import base64
import datetime
import json
import time

import botocore.exceptions
import pytest

DAY = 86_400


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def new_user(server, name, statements):
    iam = server.client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    document = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return arn, key


def as_user(server, key, service="ssm"):
    return server.client(service, key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])


def account_of(server):
    return server.client("sts").get_caller_identity()["Account"]


def test_put_get_versions_selectors_and_history(server):
    ssm = server.client("ssm")
    out = ssm.put_parameter(Name="/app/db/host", Value="db1", Type="String")
    assert out["Version"] == 1 and out["Tier"] == "Standard"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.put_parameter(Name="/app/db/host", Value="db2", Type="String")
    assert error_code(e) == "ParameterAlreadyExists"
    out = ssm.put_parameter(Name="/app/db/host", Value="db2", Overwrite=True)
    assert out["Version"] == 2 and out["Tier"] == "Standard"

    p = ssm.get_parameter(Name="/app/db/host")["Parameter"]
    assert p["Value"] == "db2" and p["Version"] == 2 and p["Type"] == "String"
    assert p["ARN"] == f"arn:aws:ssm:us-east-1:{account_of(server)}:parameter/app/db/host"
    assert p["DataType"] == "text"

    assert ssm.get_parameter(Name="/app/db/host:1")["Parameter"]["Value"] == "db1"
    ssm.label_parameter_version(Name="/app/db/host", ParameterVersion=1, Labels=["stable"])
    stable = ssm.get_parameter(Name="/app/db/host:stable")["Parameter"]
    assert stable["Value"] == "db1" and stable["Selector"] == ":stable"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.get_parameter(Name="/app/db/host:7")
    assert error_code(e) == "ParameterVersionNotFound"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.get_parameter(Name="/app/nothing")
    assert error_code(e) == "ParameterNotFound"

    many = ssm.get_parameters(Names=["/app/db/host", "/app/db/host:1", "/nope"])
    assert [p["Value"] for p in many["Parameters"]] == ["db2", "db1"]
    assert many["InvalidParameters"] == ["/nope"]

    history = ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
    assert [h["Version"] for h in history] == [1, 2]
    assert history[0]["Labels"] == ["stable"]
    assert history[1]["LastModifiedUser"].endswith(":root")

    # Moving the label to version 2.
    ssm.label_parameter_version(Name="/app/db/host", Labels=["stable"])
    assert ssm.get_parameter(Name="/app/db/host:stable")["Parameter"]["Version"] == 2
    bad = ssm.label_parameter_version(Name="/app/db/host", Labels=["1st", "aws-x"])
    assert sorted(bad["InvalidLabels"]) == ["1st", "aws-x"]


def test_paths_describe_and_paginators(server):
    ssm = server.client("ssm")
    names = [f"/svc/web/p{i:02d}" for i in range(15)] + ["/svc/db/url", "/svc/top", "/other"]
    for name in names:
        ssm.put_parameter(Name=name, Value=name, Type="String")
    ssm.put_parameter(Name="/svc/web/key", Value="k", Type="SecureString",
                      Tags=[{"Key": "team", "Value": "web"}])

    one_level = ssm.get_parameters_by_path(Path="/svc")["Parameters"]
    assert [p["Name"] for p in one_level] == ["/svc/top"]

    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path="/svc", Recursive=True)
    found = [p["Name"] for page in pages for p in page["Parameters"]]
    assert sorted(found) == sorted([n for n in names if n.startswith("/svc/")] + ["/svc/web/key"])

    secure = ssm.get_parameters_by_path(
        Path="/svc/web", WithDecryption=True,
        ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}])["Parameters"]
    assert [(p["Name"], p["Value"]) for p in secure] == [("/svc/web/key", "k")]

    described = [p for page in ssm.get_paginator("describe_parameters").paginate(
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/svc/web"]}])
        for p in page["Parameters"]]
    assert len(described) == 16
    tagged = ssm.describe_parameters(ParameterFilters=[{"Key": "tag:team", "Values": ["web"]}])
    assert [p["Name"] for p in tagged["Parameters"]] == ["/svc/web/key"]
    assert tagged["Parameters"][0]["KeyId"] == "alias/aws/ssm"

    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.describe_parameters(ParameterFilters=[{"Key": "Label", "Values": ["x"]}])
    assert error_code(e) == "InvalidFilterKey"

    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/svc/web/key")
    assert tags["TagList"] == [{"Key": "team", "Value": "web"}]
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/svc/web/key",
                                  TagKeys=["team"])
    assert ssm.list_tags_for_resource(ResourceType="Parameter",
                                      ResourceId="/svc/web/key")["TagList"] == []

    deleted = ssm.delete_parameters(Names=["/other", "/ghost"])
    assert deleted["DeletedParameters"] == ["/other"]
    assert deleted["InvalidParameters"] == ["/ghost"]


def test_secure_string_round_trip_through_kms(server):
    ssm = server.client("ssm")
    kms = server.client("kms")
    ssm.put_parameter(Name="/db/password", Value="hunter2", Type="SecureString")
    hidden = ssm.get_parameter(Name="/db/password")["Parameter"]
    assert hidden["Type"] == "SecureString" and hidden["Value"] != "hunter2"
    shown = ssm.get_parameter(Name="/db/password", WithDecryption=True)["Parameter"]
    assert shown["Value"] == "hunter2"
    aliases = [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    assert "alias/aws/ssm" in aliases

    key = kms.create_key(Description="params")["KeyMetadata"]["KeyId"]
    big = "v" * 6000
    out = ssm.put_parameter(Name="/db/big", Value=big, Type="SecureString", KeyId=key,
                            Tier="Advanced")
    assert out["Tier"] == "Advanced"
    assert ssm.get_parameter(Name="/db/big", WithDecryption=True)["Parameter"]["Value"] == big

    # The AWS managed key serves only through Parameter Store (its key policy's kms:ViaService).
    blob = base64.b64decode(hidden["Value"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": hidden["ARN"]})
    assert error_code(e) == "AccessDeniedException"

    # A Standard SecureString's value is KMS ciphertext bound to {"PARAMETER_ARN": <arn>}.
    ssm.put_parameter(Name="/db/own", Value="mine", Type="SecureString", KeyId=key)
    own = ssm.get_parameter(Name="/db/own")["Parameter"]
    blob = base64.b64decode(own["Value"])
    assert kms.decrypt(CiphertextBlob=blob,
                       EncryptionContext={"PARAMETER_ARN": own["ARN"]})["Plaintext"] == b"mine"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob)
    assert error_code(e) == "InvalidCiphertextException"

    kms.disable_key(KeyId=key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.get_parameter(Name="/db/big", WithDecryption=True)
    assert error_code(e) == "InvalidKeyId"


def test_a_user_without_kms_decrypt_reads_only_the_ciphertext(server):
    """Under a customer managed key (default key policy: IAM decides) a caller needs kms:Decrypt
    itself. Under aws/ssm, whose AWS key policy allows every principal of the account through
    Parameter Store, ssm:GetParameter is enough, as in AWS."""
    ssm = server.client("ssm")
    key_id = server.client("kms").create_key()["KeyMetadata"]["KeyId"]
    ssm.put_parameter(Name="/team/token", Value="t0ken", Type="SecureString", KeyId=key_id)
    ssm.put_parameter(Name="/team/managed", Value="m", Type="SecureString")
    ssm.put_parameter(Name="/team/plain", Value="p", Type="String")
    ssm.put_parameter(Name="/private/x", Value="x", Type="String")
    account = account_of(server)
    _, key = new_user(server, "reader", [
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParametersByPath"],
         "Resource": f"arn:aws:ssm:us-east-1:{account}:parameter/team*"},
    ])
    reader = as_user(server, key)
    for _ in range(50):
        try:
            reader.get_parameter(Name="/team/plain")
            break
        except botocore.exceptions.ClientError:
            time.sleep(0.1)
    assert reader.get_parameter(Name="/team/token")["Parameter"]["Value"] != "t0ken"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        reader.get_parameter(Name="/team/token", WithDecryption=True)
    assert error_code(e) == "AccessDeniedException"
    assert "kms:Decrypt" in e.value.response["Error"]["Message"]
    assert reader.get_parameter(Name="/team/managed", WithDecryption=True)["Parameter"]["Value"] == "m"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        reader.get_parameter(Name="/private/x")
    assert error_code(e) == "AccessDeniedException"
    listed = reader.get_parameters_by_path(Path="/team")["Parameters"]
    assert sorted(p["Name"] for p in listed) == ["/team/managed", "/team/plain", "/team/token"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        reader.put_parameter(Name="/team/plain", Value="q", Overwrite=True)
    assert error_code(e) == "AccessDeniedException"

    # With kms:Decrypt through SSM only (kms:ViaService), the same call succeeds.
    server.client("iam").put_user_policy(UserName="reader", PolicyName="kms", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                       "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}}],
    }))
    value = None
    for _ in range(50):
        try:
            value = reader.get_parameter(Name="/team/token", WithDecryption=True)["Parameter"]["Value"]
            break
        except botocore.exceptions.ClientError:
            time.sleep(0.1)
    assert value == "t0ken"


def test_overwrite_condition_key(server):
    account = account_of(server)
    _, key = new_user(server, "writer", [
        {"Effect": "Allow", "Action": "ssm:PutParameter",
         "Resource": f"arn:aws:ssm:us-east-1:{account}:parameter/*"},
        {"Effect": "Deny", "Action": "ssm:PutParameter",
         "Resource": f"arn:aws:ssm:us-east-1:{account}:parameter/*",
         "Condition": {"StringEquals": {"ssm:Overwrite": ["true"]}}},
    ])
    writer = as_user(server, key)
    for _ in range(50):
        try:
            writer.put_parameter(Name="/w", Value="1", Type="String")
            break
        except botocore.exceptions.ClientError:
            time.sleep(0.1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        writer.put_parameter(Name="/w", Value="2", Overwrite=True)
    assert error_code(e) == "AccessDeniedException"
    assert server.client("ssm").get_parameter(Name="/w")["Parameter"]["Value"] == "1"


def test_the_aws_cli(server):
    server.aws("ssm", "put-parameter", "--name", "/cli/greeting", "--value", "hello", "--type", "String")
    server.aws("ssm", "put-parameter", "--name", "/cli/greeting", "--value", "hi", "--overwrite")
    _, out, _ = server.aws("ssm", "get-parameter", "--name", "/cli/greeting")
    assert out["Parameter"]["Value"] == "hi"
    server.aws("ssm", "label-parameter-version", "--name", "/cli/greeting",
               "--parameter-version", "1", "--labels", "first")
    _, out, _ = server.aws("ssm", "get-parameter", "--name", "/cli/greeting:first")
    assert out["Parameter"]["Value"] == "hello"
    _, out, _ = server.aws("ssm", "get-parameters-by-path", "--path", "/cli")
    assert [p["Name"] for p in out["Parameters"]] == ["/cli/greeting"]
    _, out, _ = server.aws("ssm", "get-parameter-history", "--name", "/cli/greeting")
    assert [p["Version"] for p in out["Parameters"]] == [1, 2]
    server.aws("ssm", "put-parameter", "--name", "/cli/secret", "--value", "s3", "--type", "SecureString")
    _, out, _ = server.aws("ssm", "get-parameter", "--name", "/cli/secret", "--with-decryption")
    assert out["Parameter"]["Value"] == "s3"
    code, _, err = server.aws("ssm", "get-parameter", "--name", "/cli/none", check=False)
    assert code != 0 and "ParameterNotFound" in err
    server.aws("ssm", "delete-parameter", "--name", "/cli/greeting")
    code, _, err = server.aws("ssm", "get-parameter", "--name", "/cli/greeting", check=False)
    assert code != 0 and "ParameterNotFound" in err


def test_public_parameters(server):
    ssm = server.client("ssm", region="eu-west-1")
    p = ssm.get_parameter(Name="/aws/service/global-infrastructure/regions/eu-west-1/longName")
    assert p["Parameter"]["Value"] == "Europe (Ireland)"
    ami = ssm.get_parameter(
        Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")["Parameter"]
    assert ami["Value"].startswith("ami-") and ami["DataType"] == "aws:ec2:image"
    regions = ssm.get_parameters_by_path(Path="/aws/service/global-infrastructure/regions")
    assert "/aws/service/global-infrastructure/regions/us-east-1" in [
        p["Name"] for p in regions["Parameters"]]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.put_parameter(Name="/aws/service/mine", Value="x", Type="String")
    assert error_code(e) == "AccessDeniedException"


def iso_in(seconds):
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_an_expiration_policy_deletes_the_parameter_a_day_later(server):
    ssm = server.client("ssm")
    policies = json.dumps([{"Type": "Expiration", "Version": "1.0",
                            "Attributes": {"Timestamp": iso_in(3600)}}])
    out = ssm.put_parameter(Name="/temp/creds", Value="v", Type="String", Tier="Advanced",
                            Policies=policies)
    assert out["Tier"] == "Advanced"
    described = ssm.describe_parameters()["Parameters"][0]
    assert described["Policies"][0]["PolicyType"] == "Expiration"
    assert described["Policies"][0]["PolicyStatus"] == "Pending"
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": DAY})
    assert status == 200, body
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.get_parameter(Name="/temp/creds")
    assert error_code(e) == "ParameterNotFound"


def test_an_expiration_a_few_seconds_ahead_happens_on_its_own(server):
    ssm = server.client("ssm")
    policies = json.dumps([{"Type": "Expiration", "Version": "1.0",
                            "Attributes": {"Timestamp": iso_in(3)}}])
    ssm.put_parameter(Name="/soon/gone", Value="v", Type="String", Tier="Advanced",
                      Policies=policies)
    assert ssm.get_parameter(Name="/soon/gone")["Parameter"]["Value"] == "v"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ssm.get_parameter(Name="/soon/gone")
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ParameterNotFound"
            return
        time.sleep(0.5)
    pytest.fail("the parameter outlived its expiration")


def test_policies_need_the_advanced_tier(server):
    ssm = server.client("ssm")
    policies = json.dumps([{"Type": "Expiration", "Version": "1.0",
                            "Attributes": {"Timestamp": iso_in(3600)}}])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.put_parameter(Name="/std", Value="v", Type="String", Tier="Standard", Policies=policies)
    assert error_code(e) == "ValidationException"
    out = ssm.put_parameter(Name="/std", Value="v", Type="String", Tier="Intelligent-Tiering",
                            Policies=policies)
    assert out["Tier"] == "Advanced"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ssm.put_parameter(Name="/bad", Value="v", Type="String", Tier="Advanced",
                          Policies='[{"Type":"Rotate","Version":"1.0","Attributes":{}}]')
    assert error_code(e) == "InvalidPolicyTypeException"


def test_cloudtrail_never_shows_a_parameter_value(server):
    ssm = server.client("ssm")
    ssm.put_parameter(Name="/audit/secret", Value="s3cr3t-value", Type="SecureString")
    ssm.get_parameter(Name="/audit/secret", WithDecryption=True)
    ssm.get_parameters_by_path(Path="/audit", WithDecryption=True)
    ct = server.client("cloudtrail")
    records = []
    for attempt in range(50):
        records = [json.loads(e["CloudTrailEvent"]) for e in ct.lookup_events(MaxResults=50)["Events"]]
        names = {r["eventName"] for r in records}
        if {"PutParameter", "GetParameter", "GetParametersByPath"} <= names:
            break
        time.sleep(0.1)
    put = next(r for r in records if r["eventName"] == "PutParameter")
    assert put["requestParameters"]["name"] == "/audit/secret"
    assert "s3cr3t-value" not in json.dumps(records)


def test_resource_tags_decide_access(server):
    ssm = server.client("ssm")
    ssm.put_parameter(Name="/tags/core", Value="c", Type="String",
                      Tags=[{"Key": "team", "Value": "core"}])
    ssm.put_parameter(Name="/tags/other", Value="o", Type="String",
                      Tags=[{"Key": "team", "Value": "other"}])
    _, key = new_user(server, "tagged", [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "core"}}},
        {"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "core"}}},
    ])
    user = as_user(server, key)
    value = None
    for _ in range(50):
        try:
            value = user.get_parameter(Name="/tags/core")["Parameter"]["Value"]
            break
        except botocore.exceptions.ClientError:
            time.sleep(0.1)
    assert value == "c"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.get_parameter(Name="/tags/other")
    assert error_code(e) == "AccessDeniedException"
    user.put_parameter(Name="/tags/new", Value="n", Type="String",
                       Tags=[{"Key": "team", "Value": "core"}])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        user.put_parameter(Name="/tags/untagged", Value="n", Type="String")
    assert error_code(e) == "AccessDeniedException"


def test_parameters_and_their_policies_survive_a_restart(server):
    ssm = server.client("ssm")
    ssm.put_parameter(Name="/keep/me", Value="kept", Type="SecureString")
    ssm.put_parameter(Name="/keep/brief", Value="v", Type="String", Tier="Advanced",
                      Policies=json.dumps([{"Type": "Expiration", "Version": "1.0",
                                            "Attributes": {"Timestamp": iso_in(3600)}}]))
    server.kill()
    server.start()
    ssm = server.client("ssm")
    assert ssm.get_parameter(Name="/keep/me", WithDecryption=True)["Parameter"]["Value"] == "kept"
    status, body = server.admin("/_rampart/clock/advance", {"Seconds": 2 * 3600})
    assert status == 200, body
    names = [p["Name"] for p in ssm.get_parameters_by_path(Path="/keep")["Parameters"]]
    assert names == ["/keep/me"]


def test_concurrent_overwrites_keep_a_consistent_history(server):
    import concurrent.futures

    server.client("ssm").put_parameter(Name="/race", Value="0", Type="String")

    def writer(i):
        ssm = server.client("ssm")
        written = 0
        for j in range(5):
            try:
                ssm.put_parameter(Name="/race", Value=f"{i}-{j}", Overwrite=True)
                written += 1
            except botocore.exceptions.ClientError as e:
                assert error_code_of(e) == "TooManyUpdates"
        return written

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        written = sum(pool.map(writer, range(20)))
    ssm = server.client("ssm")
    versions = [p["Version"] for page in ssm.get_paginator("get_parameter_history").paginate(Name="/race")
                for p in page["Parameters"]]
    assert versions[-1] == written + 1
    assert versions == list(range(max(1, written + 2 - 100), written + 2))
    assert ssm.get_parameter(Name="/race")["Parameter"]["Version"] == written + 1


def error_code_of(error):
    return error.response["Error"]["Code"]
