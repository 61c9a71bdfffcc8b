"""The launcher runtimes start from (spawner.py): its processes are this process's children, in a session of
their own, subreapers, with only the descriptors they were given; a program that cannot run raises what Popen
raises; a launcher that died is started again."""
from __future__ import annotations

import os
import signal
import stat
import sys
import time
from pathlib import Path

import pytest

from harness.emulator.runtime import spawner
from harness.emulator.runtime.descendants import MARK, OWN, own_mark

pytestmark = pytest.mark.skipif(not spawner.enabled(), reason="needs Linux and a subreaper (PR_SET_CHILD_SUBREAPER)")

#: Prints its parent, session, subreaper state and open descriptors; reads a line from stdin when asked; then
#: double-forks a sleeper (which a subreaper keeps below it) and prints that one's parent.
PROBE = r'''
import ctypes, os, sys, time
flag = ctypes.c_int(0)
ctypes.CDLL(None).prctl(37, ctypes.byref(flag), 0, 0, 0)  # PR_GET_CHILD_SUBREAPER
print("ppid", os.getppid(), "sid", os.getsid(0), "pid", os.getpid(), "subreaper", flag.value, flush=True)
print("fds", ",".join(sorted(os.listdir("/proc/self/fd"), key=int)), flush=True)
print("stdin", sys.stdin.readline().strip() if "read" in sys.argv else "-", flush=True)
print("cwd", os.getcwd(), "mark", os.environ.get("HARNESS_STACK_MARK_CHECK"), flush=True)
r, w = os.pipe()
if os.fork() == 0:
    if os.fork() == 0:
        null = os.open(os.devnull, os.O_WRONLY); os.dup2(null, 1); os.dup2(null, 2)  # the reader sees EOF
        os.write(w, str(os.getpid()).encode()); time.sleep(30); os._exit(0)
    os._exit(0)
grandchild = int(os.read(r, 32))
time.sleep(0.2)
print("orphan-parent", int(open(f"/proc/{grandchild}/stat").read().rpartition(")")[2].split()[1]), grandchild,
      flush=True)
'''


def _run(tmp_path: Path, *args: str, stdin: bytes | None = None) -> dict[str, list[str]]:
    read_fd, write_fd = os.pipe()
    stdin_read = stdin_write = None
    if stdin is not None:
        stdin_read, stdin_write = os.pipe()
    try:
        proc = spawner.SPAWNER.spawn([sys.executable, "-c", PROBE, *args],
                                     {"PATH": os.environ.get("PATH", ""), "HARNESS_STACK_MARK_CHECK": "yes"},
                                     str(tmp_path), write_fd, stdin_read)
    finally:
        os.close(write_fd)
        if stdin_read is not None:
            os.close(stdin_read)
    assert proc is not None
    if stdin_write is not None:
        os.write(stdin_write, stdin or b"")
        os.close(stdin_write)
    out = b""
    while chunk := os.read(read_fd, 65536):
        out += chunk
    os.close(read_fd)
    assert proc.wait() == 0, out
    lines = {line.split()[0]: line.split()[1:] for line in out.decode().splitlines() if line.strip()}
    orphan = int(lines["orphan-parent"][1])
    try:
        os.kill(orphan, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return lines | {"pid": [str(proc.pid)]}


def test_a_spawned_process_is_our_child_in_its_own_session_a_subreaper_with_only_its_descriptors(tmp_path):
    lines = _run(tmp_path)
    pid = int(lines["pid"][0])
    assert lines["ppid"][:4] == [str(os.getpid()), "sid", str(pid), "pid"]  # re-parented to us; its own session
    assert lines["ppid"][5:] == ["subreaper", "1"]
    assert lines["fds"] == ["0,1,2,3"]  # 3: the listing's own descriptor
    assert lines["cwd"] == [str(tmp_path), "mark", "yes"]  # the request's folder and variables, nothing else
    assert lines["orphan-parent"][0] == str(pid)  # a double-forked descendant stays below the environment


def test_stdin_is_the_descriptor_given(tmp_path):
    assert _run(tmp_path, "read", stdin=b"hello\n")["stdin"] == ["hello"]


def test_a_program_that_cannot_run_raises_what_popen_raises(tmp_path):
    out_r, out_w = os.pipe()
    try:
        with pytest.raises(FileNotFoundError):
            spawner.SPAWNER.spawn([str(tmp_path / "missing")], {}, str(tmp_path), out_w)
        script = tmp_path / "bootstrap"
        script.write_text("#!/bin/sh\necho hi\n")
        script.chmod(stat.S_IRUSR | stat.S_IWUSR)
        with pytest.raises(PermissionError):
            spawner.SPAWNER.spawn([str(script)], {}, str(tmp_path), out_w)
        with pytest.raises(FileNotFoundError):
            spawner.SPAWNER.spawn(["true"], {"PATH": "/usr/bin:/bin"}, str(tmp_path / "no-such-folder"), out_w)
        with pytest.raises(FileNotFoundError):  # the request's PATH is searched, not ours
            spawner.SPAWNER.spawn(["true"], {"PATH": str(tmp_path)}, str(tmp_path), out_w)
        ok = spawner.SPAWNER.spawn(["true"], {"PATH": "/usr/bin:/bin"}, str(tmp_path), out_w)
        assert ok is not None and ok.wait() == 0
    finally:
        os.close(out_r)
        os.close(out_w)


def test_a_launcher_that_died_is_started_again_and_carries_the_mark(tmp_path):
    out_r, out_w = os.pipe()
    try:
        first = spawner.SPAWNER.spawn(["true"], {"PATH": "/usr/bin:/bin"}, str(tmp_path), out_w)
        assert first is not None and first.wait() == 0
        launcher = spawner.SPAWNER.pid()
        assert launcher is not None and launcher in OWN
        environ = Path(f"/proc/{launcher}/environ").read_bytes().split(b"\0")
        assert f"{MARK}={own_mark()}".encode() in environ
        assert not any(entry.startswith(b"AWS_") for entry in environ)  # nothing of the stack's variables
        os.kill(launcher, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while spawner.SPAWNER.pid() == launcher and time.monotonic() < deadline:
            time.sleep(0.01)
        again = spawner.SPAWNER.spawn(["true"], {"PATH": "/usr/bin:/bin"}, str(tmp_path), out_w)
        assert again is not None and again.wait() == 0
        assert spawner.SPAWNER.pid() not in (None, launcher)
    finally:
        os.close(out_r)
        os.close(out_w)


def test_start_falls_back_to_popen_without_a_launcher(tmp_path, monkeypatch):
    monkeypatch.setenv(spawner.SPAWNER_ENV, "0")
    out_r, out_w = os.pipe()
    try:
        proc = spawner.start(["true"], env={"PATH": "/usr/bin:/bin"}, cwd=str(tmp_path), out_fd=out_w)
        assert type(proc).__name__ == "Popen" and proc.wait() == 0
    finally:
        os.close(out_r)
        os.close(out_w)
