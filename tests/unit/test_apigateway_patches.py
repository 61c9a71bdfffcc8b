"""API Gateway's patch operations as AWS applies them (control/moto_changes/apigateway_updates.py and
apigateway_endpoints.py: pure functions; the HTTP side is in tests/functional/test_apigateway_control_plane.py)."""
from __future__ import annotations

import pytest

from harness.emulator.aws_errors import AwsError
from harness.emulator.control.moto_changes.apigateway_endpoints import created_configuration, patched_configuration
from harness.emulator.control.moto_changes.apigateway_updates import patched_integration, \
    patched_integration_response, patched_method_response

RESPONSE = {"selection_pattern": "", "content_handling": None,
            "response_templates": {"application/json": "{}"}, "response_parameters": None}


def _refusal(call, *args) -> tuple[int, str]:
    with pytest.raises(AwsError) as caught:
        call(*args)
    return caught.value.status, caught.value.message


def test_integration_response_patch_applies_in_order_on_a_copy():
    state = patched_integration_response(RESPONSE, [
        ("add", "/responseTemplates/text~1plain", "x"), ("replace", "/responseTemplates/text~1plain", "y"),
        ("remove", "/responseTemplates/application~1json", None), ("replace", "/contentHandling", "CONVERT_TO_TEXT"),
        ("add", "/responseParameters/method.response.header.A~0B", "'v'")])
    assert state == {"selection_pattern": "", "content_handling": "CONVERT_TO_TEXT",
                     "response_templates": {"text/plain": "y"},
                     "response_parameters": {"method.response.header.A~B": "'v'"}}
    assert RESPONSE["response_templates"] == {"application/json": "{}"}  # the stored one is untouched
    assert patched_integration_response(RESPONSE, [("replace", "/contentHandling", "")])["content_handling"] is None


@pytest.mark.parametrize("operation, refusal", [
    (("replace", "/statusCode", "201"), (400, "Invalid patch path /statusCode")),
    (("add", "/selectionPattern", "x"), (400, "Invalid patch operation specified. Must be one of: [replace]")),
    (("remove", "/responseTemplates/text~1plain", None), (404, "Content-Type specified was not found")),
    (("replace", "/responseParameters/x", "'v'"), (404, "Invalid parameter name specified")),
    (("copy", "/responseParameters/x", "'v'"),
     (400, "Invalid patch operation specified. Must be 'add'|'remove'|'replace'")),
])
def test_integration_response_patch_refusals(operation, refusal):
    assert _refusal(patched_integration_response, RESPONSE, [operation]) == refusal


def test_method_response_patch_reads_booleans_as_java_does():
    parameters, models = patched_method_response({}, {"application/json": "Empty"}, [
        ("add", "/responseParameters/method.response.header.a", "true"),
        ("add", "/responseParameters/method.response.header.b", "yes"),
        ("remove", "/responseModels/application~1json", None)])
    assert (parameters, models) == ({"method.response.header.a": True, "method.response.header.b": False}, {})
    assert _refusal(patched_method_response, {}, {}, [("remove", "/wrong/x", None)]) == (
        400, "Invalid patch path /wrong/x")


def test_integration_patch():
    state = patched_integration({"uri": "http://a", "http_method": "GET", "integration_type": "HTTP",
                                 "cache_key_parameters": ["k"], "timeout_in_millis": 29000}, [
        ("replace", "/timeoutInMillis", "100"), ("replace", "/passthroughBehavior", "never"),
        ("add", "/cacheKeyParameters/method.request.path.id", None), ("remove", "/cacheKeyParameters/k", None),
        ("replace", "/tlsConfig/insecureSkipVerification", "true")])
    assert (state["timeout_in_millis"], state["passthrough_behaviour"], state["cache_key_parameters"],
            state["tls_config"]) == (100, "NEVER", ["method.request.path.id"], {"insecureSkipVerification": True})
    assert _refusal(patched_integration, {}, [("add", "/uri", "http://b")]) == (
        400, "Invalid patch operation specified. Must be one of: [replace]")


def test_endpoint_configuration_patch():
    edge = {"types": ["EDGE"]}
    assert patched_configuration(edge, [{"op": "replace", "path": "/name", "value": "n"}]) is None
    assert patched_configuration(edge, [{"op": "replace", "path": "/endpointConfiguration/types/0",
                                         "value": "PRIVATE"}]) == {"types": ["PRIVATE"], "ipAddressType": "dualstack"}
    assert _refusal(patched_configuration, edge, [
        {"op": "replace", "path": "/endpointConfiguration/types/0", "value": "PRIVATE"},
        {"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "ipv4"}]) == (
        400, "Only dualstack ipAddressType is supported for Private APIs.")
    assert _refusal(patched_configuration, edge, [{"op": "add", "path": "/endpointConfiguration/vpcEndpointIds",
                                                   "value": "vpce-1"}]) == (
        400, "Invalid patch path /endpointConfiguration/vpcEndpointIds")
    assert created_configuration(None) is None
    assert created_configuration({"types": ["PRIVATE"]}) == {"types": ["PRIVATE"], "ipAddressType": "dualstack"}
