"""aws-behaviors.md, row by row, end to end: real HTTP through the embedded stack's gateway into real workers.

One REST API (`world`) is built for the module with purpose-built functions behind its resources:
    /echo ANY              gateway_probe (echoes the event; `?action=` makes it raise, sleep, exit, misbehave)
    /items/{id} GET        gateway_probe
    /files/{proxy+} ANY    gateway_probe
    /verbs GET             gateway_probe
    /slow ANY              gateway_probe, integration timeoutInMillis 500
    /get-method ANY        gateway_probe, integrationHttpMethod GET
    /no-permission ANY     a function without any resource policy
    /wrong-permission ANY  a function whose permission names another resource path
    /throttled ANY         a function with reserved concurrency 0
    /one ANY               gateway_probe copy with reserved concurrency 1
    /get-only ANY          gateway_probe copy allowed only for `prod/GET/get-only`
    /import ANY            a function whose module imports the missing package `x`
Stages: `prod`, and `vars` (same deployment, stage variables). binaryMediaTypes: image/png, application/octet-stream.
DynamoDB rows go through the tutorial's own handler (`tutorial_stack`, read-only use).

Every row runs twice: `world` and `tutorial_api` are parametrized over the function's runtime, python3.12 (the
fixtures above; handler/) and nodejs20.x (their Node.js twins `<fixture>_node`; handler-node/). Where AWS answers
otherwise for Node.js (the error payloads: `{"errorType", "errorMessage", "trace"}`, Node's module-not-found
wording; the Node SDK v3 that does no client-side validation; handler-node's bare-message 400), the test pins
Node's answer beside Python's and names its source.
"""
from __future__ import annotations

import base64
import dataclasses
import http.client
import json
import re
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.deploy import StackSettings, deploy, destroy

from harness.targets import embedded

from .apikit import UUID, Kit, execution_log, follows, function_log, json_body
from .runtimekit import node20  # noqa: F401 (fixture)

pytestmark = [pytest.mark.functional, pytest.mark.xdist_group("aws_behaviors")]  # one module API per run

ROOT = Path(__file__).resolve().parents[2]
ISE = b'{"message": "Internal server error"}'
PNG = b"\x89PNG\r\n\x1a\n\x00\x01\x02\xfe\xff"  # what gateway_probe's `binary` shape encodes
INVALID_PERMISSIONS = "Execution failed due to configuration error: Invalid permissions on Lambda function"
MALFORMED = "Execution failed due to configuration error: Malformed Lambda proxy response"
CUSTOMER_ERROR = re.compile(
    r"^Lambda execution failed with status 200 due to customer function error: (?P<message>.*)\. "
    r"Lambda request id: (?P<id>[0-9a-f-]{36})$", re.S)
EVENT_KEYS = {"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
              "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
              "isBase64Encoded"}
CONTEXT_KEYS = {"accountId", "apiId", "deploymentId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod",
                "identity", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId",
                "resourcePath", "stage"}
RUNTIMES = ("python3.12", "nodejs20.x")
PY_IMPORT_ERROR = "Unable to import module 'index': No module named 'x'"
# Node.js: the message of Node's own MODULE_NOT_FOUND error as Lambda's Node runtimes report it ("Error: Cannot find
# module 'index'\nRequire stack:\n- /var/runtime/index.mjs" in answers recorded on AWS, e.g. SAM CLI users' logs;
# aws-lambda-ric's Errors.js prefixes the error's name); the last entry is the runtime's own index.mjs, which
# is the cache's path here (docs/runtimes.md: paths in stack traces are not /var/runtime)
NODE_IMPORT_ERROR = re.compile(r"^Error: Cannot find module 'x'\nRequire stack:\n- /var/task/index\.js\n- /\S+/index\.mjs$")
FIXTURES = {"python3.12": {"gateway_probe": "gateway_probe", "import_x": "import_x"},
            "nodejs20.x": {"gateway_probe": "gateway_probe_node", "import_x": "import_x_node"}}
IDENTITY_KEYS = {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
                 "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent",
                 "userArn"}


@dataclass
class World:
    runtime: str
    kit: Kit
    api_id: str
    deployment_id: str
    resources: dict[str, str]
    functions: dict[str, dict[str, str]]
    http: requests.Session

    def url(self, path: str, stage: str = "prod") -> str:
        return self.kit.url(self.api_id, stage, path)

    def get(self, path: str, stage: str = "prod", **kw) -> requests.Response:
        return self.http.get(self.url(path, stage), timeout=30, **kw)

    def log(self, response: requests.Response, stage: str = "prod", **kw) -> list[str]:
        return execution_log(self.kit.clients, self.api_id, stage, response.headers["x-amzn-RequestId"], **kw)


def is_node(runtime: str) -> bool:
    return runtime.startswith("nodejs")


@pytest.fixture(scope="module", params=RUNTIMES)
def runtime(request) -> str:
    """The runtime of the module's functions; Node.js skips, saying why, where it cannot run here."""
    if is_node(request.param):
        request.getfixturevalue("node20")
    return request.param


