"""Targets: endpoint conventions, URL shapes, skipping, settings per target, and `resolve`'s refusals."""
from __future__ import annotations

import pytest

from harness import targets
from harness.deploy import StackSettings
from harness.errors import UsageError
from harness.targets.aws import OWNER_TAG, RealAwsRefused


def test_localstack_url_follows_its_conventions():
    assert targets.localstack.localstack_url({}) == "http://localhost:4566"
    assert targets.localstack.localstack_url({"LOCALSTACK_HOST": "localstack"}) == "http://localstack:4566"
    assert targets.localstack.localstack_url({"LOCALSTACK_HOST": "127.0.0.1:4510"}) == "http://127.0.0.1:4510"
    assert targets.localstack.localstack_url({"LOCALSTACK_HOST": "https://ls.example:443"}) == "https://ls.example:443"
    both = {"AWS_ENDPOINT_URL": "http://localstack:4566/", "LOCALSTACK_HOST": "ignored:1"}
    assert targets.localstack.localstack_url(both) == "http://localstack:4566"


def test_localstack_target_region_and_lacks():
    target = targets.localstack.target(env={"AWS_ENDPOINT_URL": "http://ls:4566"})
    assert (target.name, target.endpoint.url, target.region) == ("localstack", "http://ls:4566", "us-east-1")
    assert targets.localstack.target(env={"AWS_DEFAULT_REGION": "eu-west-1"}).region == "eu-west-1"
    assert targets.localstack.target("http://x:1", region="us-west-1").region == "us-west-1"
    assert target.endpoint.credentials() == ("test", "test")  # fake credentials for a local endpoint


def test_invoke_url_shapes():
    ls = targets.localstack.target("http://localhost:4566", "us-west-1")
    assert ls.invoke_url("abc123", "prod", "/db-api") == "http://localhost:4566/_aws/execute-api/abc123/prod/db-api"
    forms = targets.localstack.localstack_invoke_urls("http://localhost:4566", "abc123", "prod", "db-api")
    assert forms == {
        "path": "http://localhost:4566/_aws/execute-api/abc123/prod/db-api",
        "host": "http://abc123.execute-api.localhost.localstack.cloud:4566/prod/db-api",
        "legacy": "http://localhost:4566/restapis/abc123/prod/_user_request_/db-api",
    }
    aws = targets.aws.target("eu-central-1")
    assert aws.invoke_url("abc123", "prod", "db-api") == "https://abc123.execute-api.eu-central-1.amazonaws.com/prod/db-api"
    assert targets.embedded.target("http://127.0.0.1:9").invoke_url("a", "s") == "http://127.0.0.1:9/_aws/execute-api/a/s/"


@pytest.mark.parametrize("requires, reason", [
    (["invoke-permission"], "localstack: LocalStack community does not enforce Lambda invoke permissions"),
    (["throttle-500"], "localstack: LocalStack answers a throttled Lambda with 502"),
    (["test-invoke-method"], None),  # 4.14 community runs TestInvokeMethod (tests/localstack checks it)
    (["fault-injection", "unknown-api-404"], None),
])
def test_localstack_skips_what_it_lacks(requires, reason):
    assert targets.localstack.target("http://ls:4566").skip_reason(requires) == reason


def test_other_targets_skip_only_their_gaps():
    assert targets.embedded.target("http://e:1").skip_reason(list(targets.FEATURES)) is None
    assert targets.aws.target().skip_reason(["invoke-permission", "throttle-500"]) is None
    assert targets.aws.target().skip_reason(["unknown-api-404"]).startswith("aws: ")
    assert set(targets.localstack.LOCALSTACK_LACKS) <= set(targets.FEATURES)


def test_stack_settings_prefix_and_tags():
    base = StackSettings()
    assert targets.localstack.target("http://ls:4566").stack_settings(base) is base
    aws = targets.aws.target("us-west-1", prefix="harness-alice-0a1b2c-", tags={OWNER_TAG: "alice"})
    mine = aws.stack_settings(base)
    assert (mine.stack_name, mine.function_name, mine.table.name, mine.role_name, mine.api_name) == (
        "harness-alice-0a1b2c-db-api", "harness-alice-0a1b2c-db-api", "harness-alice-0a1b2c-messages",
        "harness-alice-0a1b2c-LambdaServiceRole", "harness-alice-0a1b2c-api-for-db-api")
    assert mine.all_tags == {"harness:stack": "harness-alice-0a1b2c-db-api", OWNER_TAG: "alice"}


