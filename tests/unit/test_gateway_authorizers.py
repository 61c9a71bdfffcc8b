"""Lambda authorizer logic: parsing the function's answer, evaluating its policy, identity sources, the cache."""
from __future__ import annotations

import json

import pytest

from harness.emulator.gateway.authorizers import (
    AuthorizerAnswer,
    AuthorizerCache,
    MalformedAnswer,
    evaluate_policy,
    masked,
    parse_answer,
)

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/db-api"


def statement(effect: str, resource, action="execute-api:Invoke") -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize("resource", [
    ARN, "*", "arn:aws:execute-api:us-east-1:123456789012:abc123/*", "arn:aws:execute-api:*:*:abc123/prod/*/*",
    "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GE?/db-api", [ARN.replace("GET", "POST"), ARN],
])
def test_an_allow_with_wildcards_covers_the_method(resource):
    assert evaluate_policy((statement("Allow", resource),), ARN) == "allow"


@pytest.mark.parametrize("resource", [ARN.replace("prod", "beta"), "arn:aws:execute-api:*:*:other/*",
                                      ARN.replace("GET", "POST")])
def test_an_allow_elsewhere_is_no_decision(resource):
    assert evaluate_policy((statement("Allow", resource),), ARN) == "none"


def test_a_deny_wins_over_an_allow():
    assert evaluate_policy((statement("Allow", "*"), statement("Deny", ARN)), ARN) == "deny"


@pytest.mark.parametrize("action,applies", [("execute-api:Invoke", True), ("execute-api:*", True), ("*", True),
                                            ("execute-api:ManageConnections", False), ("s3:*", False)])
def test_only_invoke_actions_apply(action, applies):
    assert evaluate_policy((statement("Allow", "*", action),), ARN) == ("allow" if applies else "none")


def test_parse_answer_keeps_principal_context_as_strings_and_usage_key():
    answer = parse_answer(json.dumps({
        "principalId": 42, "policyDocument": {"Version": "2012-10-17", "Statement": [statement("Allow", "*")]},
        "context": {"s": "x", "n": 1.5, "b": False}, "usageIdentifierKey": "key"}).encode())
    assert answer.principal_id == "42"
    assert answer.context == {"s": "x", "n": "1.5", "b": "false"}
    assert answer.usage_identifier_key == "key"


def test_a_policy_document_given_as_a_string_is_read():
    policy = json.dumps({"Statement": [statement("Allow", "*")]})
    assert parse_answer(json.dumps({"principalId": "p", "policyDocument": policy}).encode()).statements


@pytest.mark.parametrize("payload", [
    b"not json", b"[]", b'{"policyDocument": {"Statement": []}}', b'{"principalId": "p"}',
    b'{"principalId": "p", "policyDocument": {"Statement": []}}',
    b'{"principalId": "p", "policyDocument": {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}}',
    b'{"principalId": "p", "policyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},'
    b' "context": {"nested": {"a": 1}}}',
])
def test_malformed_answers_are_refused(payload):
    with pytest.raises(MalformedAnswer):
        parse_answer(payload)


def test_masked_shows_the_last_four_characters():
    assert masked("allow-this") == "******this" and masked("abc") == "abc"


def test_the_cache_forgets_after_the_ttl(monkeypatch):
    import harness.emulator.gateway.authorizers as module

    now = [100.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    cache = AuthorizerCache()
    answer = AuthorizerAnswer("p", (), {})
    cache.put(("k",), answer, 300)
    now[0] += 299
    assert cache.get(("k",)) is answer
    now[0] += 2
    assert cache.get(("k",)) is None


def _ctx(**fields):
    from harness.emulator.gateway.context import InvocationContext

    ctx = InvocationContext(request_id="r", extended_request_id="e", trace_id="t", request_time_ms=0, api_id="a",
                            stage="prod")
    for name, value in fields.items():
        setattr(ctx, name, value)
    return ctx


def _auth(kind: str, sources: str | None, ttl: int = 300):
    from harness.emulator.snapshots import AuthorizerSnapshot

    return AuthorizerSnapshot(id="x", name="x", type=kind, identity_source=sources, ttl_s=ttl)


def test_request_identity_sources_read_headers_query_and_stage_variables():
    from harness.emulator.gateway.authorizers import identity

    ctx = _ctx(headers=[("Auth", "tok")], query={"q": "1"}, stage_variables={"tenant": "blue"})
    sources = "method.request.header.auth, method.request.querystring.q, stageVariables.tenant, context.httpMethod"
    assert identity(ctx, _auth("REQUEST", sources)) == ["tok", "1", "blue", "GET"]


def test_a_missing_source_stops_a_caching_request_authorizer_but_not_an_uncached_one():
    from harness.emulator.gateway.authorizers import identity

    ctx = _ctx(headers=[("Auth", "tok")])
    sources = "method.request.header.auth, method.request.querystring.q"
    assert identity(ctx, _auth("REQUEST", sources)) is None
    assert identity(ctx, _auth("REQUEST", sources, ttl=0)) == ["tok", ""]


def test_a_token_authorizer_defaults_to_the_authorization_header_and_needs_it():
    from harness.emulator.gateway.authorizers import identity

    assert identity(_ctx(headers=[("authorization", "t")]), _auth("TOKEN", None, ttl=0)) == ["t"]
    assert identity(_ctx(headers=[]), _auth("TOKEN", None, ttl=0)) is None
