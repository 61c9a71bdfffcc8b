"""Run the embedded stack in a child process (`python -m harness serve --port 0`) and wait until it is ready.

A child process keeps moto's process-global state away from the caller (pytest sessions that also use
`mock_aws`, parallel pytest-xdist workers). The child is told its parent's pid (`HARNESS_PARENT_PID`) and stops
when the parent is gone, so a killed test run leaves no stack behind.
Left out: restarting a stack that died (the caller sees it fail).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from typing import Mapping

from ..defaults import DEFAULT_REGION

_READY = re.compile(r"ready at (?P<url>http://\S+)")


class StackProcess:
    """A `harness serve` child on a free port; `url` once started; `stop()` ends it."""

    def __init__(self, *, region: str = DEFAULT_REGION, host: str = "127.0.0.1",
                 env: Mapping[str, str] | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.region = region
        self.host = host
        self.env = dict(env or {})
        self.extra_args = extra_args
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.output: deque[str] = deque(maxlen=200)

    def start(self, timeout: float = 60.0) -> StackProcess:
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1", "HARNESS_PARENT_PID": str(os.getpid())}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "harness", "serve", "--host", self.host, "--port", "0", "--region", self.region,
             *self.extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())
            match = _READY.search(line)
            if match:
                self.url = match["url"]
                break
            if time.monotonic() > deadline:
                break
        if not self.url:
            self.stop()
            raise RuntimeError("harness serve did not start:\n" + "\n".join(self.output))
        threading.Thread(target=self._drain, daemon=True).start()
        self.wait_healthy(deadline - time.monotonic())
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())

    def wait_healthy(self, timeout: float) -> dict:
        deadline = time.monotonic() + max(timeout, 1.0)
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_harness/health", timeout=2) as answer:
                    return json.loads(answer.read())
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> StackProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
