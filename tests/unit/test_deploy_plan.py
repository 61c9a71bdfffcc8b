"""The deployment plan's content, asserted without any AWS endpoint."""
from __future__ import annotations

import zipfile
import io

import pytest

from harness.deploy import Call, Fmt, Observed, Ref, StackSettings, TableSpec, Wait, plan_deploy, plan_destroy, render
from harness.deploy.executor import _resolve
from harness.deploy.package import build_zip, code_sha256
from harness.deploy.settings import STACK_TAG

PACKAGE = b"PK-fake-zip"


def ops(plan):
    return [(s.service, s.operation) if isinstance(s, Call) else (s.service, f"wait:{s.waiter}") for s in plan]


def step(plan, step_id):
    return next(s for s in plan if s.id == step_id)


def test_fresh_plan_follows_the_tutorial_steps_in_order():
    plan = plan_deploy(StackSettings(), PACKAGE)
    assert ops(plan) == [
        ("sts", "GetCallerIdentity"),
        ("dynamodb", "CreateTable"), ("dynamodb", "wait:table_exists"),
        ("iam", "CreateRole"), ("iam", "AttachRolePolicy"), ("iam", "AttachRolePolicy"),
        ("lambda", "CreateFunction"), ("lambda", "wait:function_active_v2"),
        ("apigateway", "CreateRestApi"), ("apigateway", "GetResources"), ("apigateway", "CreateResource"),
        ("apigateway", "PutMethod"), ("apigateway", "PutIntegration"), ("apigateway", "PutMethodResponse"),
        ("apigateway", "CreateDeployment"), ("lambda", "AddPermission"),
    ]


def test_fresh_plan_uses_the_tutorial_values():
    plan = plan_deploy(StackSettings(), PACKAGE)
    table = step(plan, "table:messages").params
    assert table["TableName"] == "messages"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    role = step(plan, "role").params
    assert role["RoleName"] == "LambdaServiceRole"
    assert '"Service": ["lambda.amazonaws.com"]' in role["AssumeRolePolicyDocument"]
    policies = [s.params["PolicyArn"] for s in plan if isinstance(s, Call) and s.operation == "AttachRolePolicy"]
    assert policies == ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
                        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    fn = step(plan, "function").params
    assert (fn["FunctionName"], fn["Runtime"], fn["Handler"], fn["MemorySize"], fn["Timeout"]) == (
        "db-api", "python3.12", "index.handler", 512, 10)
    assert fn["Code"] == {"ZipFile": PACKAGE}
    assert fn["Role"] == Ref("role", "Role.Arn")
    assert step(plan, "api").params["name"] == "api-for-db-api"
    assert step(plan, "resource").params["pathPart"] == "db-api"
    method = step(plan, "method").params
    assert (method["httpMethod"], method["authorizationType"]) == ("ANY", "NONE")
    integration = step(plan, "integration").params
    assert (integration["type"], integration["integrationHttpMethod"]) == ("AWS_PROXY", "POST")
    assert step(plan, "method-response").params["statusCode"] == "200"
    assert step(plan, "deployment").params["stageName"] == "prod"
    permission = step(plan, "permission").params
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["Action"] == "lambda:InvokeFunction"


def test_refs_resolve_to_the_tutorial_uri_and_source_arn():
    plan = plan_deploy(StackSettings(), PACKAGE)
    results = {"whoami": {"Account": "123456789012"}, "api": {"id": "abc123"},
               "function": {"FunctionArn": "arn:aws:lambda:us-west-1:123456789012:function:db-api"}}
    uri = _resolve(step(plan, "integration").params["uri"], results)
    assert uri == ("arn:aws:apigateway:us-west-1:lambda:path/2015-03-31/functions/"
                   "arn:aws:lambda:us-west-1:123456789012:function:db-api/invocations")
    arn = _resolve(step(plan, "permission").params["SourceArn"], results)
    assert arn == "arn:aws:execute-api:us-west-1:123456789012:abc123/*/*/db-api"


