"""Faults under way: workers killed mid-request, a leaking and a spinning function, a timeout storm, a peak
above reserved concurrency, and code updated while clients keep writing.

After every fault the stack keeps serving: the next request to the same function succeeds, health and the
tutorial's API answer fast, and workers that ended are replaced. (test_faults.py covers single faults on an
idle stack: a timeout, os._exit, import failures, a worker killed while idle, malformed HTTP.)

One REST API for the module, every function from tests/fixtures/functions/faults:
    /sleeper ANY   index.sleeper, timeout 5 s   (writes its pid to a side-channel file, then sleeps)
    /storm ANY     index.sleeper, timeout 1 s
    /leak ANY      index.leak, memory 256 MB    (32 MB more per call, until the stack kills it: out of memory)
    /spin ANY      index.spin, timeout 1 s      (a busy loop; `?pid=1` answers its pid instead)
    /peak ANY      index.hold, reserved concurrency 2 (holds until the test opens a gate file)
The code-update test deploys its own copy of the tutorial's stack (harness.deploy, a unique prefix).
"""
from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.deploy import StackSettings, deploy, destroy
from harness.deploy.package import build_zip
from harness.deploy.settings import DEFAULT_CODE_DIR

from .apikit import Kit, execution_log, follows, pid_alive

pytestmark = pytest.mark.functional

REGION = "us-west-1"
ISE = b'{"message": "Internal server error"}'
CUSTOMER_ERROR = re.compile(
    r"^Lambda execution failed with status 200 due to customer function error: (?P<message>.*)\. "
    r"Lambda request id: (?P<id>[0-9a-f-]{36})$", re.S)
RATE_EXCEEDED = "Execution failed due to configuration error: Rate Exceeded."


@dataclass
class Site:
    kit: Kit
    api_id: str
    fns: dict[str, dict[str, str]]
    side: Path  # the side channel: functions write `<token>.pid` here; gate files open `hold`
    http: requests.Session
    stack_url: str
    tutorial_url: str
    tutorial_table: str
    lam: object  # a Lambda client without retries

    def url(self, path: str) -> str:
        return self.kit.url(self.api_id, "prod", path)

    def get(self, path: str, timeout: float = 30, **params: str) -> requests.Response:
        # a fresh connection per call: these run from many threads at once
        return requests.get(self.url(path), params=params, timeout=timeout)

    def invoke(self, fn: str, event: dict) -> tuple[dict, dict]:
        answer = self.lam.invoke(FunctionName=self.fns[fn]["name"], Payload=json.dumps(event).encode())
        return answer, json.loads(answer["Payload"].read())

    def log(self, response: requests.Response) -> list[str]:
        return execution_log(self.kit.clients, self.api_id, "prod", response.headers["x-amzn-RequestId"])

    def customer_error(self, response: requests.Response) -> re.Match[str]:
        """A 502 whose execution log names the function's error, then `Method completed with status: 502`."""
        assert (response.status_code, response.content) == (502, ISE), response.text
        lines = self.log(response)
        found = [m for m in map(CUSTOMER_ERROR.match, lines) if m]
        assert len(found) == 1 and follows(lines, found[0].group(0), "Method completed with status: 502"), lines
        return found[0]

    def health(self) -> dict:
        answer = requests.get(f"{self.stack_url}/_harness/health", timeout=5)
        assert answer.status_code == 200
        return answer.json()

    def stats(self, fn: str) -> dict[str, int]:
        return self.health()["runtime"]["functions"].get(self.fns[fn]["arn"], {})

    def tutorial(self, timeout: float = 30) -> requests.Response:
        return self.http.get(self.tutorial_url, params={"TableName": self.tutorial_table}, timeout=timeout)

    def pid_of(self, token: str, timeout: float = 10.0) -> int:
        """The pid a function wrote to the side channel for `token` (waits for it)."""
        path = self.side / f"{token}.pid"
        deadline = time.monotonic() + timeout
        while not path.exists():
            assert time.monotonic() < deadline, f"no pid for {token}"
            time.sleep(0.005)
        return int(path.read_text())


