"""CloudTrail records every call, and LookupEvents finds them."""

import json

import botocore.exceptions
import pytest


def events(server, *extra):
    _, out, _ = server.aws("cloudtrail", "lookup-events", *extra)
    return out["Events"]


def test_cli_lookup_events_lists_successful_and_failed_calls(server):
    _, me, _ = server.aws("sts", "get-caller-identity")
    code, _, _ = server.aws("sts", "get-caller-identity", secret="wrong", check=False)
    assert code != 0
    found = [e for e in events(server) if e["EventName"] == "GetCallerIdentity"]
    assert len(found) == 2
    failed, ok = found[0], found[1]  # newest first
    record = json.loads(ok["CloudTrailEvent"])
    assert record["eventVersion"].startswith("1.")
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["eventName"] == "GetCallerIdentity"
    assert record["awsRegion"] == "us-east-1"
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert "aws-cli" in record["userAgent"]
    assert record["userIdentity"]["type"] == "Root"
    assert record["userIdentity"]["arn"] == me["Arn"]
    assert record["userIdentity"]["accountId"] == me["Account"]
    assert record["userIdentity"]["accessKeyId"] == ok["AccessKeyId"]
    assert record["readOnly"] is True
    assert record["eventType"] == "AwsApiCall"
    assert record["managementEvent"] is True
    assert record["recipientAccountId"] == me["Account"]
    assert record["requestID"] and record["eventID"] == ok["EventId"]
    assert "errorCode" not in record
    bad = json.loads(failed["CloudTrailEvent"])
    assert bad["errorCode"] == "SignatureDoesNotMatch"
    assert bad["errorMessage"]


def test_boto3_lookup_filters_by_event_name_and_pages(server):
    sts = server.client("sts")
    for _ in range(5):
        sts.get_caller_identity()
    ct = server.client("cloudtrail")
    page = ct.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}], MaxResults=2
    )
    assert len(page["Events"]) == 2
    seen = [e["EventId"] for e in page["Events"]]
    while "NextToken" in page:
        page = ct.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}],
            MaxResults=2,
            NextToken=page["NextToken"],
        )
        seen += [e["EventId"] for e in page["Events"]]
    assert len(seen) == 5 and len(set(seen)) == 5
    for e in page["Events"]:
        assert e["EventName"] == "GetCallerIdentity"


def test_lookup_rejects_two_attributes_and_bad_page_sizes(server):
    ct = server.client("cloudtrail")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "a"},
                {"AttributeKey": "ReadOnly", "AttributeValue": "true"},
            ]
        )
    assert e.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ct.lookup_events(MaxResults=51)
    assert e.value.response["Error"]["Code"] == "InvalidMaxResultsException"


def test_unauthenticated_calls_are_recorded_too(server):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    anon = boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    with pytest.raises(botocore.exceptions.ClientError):
        anon.get_caller_identity()
    records = [json.loads(e["CloudTrailEvent"]) for e in events(server)]
    assert any(r.get("errorCode") == "MissingAuthenticationToken" for r in records)


def test_events_survive_a_restart(server):
    server.client("sts").get_caller_identity()
    before = {e["EventId"] for e in events(server)}
    server.stop()
    server.start()
    after = {e["EventId"] for e in events(server)}
    assert before <= after