def test_everything_created_carries_the_stack_tag():
    plan = plan_deploy(StackSettings(), PACKAGE)
    assert {"Key": STACK_TAG, "Value": "db-api"} in step(plan, "table:messages").params["Tags"]
    assert {"Key": STACK_TAG, "Value": "db-api"} in step(plan, "role").params["Tags"]
    assert step(plan, "function").params["Tags"][STACK_TAG] == "db-api"
    assert step(plan, "api").params["tags"][STACK_TAG] == "db-api"


def test_redeploy_updates_in_place():
    seen = Observed(account_id="1", tables={"messages": {STACK_TAG: "db-api"}}, role_arn="arn:role",
                    attached_policies=StackSettings().managed_policies, function_arn="arn:fn",
                    function_has_statement=True, api_id="abc123", resource_id="r1", method_exists=True,
                    method_response_exists=True)
    plan = plan_deploy(StackSettings(), PACKAGE, seen)
    names = [op for _, op in ops(plan)]
    for absent in ("CreateTable", "CreateRole", "AttachRolePolicy", "CreateFunction", "CreateRestApi",
                   "CreateResource", "PutMethod", "PutMethodResponse"):
        assert absent not in names
    assert names == ["GetCallerIdentity", "UpdateFunctionCode", "wait:function_updated_v2",
                     "UpdateFunctionConfiguration", "wait:function_updated_v2", "PutIntegration",
                     "CreateDeployment", "RemovePermission", "AddPermission"]
    assert step(plan, "function-config").params["Role"] == "arn:role"
    assert step(plan, "deployment").params["restApiId"] == "abc123"


@pytest.mark.parametrize("overrides, check", [
    ({"permission": "none"}, lambda p: "AddPermission" not in [op for _, op in ops(p)]),
    ({"source_arn": "arn:aws:execute-api:{region}:{account}:other/*/*/db-api"},
     lambda p: step(p, "permission").params["SourceArn"].template.endswith(":other/*/*/db-api")),
    ({"integration_http_method": "get"}, lambda p: step(p, "integration").params["integrationHttpMethod"] == "GET"),
    ({"handler": "index.nope"}, lambda p: step(p, "function").params["Handler"] == "index.nope"),
    ({"timeout": 1}, lambda p: step(p, "function").params["Timeout"] == 1),
    ({"reserved_concurrency": 1},
     lambda p: step(p, "concurrency").params == {"FunctionName": "db-api", "ReservedConcurrentExecutions": 1}),
    ({"environment": {"ALLOWED_TABLES": "messages"}},
     lambda p: step(p, "function").params["Environment"] == {"Variables": {"ALLOWED_TABLES": "messages"}}),
    ({"key_type": "N"},
     lambda p: step(p, "table:messages").params["AttributeDefinitions"][0]["AttributeType"] == "N"),
    ({"extra_tables": ["users"]}, lambda p: step(p, "table:users").params["TableName"] == "users"),
    ({"integration_timeout_ms": 1000}, lambda p: step(p, "integration").params["timeoutInMillis"] == 1000),
])
def test_overrides_change_the_plan(overrides, check):
    assert check(plan_deploy(StackSettings().with_overrides(overrides), PACKAGE))


def test_unknown_override_is_named():
    with pytest.raises(ValueError, match="unknown stack override 'nope'"):
        StackSettings().with_overrides({"nope": 1})


def test_prefix_renames_everything_and_fingerprint_is_stable():
    settings = StackSettings().with_overrides({"extra_tables": ["users"]}).with_prefix("v1-")
    assert (settings.table.name, settings.extra_tables[0].name, settings.function_name, settings.role_name,
            settings.api_name, settings.stack_name) == (
        "v1-messages", "v1-users", "v1-db-api", "v1-LambdaServiceRole", "v1-api-for-db-api", "v1-db-api")
    assert StackSettings().fingerprint() == StackSettings().fingerprint()
    assert StackSettings().fingerprint() != StackSettings().with_overrides({"timeout": 1}).fingerprint()


