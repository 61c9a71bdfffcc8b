"""How a call moto fails on is answered (control/moto_changes/moto_failures.py).

The entity words follow AWS's own messages recorded in LocalStack's test_apigateway_api.snapshot.json
("Invalid Request Validator identifier specified", "Invalid Vpc Link identifier specified"); Lambda's generic
not-found message is recorded in test_lambda_api.snapshot.json ("The resource you requested does not exist.").
"""
from __future__ import annotations

import io

from harness.emulator.control.moto_changes.moto_failures import entity_words, moto_failed
from harness.emulator.front.exchange import Exchange


def _exchange(path: str, service: str, operation: str) -> Exchange:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.input": io.BytesIO(b""),
               "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{service}/aws4_request"}
    exchange = Exchange(environ, default_region="us-east-1", accounts=lambda key: "123456789012")
    exchange.operation = operation
    return exchange


def test_entity_words_from_the_operation():
    assert [entity_words(o) for o in ("GetRequestValidator", "UpdateVpcLink", "DeleteUsagePlanKey")] == [
        "Request Validator", "Vpc Link", "Usage Plan Key"]


def test_lookups_are_404_other_failures_400_in_each_services_words():
    missing = moto_failed(_exchange("/restapis/a/requestvalidators/x", "apigateway", "GetRequestValidator"),
                          KeyError("x"))
    assert missing is not None and (missing.status, missing.code, missing.message) == (
        404, "NotFoundException", "Invalid Request Validator identifier specified")
    unread = moto_failed(_exchange("/restapis/a", "apigateway", "PutRestApi"), ValueError("no body"))
    assert unread is not None and (unread.status, unread.code) == (400, "BadRequestException")
    assert "ValueError: no body" in unread.message
    gone = moto_failed(_exchange("/2015-03-31/functions/f/aliases/x", "lambda", "UpdateAlias"), KeyError("x"))
    assert gone is not None and (gone.status, gone.code, gone.message) == (
        404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert moto_failed(_exchange("/", "sqs", "SendMessage"), KeyError("x")) is None  # a service not checked


def test_the_other_checked_services_answer_in_their_codes():
    for service, lookup, other in (("iam", (404, "NoSuchEntity"), "InvalidParameterValue"),
                                   ("sts", (400, "ValidationError"), "InvalidParameterValue"),
                                   ("cloudformation", (400, "ValidationError"), "InvalidParameterValue"),
                                   ("logs", (400, "ResourceNotFoundException"), "InvalidParameterException"),
                                   ("cognito-idp", (400, "ResourceNotFoundException"), "InvalidParameterException")):
        missing = moto_failed(_exchange("/", service, "Any"), KeyError("x"))
        assert missing is not None and (missing.status, missing.code) == lookup
        unread = moto_failed(_exchange("/", service, "Any"), ValueError("'0' is not in list"))
        assert unread is not None and (unread.status, unread.code) == (400, other)
        assert unread.message == "Invalid request input: ValueError: '0' is not in list"
    for service in ("sqs", "apigateway", "lambda"):  # whichever service: moto lacks it, the stack says so
        lacking = moto_failed(_exchange("/", service, "Any"),
                              NotImplementedError("The x action has not been implemented"))
        assert lacking is not None and (lacking.status, lacking.code) == (501, "NotImplemented")
    assert lacking.message.endswith("NotImplementedError: The x action has not been implemented")