@pytest.fixture(scope="module")
def world(clients, runtime):
    kit = Kit(clients, "ab" + ("n" if is_node(runtime) else ""))
    http = requests.Session()
    code = FIXTURES[runtime]
    try:
        fns = {
            "probe": kit.function("probe", code["gateway_probe"], timeout=1, runtime=runtime),
            "nogrant": kit.function("nogrant", code["gateway_probe"], runtime=runtime),
            "wrongarn": kit.function("wrongarn", code["gateway_probe"], runtime=runtime),
            "throttled": kit.function("throttled", code["gateway_probe"], reserved=0, runtime=runtime),
            "importx": kit.function("importx", code["import_x"], runtime=runtime),
            "one": kit.function("one", code["gateway_probe"], timeout=3, reserved=1, runtime=runtime),
            "getonly": kit.function("getonly", code["gateway_probe"], runtime=runtime),
        }
        api_id, root = kit.api("behaviors", ["image/png", "application/octet-stream"])
        probe = fns["probe"]
        res = {"root": root, "echo": kit.route(api_id, root, "echo", "ANY", probe)}
        res["items"] = kit.resource(api_id, root, "items")
        res["item"] = kit.route(api_id, res["items"], "{id}", "GET", probe)
        res["files"] = kit.resource(api_id, root, "files")
        res["proxy"] = kit.route(api_id, res["files"], "{proxy+}", "ANY", probe)
        res["verbs"] = kit.route(api_id, root, "verbs", "GET", probe)
        res["slow"] = kit.route(api_id, root, "slow", "ANY", probe, timeout_ms=500)
        res["get-method"] = kit.route(api_id, root, "get-method", "ANY", probe, integration_http_method="GET")
        res["no-permission"] = kit.route(api_id, root, "no-permission", "ANY", fns["nogrant"])
        res["wrong-permission"] = kit.route(api_id, root, "wrong-permission", "ANY", fns["wrongarn"])
        res["throttled"] = kit.route(api_id, root, "throttled", "ANY", fns["throttled"])
        res["import"] = kit.route(api_id, root, "import", "ANY", fns["importx"])
        res["one"] = kit.route(api_id, root, "one", "ANY", fns["one"])
        res["get-only"] = kit.route(api_id, root, "get-only", "ANY", fns["getonly"])
        kit.permit(probe, api_id)
        kit.permit(fns["wrongarn"], api_id, "*/*/elsewhere")  # the tutorial's pattern, another path
        kit.permit(fns["throttled"], api_id)
        kit.permit(fns["importx"], api_id)
        kit.permit(fns["one"], api_id)
        kit.permit(fns["getonly"], api_id, "prod/GET/get-only")
        deployment_id = kit.deploy(api_id, "prod")
        clients("apigateway").create_stage(restApiId=api_id, stageName="vars", deploymentId=deployment_id,
                                           variables={"color": "blue", "size": "L"})
        yield World(runtime, kit, api_id, deployment_id, res, fns, http)
    finally:
        http.close()
        kit.teardown()


