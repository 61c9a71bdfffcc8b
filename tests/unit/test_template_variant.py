"""Scenario `stack` overrides as patches of a template's resources (deploy/template_variant.py), on the plain
CloudFormation SAM makes of the repository's template.yaml, and TemplateStacks (one variant stack per override
set, all deleted at release) with fake deploy/destroy functions: no AWS call."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import StackOutputs
from harness.deploy.template_deploy import plan_template
from harness.deploy.template_package import rewrite
from harness.deploy.template_stack import TemplateDeployment
from harness.deploy.template_transform import transform_sam
from harness.deploy.template_variant import (VariantUnsupported, check_overrides, mentions, overrides_fingerprint,
                                             variant_template, with_files)
from harness.replay.stacks import StackError, TemplateStacks
from harness.replay.stacks import VariantUnsupported as SkipVariant

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "v1234abcd-"


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """template.yaml planned (packaged) and transformed as the embedded stack gets it."""
    plan = plan_template(ROOT / "template.yaml", region="us-east-1", lint=False,
                         cache_dir=tmp_path_factory.mktemp("deps"))
    body = rewrite(dict(plan.source.body), {(a.logical_id, a.prop): ("base-bucket", key)
                                            for a, key, _ in plan.artifacts})
    body = transform_sam(body, plan.parameters, region="us-east-1", account_id="123456789012", iam=None,
                         template_name="template.yaml")
    return plan, body


BASE = StackOutputs(
    stack_name="db-api", region="us-east-1", account_id="123456789012", tables=("messages",),
    role_arn="arn:aws:iam::123456789012:role/LambdaServiceRole", function_name="db-api",
    function_arn="arn:aws:lambda:us-east-1:123456789012:function:db-api", api_id="a1b2c3", stage="prod",
    resource_path="db-api", deployment_id="d1", invoke_url="http://x/_aws/execute-api/a1b2c3/prod/db-api",
    resources={"MessagesTable": "messages", "DbApiFunction": "db-api", "DbApi": "a1b2c3",
               "LambdaServiceRole": "LambdaServiceRole"})


def variant(planned, overrides: dict[str, Any], **more: Any):
    plan, body = planned
    packages = {a.logical_id: data for a, _, data in plan.artifacts}
    return variant_template(body, overrides, base=BASE, prefix=PREFIX, bucket="variant-bucket", packages=packages,
                            parameters={}, cache_dir=more.get("cache_dir", Path("/nonexistent")))


def props(result, logical: str) -> dict[str, Any]:
    return result.body["Resources"][logical]["Properties"]


def test_every_physical_name_gets_the_prefix_and_the_base_template_is_left_alone(planned):
    _, body = planned
    before = json.dumps(body, sort_keys=True)
    result = variant(planned, {"timeout": 3})
    assert props(result, "MessagesTable")["TableName"] == "v1234abcd-messages"
    assert props(result, "DbApiFunction")["FunctionName"] == "v1234abcd-db-api"
    assert props(result, "LambdaServiceRole")["RoleName"] == "v1234abcd-LambdaServiceRole"
    assert props(result, "DbApi")["Name"] == "v1234abcd-api-for-db-api"
    assert props(result, "DbApiFunction")["Timeout"] == 3
    assert json.dumps(body, sort_keys=True) == before


def test_a_variant_retains_nothing_and_prefixes_exports_and_intrinsic_names():
    body = {"Parameters": {"Name": {"Type": "String"}}, "Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "T": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
              "Properties": {"TableName": {"Ref": "Name"}, "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Fn}"}}},
        "Other": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/db-api"}}},
        "Outputs": {"T": {"Value": {"Ref": "T"}, "Export": {"Name": "shared-table"}}}}
    base = StackOutputs(**{**BASE.__dict__, "resources": {"Fn": "db-api", "T": "messages", "Api": "a1b2c3"}})
    result = variant_template(body, {"timeout": 1}, base=base, prefix=PREFIX, bucket="b", packages={},
                              parameters={"Name": "messages"}, cache_dir=Path("/nonexistent"))
    table = result.body["Resources"]["T"]
    assert "DeletionPolicy" not in table and "UpdateReplacePolicy" not in table
    assert table["Properties"]["TableName"] == {"Fn::Join": ["", [PREFIX, {"Ref": "Name"}]]}
    assert props(result, "Logs")["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${Fn}"}  # unique through Fn's name
    assert props(result, "Other")["LogGroupName"] == "/aws/lambda/v1234abcd-db-api"
    assert result.body["Outputs"]["T"]["Export"]["Name"] == "v1234abcd-shared-table"
    assert result.parameters == {"Name": "messages"}


def test_function_settings_become_its_properties(planned):
    result = variant(planned, {"handler": "index.missing", "runtime": "python3.11", "memory_size": 128,
                               "reserved_concurrency": 0, "environment": {"ALLOWED_TABLES": "a, b", "N": 1}})
    fn = props(result, "DbApiFunction")
    assert (fn["Handler"], fn["Runtime"], fn["MemorySize"], fn["ReservedConcurrentExecutions"]) == \
        ("index.missing", "python3.11", 128, 0)
    assert fn["Environment"] == {"Variables": {"ALLOWED_TABLES": "a, b", "N": "1"}}
    assert result.blobs == {}
    assert fn["Code"]["S3Bucket"] == "base-bucket"  # the code is the base's


def test_code_files_replace_files_of_the_functions_own_package(planned):
    result = variant(planned, {"code_files": {"extra.txt": "x"}})
    code = props(result, "DbApiFunction")["Code"]
    assert code["S3Bucket"] == "variant-bucket" and code["S3Key"] in result.blobs
    with zipfile.ZipFile(io.BytesIO(result.blobs[code["S3Key"]])) as archive:
        assert archive.namelist() == ["extra.txt", "index.py"]  # the handler's own file is kept
        assert archive.read("index.py") == (ROOT / "handler" / "index.py").read_bytes()
        assert archive.read("extra.txt") == b"x"
    replaced = variant(planned, {"code_files": {"index.py": "def handler(e, c):\n    return 1\n"}})
    with zipfile.ZipFile(io.BytesIO(next(iter(replaced.blobs.values())))) as archive:
        assert archive.namelist() == ["index.py"]
        assert archive.read("index.py") == b"def handler(e, c):\n    return 1\n"
    assert variant(planned, {"code_files": {"extra.txt": "x"}}).blobs == result.blobs  # deterministic


def test_code_dir_packages_another_folder(planned, tmp_path):
    (tmp_path / "index.py").write_text("def handler(e, c):\n    return 2\n")
    result = variant(planned, {"code_dir": str(tmp_path), "code_files": {"more.py": "X = 1\n"}})
    key = props(result, "DbApiFunction")["Code"]["S3Key"]
    with zipfile.ZipFile(io.BytesIO(result.blobs[key])) as archive:
        assert sorted(archive.namelist()) == ["index.py", "more.py"]


def test_with_files_starts_from_nothing_without_a_package():
    with zipfile.ZipFile(io.BytesIO(with_files(b"", {"index.py": "A = 1\n"}))) as archive:
        assert archive.namelist() == ["index.py"]


def test_table_overrides_change_its_key_and_name_and_extra_tables_get_outputs(planned):
    result = variant(planned, {"key_name": "messageId", "key_type": "N"})
    table = props(result, "MessagesTable")
    assert table["KeySchema"] == [{"AttributeName": "messageId", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "messageId", "AttributeType": "N"}]
    renamed = variant(planned, {"table": "fresh-messages"})
    assert props(renamed, "MessagesTable")["TableName"] == "v1234abcd-fresh-messages"
    more = variant(planned, {"extra_tables": ["authors", {"name": "pages", "key_name": "pk", "key_type": "N"}]})
    assert props(more, "HarnessExtraTable1")["TableName"] == "v1234abcd-authors"
    assert props(more, "HarnessExtraTable2")["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert more.body["Outputs"]["Table2"] == {"Value": {"Ref": "HarnessExtraTable1"}}
    assert more.body["Outputs"]["Table3"] == {"Value": {"Ref": "HarnessExtraTable2"}}


def test_permission_none_removes_the_invoke_permissions(planned):
    _, body = planned
    granted = [k for k, r in body["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"]
    assert granted
    result = variant(planned, {"permission": "none"})
    assert not [k for k, r in result.body["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"]
    assert not any(set(granted) & set(r.get("DependsOn") or []) for r in result.body["Resources"].values())


def test_source_arn_becomes_a_sub_of_the_api_and_placeholders(planned):
    result = variant(planned, {"source_arn": "arn:aws:execute-api:{region}:{account}:{api_id}/*/POST/{resource_path}"})
    [permission] = [r["Properties"] for r in result.body["Resources"].values()
                    if r["Type"] == "AWS::Lambda::Permission"]
    assert permission["SourceArn"] == {
        "Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${DbApi}/*/POST/db-api"}


def test_integration_overrides_patch_the_openapi_body(planned):
    result = variant(planned, {"integration_http_method": "get", "integration_timeout_ms": 300})
    integration = props(result, "DbApi")["Body"]["paths"]["/db-api"]["x-amazon-apigateway-any-method"][
        "x-amazon-apigateway-integration"]
    assert integration["httpMethod"] == "GET" and integration["timeoutInMillis"] == 300


def test_integration_overrides_patch_method_resources(planned):
    body = {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "db-api"}},
        "T": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "messages", "KeySchema": [
            {"AttributeName": "id", "KeyType": "HASH"}]}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "M": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "Integration": {
            "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
            "Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/x"}}}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"},
                                                                      "StageName": "prod"}}}}
    base = StackOutputs(**{**BASE.__dict__, "resources": {"Fn": "db-api", "T": "messages", "Api": "a1b2c3"}})
    result = variant_template(body, {"integration_http_method": "ANY", "throttling": {"rate": 1, "burst": 2}},
                              base=base, prefix=PREFIX, bucket="b", packages={}, parameters={},
                              cache_dir=Path("/nonexistent"))
    assert props(result, "M")["Integration"]["IntegrationHttpMethod"] == "ANY"
    assert props(result, "Dep")["StageDescription"] == {"ThrottlingRateLimit": 1.0, "ThrottlingBurstLimit": 2}


def test_stage_throttling_and_binary_media_types(planned):
    result = variant(planned, {"throttling": {"rate": 0.01, "burst": 2},
                               "binary_media_types": ["application/octet-stream"]})
    stage = props(result, "DbApiprodStage")
    assert stage["MethodSettings"] == [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 0.01,
                                        "ThrottlingBurstLimit": 2}]
    api = props(result, "DbApi")
    assert api["BinaryMediaTypes"] == ["application/octet-stream"]
    assert api["Body"]["x-amazon-apigateway-binary-media-types"] == ["application/octet-stream"]


def test_resources_patches_and_parameters(planned):
    result = variant(planned, {"resources": {"DbApiFunction": {"Properties": {"Timeout": 2, "MemorySize": None}}}})
    fn = props(result, "DbApiFunction")
    assert fn["Timeout"] == 2 and "MemorySize" not in fn
    with pytest.raises(VariantUnsupported, match="no resource Nope"):
        variant(planned, {"resources": {"Nope": {"Properties": {}}}})
    with pytest.raises(ValueError, match="no parameter Stage"):
        variant(planned, {"parameters": {"Stage": "dev"}})


def test_unknown_overrides_and_wrong_values_are_refused():
    with pytest.raises(ValueError, match="unknown stack override 'colour'"):
        check_overrides({"colour": "red"})
    with pytest.raises(ValueError):
        check_overrides({"timeout": "soon"})


def test_route_and_stage_overrides_patch_the_openapi_body_permissions_and_outputs(planned):
    result = variant(planned, {"http_method": "get", "resource_path": "/messages/", "stage": "dev"})
    paths = props(result, "DbApi")["Body"]["paths"]
    assert list(paths) == ["/messages"] and list(paths["/messages"]) == ["get"]
    assert paths["/messages"]["get"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    [permission] = [r["Properties"] for r in result.body["Resources"].values()
                    if r["Type"] == "AWS::Lambda::Permission"]
    assert permission["SourceArn"]["Fn::Sub"][0].endswith("${__ApiId__}/${__Stage__}/*/messages")
    assert props(result, "DbApiprodStage")["StageName"] == "dev"
    assert result.body["Outputs"]["Stage"]["Value"] == "dev"
    assert result.body["Outputs"]["ResourcePath"]["Value"] == "messages"


def test_route_and_stage_overrides_patch_method_resources():
    body = {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "T": {"Type": "AWS::DynamoDB::Table",
              "Properties": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Res": {"Type": "AWS::ApiGateway::Resource", "Properties": {"RestApiId": {"Ref": "Api"}, "PathPart": "db-api"}},
        "M": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Res"}, "HttpMethod": "ANY",
            "Integration": {"Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/x/${Fn.Arn}/y"}}}},
        "P": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}, "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/*/db-api"}}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"},
                                                                      "StageName": "prod"}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {
            "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "prod"}]}}}}
    base = StackOutputs(**{**BASE.__dict__, "resources": {"Fn": "db-api", "T": "messages", "Api": "a1b2c3"}})
    result = variant_template(body, {"http_method": "post", "resource_path": "things", "stage": "v2"}, base=base,
                              prefix=PREFIX, bucket="b", packages={}, parameters={}, cache_dir=Path("/nonexistent"))
    assert props(result, "M")["HttpMethod"] == "POST" and props(result, "Res")["PathPart"] == "things"
    assert props(result, "P")["SourceArn"]["Fn::Sub"].endswith("${Api}/*/*/things")
    assert props(result, "Dep")["StageName"] == "v2" and props(result, "Plan")["ApiStages"][0]["Stage"] == "v2"
    with pytest.raises(VariantUnsupported, match="one-segment path"):
        variant_template(body, {"resource_path": "a/b"}, base=base, prefix=PREFIX, bucket="b", packages={},
                         parameters={}, cache_dir=Path("/nonexistent"))
    with pytest.raises(VariantUnsupported, match="no stage prod"):
        variant_template({**body, "Resources": {k: v for k, v in body["Resources"].items() if k != "Dep"}},
                         {"stage": "v2"}, base=base, prefix=PREFIX, bucket="b", packages={}, parameters={},
                         cache_dir=Path("/nonexistent"))


def test_mentions_finds_ref_getatt_and_sub():
    assert mentions({"Ref": "Fn"}, "Fn") and mentions({"Fn::GetAtt": "Fn.Arn"}, "Fn")
    assert mentions({"Fn::Sub": ["x ${Fn.Arn}", {}]}, "Fn") and mentions([{"a": {"Fn::GetAtt": ["Fn", "Arn"]}}], "Fn")
    assert not mentions({"Fn::Sub": "${Fnord}"}, "Fn") and not mentions("Fn", "Fn")


# ---- TemplateStacks: one variant stack per override set, all deleted ---------------------------------------

class Calls:
    def __init__(self, fail: Exception | None = None) -> None:
        self.deployed: list[tuple[dict[str, Any], str]] = []
        self.destroyed: list[str] = []
        self.fail = fail

    def deploy(self, plan: Any, clients: Any, base: StackOutputs, overrides: dict[str, Any], *, prefix: str):
        self.deployed.append((dict(overrides), prefix))
        if self.fail:
            raise self.fail
        return TemplateDeployment(stack_name=f"{prefix}db-api", stack_id="id", status="CREATE_COMPLETE",
                                  changed=True, outputs={
                                      "Table": f"{prefix}messages", "RoleArn": BASE.role_arn,
                                      "FunctionName": f"{prefix}db-api", "FunctionArn": BASE.function_arn,
                                      "ApiId": "other", "Stage": "prod", "ResourcePath": "db-api"})

    def destroy(self, clients: Any, name: str) -> bool:
        self.destroyed.append(name)
        return True


class Plan:
    stack_name = "db-api"


def stacks(calls: Calls, tag: str = "") -> TemplateStacks:
    return TemplateStacks(Plan(), None, BASE, url_for=lambda a, s, p: f"http://x/{a}/{s}/{p}", variant_tag=tag,
                          deploy_fn=calls.deploy, destroy_fn=calls.destroy)


def test_template_stacks_deploy_one_variant_per_override_set_and_delete_them_all():
    calls = Calls()
    provider = stacks(calls)
    assert provider.acquire({}) is BASE
    first = provider.acquire({"timeout": 1})
    assert provider.acquire({"timeout": 1}) is first
    second = provider.acquire({"permission": "none"})
    assert first.function_name == f"v{overrides_fingerprint({'timeout': 1})}-db-api"
    assert second.invoke_url == "http://x/other/prod/db-api"
    assert len(calls.deployed) == 2
    assert provider.release() == []
    assert sorted(calls.destroyed) == sorted(f"{prefix}db-api" for _, prefix in calls.deployed)
    assert "db-api" not in calls.destroyed  # the base stack is its owner's to delete


def test_template_stacks_failures_fail_the_item_once_and_are_still_torn_down():
    calls = Calls(fail=RuntimeError("boom"))
    provider = stacks(calls, tag="gw1")
    for _ in range(2):
        with pytest.raises(StackError, match="boom"):
            provider.acquire({"timeout": 1})
    assert len(calls.deployed) == 1 and calls.deployed[0][1].endswith("-gw1-")
    provider.release()
    assert calls.destroyed == [f"{calls.deployed[0][1]}db-api"]


def test_template_stacks_skip_overrides_a_template_cannot_take():
    provider = stacks(Calls(fail=VariantUnsupported("stack override stage is not applied")))
    with pytest.raises(SkipVariant, match="stage"):
        provider.acquire({"stage": "dev"})


def test_the_plans_stacks_skip_template_only_overrides():
    from harness.clients import Clients, Endpoint
    from harness.deploy import StackSettings
    from harness.replay.stacks import DeployingStacks

    stacks = DeployingStacks(StackSettings(), Clients(Endpoint("http://127.0.0.1:9")),
                             deploy_fn=lambda *a, **k: pytest.fail("nothing is deployed"))
    with pytest.raises(SkipVariant, match="parameters applies to template stacks only"):
        stacks.acquire({"parameters": {"Greeting": "hi"}})


def test_a_plan_on_a_target_gets_its_prefix_and_tags(planned):
    from harness.deploy.template_deploy import on_target

    plan, _ = planned
    assert on_target(plan) is plan
    placed = on_target(plan, "h-1234-", {"harness:owner": "me"})
    assert placed.stack_name == f"h-1234-{plan.stack_name}"
    assert dict(placed.tags) == {**plan.tags, "harness:owner": "me"}
    assert placed.artifacts == plan.artifacts


def test_template_stacks_know_their_functions_runtime_from_the_target_asked_once():
    asked: list[str] = []

    class Lambda:
        def get_function_configuration(self, FunctionName: str) -> dict[str, Any]:
            asked.append(FunctionName)
            return {"FunctionName": FunctionName, "Runtime": "nodejs20.x"}

    provider = TemplateStacks(Plan(), lambda service: Lambda(), BASE, url_for=lambda a, s, p: "http://x")
    assert provider.runtime({}) == provider.runtime({"timeout": 1}) == "nodejs20.x"
    assert provider.runtime({"runtime": "python3.12"}) == "python3.12"  # a variant's own runtime
    assert asked == ["db-api"]

    def broken(service: str) -> Any:
        raise RuntimeError("no endpoint")

    assert TemplateStacks(Plan(), broken, BASE, url_for=lambda a, s, p: "http://x").runtime({}) is None
