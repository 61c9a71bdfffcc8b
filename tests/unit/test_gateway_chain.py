"""The Gateway facade end to end, over a fake control plane and a fake `submit` (ready futures)."""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.emulator.gateway.chain import Gateway, to_response
from harness.emulator.gateway.parse import execute_api_target
from tests.unit.test_gateway_support import (
    ACCOUNT,
    API,
    FN_ARN,
    REGION,
    URI,
    FakeSubmit,
    allow_statement,
    integration,
    make_request,
    resource,
    standard_control,
    throttled,
)

ISE = b'{"message": "Internal server error"}'
PERMISSION_LINE = "Execution failed due to configuration error: Invalid permissions on Lambda function"


def call(control, submit, path="/_aws/execute-api/abc123/prod/db-api", method="GET", **request_kwargs):
    ids = iter(f"req-{i}" for i in range(100))
    gw = Gateway(control=control, submit=submit, request_id_factory=lambda: next(ids))
    request = make_request(path, method, **request_kwargs)
    target = execute_api_target(request.path, request.host)
    assert target is not None
    return to_response(gw.answer(request, target))


def lines(control) -> list[str]:
    return [m.split(") ", 1)[1] for m in control.logged()]


# ---- success -------------------------------------------------------------------------------------------

def test_success_end_to_end():
    control = standard_control()
    submit = FakeSubmit({"statusCode": 201, "headers": {"X-App": "1"}, "body": '{"ok": true}'})
    response = call(control, submit, query="limit=5", headers=[("User-Agent", "curl/8")])
    assert response.status_code == 201
    assert response.get_data() == b'{"ok": true}'
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-App"] == "1"
    assert response.headers["x-amzn-RequestId"] == "req-0"
    assert response.headers["x-amz-apigw-id"]
    assert response.headers["X-Amzn-Trace-Id"].startswith("Root=1-")
    fn, payload = submit.calls[0]
    assert fn.arn == FN_ARN
    event = json.loads(payload)
    assert event["queryStringParameters"] == {"limit": "5"}
    assert event["requestContext"]["requestId"] == "req-0"
    assert event["requestContext"]["identity"]["userAgent"] == "curl/8"
    region, account, group, stream, written = control.log_writes[0]
    assert (region, account, group) == (REGION, ACCOUNT, f"API-Gateway-Execution-Logs_{API}/prod")
    assert stream and all(m.startswith("(req-0) ") for _, m in written)
    logged = lines(control)
    for expected in ("Starting execution for request: req-0", "HTTP Method: GET, Resource Path: /db-api",
                     "Method request path: {}", "Method request query string: {limit=5}",
                     f"Endpoint request URI: https://lambda.{REGION}.amazonaws.com/2015-03-31/functions/{FN_ARN}/invocations",
                     'Method response body after transformations: {"ok": true}',
                     "Successfully completed execution", "Method completed with status: 201"):
        assert expected in logged, expected
    assert logged[0].startswith("Extended Request Id: ")
    assert logged[1].startswith("Verifying Usage Plan for request: req-0")
    assert any(line.startswith("Received response. Status: 200, Integration latency: ") for line in logged)


def test_all_three_url_forms_and_trailing_slash():
    for path, host in (("/restapis/abc123/prod/_user_request_/db-api", "localhost"),
                       ("/prod/db-api/", "abc123.execute-api.localhost.localstack.cloud:4566"),
                       ("/_aws/execute-api/abc123/prod/db-api/", "localhost")):
        response = call(standard_control(), FakeSubmit(), path=path, host=host)
        assert response.status_code == 200, path


def test_path_parameters_and_raw_percent_encoded_path():
    control = standard_control(resource("/items/{id}", "GET"), statements=[allow_statement(None)])
    submit = FakeSubmit()
    gw = Gateway(control=control, submit=submit)
    request = make_request("/_aws/execute-api/abc123/prod/items/a%20b")
    request.environ["RAW_URI"] = "/_aws/execute-api/abc123/prod/items/a%20b?x=1"
    response = to_response(gw.answer(request, execute_api_target(request.path, request.host)))
    assert response.status_code == 200
    assert submit.event["path"] == "/items/a%20b"
    assert submit.event["pathParameters"] == {"id": "a%20b"}
    assert submit.event["resource"] == "/items/{id}"
    assert "Method request path: {id=a%20b}" in lines(control)


