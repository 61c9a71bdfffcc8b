"""Ctrl-C during `harness run` stops the whole run at once: the summary line says what ran and what did not,
the exit status is 130, and nothing the run started (embedded stack, function workers, load clients) is left.

Each case runs three scenario files from tmp_path; the second one is slow (an http step to a function that
sleeps, or a `load` step that would last a minute) and signals through a file when it has begun."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional
SCHEMA = str(Path(__file__).resolve().parents[2] / "harness" / "replay" / "scenario.schema.json")
SCAN = {"http": {"query": {"TableName": "{{stack.table}}"}}, "expect": {"status": 200}}


def _handler(marker: Path, sleep_s: float) -> str:
    return (f"import pathlib, time\n\n\ndef handler(event, context):\n    pathlib.Path({str(marker)!r}).touch()\n"
            f"    time.sleep({sleep_s})\n    return {{'statusCode': 200, 'body': '{{}}'}}\n")


def _slow(kind: str, marker: Path) -> dict:
    if kind == "http":
        stack = {"timeout": 60, "code_files": {"index.py": _handler(marker, 40)}}
        return {"$schema": SCHEMA, "name": "slow http", "stack": stack, "steps": [SCAN]}
    stack = {"code_files": {"index.py": _handler(marker, 0.05)}}
    load = {"clients": 2, "duration_s": 60, "mix": [{"kind": "get"}]}
    return {"$schema": SCHEMA, "name": "slow load", "stack": stack, "steps": [{"load": load}]}


def _session_processes(sid: int) -> list[str]:
    """Command lines of the processes still in session `sid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid:
                found.append((entry / "cmdline").read_text().replace("\0", " ").strip())
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("kind", ["http", "load"])
def test_ctrl_c_stops_harness_run_at_once(tmp_path, kind):
    marker = tmp_path / "began"
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name, document in [("a_fast.json", {"$schema": SCHEMA, "name": "fast", "steps": [SCAN]}),
                           ("b_slow.json", _slow(kind, marker)),
                           ("c_never.json", {"$schema": SCHEMA, "name": "never", "steps": [SCAN]})]:
        (folder / name).write_text(json.dumps(document))
    run = subprocess.Popen([sys.executable, "-m", "harness", "run", str(folder)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), run.communicate(timeout=30)
        time.sleep(0.3)  # well inside the slow step
        os.kill(run.pid, signal.SIGINT)
        signalled = time.monotonic()
        out, err = run.communicate(timeout=30)
        took = time.monotonic() - signalled
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
    assert run.returncode == 130, out + err
    assert out.rstrip().splitlines()[-1] == "interrupted: 1 passed, 0 failed, 2 not run", out
    assert "[  1/3] ok      fast" in out and "never" not in out
    assert took < 10, f"{took:.1f} s from Ctrl-C to exit"
    assert "Traceback" not in err, err
    time.sleep(0.5)  # children get the parent's end a moment later
    assert _session_processes(run.pid) == []
