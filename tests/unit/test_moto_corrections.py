"""The corrections around moto's calls (control/moto_changes/): matching, before/after, and what each corrects."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder

from harness.emulator.aws_errors import AwsError
from harness.emulator.control.moto_changes import Correction, Corrections, apigateway_corrections, lambda_corrections
from harness.emulator.control.moto_changes.apigateway_corrections import patched_media_types
from harness.emulator.front.exchange import Answer, Exchange


def exchange(method: str, path: str, body: bytes = b"", query: str = "") -> Exchange:
    environ = EnvironBuilder(path=path, method=method, data=body, query_string=query or None).get_environ()
    return Exchange(environ, default_region="us-east-1", accounts=lambda key: "123456789012")


def moto_answers(ex: Exchange, status: int, document: object) -> None:
    """What the moto handler does: consume the request stream, answer."""
    ex.environ["wsgi.input"].read()
    ex.answer = Answer(status, [("Content-Type", "application/json")], json.dumps(document).encode())


def test_a_correction_runs_around_its_own_call_only_and_after_only_on_success():
    seen: list = []
    corrections = Corrections([Correction("DELETE", re.compile(r"^/things/(?P<name>[^/]+)$"),
                                          before=lambda ex: seen.append(("before", ex.params)),
                                          after=lambda ex: seen.append(("after", ex.answer.status)))])
    for method, path, status in (("GET", "/things/a%20b", 200), ("DELETE", "/other", 200),
                                 ("DELETE", "/things/a%20b", 404), ("DELETE", "/things/a%20b", 204)):
        ex = exchange(method, path)
        corrections.before(ex)
        moto_answers(ex, status, {})
        corrections.after(ex)
    assert seen == [("before", {"name": "a b"}), ("before", {"name": "a b"}), ("after", 204)]


@pytest.mark.parametrize("before, operations, after", [
    ([], [{"op": "add", "path": "/binaryMediaTypes/image~1png"}], ["image/png"]),
    (["image/png"], [{"op": "add", "path": "/binaryMediaTypes/image~1png"}], ["image/png"]),
    (["image/png", "a/b"], [{"op": "remove", "path": "/binaryMediaTypes/image~1png"}], ["a/b"]),
    (["image/png"], [{"op": "replace", "path": "/binaryMediaTypes/image~1png", "value": "image/gif"}], ["image/gif"]),
    (["x/y"], [{"op": "replace", "path": "/description", "value": "d"}], ["x/y"]),
])
def test_binary_media_type_patches_apply_as_on_aws(before, operations, after):
    assert patched_media_types(before, operations) == after


class FakeControl:
    def __init__(self) -> None:
        self.types: dict[str, list[str]] = {"api1": ["image/png"]}
        self.endpoints: dict[str, dict] = {"api1": {"types": ["EDGE"]}}
        self.snapshots: list = []
        self.deleted: list = []
        self.statement = False
        self.reserved = None

    def binary_media_types(self, api_id):
        return self.types.get(api_id)

    def set_binary_media_types(self, api_id, types):
        self.types[api_id] = types

    def endpoint_configuration(self, api_id):
        return self.endpoints.get(api_id)

    def set_endpoint_configuration(self, api_id, configuration):
        self.endpoints[api_id] = configuration

    def snapshot_deployment(self, api_id, deployment_id):
        self.snapshots.append((api_id, deployment_id))

    def function_deleted(self, name):
        self.deleted.append(name)

    def has_statement(self, name, region, account, qualifier, sid):
        return self.statement

    def get_function(self, arn, region, account):
        return SimpleNamespace(reserved_concurrency=self.reserved)


def run(corrections: Corrections, method: str, path: str, request: object, status: int, answer: object,
        query: str = "") -> Exchange:
    ex = exchange(method, path, json.dumps(request).encode(), query)
    corrections.before(ex)
    sent = json.loads(ex.environ["wsgi.input"].read() or b"null")
    ex.environ["harness.sent_to_moto"] = sent
    ex.answer = Answer(status, [], json.dumps(answer).encode())
    corrections.after(ex)
    return ex


def test_api_gateway_corrections():
    control = FakeControl()
    corrections = Corrections(apigateway_corrections(control))
    run(corrections, "POST", "/restapis/api1/deployments", {}, 201, {"id": "dep1"})
    assert control.snapshots == [("api1", "dep1")]
    run(corrections, "POST", "/restapis", {"name": "n", "binaryMediaTypes": ["a/b"]}, 201, {"id": "api2"})
    assert control.types["api2"] == ["a/b"]
    patch = {"patchOperations": [{"op": "add", "path": "/binaryMediaTypes/text~1csv"},
                                 {"op": "replace", "path": "/description", "value": "d"}]}
    ex = run(corrections, "PATCH", "/restapis/api1", patch, 200, {"id": "api1"})
    assert ex.environ["harness.sent_to_moto"] == {"patchOperations": [patch["patchOperations"][1]]}
    assert control.types["api1"] == ["image/png", "text/csv"]
    assert json.loads(ex.answer.body)["binaryMediaTypes"] == ["image/png", "text/csv"]  # the answer shows them
    private = {"patchOperations": [{"op": "replace", "path": "/endpointConfiguration/types/0", "value": "PRIVATE"}]}
    ex = run(corrections, "PATCH", "/restapis/api1", private, 200, {"id": "api1"})
    assert ex.environ["harness.sent_to_moto"] == {"patchOperations": []}  # moto would overwrite the types
    assert control.endpoints["api1"] == {"types": ["PRIVATE"], "ipAddressType": "dualstack"}
    assert json.loads(ex.answer.body)["endpointConfiguration"] == control.endpoints["api1"]
    with pytest.raises(AwsError) as refused:
        run(corrections, "PATCH", "/restapis/api1", {"patchOperations": [
            {"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "ipv4"}]}, 200, {"id": "api1"})
    assert refused.value.message == "Only dualstack ipAddressType is supported for Private APIs."


def test_lambda_corrections():
    control = FakeControl()
    corrections = Corrections(lambda_corrections(control))
    added = run(corrections, "POST", "/2015-03-31/functions/f/policy", {"StatementId": "s"}, 200, {"Statement": "{}"})
    assert added.answer.status == 201
    control.statement = True
    with pytest.raises(AwsError) as refused:
        run(corrections, "POST", "/2015-03-31/functions/f/policy", {"StatementId": "s"}, 200, {})
    assert (refused.value.status, refused.value.code) == (409, "ResourceConflictException")
    run(corrections, "DELETE", "/2015-03-31/functions/f%3A1", None, 204, None)
    assert control.deleted == ["f:1"]
    got = {"Configuration": {"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}}
    assert json.loads(run(corrections, "GET", "/2015-03-31/functions/f", None, 200, got).answer.body) == got
    control.reserved = 0
    zero = json.loads(run(corrections, "GET", "/2015-03-31/functions/f", None, 200, got).answer.body)
    assert zero["Concurrency"] == {"ReservedConcurrentExecutions": 0}
