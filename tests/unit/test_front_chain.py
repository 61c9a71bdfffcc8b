"""The front's handler chain (front/): handler order, the one catch-all, the one failure renderer, the exchange."""
from __future__ import annotations

import io
import json
import logging
import threading
import xml.etree.ElementTree as ET

import pytest
from werkzeug.test import Client, EnvironBuilder

from harness.emulator.aws_errors import AwsError
from harness.emulator.front import exchange as protocols
from harness.emulator.front.exchange import Answer, Exchange, protocol_of
from harness.emulator.front.failures import answer_for, internal_failure
from harness.emulator.front.handler_chain import HandlerChain, write
from harness.emulator.front.handlers import ExecuteApi, refuse_unread_body
from harness.emulator.gateway.chain import Gateway
from tests.unit.test_gateway_support import standard_control

ACCOUNT = "123456789012"
SIGNED = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-2/{service}/aws4_request, SignedHeaders=host"


def environ(path: str = "/", method: str = "POST", body: bytes = b"", **headers: str) -> dict:
    return EnvironBuilder(path=path, method=method, data=body, headers=headers).get_environ()


def exchange(env: dict, accounts=lambda key: ACCOUNT) -> Exchange:
    return Exchange(env, default_region="us-east-1", accounts=accounts)


def chain(*request_handlers, response_handlers=()) -> HandlerChain:
    return HandlerChain(request_handlers, response_handlers, exchange)


def answering(status: int, body: bytes = b"{}"):
    def handler(ex: Exchange) -> None:
        ex.answer = Answer(status, [("Content-Type", "application/json")], body)
    return handler


# ---- order -----------------------------------------------------------------------------------------------

def test_request_handlers_run_in_order_until_one_answers_then_every_response_handler():
    seen: list[str] = []

    def passing(name):
        return lambda ex: seen.append(name)

    def answers(ex):
        seen.append("answers")
        answering(200, b"first")(ex)

    def response(name):
        def handler(ex):
            seen.append(name)
            ex.answer = ex.answer._replace(body=ex.answer.body + b"+" + name.encode())
        return handler

    front = chain(passing("a"), passing("b"), answers, passing("never"),
                  response_handlers=(response("r1"), response("r2")))
    answer = front.handle(exchange(environ()))
    assert seen == ["a", "b", "answers", "r1", "r2"]
    assert answer == Answer(200, [("Content-Type", "application/json")], b"first+r1+r2")


def test_no_handler_answering_is_a_logged_500(caplog):
    with caplog.at_level(logging.ERROR, logger="harness.emulator.front.handler_chain"):
        answer = chain(lambda ex: None).handle(exchange(environ("/nothing")))
    assert answer.status == 500 and json.loads(answer.body)["__type"] == "InternalFailure"
    assert any(record.exc_info for record in caplog.records)


def test_the_stack_assembles_its_handlers_in_the_documented_order():
    from harness.emulator.control import MotoApp
    from harness.emulator.control.moto_changes import serve_dynamodb
    from harness.emulator.front import handlers
    from harness.emulator.front.request_path import request_path
    from harness.emulator.stack_memory import StackMemory

    class Part:
        logs = type("Logs", (), {"touch": staticmethod(lambda: None)})()
        flush_logs = staticmethod(lambda: True)

    moto = MotoApp()
    front = request_path(control=Part(), runtime=Part(), gateway=Part(), memory=StackMemory(), moto=moto,
                         ready=threading.Event(), default_region="us-east-1")
    names = [getattr(h, "__name__", type(h).__name__) for h in front.request_handlers]
    assert names == ["RequestGuard", "MarkBusy", "InternalRoutes", "ExecuteApi", "refuse_unread_body",
                     "ModelValidation", "LambdaInvoke", "TestInvokeMethod", "TestInvokeAuthorizer", "serve_dynamodb",
                     "FlushLogs", "bare_latest", "prepare_cloudformation", "before", "MotoApp"]
    assert front.request_handlers[9] is serve_dynamodb and front.request_handlers[14] is moto
    assert isinstance(front.request_handlers[6], handlers.LambdaInvoke)
    assert [getattr(h, "__name__", "") for h in front.response_handlers] == [
        "after", "lambda_error_shape", "apigateway_error_words", "status_as_modelled", "strip_internal_cors"]


# ---- the one catch-all and the one renderer ----------------------------------------------------------------

def raising(error: Exception):
    def handler(ex: Exchange) -> None:
        raise error
    return handler