@pytest.fixture(scope="module")
def lam_once(stack_url):
    """A Lambda client that does not retry (a 429 must reach the test as it is)."""
    return boto3.client("lambda", endpoint_url=stack_url, region_name="us-west-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(retries={"total_max_attempts": 1}, read_timeout=30))


def assert_gateway_error(response: requests.Response, status: int, message: str, error_type: str) -> None:
    """Status, exact body and the gateway's headers of a gateway-generated error."""
    assert response.status_code == status, response.text
    assert response.content == json.dumps({"message": message}).encode()
    assert response.headers["Content-Type"] == "application/json"
    assert UUID.match(response.headers["x-amzn-RequestId"])
    assert len(response.headers["x-amz-apigw-id"]) == 16
    assert response.headers["x-amzn-ErrorType"] == error_type


def customer_error(lines: list[str]) -> re.Match[str]:
    """The `Lambda execution failed ... customer function error` line, which must precede the 502 line."""
    matches = [m for m in map(CUSTOMER_ERROR.match, lines) if m]
    assert len(matches) == 1, lines
    assert follows(lines, matches[0].group(0), "Method completed with status: 502"), lines
    return matches[0]


# ==== Gateway-generated errors ============================================================================

def test_no_resource_or_method_match_is_403_missing_authentication_token(world):
    for response in (world.get("nothing-here"), world.http.post(world.url("verbs"), timeout=10),
                     world.get("items"), world.get("")):
        assert_gateway_error(response, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
        assert world.log(response, timeout=0) == []  # no execution log for an unmatched route


def test_unknown_stage_is_403_forbidden(world):
    response = world.get("echo", stage="nostage")
    assert_gateway_error(response, 403, "Forbidden", "ForbiddenException")
    assert world.log(response, stage="nostage", timeout=0) == []


def test_unknown_api_id_is_404_naming_the_id(world):
    # AWS has no HTTP answer at all (no DNS name); the stack answers like LocalStack.
    response = world.http.get(world.kit.url("nosuchapi1", "prod", "echo"), timeout=10)
    assert_gateway_error(response, 404, "The API id 'nosuchapi1' does not correspond to a deployed API Gateway API",
                         "NotFoundException")


@pytest.mark.parametrize("path", ["no-permission", "wrong-permission"])
def test_no_or_wrong_invoke_permission_is_500_with_log_lines(world, path):
    response = world.get(path)
    assert_gateway_error(response, 500, "Internal server error", "InternalServerErrorException")
    assert len(response.content) == 36
    lines = world.log(response)
    assert follows(lines, INVALID_PERMISSIONS, "Method completed with status: 500"), lines
    assert lines[-1] == "Method completed with status: 500"


def test_adding_and_removing_a_permission_takes_effect_on_the_next_request(world):
    # the gateway remembers decisions per policy revision: AddPermission/RemovePermission must show at once
    lam, fn = world.kit.clients("lambda"), world.functions["nogrant"]
    assert world.get("no-permission").status_code == 500
    lam.add_permission(FunctionName=fn["name"], StatementId="late-grant", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{world.kit.region}:{world.kit.account}:{world.api_id}/*/*/*")
    try:
        assert world.get("no-permission").status_code == 200
    finally:
        lam.remove_permission(FunctionName=fn["name"], StatementId="late-grant")
    assert_gateway_error(world.get("no-permission"), 500, "Internal server error", "InternalServerErrorException")


def test_permission_is_checked_against_the_requests_own_stage_verb_and_path(world):
    # source ARN arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{resourcePath}; allowed: prod/GET/get-only
    assert world.get("get-only").status_code == 200
    for response, stage in ((world.http.post(world.url("get-only"), timeout=10), "prod"), (world.get("get-only", "vars"), "vars")):
        assert_gateway_error(response, 500, "Internal server error", "InternalServerErrorException")
        assert follows(world.log(response, stage=stage), INVALID_PERMISSIONS, "Method completed with status: 500")


def test_integration_method_not_post_is_500_and_the_client_never_sees_the_xml(world):
    response = world.get("get-method")
    assert_gateway_error(response, 500, "Internal server error", "InternalServerErrorException")
    lines = world.log(response)
    assert ("Endpoint response body before transformations: <AccessDeniedException><Message>Unable to determine "
            "service/operation name to be authorized</Message></AccessDeniedException>") in lines
    assert follows(lines, "Lambda invocation failed with status: 403", "Execution failed due to configuration error: ",
                   "Method completed with status: 500"), lines


def test_throttled_function_is_500_with_rate_exceeded(world):
    response = world.get("throttled")
    # the table leaves x-amzn-ErrorType open for this row; the stack sends the 500's usual type
    assert_gateway_error(response, 500, "Internal server error", "InternalServerErrorException")
    lines = world.log(response)
    assert follows(lines, "Lambda invocation failed with status: 429",
                   "Execution failed due to configuration error: Rate Exceeded.",
                   "Method completed with status: 500"), lines


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_reserved_concurrency_exhausted_by_a_request_in_flight_is_500_rate_exceeded(world, stack_url, lam_once):
    fn = world.functions["one"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        busy = pool.submit(world.get, "one", params={"action": "sleep", "seconds": "1"})
        deadline = time.monotonic() + 5
        while requests.get(f"{stack_url}/_harness/health", timeout=5).json()["runtime"]["functions"].get(
                fn["arn"], {}).get("inflight") != 1:
            assert time.monotonic() < deadline and not busy.done(), "the first request never got in flight"
            time.sleep(0.01)
        throttled = world.get("one")
        with pytest.raises(ClientError) as refused:
            lam_once.invoke(FunctionName=fn["name"], Payload=b"{}")
        assert busy.result().status_code == 200
    assert_gateway_error(throttled, 500, "Internal server error", "InternalServerErrorException")
    assert follows(world.log(throttled), "Execution failed due to configuration error: Rate Exceeded.",
                   "Method completed with status: 500")
    assert refused.value.response["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
    assert world.get("one").status_code == 200  # free again


def test_function_raised_is_502_with_customer_function_error(world):
    response = world.get("echo", params={"action": "raise"})
    assert_gateway_error(response, 502, "Internal server error", "InternalServerErrorException")
    found = customer_error(world.log(response))
    assert found["message"] == "something bad"
    lines = function_log(world.kit.clients, world.functions["probe"]["name"],
                         contains=f"REPORT RequestId: {found['id']}")
    assert f"START RequestId: {found['id']} Version: $LATEST\n" in lines  # an event keeps its newline


def test_function_import_failure_is_502_with_customer_function_error(world):
    response = world.get("import")
    assert_gateway_error(response, 502, "Internal server error", "InternalServerErrorException")
    found = customer_error(world.log(response))
    if is_node(world.runtime):
        assert NODE_IMPORT_ERROR.match(found["message"]), found["message"]
    else:
        assert found["message"] == PY_IMPORT_ERROR
    assert UUID.match(found["id"])


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_function_timeout_is_502_with_customer_function_error(world):
    response = world.get("echo", params={"action": "sleep", "seconds": "3"})
    assert_gateway_error(response, 502, "Internal server error", "InternalServerErrorException")
    found = customer_error(world.log(response))
    assert found["message"] == f"RequestId: {found['id']} Error: Task timed out after 1.00 seconds"


@pytest.mark.parametrize("shape", ["extra_key", "status_not_numeric", "body_object", "bare_string", "multi_not_list"])
def test_malformed_proxy_response_is_502(world, shape):
    response = world.get("echo", params={"action": "shape", "name": shape})
    assert_gateway_error(response, 502, "Internal server error", "InternalServerErrorException")
    lines = world.log(response)
    assert follows(lines, MALFORMED, "Method completed with status: 502"), lines


def test_integration_over_its_timeout_is_504_endpoint_request_timed_out(world):
    # integration timeout 500 ms; the function (timeout 1 s) would end in Sandbox.Timedout, a 502, had the gateway
    # waited for it
    response = world.get("slow", params={"action": "sleep", "seconds": "3"})
    assert_gateway_error(response, 504, "Endpoint request timed out", "InternalServerErrorException")
    lines = world.log(response)
    assert follows(lines, "Execution failed due to a timeout error", "Method completed with status: 504"), lines


def test_body_over_10_mb_is_413_in_plain_text(world):
    response = world.http.post(world.url("echo"), data=b"x" * (10_485_760 + 1), timeout=60)
    assert response.status_code == 413
    assert response.content == b"HTTP content length exceeded 10485760 bytes."
    assert response.headers["Content-Type"] == "text/plain" and "x-amzn-ErrorType" not in response.headers


def _declare_body(url: str, length: int) -> tuple[str, dict[str, str], bytes]:
    """Send only a head declaring `length` body bytes; the answer (the body is never sent)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        conn.sendall(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {length}\r\n\r\n".encode())
        reader = conn.makefile("rb")
        status = reader.readline().decode().rstrip()
        headers = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.lower()] = value.strip()
        return status, headers, reader.read(int(headers.get("content-length", 0)))


def test_body_over_what_the_stack_reads_is_still_the_gateways_413(world):
    """A body over the HTTP front's 64 MB is not read; the gateway still answers AWS's 413 (and the connection
    closes, the body unread); any other service answers a JSON 413."""
    status, headers, body = _declare_body(world.url("echo"), 100 * 1024 * 1024)
    assert status.split(" ", 2)[1] == "413" and body == b"HTTP content length exceeded 10485760 bytes."
    assert headers["content-type"] == "text/plain" and headers["connection"] == "close"
    status, headers, body = _declare_body(world.kit.clients.endpoint.url + "/", 100 * 1024 * 1024)
    assert status.split(" ", 2)[1] == "413" and headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    assert "104857600 bytes is larger than the emulator takes" in json.loads(body)["message"]
    assert world.get("echo").status_code == 200  # the stack goes on


def test_body_of_7_mb_is_500_lambda_refuses_the_event(world):
    response = world.http.post(world.url("echo"), data=b"x" * 7_000_000, timeout=60)
    assert_gateway_error(response, 500, "Internal server error", "InternalServerErrorException")
    lines = world.log(response)
    assert follows(lines, "Lambda invocation failed with status: 413",
                   "Execution failed due to configuration error: "
                   "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
                   "Method completed with status: 500"), lines


def test_function_answer_over_6_mb_is_502_response_size_too_large(world):
    response = world.get("echo", params={"action": "big", "size": "6300000"})
    assert_gateway_error(response, 502, "Internal server error", "InternalServerErrorException")
    found = customer_error(world.log(response))
    assert found["message"] == "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
    fine = world.get("echo", params={"action": "big", "size": "5000000"})  # a fresh environment answers
    assert fine.status_code == 200 and len(fine.content) == 5_000_000


def test_stage_throttling_is_429_too_many_requests(world):
    apigw = world.kit.clients("apigateway")
    apigw.create_stage(restApiId=world.api_id, stageName="throttled", deploymentId=world.deployment_id)
    try:
        def limit(path: str, burst: int) -> None:
            apigw.update_stage(restApiId=world.api_id, stageName="throttled", patchOperations=[
                {"op": "replace", "path": f"{path}/throttling/burstLimit", "value": str(burst)},
                {"op": "replace", "path": f"{path}/throttling/rateLimit", "value": "0.01"}])

        limit("/*/*", 1)
        assert world.get("echo", stage="throttled").status_code == 200
        second = world.get("echo", stage="throttled")
        assert_gateway_error(second, 429, "Too Many Requests", "TooManyRequestsException")
        assert not world.log(second, stage="throttled", timeout=0.5)  # refused before any execution
        assert world.get("echo").status_code == 200  # another stage of the same API: not limited
        limit("/~1echo/ANY", 3)  # the method's own setting wins over the stage-wide one
        assert [world.get("echo", stage="throttled").status_code for _ in range(4)] == [200, 200, 200, 429]
    finally:
        apigw.delete_stage(restApiId=world.api_id, stageName="throttled")


def test_test_invoke_method_shows_the_permission_problem_in_its_log(world):
    apigw = world.kit.clients("apigateway")
    denied = apigw.test_invoke_method(restApiId=world.api_id, resourceId=world.resources["no-permission"],
                                      httpMethod="GET", pathWithQueryString="/no-permission")
    assert (denied["status"], denied["body"]) == (500, ISE.decode())
    assert denied["log"].startswith("Execution log for request ")
    log_lines = [line.split(" : ", 1)[1] for line in denied["log"].splitlines()[1:]]
    assert follows(log_lines, INVALID_PERMISSIONS, "Method completed with status: 500"), denied["log"]
    # the same console test on a granted method runs the function (stage test-invoke-stage, path without stage)
    granted = apigw.test_invoke_method(restApiId=world.api_id, resourceId=world.resources["echo"], httpMethod="GET",
                                       pathWithQueryString="/echo?via=console")
    assert granted["status"] == 200, granted["log"]
    event = json.loads(granted["body"])
    assert (event["requestContext"]["stage"], event["requestContext"]["path"]) == ("test-invoke-stage", "/echo")
    assert event["queryStringParameters"] == {"via": "console"}
    assert "Method completed with status: 200" in granted["log"]


# ==== Lambda function error payloads ========================================================================

def test_unhandled_exception_payload_and_function_error_header(world, lam_once):
    answer = lam_once.invoke(FunctionName=world.functions["probe"]["name"], Payload=b'{"action": "raise"}')
    assert answer["StatusCode"] == 200
    assert answer["FunctionError"] == "Unhandled"
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amz-function-error"] == "Unhandled"
    payload = json.loads(answer["Payload"].read())
    if is_node(world.runtime):
        # Lambda's Node.js error document (Lambda developer guide, "AWS Lambda function errors in Node.js"; aws-lambda-
        # ric Errors.js toRapidResponse): errorType is the error's name, trace its stack split into lines
        assert set(payload) == {"errorType", "errorMessage", "trace"}
        assert (payload["errorMessage"], payload["errorType"]) == ("something bad", "Error")
        assert payload["trace"][0] == "Error: something bad"
        # the frames name the local code folder, not /var/task (docs/runtimes.md)
        assert payload["trace"][1].startswith("    at exports.handler (") and "/index.js:" in payload["trace"][1]
        return
    assert set(payload) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert (payload["errorMessage"], payload["errorType"]) == ("something bad", "ValueError")
    assert payload["requestId"] == answer["ResponseMetadata"]["RequestId"]
    assert isinstance(payload["stackTrace"], list) and any("in handler" in f for f in payload["stackTrace"])


def test_import_failure_payload(world, lam_once):
    answer = lam_once.invoke(FunctionName=world.functions["importx"]["name"], Payload=b"{}")
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    payload = json.loads(answer["Payload"].read())
    if is_node(world.runtime):
        # Node.js: {"errorType": "Runtime.ImportModuleError", "errorMessage": "Error: Cannot find module ...",
        # "trace": ["Runtime.ImportModuleError: Error: Cannot find module 'x'", "Require stack:", ...]} (aws-lambda-ric
        # UserFunction.js wraps the MODULE_NOT_FOUND error in ImportModuleError; Errors.js shapes the document)
        assert set(payload) == {"errorType", "errorMessage", "trace"}
        assert payload["errorType"] == "Runtime.ImportModuleError"
        assert NODE_IMPORT_ERROR.match(payload["errorMessage"]), payload["errorMessage"]
        assert payload["trace"][:2] == ["Runtime.ImportModuleError: Error: Cannot find module 'x'", "Require stack:"]
        assert payload["trace"][2].startswith("- /") and payload["trace"][2].endswith("/index.js")  # local path
        return
    # requestId: awslambdaric reports an init failure with "" (the spec leaves the value open: "...")
    assert payload == {"errorMessage": PY_IMPORT_ERROR, "errorType": "Runtime.ImportModuleError", "requestId": "",
                       "stackTrace": []}


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_timeout_payload(world, lam_once):
    answer = lam_once.invoke(FunctionName=world.functions["probe"]["name"], Payload=b'{"action": "sleep", "seconds": 3}')
    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert json.loads(answer["Payload"].read()) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"}


def test_log_type_tail_is_the_last_4_kb_in_base64(world, lam_once):
    name = world.functions["probe"]["name"]
    answer = lam_once.invoke(FunctionName=name, LogType="Tail", Payload=b'{"action": "chatty", "lines": 100}')
    request_id = answer["ResponseMetadata"]["RequestId"]
    tail = base64.b64decode(answer["LogResult"])
    assert len(tail) == 4096  # 100 lines of 100 characters: far more than 4 KB
    text = tail.decode()
    assert text.endswith("\n") and text.splitlines()[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert "line 0099 " in text and "line 0000 " not in text and f"START RequestId: {request_id}" not in text
    lines = function_log(world.kit.clients, name, contains=f"REPORT RequestId: {request_id}")
    start = lines.index(f"START RequestId: {request_id} Version: $LATEST\n")  # events end with \n, as on AWS
    end = next(i for i, line in enumerate(lines) if line.startswith(f"REPORT RequestId: {request_id}"))
    assert "".join(lines[start:end + 1]).encode()[-4096:] == tail


def test_lambda_throttled_is_429_rate_exceeded(world, lam_once):
    with pytest.raises(ClientError) as refused:
        lam_once.invoke(FunctionName=world.functions["throttled"]["name"], Payload=b"{}")
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert (error["Error"]["Code"], error["Error"]["Message"]) == ("TooManyRequestsException", "Rate Exceeded.")


# ==== Proxy input event =====================================================================================

def test_event_has_every_top_level_and_request_context_field(world):
    before = int(time.time() * 1000)
    response = world.get("echo", headers={"User-Agent": "behaviors-test/1.0"})
    after = int(time.time() * 1000)
    assert response.status_code == 200, response.text
    event = json_body(response)
    assert set(event) == EVENT_KEYS
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/echo", "/echo", "GET")
    context = event["requestContext"]
    assert set(context) == CONTEXT_KEYS
    assert context["accountId"] == world.kit.account
    assert context["apiId"] == world.api_id
    assert context["deploymentId"] == world.deployment_id
    assert context["domainName"] == f"{world.api_id}.execute-api.us-west-1.amazonaws.com"
    assert context["domainPrefix"] == world.api_id
    assert context["extendedRequestId"] == response.headers["x-amz-apigw-id"]
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/prod/echo"
    assert context["protocol"] == "HTTP/1.1"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert before <= context["requestTimeEpoch"] <= after
    assert context["requestTime"] == time.strftime("%d/%b/%Y:%H:%M:%S +0000",
                                                   time.gmtime(context["requestTimeEpoch"] / 1000))
    assert (context["resourceId"], context["resourcePath"], context["stage"]) == (world.resources["echo"], "/echo", "prod")
    identity = context["identity"]
    assert set(identity) == IDENTITY_KEYS
    assert (identity["sourceIp"], identity["userAgent"]) == ("127.0.0.1", "behaviors-test/1.0")
    assert all(value is None for key, value in identity.items() if key not in ("sourceIp", "userAgent"))


def test_event_nulls_when_there_is_no_query_path_parameter_stage_variable_or_body(world):
    event = json_body(world.get("echo"))
    for key in ("queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False
    with_vars = json_body(world.get("echo", stage="vars"))
    assert with_vars["stageVariables"] == {"color": "blue", "size": "L"}
    assert with_vars["requestContext"]["stage"] == "vars" and with_vars["requestContext"]["path"] == "/vars/echo"


def test_event_query_string_repeats_plus_and_percent_2b(world):
    response = world.http.get(world.url("echo") + "?a=1&a=2&sp=x+y&plus=%2B&both=a+%2B+b&empty=", timeout=10)
    event = json_body(response)
    assert event["queryStringParameters"] == {"a": "2", "sp": "x y", "plus": "+", "both": "a + b", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "sp": ["x y"], "plus": ["+"],
                                                        "both": ["a + b"], "empty": [""]}


def test_event_header_case_is_preserved(world):
    parts = urlsplit(world.url("echo"))
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("GET", parts.path, skip_accept_encoding=True)
        connection.putheader("X-Custom-CaSe", "Value")
        connection.putheader("x-lower", "low")
        connection.putheader("X-Rep", "one")
        connection.putheader("X-Rep", "two")
        connection.endheaders()
        answer = connection.getresponse()
        event = json.loads(answer.read())
    finally:
        connection.close()
    assert answer.status == 200
    headers, multi = event["headers"], event["multiValueHeaders"]
    assert headers["X-Custom-CaSe"] == "Value" and "x-custom-case" not in headers
    assert headers["x-lower"] == "low" and "X-Lower" not in headers
    assert multi["X-Custom-CaSe"] == ["Value"]
    assert (headers["X-Rep"], multi["X-Rep"]) == ("two", ["one", "two"])


def test_event_body_is_base64_only_for_binary_media_types(world):
    raw = b"\x00\x01binary\xfe\xff"
    binary = json_body(world.http.post(world.url("echo"), data=raw, timeout=10,
                                       headers={"Content-Type": "application/octet-stream"}))
    assert (binary["body"], binary["isBase64Encoded"]) == (base64.b64encode(raw).decode(), True)
    png = json_body(world.http.post(world.url("echo"), data=PNG, timeout=10, headers={"Content-Type": "image/png"}))
    assert (png["body"], png["isBase64Encoded"]) == (base64.b64encode(PNG).decode(), True)
    text = json_body(world.http.post(world.url("echo"), data="héllo wörld".encode(), timeout=10,
                                     headers={"Content-Type": "text/plain; charset=utf-8"}))
    assert (text["body"], text["isBase64Encoded"]) == ("héllo wörld", False)
    as_json = json_body(world.http.post(world.url("echo"), json={"k": "v"}, timeout=10))
    assert (as_json["body"], as_json["isBase64Encoded"]) == ('{"k": "v"}', False)


# ==== Proxy output rules ==================================================================================

def shape(world, name: str, **headers: str) -> requests.Response:
    return world.get("echo", params={"action": "shape", "name": name}, headers=headers)


@pytest.mark.parametrize("name, status, body", [
    ("status_string", 201, b"created"),
    ("status_missing", 200, b"no status"),
    ("empty_object", 200, b""),
    ("headers_null", 200, b"ok"),
])
def test_proxy_output_accepted_shapes(world, name, status, body):
    response = shape(world, name)
    assert (response.status_code, response.content) == (status, body)
    assert response.headers["Content-Type"] == "application/json"
    assert UUID.match(response.headers["x-amzn-RequestId"])
    assert "x-amzn-ErrorType" not in response.headers


def test_proxy_output_header_in_both_maps_is_joined_multi_then_solo(world):
    response = shape(world, "merged_headers")
    assert response.status_code == 200
    assert response.raw.headers.getlist("X-Both") == ["multi, solo"]
    assert response.raw.headers.getlist("X-Single") == ["one"]
    assert response.raw.headers.getlist("X-Multi") == ["m1", "m2"]


def test_proxy_output_boolean_header_values_are_true_false(world):
    response = shape(world, "booleans")
    assert (response.headers["X-True"], response.headers["X-False"]) == ("true", "false")
    assert response.raw.headers.getlist("X-Multi-Bool") == ["true", "false"]


def test_proxy_output_content_type_defaults_to_application_json(world):
    assert shape(world, "no_content_type").headers["Content-Type"] == "application/json"
    assert shape(world, "own_content_type").headers["Content-Type"] == "text/plain"


@pytest.mark.parametrize("accept, decoded", [
    ("image/png", True),
    ("image/png, text/html", True),
    ("text/html, image/png", False),  # only the FIRST Accept value counts
    ("text/html", False),
])
def test_proxy_output_base64_body_decoded_only_when_accept_matches_binary_media_types(world, accept, decoded):
    response = shape(world, "binary", Accept=accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content == (PNG if decoded else base64.b64encode(PNG))


# ==== Routing =============================================================================================

def test_any_matches_every_verb(world):
    for verb in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        response = world.http.request(verb, world.url("echo"), timeout=10)
        assert response.status_code == 200, (verb, response.text)
        assert json_body(response)["httpMethod"] == verb
    head = world.http.head(world.url("echo"), timeout=10)
    assert head.status_code == 200 and head.content == b"" and UUID.match(head.headers["x-amzn-RequestId"])


def test_path_parameter(world):
    event = json_body(world.get("items/42"))
    assert (event["resource"], event["path"], event["pathParameters"]) == ("/items/{id}", "/items/42", {"id": "42"})
    assert event["requestContext"]["resourceId"] == world.resources["item"]
    for response in (world.http.post(world.url("items/42"), timeout=10), world.get("items/42/more")):
        assert_gateway_error(response, 403, "Missing Authentication Token", "MissingAuthenticationTokenException")


def test_greedy_proxy_path_parameter(world):
    event = json_body(world.get("files/a/b/c.txt"))
    assert (event["resource"], event["pathParameters"]) == ("/files/{proxy+}", {"proxy": "a/b/c.txt"})
    one = json_body(world.http.delete(world.url("files/x"), timeout=10))
    assert (one["httpMethod"], one["pathParameters"]) == ("DELETE", {"proxy": "x"})
    assert_gateway_error(world.get("files"), 403, "Missing Authentication Token", "MissingAuthenticationTokenException")


def test_trailing_slash_is_ignored(world):
    response = world.get("echo/")
    assert response.status_code == 200
    event = json_body(response)
    assert (event["resource"], event["path"]) == ("/echo", "/echo/")
    assert json_body(world.get("items/7/"))["pathParameters"] == {"id": "7"}


def test_data_plane_serves_the_deployed_snapshot_not_the_live_tree(world):
    apigw, kit = world.kit.clients("apigateway"), world.kit
    late = kit.route(world.api_id, world.resources["root"], f"late{uuid.uuid4().hex[:6]}", "GET",
                     world.functions["probe"])
    path = next(r["path"] for r in apigw.get_resources(restApiId=world.api_id, limit=500)["items"] if r["id"] == late)
    stage = f"snap{uuid.uuid4().hex[:6]}"
    assert_gateway_error(world.get(path), 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
    kit.deploy(world.api_id, stage)
    assert json_body(world.get(path, stage=stage))["resource"] == path
    assert_gateway_error(world.get(path), 403, "Missing Authentication Token", "MissingAuthenticationTokenException")
    apigw.delete_resource(restApiId=world.api_id, resourceId=late)  # the live tree changes, the snapshot does not
    assert world.get(path, stage=stage).status_code == 200


# ==== DynamoDB errors through the tutorial's handler over HTTP =============================================

@dataclass(frozen=True)
class TutorialApi:
    """The tutorial's API with its function in `runtime`: handler/ (python3.12) or handler-node/ (nodejs20.x)."""

    runtime: str
    http: requests.Session
    url: str
    table: str


@pytest.fixture(scope="module")
def tutorial_api(request, runtime, clients, stack_url):
    if not is_node(runtime):
        stack = request.getfixturevalue("tutorial_stack")
        with requests.Session() as session:
            yield TutorialApi(runtime, session, stack.invoke_url, stack.tables[0])
        return
    settings = dataclasses.replace(StackSettings(region="us-west-1"), code_dir=str(ROOT / "handler-node"),
                                   runtime=runtime).with_prefix(f"ab-node-{uuid.uuid4().hex[:6]}-")
    try:
        outputs = deploy(settings, clients, url_for=embedded.target(stack_url, "us-west-1").invoke_url)
        with requests.Session() as session:
            yield TutorialApi(runtime, session, outputs.invoke_url, outputs.tables[0])
    finally:
        destroy(settings, clients)


def dynamodb_error(response: requests.Response, code: str, message: str, runtime: str = "python3.12") -> None:
    """The handler's 400: DynamoDB's own code and message in `{"error", "message"}` (handler/); handler-node/
    answers as the tutorial's Node function does: the bare message (`body: err.message`, no code)."""
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert UUID.match(response.headers["x-amzn-RequestId"])
    assert "x-amzn-ErrorType" not in response.headers  # the function answered; not a gateway error
    if is_node(runtime):
        assert response.text == message
    else:
        assert json_body(response) == {"error": code, "message": message}


def test_dynamodb_table_missing(tutorial_api):
    http, url, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.runtime
    dynamodb_error(http.get(url, params={"TableName": "no-such-table"}, timeout=30),
                   "ResourceNotFoundException", "Requested resource not found", runtime)
    dynamodb_error(http.post(url, json={"TableName": "no-such-table", "Item": {"id": "1"}}, timeout=30),
                   "ResourceNotFoundException", "Requested resource not found", runtime)


def test_dynamodb_describe_and_delete_of_a_missing_table(clients):
    dynamodb = clients("dynamodb")
    with pytest.raises(ClientError) as described:
        dynamodb.describe_table(TableName="no-such-table")
    assert described.value.response["Error"] == {
        "Code": "ResourceNotFoundException", "Message": "Requested resource not found: Table: no-such-table not found"}
    with pytest.raises(ClientError) as deleted:
        dynamodb.delete_table(TableName="no-such-table")
    assert deleted.value.response["Error"] == {
        "Code": "ResourceNotFoundException", "Message": "Requested resource not found: Table: no-such-table not found"}


def test_dynamodb_put_item_key_of_wrong_type(tutorial_api):
    http, url, table, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.table, tutorial_api.runtime
    dynamodb_error(http.post(url, json={"TableName": table, "Item": {"id": 1}}, timeout=30), "ValidationException",
                   "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N", runtime)


def test_dynamodb_put_item_key_missing(tutorial_api):
    http, url, table, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.table, tutorial_api.runtime
    dynamodb_error(http.post(url, json={"TableName": table, "Item": {"text": "no id"}}, timeout=30),
                   "ValidationException", "One or more parameter values were invalid: Missing the key id in the item", runtime)


@pytest.mark.parametrize("key", [{"nope": "1"}, {"id": "1", "extra": "2"}, {"id": 1}, {}])
def test_dynamodb_delete_item_with_a_key_that_does_not_match_the_schema(tutorial_api, key):
    # missing, extra and mistyped attributes alike; moto alone deletes nothing and answers 200 for the mistyped
    # key and "Validation Exception" for the empty one: the stack's front checks keys first
    # (dynamodb_values.key_problem)
    http, url, table, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.table, tutorial_api.runtime
    dynamodb_error(http.delete(url, json={"TableName": table, "Key": key}, timeout=30),
                   "ValidationException", "The provided key element does not match the schema", runtime)


@pytest.mark.parametrize("key", [{"nope": "1"}, {"id": 1}])
def test_dynamodb_update_item_with_a_key_that_does_not_match_the_schema(tutorial_api, key):
    http, url, table, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.table, tutorial_api.runtime
    dynamodb_error(http.put(url, json={"TableName": table, "Key": key, "UpdateExpression": "SET a = :a",
                                       "ExpressionAttributeValues": {":a": 1}}, timeout=30),
                   "ValidationException", "The provided key element does not match the schema", runtime)


def test_dynamodb_empty_string_key(tutorial_api):
    http, url, table, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.table, tutorial_api.runtime
    # moto alone words the PutItem answer its own way and accepts the empty key on Delete and Update: the stack's
    # front checks keys first (dynamodb_values)
    aws_wording = ("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
                   "an empty string value. Key: id")
    dynamodb_error(http.post(url, json={"TableName": table, "Item": {"id": ""}}, timeout=30), "ValidationException",
                   aws_wording, runtime)
    dynamodb_error(http.delete(url, json={"TableName": table, "Key": {"id": ""}}, timeout=30), "ValidationException",
                   aws_wording, runtime)
    dynamodb_error(http.put(url, json={"TableName": table, "Key": {"id": ""}, "UpdateExpression": "SET a = :a",
                                       "ExpressionAttributeValues": {":a": 1}}, timeout=30), "ValidationException",
                   aws_wording, runtime)


def test_dynamodb_item_over_400_kb(tutorial_api):
    http, url, table, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.table, tutorial_api.runtime
    item = {"id": f"big-{uuid.uuid4().hex[:8]}", "text": "x" * (401 * 1024)}
    dynamodb_error(http.post(url, json={"TableName": table, "Item": item}, timeout=30),
                   "ValidationException", "Item size has exceeded the maximum allowed size", runtime)


def test_client_side_param_validation_errors(tutorial_api):
    http, url, table, runtime = tutorial_api.http, tutorial_api.url, tutorial_api.table, tutorial_api.runtime
    if is_node(runtime):
        # The Node SDK handler-node uses (AWS SDK for JavaScript v3, lib-dynamodb) validates nothing on the client
        # (aws-sdk-js-v3 UPGRADING.md, `paramValidation`: "SDK does not do validation on client-side at runtime"),
        # so the table's "UnexpectedParameter: Unexpected key '0' found in params" (the SDK v2's ParamValidator) is
        # not what a nodejs18.x+ function sees. The string Key is marshalled as a map of its characters
        # ({"0": {"S": "{"}, "1": ...}: the same key '0'), which DynamoDB refuses as a key of the wrong shape; the
        # missing TableName reaches DynamoDB, whose request validation answers (DynamoDB API reference, Common
        # Errors: ValidationException; the wording as the stack's front gives it, compared with DynamoDB Local)
        dynamodb_error(http.delete(url, json={"TableName": table, "Key": '{"id": "1"}'}, timeout=30),
                       "ValidationException", "The provided key element does not match the schema", runtime)
        dynamodb_error(http.post(url, json={"Item": {"id": "1"}}, timeout=30), "ValidationException",
                       "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member "
                       "must not be null", runtime)
        return
    dynamodb_error(http.delete(url, json={"TableName": table, "Key": '{"id": "1"}'}, timeout=30), "ParamValidationError",
                   'Parameter validation failed:\nInvalid type for parameter Key, value: {"id": "1"}, '
                   "type: <class 'str'>, valid types: <class 'dict'>", runtime)
    dynamodb_error(http.post(url, json={"Item": {"id": "1"}}, timeout=30), "ParamValidationError",
                   'Parameter validation failed:\nMissing required parameter in input: "TableName"', runtime)


# ==== the same rows expressed as scenario `stack` overrides (harness.deploy) ================================

@pytest.mark.slow  # six deployments per runtime: > 0.9 s
def test_stack_overrides_express_the_gateway_error_rows(clients, runtime):
    """What scenario authors write (`with_overrides`) reaches the same rows; each redeploy updates in place.
    On nodejs20.x the stack is handler-node's and the broken code is JavaScript."""
    base = StackSettings(region="us-west-1")
    if is_node(runtime):
        base = dataclasses.replace(base, code_dir=str(ROOT / "handler-node"), runtime=runtime)
        broken = ({"index.js": "require('x');\n"},
                  "Lambda execution failed with status 200 due to customer function error: Error: Cannot find module "
                  "'x'\nRequire stack:\n- /var/task/index.js\n- ")
        slow = {"index.js": "exports.handler = async () => { await new Promise((r) => setTimeout(r, 800)); };\n"}
    else:
        broken = ({"index.py": "import x\n"},
                  "Lambda execution failed with status 200 due to customer function error: Unable to import module "
                  "'index': No module named 'x'. Lambda request id: ")
        slow = {"index.py": "import time\n\ndef handler(event, context):\n    time.sleep(0.8)\n"}
    base = base.with_prefix(f"t-ov-{uuid.uuid4().hex[:6]}-")
    steps = [
        ({"permission": "none"}, 500, INVALID_PERMISSIONS),
        ({"permission": "tutorial", "integration_http_method": "GET"}, 500, "Lambda invocation failed with status: 403"),
        ({"reserved_concurrency": 0}, 500, "Execution failed due to configuration error: Rate Exceeded."),
        ({"code_files": broken[0]}, 502, broken[1]),
        ({"code_files": slow, "integration_timeout_ms": 300}, 504, "Execution failed due to a timeout error"),
        ({}, 200, "Successfully completed execution"),
    ]
    try:
        for overrides, status, line in steps:
            outputs = deploy(base.with_overrides(overrides), clients)
            response = requests.get(outputs.invoke_url, params={"TableName": outputs.tables[0]}, timeout=30)
            assert response.status_code == status, (overrides, response.text)
            lines = execution_log(clients, outputs.api_id, outputs.stage, response.headers["x-amzn-RequestId"])
            assert any(entry.startswith(line) for entry in lines), (overrides, lines)
            assert lines[-1] == f"Method completed with status: {status}", (overrides, lines)
    finally:
        destroy(base, clients)
