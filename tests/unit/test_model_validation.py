"""The one request validation (front/model_validation.py, shape_checks.py): botocore's models, AWS's words.

Each expected text is an answer recorded against AWS in LocalStack's snapshots (github.com/localstack/localstack,
read at 8b9a79f, March 2026; the recording dates are in the matching *.validation.json):
- LAMBDA_API = tests/aws/services/lambda_/test_lambda_api.snapshot.json
- APIGW_API = tests/aws/services/apigateway/test_apigateway_api.snapshot.json
or DynamoDB's documented request validation (the DynamoDB API reference, "Common Errors": ValidationException).
"""
from __future__ import annotations

import io
import json

import pytest

from harness.emulator.aws_errors import AwsError
from harness.emulator.front.exchange import Exchange
from harness.emulator.front.model_validation import ModelValidation, service_model
from harness.emulator.front.shape_checks import Style, compile_shape, java_text, summary

VALIDATE = ModelValidation()


def exchange(method: str, path: str, body: object = None, *, query: str = "", target: str = "",
             headers: dict[str, str] | None = None, service: str = "") -> Exchange:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "wsgi.input": io.BytesIO(raw),
               "CONTENT_LENGTH": str(len(raw))}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    if service:
        environ["HTTP_AUTHORIZATION"] = (f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/{service}/"
                                         "aws4_request, SignedHeaders=host, Signature=x")
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return Exchange(environ, default_region="us-east-1", accounts=lambda key: "123456789012")


def refusal(ex: Exchange) -> AwsError:
    """The refusal; DynamoDB's rules are called directly (in the chain the DynamoDB front checks DynamoDB)."""
    with pytest.raises(AwsError) as caught:
        if ex.target.startswith("DynamoDB_"):
            VALIDATE.check_dynamodb(ex, ex.target.split(".", 1)[1])
        else:
            VALIDATE(ex)
    return caught.value


def test_the_chain_handler_leaves_dynamodb_to_the_dynamodb_front():
    VALIDATE(exchange("POST", "/", {"TableName": "x" * 300}, target="DynamoDB_20120810.DescribeTable"))


# ---- Lambda --------------------------------------------------------------------------------------------------


def test_lambda_function_name_pattern_as_recorded():
    # LAMBDA_API, test_function_name_and_qualifier_validation: get_function(FunctionName="*")
    error = refusal(exchange("GET", "/2015-03-31/functions/*", service="lambda"))
    assert (error.status, error.code) == (400, "ValidationException")
    assert error.message == (
        "1 validation error detected: Value '*' at 'functionName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-"
        "[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")


def test_lambda_architectures_length_as_recorded():
    # LAMBDA_API, test_create_lambda_exceptions: "multiple_architectures"
    error = refusal(exchange("POST", "/2015-03-31/functions", {
        "FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": "UEs="},
        "Architectures": ["x86_64", "arm64"]}, service="lambda"))
    assert (error.code, error.message) == ("ValidationException", (
        "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: "
        "Member must have length less than or equal to 1"))


def test_a_failed_list_element_lists_every_constraint_of_the_element():
    # LAMBDA_API, test_create_lambda_exceptions: "uppercase_architecture"
    error = refusal(exchange("POST", "/2015-03-31/functions", {
        "FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": "UEs="},
        "Architectures": ["X86_64"]}, service="lambda"))
    assert error.message == (
        "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must "
        "satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")


def test_element_constraints_are_listed_in_aws_order():
    # LAMBDA_API (vpcConfig.subnetIds, recorded): maximum, minimum, then pattern, and no "must not be null"
    error = refusal(exchange("POST", "/2015-03-31/functions", {
        "FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": "UEs="},
        "VpcConfig": {"SubnetIds": ["bad id"]}}, service="lambda"))
    assert error.message == (
        "1 validation error detected: Value '[bad id]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member "
        "must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length "
        "greater than or equal to 0, Member must satisfy regular expression pattern: subnet-[0-9a-z]*]")


def test_a_map_value_over_its_length_is_named_at_the_map():
    # DynamoDB's answer to a BatchWriteItem of 26 requests for one table (DynamoDB Local and AWS: "Map value must
    # satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than
    # or equal to 1]" at 'requestItems')
    # or equal to 1]" at 'requestItems'); the DynamoDB front checks it in DynamoDB's order (dynamodb_requests.py),
    # so the model's constraint is checked here directly
    put = {"PutRequest": {"Item": {"id": {"S": "x"}}}}
    check = compile_shape(service_model("dynamodb").operation_model("BatchWriteItem").input_shape,
                          Style(check_types=False))
    found: list[str] = []
    check({"RequestItems": {"t": [put] * 26}}, "", found)
    message = summary(found)
    assert message.startswith("1 validation error detected: Value '{t=[")
    assert message.endswith(
        "at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length "
        "less than or equal to 25, Member must have length greater than or equal to 1]")


