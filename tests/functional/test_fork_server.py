"""Python execution environments forked from a pre-initialised template (fork_server.py): each is the stack's own
child in its own session, with only its function's variables, working directory and import path, and behaves
as a freshly started process would (timeouts, exits); HARNESS_FORK_SERVER=0 starts new processes instead.
Node.js environments start from spare processes (node_spares.py) that preloaded the SDK."""
from __future__ import annotations

import os

import pytest

from harness.deploy.package import build_zip
from harness.emulator.runtime import fork_server

from .runtimekit import node20  # noqa: F401 (fixture)
from .test_runtime import Stack

pytestmark = [pytest.mark.functional,
              pytest.mark.skipif(not fork_server.enabled(), reason="the fork server needs Linux")]
PROBE = (
    "import os, sys, time\n"
    "PRELOADED = 'boto3' in sys.modules  # the template imported it before this module ran\n\n\n"
    "def handler(event, context):\n"
    "    if event.get('exit'):\n"
    "        os._exit(3)\n"
    "    if event.get('sleep'):\n"
    "        time.sleep(event['sleep'])\n"
    "    return {'preloaded': PRELOADED, 'pid': os.getpid(), 'ppid': os.getppid(), 'sid': os.getsid(0),\n"
    "            'env': {k: v for k, v in os.environ.items() if k in ('ONLY_A', 'ONLY_B', 'TZ')},\n"
    "            'cwd': os.getcwd(), 'path0': sys.path[0], 'handler': os.environ['_HANDLER']}\n"
)


@pytest.fixture
def stack(tmp_path):
    made = Stack(tmp_path / "code")
    yield made
    made.runtime.shutdown()


def test_forked_environments_are_the_stacks_children_with_their_own_settings(stack, tmp_path):
    code = build_zip(tmp_path, {"index.py": PROBE})
    first = stack.fn("index.handler", name="a", code=code, runtime="python3.12", env={"ONLY_A": "1"})
    second = stack.fn("index.handler", name="b", code=code, runtime="python3.12", env={"ONLY_B": "2"})
    _, a = stack.invoke(first)
    _, b = stack.invoke(second)
    assert a["preloaded"] and b["preloaded"]
    assert a["ppid"] == b["ppid"] == os.getpid() and a["pid"] != b["pid"]
    assert a["sid"] == a["pid"]  # its own session: killed as a process group
    assert a["env"] == {"ONLY_A": "1", "TZ": ":UTC"} and b["env"] == {"ONLY_B": "2", "TZ": ":UTC"}
    assert a["cwd"] == a["path0"] and a["path0"].startswith(str(tmp_path / "code"))
    _, again = stack.invoke(first)
    assert again["pid"] == a["pid"]  # warm: the same environment


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_a_forked_environment_times_out_and_exits_like_a_process(stack, tmp_path):
    code = build_zip(tmp_path, {"index.py": PROBE})
    fn = stack.fn("index.handler", name="c", code=code, runtime="python3.12", timeout=1)
    result, body = stack.invoke(fn, {"sleep": 5})
    assert body["errorType"] == "Sandbox.Timedout" and result.function_error == "Unhandled"
    result, body = stack.invoke(fn, {"exit": True})
    assert body["errorType"] == "Runtime.ExitError" and body["errorMessage"].endswith("exit status 3")
    _, body = stack.invoke(fn)
    assert body["preloaded"] is True


def test_the_switch_starts_new_processes(tmp_path, monkeypatch):
    monkeypatch.setenv(fork_server.FORK_SERVER_ENV, "0")
    stack = Stack(tmp_path / "code")
    try:
        code = build_zip(tmp_path, {"index.py": PROBE})
        _, body = stack.invoke(stack.fn("index.handler", name="d", code=code, runtime="python3.12"))
        assert body["preloaded"] is False and body["ppid"] == os.getpid()
    finally:
        stack.runtime.shutdown()


NODE_PROBE = (
    "const preloaded = Object.keys(require.cache).some((k) => k.includes('@aws-sdk/client-dynamodb'));\n"
    "exports.handler = async () => ({ preloaded, pid: process.pid, only: process.env.ONLY || null,\n"
    "  cwd: process.cwd(), argv2: process.argv[2], nodePath: (process.env.NODE_PATH || '').split(':').length });\n"
)


def test_node_cold_starts_take_a_spare_process_that_preloaded_the_sdk(tmp_path, node20):
    import time

    stack = Stack(tmp_path / "code")
    try:
        code = build_zip(tmp_path, {"index.js": NODE_PROBE})
        _, first = stack.invoke(stack.fn("index.handler", name="n1", code=code, runtime=node20, env={"ONLY": "a"}))
        assert first["preloaded"] is False and first["only"] == "a"  # the first of its kind: a new process
        spares = stack.runtime._launchers[node20].spares
        deadline = time.monotonic() + 30
        while not spares.pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        spare_pid = spares.pids()[0]
        _, second = stack.invoke(stack.fn("index.handler", name="n2", code=code, runtime=node20, env={"ONLY": "b"}))
        assert second["pid"] == spare_pid and second["preloaded"] is True
        assert (second["only"], second["argv2"], second["nodePath"]) == ("b", "index.handler", first["nodePath"])
        assert second["cwd"] == first["cwd"]
    finally:
        stack.runtime.shutdown()
