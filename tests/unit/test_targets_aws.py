"""The `aws` target with moto playing AWS (mock_aws): opt-in refusal, unique prefix, tags on everything,
teardown scope, the create-function retry while a role propagates, AWS invoke URLs, no credentials printed."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from harness import cli
from harness.targets import aws as realaws
from harness.clients import Clients, Endpoint
from harness.deploy import Call, Executor, StackSettings, deploy, plan_deploy
from harness.deploy.package import build_zip

ACCESS_KEY = "AKIAHARNESSLEAKCHECK"
SECRET_KEY = "harness/leak+check/secret/0123456789abcdefgh"


@pytest.fixture()
def real_aws_env(monkeypatch, tmp_path) -> Path:
    """Credentials in the environment (as a user would have them), a clean checkout directory, user alice."""
    for name in ("AWS_ENDPOINT_URL", "CI", "HARNESS_ALLOW_REAL_AWS", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    monkeypatch.setenv("USER", "alice")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _inventory(clients: Clients) -> dict[str, list[str]]:
    return {
        "tables": sorted(clients("dynamodb").list_tables()["TableNames"]),
        "functions": sorted(f["FunctionName"] for f in clients("lambda").list_functions()["Functions"]),
        "apis": sorted(a["name"] for a in clients("apigateway").get_rest_apis()["items"]),
        "roles": sorted(r["RoleName"] for r in clients("iam").list_roles()["Roles"]),
    }


@pytest.mark.slow
def test_refused_without_opt_in_before_any_call(real_aws_env, capsys):
    with mock_aws():
        assert cli.main(["deploy", "--target", "aws"]) == 2
        assert _inventory(Clients(Endpoint(None, "us-west-1")))["tables"] == []
    err = capsys.readouterr().err
    assert "refusing to use real AWS" in err and "--allow-real-aws" in err and "HARNESS_ALLOW_REAL_AWS=1" in err
    assert not (real_aws_env / ".harness/aws-prefix").exists()


@pytest.mark.slow
def test_deploy_prefix_tags_urls_and_teardown_scope(real_aws_env, capsys):
    with mock_aws():
        clients = Clients(Endpoint(None, "us-west-1"))
        # Someone's own tutorial stack (same base names, no prefix) and an untagged look-alike must survive.
        deploy(StackSettings(), clients)
        assert cli.main(["deploy", "--target", "aws", "--allow-real-aws", "--outputs", "out.json"]) == 0
        prefix = (real_aws_env / ".harness/aws-prefix").read_text().strip()
        assert prefix.startswith("harness-alice-") and len(prefix) <= 32
        outputs = json.loads((real_aws_env / "out.json").read_text())
        assert outputs["function_name"] == f"{prefix}db-api" and outputs["tables"] == [f"{prefix}messages"]
        assert outputs["invoke_url"] == \
            f"https://{outputs['api_id']}.execute-api.us-west-1.amazonaws.com/prod/db-api"

        tags = {"harness:stack": f"{prefix}db-api", "harness:owner": "alice"}
        lam, ddb, iam, apigw = clients("lambda"), clients("dynamodb"), clients("iam"), clients("apigateway")
        assert lam.get_function(FunctionName=f"{prefix}db-api")["Tags"] == tags
        table_arn = ddb.describe_table(TableName=f"{prefix}messages")["Table"]["TableArn"]
        assert {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table_arn)["Tags"]} == tags
        role_tags = iam.list_role_tags(RoleName=f"{prefix}LambdaServiceRole")["Tags"]
        assert {t["Key"]: t["Value"] for t in role_tags} == tags
        assert apigw.get_rest_api(restApiId=outputs["api_id"])["tags"] == tags

        ddb.create_table(TableName=f"{prefix}scratch", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])

        assert cli.main(["destroy", "--target", "aws", "--allow-real-aws"]) == 0
        assert _inventory(clients) == {
            "tables": [f"{prefix}scratch", "messages"],
            "functions": ["db-api"], "apis": ["api-for-db-api"], "roles": ["LambdaServiceRole"],
        }
        assert cli.main(["destroy", "--target", "aws", "--allow-real-aws"]) == 0  # idempotent: nothing left
    out = capsys.readouterr()
    assert f"nothing of {prefix}db-api found" in out.out
    for text in (out.out, out.err):
        assert ACCESS_KEY not in text and SECRET_KEY not in text


@pytest.mark.slow
def test_env_opt_in_and_explicit_prefix(real_aws_env, monkeypatch, capsys):
    monkeypatch.setenv("HARNESS_ALLOW_REAL_AWS", "1")
    with mock_aws():
        assert cli.main(["deploy", "--target", "aws", "--prefix", "mine-", "--outputs", "out.json"]) == 0
        fn = Clients(Endpoint(None, "us-west-1"))("lambda").get_function(FunctionName="mine-db-api")
        assert fn["Tags"] == {"harness:stack": "mine-db-api", "harness:owner": "alice"}
    assert not (real_aws_env / ".harness/aws-prefix").exists()  # an explicit prefix is not replaced
    assert ACCESS_KEY not in capsys.readouterr().out


class _FlakyLambda:
    """CreateFunction fails like AWS while a new role propagates, then succeeds."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0

    def create_function(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise ClientError({"Error": {"Code": "InvalidParameterValueException",
                                         "Message": "The role defined for the function cannot be assumed by Lambda."}},
                              "CreateFunction")
        return {"FunctionArn": f"arn:aws:lambda:us-west-1:123456789012:function:{params['FunctionName']}"}


class _Clients:
    def __init__(self, lam: _FlakyLambda) -> None:
        self.endpoint = Endpoint(None, "us-west-1")
        self.lam = lam

    def __call__(self, service: str) -> Any:
        return self.lam


def test_create_function_is_retried_while_the_role_propagates(monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr("harness.deploy.executor.time.sleep", sleeps.append)
    settings = StackSettings()
    step = next(s for s in plan_deploy(settings, build_zip(settings.code_dir)) if getattr(s, "operation", "") == "CreateFunction")
    assert "InvalidParameterValueException" in step.retry_on
    flaky = _FlakyLambda(failures=2)
    results = Executor(_Clients(flaky)).run((Call(step.id, step.service, step.operation,
                                                   {"FunctionName": "f"}, step.note, retry_on=step.retry_on),))
    assert flaky.calls == 3 and results["function"]["FunctionArn"].endswith(":function:f")
    assert sleeps == [20.0, 20.0]  # real AWS: 2 s poll x 10 between attempts


def test_prefix_and_owner_rules(tmp_path):
    assert realaws.owner({"CI": "true", "GITHUB_RUN_ID": "987654321"}) == "ci987654321"
    assert realaws.owner({"USER": "Bob O'Neil"}) == "boboneil"
    assert realaws.new_prefix("alice", "0a1b2c") == "harness-alice-0a1b2c-"
    longest = realaws.new_prefix("x" * 40)
    assert len(longest + "LambdaServiceRole") <= 64  # IAM role names
    path = tmp_path / "p"
    first = realaws.stack_prefix(path, {"USER": "carol"})
    assert first.startswith("harness-carol-") and realaws.stack_prefix(path, {"USER": "dave"}) == first
    path.write_text("rm -rf /\n")
    assert realaws.stack_prefix(path, {"USER": "erin"}).startswith("harness-erin-")


def test_opt_in_values():
    assert realaws.opted_in(True, {}) and realaws.opted_in(False, {"HARNESS_ALLOW_REAL_AWS": "1"})
    assert realaws.opted_in(False, {"HARNESS_ALLOW_REAL_AWS": "true"})
    assert not realaws.opted_in(False, {"HARNESS_ALLOW_REAL_AWS": "0"}) and not realaws.opted_in(False, {})