def test_lambda_required_members_and_ranges_are_counted():
    # the sentence for several: "N validation errors detected: a; b" (APIGW_API, test_create_rest_api_with_..)
    error = refusal(exchange("POST", "/2015-03-31/functions", {"FunctionName": "f", "Timeout": 0},
                             service="lambda"))
    assert error.message == (
        "3 validation errors detected: Value null at 'role' failed to satisfy constraint: Member must not be null; "
        "Value null at 'code' failed to satisfy constraint: Member must not be null; Value '0' at 'timeout' failed "
        "to satisfy constraint: Member must have value greater than or equal to 1")


def test_lambda_invocation_type_header_enum():
    # botocore's Lambda model: InvocationType is an enum in the X-Amz-Invocation-Type header
    error = refusal(exchange("POST", "/2015-03-31/functions/f/invocations", b"{}", service="lambda",
                             headers={"X-Amz-Invocation-Type": "Later"}))
    assert error.message == ("1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")


def test_lambda_malformed_json_body():
    # LAMBDA_API: InvalidRequestContentException "Could not parse request body into json: Could not parse payload
    # into json: ..." (the detail after it is the JSON parser's own)
    error = refusal(exchange("POST", "/2015-03-31/functions", b"{nope", service="lambda"))
    assert (error.status, error.code) == (400, "InvalidRequestContentException")
    assert error.message.startswith("Could not parse request body into json: Could not parse payload into json: ")


def test_lambda_runtime_is_left_to_lambdas_own_check():
    # Lambda refuses a runtime with InvalidParameterValueException and the runtimes it supports
    # (lambda_corrections.py), not the model's enum
    VALIDATE(exchange("POST", "/2015-03-31/functions", {
        "FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": "UEs="},
        "Runtime": "PYTHON3.9"}, service="lambda"))


def test_a_valid_call_passes_and_invoke_payload_is_not_read_as_members():
    VALIDATE(exchange("POST", "/2015-03-31/functions/f/invocations", b'{"Timeout": 0}', service="lambda"))
    VALIDATE(exchange("GET", "/2015-03-31/functions/f", service="lambda"))


# ---- API Gateway ---------------------------------------------------------------------------------------------


def test_apigateway_body_members_named_under_the_operation_input():
    # APIGW_API, test_create_rest_api_with_endpoint_configuration (create-with-invalid-ip-address-type-and-types):
    # 400 ValidationException, the enum in AWS's own order
    error = refusal(exchange("POST", "/restapis", {"name": "x", "endpointConfiguration": {
        "types": ["wrong"], "ipAddressType": "wrong"}}, service="apigateway"))
    assert (error.status, error.code) == (400, "ValidationException")
    assert error.message == (
        "2 validation errors detected: Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types' failed "
        "to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, "
        "EDGE, REGIONAL]]; Value 'wrong' at 'createRestApiInput.endpointConfiguration.ipAddressType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack]")


def test_apigateway_list_elements_and_uri_members_as_recorded():
    # APIGW_API, test_update_method_response_negative_tests (update-method-response-invalid-statuscode-and-wrong-op):
    # body errors first, then the URI's statusCode
    error = refusal(exchange("PATCH", "/restapis/a1/resources/r1/methods/GET/responses/wrong",
                             {"patchOperations": [{"op": "wrong_op", "path": "/x"}]}, service="apigateway"))
    assert error.message == (
        "2 validation errors detected: Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.1.member.op' "
        "failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; "
        "Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: [1-5]\\d\\d")


def test_apigateway_integration_type_enum():
    # APIGW_API, test_put_integration_wrong_type
    error = refusal(exchange("PUT", "/restapis/a1/resources/r1/methods/GET/integration", {"type": "HTTPS_PROXY"},
                             service="apigateway"))
    assert error.message == ("1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed "
                             "to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, "
                             "HTTP_PROXY, AWS]")


def test_apigateway_value_of_another_type_is_a_serialization_exception():
    # APIGW_API, test_put_integration_request_parameter_bool_type
    error = refusal(exchange("PUT", "/restapis/a1/resources/r1/methods/GET/integration", {
        "type": "MOCK", "requestParameters": {"integration.request.header.x": True}}, service="apigateway"))
    assert (error.status, error.code, error.message) == (
        400, "SerializationException", "class java.lang.Boolean can not be converted to an String")


# ---- DynamoDB ------------------------------------------------------------------------------------------------


