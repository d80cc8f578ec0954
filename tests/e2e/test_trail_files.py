"""CloudTrail files: log-file delivery, signed digests, ListPublicKeys and `rampart trail validate`.

The server runs with one-second deliveries and two-second digests so that files appear quickly;
trail buckets are folders under `<data-dir>/s3/`.
"""

import gzip
import json
import subprocess
import time

from conftest import BIN, Server

FAST = {"RAMPART_TRAIL_DELIVERY_SECONDS": "1", "RAMPART_TRAIL_DIGEST_SECONDS": "2"}


def wait_for(what, predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def files(bucket, kind):
    """The delivered files of one kind ("CloudTrail" or "CloudTrail-Digest"), by key."""
    return {
        str(p.relative_to(bucket)): p
        for p in bucket.rglob("*.json.gz")
        if p.relative_to(bucket).parts[2] == kind
    }


def records(path):
    return json.loads(gzip.decompress(path.read_bytes()))["Records"]


def delivered_ids(bucket):
    return {r["eventID"] for p in files(bucket, "CloudTrail").values() for r in records(p)}


def validate(data_dir, arn, *extra):
    proc = subprocess.run(
        [str(BIN), "trail", "validate", "--data-dir", str(data_dir), "--trail-arn", arn, *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout + proc.stderr


def event_ids(ct, name):
    """The eventIDs LookupEvents reports for calls named `name`."""
    found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])
    return {e["EventId"] for e in found["Events"]}


def test_log_files_and_digests_validate_and_tampering_is_named(data_dir):
    server = Server(data_dir, env=FAST).start()
    bucket = data_dir / "s3" / "trail-files"
    try:
        _, created, _ = server.aws(
            "cloudtrail", "create-trail", "--name", "files", "--s3-bucket-name", "trail-files",
            "--enable-log-file-validation",
        )
        arn = created["TrailARN"]
        server.aws("cloudtrail", "start-logging", "--name", "files")
        ct = server.client("cloudtrail")
        server.aws("sts", "get-caller-identity")
        ct.describe_trails()
        first = event_ids(ct, "GetCallerIdentity") | event_ids(ct, "DescribeTrails")
        assert len(first) == 2
        wait_for("the first calls in a log file", lambda: first <= delivered_ids(bucket))
        ct.list_trails()
        later = event_ids(ct, "ListTrails")
        wait_for("a later call in another log file", lambda: later <= delivered_ids(bucket))
        assert len(files(bucket, "CloudTrail")) >= 2
        wait_for("two digests", lambda: len(files(bucket, "CloudTrail-Digest")) >= 2)

        # A log file is AWS's shape: gzipped {"Records": [...]} with the calls' names and ids.
        by_id = {r["eventID"]: r for p in files(bucket, "CloudTrail").values() for r in records(p)}
        assert {by_id[i]["eventName"] for i in first} == {"GetCallerIdentity", "DescribeTrails"}
        assert by_id[next(iter(later))]["eventSource"] == "cloudtrail.amazonaws.com"
        account = arn.split(":")[4]
        key = next(iter(files(bucket, "CloudTrail")))
        assert key.startswith(f"AWSLogs/{account}/CloudTrail/us-east-1/")
        assert key.split("/")[-1].startswith(f"{account}_CloudTrail_us-east-1_")

        # ListPublicKeys returns the key whose fingerprint the digests carry.
        digest = json.loads(gzip.decompress(next(iter(files(bucket, "CloudTrail-Digest").values())).read_bytes()))
        assert digest["digestSignatureAlgorithm"] == "SHA256withRSA"
        keys = ct.list_public_keys()["PublicKeyList"]
        assert [k["Fingerprint"] for k in keys] == [digest["digestPublicKeyFingerprint"]]
        assert isinstance(keys[0]["Value"], bytes) and len(keys[0]["Value"]) > 256
        assert (data_dir / "cloudtrail-public-keys" / f"{keys[0]['Fingerprint']}.der").read_bytes() == keys[0]["Value"]
        status = ct.get_trail_status(Name="files")
        assert "LatestDeliveryTime" in status and "LatestDigestDeliveryTime" in status
    finally:
        server.stop()

    # Stopped cleanly: the last files are delivered and digested, and everything validates.
    code, out = validate(data_dir, arn)
    assert code == 0, out
    logs = files(bucket, "CloudTrail")
    assert f"{len(logs)}/{len(logs)} log files valid" in out, out
    assert "INVALID" not in out

    # One byte changed in a log file: named as modified.
    modified_key, modified = sorted(logs.items())[0]
    text = gzip.decompress(modified.read_bytes())
    at = text.index(b'"eventName":"') + len(b'"eventName":"')
    modified.write_bytes(gzip.compress(text[:at] + bytes([text[at] ^ 0x20]) + text[at + 1 :]))
    code, out = validate(data_dir, arn)
    assert code == 1, out
    assert f"Log file\t{modified_key}\tINVALID: hash value doesn't match" in out, out

    # A log file removed: named as deleted.
    deleted_key, deleted = sorted(logs.items())[-1]
    deleted.unlink()
    code, out = validate(data_dir, arn, "--s3-bucket", "trail-files", "--verbose")
    assert code == 1, out
    assert f"Log file\t{deleted_key}\tINVALID: not found" in out, out
    assert "Digest file\t" in out and "\tvalid" in out


def test_a_stopped_trail_delivers_nothing_more(data_dir):
    server = Server(data_dir, env=FAST).start()
    bucket = data_dir / "s3" / "quiet-bucket"
    try:
        server.aws("cloudtrail", "create-trail", "--name", "quiet", "--s3-bucket-name", "quiet-bucket")
        server.aws("cloudtrail", "start-logging", "--name", "quiet")
        ct = server.client("cloudtrail")
        ct.describe_trails()
        before = event_ids(ct, "DescribeTrails")
        wait_for("a delivered call", lambda: before <= delivered_ids(bucket))
        server.aws("cloudtrail", "stop-logging", "--name", "quiet")
        time.sleep(4)  # what was recorded up to the stop may still arrive: let it settle
        delivered = set(files(bucket, "CloudTrail"))
        for _ in range(3):
            ct.list_trails()
        time.sleep(4)  # several delivery intervals
        assert set(files(bucket, "CloudTrail")) == delivered
    finally:
        server.stop()
    assert set(files(bucket, "CloudTrail")) == delivered
    names = {r["eventName"] for p in files(bucket, "CloudTrail").values() for r in records(p)}
    assert "ListTrails" not in names and "DescribeTrails" in names
    assert not files(bucket, "CloudTrail-Digest")
