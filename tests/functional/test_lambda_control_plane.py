"""Lambda's control plane as AWS answers it (control/moto_changes/lambda_lifecycle.py, lambda_corrections.py,
front/model_validation.py), through the embedded stack with boto3 (client-side validation off, so the stack
is what refuses).

Source of each expected answer: LocalStack's recordings against AWS, tests/aws/services/lambda_/
test_lambda_api.snapshot.json (github.com/localstack/localstack at 8b9a79f; recorded November 2025), named per
test as LAMBDA_API::<test>.
"""
from __future__ import annotations

import io
import json
import re
import uuid
import zipfile

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import REGION

pytestmark = pytest.mark.functional


def _zip(source: str = "def handler(event, context):\n    return event\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def lam(stack_url):
    return boto3.client("lambda", endpoint_url=stack_url, region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(parameter_validation=False, retries={"max_attempts": 0}))


@pytest.fixture(scope="module")
def role(clients) -> str:
    iam = clients("iam")
    name = f"lambda-cp-{uuid.uuid4().hex[:8]}"
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]


@pytest.fixture
def function(lam, role):
    name = f"cp-{uuid.uuid4().hex[:10]}"
    created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                                  Code={"ZipFile": _zip()})
    yield name, created
    try:
        lam.delete_function(FunctionName=name)
    except ClientError:
        pass


def _error(call, **kwargs) -> tuple[int, str, str, dict]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    body = {k: v for k, v in response.items() if k not in ("Error", "ResponseMetadata")}
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"],
            body)