def test_dynamodb_members_named_camel_case_with_dynamodbs_exception():
    # DynamoDB's own answer (the differential suite compares it with DynamoDB Local): required members, in the
    # model's order; Limit's range is DynamoDB's own check, after this one (dynamodb_requests.py)
    error = refusal(exchange("POST", "/", {"Limit": 0}, target="DynamoDB_20120810.Scan"))
    assert (error.status, error.code) == (400, "ValidationException")
    assert error.message == (
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")


def test_dynamodb_list_of_structures_element_path():
    error = refusal(exchange("POST", "/", {"TableName": "t", "AttributeDefinitions": [
        {"AttributeName": "id", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "id"}, None],
        "BillingMode": "PAY_PER_REQUEST"}, target="DynamoDB_20120810.CreateTable"))
    assert error.message == (
        "2 validation errors detected: Value null at 'keySchema.1.member.keyType' failed to satisfy constraint: "
        "Member must not be null; Value null at 'keySchema.2.member' failed to satisfy constraint: Member must not "
        "be null")


def test_dynamodb_value_of_another_type_is_its_serialization_exception():
    error = refusal(exchange("POST", "/", {"TableName": 5, "Limit": "x"}, target="DynamoDB_20120810.Scan"))
    assert (error.status, error.code, error.message) == (
        400, "SerializationException", "NUMBER_VALUE can not be converted to a String")


# ---- the words, and the cost ---------------------------------------------------------------------------------


def test_values_print_as_java_prints_them():
    assert [java_text(v) for v in (None, True, 5, "s", ["a", 1], {"k": "v"})] == \
        ["null", "true", "5", "s", "[a, 1]", "{k=v}"]
    assert summary(["a"]) == "1 validation error detected: a"
    assert summary(["a", "b"]) == "2 validation errors detected: a; b"


def test_other_services_and_unknown_routes_pass():
    VALIDATE(exchange("POST", "/", b"Action=GetCallerIdentity", service="sts"))
    VALIDATE(exchange("GET", "/2015-03-31/nothing-here", service="lambda"))
    VALIDATE(exchange("POST", "/", {}, target="DynamoDB_20120810.NoSuchOperation"))


def test_sensitive_values_are_not_shown():
    # AWS's answer to a one-letter environment variable name, as users reported it (github.com/trek10inc/
    # serverless-secrets/issues/39): "Value at 'environment.variables' failed to satisfy constraint: Map keys
    # must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    error = refusal(exchange("POST", "/2015-03-31/functions", {
        "FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": "UEs="},
        "Environment": {"Variables": {"a": "secret"}}}, service="lambda"))
    assert error.message == (
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must "
        "satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")


# ---- the other served services (LocalStack's recordings named in the functional tests) ---------------------


def test_query_services_answer_validation_error_in_their_words():
    sts = refusal(exchange("POST", "/", b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole"
                                        b"%2Fr&RoleSessionName=Session1%3A2", service="sts"))
    assert (sts.status, sts.code) == (400, "ValidationError")
    assert sts.message.startswith("1 validation error detected: Value 'Session1:2' at 'roleSessionName'")
    iam = refusal(exchange("POST", "/", b"Action=UpdateServiceSpecificCredential&ServiceSpecificCredentialId="
                                        b"abcdefghijklmnopqrstu&Status=Invalid", service="iam"))
    assert iam.message == ("1 validation error detected: Value at 'status' failed to satisfy constraint: Member "
                           "must satisfy enum value set")
    cfn = refusal(exchange("POST", "/", b"Action=CreateStack&StackName=1-no", service="cloudformation"))
    assert "Value '1-no' at 'stackName'" in cfn.message and cfn.code == "ValidationError"
    VALIDATE(exchange("POST", "/", b"Action=CreateStack&StackName=arn%3Aaws%3Acloudformation%3Ax", service="cloudformation"))
    wrong = refusal(exchange("POST", "/", b"Action=ListGroups&MaxItems=false", service="iam"))
    assert (wrong.status, wrong.code, wrong.message) == (
        400, "InvalidParameterValue", "Value (false) for parameter maxItems is invalid. Expected: 'integer'.")
    VALIDATE(exchange("GET", "/", query="Action=GetCallerIdentity", service="sts"))
    VALIDATE(exchange("POST", "/", b"Action=AssumeRole&RoleSessionName=Session1%3A2"))  # unsigned: the service decides
    VALIDATE(exchange("POST", "/", b"Action=SendMessage&QueueUrl=x", service="sqs"))  # a service not checked here


def test_json_services_answer_invalid_parameter_exception():
    logs = refusal(exchange("POST", "/", {"logGroupName": "g", "logStreamName": "s", "limit": 10001},
                            target="Logs_20140328.GetLogEvents", service="logs"))
    assert (logs.status, logs.code, logs.message) == (400, "InvalidParameterException", (
        "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value "
        "less than or equal to 10000"))
    assert refusal(exchange("POST", "/", {}, target="AWSCognitoIdentityProviderService.ListUsers")).message == (
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
    wrong = refusal(exchange("POST", "/", {"logGroupName": "g", "limit": "many"}, target="Logs_20140328.FilterLogEvents"))
    assert (wrong.status, wrong.code, wrong.message) == (
        400, "SerializationException", "class java.lang.String can not be converted to an Integer")
    VALIDATE(exchange("POST", "/", b"[1]", target="Logs_20140328.FilterLogEvents"))
    VALIDATE(exchange("POST", "/", {"QueueUrl": 1}, target="AmazonSQS.SendMessage"))
