"""Against a real LocalStack (skipped when none is reachable; see conftest.py): deploy, the invoke URL forms, and
what the community edition does otherwise than AWS (no invoke permission check; TestInvokeMethod runs). Run
against LocalStack 4.14.0 community (docs/targets.md says where and when); the same code paths also run against
stand-ins (tests/functional/test_targets_localstack_standin.py)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Iterator

import pytest

from harness.targets import localstack as ls
from harness import targets
from harness.clients import Clients
from harness.deploy import StackOutputs, StackSettings, deploy, destroy

pytestmark = [pytest.mark.localstack, pytest.mark.slow]


def _call(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture(scope="module")
def stack(localstack_target: targets.Target) -> Iterator[tuple[StackOutputs, StackSettings]]:
    settings = localstack_target.stack_settings(StackSettings().with_prefix("lstest-"))
    clients = Clients(localstack_target.endpoint)
    outputs = deploy(settings, clients, url_for=localstack_target.invoke_url)
    ls.wait_functions_ready(clients, [settings.function_name])
    yield outputs, settings
    destroy(settings, clients)


def test_health_lists_the_stack_services(localstack_endpoint):
    health = ls.probe(localstack_endpoint)
    assert health.reachable and not health.missing(), health


def test_round_trip_through_the_path_style_url(stack, localstack_endpoint):
    outputs, settings = stack
    assert outputs.invoke_url == f"{localstack_endpoint}/_aws/execute-api/{outputs.api_id}/prod/db-api"
    status, _ = _call(outputs.invoke_url, "POST", {"TableName": settings.table.name, "Item": {"id": "1", "v": "x"}})
    assert status == 200
    status, body = _call(f"{outputs.invoke_url}?TableName={settings.table.name}")
    assert status == 200 and body["Items"] == [{"id": "1", "v": "x"}]


def test_legacy_user_request_url_reaches_the_same_api(stack, localstack_endpoint):
    outputs, settings = stack
    legacy = targets.localstack.localstack_invoke_urls(localstack_endpoint, outputs.api_id, "prod", "db-api")["legacy"]
    status, _ = _call(f"{legacy}?TableName={settings.table.name}")
    assert status == 200


def test_community_does_not_enforce_the_invoke_permission(localstack_target, localstack_endpoint):
    """The documented difference behind LOCALSTACK_LACKS['invoke-permission']."""
    if ls.probe(localstack_endpoint).edition not in (None, "community"):
        pytest.skip("not the community edition")
    settings = localstack_target.stack_settings(
        StackSettings().with_prefix("lsperm-").with_overrides({"permission": "none"}))
    clients = Clients(localstack_target.endpoint)
    try:
        outputs = deploy(settings, clients, url_for=localstack_target.invoke_url)
        ls.wait_functions_ready(clients, [settings.function_name])
        status, _ = _call(f"{outputs.invoke_url}?TableName={settings.table.name}")
        assert status == 200  # AWS would answer 500: no permission for API Gateway
    finally:
        destroy(settings, clients)


def test_test_invoke_method_runs_on_community(stack, localstack_target):
    """4.14 community runs TestInvokeMethod, so `test-invoke-method` is not among what LocalStack lacks."""
    outputs, settings = stack
    apigw = Clients(localstack_target.endpoint)("apigateway")
    resource = next(r for r in apigw.get_resources(restApiId=outputs.api_id)["items"] if r.get("pathPart"))
    answer = apigw.test_invoke_method(restApiId=outputs.api_id, resourceId=resource["id"], httpMethod="GET",
                                      pathWithQueryString=f"/{outputs.resource_path}?TableName={settings.table.name}")
    assert answer["status"] == 200 and '"Items"' in answer["body"], answer
    assert "test-invoke-method" not in ls.LOCALSTACK_LACKS
