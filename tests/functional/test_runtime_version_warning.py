"""A function whose python3.x runtime has no local interpreter (simulated: pyenv, uv and other python3.N hidden)
runs on the harness's interpreter anyway, and `harness serve` says so in one plain line, once per runtime per
stack (not per invocation, not as a log record with a timestamp)."""
from __future__ import annotations

import io
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy.settings import TRUST_POLICY

from .harness_process import HarnessProcess

pytestmark = pytest.mark.functional
LOCAL = f"python{sys.version_info.major}.{sys.version_info.minor}"
OTHERS = [r for r in ("python3.12", "python3.13", "python3.10") if r != LOCAL][:2]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buffer.getvalue()


def one_python_machine() -> dict[str, str]:
    """This environment with no other Python to find: no pyenv, no uv, no python3.N but the harness's own."""
    env = dict(os.environ, PYENV_ROOT=os.devnull)
    keep = [d for d in env.get("PATH", "").split(os.pathsep)
            if d and not any((Path(d) / name).exists() for name in ("pyenv", "uv"))
            and not any((Path(d) / f"python{r.removeprefix('python')}").exists() for r in OTHERS)]
    env["PATH"] = os.pathsep.join(keep)
    return env


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_one_plain_line_per_foreign_runtime_per_stack():
    with HarnessProcess("serve", "--port", "0", env=one_python_machine()) as serve:
        url = serve.wait_line("ready at").split("ready at ")[1].split()[0]
        clients = Clients(Endpoint(url))
        role = clients("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
        lam = clients("lambda")
        for index, runtime in enumerate([*OTHERS, OTHERS[0], LOCAL]):
            lam.create_function(FunctionName=f"f{index}", Runtime=runtime, Role=role, Handler="index.handler",
                                Code={"ZipFile": _zip()})
            for _ in range(3):
                answer = lam.invoke(FunctionName=f"f{index}", Payload=b"{}")
                assert json.loads(answer["Payload"].read()) == {"ok": True}
        assert serve.stop() == 0
    warnings = [line for line in serve.seen if "run on the local" in line]
    assert warnings == [f"harness: warning: functions declared {runtime} run on the local {LOCAL} interpreter"
                        for runtime in OTHERS], serve.seen
