"""Faults the stack must survive: functions that time out, exit or fail to import, workers killed from outside,
malformed HTTP; and the stack binds the loopback address unless told otherwise.

After every fault the NEXT request to the same function, to the same API and to the tutorial's API succeeds.
One REST API for the module: /probe ANY -> gateway_probe (timeout 1 s), /import ANY -> import_x.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from harness.deploy.package import build_zip

from .apikit import FUNCTIONS, Kit, execution_log, follows, json_body, pid_alive

pytestmark = [pytest.mark.functional, pytest.mark.xdist_group("faults")]  # one module API per run

ISE = b'{"message": "Internal server error"}'
CUSTOMER_ERROR = re.compile(
    r"^Lambda execution failed with status 200 due to customer function error: (?P<message>.*)\. "
    r"Lambda request id: (?P<id>[0-9a-f-]{36})$", re.S)


@dataclass
class Faulty:
    kit: Kit
    api_id: str
    probe: dict[str, str]
    importx: dict[str, str]
    http: requests.Session
    tutorial_url: str
    tutorial_table: str

    def get(self, path: str, **params: str) -> requests.Response:
        return self.http.get(self.kit.url(self.api_id, "prod", path), params=params, timeout=30)

    def invoke(self, name: str, event: dict) -> tuple[dict, object]:
        answer = self.kit.clients("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
        return answer, json.loads(answer["Payload"].read())

    def customer_error(self, response: requests.Response) -> re.Match[str]:
        assert (response.status_code, response.content) == (502, ISE), response.text
        lines = execution_log(self.kit.clients, self.api_id, "prod", response.headers["x-amzn-RequestId"])
        found = [m for m in map(CUSTOMER_ERROR.match, lines) if m]
        assert len(found) == 1 and follows(lines, found[0].group(0), "Method completed with status: 502"), lines
        return found[0]

    def assert_still_serving(self) -> None:
        """The same function, the same API and the tutorial's API all answer normally."""
        ok = self.get("probe", action="pid")
        assert ok.status_code == 200, ok.text
        answer, payload = self.invoke(self.probe["name"], {"action": "pid"})
        assert "FunctionError" not in answer and json.loads(payload["body"])["pid"] > 0
        tutorial = self.http.get(self.tutorial_url, params={"TableName": self.tutorial_table}, timeout=30)
        assert tutorial.status_code == 200 and "Items" in tutorial.json(), tutorial.text


@pytest.fixture(scope="module")
def faulty(clients, tutorial_stack):
    kit = Kit(clients, "fl")
    http = requests.Session()
    try:
        probe = kit.function("probe", "gateway_probe", timeout=1)
        importx = kit.function("importx", "import_x")
        api_id, root = kit.api("faults")
        kit.route(api_id, root, "probe", "ANY", probe)
        kit.route(api_id, root, "import", "ANY", importx)
        kit.permit(probe, api_id)
        kit.permit(importx, api_id)
        kit.deploy(api_id)
        yield Faulty(kit, api_id, probe, importx, http, tutorial_stack.invoke_url, tutorial_stack.tables[0])
    finally:
        http.close()
        kit.teardown()



# ==== function faults ======================================================================================

@pytest.mark.slow
def test_function_past_its_timeout(faulty):
    found = faulty.customer_error(faulty.get("probe", action="sleep", seconds="3"))
    assert found["message"] == f"RequestId: {found['id']} Error: Task timed out after 1.00 seconds"
    faulty.assert_still_serving()
    answer, payload = faulty.invoke(faulty.probe["name"], {"action": "sleep", "seconds": 3})
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorType": "Sandbox.Timedout", "errorMessage":
                       f"RequestId: {answer['ResponseMetadata']['RequestId']} Error: Task timed out after 1.00 seconds"}
    faulty.assert_still_serving()


def test_function_calling_os_exit(faulty):
    found = faulty.customer_error(faulty.get("probe", action="exit"))
    assert found["message"] == f"RequestId: {found['id']} Error: Runtime exited with error: exit status 1"
    faulty.assert_still_serving()
    answer, payload = faulty.invoke(faulty.probe["name"], {"action": "exit"})
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorType": "Runtime.ExitError", "errorMessage":
                       f"RequestId: {answer['ResponseMetadata']['RequestId']} Error: Runtime exited with error: "
                       "exit status 1"}
    faulty.assert_still_serving()


