"""Node.js functions on the embedded stack over HTTP (the Lambda Invoke API): every handler style, an ES module,
the context object, console lines, and AWS's answers for an error, a missing handler or module, a timeout and an
out-of-memory kill (status, X-Amz-Function-Error, payload, log lines, REPORT line). Sources: the Lambda developer
guide's Node.js pages (handler styles, context, logging format, error shape) and the runtime interface client's
own code (aws-lambda-ric: error documents, Runtime.* error names)."""
from __future__ import annotations

import re

import pytest

from harness.deploy.package import build_zip

from .apikit import UUID, Kit
from .runtimekit import create, fixture_zip, invoke, node20, node24  # noqa: F401 (fixtures)

pytestmark = pytest.mark.functional
REPORT = re.compile(r"^REPORT RequestId: (\S+)\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: (\d+) MB"
                    r"\tMax Memory Used: (\d+) MB(.*)$")
CONSOLE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(\S+)\t(INFO|ERROR|WARN|DEBUG|TRACE)\t(.*)$")


@pytest.fixture(scope="module")
def kit(clients):
    made = Kit(clients, "node")
    yield made
    made.teardown()


@pytest.fixture(scope="module")
def probe(kit, node20):
    """One function per handler of tests/fixtures/functions/node-probe (created on first use)."""
    made: dict[str, str] = {}
    code = fixture_zip("node-probe")

    def get(handler: str, *, timeout: int = 3, memory: int = 256, runtime: str = node20) -> str:
        key = f"{runtime}-{handler}-{timeout}-{memory}"
        if key not in made:
            made[key] = create(kit, f"{len(made)}", runtime, code, handler=handler, timeout=timeout, memory=memory)
        return made[key]
    return get


def _report(lines: list[str]) -> re.Match[str]:
    found = [REPORT.match(line) for line in lines if line.startswith("REPORT ")]
    assert found and found[-1], lines
    return found[-1]


@pytest.mark.parametrize("handler, expected", [
    ("index.callback", {"style": "callback", "event": {"n": 1}}),
    ("index.asyncStyle", {"style": "async", "event": {"n": 1}}),
    ("index.promise", {"style": "promise"}),
])
def test_each_handler_style_answers(kit, probe, handler, expected):
    answer, payload, lines = invoke(kit, probe(handler), {"n": 1})
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert payload == expected
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST" and lines[-2] == f"END RequestId: {request_id}"
    report = _report(lines)
    assert report.group(1) == request_id and "Init Duration: " in report.group(4)  # the first call is a cold start
    assert "Status" not in report.group(4)


def test_es_module_handler_imports_the_runtime_sdk(kit, node20):
    name = create(kit, "esm", node20, fixture_zip("node-esm"))
    answer, payload, _ = invoke(kit, name)
    assert "FunctionError" not in answer
    assert payload == {"module": "esm", "client": "function", "remaining": True}


def test_type_module_package_json_makes_index_js_an_es_module(kit, node20, tmp_path):
    code = build_zip(tmp_path, {"package.json": '{"type": "module"}\n',
                                "index.js": "export const handler = async () => typeof require;\n"})
    _, payload, _ = invoke(kit, create(kit, "typemodule", node20, code))
    assert payload == "undefined"  # an ES module has no require


def test_context_and_the_provided_sdk(kit, probe):
    answer, payload, _ = invoke(kit, probe("index.remaining", timeout=5))
    assert 0 < payload["remaining"] <= 5000
    assert payload["requestId"] == answer["ResponseMetadata"]["RequestId"] and UUID.match(payload["requestId"])
    assert (payload["functionName"], payload["memory"], payload["waits"]) == (probe("index.remaining", timeout=5),
                                                                                "256", True)
    _, sdk, _ = invoke(kit, probe("index.sdk"))
    assert sdk == {"version": "3.1169.0", "region": kit.region}


def test_callback_waits_for_the_event_loop_unless_told_not_to(kit, probe):
    _, payload, lines = invoke(kit, probe("index.waits"), {"wait": True})
    assert payload == {"waited": True}
    assert any(line.endswith("\tINFO\ttimer fired") for line in lines)  # the answer waited for the timer
    _, payload, lines = invoke(kit, probe("index.waits"), {"wait": False})
    assert payload == {"waited": False}
    assert not any(line.endswith("timer fired") for line in lines)  # answered at once