def test_destroy_deletes_only_what_the_stack_owns():
    mine = {STACK_TAG: "db-api"}
    seen = Observed(tables={"messages": mine, "users": {}}, role_arn="arn:role", role_tags=mine,
                    attached_policies=("arn:p",), function_arn="arn:fn", function_tags={},
                    api_id="abc", api_tags=mine)
    plan = plan_destroy(StackSettings(), seen)
    names = [(s.operation if isinstance(s, Call) else s.waiter) for s in plan]
    assert names == ["DeleteRestApi", "DeleteLogGroup", "DeleteTable", "table_not_exists", "DetachRolePolicy",
                     "DeleteRole"]
    assert step(plan, "delete-table:messages").params == {"TableName": "messages"}
    assert plan_destroy(StackSettings(), Observed()) == ()


def test_render_prints_every_step_and_summarises_the_code():
    text = render(plan_deploy(StackSettings(), PACKAGE))
    assert "1. Create DynamoDB table messages (key id, type S)" in text
    assert "6. Allow API Gateway to invoke the function" in text
    assert f"<zip {len(PACKAGE)} bytes, sha256 {code_sha256(PACKAGE)}>" in text
    assert "arn:aws:execute-api:us-west-1:<whoami.Account>:<api.id>/*/*/db-api" in text


def test_package_is_deterministic_and_takes_extra_files(tmp_path):
    (tmp_path / "index.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"junk")
    first = build_zip(tmp_path)
    assert first == build_zip(tmp_path)
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names == ["index.py"]
    extra = zipfile.ZipFile(io.BytesIO(build_zip(tmp_path, {"index.py": "broken(", "b.py": "x = 1"})))
    assert extra.read("index.py") == b"broken("
    assert sorted(extra.namelist()) == ["b.py", "index.py"]
    with pytest.raises(FileNotFoundError, match="handler directory not found"):
        build_zip(tmp_path / "missing")


def test_real_handler_package_contains_index():
    names = zipfile.ZipFile(io.BytesIO(build_zip(StackSettings().code_dir))).namelist()
    assert "index.py" in names


def test_execution_logging_turns_on_the_stage_logs_right_after_the_deployment():
    assert "stage-settings" not in [s.id for s in plan_deploy(StackSettings(), PACKAGE)]
    plan = plan_deploy(StackSettings(execution_logging=True), PACKAGE)
    ids = [s.id for s in plan]
    assert ids.index("stage-settings") == ids.index("deployment") + 1
    logging = step(plan, "stage-settings")
    assert (logging.service, logging.operation) == ("apigateway", "UpdateStage")
    assert logging.params["stageName"] == "prod" and isinstance(logging.params["restApiId"], Ref)
    assert logging.params["patchOperations"] == [
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}]


def test_throttling_sets_the_stage_limits_right_after_the_deployment():
    settings = StackSettings().with_overrides({"throttling": {"rate": 0.5, "burst": 2}})
    assert settings.throttling == (0.5, 2)
    plan = plan_deploy(settings, PACKAGE)
    ids = [s.id for s in plan]
    assert ids.index("stage-settings") == ids.index("deployment") + 1
    throttle = step(plan, "stage-settings")
    assert (throttle.service, throttle.operation) == ("apigateway", "UpdateStage")
    assert throttle.params["patchOperations"] == [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.5"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "2"}]
    assert settings.fingerprint() != StackSettings().fingerprint()  # its own variant deployment
    both = plan_deploy(StackSettings(execution_logging=True, throttling=(1.0, 3)), PACKAGE)
    assert [s.id for s in both].count("stage-settings") == 1  # one UpdateStage for all of them
    assert [op["path"] for op in step(both, "stage-settings").params["patchOperations"]] == [
        "/*/*/logging/loglevel", "/*/*/logging/dataTrace", "/*/*/throttling/rateLimit", "/*/*/throttling/burstLimit"]
