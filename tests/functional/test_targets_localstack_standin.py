"""The `localstack` target's code paths against a stand-in: the embedded stack (`harness serve`) or, while it
does not start, moto's server, each in a subprocess, behind a small LocalStack-shaped front that answers
`/_localstack/health` (not ready for the first polls) and reports new functions `Pending` for a while.

What this proves: the CLI finds LocalStack by its conventions, waits for health and for functions to leave
`Pending`, deploys and tears down, prints LocalStack's URL shapes and no credentials. What it cannot: that
LocalStack itself behaves so (nothing here runs LocalStack; see tests/localstack/).
Set HARNESS_STANDIN=moto or =serve to force one stand-in.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

from harness import targets

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]
ACCESS_KEY = "AKIASTANDINLEAKCHECK"
SECRET_KEY = "standin/leak+check/secret/0123456789abc"
SERVICES_UP = {"dynamodb": "running", "iam": "available", "sts": "available", "lambda": "running",
               "apigateway": "available", "logs": "available",
               "cloudformation": "available", "s3": "running"}  # as compose's SERVICES (templates need both)
_FUNCTION = re.compile(r"^/2015-03-31/functions/([^/?]+)(/configuration)?/?(?:\?.*)?$")
_MOTO = ("import sys, threading\nfrom moto.server import ThreadedMotoServer\n"
         "s = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False); s.start()\n"
         "print('ready at http://%s:%d' % s.get_host_and_port(), flush=True); threading.Event().wait()\n")


def _spawn(args: list[str], timeout: float = 30.0) -> tuple[subprocess.Popen[str], str] | None:
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(timeout)
    match = re.search(r"ready at (http://\S+)", line[0]) if line else None
    if match is None:
        proc.kill()
        proc.wait()
        return None
    return proc, match.group(1)


@pytest.fixture(scope="module")
def standin() -> Iterator[tuple[str, str]]:
    """(url, kind): `harness serve` when it starts, else moto's server."""
    choice = os.environ.get("HARNESS_STANDIN", "auto")
    started = None
    kind = "harness serve"
    if choice in ("auto", "serve"):
        started = _spawn([sys.executable, "-m", "harness", "serve", "--port", "0"])
        if started is None and choice == "serve":
            pytest.fail("HARNESS_STANDIN=serve but `harness serve --port 0` did not start")
    if started is None:
        kind = "moto server"
        started = _spawn([sys.executable, "-c", _MOTO])
        assert started is not None, "moto's server did not start"
    proc, url = started
    yield url, kind
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