@pytest.fixture(scope="module")
def site(clients, tutorial_stack, stack_url, tmp_path_factory):
    kit = Kit(clients, "fs")
    http = requests.Session()
    lam = boto3.client("lambda", endpoint_url=stack_url, region_name=REGION, aws_access_key_id="test",
                       aws_secret_access_key="test",
                       config=Config(retries={"total_max_attempts": 1}, read_timeout=60, max_pool_connections=32))
    try:
        fns = {
            "sleeper": kit.function("sleeper", "faults", handler="index.sleeper", timeout=5),
            "storm": kit.function("storm", "faults", handler="index.sleeper", timeout=1),
            "leak": kit.function("leak", "faults", handler="index.leak", timeout=5),
            "spin": kit.function("spin", "faults", handler="index.spin", timeout=1),
            "peak": kit.function("peak", "faults", handler="index.hold", timeout=15, reserved=2),
        }
        api_id, root = kit.api("survival")
        for name, fn in fns.items():
            kit.route(api_id, root, name, "ANY", fn)
            kit.permit(fn, api_id)
        kit.deploy(api_id)
        found = Site(kit, api_id, fns, tmp_path_factory.mktemp("side"), http, stack_url, tutorial_stack.invoke_url,
                     tutorial_stack.tables[0], lam)
        assert found.tutorial().status_code == 200  # warm: its timings below measure the stack, not a cold start
        yield found
    finally:
        http.close()
        kit.teardown()



def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def assert_stack_answers_fast(site: Site, limit_s: float = 1.0) -> None:
    """Health and the tutorial's API answer, each well under `limit_s`."""
    started = time.monotonic()
    assert site.health()["status"] == "ready"
    tutorial = site.tutorial()
    assert tutorial.status_code == 200 and "Items" in tutorial.json(), tutorial.text
    assert time.monotonic() - started < limit_s


# ==== (a) a worker killed in the middle of a request =========================================================

def test_worker_killed_mid_request_answers_502_and_the_next_request_succeeds(site):
    token = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(site.get, "sleeper", dir=str(site.side), token=token, seconds="2")
        pid = site.pid_of(token)  # the function is in its sleep now
        os.kill(pid, signal.SIGKILL)
        killed = pending.result()
    found = site.customer_error(killed)
    assert found["message"] == f"RequestId: {found['id']} Error: Runtime exited with error: signal: killed"
    wait_until(lambda: not pid_alive(pid), 5, f"worker {pid} survived SIGKILL")

    after = site.get("sleeper", seconds="0")
    assert after.status_code == 200, after.text
    assert after.json()["pid"] != pid
    assert_stack_answers_fast(site)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_worker_killed_mid_invoke_is_unhandled_runtime_exit_error(site):
    token = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(site.invoke, "sleeper", {"dir": str(site.side), "token": token, "seconds": 2})
        pid = site.pid_of(token)
        os.kill(pid, signal.SIGKILL)
        answer, payload = pending.result()
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert payload == {"errorType": "Runtime.ExitError",
                       "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"}

    answer, payload = site.invoke("sleeper", {"seconds": 0})
    assert "FunctionError" not in answer, payload
    assert json.loads(payload["body"])["pid"] != pid


# ==== (b) a function that leaks memory, one that spins =========================================================

