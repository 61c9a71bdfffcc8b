"""Route matching against a deployed snapshot."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.emulator.gateway.context import InvocationContext
from harness.emulator.gateway.route import Router, RouterCache, route
from tests.unit.test_gateway_support import resource, stage

ROUTER = Router(stage(
    resource("/db-api", "GET", "POST", rid="db"),
    resource("/items", "ANY", rid="items"),
    resource("/items/{id}", "GET", rid="item"),
    resource("/items/special", "GET", rid="special"),
    resource("/items/{id}/tags/{tag}", "DELETE", rid="tag"),
    resource("/files/{proxy+}", "GET", rid="files"),
    resource("/{proxy+}", "ANY", rid="catchall"),
    resource("/mixed", "ANY", "PUT", rid="mixed"),
).resources)


def _match(verb: str, path: str):
    found = ROUTER.match(verb, path)
    return None if found is None else (found[0].id, found[1].http_method, found[2])


def test_exact_path():
    assert _match("GET", "/db-api") == ("db", "GET", {})
    assert _match("POST", "/db-api") == ("db", "POST", {})


def test_trailing_slash_is_ignored():
    assert _match("GET", "/db-api/") == ("db", "GET", {})
    assert _match("GET", "/db-api//") == ("db", "GET", {})


def test_param():
    assert _match("GET", "/items/42") == ("item", "GET", {"id": "42"})
    assert _match("DELETE", "/items/42/tags/red") == ("tag", "DELETE", {"id": "42", "tag": "red"})


def test_param_values_stay_percent_encoded():
    assert _match("GET", "/items/a%20b") == ("item", "GET", {"id": "a%20b"})


def test_literal_beats_param():
    assert _match("GET", "/items/special") == ("special", "GET", {})


def test_greedy_proxy():
    assert _match("GET", "/files/a/b/c.txt") == ("files", "GET", {"proxy": "a/b/c.txt"})
    assert _match("GET", "/files/a/") == ("files", "GET", {"proxy": "a"})


def test_greedy_needs_at_least_one_part():
    # /files itself has no resource: the root catch-all takes it
    assert _match("GET", "/files") == ("catchall", "ANY", {"proxy": "files"})


def test_more_specific_greedy_wins():
    assert _match("GET", "/files/x") == ("files", "GET", {"proxy": "x"})
    assert _match("GET", "/elsewhere/x") == ("catchall", "ANY", {"proxy": "elsewhere/x"})


def test_any_matches_every_verb():
    for verb in ("GET", "POST", "PATCH", "OPTIONS", "HEAD"):
        assert _match(verb, "/items") == ("items", "ANY", {})


def test_specific_verb_beats_any_on_same_resource():
    assert _match("PUT", "/mixed") == ("mixed", "PUT", {})
    assert _match("GET", "/mixed") == ("mixed", "ANY", {})


def test_resource_without_the_verb_falls_back_to_less_specific_resource():
    assert _match("POST", "/items/42") == ("catchall", "ANY", {"proxy": "items/42"})


def test_root_needs_its_own_method():
    assert _match("GET", "/") is None
    assert Router(stage(resource("/", "GET", rid="root")).resources).match("GET", "/")[0].id == "root"


def test_no_match():
    router = Router(stage(resource("/db-api", "GET")).resources)
    assert router.match("GET", "/nope") is None
    assert router.match("PUT", "/db-api") is None
    assert router.match("GET", "/db-api/extra") is None
    assert router.match("GET", "/DB-API") is None


def test_empty_inner_part_does_not_match_param():
    assert _match("GET", "/items//tags/x") == ("catchall", "ANY", {"proxy": "items//tags/x"})


def test_route_step_sets_context_and_null_params():
    ctx = InvocationContext(request_id="r", extended_request_id="e", trace_id="t", request_time_ms=0,
                            api_id="a", stage="prod", http_method="GET", path="/db-api")
    assert route(ctx, ROUTER) is None
    assert ctx.resource.id == "db" and ctx.method.http_method == "GET" and ctx.path_parameters is None


def test_route_step_missing_authentication_token():
    ctx = InvocationContext(request_id="r", extended_request_id="e", trace_id="t", request_time_ms=0,
                            api_id="a", stage="prod", http_method="GET", path="/nope")
    err = route(ctx, Router(stage(resource("/db-api", "GET")).resources))
    assert (err.status, err.message, err.error_type) == (403, "Missing Authentication Token",
                                                          "MissingAuthenticationTokenException")


def test_parameters_for_one_resource():
    assert ROUTER.parameters_for("item", "/items/9") == {"id": "9"}
    assert ROUTER.parameters_for("item", "/other") == {}
    assert ROUTER.parameters_for("unknown", "/items/9") == {}


def test_router_cache_per_deployment():
    cache = RouterCache(size=2)
    s1 = stage(resource("/a", "GET"), deployment_id="d1")
    assert cache.get(s1) is cache.get(s1)
    s2 = stage(resource("/b", "GET"), deployment_id="d2")
    assert cache.get(s2) is not cache.get(s1)
    assert cache.get(s2).match("GET", "/b") is not None
    cache.get(stage(deployment_id="d3"))
    assert len(cache._routers) == 2
    assert cache.get(s1, cache=False) is not cache.get(s1)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["GET", "POST", "ANY", "x"]), st.text())
def test_match_never_raises(verb, path):
    found = ROUTER.match(verb, "/" + path)
    assert found is None or found[0].path.startswith("/")
