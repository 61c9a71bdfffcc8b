"""LambdaRuntime running real awslambdaric workers on purpose-built function packages."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType

import pytest

from harness.emulator.aws_errors import AwsError
from harness.emulator.snapshots import FunctionConfig
from harness.emulator.runtime import LambdaRuntime

from .apikit import pid_alive

FUNCTIONS = Path(__file__).resolve().parent.parent / "fixtures" / "functions"
ENDPOINT = "http://127.0.0.1:9"
ACCOUNT = "123456789012"


def package(name: str, **extra: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for path in sorted((FUNCTIONS / name).glob("*.py")):
            if path.name not in extra:
                archive.write(path, path.name)
        for filename, text in extra.items():
            archive.writestr(filename, text)
    return buf.getvalue()


class Stack:
    """A LambdaRuntime with an in-memory code store and a list-collecting log writer."""

    def __init__(self, work_dir: Path, **kw: object) -> None:
        self.codes: dict[str, bytes] = {}
        self.loads: list[str] = []
        self.logs: list[tuple[str, str, str, str, list[tuple[int, str]]]] = []
        self.runtime = LambdaRuntime(endpoint_url=ENDPOINT, code_loader=self._load, log_writer=self._write,
                                     work_dir=work_dir, **kw)  # type: ignore[arg-type]

    def _load(self, fn: FunctionConfig) -> bytes:
        self.loads.append(fn.code_sha256)
        if fn.code_sha256 not in self.codes:
            raise LookupError(fn.name)
        return self.codes[fn.code_sha256]

    def _write(self, region: str, account: str, group: str, stream: str, lines: list[tuple[int, str]]) -> None:
        self.logs.append((region, account, group, stream, lines))

    def fn(self, handler: str, *, name: str = "probe", code: bytes | None = None, timeout: int = 3,
           reserved: int | None = None, env: dict[str, str] | None = None, runtime: str = "python3.11",
           memory: int = 256) -> FunctionConfig:
        code = package("probe") if code is None else code
        sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
        self.codes[sha] = code
        return FunctionConfig(
            name=name, arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}", runtime=runtime,
            handler=handler, timeout=timeout, memory_size=memory, code_sha256=sha, role="arn:aws:iam::x:role/r",
            region="us-east-1", account_id=ACCOUNT, environment=MappingProxyType(env or {}),
            reserved_concurrency=reserved,
        )

    def invoke(self, fn: FunctionConfig, event: object = None, **kw: object):
        result = self.runtime.submit(fn, json.dumps({} if event is None else event).encode(), **kw).result()
        return result, json.loads(result.payload)


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path / "code")
    yield s
    s.runtime.shutdown()


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)



def test_echo_and_warm_reuse(stack):
    fn = stack.fn("index.echo")
    first, body = stack.invoke(fn, {"n": 1})
    assert first.status == 200 and first.function_error is None
    assert body["event"] == {"n": 1}
    assert body["request_id"] == first.request_id
    assert body["arn"] == fn.arn
    assert 0 < body["remaining_ms"] <= 3000
    second, body2 = stack.invoke(fn, {"n": 2})
    assert body2["pid"] == body["pid"]
    assert second.request_id != first.request_id
    assert stack.runtime.stats()["workers"] == 1


def test_logs_have_platform_lines_and_the_invocations_own_lines(stack):
    fn = stack.fn("index.chatty")
    a, _ = stack.invoke(fn, {"tag": "alpha"})
    b, _ = stack.invoke(fn, {"tag": "beta"})
    lines_a = a.log.splitlines()
    assert lines_a[0] == "probe: init"  # init output comes before START on a cold start
    assert lines_a[1] == f"START RequestId: {a.request_id} Version: $LATEST"
    assert lines_a[2:5] == ["alpha line 0", "alpha line 1", "alpha line 2"]
    assert "alpha on stderr" in lines_a
    assert any(re.fullmatch(rf"\[INFO\]\t\S+Z\t{a.request_id}\talpha via logging", line) for line in lines_a)
    assert lines_a[-2] == f"END RequestId: {a.request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {a.request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t", lines_a[-1])
    assert "beta" not in a.log
    lines_b = b.log.splitlines()
    assert lines_b[0] == f"START RequestId: {b.request_id} Version: $LATEST"
    assert "alpha" not in b.log and "beta line 2" in lines_b
    assert "Init Duration" not in lines_b[-1]
    region, account, group, stream, written = stack.logs[-1]
    assert (region, account, group) == ("us-east-1", ACCOUNT, "/aws/lambda/probe")
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", stream)
    assert [text for _, text in written] == [line + "\n" for line in lines_b]  # events end with \n, as on AWS
    assert all(isinstance(ts, int) for ts, _ in written)
    assert b.log_tail == b.log


def test_scales_out_while_busy_and_throttles_at_reserved_concurrency(stack):
    fn = stack.fn("index.sleep", reserved=2)
    f1 = stack.runtime.submit(fn, b'{"seconds": 0.4}')
    f2 = stack.runtime.submit(fn, b'{"seconds": 0.4}')
    with pytest.raises(AwsError) as refused:
        stack.runtime.submit(fn, b'{"seconds": 0}')
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        429, "TooManyRequestsException", "Rate Exceeded.")
    pids = {json.loads(f.result(timeout=10).payload)["pid"] for f in (f1, f2)}
    assert len(pids) == 2
    _, body = stack.invoke(fn, {"seconds": 0})
    assert body["pid"] in pids


def test_reserved_concurrency_one_with_two_concurrent_invokes(stack):
    fn = stack.fn("index.sleep", reserved=1)

    def attempt(_: int):
        try:
            return stack.runtime.submit(fn, b'{"seconds": 0.3}').result()
        except AwsError as err:
            return err

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(attempt, range(2)))
    assert sorted(type(o).__name__ for o in outcomes) == ["AwsError", "InvokeResult"]
    assert [o.status for o in outcomes if isinstance(o, AwsError)] == [429]


def test_reserved_concurrency_zero_throttles_everything(stack):
    with pytest.raises(AwsError) as refused:
        stack.runtime.submit(stack.fn("index.echo", reserved=0), b"{}")
    assert refused.value.status == 429


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_timeout_kills_the_worker_and_the_next_invoke_gets_a_fresh_one(stack):
    fn = stack.fn("index.sleep", timeout=1)
    _, warm = stack.invoke(fn, {"seconds": 0})
    started = time.monotonic()
    result, body = stack.invoke(fn, {"seconds": 30})
    assert 0.9 < time.monotonic() - started < 3
    assert result.function_error == "Unhandled"
    assert body == {"errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds"}
    lines = result.log.splitlines()
    assert "going to sleep" in lines
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {result.request_id} "
                        r"Task timed out after 1\.00 seconds", lines[-1])
    assert "Status: timeout" in lines[-2]
    wait_for(lambda: not pid_alive(warm["pid"]))
    after, body = stack.invoke(fn, {"seconds": 0})
    assert after.function_error is None and body["pid"] != warm["pid"]


def test_crash_answers_exit_error_and_the_next_invoke_works(stack):
    crash = stack.fn("index.die")
    _, before = stack.invoke(crash)
    result, body = stack.invoke(crash, {"code": 3})
    assert result.function_error == "Unhandled"
    assert body == {"errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3"}
    assert "about to exit" in result.log
    assert result.log.splitlines()[-1] == "Runtime.ExitError"
    assert stack.runtime.stats()["workers"] == 0
    after, body = stack.invoke(crash)
    assert after.function_error is None and body["pid"] != before["pid"]
    _, body = stack.invoke(crash, {"code": -9})  # os._exit(-9) is exit status 247, not a signal
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 247")


def test_import_error_is_the_invocations_error(stack):
    fn = stack.fn("index.handler", code=package("broken_import"), name="broken")
    for _ in range(2):  # every invoke retries the init, as on AWS
        result, body = stack.invoke(fn)
        assert result.function_error == "Unhandled"
        assert body == {
            "errorMessage": "Unable to import module 'index': No module named 'not_a_packaged_module'",
            "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": [],
        }
        assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'index'" in result.log
        assert "Status: error\tError Type: Runtime.ImportModuleError" in result.log


def test_handler_exception_payload(stack):
    result, body = stack.invoke(stack.fn("index.boom"))
    assert result.function_error == "Unhandled"
    assert set(body) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert (body["errorMessage"], body["errorType"], body["requestId"]) == (
        "something bad", "ValueError", result.request_id)
    assert any("in boom" in frame for frame in body["stackTrace"])
    assert "about to raise" in result.log
    assert "[ERROR] ValueError: something bad\rTraceback (most recent call last):" in result.log
    again, _ = stack.invoke(stack.fn("index.boom"))  # the worker survives a handler error
    assert again.function_error == "Unhandled"
    assert stack.runtime.stats()["workers"] == 1


def test_big_payloads(stack):
    fn = stack.fn("index.big")
    result = stack.runtime.submit(fn, b'{"size": 1000000}').result()
    assert result.function_error is None and len(result.payload) == 1_000_002
    too_big, body = stack.invoke(fn, {"size": 6_300_000})
    assert too_big.function_error == "Unhandled"
    assert body["errorType"] == "Function.ResponseSizeTooLarge"


def test_a_response_over_6_mb_fails_and_its_environment_is_replaced(stack):
    # AWS's Runtime API refuses the post (413) and the runtime exits: the next invocation is a cold start
    sized = package("probe", **{"index.py": "import os\ndef handler(e, c):\n"
                                            "    return {'pid': os.getpid(), 'pad': 'x' * e.get('size', 0)}\n"})
    fn = stack.fn("index.handler", code=sized)
    _, first = stack.invoke(fn)
    too_big, body = stack.invoke(fn, {"size": 6_291_556})
    assert too_big.function_error == "Unhandled"
    assert body == {"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
                    "errorType": "Function.ResponseSizeTooLarge"}
    wait_for(lambda: not pid_alive(first["pid"]))
    again, after = stack.invoke(fn)
    assert again.function_error is None and after["pid"] != first["pid"]
    assert "Init Duration" in again.log
    wait_for(lambda: stack.runtime.stats()["workers"] == 1)


def test_new_code_is_picked_up_and_old_workers_retire(stack):
    v1 = stack.fn("index.echo")
    _, old = stack.invoke(v1)
    v2 = stack.fn("index.echo", code=package("probe", **{"index.py": "import os\ndef echo(e, c):\n"
                                                           "    return {'version': 2, 'pid': os.getpid()}\n"}))
    _, new = stack.invoke(v2)
    assert new["version"] == 2 and new["pid"] != old["pid"]
    wait_for(lambda: not pid_alive(old["pid"]))
    assert stack.runtime.stats()["workers"] == 1


def test_busy_worker_of_old_code_finishes_then_exits(stack):
    v1 = stack.fn("index.sleep")
    slow = stack.runtime.submit(v1, b'{"seconds": 0.3}')
    v2 = stack.fn("index.echo", env={"CHANGED": "1"})
    _, new = stack.invoke(v2)
    old = json.loads(slow.result(timeout=5).payload)
    assert old["slept"] == 0.3 and old["pid"] != new["pid"]
    wait_for(lambda: not pid_alive(old["pid"]))


def test_environment(stack, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret-must-not-leak")
    monkeypatch.setenv("AWS_PROFILE", "production")
    fn = stack.fn("index.env", env={"TABLE": "items", "PYTHONPATH": "/opt/extra"})
    result, env = stack.invoke(fn)
    assert env["TABLE"] == "items"
    assert "real-secret-must-not-leak" not in result.payload.decode()
    assert "AWS_PROFILE" not in env
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("test", "test")
    assert env["AWS_SESSION_TOKEN"]
    expected = {
        "AWS_LAMBDA_FUNCTION_NAME": "probe", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/probe",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "_HANDLER": "index.env", "AWS_ENDPOINT_URL": ENDPOINT, "PYTHONUNBUFFERED": "1", "TZ": ":UTC",
    }
    assert {k: env.get(k) for k in expected} == expected
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert (Path(env["LAMBDA_TASK_ROOT"]) / "index.py").is_file()
    assert env["PYTHONPATH"] == f"{env['LAMBDA_TASK_ROOT']}{os.pathsep}/opt/extra"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == stack.logs[-1][3]


def test_client_context_reaches_the_handler(stack):
    _, body = stack.invoke(stack.fn("index.echo"), client_context=json.dumps({"custom": {"k": "v"}}))
    assert body["client_context"] == {"k": "v"}


def test_idle_workers_are_reaped(tmp_path):
    s = Stack(tmp_path / "code", idle_timeout_s=0.2)
    try:
        _, body = s.invoke(s.fn("index.echo"))
        wait_for(lambda: s.runtime.stats()["workers"] == 0, timeout=3)
        wait_for(lambda: not pid_alive(body["pid"]), timeout=3)
        assert s.invoke(s.fn("index.echo"))[1]["pid"] != body["pid"]
    finally:
        s.runtime.shutdown()


def test_concurrent_first_invokes_unzip_once(stack):
    fn = stack.fn("index.sleep")
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: stack.invoke(fn, {"seconds": 0.1}), range(3)))
    assert all(r.function_error is None for r, _ in results)
    assert len({body["pid"] for _, body in results}) == 3
    assert stack.loads == [fn.code_sha256]
    assert len(list((stack.runtime._ctx.code.work_dir).iterdir())) == 1


def test_refusals(stack):
    with pytest.raises(AwsError) as bad_runtime:
        stack.runtime.submit(stack.fn("index.handler", runtime="java21"), b"{}")
    assert (bad_runtime.value.status, bad_runtime.value.code) == (502, "InvalidRuntimeException")
    assert bad_runtime.value.message == ("The runtime parameter of java21 is not supported by this local stack: "
                                         "only Python, Node.js and provided.al2/al2023 functions run here.")
    gone = stack.fn("index.echo")
    stack.codes.clear()
    with pytest.raises(AwsError) as missing:
        stack.runtime.submit(gone, b"{}")
    assert missing.value.status == 404
    assert stack.runtime.stats()["workers"] == 0


def test_bad_zip_answers_runtime_unknown(stack):
    fn = stack.fn("index.echo", code=b"not a zip")
    result, body = stack.invoke(fn)
    assert result.function_error == "Unhandled" and body["errorType"] == "Runtime.Unknown"
    assert stack.runtime.stats()["workers"] == 0


def test_shutdown_kills_workers_and_settles_inflight(tmp_path):
    s = Stack(tmp_path / "code")
    _, body = s.invoke(s.fn("index.echo"))
    slow = s.runtime.submit(s.fn("index.sleep", name="sleeper"), b'{"seconds": 30}')
    wait_for(lambda: s.runtime.stats()["functions"][f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:sleeper"]["busy"])
    s.runtime.shutdown()
    assert not pid_alive(body["pid"])
    assert slow.result(timeout=5).function_error == "Unhandled"
    with pytest.raises(AwsError):
        s.runtime.submit(s.fn("index.echo"), b"{}")


# ---- memory size -------------------------------------------------------------------------------------------

def _report(result) -> str:
    return next(line for line in result.log.splitlines() if line.startswith("REPORT "))


def test_passing_the_memory_size_is_an_out_of_memory_kill_and_the_next_invoke_gets_a_fresh_worker(stack):
    fn = stack.fn("index.hog", memory=192, timeout=20)
    _, small = stack.invoke(fn, {"mb": 16})
    assert small["held_mb"] == 16
    # a spike answered before any poll: caught when the worker answers (the peak stays in VmHWM)
    result, body = stack.invoke(fn, {"mb": 200})
    assert result.function_error == "Unhandled"
    assert body == {"errorType": "Runtime.OutOfMemory",
                    "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed"}
    report = _report(result)
    assert "\tMemory Size: 192 MB\tMax Memory Used: 192 MB\t" in report  # never more than the size, as on AWS
    assert report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\t")  # AWS ends REPORT with a tab
    assert result.log.splitlines()[-2:] == [
        f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed", "Runtime.OutOfMemory"]
    wait_for(lambda: not pid_alive(small["pid"]))
    after, body = stack.invoke(fn, {"mb": 16})
    assert after.function_error is None and body["pid"] != small["pid"] and body["held_mb"] == 16


def test_memory_held_in_a_long_invocation_is_killed_while_it_runs(stack):
    """Held for 15 s within a 20 s timeout: only a kill during the invocation can end it as OutOfMemory."""
    result, body = stack.invoke(stack.fn("index.hog", memory=160, timeout=20), {"mb": 200, "hold_s": 15})
    assert body["errorType"] == "Runtime.OutOfMemory", body
    assert float(re.search(r"Duration: ([\d.]+) ms", _report(result)).group(1)) < 15_000


def test_memory_passed_during_init_fails_the_invocation_that_started_it(stack):
    code = package("probe", **{"fat.py": "BLOB = b'\\x01' * (200 * 1024 * 1024)\n\n\ndef handler(event, context):\n"
                                         "    return len(BLOB)\n"})
    result, body = stack.invoke(stack.fn("fat.handler", code=code, memory=128, timeout=20))
    assert body["errorType"] == "Runtime.OutOfMemory", body
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")


def test_under_the_memory_size_is_measured_not_killed(stack):
    result, body = stack.invoke(stack.fn("index.hog", memory=256), {"mb": 64})
    assert result.function_error is None and body["held_mb"] == 64
    used = int(re.search(r"Max Memory Used: (\d+) MB", _report(result)).group(1))
    assert 64 <= used <= 256


def test_without_memory_limits_a_function_may_pass_its_size(tmp_path):
    unlimited = Stack(tmp_path / "code", memory_limits=False)
    try:
        result, body = unlimited.invoke(unlimited.fn("index.hog", memory=128), {"mb": 200})
        assert result.function_error is None and body["held_mb"] == 200
        used = int(re.search(r"Max Memory Used: (\d+) MB", _report(result)).group(1))
        assert used > 200  # measured as it was
    finally:
        unlimited.runtime.shutdown()


def test_without_proc_or_pidfd_warm_workers_are_reused_and_exits_seen(tmp_path, monkeypatch):
    """What macOS offers: no /proc, no pidfd. Warm workers must still be reused, and a killed one replaced."""
    from harness.emulator.runtime import worker as worker_module

    monkeypatch.setattr(worker_module, "HAS_PROC", False)

    def no_pidfd(pid):
        raise OSError("no pidfd here")

    monkeypatch.setattr(worker_module.os, "pidfd_open", no_pidfd)
    plain = Stack(tmp_path / "code")
    try:
        fn = plain.fn("index.echo")
        _, first = plain.invoke(fn)
        _, second = plain.invoke(fn)
        assert first["pid"] == second["pid"]  # warm: reused
        os.kill(first["pid"], 9)
        wait_for(lambda: not pid_alive(first["pid"]))
        _, third = plain.invoke(fn)
        assert third["pid"] != first["pid"]
        result, _ = plain.invoke(plain.fn("index.echo", name="other"))
        assert "Max Memory Used: 0 MB" in result.log  # not measured until the environment ends
    finally:
        plain.runtime.shutdown()