@pytest.mark.slow
def test_leaking_function_is_killed_like_out_of_memory_and_replaced(site):
    """Each call keeps 32 MB more in the same warm worker, until the function's 256 MB are passed: the stack
    kills the worker (AWS's shape for it: Runtime.OutOfMemory, `signal: killed`), and the next call runs on a
    fresh worker whose leak starts over."""
    calls, pid, last = 0, None, None
    for _ in range(20):
        response = site.get("leak")
        if response.status_code != 200:
            break
        body = response.json()
        calls += 1
        assert body["calls"] == calls, body  # one warm worker keeps what it leaked
        assert pid in (None, body["pid"])
        pid, last = body["pid"], response
    else:
        pytest.fail("the leak never reached the memory size")
    assert calls >= 2 and pid is not None and last is not None
    found = site.customer_error(response)
    assert found["message"] == f"RequestId: {found['id']} Error: Runtime exited with error: signal: killed"
    # the REPORT line of the last successful call saw the leak (Max Memory Used is measured)
    wanted = f"REPORT RequestId: {_lambda_request_id(site, last)}"
    reports: list[str] = []

    def reported() -> bool:  # logs may land a moment after the answer
        reports[:] = [line for line in _function_lines(site, "leak") if line.startswith(wanted)]
        return bool(reports)
    wait_until(reported, 5, f"no {wanted}")
    report = reports[0]
    used = int(re.search(r"Max Memory Used: (\d+) MB", report).group(1))
    assert used >= last.json()["rss_mb"] >= last.json()["held_mb"], report
    # the killed one's REPORT: all of the memory size used, the out-of-memory error type
    killed = f"REPORT RequestId: {found['id']}"
    wait_until(lambda: any(line.startswith(killed) for line in _function_lines(site, "leak")), 5, f"no {killed}")
    report = next(line for line in _function_lines(site, "leak") if line.startswith(killed))
    assert "Memory Size: 256 MB\tMax Memory Used: 256 MB" in report
    assert report.rstrip("\n").endswith("Status: error\tError Type: Runtime.OutOfMemory\t"), report

    fresh = site.get("leak")
    assert fresh.status_code == 200 and fresh.json()["calls"] == 1 and fresh.json()["pid"] != pid
    assert not pid_alive(pid)
    # the same through the Lambda API: calls until the kill, then a fresh worker
    for _ in range(20):
        answer, payload = site.invoke("leak", {})
        if "FunctionError" in answer:
            break
    else:
        pytest.fail("the leak never reached the memory size through Invoke")
    assert payload["errorType"] == "Runtime.OutOfMemory"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    answer, payload = site.invoke("leak", {})
    assert "FunctionError" not in answer and json.loads(payload["body"])["calls"] == 1
    assert_stack_answers_fast(site)


def _function_lines(site: Site, fn: str) -> list[str]:
    logs = site.kit.clients("logs")
    out: list[str] = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(
                logGroupName=f"/aws/lambda/{site.fns[fn]['name']}"):
            out.extend(e["message"] for e in page["events"])
    except ClientError as exc:  # the group appears with the first lines written
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    return out


def _lambda_request_id(site: Site, response: requests.Response) -> str:
    lines = site.log(response)
    found = [line for line in lines if line.startswith("Endpoint response headers:")]
    assert found, lines
    return re.search(r"x-amzn-RequestId=([0-9a-f-]{36})", found[0]).group(1)


@pytest.mark.slow
def test_spinning_function_times_out_while_the_stack_stays_responsive(site):
    first = site.get("spin", pid="1")
    assert first.status_code == 200, first.text
    old_pid = first.json()["pid"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(site.get, "spin")
        wait_until(lambda: site.stats("spin").get("busy") == 1, 5, "the spin never started")
        latencies = []
        while not pending.done():  # the whole second the loop spins
            started = time.monotonic()
            assert_stack_answers_fast(site)
            latencies.append(time.monotonic() - started)
        spun = pending.result()
    assert latencies and max(latencies) < 1.0, latencies
    found = site.customer_error(spun)
    assert found["message"] == f"RequestId: {found['id']} Error: Task timed out after 1.00 seconds"
    wait_until(lambda: not pid_alive(old_pid), 5, "the spinning worker was not killed")

    answer, payload = site.invoke("spin", {})
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorType": "Sandbox.Timedout", "errorMessage":
                       f"RequestId: {answer['ResponseMetadata']['RequestId']} Error: Task timed out after 1.00 seconds"}
    replaced = site.get("spin", pid="1")
    assert replaced.status_code == 200 and replaced.json()["pid"] != old_pid
    assert_stack_answers_fast(site)


