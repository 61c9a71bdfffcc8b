"""The runner with a fake transport, a fake AWS caller and fake stack providers: no network, no stack.

Proves: captures flow between steps, generators are bound once per item, variants are torn down even when a
step (or the deployment, or the run) fails, teardown steps always run, retries, skip reasons, log polling.
"""
from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError

from harness.deploy import StackOutputs, StackSettings
from harness.replay.awscalls import perform
from harness.replay.loader import load_scenario
from harness.replay.log_checks import CloudWatchLogs
from harness.replay.results import FAILED, PASSED, SKIPPED, Request, Response
from harness.replay.runner import Runner
from harness.replay.stacks import DeployingStacks, FixedStack, StackError
from harness.replay.transport import TransportError
from harness.targets import Target, embedded
from harness.targets.localstack import LOCALSTACK_LACKS
from harness.clients import Endpoint

URL = "http://stack.test"
HEAD = '"$schema": "../harness/replay/scenario.schema.json"'


def outputs(settings: StackSettings | None = None) -> StackOutputs:
    s = settings or StackSettings()
    return StackOutputs(
        stack_name=s.stack_name, region=s.region, account_id="123456789012", tables=tuple(t.name for t in s.tables),
        role_arn=f"arn:aws:iam::123456789012:role/{s.role_name}", function_name=s.function_name,
        function_arn=f"arn:aws:lambda:{s.region}:123456789012:function:{s.function_name}",
        api_id="api123", stage=s.stage, resource_path=s.resource_path, deployment_id="dep1",
        invoke_url=f"{URL}/_aws/execute-api/api123/{s.stage}/{s.resource_path}",
    )


class FakeTransport:
    """Answers like the tutorial's stack from an in-memory table; `script` can override answers per call."""

    def __init__(self, script: Callable[[Request, int], Response | None] | None = None) -> None:
        self.sent: list[Request] = []
        self.items: dict[str, dict[str, Any]] = {}
        self.script = script
        self.closed = False

    def send(self, request: Request) -> Response:
        self.sent.append(request)
        if self.script:
            answer = self.script(request, len(self.sent))
            if answer is not None:
                return answer
        parts = urlsplit(request.url)
        if request.method == "POST":
            body = json.loads(request.body)
            self.items[body["Item"]["id"]] = body["Item"]
            return self.json(200, {})
        if request.method == "GET":
            table = parse_qs(parts.query).get("TableName", [""])[0]
            items = list(self.items.values()) if table == "messages" else []
            return self.json(200, {"Items": items, "Count": len(items), "ScannedCount": len(items)})
        return self.json(403, {"message": "Missing Authentication Token"})

    @staticmethod
    def json(status: int, body: Any, **headers: str) -> Response:
        return Response(status, {"Content-Type": "application/json", "x-amzn-RequestId": "req-1", **headers},
                        json.dumps(body).encode(), duration_ms=7.0)

    def close(self) -> None:
        self.closed = True


class FakeAws:
    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, str, dict[str, Any], bool]] = []
        self.answers = answers or {}

    def call(self, service: str, operation: str, params: dict[str, Any], *, document: bool = False) -> Any:
        self.calls.append((service, operation, params, document))
        answer = self.answers.get(f"{service}.{operation}", {"ResponseMetadata": {"HTTPStatusCode": 200}})
        if isinstance(answer, Exception):
            raise answer
        return answer(params) if callable(answer) else answer


class FakeLogs:
    def __init__(self, batches: dict[str, list[list[str]]]) -> None:
        self.batches = batches
        self.reads: list[tuple[str, int]] = []

    def messages(self, group: str, start_ms: int) -> list[str]:
        self.reads.append((group, start_ms))
        batches = self.batches.get(group, [[]])
        return batches[min(len([r for r in self.reads if r[0] == group]) - 1, len(batches) - 1)]