def test_console_lines_carry_time_request_id_and_level(kit, probe):
    answer, payload, lines = invoke(kit, probe("index.logs"))
    request_id = answer["ResponseMetadata"]["RequestId"]
    said = [CONSOLE.match(line).groups() for line in lines if CONSOLE.match(line)]
    assert said == [(request_id, "INFO", "hello { a: 1 }"), (request_id, "ERROR", "bad news"),
                    (request_id, "WARN", "careful")]


@pytest.mark.parametrize("handler, error_type, message", [
    ("index.fails", "CustomError", "it broke"),
    ("index.callbackError", "TypeError", "wrong type"),
])
def test_function_error(kit, probe, handler, error_type, message):
    answer, payload, lines = invoke(kit, probe(handler))
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    assert set(payload) == {"errorType", "errorMessage", "trace"}
    assert (payload["errorType"], payload["errorMessage"]) == (error_type, message)
    assert payload["trace"][0] == f"{error_type}: {message}"
    request_id = answer["ResponseMetadata"]["RequestId"]
    logged = next(CONSOLE.match(line) for line in lines if "Invoke Error" in line)
    assert logged.group(1, 2) == (request_id, "ERROR") and f'"errorMessage":"{message}"' in logged.group(3)
    assert "Status" not in _report(lines).group(4)  # a function error is not a runtime failure


@pytest.mark.parametrize("handler, error_type, message", [
    ("index.missing", "Runtime.HandlerNotFound", "index.missing is undefined or not exported"),
    ("index.notAFunction", "Runtime.HandlerNotFound", "index.notAFunction is not a function"),
    ("broken.handler", "Runtime.ImportModuleError",
     "Error: Cannot find module 'not-shipped-anywhere'"),
])
def test_init_errors(kit, probe, handler, error_type, message):
    answer, payload, lines = invoke(kit, probe(handler))
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    assert payload["errorType"] == error_type and payload["errorMessage"].startswith(message)
    assert isinstance(payload["trace"], list)
    assert _report(lines).group(4).endswith(f"\tStatus: error\tError Type: {error_type}\t")


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_timeout(kit, probe):
    answer, payload, lines = invoke(kit, probe("index.sleeps", timeout=1))
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    assert payload == {"errorType": "Sandbox.Timedout",
                       "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"}
    assert any(re.match(rf"^\d{{4}}-\S+Z {request_id} Task timed out after 1.00 seconds$", line) for line in lines)
    assert _report(lines).group(4).endswith("\tStatus: timeout\t")


@pytest.mark.slow
def test_out_of_memory(kit, probe):
    answer, payload, lines = invoke(kit, probe("index.hogs", memory=128))
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    assert payload == {"errorType": "Runtime.OutOfMemory",
                       "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"}
    report = _report(lines)
    assert (report.group(2), report.group(3)) == ("128", "128")
    assert report.group(4).endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\t")


def test_nodejs24_refuses_callback_handlers_as_aws_does(kit, probe, node24):
    answer, payload, _ = invoke(kit, probe("index.callback", runtime=node24))
    assert answer["FunctionError"] == "Unhandled" and payload["errorType"] == "Runtime.CallbackHandlerDeprecated"
    assert payload["errorMessage"].startswith(
        "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24.")
    _, payload, _ = invoke(kit, probe("index.asyncStyle", runtime=node24))
    assert payload == {"style": "async", "event": {}}


def test_layers_modules_are_on_node_path(kit, node20, tmp_path):
    lam = kit.clients("lambda")
    layer = lam.publish_layer_version(LayerName=f"{kit.prefix}mods", Content={"ZipFile": build_zip(tmp_path, {
        "nodejs/node_modules/greet/index.js": "module.exports = 'from a layer';\n",
        "nodejs/node20/node_modules/versioned/index.js": "module.exports = 'node20 folder';\n"})})
    try:
        code = build_zip(tmp_path, {"index.js": "exports.handler = async () => [require('greet'), "
                                                "require('versioned')];\n"})
        name = create(kit, "layered", node20, code, layers=[layer["LayerVersionArn"]])
        _, payload, _ = invoke(kit, name)
        assert payload == ["from a layer", "node20 folder"]
    finally:
        lam.delete_layer_version(LayerName=f"{kit.prefix}mods", VersionNumber=layer["Version"])
