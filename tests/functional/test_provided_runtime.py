"""provided.al2 / provided.al2023 on the embedded stack: the package's `bootstrap` (a shell script with curl, as
in the Lambda developer guide's custom-runtime tutorial) is the runtime and speaks the Runtime API itself; a
package without one fails its init with Runtime.InvalidEntrypoint."""
from __future__ import annotations

import shutil

import pytest

from harness.deploy.package import build_zip

from .apikit import Kit
from .runtimekit import FUNCTIONS, create, invoke

pytestmark = [pytest.mark.functional,
              pytest.mark.skipif(shutil.which("curl") is None, reason="the shell bootstrap needs curl")]


@pytest.fixture(scope="module")
def kit(clients):
    made = Kit(clients, "prov")
    yield made
    made.teardown()


@pytest.mark.parametrize("runtime", ["provided.al2", "provided.al2023"])
def test_shell_bootstrap_answers_and_reports_errors(kit, runtime):
    name = create(kit, runtime.replace(".", "-"), runtime, build_zip(FUNCTIONS / "provided-sh"),
                  handler="function.handler")
    answer, payload, lines = invoke(kit, name, {"n": 1})
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert payload == {"echo": {"n": 1}, "handler": "function.handler"}
    assert f"handling {request_id}" in lines and "bootstrap starting for function.handler" in lines
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\t") and "Init Duration: " in lines[-1]
    answer, payload, _ = invoke(kit, name, {"fail": True})
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorMessage": "asked to fail", "errorType": "Custom.Failure"}
    answer, payload, _ = invoke(kit, name, {"n": 2})  # the same environment goes on
    assert payload["echo"] == {"n": 2}


def test_missing_or_unexecutable_bootstrap_is_an_invalid_entrypoint(kit, tmp_path):
    missing = create(kit, "nobootstrap", "provided.al2023", build_zip(tmp_path, {"main.sh": "echo\n"}))
    answer, payload, lines = invoke(kit, missing)
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorMessage": "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
                       "errorType": "Runtime.InvalidEntrypoint"}
    assert lines[-1].endswith("\tStatus: error\tError Type: Runtime.InvalidEntrypoint\t")  # the trailing tab, as on AWS
    plain = create(kit, "plainbootstrap", "provided.al2", build_zip(tmp_path, {"bootstrap": "#!/bin/sh\n"}))
    _, payload, _ = invoke(kit, plain)
    assert payload == {"errorMessage": "fork/exec /var/task/bootstrap: permission denied",
                       "errorType": "Runtime.InvalidEntrypoint"}
