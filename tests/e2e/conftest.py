"""Fixtures that run a real rampart server for the end-to-end tests.

Each test gets a server on a free loopback port with a fresh data directory, and talks to it
with the official AWS clients (the AWS CLI and boto3) exactly as a user would.
"""

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import botocore.config
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("RAMPART_BIN", ROOT / "target" / "debug" / "rampart"))

# A root key installed at first start through RAMPART_ROOT_* (any well-formed pair works).
ROOT_KEY_ID = "AKIAE2ETESTROOTKEY01"
ROOT_SECRET = "e2eRootSecretKey/AbCdEfGhIjKlMnOpQrStUvW"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A rampart process, startable, stoppable and killable."""

    def __init__(self, data_dir, env=None, root_key=True, ca_file=None):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.ca_file = ca_file
        scheme = "https" if ca_file else "http"
        self.endpoint = f"{scheme}://127.0.0.1:{self.port}"
        self.extra_env = dict(env or {})
        if root_key:
            self.extra_env.setdefault("RAMPART_ROOT_ACCESS_KEY_ID", ROOT_KEY_ID)
            self.extra_env.setdefault("RAMPART_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET)
        self.proc = None
        self.output = None

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.extra_env)
        self.output = open(self.data_dir.parent / f"server-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", str(self.data_dir)],
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rampart exited early with {self.proc.returncode}: {self.log()}")
            try:
                context = ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None
                with urllib.request.urlopen(self.endpoint + "/_rampart/health", timeout=1, context=context) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("rampart did not become healthy: " + self.log())

    def log(self):
        return (self.data_dir.parent / f"server-{self.port}.log").read_text(errors="replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def client_env(self, key_id=ROOT_KEY_ID, secret=ROOT_SECRET, region="us-east-1"):
        """Environment for the AWS CLI: only what a user would set."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID=key_id,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION=region,
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_CONFIG_FILE="/dev/null",
            AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        )
        return env

    def aws(self, *args, key_id=ROOT_KEY_ID, secret=ROOT_SECRET, region="us-east-1", check=True):
        """Runs the AWS CLI; returns (exit code, parsed JSON stdout or None, stderr)."""
        aws = shutil.which("aws", path=os.path.dirname(os.path.realpath(__import__("sys").executable)))
        tls = ["--ca-bundle", str(self.ca_file)] if self.ca_file else []
        proc = subprocess.run(
            [aws or "aws", *args, "--output", "json", *tls],
            env=self.client_env(key_id, secret, region),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {proc.stderr}")
        out = json.loads(proc.stdout) if proc.stdout.strip() else None
        return proc.returncode, out, proc.stderr

    def client(self, service, key_id=ROOT_KEY_ID, secret=ROOT_SECRET, region="us-east-1", token=None, **config):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            verify=str(self.ca_file) if self.ca_file else None,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            aws_session_token=token,
            region_name=region,
            config=botocore.config.Config(retries={"max_attempts": 1}, **config),
        )


    def admin(self, path, body=None, key_id=ROOT_KEY_ID, secret=ROOT_SECRET, token=None, method="POST"):
        """Calls rampart's administration API (service `rampart`), signed with SigV4 as botocore
        signs any call; returns (HTTP status, parsed JSON body)."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        data = json.dumps(body) if body is not None else None
        request = AWSRequest(method=method, url=self.endpoint + path, data=data,
                             headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(key_id, secret, token), "rampart", "us-east-1").add_auth(request)
        prepared = urllib.request.Request(self.endpoint + path, data=data.encode() if data else None,
                                          method=method, headers=dict(request.headers.items()))
        try:
            with urllib.request.urlopen(prepared, timeout=120) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


@pytest.fixture
def data_dir():
    with tempfile.TemporaryDirectory(prefix="rampart-e2e-") as d:
        yield Path(d) / "data"


@pytest.fixture
def server(data_dir):
    s = Server(data_dir).start()
    yield s
    s.stop()
