"""Python functions on the embedded stack run with Lambda's import path: the function's code, its layers and the
runtime's own awslambdaric + boto3 (at the versions python_runtimes.py writes down), not the harness's venv; a
module the package does not ship fails with Runtime.ImportModuleError as on AWS. A function declared python3.N
runs on a local python3.N when there is one. HARNESS_PYTHON_IMPORT_PATH=harness keeps the old behaviour."""
from __future__ import annotations

import json
import os
import sys

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy.package import build_zip
from harness.deploy.settings import TRUST_POLICY
from harness.emulator.runtime.python_runtimes import LAMBDA_BOTO3, find_python

from .apikit import Kit
from .harness_process import HarnessProcess
from .runtimekit import create, invoke

pytestmark = pytest.mark.functional
PROBE = ("import sys, boto3, botocore\n\n\ndef handler(event, context):\n"
         "    return {'python': '%d.%d' % sys.version_info[:2], 'boto3': boto3.__version__,\n"
         "            'botocore': botocore.__version__, 'prefix': sys.prefix, 'path': sys.path}\n")
IMPORTS_MOTO = "import moto\n\n\ndef handler(event, context):\n    return moto.__name__\n"


@pytest.fixture(scope="module")
def kit(clients):
    made = Kit(clients, "pyiso")
    yield made
    made.teardown()


def test_the_runtime_provides_its_own_boto3_and_not_the_harness_venv(kit, tmp_path):
    name = create(kit, "probe", "python3.12", build_zip(tmp_path, {"index.py": PROBE}))
    _, payload, _ = invoke(kit, name)
    assert (payload["boto3"], payload["botocore"]) == (LAMBDA_BOTO3, LAMBDA_BOTO3)
    assert payload["prefix"] != sys.prefix  # not the harness's venv
    assert not any(entry.startswith(sys.prefix + os.sep) for entry in payload["path"]), payload["path"]
    if find_python("3.12") is not None:  # a local python3.12 runs it
        assert payload["python"] == "3.12"


def test_a_module_the_package_does_not_ship_is_an_import_error(kit, tmp_path):
    import moto  # noqa: F401  (the harness's venv has it: a function must not see it)

    name = create(kit, "moto", "python3.12", build_zip(tmp_path, {"index.py": IMPORTS_MOTO}))
    answer, payload, lines = invoke(kit, name)
    assert answer["FunctionError"] == "Unhandled"
    assert payload == {"errorMessage": "Unable to import module 'index': No module named 'moto'",
                       "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    assert lines[-1].endswith("\tStatus: error\tError Type: Runtime.ImportModuleError\t")  # the trailing tab, as on AWS


@pytest.mark.slow  # the first run on a machine builds each version's environment (pip)
@pytest.mark.parametrize("runtime", ["python3.10", "python3.13"])
def test_the_declared_version_runs_when_found(kit, tmp_path, runtime):
    version = runtime.removeprefix("python")
    if find_python(version) is None:
        pytest.skip(f"no local python{version} (tests/unit/test_python_runtimes.py simulates the choice)")
    name = create(kit, runtime.replace(".", ""), runtime, build_zip(tmp_path, {"index.py": PROBE}))
    _, payload, _ = invoke(kit, name)
    assert payload["python"] == version and payload["boto3"] == LAMBDA_BOTO3


@pytest.mark.slow
def test_the_switch_keeps_the_harness_venv_on_the_path(tmp_path):
    env = dict(os.environ, HARNESS_PYTHON_IMPORT_PATH="harness")
    with HarnessProcess("serve", "--port", "0", env=env) as serve:
        url = serve.wait_line("ready at").split("ready at ")[1].split()[0]
        clients = Clients(Endpoint(url))
        role = clients("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
        lam = clients("lambda")
        lam.create_function(FunctionName="moto", Runtime="python3.12", Role=role, Handler="index.handler",
                            Code={"ZipFile": build_zip(tmp_path, {"index.py": IMPORTS_MOTO})})
        answer = lam.invoke(FunctionName="moto", Payload=b"{}")
        assert "FunctionError" not in answer and json.loads(answer["Payload"].read()) == "moto"
        assert serve.stop() == 0

