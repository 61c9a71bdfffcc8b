"""`harness deploy --watch` against the embedded stack: each save of a handler file goes live, Ctrl-C ends it."""
from __future__ import annotations

import json
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from harness.aws import Clients
from harness.deploy import StackSettings, destroy

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]
V2 = "def handler(event, context):\n    return {'statusCode': 200, 'body': '\"v2\"'}\n"


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def _wait_line(lines: queue.Queue, seen: list[str], needle: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle!r} in:\n" + "\n".join(seen))


def test_deploy_watch_puts_each_save_live_and_stops_on_ctrl_c(tmp_path, stack_url, clients: Clients):
    code = tmp_path / "handler"
    shutil.copytree(ROOT / "handler", code, ignore=shutil.ignore_patterns("__pycache__"))
    prefix = f"w{uuid.uuid4().hex[:6]}-"
    outputs_file = tmp_path / "outputs.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "deploy", "--endpoint", stack_url, "--prefix", prefix, "--code-dir",
         str(code), "--outputs", str(outputs_file), "--watch"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    seen: list[str] = []
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        _wait_line(lines, seen, f"harness: watching {code}")
        outputs = json.loads(outputs_file.read_text())
        url, table = outputs["invoke_url"], outputs["tables"][0]
        http = requests.Session()
        first = http.get(url, params={"TableName": table}, timeout=30)
        assert first.status_code == 200 and first.json()["Items"] == [], first.text

        (code / "index.py").write_text(V2)
        updated = _wait_line(lines, seen, "index.py changed:")
        assert f"{prefix}db-api updated (" in updated, updated
        assert http.get(url, params={"TableName": table}, timeout=30).json() == "v2"

        (code / "index.py").write_text(V2.replace("return {", "return {{"))  # does not compile
        _wait_line(lines, seen, "harness: warning: index.py:2: ")
        broken = http.get(url, timeout=30)  # the warning comes after the update: already live
        assert (broken.status_code, broken.json()) == (502, {"message": "Internal server error"})

        (code / "notes.txt").touch()
        _wait_line(lines, seen, "notes.txt changed:")  # a new file is packaged too

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0, "\n".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        destroy(StackSettings(region=clients.endpoint.region).with_prefix(prefix), clients)


def test_serve_watch_is_a_whole_dev_loop_in_one_command(tmp_path):
    """`harness serve --watch`: the stack, the tutorial's deployment, and each save live; Ctrl-C ends all."""
    code = tmp_path / "handler"
    shutil.copytree(ROOT / "handler", code, ignore=shutil.ignore_patterns("__pycache__"))
    outputs_file = tmp_path / "outputs.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "serve", "--port", "0", "--watch", "--code-dir", str(code), "--outputs",
         str(outputs_file)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()
    seen: list[str] = []
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        deployed = _wait_line(lines, seen, "harness: deployed db-api: http://127.0.0.1:")
        url = deployed.split(": ", 2)[2].split(" ")[0]
        _wait_line(lines, seen, f"harness: watching {code}")
        assert json.loads(outputs_file.read_text())["invoke_url"] == url.split("?")[0]
        http = requests.Session()
        assert http.get(url, timeout=30).json()["Items"] == []
        (code / "index.py").write_text(V2)
        _wait_line(lines, seen, "index.py changed: db-api updated")
        assert http.get(url, timeout=30).json() == "v2"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, "\n".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
