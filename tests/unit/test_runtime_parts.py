"""The runtime's pure parts: environment, error documents, log lines, output capture, code cache, scheduler."""
from __future__ import annotations

import base64
import calendar
import hashlib
import io
import json
import os
import stat
import threading
import time
import zipfile
from types import MappingProxyType

import pytest

from harness.emulator.snapshots import FunctionConfig
from harness.emulator.runtime.code import CodeCache, code_dir_name, extract_zip
from harness.emulator.runtime.env import build_environment, is_python_runtime, log_stream_name
from harness.emulator.runtime.function_log import InvocationRecord, OutputCapture, billed_ms, iso_ms, render, timeout_line
from harness.emulator.runtime.payloads import (
    exit_message, exit_payload, exit_reason, function_error_payload, timeout_payload, too_large_payload,
)
from harness.emulator.runtime.scheduler import Scheduler


def make_fn(**kw) -> FunctionConfig:
    base = dict(name="fn", arn="arn:aws:lambda:eu-west-1:111122223333:function:fn", runtime="python3.12",
                handler="index.handler", timeout=3, memory_size=512, code_sha256="abc", role="r",
                region="eu-west-1", account_id="111122223333")
    base.update(kw)
    return FunctionConfig(**base)


# ---- environment -------------------------------------------------------------------------------------


def test_environment_has_reserved_variables_and_no_parent_aws_variables(tmp_path):
    parent = {"PATH": "/usr/bin", "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "real", "AWS_PROFILE": "prod",
              "AWS_ENDPOINT_URL": "https://real", "PYTHONDONTWRITEBYTECODE": "1"}
    fn = make_fn(environment=MappingProxyType({"TABLE": "t", "AWS_REGION": "moon-1", "PYTHONPATH": "/x"}))
    env = build_environment(fn, code_dir=tmp_path, api_address="127.0.0.1:5000", log_stream="s",
                            endpoint_url="http://127.0.0.1:4566", credentials=("AK", "SK"), parent_env=parent,
                            runtime_env={"PYTHONPATH": "/code:/x"})
    assert env["PATH"] == "/usr/bin" and "HOME" not in env and "PYTHONDONTWRITEBYTECODE" not in env
    assert env["TABLE"] == "t"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"  # reserved names win
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("AK", "SK")
    assert "AWS_PROFILE" not in env
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:5000"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn" and env["AWS_LAMBDA_LOG_STREAM_NAME"] == "s"
    assert env["LAMBDA_TASK_ROOT"] == str(tmp_path) and env["_HANDLER"] == "index.handler"
    assert env["PYTHONPATH"] == "/code:/x"  # the runtime's (python_runtimes.py) wins over the function's
    assert (env["TZ"], env["LANG"]) == (":UTC", "C.UTF-8")


def test_runtime_names_and_stream_names():
    assert is_python_runtime("python3.12") and is_python_runtime("python3.9")
    assert not is_python_runtime("nodejs20.x") and not is_python_runtime("python2.7") and not is_python_runtime("")
    when = calendar.timegm((2024, 3, 5, 12, 0, 0, 0, 0, 0))
    assert log_stream_name("$LATEST", "ab" * 16, when) == "2024/03/05/[$LATEST]" + "ab" * 16


# ---- error documents ----------------------------------------------------------------------------------


def test_timeout_payload_has_two_decimals():
    assert json.loads(timeout_payload("rid", 3)) == {
        "errorType": "Sandbox.Timedout", "errorMessage": "RequestId: rid Error: Task timed out after 3.00 seconds"}


@pytest.mark.parametrize("code, reason", [(1, "exit status 1"), (0, "exit status 0"), (-9, "signal: killed"),
                                          (-11, "signal: segmentation fault"), (-15, "signal: terminated"),
                                          (-6, "signal: aborted")])
def test_exit_reasons_are_worded_like_the_platform(code, reason):
    assert exit_reason(code) == reason


def test_exit_payloads():
    assert json.loads(exit_payload("rid", 1)) == {
        "errorType": "Runtime.ExitError", "errorMessage": "RequestId: rid Error: Runtime exited with error: exit status 1"}
    assert exit_message("rid", 0) == "RequestId: rid Error: Runtime exited without providing a reason"


