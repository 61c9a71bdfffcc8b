"""Captures (JSONPath, header, status, body, regex, default) and response expectations (status, headers, bodies)."""
from __future__ import annotations

import json

from harness.replay.captures import capture_all, value_of
from harness.replay.expectations import check_response
from harness.replay.scenario import Capture, Expectation, PathAssertion
from harness.replay.results import Response

BODY = {"Items": [{"id": "a1"}, {"id": "b2"}], "Count": 2}


def response(body=BODY, status=200, headers=None, **kw) -> Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(status, headers or {"Content-Type": "application/json", "x-amzn-RequestId": "r-1"}, content, **kw)


def test_capture_json_keeps_the_type():
    assert value_of(Capture("n", "json", "$.Count"), response()) == 2
    assert value_of(Capture("first", "json", "$.Items[0]"), response()) == {"id": "a1"}
    assert value_of(Capture("ids", "json", "$.Items[*].id"), response()) == ["a1", "b2"]


def test_capture_header_status_body():
    assert value_of(Capture("rid", "header", "X-AMZN-REQUESTID"), response()) == "r-1"
    assert value_of(Capture("code", "status"), response(status=201)) == 201
    assert value_of(Capture("raw", "body"), response(b"plain")) == "plain"


def test_capture_regex_keeps_group_one_or_the_match():
    assert value_of(Capture("n", "header", "x-amzn-RequestId", regex=r"r-(\d+)"), response()) == "1"
    assert value_of(Capture("n", "body", regex=r"\d+"), response(b"id 42 ok")) == "42"
    assert value_of(Capture("n", "json", "$.Count", regex=r"(\d)"), response()) == "2"


def test_capture_default_when_nothing_matches():
    assert value_of(Capture("n", "json", "$.nope", default=0), response()) == 0
    assert value_of(Capture("n", "json", "$.Items[?(@.id == 'zz')].id", default=[]), response()) == []


def test_missing_captures_are_mismatches():
    captures = (
        Capture("ok", "json", "$.Count"),
        Capture("nope", "json", "$.Items[5].id"),
        Capture("none", "json", "$.Items[?(@.id == 'zz')]"),
        Capture("hdr", "header", "Location"),
        Capture("rx", "body", regex="^z"),
    )
    values, problems = capture_all(captures, response())
    assert values == {"ok": 2}
    assert [str(p) for p in problems] == [
        "capture.nope: expected a value at $.Items[5].id, got nothing",
        "capture.none: expected a value at $.Items[?(@.id == 'zz')], got nothing",
        "capture.hdr: expected a value at header Location, got no such header (headers: Content-Type, x-amzn-RequestId)",
        'capture.rx: expected a value at body, got "{\\"Items\\": [{\\"id\\": \\"a1\\"}, {\\"id\\": \\"b2\\"}], '
        '\\"Count\\": 2}", where /^z/ finds nothing',
    ]


def test_capture_from_a_non_json_body():
    _, problems = capture_all((Capture("x", "json", "$.a"),), response(b"<html>"))
    assert [str(p) for p in problems] == ['capture.x: expected a value at $.a, got a body that is not JSON: "<html>"']


def check(expect: Expectation, resp: Response, kind: str = "http") -> list[str]:
    return [str(m) for m in check_response(expect, resp, kind=kind)]


def test_status_forms():
    assert check(Expectation(status=200), response()) == []
    assert check(Expectation(status=[200, 201]), response(status=201)) == []
    assert check(Expectation(status={"$type": "integer"}), response()) == []
    assert check(Expectation(status="200"), response()) == []  # a rendered "{{status}}" template
    assert check(Expectation(status=200), response(status=500)) == ["status: expected 200, got 500"]
    assert check(Expectation(status=[200, 201]), response(status=403)) == ["status: expected one of 200, 201, got 403"]


def test_aws_errors_fail_unless_a_status_is_expected():
    error = Response(400, {}, data={"Error": {"Code": "ResourceNotFoundException", "Message": "Requested resource not found"}},
                     error="ResourceNotFoundException: Requested resource not found")
    assert check(Expectation(), error, "aws") == [
        "status: expected a successful call, got 400 (ResourceNotFoundException: Requested resource not found)"]
    assert check(Expectation(status=400, json_subset={"Error": {"Code": "ResourceNotFoundException"}}), error, "aws") == []
    assert check(Expectation(), error, "http") == []


def test_headers_are_a_case_insensitive_subset():
    resp = response()
    assert check(Expectation(headers={"content-type": "application/json", "X-Amzn-Requestid": {"$any": True}}), resp) == []
    assert check(Expectation(headers={"x-amzn-ErrorType": {"$absent": True}}), resp) == []
    assert check(Expectation(headers={"Content-Type": "text/plain", "x-amzn-ErrorType": "ForbiddenException"}), resp) == [
        'headers.Content-Type: expected "text/plain", got "application/json"',
        'headers.x-amzn-ErrorType: expected "ForbiddenException", got <absent>',
    ]


def test_json_exact_subset_body_jsonpath_duration_all_reported():
    expect = Expectation(
        status=201, json={"Items": [], "Count": 0}, json_subset={"Count": 1},
        body={"$regex": "^\\{"}, jsonpath=(PathAssertion("$.Items", "length", 0),), max_duration_ms=10,
    )
    assert check(expect, response(duration_ms=25.4)) == [
        "status: expected 201, got 200",
        '$.Items[0]: expected <absent>, got {"id": "a1"}',
        '$.Items[1]: expected <absent>, got {"id": "b2"}',
        "$.Count: expected 0, got 2",
        "$.Count: expected 1, got 2",
        "$.Items: expected <length 0>, got length 2",
        "duration: expected <= 10 ms, got 25 ms",
    ]


def test_json_expected_but_body_is_not_json():
    assert check(Expectation(json={"a": 1}), response(b"Internal")) == ['$: expected a JSON body, got "Internal"']
    assert check(Expectation(json={"a": 1}), response(b"")) == ["$: expected a JSON body, got an empty body"]


def test_raw_body_exact():
    assert check(Expectation(body='{"message": "Internal server error"}'),
                 response({"message": "Internal server error"})) == []
    assert check(Expectation(body="x"), response(b"y")) == ['body: expected "x", got "y"']