# ==== (c) a timeout storm ======================================================================================

@pytest.mark.slow
def test_timeout_storm_all_502_then_normal_service_and_workers_go_back_down(site):
    before = site.health()["runtime"]["workers"]
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda _: site.get("storm", seconds="3"), range(12)))
    assert [r.status_code for r in responses] == [502] * 12, [r.text for r in responses]
    ids = set()
    for response in responses:
        found = site.customer_error(response)
        assert found["message"] == f"RequestId: {found['id']} Error: Task timed out after 1.00 seconds"
        ids.add(found["id"])
    assert len(ids) == 12
    # every timed-out invocation is in the function's log, with the platform's line
    wanted = {f"{rid} Task timed out after 1.00 seconds" for rid in ids}

    def logged() -> bool:
        lines = _function_lines(site, "storm")
        return wanted <= {line.split("Z ", 1)[-1].rstrip("\n") for line in lines}
    wait_until(logged, 5, "not every timeout was logged")

    ok = site.get("storm", seconds="0")
    assert ok.status_code == 200, ok.text
    assert_stack_answers_fast(site)
    wait_until(lambda: site.stats("storm").get("busy", 0) + site.stats("storm").get("starting", 0) == 0, 5,
               "workers of the storm still busy")
    stats = site.stats("storm")
    assert stats.get("idle", 0) <= 1 and stats.get("inflight", 0) == 0, stats
    assert site.health()["runtime"]["workers"] <= before + 1


# ==== (d) a peak above reserved concurrency ========================================================================

def test_peak_above_reserved_concurrency_throttles_exactly_the_excess_through_the_gateway(site):
    gate = f"gate-{uuid.uuid4().hex}"
    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(site.get, "peak", dir=str(site.side), gate=gate, token=f"{gate}-{i}")
                   for i in range(10)]
        throttled = []
        for future in as_completed(futures, timeout=20):  # the 8 refused answer at once; 2 are held
            throttled.append(future.result())
            if len(throttled) == 8:
                break
        held = [f for f in futures if not f.done()]
        assert len(held) == 2, [r.status_code for r in throttled]
        # while the two run: the refused ones were 500 Rate Exceeded, the rest of the stack is unaffected
        for response in throttled:
            assert (response.status_code, response.content) == (500, ISE), response.text
            assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
            assert follows(site.log(response), "Lambda invocation failed with status: 429", RATE_EXCEEDED,
                           "Method completed with status: 500")
        assert site.stats("peak").get("inflight") == 2
        assert_stack_answers_fast(site)
        (site.side / gate).touch()
        done, _ = wait(held, timeout=20)
        released = [f.result() for f in held]
    assert [(r.status_code, r.json()["released"]) for r in released] == [(200, True)] * 2
    after = site.get("peak", dir=str(site.side), gate=gate)
    assert after.status_code == 200, after.text