def test_router_compiled_once_per_deployment():
    control = standard_control()
    gw = Gateway(control=control, submit=FakeSubmit())
    for _ in range(3):
        request = make_request("/_aws/execute-api/abc123/prod/db-api")
        assert to_response(gw.answer(request, execute_api_target(request.path, None))).status_code == 200
    assert len(gw._routers._routers) == 1


def test_non_latin1_header_value_travels_as_utf8_bytes():
    response = call(standard_control(), FakeSubmit({"headers": {"X-Name": "\u4e2d\u00e9"}}))
    assert response.status_code == 200
    assert response.headers["X-Name"].encode("latin-1") == "\u4e2d\u00e9".encode("utf-8")


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                           max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.one_of(json_values, st.dictionaries(
           st.sampled_from(["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"]), json_values)),
       path=st.text(max_size=20), query=st.text(max_size=20))
def test_handle_never_raises(payload, path, query):
    control = standard_control(resource("/{proxy+}", "ANY"), statements=[allow_statement(None)])
    submit = FakeSubmit(json.dumps(payload).encode())
    gw = Gateway(control=control, submit=submit)
    request = make_request("/_aws/execute-api/abc123/prod/x", query=query)
    request.environ["RAW_URI"] = "/_aws/execute-api/abc123/prod/" + path
    response = to_response(gw.answer(request, execute_api_target(request.path, None)))
    assert response.status_code in range(100, 600)
    response.get_data()
    response.headers.to_wsgi_list()


# ---- errors before execution -------------------------------------------------------------------------

def test_unknown_api_404():
    control = standard_control()
    response = call(control, FakeSubmit(), path="/_aws/execute-api/nope/prod/db-api")
    assert response.status_code == 404
    assert response.get_json() == {"message": "The API id 'nope' does not correspond to a deployed API Gateway API"}
    assert response.headers["x-amzn-ErrorType"] == "NotFoundException"
    assert control.log_writes == []


def test_unknown_stage_403():
    for path in ("/_aws/execute-api/abc123/dev/db-api", "/_aws/execute-api/abc123"):
        response = call(standard_control(), FakeSubmit(), path=path)
        assert response.status_code == 403
        assert response.get_json() == {"message": "Forbidden"}
        assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_no_route_403_missing_authentication_token():
    control = standard_control()
    for path, method in (("/_aws/execute-api/abc123/prod/nope", "GET"), ("/_aws/execute-api/abc123/prod/db-api", "PATCH")):
        response = call(control, FakeSubmit(), path=path, method=method)
        assert response.status_code == 403
        assert response.get_json() == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert response.headers["x-amzn-RequestId"] and response.headers["x-amz-apigw-id"]
    assert control.log_writes == []


# ---- errors during execution ---------------------------------------------------------------------------

def assert_500(response):
    assert response.status_code == 500
    assert response.get_data() == ISE
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