def test_create_is_pending_then_active_with_a_new_revision(lam, function):
    # LAMBDA_API::test_function_lifecycle (create_response, get_function_response)
    name, created = function
    assert (created["State"], created["StateReason"], created["StateReasonCode"]) == (
        "Pending", "The function is being created.", "Creating")
    assert "LastUpdateStatus" not in created
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert created["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith(f"arn:aws:lambda:{REGION}::runtime:")
    got = lam.get_function(FunctionName=name)["Configuration"]
    assert (got["State"], got["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in got
    assert got["RevisionId"] != created["RevisionId"]
    assert lam.get_function_configuration(FunctionName=name)["RevisionId"] == got["RevisionId"]


def test_update_is_in_progress_then_successful_and_revision_is_honoured(lam, function):
    # LAMBDA_API::test_function_lifecycle (update_func_conf_response, update_code_response) and
    # test_function_revisions_basic (PreconditionFailedException, 412)
    name, created = function
    revision = lam.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    status, code, message, body = _error(lam.update_function_configuration, FunctionName=name, Timeout=9,
                                         RevisionId="wrong")
    assert (status, code, message) == (412, "PreconditionFailedException", (
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to "
        "retrieve the latest Revision Id"))
    assert body == {"Type": "User", "message": message}
    updated = lam.update_function_configuration(FunctionName=name, Timeout=9, RevisionId=revision,
                                                Environment={"Variables": {}})
    assert (updated["LastUpdateStatus"], updated["LastUpdateStatusReason"],
            updated["LastUpdateStatusReasonCode"]) == ("InProgress", "The function is being created.", "Creating")
    assert updated["RevisionId"] != revision and updated["Timeout"] == 9
    # LastModified moves with the update, written as Lambda writes it (API reference: YYYY-MM-DDThh:mm:ss.sTZD)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", updated["LastModified"])
    assert updated["LastModified"] >= created["LastModified"]
    assert lam.get_function(FunctionName=name)["Configuration"]["LastModified"] == updated["LastModified"]
    assert updated["Environment"] == {"Variables": {}}
    after = lam.get_function_configuration(FunctionName=name)
    assert after["LastUpdateStatus"] == "Successful" and "LastUpdateStatusReason" not in after
    code_update = lam.update_function_code(FunctionName=name, ZipFile=_zip("x = 1\n"),
                                           RevisionId=after["RevisionId"])
    assert code_update["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    assert _error(lam.update_function_code, FunctionName=name, ZipFile=_zip(),
                  RevisionId=after["RevisionId"])[1] == "PreconditionFailedException"


@pytest.mark.parametrize("second", ["code", "configuration", "publish"])
def test_a_change_while_an_update_is_in_progress_is_a_conflict(lam, function, second):
    # LAMBDA_API::test_lambda_concurrent_code_updates and test_lambda_concurrent_config_updates
    # (update-during-in-progress-update-exc: 409 ResourceConflictException, Type User, the function's ARN);
    # PublishVersion answers the same (github.com/aws/aws-cli/issues/6718)
    name, created = function
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]  # Active now
    assert lam.update_function_code(FunctionName=name, ZipFile=_zip("v = 1\n"))["LastUpdateStatus"] == "InProgress"
    call, kwargs = {"code": (lam.update_function_code, {"ZipFile": _zip("v = 2\n")}),
                    "configuration": (lam.update_function_configuration, {"Timeout": 7}),
                    "publish": (lam.publish_version, {})}[second]
    status, code, message, body = _error(call, FunctionName=name, **kwargs)
    expected = f"The operation cannot be performed at this time. An update is in progress for resource: {arn}"
    assert (status, code, message, body) == (409, "ResourceConflictException", expected,
                                             {"Type": "User", "message": expected})
    # the refused change changed nothing; once the update is done (the waiter reads it), the change goes through
    waited = lam.get_function_configuration(FunctionName=name)
    assert waited["LastUpdateStatus"] == "Successful" and waited["Timeout"] == created["Timeout"]
    call(FunctionName=name, **kwargs)


def test_running_the_function_ends_its_update(lam, function):
    # an invocation reads the function as GetFunction does: the update in progress is done after it
    name, _ = function
    lam.update_function_configuration(FunctionName=name, Timeout=8)
    assert lam.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200
    assert lam.update_function_configuration(FunctionName=name, Timeout=9)["LastUpdateStatus"] == "InProgress"


def test_latest_qualified_name_and_arn(lam, function):
    # LAMBDA_API: a function read as `name:$LATEST` is named by its ARN with `:$LATEST`
    name, _ = function
    got = lam.get_function_configuration(FunctionName=f"{name}:$LATEST")
    assert got["FunctionArn"].endswith(f":function:{name}:$LATEST")
    assert lam.get_function(FunctionName=name, Qualifier="$LATEST")["Configuration"]["FunctionArn"].endswith(
        ":$LATEST")
    # any call naming `name:$LATEST` reaches the function itself (here: its policy)
    lam.add_permission(FunctionName=f"{name}:$LATEST", StatementId="latest", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    assert json.loads(lam.get_policy(FunctionName=f"{name}:$LATEST")["Policy"])["Statement"][0]["Sid"] == "latest"


def test_function_name_over_64_characters_is_refused_at_create(lam, role):
    # LAMBDA_API::test_function_name_and_qualifier_validation[function_name_too_long-create_function]
    name = "a" * 65
    assert _error(lam.create_function, FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                  Code={"ZipFile": _zip()})[:3] == (
        400, "ValidationException", f"1 validation error detected: Value '{name}' at 'functionName' failed to "
        "satisfy constraint: Member must have length less than or equal to 64")


def test_invalid_runtime_and_zip_are_refused_at_create(lam, role):
    # LAMBDA_API::test_create_lambda_exceptions (uppercase_runtime_exc) and test_invalid_zip (invalid_zip_exc)
    status, code, message, body = _error(lam.create_function, FunctionName="cp-bad-runtime", Runtime="PYTHON3.9",
                                         Role=role, Handler="index.handler", Code={"ZipFile": _zip()})
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.startswith("Value PYTHON3.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum "
                              "value set: [nodejs20.x, python3.14, provided.al2023, ")
    assert message.endswith("] or be a valid ARN") and body == {"Type": "User", "message": message}
    assert _error(lam.create_function, FunctionName="cp-old-runtime", Runtime="python3.7", Role=role,
                  Handler="index.handler", Code={"ZipFile": _zip()})[2] == (
        "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. "
        "We recommend you use a supported runtime while creating or updating functions.")
    assert _error(lam.create_function, FunctionName="cp-bad-zip", Runtime="python3.12", Role=role,
                  Handler="index.handler", Code={"ZipFile": b"not a zip"})[:3] == (
        400, "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.")
    assert _error(lam.get_function, FunctionName="cp-bad-zip")[1] == "ResourceNotFoundException"


def test_account_settings(lam):
    # LAMBDA_API::test_account_settings: the limit and usage keys; values: Lambda quotas (docs)
    settings = lam.get_account_settings()
    assert sorted(settings["AccountLimit"]) == ["CodeSizeUnzipped", "CodeSizeZipped", "ConcurrentExecutions",
                                                "TotalCodeSize", "UnreservedConcurrentExecutions"]
    assert sorted(settings["AccountUsage"]) == ["FunctionCount", "TotalCodeSize"]
    assert settings["AccountLimit"]["CodeSizeZipped"] == 52428800


def test_missing_function_policy_and_statement_messages(lam, function):
    # LAMBDA_API: "Function not found: <arn>" (404, Type and Message), "No policy is associated with the given
    # resource." and "Statement <sid> is not found in resource policy."
    name, _ = function
    status, code, message, body = _error(lam.get_function, FunctionName="cp-absent")
    assert (status, code, message) == (404, "ResourceNotFoundException",
                                       f"Function not found: arn:aws:lambda:{REGION}:123456789012:function:cp-absent")
    assert body == {"Type": "User", "Message": message}
    assert _error(lam.remove_permission, FunctionName=name, StatementId="nope")[2] == (
        "No policy is associated with the given resource.")
    lam.add_permission(FunctionName=name, StatementId="one", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    assert _error(lam.remove_permission, FunctionName=name, StatementId="nope")[:3] == (
        404, "ResourceNotFoundException", "Statement nope is not found in resource policy.")


def test_add_permission_validates_statement_id_and_principal(lam, function):
    # botocore's Lambda model (StatementId pattern ([a-zA-Z0-9-_]+), Principal pattern [^\s]+) in AWS's wording
    name, _ = function
    assert _error(lam.add_permission, FunctionName=name, StatementId="has space", Action="lambda:InvokeFunction",
                  Principal="apigateway.amazonaws.com")[:3] == (
        400, "ValidationException", "1 validation error detected: Value 'has space' at 'statementId' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)")
    assert _error(lam.add_permission, FunctionName=name, StatementId="ok", Action="lambda:InvokeFunction",
                  Principal="two words")[2] == (
        "1 validation error detected: Value 'two words' at 'principal' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [^\\s]+")


def test_validation_errors_carry_no_type(stack_url):
    # LAMBDA_API: ValidationException answers show no `Type` beside the message (Lambda's model does not list the
    # error, so a recording cannot tell whether the body holds one; we send the message alone [I])
    answer = requests.get(f"{stack_url}/2015-03-31/functions/a*b", timeout=10)
    assert answer.status_code == 400 and answer.headers["x-amzn-ErrorType"] == "ValidationException"
    assert list(answer.json()) == ["message"]


@pytest.mark.parametrize("call", ["get_function", "get_function_configuration", "get_function_concurrency",
                                  "get_function_event_invoke_config", "delete_function", "invoke"])
def test_another_regions_function_arn_is_not_reachable(lam, function, call):
    # LAMBDA_API::test_get_function_wrong_region (404 ResourceNotFoundException; the body's member is `Message`)
    name, created = function
    wrong = "eu-central-1"
    arn = created["FunctionArn"].replace(f":{REGION}:", f":{wrong}:")
    status, code, message, body = _error(getattr(lam, call), FunctionName=arn)
    expected = f"Functions from '{wrong}' are not reachable in this region ('{REGION}')"
    assert (status, code, message) == (404, "ResourceNotFoundException", expected)
    assert body.get("Type") == "User"
    assert lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name  # still there


@pytest.mark.parametrize("call", ["delete_function", "get_function", "get_function_configuration"])
def test_a_qualifier_contradicting_the_name_is_refused(lam, role, call):
    # LAMBDA_API::test_ops_with_arn_qualifier_mismatch (not_match_exception, match_exception), no function needed
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:some-function"
    assert _error(getattr(lam, call), FunctionName=f"{arn}:1", Qualifier="$LATEST")[:3] == (
        400, "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.")
    matching = _error(getattr(lam, call), FunctionName=f"{arn}:$LATEST", Qualifier="$LATEST")
    if call == "delete_function":
        assert matching[:3] == (400, "InvalidParameterValueException",
                                "$LATEST version cannot be deleted without deleting the function.")
    else:
        assert matching[:3] == (404, "ResourceNotFoundException", f"Function not found: {arn}:$LATEST")


def test_reserved_concurrency_keeps_the_accounts_unreserved_minimum(lam, function):
    # LAMBDA_API::test_function_concurrency_limits (put_function_concurrency_account_limit_exceeded,
    # put_function_concurrency_below_unreserved_min_value): Lambda keeps 100 of the account's 1,000 unreserved
    name, _ = function
    limit = lam.get_account_settings()["AccountLimit"]
    message = ("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
               "below its minimum value of [100].")
    for value in (limit["ConcurrentExecutions"] + 1, limit["UnreservedConcurrentExecutions"] - 99):
        assert _error(lam.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=value)[:3] == (
            400, "InvalidParameterValueException", message)
    assert lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)[
        "ReservedConcurrentExecutions"] == 2


def test_a_missing_event_invoke_config_names_the_qualified_function(lam, function):
    # LAMBDA_API::test_ops_on_nonexisting_fn[get_function_event_invoke_config] and
    # test_ops_on_nonexisting_version[get_function_event_invoke_config]: 404, the ARN with its qualifier
    name, created = function
    arn = created["FunctionArn"]
    for kwargs, qualified in (({}, f"{arn}:$LATEST"), ({"Qualifier": "1221"}, f"{arn}:1221")):
        assert _error(lam.get_function_event_invoke_config, FunctionName=name, **kwargs)[:3] == (
            404, "ResourceNotFoundException", f"The function {qualified} doesn't have an EventInvokeConfig")
    missing = arn.replace(f":function:{name}", ":function:cp-nothing-here")
    assert _error(lam.get_function_event_invoke_config, FunctionName="cp-nothing-here")[2] == (
        f"The function {missing}:$LATEST doesn't have an EventInvokeConfig")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert lam.get_function_event_invoke_config(FunctionName=name)["MaximumRetryAttempts"] == 1


def test_tags_of_a_version_or_alias_arn_are_refused_and_a_missing_function_is_named(lam):
    # LAMBDA_API::test_tag_exceptions[lambda_function] (not_found_exception_tag/untag/list, aliased_arn_exception)
    arn = f"arn:aws:lambda:{REGION}:123456789012:function:cp-untaggable"
    for call, kwargs in ((lam.tag_resource, {"Tags": {"A": "B"}}), (lam.untag_resource, {"TagKeys": ["A"]}),
                         (lam.list_tags, {})):
        assert _error(call, Resource=arn, **kwargs)[:3] == (
            404, "ResourceNotFoundException", f"Function not found: {arn}")
        assert _error(call, Resource=f"{arn}:alias", **kwargs)[:3] == (
            400, "InvalidParameterValueException",
            "Tags on function aliases and versions are not supported. Please specify a function ARN.")