def test_peak_above_reserved_concurrency_through_invoke_is_429_for_the_excess(site):
    gate = f"gate-{uuid.uuid4().hex}"
    event = {"dir": str(site.side), "gate": gate}

    def call(_: int):
        try:
            return site.invoke("peak", event)
        except ClientError as exc:
            return exc.response

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(call, i) for i in range(10)]
        refused = []
        for future in as_completed(futures, timeout=20):
            refused.append(future.result())
            if len(refused) == 8:
                break
        held = [f for f in futures if not f.done()]
        assert len(held) == 2
        for error in refused:
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 429, error
            assert error["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
        (site.side / gate).touch()
        results = [f.result(timeout=20) for f in held]
    for answer, payload in results:
        assert "FunctionError" not in answer and json.loads(payload["body"])["released"] is True
    assert_stack_answers_fast(site)


# ==== (e) code updated under load ==================================================================================

def _version_files(version: str) -> dict[str, str]:
    """The tutorial's handler behind a wrapper that adds both modules' markers to every answer; the second
    module loads slowly, so new workers are still initialising while requests arrive."""
    return {
        "marker.py": f"import time\n\ntime.sleep(0.3)\nVERSION = {version!r}\n",
        "wrapper.py": (
            "import json\n\nimport index\nimport marker\n\n"
            f"VERSION = {version!r}\n\n\n"
            "def handler(event, context):\n"
            "    response = index.handler(event, context)\n"
            "    body = json.loads(response['body'])\n"
            "    body['version'] = [VERSION, marker.VERSION]\n"
            "    response['body'] = json.dumps(body)\n"
            "    return response\n"
        ),
    }


@pytest.mark.slow
def test_code_updated_under_load_loses_no_request_and_never_mixes_versions(clients):
    settings = StackSettings(region=REGION).with_prefix(f"t-up-{uuid.uuid4().hex[:6]}-").with_overrides(
        {"handler": "wrapper.handler", "code_files": _version_files("v1")})
    try:
        outputs = deploy(settings, clients)
        table, url, lam = outputs.tables[0], outputs.invoke_url, clients("lambda")
        stop = threading.Event()
        records: list[tuple[float, str, int, bytes]] = []  # (started, id, status, body)
        lock = threading.Lock()

        def client(n: int) -> None:
            with requests.Session() as http:
                i = 0
                while not stop.is_set():
                    item_id = f"c{n}-{i}"
                    started = time.monotonic()
                    try:
                        response = http.post(url, json={"TableName": table, "Item": {"id": item_id, "n": i}},
                                             timeout=30)
                        status, body = response.status_code, response.content
                    except requests.RequestException as exc:
                        status, body = -1, repr(exc).encode()
                    with lock:
                        records.append((started, item_id, status, body))
                    i += 1

        def update(version: str) -> float:
            lam.update_function_code(FunctionName=outputs.function_name,
                                     ZipFile=build_zip(DEFAULT_CODE_DIR, _version_files(version)))
            lam.get_waiter("function_updated_v2").wait(FunctionName=outputs.function_name,
                                                       WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
            return time.monotonic()

        def served(version: str, after: float = 0.0) -> int:
            """How many answers so far came from `version`, counting requests started after `after`."""
            with lock:
                done = list(records)
            return sum(1 for started, _, status, body in done
                       if started > after and status == 200 and json.loads(body).get("version", [None])[0] == version)

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
        for thread in threads:
            thread.start()
        try:  # each version serves a dozen requests under load before the next update
            wait_until(lambda: served("v1") >= 12, 30, "v1 never served")
            update("v2")
            wait_until(lambda: served("v2") >= 12, 30, "v2 never served")
            settled = update("v3")
            wait_until(lambda: served("v3", after=settled) >= 12, 30, "v3 never served")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

        failed = [(item_id, status, body[:200]) for _, item_id, status, body in records if status != 200]
        assert not failed, failed
        versions = [tuple(json.loads(body)["version"]) for _, _, _, body in records]
        assert set(versions) <= {("v1", "v1"), ("v2", "v2"), ("v3", "v3")}, set(versions)
        assert set(versions) == {("v1", "v1"), ("v2", "v2"), ("v3", "v3")}
        late = [tuple(json.loads(body)["version"]) for started, _, _, body in records if started > settled]
        assert late and set(late) == {("v3", "v3")}, late
        # every write is stored
        stored = set()
        scan = clients("dynamodb").get_paginator("scan")
        for page in scan.paginate(TableName=table, ProjectionExpression="id"):
            stored.update(item["id"]["S"] for item in page["Items"])
        assert stored == {item_id for _, item_id, _, _ in records}
        # once settled, only the last version answers
        for _ in range(5):
            response = requests.get(url, params={"TableName": table, "Limit": "1"}, timeout=30)
            assert response.status_code == 200 and response.json()["version"] == ["v3", "v3"]
    finally:
        destroy(settings, clients)
