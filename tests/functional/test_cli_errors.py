"""The CLI's failures a user can act on are one line naming the problem (exit 1), never a traceback."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]


def harness(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_serve_on_a_port_in_use_says_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = harness("serve", "--port", str(port))
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"harness: cannot listen on 127.0.0.1:{port}: the address is in use (another `harness serve` or "
        "LocalStack? --port 0 picks a free port)")
    assert "Traceback" not in done.stderr


def test_serve_refuses_a_port_out_of_range():
    done = harness("serve", "--port", "70000")
    assert done.returncode == 2 and "argument --port: '70000' is not a port (0-65535)" in done.stderr


def test_deploy_to_nothing_and_from_a_missing_directory_say_why():
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    done = harness("deploy", "--endpoint", f"http://127.0.0.1:{port}")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"harness: cannot reach http://127.0.0.1:{port}/: is a stack listening there?" in done.stderr
    missing = harness("deploy", "--endpoint", f"http://127.0.0.1:{port}", "--code-dir", "/nonexistent/handler")
    assert missing.returncode == 1 and missing.stderr.strip().splitlines()[-1] == (
        "harness: handler directory not found: /nonexistent/handler")


def test_an_aws_error_is_its_code_and_message_and_a_bug_keeps_its_traceback():
    import argparse

    from botocore.exceptions import ClientError

    from harness.cli import explain

    args = argparse.Namespace(command="deploy")
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "User is not authorized"}},
                        "CreateFunction")
    assert explain(error, args) == "CreateFunction failed: AccessDeniedException: User is not authorized"
    assert explain(KeyError("x"), args) is None
