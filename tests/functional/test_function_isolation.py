"""A function cannot read the user's credentials from the stack process: `harness serve` re-executes itself
without them, so neither the function's environment nor /proc/<stack pid>/environ holds them."""
from __future__ import annotations

import json
import os

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy.package import build_zip
from harness.emulator.isolation import is_secret, scrubbed
from harness.emulator.process import StackProcess

from .apikit import Kit

pytestmark = pytest.mark.functional
REGION = "us-west-1"
SECRETS = {"AWS_ACCESS_KEY_ID": "AKIAREALREALREAL", "AWS_SECRET_ACCESS_KEY": "real-secret-do-not-leak",
           "AWS_SESSION_TOKEN": "real-session-token", "GITHUB_TOKEN": "ghp_realtoken", "DB_PASSWORD": "hunter2"}
READER = '''
import os


def handler(event, context):
    found = {}
    for pid in (os.getppid(), int(os.environ.get("_HARNESS_STACK", "0").split(":")[0] or 0)):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ:
                found[str(pid)] = environ.read().decode("latin-1")
        except OSError as error:
            found[str(pid)] = f"unreadable: {error}"
    found["own"] = "\\n".join(f"{k}={v}" for k, v in os.environ.items())
    return found
'''


def test_secret_names():
    assert all(is_secret(name) for name in SECRETS)
    assert not any(is_secret(name) for name in ("PATH", "HOME", "AWS_DEFAULT_REGION", "AWS_REGION", "LANG",
                                                "HARNESS_STATE_DIR", "KEYBOARD"))
    assert scrubbed({"PATH": "/bin", **SECRETS}) == {"PATH": "/bin"}


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux's /proc")
def test_a_function_finds_no_secret_of_the_stack(tmp_path):
    with StackProcess(region=REGION, env=SECRETS) as stack:
        with open(f"/proc/{stack.proc.pid}/environ", "rb") as environ:
            started_with = environ.read().decode("latin-1")
        clients = Clients(Endpoint(stack.url, REGION))
        kit = Kit(clients, "iso")
        (tmp_path / "index.py").write_text(READER)
        lam = clients("lambda")
        lam.create_function(FunctionName=f"{kit.prefix}read", Runtime="python3.12", Role=kit.role_arn,
                            Handler="index.handler", Code={"ZipFile": build_zip(tmp_path)}, Timeout=10)
        lam.get_waiter("function_active_v2").wait(FunctionName=f"{kit.prefix}read", WaiterConfig={"Delay": 0.1})
        seen = json.loads(lam.invoke(FunctionName=f"{kit.prefix}read")["Payload"].read())
    assert "HARNESS_ENV_SCRUBBED=1" in started_with  # the re-executed stack, same pid
    assert str(stack.proc.pid) in seen  # the function did look at the stack process
    for value in SECRETS.values():
        assert value not in started_with
        assert all(value not in text for text in seen.values()), value
