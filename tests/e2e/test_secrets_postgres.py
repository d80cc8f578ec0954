"""Secrets Manager's built-in PostgreSQL rotations (the RDS single-user and alternating-users
strategies) against a throw-away PostgreSQL cluster the test starts on a free port: after a
rotation the new password logs in and the old one is refused, on demand and on schedule."""

import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import free_port

DAY = 86_400
SUPERUSER_PASSWORD = "super-secret-pw"


def pg_bin():
    initdb = shutil.which("initdb") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))), None)
    return Path(initdb).parent if initdb else None


class Cluster:
    def __init__(self, bindir, root, port):
        self.bindir, self.root, self.port = bindir, root, port

    def as_owner(self, args):
        # initdb and postgres refuse to run as root: run them as the postgres system user then.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def psql(self, user, password, sql):
        psql = shutil.which("psql") or str(self.bindir / "psql")
        env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
        proc = subprocess.run([psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", "postgres",
                               "-v", "ON_ERROR_STOP=1", "-tAc", sql],
                              env=env, capture_output=True, text=True, timeout=30)
        return proc.returncode, proc.stdout.strip(), proc.stderr

    def can_login(self, user, password):
        return self.psql(user, password, "SELECT 1")[0] == 0

    def assert_never_logged(self, *passwords):
        # The cluster logs every statement: rampart sends new passwords only as SCRAM verifiers.
        log = (self.root / "log").read_text()
        assert "WITH PASSWORD 'SCRAM-SHA-256$4096:" in log
        for password in passwords:
            assert password not in log


@pytest.fixture
def postgres():
    bindir = pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (scripts/test.sh installs Debian's postgresql)")
    root = Path(tempfile.mkdtemp(prefix="rampart-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    pwfile = root / "pw"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    os.chmod(pwfile, 0o644)
    cluster = Cluster(bindir, root, free_port())
    data = root / "data"
    subprocess.run(cluster.as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                                     "--auth=scram-sha-256", f"--pwfile={pwfile}"]),
                   check=True, capture_output=True, timeout=120)
    options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c log_statement=all"
    subprocess.run(cluster.as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                     "-l", str(root / "log"), "-w", "start"]),
                   check=True, capture_output=True, timeout=120)
    try:
        yield cluster
    finally:
        subprocess.run(cluster.as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def function(server, name):
    account = server.client("sts").get_caller_identity()["Account"]
    return f"arn:aws:lambda:us-east-1:{account}:function:{name}"


def db_secret(cluster, user, password, **extra):
    return json.dumps({"engine": "postgres", "host": "127.0.0.1", "port": cluster.port, "username": user,
                       "password": password, "dbname": "postgres", **extra})


def test_single_user_rotation_on_demand_and_on_schedule(server, postgres):
    assert postgres.psql("postgres", SUPERUSER_PASSWORD, "CREATE ROLE app LOGIN PASSWORD 'old-password'")[0] == 0
    sm = server.client("secretsmanager")
    sm.create_secret(Name="rds/app", SecretString=db_secret(postgres, "app", "old-password"))
    sm.rotate_secret(SecretId="rds/app", RotationLambdaARN=function(server, "rampart-postgresql-single-user"),
                     RotationRules={"AutomaticallyAfterDays": 1})
    first = json.loads(sm.get_secret_value(SecretId="rds/app")["SecretString"])
    assert first["username"] == "app" and first["password"] != "old-password"
    assert postgres.can_login("app", first["password"])
    code, _, err = postgres.psql("app", "old-password", "SELECT 1")
    assert code != 0 and "password authentication failed" in err
    previous = json.loads(sm.get_secret_value(SecretId="rds/app", VersionStage="AWSPREVIOUS")["SecretString"])
    assert previous["password"] == "old-password"

    status, state = server.admin("/_rampart/clock/advance", {"Seconds": 2 * DAY})
    assert status == 200, state
    second = json.loads(sm.get_secret_value(SecretId="rds/app")["SecretString"])
    assert second["password"] not in (first["password"], "old-password")
    assert postgres.can_login("app", second["password"])
    assert not postgres.can_login("app", first["password"])
    postgres.assert_never_logged(first["password"], second["password"])


def test_a_wrong_current_password_fails_and_changes_nothing(server, postgres):
    assert postgres.psql("postgres", SUPERUSER_PASSWORD, "CREATE ROLE stale LOGIN PASSWORD 'real-password'")[0] == 0
    sm = server.client("secretsmanager")
    sm.create_secret(Name="rds/stale", SecretString=db_secret(postgres, "stale", "not-the-password"))
    sm.rotate_secret(SecretId="rds/stale", RotationLambdaARN=function(server, "rampart-postgresql-single-user"))
    current = json.loads(sm.get_secret_value(SecretId="rds/stale")["SecretString"])
    assert current["password"] == "not-the-password"
    assert postgres.can_login("stale", "real-password")
    stages = sm.describe_secret(SecretId="rds/stale")["VersionIdsToStages"]
    assert sorted(stages.values()) == [["AWSCURRENT"], ["AWSPENDING"]]


def test_alternating_users_rotation(server, postgres):
    assert postgres.psql("postgres", SUPERUSER_PASSWORD, "CREATE ROLE app LOGIN PASSWORD 'app-password'")[0] == 0
    sm = server.client("secretsmanager")
    master = sm.create_secret(Name="rds/master", SecretString=db_secret(postgres, "postgres", SUPERUSER_PASSWORD))
    sm.create_secret(Name="rds/alt", SecretString=db_secret(postgres, "app", "app-password", masterarn=master["ARN"]))
    lambda_arn = function(server, "rampart-postgresql-alternating-users")
    sm.rotate_secret(SecretId="rds/alt", RotationLambdaARN=lambda_arn)
    first = json.loads(sm.get_secret_value(SecretId="rds/alt")["SecretString"])
    assert first["username"] == "app_clone"
    assert postgres.can_login("app_clone", first["password"])
    assert postgres.can_login("app", "app-password"), "the other user keeps working"
    assert postgres.psql("app_clone", first["password"], "SELECT pg_has_role('app', 'MEMBER')")[1] == "t"

    sm.rotate_secret(SecretId="rds/alt")
    second = json.loads(sm.get_secret_value(SecretId="rds/alt")["SecretString"])
    assert second["username"] == "app" and second["password"] != "app-password"
    assert postgres.can_login("app", second["password"])
    assert not postgres.can_login("app", "app-password")
    assert postgres.can_login("app_clone", first["password"])
    postgres.assert_never_logged(first["password"], second["password"])