def test_function_error_documents_pass_through_or_get_wrapped():
    doc = b'{"errorMessage": "m", "errorType": "T", "requestId": "", "stackTrace": []}'
    assert function_error_payload(doc, "T") == doc
    assert json.loads(function_error_payload(b"plain text", "Custom")) == {"errorType": "Custom",
                                                                          "errorMessage": "plain text"}
    assert json.loads(function_error_payload(b"", None))["errorType"] == "Runtime.Unknown"
    assert json.loads(too_large_payload())["errorType"] == "Function.ResponseSizeTooLarge"


# ---- log lines ----------------------------------------------------------------------------------------


def test_timestamps_and_billing():
    assert iso_ms(1_700_000_000_123) == "2023-11-14T22:13:20.123Z"
    assert [billed_ms(d) for d in (0.2, 1.0, 1.01, 99.5)] == [1, 1, 2, 100]
    assert timeout_line(1_700_000_000_123, "rid", 1) == "2023-11-14T22:13:20.123Z rid Task timed out after 1.00 seconds"


def test_invocation_record_lines():
    record = InvocationRecord(request_id="rid", version="$LATEST", started_ms=10, ended_ms=20, duration_ms=1.234,
                              memory_size=512, max_memory_mb=40, init_ms=35.5)
    assert record.report_line() == ("REPORT RequestId: rid\tDuration: 1.23 ms\tBilled Duration: 2 ms\t"
                                    "Memory Size: 512 MB\tMax Memory Used: 40 MB\tInit Duration: 35.50 ms\t")
    lines = record.lines([(5, "init")], [(15, "hello")], ["after"])
    assert lines == [(5, "init"), (10, "START RequestId: rid Version: $LATEST"), (15, "hello"),
                     (20, "END RequestId: rid"), (20, record.report_line()), (20, "after")]
    assert render(lines).endswith("after\n") and render(lines).count("\n") == 6
    failed = InvocationRecord("rid", "$LATEST", 1, 2, 3.0, 128, 20, status="error", error_type="Runtime.ExitError")
    assert failed.report_line().endswith("\tStatus: error\tError Type: Runtime.ExitError\t")


def test_output_capture_keeps_order_and_partial_lines():
    read_fd, write_fd = os.pipe()
    capture = OutputCapture(read_fd)
    try:
        os.write(write_fd, b"one\ntwo\r\n\xff\nthr")
        assert [text for _, text in capture.take()] == ["one", "two\r", "\ufffd", "thr"]
        os.write(write_fd, b"ee\nfour")
        capture.drain()
        os.write(write_fd, b"\n")
        assert [text for _, text in capture.take()] == ["ee", "four"]
        assert capture.take() == []
        os.close(write_fd)
        capture.drain()
        assert capture.eof
    finally:
        capture.close()


# ---- code cache ---------------------------------------------------------------------------------------