@pytest.mark.parametrize("service, target, check", [
    ("lambda", "", lambda a, d: d == {"Type": "User", "message": "no"} and a["x-amzn-ErrorType"] == "Nope"),
    ("dynamodb", "DynamoDB_20120810.GetItem",
     lambda a, d: d == {"__type": "com.amazonaws.dynamodb.v20120810#Nope", "message": "no"}
     and a["Content-Type"] == "application/x-amz-json-1.0"),
    ("apigateway", "", lambda a, d: d == {"message": "no"} and a["x-amzn-ErrorType"] == "Nope"
     and "x-amz-apigw-id" not in a),
    ("execute-api", "", lambda a, d: d == {"message": "no"} and "x-amz-apigw-id" in a),
    ("logs", "Logs_20140328.GetLogEvents", lambda a, d: d == {"__type": "Nope", "message": "no"}
     and a["Content-Type"] == "application/x-amz-json-1.1"),
])
def test_an_aws_error_is_answered_in_the_shape_of_the_service_asked(service, target, check):
    headers = {"Authorization": SIGNED.format(service=service)}
    if target:
        headers["X-Amz-Target"] = target
    response = Client(chain(raising(AwsError(409, "Nope", "no")))).post("/", headers=headers)
    assert response.status_code == 409
    assert response.headers["x-amzn-RequestId"]
    assert check(response.headers, response.get_json(force=True))
    assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_a_query_protocol_error_is_xml():
    response = Client(chain(raising(AwsError(400, "ValidationError", "a < b")))).post(
        "/", data="Action=GetRole&Version=2010-05-08", content_type="application/x-www-form-urlencoded")
    error = ET.fromstring(response.get_data()).find("Error")
    assert response.status_code == 400 and response.headers["Content-Type"] == "text/xml"
    assert (error.findtext("Type"), error.findtext("Code"), error.findtext("Message")) == \
        ("Sender", "ValidationError", "a < b")


@pytest.mark.parametrize("service, code", [("lambda", "ServiceException"), ("dynamodb", "InternalServerError"),
                                           ("iam", "InternalFailure"), ("logs", "InternalFailure")])
def test_an_unexpected_exception_is_a_500_in_the_services_words_logged_with_its_traceback(caplog, service, code):
    headers = {"Authorization": SIGNED.format(service=service)}
    with caplog.at_level(logging.ERROR, logger="harness.emulator.front.handler_chain"):
        response = Client(chain(raising(KeyError("bug")))).post("/x", headers=headers)
    assert response.status_code == 500
    assert code in response.headers.get("x-amzn-ErrorType", "") + response.get_data(as_text=True)
    assert any(record.exc_info and "bug" in str(record.exc_info[1]) for record in caplog.records)


def test_a_failing_response_handler_is_caught_too():
    answer = chain(answering(200), response_handlers=(raising(RuntimeError("after")),)).handle(exchange(environ()))
    assert answer.status == 500


def test_an_api_whose_gateway_fails_answers_api_gateways_500():
    def broken(*_, **__):
        raise RuntimeError("worker pool exploded")

    gateway = Gateway(control=standard_control(), submit=broken)
    response = Client(chain(ExecuteApi(gateway))).get("/_aws/execute-api/abc123/prod/db-api")
    assert response.status_code == 500
    assert response.get_data() == b'{"message": "Internal server error"}'
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert response.headers["x-amzn-RequestId"] and response.headers["x-amz-apigw-id"]


def test_a_body_the_front_did_not_read_is_413_in_the_services_shape():
    env = environ(**{"X-Amz-Target": "DynamoDB_20120810.PutItem"})
    env["harness.body_unread"], env["CONTENT_LENGTH"] = True, str(70 * 1024 * 1024)
    answer = chain(refuse_unread_body).handle(exchange(env))
    assert answer.status == 413
    assert json.loads(answer.body)["__type"] == "com.amazonaws.dynamodb.v20120810#RequestEntityTooLargeException"


def test_internal_failure_codes():
    assert internal_failure(protocols.LAMBDA).code == "ServiceException"
    assert internal_failure(protocols.DYNAMODB).code == "InternalServerError"
    assert internal_failure(protocols.JSON).code == "InternalFailure"
    answer = answer_for(internal_failure(protocols.EXECUTE_API), protocols.EXECUTE_API)
    assert (answer.status, answer.body) == (500, b'{"message": "Internal server error"}')


# ---- writing answers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, body, sent, length", [
    (200, b"abc", b"abc", "3"), (204, b"ignored", b"", None), (304, b"ignored", b"", "0"), (101, b"x", b"", None)])