def test_function_failing_to_import(faulty):
    lam = faulty.kit.clients("lambda")
    for _ in range(2):  # a fresh attempt each time, the same answer: no hang, no stale worker
        found = faulty.customer_error(faulty.get("import"))
        assert found["message"] == "Unable to import module 'index': No module named 'x'"
        answer, payload = faulty.invoke(faulty.importx["name"], {})
        assert answer["FunctionError"] == "Unhandled" and payload["errorType"] == "Runtime.ImportModuleError"
        faulty.assert_still_serving()
    # once the code is fixed, the very next request to the same function succeeds
    lam.update_function_code(FunctionName=faulty.importx["name"], ZipFile=build_zip(FUNCTIONS / "gateway_probe"))
    lam.get_waiter("function_updated_v2").wait(FunctionName=faulty.importx["name"],
                                               WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    fixed = faulty.get("import")
    assert fixed.status_code == 200 and json_body(fixed)["resource"] == "/import"


def kill_and_wait(pid: int) -> None:
    """SIGKILL a worker and wait until the kernel has ended it (a zombie or gone): the kill is complete."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pid_alive(pid):
        assert time.monotonic() < deadline, f"worker {pid} still running after SIGKILL"
        time.sleep(0.001)


@pytest.mark.parametrize("round", range(3))
def test_worker_killed_from_outside_while_idle_is_replaced(faulty, round):
    first = json.loads(faulty.get("probe", action="pid").content)["pid"]
    assert pid_alive(first)
    kill_and_wait(first)
    replaced = faulty.get("probe", action="pid")  # at once: the stack may not have noticed the exit yet
    assert replaced.status_code == 200, replaced.text
    second = json.loads(replaced.content)["pid"]
    assert second != first and pid_alive(second)
    kill_and_wait(second)
    answer, payload = faulty.invoke(faulty.probe["name"], {"action": "pid"})  # the same through the Lambda API
    assert "FunctionError" not in answer, payload
    assert json.loads(payload["body"])["pid"] not in (first, second)
    faulty.assert_still_serving()


# ==== malformed HTTP ========================================================================================

def _exchange(address: tuple[str, int], data: bytes, *, linger: float = 2.0) -> bytes:
    """Send raw bytes, half-close, and read whatever comes back until the server closes or `linger` passes."""
    with socket.create_connection(address, timeout=linger) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:  # timeout or reset: the server is allowed to give up on garbage
            pass
        return b"".join(chunks)


def _status(answer: bytes) -> int | None:
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return int(m.group(1)) if m else None


def test_flood_of_malformed_http_never_crashes_the_stack(faulty, stack_url, stack_process):
    address = (urlsplit(stack_url).hostname, urlsplit(stack_url).port)
    api = f"/_aws/execute-api/{faulty.api_id}/prod"
    host = b"Host: 127.0.0.1\r\n"
    cases: dict[str, tuple[bytes, set[int | None]]] = {
        "garbage line": (b"GARBAGE\r\n\r\n", {400}),
        "binary junk": (b"\x00\x01\x02\xff\xfe\r\n\r\n", {400}),
        "bad version": (b"GET / HTTP/9.9\r\n\r\n", {505}),
        "too many words": (b"GET / HTTP/1.1 extra\r\n\r\n", {400}),
        "content-length text": (b"POST " + api.encode() + b"/probe HTTP/1.1\r\n" + host + b"Content-Length: abc\r\n\r\n", {400}),
        "content-length negative": (b"POST / HTTP/1.1\r\n" + host + b"Content-Length: -5\r\n\r\n", {400}),
        "content-length huge": (b"POST / HTTP/1.1\r\n" + host + b"Content-Length: 99999999999\r\n\r\n", {413}),
        "body shorter than content-length": (
            b"POST " + api.encode() + b"/probe HTTP/1.1\r\n" + host + b"Content-Length: 100\r\n\r\nshort", {400}),
        "bad chunk size": (b"POST / HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", {400}),
        "chunk cut short": (b"POST " + api.encode() + b"/probe HTTP/1.1\r\n" + host +
                            b"Transfer-Encoding: chunked\r\n\r\n10\r\nabc", {400}),
        "no last chunk": (b"POST " + api.encode() + b"/probe HTTP/1.1\r\n" + host +
                          b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", {400}),
        "negative chunk size": (b"POST / HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\n-5\r\n", {400}),
        "huge header": (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", {431}),
        "too many headers": (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n", {431}),
        "huge request line": (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", {414}),
        "header without colon": (b"GET /_harness/health HTTP/1.1\r\nNoColonHere\r\n\r\n", {200, 400}),
        "invalid utf-8 path": (b"GET " + api.encode() + b"/probe\xff\xfe HTTP/1.1\r\n" + host + b"\r\n", {403}),
        "invalid utf-8 escapes": (b"GET " + api.encode() + b"/%ff%fe%C0 HTTP/1.1\r\n" + host + b"\r\n", {403}),
        "invalid utf-8 api id": (b"GET /_aws/execute-api/\xff\xfe/prod/x HTTP/1.1\r\n" + host + b"\r\n", {404}),
        "invalid utf-8 query": (b"GET " + api.encode() + b"/probe?a=%ff&%zz=\xfe HTTP/1.1\r\n" + host + b"\r\n", {200}),
        "unknown verb": (b"FROBNICATE / HTTP/1.1\r\n" + host + b"\r\n", set(range(200, 600))),
        # ANY passes any verb to the function here; what AWS does with a non-standard verb is not known
        "unknown verb on the api": (b"PROPFIND " + api.encode() + b"/probe HTTP/1.1\r\n" + host + b"\r\n",
                                    set(range(200, 600))),
        "lowercase verb": (b"get /_harness/health HTTP/1.1\r\n" + host + b"\r\n", set(range(200, 600))),
        "http/0.9": (b"GET /_harness/health\r\n", {200}),
        "only a verb": (b"GET", {None, 400}),
        "empty": (b"", {None}),
        "crlf only": (b"\r\n\r\n\r\n", {None, 400}),
        "nul in header": (b"GET /_harness/health HTTP/1.1\r\nX-Nul: a\x00b\r\n\r\n", {200, 400}),
        "absolute form": (b"GET http://example/_harness/health HTTP/1.1\r\n" + host + b"\r\n", {200}),
    }

    def run(name: str) -> tuple[str, int | None, bytes]:
        answer = _exchange(address, cases[name][0])
        return name, _status(answer), answer

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(run, [name for name in cases for _ in range(3)]))
    for name, status, answer in results:
        assert status in cases[name][1], (name, answer[:300])
        if answer:  # every answer is HTTP, with a status line
            assert answer.startswith(b"HTTP/1."), (name, answer[:300])
    # well-formed bodies still arrive whole: chunked, and with a Content-Length
    chunked = _exchange(address, b"POST " + api.encode() + b"/probe HTTP/1.1\r\n" + host + b"Content-Type: text/plain\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n")
    assert _status(chunked) == 200 and b'"body": "hello world"' in chunked, chunked[:300]
    sized = _exchange(address, b"POST " + api.encode() + b"/probe HTTP/1.1\r\n" + host + b"Content-Length: 5\r\n\r\nhello")
    assert _status(sized) == 200 and b'"body": "hello"' in sized, sized[:300]
    assert stack_process.alive()
    health = requests.get(f"{stack_url}/_harness/health", timeout=5)
    assert health.status_code == 200 and health.json()["status"] == "ready"
    faulty.assert_still_serving()


# ==== binding ===============================================================================================

def _listening(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} print them) of sockets listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    address, hex_port = fields[1].split(":")
                    if fields[3] == "0A" and int(hex_port, 16) == port:
                        found.append(address)
        except FileNotFoundError:
            continue
    return found


def _outside_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.255", 9))
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_serve_binds_the_loopback_address_by_default(tmp_path):
    child = subprocess.Popen([sys.executable, "-m", "harness", "serve", "--port", "0"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=tmp_path)
    try:
        url = None
        lines: list[str] = []
        timer = threading.Timer(60, child.kill)
        timer.start()
        try:
            assert child.stdout is not None
            for line in child.stdout:
                lines.append(line)
                m = re.search(r"ready at (http://\S+)", line)
                if m:
                    url = m.group(1)
                    break
        finally:
            timer.cancel()
        assert url is not None, "".join(lines)
        host, port = urlsplit(url).hostname, urlsplit(url).port
        assert host == "127.0.0.1"
        assert _listening(port) == ["0100007F"]  # 127.0.0.1, and nothing on 0.0.0.0 or ::
        assert requests.get(f"{url}/_harness/health", timeout=5).status_code == 200
        outside = _outside_address()
        if outside is not None:
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=2).close()
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