def test_safe_url_and_describe_hide_userinfo():
    assert targets.safe_url("http://user:secret@ls:4566/x") == "http://ls:4566/x"
    assert targets.safe_url("http://ls:4566") == "http://ls:4566"
    target = targets.localstack.target("http://user:secret@ls:4566")
    assert "secret" not in target.describe()


def test_resolve_endpoint_and_missing_choice():
    assert targets.resolve("aws", endpoint_url="http://e:1", region="us-west-1", check=False).name == "endpoint"
    with pytest.raises(UsageError, match="--endpoint URL") as missing:
        targets.resolve("embedded", region="us-west-1")
    assert missing.value.exit_code == 2


def test_resolve_localstack_waits_for_it(monkeypatch):
    seen = []
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://ls:4566")
    monkeypatch.setattr("harness.targets.localstack.wait_ready", lambda target, timeout: seen.append(target.endpoint.url))
    target = targets.resolve("localstack", region="us-west-1")
    assert (target.name, target.region, seen) == ("localstack", "us-west-1", ["http://ls:4566"])
    assert targets.resolve("localstack", region="us-west-1", wait=False).name == "localstack" and len(seen) == 1


def test_resolve_aws_refuses_without_opt_in(monkeypatch):
    monkeypatch.delenv("HARNESS_ALLOW_REAL_AWS", raising=False)
    with pytest.raises(RealAwsRefused) as refused:
        targets.resolve("aws", region="us-west-1")
    assert refused.value.exit_code == 2 and "--allow-real-aws" in str(refused.value)


def test_resolve_aws_refuses_an_endpoint_override(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localstack:4566")
    with pytest.raises(RealAwsRefused) as refused:
        targets.resolve("aws", region="us-west-1", allow_real_aws=True)
    assert refused.value.exit_code == 2 and "AWS_ENDPOINT_URL" in str(refused.value)


def test_resolve_aws_with_opt_in_gets_prefix_and_owner(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("USER", "Alice.Smith")
    monkeypatch.setenv("HARNESS_ALLOW_REAL_AWS", "1")
    target = targets.resolve("aws", region="us-west-1")
    assert target.name == "aws" and target.endpoint.url is None
    assert target.prefix.startswith("harness-alicesmith-") and target.tags == {OWNER_TAG: "alicesmith"}
    assert targets.resolve("aws", region="us-west-1").prefix == target.prefix  # saved: destroy finds deploy's
    explicit = targets.resolve("aws", region="us-west-1", prefix="mine-")
    assert explicit.prefix == "" and explicit.tags == {OWNER_TAG: "alicesmith"}  # the caller applied `mine-`


def test_real_aws_lacks_execution_logs_unless_the_account_is_set_up_for_them():
    plain = targets.aws.target("us-west-1", env={})
    assert plain.skip_reason(["execution-logs"]).startswith("aws: API Gateway writes execution logs only")
    assert "HARNESS_AWS_EXECUTION_LOGS=1" in plain.skip_reason(["execution-logs"])
    assert not plain.stack_settings(StackSettings()).execution_logging
    on = targets.aws.target("us-west-1", env={"HARNESS_AWS_EXECUTION_LOGS": "1"})
    assert on.skip_reason(["execution-logs"]) is None and on.skip_reason(["unknown-api-404"]).startswith("aws: ")
    assert on.stack_settings(StackSettings()).execution_logging
    assert not targets.embedded.target("http://e:1").stack_settings(StackSettings()).execution_logging


def test_resolve_localstack_at_an_endpoint_is_localstack(monkeypatch):
    """`--target localstack --endpoint URL`: LocalStack at that URL (its waits, what it lacks), not a bare endpoint."""
    seen = []
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr("harness.targets.localstack.wait_ready", lambda target, timeout: seen.append(target.endpoint.url))
    target = targets.resolve("localstack", endpoint_url="http://127.0.0.1:4666/", region="us-west-1")
    assert (target.name, target.endpoint.url, seen) == ("localstack", "http://127.0.0.1:4666", ["http://127.0.0.1:4666"])
    assert "invoke-permission" in target.lacks
