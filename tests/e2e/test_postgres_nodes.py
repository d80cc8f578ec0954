"""Two rampart nodes on one PostgreSQL store (`--store postgres://...`, issue 9): what one node
writes, the other serves, and a deny added through one is enforced by the other on its next
request; scheduled work runs on one node only and moves to the survivor when that node is
killed; every acknowledged write survives a kill -9; CloudTrail from both nodes is one ordered
log; a lost database fails requests (never allowing one) until it returns, and both nodes
recover by themselves; `rampart migrate` manages the schema. The cluster is the throw-away one of the Secrets
Manager rotation tests."""
import base64
import gzip
import json
import os
import subprocess
import threading
import time

import botocore.exceptions
import pytest

from conftest import BIN, Server
from test_secrets_postgres import SUPERUSER_PASSWORD, postgres  # noqa: F401 (the fixture)

MASTER_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def nodes(postgres, tmp_path):  # noqa: F811
    url = f"postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{postgres.port}/postgres"
    env = {"RAMPART_STORE": url, "RAMPART_MASTER_KEY": MASTER_KEY}
    started = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            started.append(Server(tmp_path / name / "data", env=env).start())
        yield started
    finally:
        for node in started:
            node.stop()


def test_a_deny_added_through_one_node_is_enforced_by_the_other(nodes):
    a, b = nodes
    iam = a.client("iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    reader_b = b.client("iam", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert [u["UserName"] for u in reader_b.list_users()["Users"]] == ["reader"]

    iam.put_user_policy(UserName="reader", PolicyName="deny", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}]}))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        reader_b.list_users()
    assert e.value.response["Error"]["Code"] == "AccessDenied"