def zip_bytes(files: dict[str, tuple[str, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, text)
    return buf.getvalue()


def test_code_dir_names_are_file_safe():
    digest = hashlib.sha256(b"x").digest()
    assert code_dir_name(base64.b64encode(digest).decode()) == digest.hex()
    odd = code_dir_name("not/base64+")
    assert len(odd) == 64 and "/" not in odd


def test_extract_keeps_permissions(tmp_path):
    extract_zip(zip_bytes({"run.sh": ("#!/bin/sh\n", 0o755), "pkg/mod.py": ("x = 1\n", 0o644)}), tmp_path)
    assert os.stat(tmp_path / "run.sh").st_mode & stat.S_IXUSR
    assert (tmp_path / "pkg" / "mod.py").read_text() == "x = 1\n"


def test_code_cache_extracts_once_under_concurrency(tmp_path):
    calls = []
    data = zip_bytes({"index.py": ("def handler(e, c): pass\n", 0o644)})

    def loader(fn):
        calls.append(fn.code_sha256)
        time.sleep(0.05)
        return data

    cache = CodeCache(tmp_path, loader)
    fn = make_fn(code_sha256=base64.b64encode(hashlib.sha256(data).digest()).decode())
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(cache.ensure(fn))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(set(results)) == 1
    assert (results[0] / "index.py").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [results[0].name]  # no temporary leftovers


def test_code_cache_bad_zip_leaves_nothing(tmp_path):
    cache = CodeCache(tmp_path, lambda fn: b"not a zip")
    with pytest.raises(zipfile.BadZipFile):
        cache.ensure(make_fn())
    assert list(tmp_path.iterdir()) == []


# ---- scheduler ----------------------------------------------------------------------------------------


def test_scheduler_runs_in_deadline_order_and_skips_cancelled():
    scheduler = Scheduler()
    try:
        done = threading.Event()
        seen: list[str] = []
        now = time.monotonic()
        scheduler.call_at(now + 0.06, lambda: (seen.append("late"), done.set()))
        scheduler.call_at(now + 0.02, lambda: seen.append("early"))
        scheduler.call_at(now + 0.04, lambda: seen.append("cancelled")).cancel()
        scheduler.call_at(now + 0.03, lambda: 1 / 0)  # a failing callback does not stop the others
        assert done.wait(2)
        assert seen == ["early", "late"]
        ticks = threading.Semaphore(0)
        scheduler.call_every(0.01, ticks.release)
        assert all(ticks.acquire(timeout=2) for _ in range(3))
    finally:
        scheduler.close()


@pytest.mark.parametrize("value, on", [(None, True), ("", True), ("1", True), ("yes", True), ("0", False),
                                       ("false", False), (" Off ", False), ("no", False)])
def test_memory_limits_are_on_unless_the_environment_turns_them_off(value, on):
    from harness.emulator import MEMORY_LIMITS_ENV, memory_limits_from_env

    assert memory_limits_from_env({} if value is None else {MEMORY_LIMITS_ENV: value}) is on


def test_the_out_of_memory_document_is_the_exit_message_with_its_own_type():
    from harness.emulator.runtime.payloads import out_of_memory_payload

    assert json.loads(out_of_memory_payload("r-1", -9)) == {
        "errorType": "Runtime.OutOfMemory", "errorMessage": "RequestId: r-1 Error: Runtime exited with error: signal: killed"}


def test_an_ended_child_is_seen_without_reaping_it_where_there_is_no_proc():
    """The macOS path of Worker.has_exited: waitid(WNOWAIT) tells a running child from an ended one and
    leaves the ended one for its watcher to reap."""
    import subprocess
    import sys as _sys

    from harness.emulator.runtime.worker import _waitable

    child = subprocess.Popen([_sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert _waitable(child.pid) is False
        child.stdin.close()
        deadline = time.monotonic() + 10
        while not _waitable(child.pid):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert _waitable(child.pid) is True  # asking again still finds it: not reaped
        assert child.wait(timeout=5) == 0  # the owner reaps it, with its status
        assert _waitable(child.pid) is True  # gone for good
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_layers_are_merged_in_order_once_per_list(tmp_path):
    from dataclasses import replace

    from harness.deploy.package import build_zip
    from harness.emulator.runtime.env import layer_paths

    empty = tmp_path / "empty"
    empty.mkdir()
    zips = {"a": build_zip(empty, {"python/m.py": "X = 'a'\n", "python/only_a.py": ""}),
            "b": build_zip(empty, {"python/m.py": "X = 'b'\n"})}
    tmp_path = tmp_path / "cache"
    loads: list[str] = []

    def layer_loader(fn, arn):
        loads.append(arn)
        return zips[arn]

    cache = CodeCache(tmp_path, lambda fn: b"", layer_loader)
    fn = FunctionConfig(name="f", arn="arn:aws:lambda:us-east-1:1:function:f", runtime="python3.12", handler="i.h",
                        timeout=3, memory_size=128, code_sha256="x", role="r", region="us-east-1", account_id="1")
    assert cache.ensure_layers(fn) is None
    merged = cache.ensure_layers(replace(fn, layers=("a", "b")))
    assert (merged / "python" / "m.py").read_text() == "X = 'b'\n" and (merged / "python" / "only_a.py").exists()
    assert cache.ensure_layers(replace(fn, layers=("a", "b"))) == merged and loads == ["a", "b"]  # unzipped once
    other = cache.ensure_layers(replace(fn, layers=("b", "a")))
    assert other != merged and (other / "python" / "m.py").read_text() == "X = 'a'\n"
    assert layer_paths(merged, "python3.12") == [str(merged / "python/lib/python3.12/site-packages"),
                                                 str(merged / "python")]
    assert layer_paths(None, "python3.12") == []