def test_permission_for_other_path_is_500_invalid_permissions():
    other = allow_statement(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/*/*/other")
    control = standard_control(statements=[other])
    submit = FakeSubmit()
    response = call(control, submit)
    assert_500(response)
    assert submit.calls == []
    logged = lines(control)
    assert logged[-2:] == [PERMISSION_LINE, "Method completed with status: 500"]


def test_no_policy_is_500():
    control = standard_control(statements=[])
    assert_500(call(control, FakeSubmit()))
    assert PERMISSION_LINE in lines(control)


def test_wrong_api_in_permission_is_500():
    control = standard_control(statements=[allow_statement(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:zzz/*/*/db-api")])
    assert_500(call(control, FakeSubmit()))


def test_integration_method_not_post_is_500():
    control = standard_control(resource("/db-api", "GET", integ=integration(http_method="GET")))
    submit = FakeSubmit()
    response = call(control, submit)
    assert_500(response)
    assert b"AccessDeniedException" not in response.get_data()
    assert submit.calls == []
    logged = lines(control)
    assert logged[-3:] == ["Lambda invocation failed with status: 403",
                           "Execution failed due to configuration error: ",
                           "Method completed with status: 500"]
    assert any("<AccessDeniedException><Message>Unable to determine service/operation name to be authorized"
               in line for line in logged)


def test_throttled_is_500_rate_exceeded():
    control = standard_control()
    response = call(control, FakeSubmit(raises=throttled()))
    assert_500(response)
    logged = lines(control)
    assert logged[-2:] == ["Execution failed due to configuration error: Rate Exceeded.",
                           "Method completed with status: 500"]
    assert "Lambda invocation failed with status: 429" in logged


@pytest.mark.parametrize("payload, message", [
    ({"errorMessage": "division by zero", "errorType": "ZeroDivisionError", "stackTrace": []}, "division by zero"),
    ({"errorMessage": "Unable to import module 'index': No module named 'x'", "errorType": "Runtime.ImportModuleError",
      "requestId": "lambda-req-1", "stackTrace": []}, "Unable to import module 'index': No module named 'x'"),
    ({"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: lambda-req-1 Error: Task timed out after 3.00 seconds"},
     "RequestId: lambda-req-1 Error: Task timed out after 3.00 seconds"),
])
def test_function_error_is_502(payload, message):
    control = standard_control()
    response = call(control, FakeSubmit(payload, function_error="Unhandled"))
    assert response.status_code == 502
    assert response.get_data() == ISE
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert lines(control)[-2:] == [
        f"Lambda execution failed with status 200 due to customer function error: {message}. "
        "Lambda request id: lambda-req-1",
        "Method completed with status: 502",
    ]


def test_body_over_10_mb_is_413_in_plain_text_before_anything_else():
    control = standard_control(statements=[])  # no permission, no stage lookup: the size is checked first
    submit = FakeSubmit()
    response = call(control, submit, method="POST", body=b"x" * (10_485_760 + 1),
                    path="/_aws/execute-api/abc123/nostage/db-api")
    assert response.status_code == 413
    assert response.get_data() == b"HTTP content length exceeded 10485760 bytes."
    assert response.headers["Content-Type"] == "text/plain"
    assert "x-amzn-ErrorType" not in response.headers and response.headers["x-amzn-RequestId"] == "req-0"
    assert submit.calls == [] and control.log_writes == []


def test_body_of_7_mb_passes_the_gateway_but_lambda_refuses_the_event_500():
    control = standard_control()
    submit = FakeSubmit()
    response = call(control, submit, method="POST", body=b"x" * 7_000_000)
    assert_500(response)
    assert submit.calls == []
    message = "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    logged = lines(control)
    assert logged[-3:] == ["Lambda invocation failed with status: 413",
                           f"Execution failed due to configuration error: {message}",
                           "Method completed with status: 500"]
    assert any(line.startswith("Received response. Status: 413") for line in logged)


def test_body_just_under_the_event_limit_is_invoked():
    control = standard_control()
    submit = FakeSubmit({"statusCode": 200, "body": "ok"})
    response = call(control, submit, method="POST", body=b"x" * 5_000_000)
    assert response.status_code == 200 and len(submit.calls) == 1
    assert 5_000_000 < len(submit.calls[0][1]) <= 6_291_456


def test_malformed_is_502():
    control = standard_control()
    response = call(control, FakeSubmit({"statusCode": 200, "body": {"not": "a string"}}))
    assert (response.status_code, response.get_data()) == (502, ISE)
    assert lines(control)[-2:] == ["Execution failed due to configuration error: Malformed Lambda proxy response",
                                   "Method completed with status: 502"]


def test_integration_timeout_is_504_without_waiting_for_the_function():
    control = standard_control(resource("/db-api", "GET", integ=integration(timeout_ms=50)))
    started = time.monotonic()
    response = call(control, FakeSubmit(never=True))
    assert time.monotonic() - started < 2
    assert response.status_code == 504
    assert response.get_json() == {"message": "Endpoint request timed out"}
    assert lines(control)[-2:] == ["Execution failed due to a timeout error", "Method completed with status: 504"]


@pytest.mark.parametrize("kind,uri,named", [
    ("AWS", "arn:aws:apigateway:us-east-1:sqs:action/SendMessage", "sqs:action/SendMessage"),
    ("KAFKA", URI, "KAFKA"),
])
def test_integrations_the_emulator_does_not_run_are_500_saying_so(kind, uri, named):
    control = standard_control(resource("/db-api", "GET", integ=integration(uri, type=kind)))
    assert_500(call(control, FakeSubmit()))
    assert any(named in line and "is not supported by this emulator" in line for line in lines(control))


def test_a_mock_integration_answers_without_calling_anything():
    control = standard_control(resource("/db-api", "GET", integ=integration(type="MOCK")))
    submit = FakeSubmit()
    response = call(control, submit)
    # no integration response configured: AWS's configuration error
    assert response.status_code == 500
    assert any("No match for output mapping" in line for line in lines(control))


def test_missing_integration_is_500():
    control = standard_control(resource("/db-api", "GET", no_integration=True))
    assert_500(call(control, FakeSubmit()))
    assert "Execution failed due to configuration error: No integration defined for method" in lines(control)


def test_missing_function_is_500_naming_it():
    control = standard_control()
    control.functions.clear()
    submit = FakeSubmit()
    assert_500(call(control, submit))
    assert submit.calls == []
    assert lines(control)[-3:] == [f"Function not found: {FN_ARN}", PERMISSION_LINE, "Method completed with status: 500"]


def test_stage_variables_in_uri_and_qualifier():
    uri = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
           f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}:live/invocations")
    control = standard_control(resource("/db-api", "GET", integ=integration(uri)), variables={"fn": "db-fn"},
                               statements=[allow_statement(resource_arn=FN_ARN + ":live")])
    submit = FakeSubmit()
    response = call(control, submit)
    assert response.status_code == 200
    assert control.lookups[-1] == (FN_ARN, REGION, ACCOUNT, "live")
    assert submit.event["stageVariables"] == {"fn": "db-fn"}


def test_bare_function_name_in_uri():
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/db-fn/invocations"
    control = standard_control(resource("/db-api", "GET", integ=integration(uri)))
    assert call(control, FakeSubmit()).status_code == 200


def test_unexpected_exception_is_written_to_the_execution_log_then_raised():
    """An emulator failure is not answered here: the front's one catch-all answers it (test_front_chain.py)."""
    control = standard_control()

    def broken(*_, **__):
        raise RuntimeError("worker pool exploded")

    with pytest.raises(RuntimeError, match="worker pool exploded"):
        call(control, broken)
    assert any("worker pool exploded" in line and "internal error" in line for line in lines(control))
    assert lines(control)[-1] == "Method completed with status: 500"


def test_control_plane_failure_is_raised():
    control = standard_control()
    control.deployed_stage = lambda *_: (_ for _ in ()).throw(KeyError("moto"))  # type: ignore[method-assign]
    with pytest.raises(KeyError):
        call(control, FakeSubmit())


def test_failing_log_write_does_not_fail_the_request():
    control = standard_control()

    def refuse(*_):
        raise OSError("disk full")

    control.put_log_lines = refuse  # type: ignore[method-assign]
    assert call(control, FakeSubmit()).status_code == 200


# ---- TestInvokeMethod ------------------------------------------------------------------------------------

def test_invoke(control, submit, resource_path="/db-api", verb="GET", spec=None, resource_id=None):
    gw = Gateway(control=control, submit=submit, request_id_factory=lambda: "ti-1")
    rid = resource_id or next(r.id for r in control.live[API].resources if r.path == resource_path)
    request = make_request(f"/restapis/{API}/resources/{rid}/methods/{verb}", "POST",
                           body=json.dumps(spec or {}).encode(), headers=[("User-Agent", "aws-cli/2")])
    return gw.test_invoke(request, API, rid, verb)


test_invoke.__test__ = False  # a helper, not a test


def test_test_invoke_answer_shape():
    control = standard_control(resource("/items/{id}", "GET"), statements=[allow_statement(
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/test-invoke-stage/GET/items/{{id}}")])
    submit = FakeSubmit({"statusCode": 200, "body": "hello", "headers": {"X-A": "1"}})
    response = test_invoke(control, submit, "/items/{id}", spec={
        "pathWithQueryString": "/items/7?q=a+b", "body": "{}", "headers": {"X-H": "v"},
        "stageVariables": {"table": "t"}})
    assert response.status_code == 200
    doc = response.get_json()
    assert set(doc) == {"status", "body", "headers", "multiValueHeaders", "log", "latency"}
    assert doc["status"] == 200 and doc["body"] == "hello"
    assert doc["headers"]["X-A"] == "1" and doc["headers"]["Content-Type"] == "application/json"
    assert doc["multiValueHeaders"]["X-A"] == ["1"]
    assert "x-amzn-RequestId" not in doc["headers"]
    assert isinstance(doc["latency"], int)
    assert doc["log"].startswith("Execution log for request ti-1\n")
    assert " : Method completed with status: 200" in doc["log"]
    assert "Extended Request Id" not in doc["log"]
    event = submit.event
    assert event["pathParameters"] == {"id": "7"}
    assert event["queryStringParameters"] == {"q": "a b"}
    assert event["headers"] == {"X-H": "v"}
    assert event["stageVariables"] == {"table": "t"}
    assert event["requestContext"]["stage"] == "test-invoke-stage"
    assert event["requestContext"]["identity"]["userAgent"] == "aws-cli/2"
    assert control.log_writes == []


def test_test_invoke_without_headers_has_null_headers():
    submit = FakeSubmit()
    test_invoke(standard_control(), submit)
    assert submit.event["headers"] is None and submit.event["multiValueHeaders"] is None
    assert submit.event["path"] == "/db-api" and submit.event["body"] is None


def test_test_invoke_function_error_is_reported_in_the_answer():
    response = test_invoke(standard_control(), FakeSubmit({"errorMessage": "boom"}, function_error="Unhandled"))
    doc = response.get_json()
    assert response.status_code == 200
    assert doc["status"] == 502 and doc["body"] == '{"message": "Internal server error"}'
    assert ("Lambda execution failed with status 200 due to customer function error: boom. "
            "Lambda request id: lambda-req-1") in doc["log"]
    assert doc["log"].rstrip().endswith("Method completed with status: 502")


def test_test_invoke_permission_uses_test_invoke_stage():
    only_prod = allow_statement(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/*/db-api")
    doc = test_invoke(standard_control(statements=[only_prod]), FakeSubmit()).get_json()
    assert doc["status"] == 500 and PERMISSION_LINE in doc["log"]


def test_test_invoke_verb_on_any_method():
    control = standard_control(resource("/db-api", "ANY"))
    submit = FakeSubmit()
    doc = test_invoke(control, submit, verb="DELETE").get_json()
    assert doc["status"] == 200 and submit.event["httpMethod"] == "DELETE"
    assert "HTTP Method: DELETE, Resource Path: /db-api" in doc["log"]


def test_test_invoke_control_plane_errors():
    control = standard_control()
    response = test_invoke(control, FakeSubmit(), resource_id="nope")
    assert response.status_code == 404 and response.get_json() == {"message": "Invalid Resource identifier specified"}
    response = test_invoke(control, FakeSubmit(), verb="PUT")
    assert response.status_code == 404 and response.get_json() == {"message": "Invalid Method identifier specified"}
    gw = Gateway(control=control, submit=FakeSubmit())
    response = gw.test_invoke(make_request("/x", "POST", body=b"{}"), "nope", "r", "GET")
    assert response.status_code == 404 and response.headers["x-amzn-ErrorType"] == "NotFoundException"
    response = gw.test_invoke(make_request("/x", "POST", body=b"[1]"), API, "r", "GET")
    assert response.status_code == 400