def test_answers_are_written_as_werkzeug_writes_them(status, body, sent, length):
    started: list = []
    out = write(Answer(status, [("Content-Length", "999"), ("X-A", "1")], body), lambda *a: started.append(a))
    (line, headers), = started
    assert out == [sent] and line.startswith(f"{status} ")
    assert dict(headers).get("Content-Length") == length and ("X-A", "1") in headers


# ---- the exchange ------------------------------------------------------------------------------------------

def test_the_exchange_reads_the_body_once_and_a_handler_may_change_it():
    env = environ(body=b'{"a": 1}')
    ex = exchange(env)
    assert ex.body == b'{"a": 1}' and ex.json() == {"a": 1}
    assert env["wsgi.input"].read() == b'{"a": 1}'  # whoever reads next (moto) still finds it
    ex.body = b'{"b": 2}'
    assert ex.json() == {"b": 2} and env["CONTENT_LENGTH"] == "8" and env["wsgi.input"].read() == b'{"b": 2}'
    assert exchange(environ(body=b"not json")).json() == {}


def test_region_and_account_come_from_the_signature_and_the_account_is_asked_once():
    asked: list = []

    def accounts(key):
        asked.append(key)
        return "999999999999"

    ex = exchange(environ(Authorization=SIGNED.format(service="lambda")), accounts)
    assert (ex.region, ex.account, ex.account) == ("eu-west-2", "999999999999", "999999999999")
    assert asked == ["AKIDEXAMPLE"]
    unsigned = exchange(environ(), accounts)
    assert (unsigned.region, unsigned.account) == ("us-east-1", "999999999999") and asked[-1] is None


@pytest.mark.parametrize("headers, path, expected", [
    ({"Authorization": SIGNED.format(service="dynamodb")}, "/", protocols.DYNAMODB),
    ({"Authorization": SIGNED.format(service="sts")}, "/", protocols.QUERY),
    ({"X-Amz-Target": "DynamoDB_20120810.Scan"}, "/", protocols.DYNAMODB),
    ({"X-Amz-Target": "Logs_20140328.PutLogEvents"}, "/", protocols.JSON),
    ({}, "/2015-03-31/functions/f/invocations", protocols.LAMBDA),
    ({}, "/2018-10-31/layers/l/versions", protocols.LAMBDA),
    ({}, "/restapis/abc/deployments", protocols.APIGATEWAY),
    ({"Content-Type": "application/x-www-form-urlencoded"}, "/", protocols.QUERY),
    ({}, "/anything", protocols.JSON),
])
def test_the_protocol_is_told_from_the_request(headers, path, expected):
    assert protocol_of(environ(path, **headers)) == expected


def test_a_handler_names_the_protocol_itself():
    ex = exchange({"PATH_INFO": "/", "wsgi.input": io.BytesIO()})
    ex.protocol = protocols.EXECUTE_API
    assert ex.protocol == protocols.EXECUTE_API


# ---- corrections around moto: every correction whose route matches applies, in order ------------------------------

def test_every_matching_correction_runs_in_order_and_the_first_refusal_ends_the_call():
    import re

    from harness.emulator.control.moto_changes import Correction, Corrections

    seen: list[str] = []
    route = re.compile(r"^/restapis/(?P<api>[^/]+)/resources/(?P<resource>[^/]+)/methods/(?P<verb>[^/]+)$")

    def refuse_get(exchange: Exchange) -> None:
        seen.append("checks " + exchange.params["verb"])
        if exchange.params["verb"] == "GET":
            raise AwsError(409, "ConflictException", "Method already exists for this resource")

    def note(exchange: Exchange) -> None:
        seen.append("authorizer " + exchange.params["verb"])

    corrections = Corrections((Correction("PUT", route, before=refuse_get, after=lambda e: seen.append("after 1")),
                               Correction("PUT", route, before=note, after=lambda e: seen.append("after 2"))))

    def put(verb: str) -> Exchange:
        return exchange(environ(f"/restapis/a/resources/r/methods/{verb}", method="PUT", body=b"{}"))

    posted = put("POST")
    corrections.before(posted)
    posted.answer = Answer(201, {}, b"{}")
    corrections.after(posted)
    assert seen == ["checks POST", "authorizer POST", "after 1", "after 2"]
    seen.clear()
    with pytest.raises(AwsError):
        corrections.before(put("GET"))
    assert seen == ["checks GET"]
