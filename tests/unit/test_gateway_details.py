"""Data-plane details (pure parts): X-Amzn-Trace-Id, header re-casing, slashes around the stage.

Sources as in tests/functional/test_data_plane_details.py (LocalStack's recorded AWS answers,
test_apigateway_lambda.snapshot.json::test_lambda_aws_proxy_integration; AWS X-Ray docs, "Tracing header").
"""
from __future__ import annotations

import re

from harness.emulator.gateway.chain import trace_id
from harness.emulator.gateway.parse import ExecuteApiTarget, execute_api_target, recase


def test_trace_header_kept_whole_or_completed_with_a_parent():
    whole = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    assert trace_id(whole) == whole
    completed = trace_id("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0")
    assert re.fullmatch(r"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=[0-9a-f]{16};Sampled=0", completed)
    for missing in (None, "", "Parent=53995c3f42cd8ad8", "Root=;Sampled=1"):
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", trace_id(missing))


def test_authorization_recased_others_kept():
    assert recase([("authorization", "a"), ("AUTHORIZATION", "b"), ("tEsT-HEADeR", "c")]) == [
        ("Authorization", "a"), ("Authorization", "b"), ("tEsT-HEADeR", "c")]


def test_slashes_before_the_stage_count_as_one():
    assert execute_api_target("/_aws/execute-api/abc123//prod/x", None) == ExecuteApiTarget("abc123", "prod", "/x")
    assert execute_api_target("//prod//x", "abc123.execute-api.localhost") == ExecuteApiTarget("abc123", "prod", "//x")
