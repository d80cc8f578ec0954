"""Trail management with the AWS CLI and boto3."""

import botocore.exceptions
import pytest


def test_cli_trail_lifecycle(server):
    _, created, _ = server.aws(
        "cloudtrail", "create-trail", "--name", "audit", "--s3-bucket-name", "audit-logs",
        "--enable-log-file-validation", "--is-multi-region-trail",
    )
    account = server.aws("sts", "get-caller-identity")[1]["Account"]
    assert created["TrailARN"] == f"arn:aws:cloudtrail:us-east-1:{account}:trail/audit"
    assert created["LogFileValidationEnabled"] is True and created["IsMultiRegionTrail"] is True
    _, described, _ = server.aws("cloudtrail", "describe-trails")
    assert [t["Name"] for t in described["trailList"]] == ["audit"]
    assert described["trailList"][0]["HomeRegion"] == "us-east-1"
    _, status, _ = server.aws("cloudtrail", "get-trail-status", "--name", "audit")
    assert status["IsLogging"] is False
    server.aws("cloudtrail", "start-logging", "--name", "audit")
    _, status, _ = server.aws("cloudtrail", "get-trail-status", "--name", created["TrailARN"])
    assert status["IsLogging"] is True and "StartLoggingTime" in status
    _, selectors, _ = server.aws("cloudtrail", "get-event-selectors", "--trail-name", "audit")
    assert selectors["EventSelectors"][0]["ReadWriteType"] == "All"
    # A multi-region trail shows in other regions as a shadow that can be read but not changed.
    _, shadow, _ = server.aws("cloudtrail", "get-trail", "--name", "audit", region="eu-west-1")
    assert shadow["Trail"]["HomeRegion"] == "us-east-1"
    code, _, err = server.aws("cloudtrail", "stop-logging", "--name", "audit", region="eu-west-1", check=False)
    assert code != 0 and "InvalidHomeRegionException" in err
    server.aws("cloudtrail", "delete-trail", "--name", "audit")
    _, described, _ = server.aws("cloudtrail", "describe-trails")
    assert described["trailList"] == []


def test_trail_errors_have_aws_codes_and_change_nothing(server):
    ct = server.client("cloudtrail")
    ct.create_trail(Name="t-one", S3BucketName="bucket-one")
    cases = [
        (dict(Name="t-one", S3BucketName="bucket-one"), "TrailAlreadyExistsException"),
        (dict(Name="ab", S3BucketName="bucket-one"), "InvalidTrailNameException"),
        (dict(Name="bad--name", S3BucketName="bucket-one"), "InvalidTrailNameException"),
        (dict(Name="t-two", S3BucketName="Bad_Bucket"), "InvalidS3BucketNameException"),
    ]
    for kwargs, code in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ct.create_trail(**kwargs)
        assert e.value.response["Error"]["Code"] == code, kwargs
    assert [t["Name"] for t in ct.describe_trails()["trailList"]] == ["t-one"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.get_trail(Name="missing")
    err = e.value.response["Error"]
    assert err["Code"] == "TrailNotFoundException"
    assert err["Message"].startswith("Unknown trail: arn:aws:cloudtrail:us-east-1:")


def test_event_selectors_round_trip(server):
    ct = server.client("cloudtrail")
    ct.create_trail(Name="sel", S3BucketName="sel-bucket")
    out = ct.put_event_selectors(
        TrailName="sel", EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]
    )
    assert out["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    got = ct.get_event_selectors(TrailName="sel")
    assert got["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    assert ct.get_trail(Name="sel")["Trail"]["HasCustomEventSelectors"] is True
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.put_event_selectors(TrailName="sel", EventSelectors=[{"ReadWriteType": "Sometimes"}])
    assert e.value.response["Error"]["Code"] == "InvalidEventSelectorsException"