class Front(ThreadingHTTPServer):
    """LocalStack-shaped front over the stand-in: health endpoint, `Pending` functions, everything else forwarded."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _FrontHandler)
        self.upstream = urlsplit(upstream)
        self.unready_polls = 0
        self.health_polls = 0
        self.pending_budget: dict[str, int] = {}
        self.pending_served: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def health(self) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.health_polls += 1
            polls = self.health_polls
        if polls <= self.unready_polls // 2:
            return 503, {}
        if polls <= self.unready_polls:
            return 200, {"services": {**SERVICES_UP, "lambda": "initialized", "apigateway": "starting"}}
        return 200, {"services": SERVICES_UP, "edition": "community", "version": "4.14.0"}

    def pending(self, name: str) -> bool:
        with self.lock:
            if self.pending_budget.get(name, 0) <= 0:
                return False
            self.pending_budget[name] -= 1
            self.pending_served[name] = self.pending_served.get(name, 0) + 1
            return True


class _FrontHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Front

    def _reply(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "keep-alive"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self) -> None:
        if self.path.startswith("/_localstack/health"):
            status, body = self.server.health()
            self._reply(status, json.dumps(body).encode(), [("Content-Type", "application/json")])
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("accept-encoding", "connection")}
        upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data, status, out_headers = response.read(), response.status, response.getheaders()
        finally:
            upstream.close()
        match = _FUNCTION.match(self.path)
        if self.command == "GET" and status == 200 and match and self.server.pending(match.group(1)):
            doc = json.loads(data)
            (doc if match.group(2) else doc["Configuration"])["State"] = "Pending"
            data = json.dumps(doc).encode()
        self._reply(status, data, out_headers)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def front(standin) -> Iterator[Front]:
    server = Front(standin[0])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _harness(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    full = {**{k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "LOCALSTACK_HOST")},
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, **env}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=timeout)


def _no_secrets(run: subprocess.CompletedProcess[str]) -> None:
    for text in (run.stdout, run.stderr):
        assert ACCESS_KEY not in text and SECRET_KEY not in text


@pytest.mark.slow
def test_deploy_waits_for_health_and_pending_then_destroy(front, tmp_path, standin):
    front.unready_polls = 2
    front.pending_budget = {"db-api": 3}
    outputs = tmp_path / "outputs.json"
    env = {"AWS_ENDPOINT_URL": front.url}
    deployed = _harness("deploy", "--target", "localstack", "--outputs", str(outputs), env=env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert front.health_polls == 3  # 503, then "starting", then ready
    assert front.pending_served == {"db-api": 3}  # the create waited until the function left Pending
    out = json.loads(outputs.read_text())
    assert out["invoke_url"] == f"{front.url}/_aws/execute-api/{out['api_id']}/prod/db-api"
    assert f"to localstack ({front.url})" in deployed.stdout
    _no_secrets(deployed)

    front.pending_budget = {"db-api": 2}  # e.g. a replay started while LocalStack still prepares the function
    destroyed = _harness("destroy", "--target", "localstack", env=env)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert front.pending_served == {"db-api": 5} and "destroyed db-api" in destroyed.stdout
    _no_secrets(destroyed)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_localstack_host_convention_and_doctor(front):
    port = front.server_address[1]
    run = _harness("doctor", env={"LOCALSTACK_HOST": f"127.0.0.1:{port}", "AWS_EC2_METADATA_DISABLED": "true"})
    assert run.returncode == 0
    line = next(x for x in run.stdout.splitlines() if x.split()[:1] == ["localstack"])
    assert f"LocalStack 4.14.0 (community) answering at http://127.0.0.1:{port}" in line and "not usable" not in line
    _no_secrets(run)


def test_resolved_target_skips_what_localstack_lacks(front, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", front.url)
    target = targets.resolve("localstack", region="us-west-1", wait_timeout=30)
    assert target.endpoint.url == front.url and target.region == "us-west-1"
    for feature in ("invoke-permission", "throttle-500", "execution-logs"):
        assert target.skip_reason([feature]) == f"localstack: {targets.localstack.LOCALSTACK_LACKS[feature]}"
    assert target.skip_reason(["fault-injection"]) is None
    assert target.skip_reason(["test-invoke-method"]) is None  # 4.14 community runs it (tests/localstack)


@pytest.mark.slow
def test_invoke_url_answers_through_the_front(front, tmp_path, standin):
    if standin[1] != "harness serve":
        pytest.skip("stand-in is moto's server (HARNESS_STANDIN=moto, or `harness serve` did not start): "
                    "it has no execute-api data plane")
    outputs = tmp_path / "outputs.json"
    env = {"AWS_ENDPOINT_URL": front.url}
    deployed = _harness("deploy", "--target", "localstack", "--prefix", "inv-", "--outputs", str(outputs), env=env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    url = json.loads(outputs.read_text())["invoke_url"]
    item = {"TableName": "inv-messages", "Item": {"id": "1", "text": "hello"}}
    request = urllib.request.Request(url, data=json.dumps(item).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{url}?TableName=inv-messages", timeout=60) as response:
        assert json.loads(response.read())["Items"] == [{"id": "1", "text": "hello"}]
    assert time.monotonic() - started < 60
    assert _harness("destroy", "--target", "localstack", "--prefix", "inv-", env=env).returncode == 0


@pytest.mark.slow
def test_a_template_goes_to_localstack_untransformed_and_destroy_removes_its_bucket(front, standin):
    """--target localstack: the SAM template is sent as is (LocalStack runs the transform; the embedded stack
    standing in for it runs it too), with CAPABILITY_AUTO_EXPAND; destroy removes the stack and its bucket."""
    if standin[1] != "harness serve":
        pytest.skip("moto's server runs no SAM transform; this needs `harness serve` as the stand-in")
    env = {"AWS_ENDPOINT_URL": front.url, "AWS_DEFAULT_REGION": "us-west-1"}
    template = str(ROOT / "examples" / "sam-crud" / "template.yaml")
    deployed = _harness("deploy", "--template", template, "--stack-name", "ls-sam", "--target", "localstack",
                        "--no-lint", env=env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "harness: ls-sam: CREATE_COMPLETE" in deployed.stdout and "to localstack" in deployed.stdout
    _no_secrets(deployed)
    destroyed = _harness("destroy", "--stack-name", "ls-sam", "--target", "localstack", env=env)
    assert destroyed.returncode == 0 and "harness: destroyed ls-sam" in destroyed.stdout, destroyed.stderr
    import boto3

    s3 = boto3.client("s3", endpoint_url=front.url, region_name="us-west-1", aws_access_key_id=ACCESS_KEY,
                      aws_secret_access_key=SECRET_KEY)
    assert not [b for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("harness-artifacts-")]
