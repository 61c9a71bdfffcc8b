"""URL target recognition and request parsing (query strings, headers, raw path)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.emulator.gateway.context import InvocationContext
from harness.emulator.gateway.parse import (
    ExecuteApiTarget,
    execute_api_target,
    parse_query,
    parse_request,
    parse_test_invoke,
    raw_request_path,
    request_headers,
)
from tests.unit.test_gateway_support import make_request


def _ctx() -> InvocationContext:
    return InvocationContext(request_id="rid", extended_request_id="ext", trace_id="Root=1-a-b",
                             request_time_ms=0, api_id="abc123", stage="prod")


# ---- execute_api_target -----------------------------------------------------------------------------

def test_current_form():
    assert execute_api_target("/_aws/execute-api/abc123/prod/db-api", None) == ExecuteApiTarget("abc123", "prod", "/db-api")


def test_current_form_nested_path_and_trailing_slash_kept():
    assert execute_api_target("/_aws/execute-api/abc123/prod/a/b/", "localhost:4566") == \
        ExecuteApiTarget("abc123", "prod", "/a/b/")


def test_current_form_stage_only_is_root():
    assert execute_api_target("/_aws/execute-api/abc123/prod", None) == ExecuteApiTarget("abc123", "prod", "/")
    assert execute_api_target("/_aws/execute-api/abc123/prod/", None) == ExecuteApiTarget("abc123", "prod", "/")


def test_current_form_without_stage_has_empty_stage():
    assert execute_api_target("/_aws/execute-api/abc123", None) == ExecuteApiTarget("abc123", "", "/")


def test_current_form_with_empty_api_id_is_a_target_of_no_api():
    # the data plane answers it as an unknown API id; it used to reach S3 (bucket `_aws`), a 500 there
    assert execute_api_target("/_aws/execute-api//Prod/items", None) == ExecuteApiTarget("", "Prod", "/items")
    assert execute_api_target("/_aws/execute-api/", None) == ExecuteApiTarget("", "", "/")
    assert execute_api_target("/_aws/execute-api", None) == ExecuteApiTarget("", "", "/")
    assert execute_api_target("/restapis//prod/_user_request_/a", None) == ExecuteApiTarget("", "prod", "/a")
    assert execute_api_target("/_aws/execute-apis/x", None) is None


def test_legacy_form():
    assert execute_api_target("/restapis/abc123/prod/_user_request_/db-api", None) == \
        ExecuteApiTarget("abc123", "prod", "/db-api")
    assert execute_api_target("/restapis/abc123/prod/_user_request_", None) == ExecuteApiTarget("abc123", "prod", "/")


def test_legacy_control_plane_paths_are_not_targets():
    assert execute_api_target("/restapis/abc123/stages/prod", None) is None
    assert execute_api_target("/restapis/abc123/resources/r1/methods/GET", None) is None
    assert execute_api_target("/restapis", None) is None


def test_host_form():
    assert execute_api_target("/prod/db-api", "abc123.execute-api.localhost.localstack.cloud:4566") == \
        ExecuteApiTarget("abc123", "prod", "/db-api")
    assert execute_api_target("/prod", "ABC123.EXECUTE-API.us-east-1.amazonaws.com") == \
        ExecuteApiTarget("ABC123", "prod", "/")


def test_host_form_without_stage():
    assert execute_api_target("/", "abc123.execute-api.localhost") == ExecuteApiTarget("abc123", "", "/")


def test_other_requests_are_not_targets():
    assert execute_api_target("/", "localhost:4566") is None
    assert execute_api_target("/2015-03-31/functions/f/invocations", "localhost") is None
    assert execute_api_target("/prod/db-api", "execute-api.localhost") is None
    assert execute_api_target("/prod/db-api", None) is None


def test_query_string_in_path_is_ignored():
    assert execute_api_target("/_aws/execute-api/a/prod/x?y=1", None) == ExecuteApiTarget("a", "prod", "/x")


@settings(max_examples=300, deadline=None)
@given(st.text(), st.one_of(st.none(), st.text()))
def test_target_never_raises(path, host):
    target = execute_api_target(path, host)
    assert target is None or target.path.startswith("/")


# ---- query strings --------------------------------------------------------------------------------

def test_no_query_is_null():
    assert parse_query(b"") == (None, None)
    assert parse_query(None) == (None, None)
    assert parse_query("&&") == (None, None)


def test_repeated_key_last_wins_in_single_all_in_multi():
    single, multi = parse_query(b"a=1&b=2&a=3")
    assert single == {"a": "3", "b": "2"}
    assert multi == {"a": ["1", "3"], "b": ["2"]}


def test_plus_is_space_and_encoded_plus_is_plus():
    single, _ = parse_query(b"q=a+b&r=a%2Bb&s=%20")
    assert single == {"q": "a b", "r": "a+b", "s": " "}


def test_key_without_value_is_empty_string():
    assert parse_query(b"flag&x=")[0] == {"flag": "", "x": ""}


def test_invalid_utf8_is_replaced():
    assert parse_query(b"a=%FF\xfe")[0] == {"a": "\ufffd\ufffd"}


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_query_never_raises(raw):
    single, multi = parse_query(raw)
    assert (single is None) == (multi is None)
    if single:
        assert set(single) == set(multi)
        assert all(multi[k][-1] == v for k, v in single.items())


# ---- request parsing ----------------------------------------------------------------------------------

def test_parse_request_reads_method_body_query_and_client():
    ctx = _ctx()
    req = make_request("/_aws/execute-api/abc123/prod/db-api", "post", query="a=1",
                       headers=[("Content-Type", "application/json"), ("User-Agent", "curl/8")], body=b'{"x":1}')
    parse_request(ctx, req, "/db-api")
    assert ctx.http_method == "POST"
    assert ctx.path == "/db-api"
    assert ctx.body == b'{"x":1}'
    assert ctx.query == {"a": "1"}
    assert ctx.user_agent == "curl/8"
    assert ctx.source_ip == "127.0.0.1"
    assert ctx.host == "localhost:4566"


def test_forwarding_headers_added():
    ctx = _ctx()
    parse_request(ctx, make_request("/x", headers=[("X-Forwarded-For", "10.0.0.1")]), "/x")
    headers = dict(ctx.headers)
    assert headers["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1"
    assert headers["X-Amzn-Trace-Id"] == "Root=1-a-b"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == "4566"


def test_raw_headers_from_environ_keep_case_and_repeats():
    raw = [("x-lower", "1"), ("X-Multi", "a"), ("X-Multi", "b"), ("host", "h")]
    req = make_request("/x", raw_headers=raw)
    assert request_headers(req) == raw


def test_raw_request_path_keeps_percent_encoding():
    req = make_request("/_aws/execute-api/a/prod/items/a%20b")
    req.environ["RAW_URI"] = "/_aws/execute-api/a/prod/items/a%20b?x=1"
    assert raw_request_path(req) == "/_aws/execute-api/a/prod/items/a%20b"
    req.environ["RAW_URI"] = "http://localhost:4566/_aws/execute-api/a/prod/z%2Fy"
    assert raw_request_path(req) == "/_aws/execute-api/a/prod/z%2Fy"


def test_raw_request_path_without_raw_uri_reencodes_path_info():
    req = make_request("/_aws/execute-api/a/prod/items/a%20b")
    req.environ.pop("RAW_URI", None)
    req.environ.pop("REQUEST_URI", None)
    assert raw_request_path(req) == "/_aws/execute-api/a/prod/items/a%20b"


def test_parse_test_invoke_spec():
    ctx = _ctx()
    spec = {"pathWithQueryString": "/items/7?a=1&a=2", "body": "{}", "headers": {"X-One": "1", "x-multi": "ignored"},
            "multiValueHeaders": {"X-Multi": ["a", "b"]}}
    parse_test_invoke(ctx, spec, "get", "/items/{id}")
    assert ctx.http_method == "GET"
    assert ctx.path == "/items/7"
    assert ctx.multi_query == {"a": ["1", "2"]}
    assert ctx.headers == [("X-Multi", "a"), ("X-Multi", "b"), ("X-One", "1")]
    assert ctx.body == b"{}"
    assert ctx.source_ip == "test-invoke-source-ip"


def test_parse_test_invoke_defaults_to_resource_path():
    ctx = _ctx()
    parse_test_invoke(ctx, {}, "GET", "/db-api")
    assert (ctx.path, ctx.query, ctx.headers, ctx.body) == ("/db-api", None, [], b"")
