"""Gateway error values, the one renderer, and execution-log formatting."""
from __future__ import annotations

import re

import json

from harness.emulator.gateway import gateway_responses
from harness.emulator.gateway.execution_log import ExecutionLog, body_text, java_date, java_map, request_time, truncate


def test_500_body_is_exactly_36_bytes():
    answer = gateway_responses.render(gateway_responses.invalid_permissions(), "rid", "ext")
    assert answer.body == b'{"message": "Internal server error"}'
    assert len(answer.body) == 36
    assert answer.status == 500


def test_rendered_headers():
    answer = gateway_responses.render(gateway_responses.missing_authentication_token(), "rid-1", "ext-1")
    assert answer.header("Content-Type") == "application/json"
    assert answer.header("x-amzn-RequestId") == "rid-1"
    assert answer.header("x-amz-apigw-id") == "ext-1"
    assert answer.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert answer.status == 403 and json.loads(answer.body) == {"message": "Missing Authentication Token"}


def test_error_table():
    ise, ise_type = "Internal server error", "InternalServerErrorException"
    config = "Execution failed due to configuration error: "
    table = {
        gateway_responses.api_not_found("zz"): (
            404, "The API id 'zz' does not correspond to a deployed API Gateway API", "NotFoundException", ()),
        gateway_responses.stage_not_found(): (403, "Forbidden", "ForbiddenException", ()),
        gateway_responses.invalid_permissions(): (
            500, ise, ise_type, (config + "Invalid permissions on Lambda function",)),
        gateway_responses.integration_method_not_post(): (
            500, ise, ise_type, ("Lambda invocation failed with status: 403", config)),
        gateway_responses.lambda_refused(429, "Rate Exceeded."): (
            500, ise, ise_type, ("Lambda invocation failed with status: 429", config + "Rate Exceeded.")),
        gateway_responses.customer_function_error("boom", "lr-1"): (
            502, ise, ise_type,
            ("Lambda execution failed with status 200 due to customer function error: boom. Lambda request id: lr-1",)),
        gateway_responses.malformed_proxy_response(): (
            502, ise, ise_type, (config + "Malformed Lambda proxy response",)),
        gateway_responses.endpoint_timeout(): (
            504, "Endpoint request timed out", ise_type, ("Execution failed due to a timeout error",)),
    }
    for err, (status, message, kind, lines) in table.items():
        assert (err.status, err.message, err.error_type, err.log_lines) == (status, message, kind, lines)


def test_function_not_found_names_the_function():
    err = gateway_responses.function_not_found("arn:aws:lambda:us-east-1:1:function:gone")
    assert err.status == 500
    assert err.log_lines == ("Function not found: arn:aws:lambda:us-east-1:1:function:gone",
                             "Execution failed due to configuration error: Invalid permissions on Lambda function")


def test_unsupported_integration_says_so():
    err = gateway_responses.unsupported_integration("VPC_LINK")
    assert err.status == 500 and "VPC_LINK is not supported by this emulator" in err.log_lines[0]


def test_execution_log_prefixes():
    log = ExecutionLog()
    log.add("Starting execution for request: r1")
    log.extend(["a", "b"])
    assert [m for _, m in log.cloudwatch_lines("r1")] == [
        "(r1) Starting execution for request: r1", "(r1) a", "(r1) b"]
    text = log.test_invoke_text("r1")
    assert text.startswith("Execution log for request r1\n")
    assert text.splitlines()[1].endswith(" : Starting execution for request: r1")


def test_formats():
    assert java_date(1583349317000) == "Wed Mar 04 19:15:17 UTC 2020"
    assert request_time(1583349317000) == "04/Mar/2020:19:15:17 +0000"
    assert java_map({}) == "{}" and java_map(None) == "{}"
    assert java_map({"a": 1, "b": "x"}) == "{a=1, b=x}"
    assert truncate("x" * 1001).endswith(" [TRUNCATED]") and truncate("x" * 1000) == "x" * 1000
    assert body_text(b"\xffok") == "\ufffdok" and body_text(None) == ""
    assert body_text(b"y" * 10000).endswith(" [TRUNCATED]")


def test_deferred_execution_log_lines_are_made_when_read_in_their_place() -> None:
    log = ExecutionLog()
    calls = []
    log.add("first")
    log.defer(lambda: calls.append(1) or ["second", "third"])
    log.add("fourth")
    assert calls == [] and log
    assert log.messages() == ["first", "second", "third", "fourth"]
    assert not ExecutionLog()


def test_ids_have_the_shapes_aws_uses() -> None:
    from uuid import UUID

    from harness.emulator import ids
    from harness.emulator.gateway.chain import extended_request_id, trace_id

    drawn = {ids.request_id() for _ in range(1000)}
    assert len(drawn) == 1000 and all(UUID(u).version == 4 and str(UUID(u)) == u for u in drawn)
    assert all(len(ids.random_hex(24)) == 24 and int(ids.random_hex(24), 16) >= 0 for _ in range(100))
    assert len(extended_request_id()) == 16
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", trace_id(None))