def test_a_kms_key_made_on_one_node_decrypts_on_the_other(nodes):
    a, b = nodes
    key = a.client("kms").create_key()["KeyMetadata"]["KeyId"]
    blob = a.client("kms").encrypt(KeyId=key, Plaintext=b"shared")["CiphertextBlob"]
    assert b.client("kms").decrypt(CiphertextBlob=blob)["Plaintext"] == b"shared"
    b.client("kms").disable_key(KeyId=key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        a.client("kms").encrypt(KeyId=key, Plaintext=b"again")
    assert e.value.response["Error"]["Code"] == "DisabledException"


def test_an_unreachable_database_stops_the_start_with_a_clear_error(tmp_path):
    node = Server(tmp_path / "data", env={"RAMPART_STORE": "postgres://rampart:pw@127.0.0.1:1/rampart",
                                          "RAMPART_MASTER_KEY": MASTER_KEY})
    with pytest.raises(RuntimeError) as failure:
        node.start()
    message = str(failure.value)
    assert "PostgreSQL" in message and "pw@" not in message


DAY = 86400


def advance(node, seconds):
    """Moves `node`'s clock and runs its scheduled work; how many duties it ran (none unless it
    leads the cluster's scheduled work)."""
    status, body = node.admin("/_rampart/clock/advance", {"Seconds": seconds})
    assert status == 200, body
    return body["DutiesRun"]


def leader_of(nodes):
    """The node that runs the scheduled work: the one whose duties run when asked. Every node's
    clock moves by the same second, so they stay equal."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ran = [advance(node, 1) for node in nodes]
        leaders = [node for node, n in zip(nodes, ran) if n > 0]
        assert len(leaders) <= 1, f"several nodes ran the scheduled work: {ran}"
        if leaders:
            return leaders[0]
        time.sleep(0.2)
    raise AssertionError("no node took the lead of the scheduled work")


def test_a_scheduled_deletion_runs_once_with_two_nodes(nodes):
    a, b = nodes
    leader = leader_of(nodes)
    sm = a.client("secretsmanager")
    sm.create_secret(Name="doomed", SecretString="v")
    sm.delete_secret(SecretId="doomed", RecoveryWindowInDays=7)
    ran = [advance(node, 8 * DAY) for node in nodes]
    assert ran[nodes.index(leader)] > 0
    assert ran[1 - nodes.index(leader)] == 0, "the follower ran scheduled work"
    for node in nodes:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            node.client("secretsmanager").describe_secret(SecretId="doomed")
        assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_kill_9_of_a_node_under_write_load_loses_no_acknowledged_write_and_the_survivor_takes_over(nodes):
    leader = leader_of(nodes)
    survivor = nodes[1 - nodes.index(leader)]
    sm = survivor.client("secretsmanager")
    sm.create_secret(Name="due-after-the-kill", SecretString="v")
    sm.delete_secret(SecretId="due-after-the-kill", RecoveryWindowInDays=7)

    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def load(node, worker):
        ssm = node.client("ssm")
        i = 0
        while not stop.is_set():
            name = f"/load/{node.port}/{worker}/{i}"
            i += 1
            try:
                ssm.put_parameter(Name=name, Value=name, Type="String")
            except Exception:  # the killed node: refused, reset, or no answer
                continue
            with lock:
                acknowledged.append(name)

    workers = [threading.Thread(target=load, args=(node, w)) for node in nodes for w in range(2)]
    for w in workers:
        w.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if len(acknowledged) >= 40:
                    break
            time.sleep(0.05)
        leader.kill()
        time.sleep(1)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=60)
    assert any(f"/{leader.port}/" in n for n in acknowledged), "the killed node acknowledged nothing"
    assert any(f"/{survivor.port}/" in n for n in acknowledged)

    ssm = survivor.client("ssm")
    for i in range(0, len(acknowledged), 10):
        chunk = acknowledged[i:i + 10]
        got = ssm.get_parameters(Names=chunk)
        assert got["InvalidParameters"] == [], "acknowledged writes are missing"
        assert sorted(p["Value"] for p in got["Parameters"]) == sorted(chunk)

    # The survivor takes the scheduled work over once the dead node's lease ran out, and the
    # deletion that comes due after the kill is carried out.
    deadline = time.monotonic() + 60
    while advance(survivor, 1) == 0:
        assert time.monotonic() < deadline, "the survivor never took over the scheduled work"
        time.sleep(0.5)
    assert advance(survivor, 8 * DAY) > 0
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sm.describe_secret(SecretId="due-after-the-kill")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_calls_through_both_nodes_land_once_each_in_order_in_lookup_events_and_one_trail(nodes):
    a, b = nodes
    ct = a.client("cloudtrail")
    ct.create_trail(Name="everything", S3BucketName="all-nodes")
    ct.start_logging(Name="everything")
    names = [f"user-{i}" for i in range(8)]
    for i, name in enumerate(names):
        node = nodes[i % 2]
        node.client("iam").create_user(UserName=name)
        # Recorded before the next call, so recording order is call order.
        wait_for_created_users(nodes[(i + 1) % 2], i + 1)

    for node in nodes:
        events = node.client("cloudtrail").lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}])["Events"]
        created = [json.loads(e["CloudTrailEvent"])["requestParameters"]["userName"] for e in events]
        assert created == list(reversed(names)), "newest first, each once"

    for node in nodes:
        advance(node, 600)
    delivered = []
    files = sorted((p for node in nodes for p in (node.data_dir / "s3" / "all-nodes").rglob("*.json.gz")
                    if "CloudTrail-Digest" not in str(p)), key=lambda p: p.stat().st_mtime_ns)
    for path in files:
        for record in json.loads(gzip.decompress(path.read_bytes()))["Records"]:
            if record["eventName"] == "CreateUser":
                delivered.append(record["requestParameters"]["userName"])
    assert delivered == names, "each call once, in order, in the trail's files"


def wait_for_created_users(node, count):
    ct = node.client("cloudtrail")
    deadline = time.monotonic() + 30
    while True:
        events = ct.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}])["Events"]
        if len(events) >= count:
            return
        assert time.monotonic() < deadline, "a recorded call never became visible to the other node"
        time.sleep(0.05)


def test_rampart_migrate_creates_finds_current_and_refuses_a_newer_schema(postgres, tmp_path):  # noqa: F811
    url = f"postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{postgres.port}/postgres"

    def migrate():
        return subprocess.run([str(BIN), "migrate", "--store", url], capture_output=True, text=True, timeout=60)

    first = migrate()
    assert first.returncode == 0, first.stderr
    assert "created the store schema" in first.stdout
    again = migrate()
    assert again.returncode == 0 and "current" in again.stdout
    code, _ = postgres.psql("postgres", SUPERUSER_PASSWORD, "UPDATE rampart_schema SET version = 99")[:2]
    assert code == 0
    newer = migrate()
    assert newer.returncode != 0
    assert "newer than this rampart supports" in newer.stderr
    assert SUPERUSER_PASSWORD not in newer.stderr + newer.stdout
    # The server migrates at start too, and refuses to serve a newer schema.
    node = Server(tmp_path / "data", env={"RAMPART_STORE": url, "RAMPART_MASTER_KEY": MASTER_KEY})
    with pytest.raises(RuntimeError) as failure:
        node.start()
    assert "newer than this rampart supports" in str(failure.value)
    assert SUPERUSER_PASSWORD not in str(failure.value)


def restart_database(postgres, down):  # noqa: F811
    """Stops the cluster at once (as a crash would), runs `down`, then starts it again."""
    data = str(postgres.root / "data")
    pg_ctl = str(postgres.bindir / "pg_ctl")
    subprocess.run(postgres.as_owner([pg_ctl, "-D", data, "-m", "immediate", "stop"]),
                   check=True, capture_output=True, timeout=120)
    try:
        down()
    finally:
        options = f"-p {postgres.port} -k {postgres.root} -c listen_addresses=127.0.0.1 -c log_statement=all"
        subprocess.run(postgres.as_owner([pg_ctl, "-D", data, "-o", options, "-l", str(postgres.root / "log"),
                                          "-w", "start"]),
                       check=True, capture_output=True, timeout=120)


def test_a_lost_database_fails_requests_without_a_false_allow_and_both_nodes_recover(nodes, postgres):  # noqa: F811
    a, b = nodes
    iam = a.client("iam")
    iam.create_user(UserName="denied")
    iam.put_user_policy(UserName="denied", PolicyName="deny", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="denied")["AccessKey"]
    denied = [node.client("iam", key_id=key["AccessKeyId"], secret=key["SecretAccessKey"]) for node in nodes]
    for client in denied:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            client.list_users()
        assert e.value.response["Error"]["Code"] == "AccessDenied"

    def while_down():
        for node, client in zip(nodes, denied):
            # Never allowed: a deny still cached is enforced, otherwise the call fails.
            with pytest.raises(botocore.exceptions.ClientError) as e:
                client.list_users()
            assert (e.value.response["Error"]["Code"] == "AccessDenied"
                    or e.value.response["ResponseMetadata"]["HTTPStatusCode"] >= 500)
            for call in (node.client("iam").list_users,
                         lambda: node.client("ssm").put_parameter(Name="/during-outage", Value="x", Type="String")):
                with pytest.raises(botocore.exceptions.ClientError) as e:
                    call()
                assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] >= 500

    restart_database(postgres, while_down)
    for node, client in zip(nodes, denied):
        deadline = time.monotonic() + 60
        while True:
            try:
                names = [u["UserName"] for u in node.client("iam").list_users()["Users"]]
                break
            except botocore.exceptions.ClientError:
                assert time.monotonic() < deadline, "the node did not recover by itself"
                time.sleep(0.5)
        assert names == ["denied"]
        with pytest.raises(botocore.exceptions.ClientError) as e:
            client.list_users()
        assert e.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        a.client("ssm").get_parameter(Name="/during-outage")
    assert e.value.response["Error"]["Code"] == "ParameterNotFound"
