"""The CLI's one error boundary: a HarnessError is `harness: <one line>` and its exit status, never a traceback; a
bug keeps its traceback. The handler directory is checked before anything is called (plan, deploy, serve)."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness import cli
from harness.cli import stack as stack_commands

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]


def harness(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_serve_on_a_port_in_use_says_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = harness("serve", "--port", str(port))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"harness: cannot listen on 127.0.0.1:{port}: the address is in use (another `harness serve` or "
        "LocalStack? --port 0 picks a free port)"]


def test_serve_refuses_a_port_out_of_range():
    done = harness("serve", "--port", "70000")
    assert done.returncode == 2 and "argument --port: '70000' is not a port (0-65535)" in done.stderr


@pytest.fixture()
def nowhere() -> str:
    """An endpoint nothing listens on: a command that called it would say so instead."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{free.getsockname()[1]}"


@pytest.fixture(params=["plan", "deploy", "serve --deploy", "serve --watch", "replay"])
def code_command(request, nowhere, tmp_path):
    def argv(code_dir: Path) -> list[str]:
        extra = {"plan": ["plan"], "deploy": ["deploy", "--endpoint", nowhere],
                 "replay": ["replay", "--endpoint", nowhere, "scenarios/tutorial"],
                 "serve --deploy": ["serve", "--port", "0", "--deploy"],
                 "serve --watch": ["serve", "--port", "0", "--watch"]}[request.param]
        return [*extra, "--code-dir", str(code_dir)]
    return argv


def test_an_empty_handler_directory_is_refused_before_anything_is_called(code_command, tmp_path, capsys):
    empty = tmp_path / "empty"
    (empty / "__pycache__").mkdir(parents=True)  # what the package skips does not count
    (empty / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"")
    assert cli.main(code_command(empty)) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"harness: handler directory {empty.resolve()} is empty: it must hold index.py, the module of the handler "
        "index.handler"]


def test_a_handler_directory_without_the_handlers_module_is_refused(code_command, tmp_path, capsys):
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    assert cli.main(code_command(tmp_path)) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"harness: handler directory {tmp_path.resolve()} has no index.py, the module of the handler index.handler"]


def test_a_missing_handler_directory_is_refused(code_command, capsys):
    assert cli.main(code_command(Path("/nonexistent/handler"))) == 2
    assert capsys.readouterr().err.splitlines() == ["harness: handler directory not found: /nonexistent/handler"]


def test_a_bug_keeps_its_traceback(monkeypatch, capsys):
    def broken(args):
        raise KeyError("a bug")

    monkeypatch.setattr(stack_commands, "cmd_plan", broken)
    with pytest.raises(KeyError):
        cli.main(["plan"])


def test_an_unreadable_outputs_file_is_one_line(tmp_path, capsys):
    (tmp_path / "outputs.json").write_text("{not json")
    assert cli.main(["outputs", "--outputs", str(tmp_path / "outputs.json")]) == 2
    assert capsys.readouterr().err.startswith(f"harness: {tmp_path / 'outputs.json'} is not an outputs file: ")