class FakeStacks:
    def __init__(self, fail_for: str | None = None) -> None:
        self.acquired: list[dict[str, Any]] = []
        self.released = 0
        self.fail_for = fail_for

    def acquire(self, overrides):
        self.acquired.append(dict(overrides))
        if self.fail_for and self.fail_for in overrides:
            raise StackError("deploying variant failed: boom")
        return outputs(StackSettings().with_overrides(overrides))

    def release(self):
        self.released += 1
        return []


class Clock:
    """A fake monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scenario_file(tmp_path: Path, body: str, name: str = "s.json") -> Path:
    path = tmp_path / name
    path.write_text("{" + HEAD + ",\n" + textwrap.dedent(body).strip() + "\n}\n")
    return path


def make_runner(target: Target | None = None, stacks: Any = None, transport: Any = None, aws: Any = None,
                logs: Any = None, clock: Clock | None = None) -> Runner:
    clock = clock or Clock()
    return Runner(target or embedded.target(URL), stacks or FakeStacks(), transport=transport or FakeTransport(),
                  aws=aws or FakeAws(), logs=logs if logs is not None else FakeLogs({}), clock=clock,
                  sleep=clock.sleep, wall=lambda: 1000.0)


POST_THEN_GET = """
"name": "POST then GET",
"vars": {"table": "{{stack.table}}", "id": "{{uuid}}"},
"steps": [
  {"name": "empty", "http": {"path": "/db-api", "query": {"TableName": "{{table}}"}},
   "expect": {"status": 200, "json": {"Items": [], "Count": 0, "ScannedCount": 0}}},
  {"name": "create", "http": {"method": "POST", "path": "/db-api",
     "json": {"TableName": "{{table}}", "Item": {"id": "{{id}}", "author": "Neil Armstrong"}}},
   "expect": {"status": 200}, "capture": {"rid": {"header": "x-amzn-RequestId"}}},
  {"name": "sees it", "http": {"path": "/db-api", "query": {"TableName": "{{table}}"}},
   "expect": {"json_subset": {"Items": [{"id": "{{id}}"}], "Count": 1}},
   "capture": {"seen": "$.Items[0].id", "count": "$.Count"}}
]
"""


def test_a_passing_scenario_captures_and_reuses_values(tmp_path):
    transport = FakeTransport()
    scenario = load_scenario(scenario_file(tmp_path, POST_THEN_GET))
    with make_runner(transport=transport) as runner:
        result = runner.run_item(scenario.items()[0])
    assert result.outcome == PASSED, result
    assert [s.outcome for s in result.steps] == [PASSED] * 3
    get, post, _ = transport.sent
    assert get.url == f"{URL}/_aws/execute-api/api123/prod/db-api?TableName=messages"
    assert post.headers == {"Content-Type": "application/json"}
    sent_id = json.loads(post.body)["Item"]["id"]
    assert result.vars["id"] == sent_id == result.vars["seen"] and result.vars["count"] == 1
    assert result.vars["rid"] == "req-1" and result.steps[2].captured == {"seen": sent_id, "count": 1}
    assert transport.closed


def test_generators_are_fresh_for_each_row(tmp_path):
    body = '"name": "rows", "vars": {"id": "{{uuid}}"}, "params": [{"id": "a"}, {"id": "b"}],\n' \
           '"steps": [{"http": {"method": "POST", "json": {"Item": {"id": "{{id}}"}, "again": "{{uuid}}"}}}]'
    transport = FakeTransport()
    with make_runner(transport=transport) as runner:
        for item in load_scenario(scenario_file(tmp_path, body)).items():
            runner.run_item(item)
    first, second = (json.loads(r.body) for r in transport.sent)
    assert first["Item"]["id"] == first["again"] != second["Item"]["id"] == second["again"]


def test_a_missing_key_fails_before_sending(tmp_path):
    # an unbound name is caught when the file loads (test_replay_references.py); a missing key of a variable's
    # value can only be found at run time
    body = '"name": "typo", "vars": {"t": {"name": "x"}},\n"steps": [{"http": {"query": {"TableName": "{{t.nmae}}"}}}]'
    transport = FakeTransport()
    with make_runner(transport=transport) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert result.outcome == FAILED and transport.sent == []
    assert result.steps[0].error == "steps[0].http.query.TableName: 't' has no key 'nmae'; keys: name"


def test_a_missing_index_in_vars_fails_the_item(tmp_path):
    body = '"name": "typo", "vars": {"a": "{{stack.tables.3}}"}, "steps": [{"http": {}}]'
    with make_runner() as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert (result.outcome, result.error, result.steps) == (
        FAILED, "vars.a: 'stack.tables' has no index '3' (length 1)", ())


def test_step_overrides_api_id_stage_and_url(tmp_path):
    body = '"name": "wrong ids", "steps": [\n{"http": {"api_id": "nope", "stage": "beta", "path": "/x"}},\n' \
           '{"http": {"url": "http://elsewhere/p", "query": "a=1&a=2"}},\n{"http": {}}]'
    transport = FakeTransport()
    with make_runner(transport=transport, target=Target("aws", Endpoint(None, "us-west-1"))) as runner:
        runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert [r.url for r in transport.sent] == [
        "https://nope.execute-api.us-west-1.amazonaws.com/beta/x", "http://elsewhere/p?a=1&a=2",
        "https://api123.execute-api.us-west-1.amazonaws.com/prod/db-api"]


def test_failures_stop_the_steps_but_teardown_always_runs(tmp_path):
    body = """
    "name": "stops",
    "setup": [{"name": "seed", "http": {"method": "POST", "json": {"Item": {"id": "1"}}}}],
    "steps": [
      {"name": "fails", "http": {"query": {"TableName": "messages"}}, "expect": {"status": 201}},
      {"name": "never", "http": {"query": {"TableName": "messages"}}}
    ],
    "teardown": [{"name": "clean", "http": {"method": "DELETE"}, "expect": {"status": 403}}]
    """
    with make_runner() as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert result.outcome == FAILED
    assert [(s.phase, s.name, s.outcome) for s in result.steps] == [
        ("setup", "seed", PASSED), ("steps", "fails", FAILED), ("teardown", "clean", PASSED)]


def test_a_failing_setup_skips_the_steps(tmp_path):
    body = '"name": "s", "setup": [{"http": {}, "expect": {"status": 500}}], "steps": [{"http": {}}],\n' \
           '"teardown": [{"name": "t", "http": {"method": "DELETE"}}]'
    with make_runner() as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert [(s.phase, s.outcome) for s in result.steps] == [("setup", FAILED), ("teardown", PASSED)]


def test_variants_are_torn_down_even_when_a_step_fails(tmp_path):
    deployed, destroyed = [], []

    def fake_deploy(settings, clients, url_for=None):
        deployed.append(settings)
        return outputs(settings)

    stacks = DeployingStacks(StackSettings(), clients=None, deploy_fn=fake_deploy,
                             destroy_fn=lambda settings, clients: destroyed.append(settings))
    body = '"name": "no permission", "stack": {"permission": false},\n' \
           '"steps": [{"http": {"query": {"TableName": "x"}}, "expect": {"status": 500}}]'
    scenario = load_scenario(scenario_file(tmp_path, body))
    runner = make_runner(stacks=stacks)
    results = runner.run(scenario.items() + scenario.items())
    assert [r.outcome for r in results] == [FAILED, FAILED]
    variant = StackSettings().with_overrides({"permission": False})
    name = f"v{variant.fingerprint()}-db-api"
    assert [s.stack_name for s in deployed] == [name]  # deployed once per distinct override set
    assert deployed[0].source_arn is None and deployed[0].table.name == f"v{variant.fingerprint()}-messages"
    assert [s.stack_name for s in destroyed] == [name]  # torn down; the base stack is left alone
    assert results[0].stack_name == name


def test_variants_are_torn_down_when_the_run_is_interrupted(tmp_path):
    destroyed = []
    stacks = DeployingStacks(StackSettings(), clients=None, deploy_fn=lambda s, c, url_for=None: outputs(s),
                             destroy_fn=lambda s, c: destroyed.append(s.stack_name))
    scenario = load_scenario(scenario_file(tmp_path, '"name": "x", "stack": {"timeout": 1}, "steps": [{"http": {}}]'))

    def interrupt(result):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_runner(stacks=stacks).run(scenario.items(), on_result=interrupt)
    assert len(destroyed) == 1 and destroyed[0].startswith("v")


def test_a_half_deployed_variant_fails_the_item_and_is_still_torn_down(tmp_path):
    destroyed = []

    def broken_deploy(settings, clients, url_for=None):
        if settings.stack_name.startswith("v"):
            raise RuntimeError("CreateFunction: AccessDenied")
        return outputs(settings)

    stacks = DeployingStacks(StackSettings(), clients=None, deploy_fn=broken_deploy,
                             destroy_fn=lambda s, c: destroyed.append(s.stack_name))
    scenario = load_scenario(scenario_file(tmp_path, '"name": "x", "stack": {"handler": "index.nope"}, "steps": [{"http": {}}]'))
    results = make_runner(stacks=stacks).run(scenario.items() * 2)
    name = stacks.variant_settings({"handler": "index.nope"}).stack_name
    assert [r.outcome for r in results] == [FAILED, FAILED]
    assert results[0].error == f"stack: deploying variant {name} failed: CreateFunction: AccessDenied"
    assert results[1].error == results[0].error  # not redeployed
    assert destroyed == [name]


def test_release_errors_are_collected_not_raised():
    def bad_destroy(settings, clients):
        raise RuntimeError("DeleteTable: throttled")

    stacks = DeployingStacks(StackSettings(), clients=None, deploy_fn=lambda s, c, url_for=None: outputs(s),
                             destroy_fn=bad_destroy, destroy_base=True, exists_fn=lambda s, c: False)
    stacks.acquire({})
    stacks.acquire({"timeout": 5})
    errors = stacks.release()
    assert len(errors) == 2 and all("DeleteTable: throttled" in e for e in errors)
    assert stacks.variants == {}


def test_a_base_stack_that_was_there_before_is_never_destroyed():
    destroyed = []
    stacks = DeployingStacks(StackSettings(), clients=None, deploy_fn=lambda s, c, url_for=None: outputs(s),
                             destroy_fn=lambda s, c: destroyed.append(s.stack_name), destroy_base=True,
                             exists_fn=lambda s, c: True)
    stacks.acquire({})
    stacks.acquire({"timeout": 5})
    assert stacks.release() == []
    assert destroyed == [stacks.variant_settings({"timeout": 5}).stack_name]


def test_retry_until_the_expectation_holds(tmp_path):
    def script(request, count):
        return FakeTransport.json(404 if count < 3 else 200, {})

    body = '"name": "r", "steps": [{"http": {}, "expect": {"status": 200}, "retry": {"attempts": 5, "interval": 0.25}}]'
    clock = Clock()
    with make_runner(transport=FakeTransport(script), clock=clock) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert result.outcome == PASSED and result.steps[0].attempts == 3 and clock.sleeps == [0.25, 0.25]


def test_retry_gives_up_after_its_attempts_or_timeout(tmp_path):
    def script(request, count):
        return FakeTransport.json(404, {})

    body = '"name": "r", "steps": [{"http": {}, "expect": {"status": 200}, "retry": {"attempts": 4, "interval": 1}}]'
    with make_runner(transport=FakeTransport(script)) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert result.outcome == FAILED and result.steps[0].attempts == 4
    assert [str(m) for m in result.steps[0].mismatches] == ["status: expected 200, got 404"]
    body = body.replace('"interval": 1}', '"interval": 1, "timeout": 2.5}').replace('"attempts": 4', '"attempts": 100')
    with make_runner(transport=FakeTransport(script)) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body, "t.json")).items()[0])
    assert result.steps[0].attempts == 3  # tries at t=0, 1, 2; a fourth would start after 2.5 s


def test_transport_errors_are_step_failures_and_retried(tmp_path):
    def script(request, count):
        if count == 1:
            raise TransportError("ConnectionError: refused")
        return None

    body = '"name": "r", "steps": [{"http": {"query": {"TableName": "t"}}, "retry": {"attempts": 2, "interval": 0}}]'
    with make_runner(transport=FakeTransport(script)) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert result.outcome == PASSED and result.steps[0].attempts == 2
    with make_runner(transport=FakeTransport(script)) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body.replace('"attempts": 2', '"attempts": 1'), "b.json")).items()[0])
    assert result.steps[0].error == "ConnectionError: refused" and result.steps[0].response is None


def test_skip_reasons(tmp_path):
    needs = load_scenario(scenario_file(tmp_path, '"name": "a", "requires": ["invoke-permission"], "steps": [{"http": {}}]', "a.json"))
    only_aws = load_scenario(scenario_file(tmp_path, '"name": "b", "targets": ["aws"], "steps": [{"http": {}}]', "b.json"))
    faulty = load_scenario(scenario_file(tmp_path, '"name": "c", "stack": {"timeout": 1}, "steps": [{"http": {}}]', "c.json"))
    localstack = Target("localstack", Endpoint("http://ls:4566", "us-east-1"), LOCALSTACK_LACKS)
    transport = FakeTransport()
    with make_runner(target=localstack, stacks=FixedStack(outputs()), transport=transport) as runner:
        results = [runner.run_item(s.items()[0]) for s in (needs, only_aws, faulty)]
    assert [(r.outcome, r.skip_reason) for r in results] == [
        (SKIPPED, "localstack: LocalStack community does not enforce Lambda invoke permissions"),
        (SKIPPED, "localstack: the scenario applies to aws only"),
        (SKIPPED, "stack overrides need a deployable stack; this run uses a pre-deployed one"),
    ]
    assert transport.sent == []


def test_log_expectations_poll_until_the_lines_arrive(tmp_path):
    logs = FakeLogs({
        "API-Gateway-Execution-Logs_api123/prod": [
            ["(req-0) Method completed with status: 500"],  # an earlier request's line does not count
            ["(req-0) Method completed with status: 500",
             "(req-1) Execution failed due to configuration error: Invalid permissions on Lambda function",
             "(req-1) Method completed with status: 500"]],
        "/aws/lambda/db-api": [["START RequestId: 1", "END RequestId: 1"]],
    })
    body = '"name": "logs", "steps": [{"http": {}, "expect": {"logs": {"execution": ["Method completed with status: 500", ' \
           '{"$regex": "Invalid permissions"}], "function": ["START"], "timeout": 5}}}]'
    clock = Clock()
    with make_runner(logs=logs, clock=clock) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert result.outcome == PASSED, result.steps[0].mismatches
    assert clock.sleeps == [0.5]
    assert logs.reads[0] == ("/aws/lambda/db-api", 1_000_000)


def test_execution_lines_of_other_requests_do_not_count(tmp_path):
    logs = FakeLogs({"API-Gateway-Execution-Logs_api123/prod": [["(req-0) Method completed with status: 500"]]})
    body = '"name": "logs", "steps": [{"http": {}, "expect": {"logs": {"execution": ["status: 500"], "timeout": 0}}}]'
    with make_runner(logs=logs) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert [str(m) for m in result.steps[0].mismatches] == [
        'logs.execution: expected a line containing "status: 500", got none in 0 events of '
        "API-Gateway-Execution-Logs_api123/prod for request req-1"]


def test_missing_log_lines_are_reported_with_what_was_seen(tmp_path):
    logs = FakeLogs({"/aws/lambda/db-api": [["START RequestId: 1", "END RequestId: 1"]]})
    body = '"name": "logs", "steps": [{"http": {}, "expect": {"logs": {"function": ["Task timed out", "START"], "timeout": 1}}}]'
    clock = Clock()
    with make_runner(logs=logs, clock=clock) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    (mismatch,) = result.steps[0].mismatches
    assert str(mismatch) == 'logs.function: expected a line containing "Task timed out", got none in 2 events of /aws/lambda/db-api'
    assert mismatch.detail == "2 lines:\nSTART RequestId: 1\nEND RequestId: 1"
    assert clock.sleeps == [0.5, 0.5]


def test_invoke_and_aws_steps(tmp_path):
    tail = base64.b64encode(b"START RequestId: 9\nboom\nEND RequestId: 9\n").decode()
    aws = FakeAws({
        "lambda.Invoke": {"StatusCode": 200, "FunctionError": "Unhandled", "LogResult": tail, "ExecutedVersion": "$LATEST",
                          "Payload": b'{"errorMessage": "boom", "errorType": "Exception"}'},
        "dynamodb.DescribeTable": ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "Requested resource not found: Table: nope not found"},
                                               "ResponseMetadata": {"HTTPStatusCode": 400}}, "DescribeTable"),
        "dynamodb.GetItem": {"Item": {"id": "1", "n": __import__("decimal").Decimal("2")}, "ResponseMetadata": {"HTTPStatusCode": 200}},
    })
    body = """
    "name": "direct",
    "steps": [
      {"invoke": {"payload": {"httpMethod": "GET"}, "log_tail": true},
       "expect": {"status": 200, "headers": {"X-Amz-Function-Error": "Unhandled"}, "json": {"errorMessage": "boom", "errorType": "Exception"},
                  "logs": {"tail": ["boom"]}}},
      {"aws": {"service": "dynamodb", "operation": "DescribeTable", "params": {"TableName": "nope"}},
       "expect": {"status": 400, "json": {"Error": {"Code": "ResourceNotFoundException", "Message": {"$regex": "not found$"}}}}},
      {"aws": {"service": "dynamodb", "operation": "GetItem", "params": {"TableName": "{{stack.table}}", "Key": {"id": "1"}}, "document": true},
       "expect": {"json": {"Item": {"id": "1", "n": 2}}}}
    ]
    """
    with make_runner(aws=aws) as runner:
        result = runner.run_item(load_scenario(scenario_file(tmp_path, body)).items()[0])
    assert result.outcome == PASSED, [s.mismatches for s in result.steps]
    assert aws.calls[0] == ("lambda", "Invoke", {"FunctionName": "db-api", "InvocationType": "RequestResponse",
                                                 "LogType": "Tail", "Payload": b'{"httpMethod": "GET"}'}, False)
    assert aws.calls[2] == ("dynamodb", "GetItem", {"TableName": "messages", "Key": {"id": "1"}}, True)


def test_an_aws_error_without_expected_status_fails():
    aws = FakeAws({"dynamodb.Scan": ClientError({"Error": {"Code": "ValidationException", "Message": "bad"},
                                                 "ResponseMetadata": {"HTTPStatusCode": 400}}, "Scan")})
    response = perform(Request("aws", "Scan", "dynamodb", params={}), aws)
    assert (response.status, response.json, response.error) == (
        400, {"Error": {"Code": "ValidationException", "Message": "bad"}}, "ValidationException: bad")


def test_param_validation_errors_become_status_0():
    from harness.clients import Clients
    from harness.replay.awscalls import AwsCallError, BotoCaller

    caller = BotoCaller(Clients(Endpoint("http://127.0.0.1:9", "us-west-1")))
    response = perform(Request("aws", "GetItem", "dynamodb", params={"TableName": "t", "Key": "1"}), caller)
    assert response.status == 0 and response.json["Error"]["Code"] == "ParamValidationError"
    assert "Invalid type for parameter Key" in response.json["Error"]["Message"]
    with pytest.raises(AwsCallError, match="dynamodb has no operation 'Nope'"):
        perform(Request("aws", "Nope", "dynamodb", params={}), caller)


def test_cloudwatch_logs_pages_and_missing_groups():
    pages = {None: {"events": [{"message": "a"}], "nextToken": "t1"}, "t1": {"events": [{"message": "b"}]}}
    aws = FakeAws({"logs.FilterLogEvents": lambda params: pages[params.get("nextToken")]})
    assert CloudWatchLogs(aws).messages("/aws/lambda/f", 5000) == ["a", "b"]
    assert [call[2] for call in aws.calls] == [{"logGroupName": "/aws/lambda/f", "startTime": 3000},
                                               {"logGroupName": "/aws/lambda/f", "startTime": 3000, "nextToken": "t1"}]
    missing = FakeAws({"logs.FilterLogEvents": ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "FilterLogEvents")})
    assert CloudWatchLogs(missing).messages("/aws/lambda/f", 0) == []


def test_fake_stacks_failure_is_an_item_error(tmp_path):
    body = '"name": "x", "stack": {"timeout": 1}, "steps": [{"http": {}}]'
    stacks = FakeStacks(fail_for="timeout")
    runner = make_runner(stacks=stacks)
    (result,) = runner.run(load_scenario(scenario_file(tmp_path, body)).items())
    assert (result.outcome, result.error) == (FAILED, "stack: deploying variant failed: boom")
    assert stacks.released == 1


def test_runner_for_wires_the_target_settings_and_a_given_base(tmp_path):
    from harness.replay.runner import runner_for
    from harness.targets import aws as aws_target

    target = aws_target.target("eu-west-1", prefix="hx-ci1-", tags={"harness:owner": "me"})
    runner = runner_for(target, outputs=outputs(), transport=FakeTransport())
    stacks = runner.stacks
    assert stacks.base.region == "eu-west-1" and stacks.base.function_name == "hx-ci1-db-api"
    assert stacks.base.tags["harness:owner"] == "me" and stacks.url_for == target.invoke_url
    assert stacks.acquire({}) == outputs()  # given outputs: the base is not deployed again
    assert stacks.variant_settings({"timeout": 1}).function_name.endswith("-hx-ci1-db-api")
    runner.close()


def test_variant_tags_keep_processes_apart():
    one = DeployingStacks(StackSettings(), clients=None, variant_tag="gw0")
    two = DeployingStacks(StackSettings(), clients=None, variant_tag="gw1")
    fingerprint = StackSettings().with_overrides({"timeout": 1}).fingerprint()
    assert one.variant_settings({"timeout": 1}).stack_name == f"v{fingerprint}-gw0-db-api"
    assert two.variant_settings({"timeout": 1}).stack_name == f"v{fingerprint}-gw1-db-api"


def test_row_items_point_at_their_row(tmp_path):
    body = '"name": "rows",\n"steps": [{"http": {}}],\n"params": [\n{"id": "a"},\n{"id": "b"}]'
    with make_runner() as runner:
        results = [runner.run_item(item) for item in load_scenario(scenario_file(tmp_path, body)).items()]
    assert [(r.name, r.source.line) for r in results] == [("rows[a]", 5), ("rows[b]", 6)]


def test_stack_overrides_imply_fault_injection(tmp_path):
    target = Target("endpoint", Endpoint(URL), {"fault-injection": "this endpoint cannot be redeployed"})
    faulty = load_scenario(scenario_file(tmp_path, '"name": "c", "stack": {"timeout": 1}, "steps": [{"http": {}}]'))
    with make_runner(target=target) as runner:
        result = runner.run_item(faulty.items()[0])
    assert (result.outcome, result.skip_reason) == (SKIPPED, "endpoint: this endpoint cannot be redeployed")


SLOW_STEP = """
"name": "a slow answer",
"steps": [
  {"name": "scan", "http": {"path": "/db-api", "query": {"TableName": "messages"}},
   "expect": {"status": 200, "max_duration_ms": 5}, "capture": {"count": "$.Count"}},
  {"name": "uses the capture", "http": {"path": "/db-api", "query": {"TableName": "{{count}}"}},
   "expect": {"status": 200}}
]
"""


@pytest.mark.parametrize("enforce", [True, False])
def test_timing_bounds_fail_when_enforced_and_are_notes_when_reported(tmp_path, enforce):
    """The fake transport answers in 7 ms: the 5 ms bound is broken either way; only enforcement fails it."""
    scenario = load_scenario(scenario_file(tmp_path, SLOW_STEP))
    clock = Clock()
    runner = Runner(embedded.target(URL), FakeStacks(), transport=FakeTransport(), aws=FakeAws(), logs=FakeLogs({}),
                    clock=clock, sleep=clock.sleep, wall=lambda: 1000.0, enforce_timing=enforce)
    with runner:
        result = runner.run_item(scenario.items()[0])
    scan = result.steps[0]
    if enforce:
        assert result.outcome == FAILED and [str(m) for m in scan.mismatches] == ["duration: expected <= 5 ms, got 7 ms"]
        assert scan.notes == () and len(result.steps) == 1
    else:
        assert result.outcome == PASSED and scan.mismatches == ()
        assert [str(m) for m in scan.notes] == ["duration: expected <= 5 ms, got 7 ms"]
        assert result.vars["count"] == 0 and len(result.steps) == 2  # the capture was taken, the item went on
        from harness.replay import format_notes

        assert format_notes(result) == (f"{result.item_id}: steps[0]: duration: expected <= 5 ms, got 7 ms "
                                        "(timing bound reported, not enforced)")


def test_reported_timing_bounds_never_hide_other_mismatches(tmp_path):
    body = SLOW_STEP.replace('"status": 200, "max_duration_ms": 5', '"status": 201, "max_duration_ms": 5')
    scenario = load_scenario(scenario_file(tmp_path, body))
    clock = Clock()
    with Runner(embedded.target(URL), FakeStacks(), transport=FakeTransport(), aws=FakeAws(), logs=FakeLogs({}),
                clock=clock, sleep=clock.sleep, wall=lambda: 1000.0, enforce_timing=False) as runner:
        result = runner.run_item(scenario.items()[0])
    assert result.outcome == FAILED
    assert [m.path for m in result.steps[0].mismatches] == ["status"]
    assert [m.path for m in result.steps[0].notes] == ["duration"]


def test_deploying_stacks_fail_a_variant_once_and_tear_down_all_collecting_errors():
    deployed: list[str] = []
    destroyed: list[str] = []

    def deploy(settings: StackSettings, clients: Any, url_for: Any = None) -> StackOutputs:
        deployed.append(settings.stack_name)
        if settings.timeout == 1:
            raise RuntimeError("boom")
        return outputs(settings)

    def destroy(settings: StackSettings, clients: Any) -> None:
        destroyed.append(settings.stack_name)
        if settings.timeout == 2:
            raise RuntimeError("still there")

    stacks = DeployingStacks(StackSettings(), clients=None, destroy_base=True, deploy_fn=deploy,
                             destroy_fn=destroy, exists_fn=lambda settings, clients: False)
    for _ in range(2):
        with pytest.raises(StackError, match="boom"):
            stacks.acquire({"timeout": 1})
    assert stacks.acquire({"timeout": 2}) is stacks.acquire({"timeout": 2})
    stacks.acquire({})
    assert len(deployed) == 3  # the failed variant, the other variant, the base: each once
    errors = stacks.release()
    assert sorted(destroyed) == sorted(deployed)  # the half-deployed variant and the base too
    assert len(errors) == 1 and "still there" in errors[0]
    assert stacks.variants == {}
    assert stacks.release() == [] and sorted(destroyed) == sorted(deployed)  # a second release destroys nothing
    stacks.acquire({})
    assert deployed[-1] == StackSettings().stack_name  # the base is deployed again, and released once more
    stacks.release()
    assert destroyed.count(StackSettings().stack_name) == 2
