"""API Gateway's control plane as AWS answers it (control/moto_changes/apigateway_checks.py,
front/model_validation.py), through the embedded stack with boto3 (client-side validation off).

Sources: LocalStack's recordings against AWS, tests/aws/services/apigateway/test_apigateway_api.snapshot.json
(github.com/localstack/localstack at 8b9a79f; APIGW_API::<test> below) and test_apigateway_lambda.snapshot.json;
the tutorial's own output (/work/shared/seed/000_f390af854ad7c048.txt: put-integration's answer).
"""
from __future__ import annotations

import uuid

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import REGION

pytestmark = pytest.mark.functional

LAMBDA_URI = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
              f"arn:aws:lambda:{REGION}:123456789012:function:f/invocations")


@pytest.fixture(scope="module")
def apigw(stack_url):
    return boto3.client("apigateway", endpoint_url=stack_url, region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(parameter_validation=False, retries={"max_attempts": 0}))


@pytest.fixture
def api(apigw):
    created = apigw.create_rest_api(name=f"cp-{uuid.uuid4().hex[:8]}")
    root = apigw.get_resources(restApiId=created["id"])["items"][0]["id"]
    yield created["id"], root
    try:
        apigw.delete_rest_api(restApiId=created["id"])
    except ClientError:
        pass


def _error(call, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_missing_api_and_resource_messages(apigw, api):
    # APIGW_API::test_update_rest_api_invalid_api_id / test_get_api_case_insensitive ("Invalid API identifier
    # specified {account}:{id}"), test_put_method_validation (wrong-api, wrong-resource)
    api_id, _ = api
    assert _error(apigw.get_rest_api, restApiId="nope") == (
        404, "NotFoundException", "Invalid API identifier specified 123456789012:nope")
    assert _error(apigw.get_rest_api, restApiId=api_id.upper()) == (
        404, "NotFoundException", f"Invalid API identifier specified 123456789012:{api_id.upper()}")
    assert _error(apigw.put_method, restApiId="nope", resourceId="x", httpMethod="GET",
                  authorizationType="NONE") == (404, "NotFoundException", "Invalid Resource identifier specified")
    assert _error(apigw.get_resource, restApiId=api_id, resourceId="nope") == (
        404, "NotFoundException", "Invalid Resource identifier specified")
    assert _error(apigw.delete_resource, restApiId=api_id, resourceId="nope") == (
        404, "NotFoundException", "Invalid Resource identifier specified")


def test_proxy_resource_siblings_and_children(apigw, api):
    # APIGW_API::test_create_proxy_resource_validation
    api_id, root = api
    proxy = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    assert _error(apigw.create_resource, restApiId=api_id, parentId=root, pathPart="{dynamic}") == (
        400, "BadRequestException",
        "A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed")
    for part in ("static", "{dynamic}"):
        assert _error(apigw.create_resource, restApiId=api_id, parentId=proxy, pathPart=part) == (
            400, "BadRequestException", "Cannot create a child of a resource with a greedy path variable: {proxy+}")
    apigw.create_resource(restApiId=api_id, parentId=root, pathPart="static")  # a static sibling is fine
    # APIGW_API::test_update_resource_behaviour (existing-future-sibling-path): the same name twice is 409
    assert _error(apigw.create_resource, restApiId=api_id, parentId=root, pathPart="static") == (
        409, "ConflictException", "Another resource with the same parent already has this name: static")


def test_path_part_must_be_valid_and_not_empty(apigw, api):
    api_id, root = api
    for part in ("", "a b"):
        status, code, _ = _error(apigw.create_resource, restApiId=api_id, parentId=root, pathPart=part)
        assert (status, code) == (400, "BadRequestException")
    assert [r["path"] for r in apigw.get_resources(restApiId=api_id)["items"]] == ["/"]


def test_http_method_names_and_existing_method(apigw, api):
    # APIGW_API::test_put_method_validation (wrong-method)
    api_id, root = api
    assert _error(apigw.put_method, restApiId=api_id, resourceId=root, httpMethod="WRONG",
                  authorizationType="NONE") == (
        400, "BadRequestException",
        "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    assert _error(apigw.put_method, restApiId=api_id, resourceId=root, httpMethod="ANY",
                  authorizationType="NONE") == (409, "ConflictException", "Method already exists for this resource")


def test_missing_method_and_integration_are_404(apigw, api):
    # APIGW_API::test_get_integration_non_existent, test_method_lifecycle (delete-deleted-method-response)
    api_id, root = api
    assert _error(apigw.get_method, restApiId=api_id, resourceId=root, httpMethod="GET") == (
        404, "NotFoundException", "Invalid Method identifier specified")
    assert _error(apigw.delete_method, restApiId=api_id, resourceId=root, httpMethod="GET") == (
        404, "NotFoundException", "Invalid Method identifier specified")
    assert _error(apigw.get_integration, restApiId=api_id, resourceId=root, httpMethod="GET") == (
        404, "NotFoundException", "Invalid Method identifier specified")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    assert _error(apigw.get_integration, restApiId=api_id, resourceId=root, httpMethod="GET") == (
        404, "NotFoundException", "Invalid Integration identifier specified")
    assert _error(apigw.delete_integration, restApiId=api_id, resourceId=root, httpMethod="GET") == (
        404, "NotFoundException", "Invalid Integration identifier specified")


def test_integration_uris_are_checked(apigw, api):
    # LocalStack's AWS-parity provider words these as AWS does (services/apigateway/legacy/provider.py
    # put_integration); "Invalid HTTP endpoint specified for URI": AWS's answer to an HTTP integration without an
    # http(s) URI [I]
    api_id, root = api
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    put = dict(restApiId=api_id, resourceId=root, httpMethod="ANY")
    assert _error(apigw.put_integration, **put, type="AWS_PROXY", integrationHttpMethod="POST", uri="nope") == (
        400, "BadRequestException", "Invalid ARN specified in the request")
    assert _error(apigw.put_integration, **put, type="AWS_PROXY", integrationHttpMethod="POST") == (
        400, "BadRequestException", "Invalid ARN specified in the request")
    assert _error(apigw.put_integration, **put, type="AWS_PROXY", uri=LAMBDA_URI) == (
        400, "BadRequestException", "Enumeration value for HttpMethod must be non-empty")
    assert _error(apigw.put_integration, **put, type="AWS_PROXY", integrationHttpMethod="POST",
                  uri=f"arn:aws:apigateway:{REGION}:s3:path/bucket/key") == (
        400, "BadRequestException",
        "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
    assert _error(apigw.put_integration, **put, type="HTTP", integrationHttpMethod="GET", uri="ftp://x")[2] == (
        "Invalid HTTP endpoint specified for URI")


def test_put_integration_answers_aws_defaults(apigw, api):
    # the tutorial's own output (seed): passthroughBehavior WHEN_NO_MATCH, cacheNamespace = the resource id,
    # cacheKeyParameters []; timeoutInMillis 29000 (test_apigateway_lambda.snapshot.json, put-integration)
    api_id, root = api
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    answer = apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="ANY", type="AWS_PROXY",
                                   integrationHttpMethod="POST", uri=LAMBDA_URI)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert {k: answer[k] for k in ("passthroughBehavior", "timeoutInMillis", "cacheNamespace",
                                   "cacheKeyParameters")} == {
        "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000, "cacheNamespace": root,
        "cacheKeyParameters": []}
    assert apigw.get_integration(restApiId=api_id, resourceId=root, httpMethod="ANY")["cacheNamespace"] == root


def test_create_rest_api_answers_the_recorded_keys_with_version_and_tags_only_when_given(apigw):
    # APIGW_API::test_list_and_delete_apis (create-rest-api-1: no `version`, no `tags` key) and
    # ::test_create_rest_api_with_optional_params (`version: "v1"` when given); moto showed "V1" and `tags: {}`
    plain = apigw.create_rest_api(name="cp-keys", description="this is my api")
    plain.pop("ResponseMetadata")
    assert sorted(plain) == ["apiKeySource", "createdDate", "description", "disableExecuteApiEndpoint",
                             "endpointConfiguration", "id", "name", "rootResourceId"]
    assert sorted(apigw.get_rest_api(restApiId=plain["id"])) == sorted([*plain, "ResponseMetadata"])
    given = apigw.create_rest_api(name="cp-keys-v", version="v1", tags={"team": "a"})
    assert (given["version"], given["tags"]) == ("v1", {"team": "a"})
    listed = {item["id"]: item for item in apigw.get_rest_apis()["items"]}
    assert listed[given["id"]]["version"] == "v1" and "version" not in listed[plain["id"]]


def test_delete_rest_api_answers_202(apigw):
    # APIGW_API (delete-rest-api: 202) and botocore's model (DeleteRestApi responseCode 202)
    api_id = apigw.create_rest_api(name="cp-delete")["id"]
    assert apigw.delete_rest_api(restApiId=api_id)["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert _error(apigw.delete_rest_api, restApiId=api_id) == (
        404, "NotFoundException", f"Invalid API identifier specified 123456789012:{api_id}")


def test_validation_errors_are_validation_exceptions(apigw, api):
    # APIGW_API::test_put_integration_wrong_type
    api_id, root = api
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    assert _error(apigw.put_integration, restApiId=api_id, resourceId=root, httpMethod="ANY",
                  type="HTTPS_PROXY") == (
        400, "ValidationException", "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' "
        "failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]")


def test_create_rest_api_refuses_empty_description_and_compression_out_of_range(apigw):
    # APIGW_API::test_create_rest_api_with_optional_params (create-empty-desc, string-compression-size; recorded
    # 2025): both 400 BadRequestException, nothing created
    before = {item["id"] for item in apigw.get_rest_apis(limit=500)["items"]}
    assert _error(apigw.create_rest_api, name="cp-empty-desc", description="") == (
        400, "BadRequestException", "Description cannot be an empty string")
    for size in (-1, 10485761):
        assert _error(apigw.create_rest_api, name="cp-compression", minimumCompressionSize=size) == (
            400, "BadRequestException", "Invalid minimum compression size, must be between 0 and 10485760")
    assert {item["id"] for item in apigw.get_rest_apis(limit=500)["items"]} == before
    made = apigw.create_rest_api(name="cp-edges", minimumCompressionSize=10485760)
    try:
        assert made["minimumCompressionSize"] == 10485760
    finally:
        apigw.delete_rest_api(restApiId=made["id"])


def test_put_method_checks_parameters_validator_and_models(apigw, api):
    # APIGW_API::test_put_method_validation (invalid-request-validator, invalid-model-name) and
    # test_method_request_parameters (req-params-same-name); each refusal leaves no method behind
    api_id, root = api
    put = dict(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    assert _error(apigw.put_method, **put, requestParameters={
        "method.request.querystring.optional": False, "method.request.header.optional": False}) == (
        400, "BadRequestException", "Parameter names must be unique across querystring, header and path")
    assert _error(apigw.put_method, **put, requestValidatorId="fake-validator") == (
        400, "BadRequestException", "Invalid Request Validator identifier specified")
    assert _error(apigw.put_method, **put, requestModels={"application/json": "petModel"}) == (
        400, "BadRequestException", "Invalid model identifier specified: petModel")
    assert _error(apigw.get_method, restApiId=api_id, resourceId=root, httpMethod="ANY")[0] == 404
    validator = apigw.create_request_validator(restApiId=api_id, name="body", validateRequestBody=True)["id"]
    apigw.create_model(restApiId=api_id, name="petModel", contentType="application/json",
                       schema='{"type": "object"}')
    made = apigw.put_method(**put, requestValidatorId=validator,
                            requestModels={"application/json": "petModel", "text/plain": "Empty"},
                            requestParameters={"method.request.querystring.a": False,
                                               "method.request.header.b": True})
    assert made["requestValidatorId"] == validator
    assert made["requestModels"] == {"application/json": "petModel", "text/plain": "Empty"}


def test_models_and_request_validators_as_recorded(apigw, api):
    # APIGW_API::test_model_validation (get-model-wrong-id, del-model-wrong-id, create-model-empty-name),
    # test_invalid_get_request_validator / test_invalid_delete_request_validator (404), test_update_request_validator
    # (invalid add/remove operation, invalid path, empty name value)
    api_id, _ = api
    for call in (apigw.get_model, apigw.delete_model):
        assert _error(call, restApiId=api_id, modelName="MySchema") == (
            404, "NotFoundException", "Invalid model name specified: MySchema")
    assert _error(apigw.create_model, restApiId=api_id, name="", contentType="application/json",
                  schema='{"type": "object"}') == (400, "BadRequestException", "Model name must be non-empty")
    for call in (apigw.get_request_validator, apigw.delete_request_validator):
        assert _error(call, restApiId=api_id, requestValidatorId="nope") == (
            404, "NotFoundException", "Invalid Request Validator identifier specified")
    validator = apigw.create_request_validator(restApiId=api_id, name="v", validateRequestBody=True)["id"]
    update = dict(restApiId=api_id, requestValidatorId=validator)
    for op in ("add", "remove"):
        assert _error(apigw.update_request_validator, **update, patchOperations=[
            {"op": op, "path": "/validateRequestBody", "value": "true"}]) == (
            400, "BadRequestException",
            f"Invalid patch path  '/validateRequestBody' specified for op '{op}'. Please choose supported operations")
    assert _error(apigw.update_request_validator, **update, patchOperations=[
        {"op": "replace", "path": "/invalidPath", "value": "x"}]) == (
        400, "BadRequestException", "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: "
        "[/name, /validateRequestParameters, /validateRequestBody]")
    assert _error(apigw.update_request_validator, **update, patchOperations=[
        {"op": "replace", "path": "/name", "value": ""}]) == (
        400, "BadRequestException", "Request Validator name cannot be blank")
    renamed = apigw.update_request_validator(**update, patchOperations=[{"op": "replace", "path": "/name",
                                                                         "value": "w"}])
    assert renamed["name"] == "w"


def test_integration_responses_of_missing_methods_integrations_and_codes(apigw, api):
    # APIGW_API::test_delete_integration_response_errors (non-existent-method, non-existent-status-code: 404)
    # APIGW_API::test_integration_response_wrong_method (get-integration-response-wrong-method: the method is named)
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    assert _error(apigw.get_integration_response, **where) == (
        404, "NotFoundException", "Invalid Method identifier specified")
    assert _error(apigw.delete_integration_response, **where) == (
        404, "NotFoundException", "Invalid Integration identifier specified")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    assert _error(apigw.get_integration_response, **where) == (
        404, "NotFoundException", "Invalid Integration identifier specified")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    for call in (apigw.get_integration_response, apigw.delete_integration_response):
        assert _error(call, **where) == (404, "NotFoundException", "Invalid Response status code specified")
    apigw.put_integration_response(**where, responseTemplates={"application/json": '"created"'})
    assert apigw.get_integration_response(**where)["statusCode"] == "200"


def test_update_resource_moves_and_renames_as_aws_does(apigw, api):
    # APIGW_API::test_update_resource_behaviour and test_update_resource_on_root (moto has no UpdateResource)
    api_id, root = api
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    update = apigw.update_resource
    assert _error(update, restApiId=api_id, resourceId="fake-resource", patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "dogs"}]) == (
        404, "NotFoundException", "Invalid Resource identifier specified")
    assert _error(update, restApiId=api_id, resourceId=pets, patchOperations=[
        {"op": "replace", "path": "/invalid", "value": "dogs"}]) == (
        400, "BadRequestException",
        "Invalid patch path  '/invalid' specified for op 'replace'. Must be one of: [/parentId, /pathPart]")
    assert _error(update, restApiId=api_id, resourceId=pets, patchOperations=[
        {"op": "replace", "path": "/parentId", "value": "fake-parent-id"}]) == (
        404, "NotFoundException", "Invalid Resource identifier specified")
    sub = apigw.create_resource(restApiId=api_id, parentId=pets, pathPart="subpets")["id"]
    child = apigw.create_resource(restApiId=api_id, parentId=sub, pathPart="pets")["id"]
    assert _error(update, restApiId=api_id, resourceId=child, patchOperations=[
        {"op": "replace", "path": "/parentId", "value": root}]) == (
        409, "ConflictException", "Another resource with the same parent already has this name: pets")
    apigw.delete_resource(restApiId=api_id, resourceId=child)
    assert _error(update, restApiId=api_id, resourceId=pets, patchOperations=[
        {"op": "replace", "path": "/parentId", "value": sub}]) == (
        400, "BadRequestException", "Resources cannot be cyclical.")
    moved = update(restApiId=api_id, resourceId=sub, patchOperations=[
        {"op": "replace", "path": "/parentId", "value": root}])
    assert (moved["ResponseMetadata"]["HTTPStatusCode"], moved["path"], moved["parentId"], moved["pathPart"]) == (
        200, "/subpets", root, "subpets")
    assert _error(update, restApiId=api_id, resourceId=sub, patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "pets"}]) == (
        409, "ConflictException", "Another resource with the same parent already has this name: pets")
    for op in ("remove", "add"):
        assert _error(update, restApiId=api_id, resourceId=sub, patchOperations=[
            {"op": op, "path": "/pathPart", "value": "added-pets"}]) == (
            400, "BadRequestException",
            f"Invalid patch path  '/pathPart' specified for op '{op}'. Please choose supported operations")
    for path, word in (("/pathPart", "pathPart"), ("/parentId", "parentId")):
        assert _error(update, restApiId=api_id, resourceId=root, patchOperations=[
            {"op": "replace", "path": path, "value": root if word == "parentId" else "dogs"}]) == (
            400, "BadRequestException", f"Root resource cannot update its {word}.")
    renamed = update(restApiId=api_id, resourceId=sub, patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "cats"}])
    assert renamed["path"] == "/cats"
    paths = sorted(item["path"] for item in apigw.get_resources(restApiId=api_id)["items"])
    assert paths == ["/", "/cats", "/pets"]


def _shown(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def test_update_method_as_recorded(apigw, api):
    # APIGW_API::test_update_method (update-method-add, -replace, -replace-authorizer, -remove; moto has none)
    api_id, root = api
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    where = dict(restApiId=api_id, resourceId=root, httpMethod="ANY")
    added = apigw.update_method(**where, patchOperations=[
        {"op": "add", "path": "/requestParameters/method.request.querystring.optional", "value": "true"},
        {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"}])
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _shown(added) == {"apiKeyRequired": False, "authorizationType": "NONE", "httpMethod": "ANY",
                             "requestModels": {"application/json": "Empty"},
                             "requestParameters": {"method.request.querystring.optional": True}}
    replaced = apigw.update_method(**where, patchOperations=[
        {"op": "replace", "path": "/operationName", "value": "ReplacedOperationName"},
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
        {"op": "replace", "path": "/requestParameters/method.request.querystring.optional", "value": "false"}])
    assert _shown(replaced) == {"apiKeyRequired": True, "authorizationType": "AWS_IAM", "httpMethod": "ANY",
                                "operationName": "ReplacedOperationName",
                                "requestModels": {"application/json": "Empty"},
                                "requestParameters": {"method.request.querystring.optional": False}}
    authorizer = apigw.create_authorizer(restApiId=api_id, name="authorizer-test", type="TOKEN",
                                         authorizerUri=LAMBDA_URI, identitySource="method.request.header.Authorization")
    custom = apigw.update_method(**where, patchOperations=[
        {"op": "replace", "path": "/authorizerId", "value": authorizer["id"]},
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"}])
    assert (custom["authorizationType"], custom["authorizerId"]) == ("CUSTOM", authorizer["id"])
    removed = apigw.update_method(**where, patchOperations=[
        {"op": "remove", "path": "/requestParameters/method.request.querystring.optional", "value": "true"},
        {"op": "remove", "path": "/requestModels/application~1json", "value": "Empty"}])
    assert _shown(removed) == {"apiKeyRequired": True, "authorizationType": "CUSTOM", "authorizerId": authorizer["id"],
                               "httpMethod": "ANY", "operationName": "ReplacedOperationName"}
    assert _shown(apigw.get_method(**where)) == _shown(removed)


def test_update_method_validation_as_recorded(apigw, api):
    # APIGW_API::test_update_method_validation
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="ANY")
    assert _error(apigw.update_method, restApiId="nope", resourceId=root, httpMethod="ANY", patchOperations=[]) == (
        404, "NotFoundException", "Invalid Resource identifier specified")
    assert _error(apigw.update_method, **where, patchOperations=[
        {"op": "replace", "path": "/operationName", "value": "methodDoesNotExist"}]) == (
        404, "NotFoundException", "Invalid Method identifier specified")
    apigw.put_method(**where, authorizationType="NONE", apiKeyRequired=True)
    for path, value in (("/operationName", "operationName"), ("/requestValidatorId", "wrong-id")):
        assert _error(apigw.update_method, **where, patchOperations=[{"op": "add", "path": path, "value": value}]) == (
            400, "BadRequestException", "Invalid patch operation specified. Must be one of: [replace]")
    for operation in ({"op": "add", "path": "/httpMethod", "value": "PUT"},
                      {"op": "replace", "path": "/requestParameters", "value": "true"},
                      {"op": "add", "path": "/requestModels/application/json", "value": "Empty"}):
        assert _error(apigw.update_method, **where, patchOperations=[operation]) == (
            400, "BadRequestException", f"Invalid patch path {operation['path']}")
    loose = apigw.update_method(**where, patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "whatever"}])
    assert (loose["apiKeyRequired"], loose["authorizationType"]) == (False, "NONE")
    assert _error(apigw.update_method, **where, patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"}])[:2] == (400, "BadRequestException")
    ignored = apigw.update_method(**where, patchOperations=[
        {"op": "replace", "path": "/authorizerId", "value": "abc123"}])
    assert "authorizerId" not in ignored and ignored["authorizationType"] == "NONE"
    assert _error(apigw.update_method, **where, patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": "abc123"}]) == (
        400, "BadRequestException", "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
        "COGNITO_USER_POOLS requires a valid authorizer.")
    assert _error(apigw.update_method, **where, patchOperations=[
        {"op": "replace", "path": "/requestValidatorId", "value": "fake-id"}]) == (
        400, "BadRequestException", "Invalid Request Validator identifier specified")


def test_methods_and_integration_responses_leave_out_empty_keys(apigw, api):
    # APIGW_API::test_method_lifecycle (put-/get-base-method-response: no methodResponses key),
    # test_put_integration_response_templates (no responseTemplates unless given; selectionPattern "" shown),
    # APIGW_INTEGRATIONS::test_put_integration_responses (responseTemplates {} when {} was given)
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="ANY")
    put = apigw.put_method(**where, authorizationType="NONE")
    assert _shown(put) == {"apiKeyRequired": False, "authorizationType": "NONE", "httpMethod": "ANY"}
    assert _shown(apigw.get_method(**where)) == _shown(put)
    apigw.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    given = apigw.put_integration_response(**where, statusCode="200", selectionPattern="")
    assert _shown(given) == {"selectionPattern": "", "statusCode": "200"}
    empty = apigw.put_integration_response(**where, statusCode="400", selectionPattern="4\\d{2}", responseTemplates={})
    assert _shown(empty) == {"responseTemplates": {}, "selectionPattern": "4\\d{2}", "statusCode": "400"}
    null = apigw.put_integration_response(**where, statusCode="500", responseTemplates={"application/json": ""})
    assert _shown(null) == {"responseTemplates": {"application/json": None}, "statusCode": "500"}
    method = apigw.get_method(**where)
    assert "methodResponses" not in method
    assert method["methodIntegration"]["integrationResponses"]["200"] == {"selectionPattern": "", "statusCode": "200"}
    assert _shown(apigw.get_integration_response(**where, statusCode="200")) == _shown(given)


def test_update_integration_response_as_recorded(apigw, api):
    # APIGW_API::test_lifecycle_integration_response (update-integration-response: 200, the whole response);
    # APIGW_S3 (response_convert_to_binary_with_request_template: /responseTemplates add, /contentHandling replace);
    # APIGW_SQS test_sqs_request_and_response_xml_templates_integration (/responseTemplates remove). moto has none.
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="GET")
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(**where, statusCode="200", responseTemplates={"application/json": '"created"'},
                                   selectionPattern="")
    updated = apigw.update_integration_response(**where, statusCode="200", patchOperations=[
        {"op": "replace", "path": "/selectionPattern", "value": "updated-pattern"}])
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _shown(updated) == {"responseTemplates": {"application/json": '"created"'},
                               "selectionPattern": "updated-pattern", "statusCode": "200"}
    changed = apigw.update_integration_response(**where, statusCode="200", patchOperations=[
        {"op": "add", "path": "/responseTemplates/text~1plain", "value": "$input.body"},
        {"op": "replace", "path": "/responseTemplates/application~1json", "value": '"replaced"'},
        {"op": "add", "path": "/responseParameters/method.response.header.ETag", "value": "integration.response.header.ETag"},
        {"op": "replace", "path": "/contentHandling", "value": "CONVERT_TO_BINARY"}])
    assert _shown(changed) == {
        "contentHandling": "CONVERT_TO_BINARY", "selectionPattern": "updated-pattern", "statusCode": "200",
        "responseParameters": {"method.response.header.ETag": "integration.response.header.ETag"},
        "responseTemplates": {"application/json": '"replaced"', "text/plain": "$input.body"}}
    assert _shown(apigw.get_integration_response(**where, statusCode="200")) == _shown(changed)
    removed = apigw.update_integration_response(**where, statusCode="200", patchOperations=[
        {"op": "remove", "path": "/responseTemplates/application~1json", "value": "application/json"},
        {"op": "remove", "path": "/responseTemplates/text~1plain"},
        {"op": "remove", "path": "/responseParameters/method.response.header.ETag"}])
    assert _shown(removed) == {"contentHandling": "CONVERT_TO_BINARY", "selectionPattern": "updated-pattern",
                               "statusCode": "200"}
    # the status code's pattern and the op enum, together (botocore's model; AWS's words as recorded for
    # UpdateMethodResponse in APIGW_API::test_update_method_response_negative_tests)
    assert _error(apigw.update_integration_response, **{**where, "statusCode": "wrong"}, patchOperations=[
        {"op": "wrong_op", "path": "/selectionPattern", "value": "x"}]) == (
        400, "ValidationException",
        "2 validation errors detected: Value 'wrong_op' at 'updateIntegrationResponseInput.patchOperations.1.member.op'"
        " failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; "
        "Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[1-5]\\d\\d")


def test_update_integration_response_refusals(apigw, api):
    # 404s in the words recorded for Get/PutIntegrationResponse (APIGW_API::test_integration_response_wrong_method,
    # _wrong_resource, _invalid_integration, test_delete_integration_response_errors: non-existent-status-code);
    # a wrong path or operation in the words AWS gives UpdateMethod/UpdateMethodResponse (inferred, [I])
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    patch = [{"op": "replace", "path": "/selectionPattern", "value": "x"}]
    assert _error(apigw.update_integration_response, **{**where, "resourceId": "nope"}, patchOperations=patch) == (
        404, "NotFoundException", "Invalid Resource identifier specified")
    assert _error(apigw.update_integration_response, **where, patchOperations=patch) == (
        404, "NotFoundException", "Invalid Method identifier specified")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    assert _error(apigw.update_integration_response, **where, patchOperations=patch) == (
        404, "NotFoundException", "Invalid Integration identifier specified")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    assert _error(apigw.update_integration_response, **where, patchOperations=patch) == (
        404, "NotFoundException", "Invalid Response status code specified")
    apigw.put_integration_response(**where, selectionPattern="")
    assert _error(apigw.update_integration_response, **where, patchOperations=[
        {"op": "replace", "path": "/statusCode", "value": "201"}]) == (
        400, "BadRequestException", "Invalid patch path /statusCode")
    assert _error(apigw.update_integration_response, **where, patchOperations=[
        {"op": "add", "path": "/selectionPattern", "value": "x"}]) == (
        400, "BadRequestException", "Invalid patch operation specified. Must be one of: [replace]")
    assert _error(apigw.update_integration_response, **where, patchOperations=[
        {"op": "remove", "path": "/responseParameters/method.response.header.Nope"}]) == (
        404, "NotFoundException", "Invalid parameter name specified")
    # nothing of a refused patch is kept
    assert _error(apigw.update_integration_response, **where, patchOperations=[
        {"op": "replace", "path": "/selectionPattern", "value": "kept?"},
        {"op": "replace", "path": "/wrong", "value": "x"}])[0] == 400
    assert apigw.get_integration_response(**where)["selectionPattern"] == ""


def test_update_integration_as_recorded(apigw, api):
    # APIGW_API::test_create_integration_with_vpc_link (update-integration-vpc-link: replace /connectionId, 200);
    # APIGW_SQS (/requestParameters add) and APIGW_S3 (/requestTemplates add) run against AWS. moto has none.
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="GET")
    apigw.put_method(**where, authorizationType="NONE")
    put = apigw.put_integration(**where, type="HTTP_PROXY", uri="http://my-vpclink-test-nlb-1234567890abcdef.example.com",
                                integrationHttpMethod="GET", connectionType="VPC_LINK",
                                connectionId="${stageVariables.vpcLinkId}")
    assert put["connectionId"] == "${stageVariables.vpcLinkId}"  # put-integration-vpc-link (moto dropped it)
    updated = apigw.update_integration(**where, patchOperations=[
        {"op": "replace", "path": "/connectionId", "value": "${stageVariables.vpcLinkIdBeta}"}])
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _shown(updated) == {
        "cacheKeyParameters": [], "cacheNamespace": root, "connectionId": "${stageVariables.vpcLinkIdBeta}",
        "connectionType": "VPC_LINK", "httpMethod": "GET", "passthroughBehavior": "WHEN_NO_MATCH",
        "timeoutInMillis": 29000, "type": "HTTP_PROXY",
        "uri": "http://my-vpclink-test-nlb-1234567890abcdef.example.com"}
    assert _shown(apigw.get_integration(**where)) == _shown(updated)
    changed = apigw.update_integration(**where, patchOperations=[
        {"op": "add", "path": "/requestParameters/integration.request.header.Accept", "value": "'application/xml'"},
        {"op": "add", "path": "/requestTemplates/application~1json", "value": '{"data": "$input.body"}'},
        {"op": "replace", "path": "/timeoutInMillis", "value": "5000"}])
    assert changed["requestParameters"] == {"integration.request.header.Accept": "'application/xml'"}
    assert changed["requestTemplates"] == {"application/json": '{"data": "$input.body"}'}
    assert changed["timeoutInMillis"] == 5000
    # the result is checked as PutIntegration checks one (APIGW_API::test_put_integration_wrong_type's words)
    assert _error(apigw.update_integration, **where, patchOperations=[
        {"op": "replace", "path": "/uri", "value": "not-a-url"}]) == (
        400, "BadRequestException", "Invalid HTTP endpoint specified for URI")
    assert _error(apigw.update_integration, **where, patchOperations=[
        {"op": "replace", "path": "/nope", "value": "x"}]) == (400, "BadRequestException", "Invalid patch path /nope")
    apigw.delete_integration(**where)
    assert _error(apigw.update_integration, **where, patchOperations=[]) == (
        404, "NotFoundException", "Invalid Integration identifier specified")


def test_update_method_response_as_recorded(apigw, api):
    # APIGW_API::test_update_method_response (remove-/add-update-method-response: 201), test_lifecycle_method_response,
    # test_update_method_wrong_param_names, test_update_method_lack_response_parameters_and_models,
    # test_update_method_response_negative_tests. moto has none.
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(**where, responseParameters={"method.response.header.my-header": False},
                              responseModels={"application/json": "Empty"})
    header, model = "/responseParameters/method.response.header.my-header", "/responseModels/application~1json"
    removed = apigw.update_method_response(**where, patchOperations=[
        {"op": "remove", "path": header, "value": "true"}, {"op": "remove", "path": model, "value": "Empty"}])
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert _shown(removed) == {"statusCode": "200"}
    added = apigw.update_method_response(**where, patchOperations=[
        {"op": "add", "path": header, "value": "true"}, {"op": "add", "path": model, "value": "Empty"}])
    assert _shown(added) == {"responseModels": {"application/json": "Empty"},
                             "responseParameters": {"method.response.header.my-header": True}, "statusCode": "200"}
    assert apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")["methodResponses"] == {
        "200": _shown(added)}
    for op in ("replace", "remove"):
        assert _error(apigw.update_method_response, **where, patchOperations=[
            {"op": op, "path": "/responseParameters/wrong", "value": "true"}]) == (
            404, "NotFoundException", "Invalid parameter name specified")
        assert _error(apigw.update_method_response, **where, patchOperations=[
            {"op": op, "path": "/responseModels/wrong", "value": "Empty"}]) == (
            404, "NotFoundException", "Content-Type specified was not found")
    assert _error(apigw.update_method_response, **where, patchOperations=[
        {"op": "remove", "path": "/wrong/method.response.header.my-header", "value": "true"}]) == (
        400, "BadRequestException", "Invalid patch path /wrong/method.response.header.my-header")
    patch = [{"op": "replace", "path": header, "value": "true"}]
    assert _error(apigw.update_method_response, **{**where, "statusCode": "201"}, patchOperations=patch) == (
        404, "NotFoundException", "Invalid Response status code specified")
    assert _error(apigw.update_method_response, **{**where, "resourceId": "wrong"}, patchOperations=patch) == (
        404, "NotFoundException", "Invalid Resource identifier specified")
    assert _error(apigw.update_method_response, **{**where, "httpMethod": "POST"}, patchOperations=patch) == (
        404, "NotFoundException", "Invalid Method identifier specified")
    assert _error(apigw.update_method_response, **{**where, "statusCode": "wrong"}, patchOperations=[
        {"op": "wrong_op", "path": header, "value": "true"}]) == (
        400, "ValidationException",
        "2 validation errors detected: Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.1.member.op' "
        "failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; "
        "Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[1-5]\\d\\d")


def test_updated_integration_response_is_served_after_a_new_deployment(apigw, api, stack_url):
    # AWS developer guide, "Deploy a REST API": changes reach callers with the next deployment, not before
    api_id, root = api
    where = dict(restApiId=api_id, resourceId=root, httpMethod="GET")
    apigw.put_method(**where, authorizationType="NONE")
    apigw.put_method_response(**where, statusCode="200", responseParameters={"method.response.header.X-Kind": False})
    apigw.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(**where, statusCode="200", selectionPattern="",
                                   responseTemplates={"application/json": '{"version": 1}'})
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    url = f"{stack_url}/_aws/execute-api/{api_id}/prod/"
    first = requests.get(url, timeout=10)
    assert (first.status_code, first.json(), first.headers.get("X-Kind")) == (200, {"version": 1}, None)
    apigw.update_integration_response(**where, statusCode="200", patchOperations=[
        {"op": "replace", "path": "/responseTemplates/application~1json", "value": '{"version": 2}'},
        {"op": "add", "path": "/responseParameters/method.response.header.X-Kind", "value": "'updated'"}])
    assert requests.get(url, timeout=10).json() == {"version": 1}  # the deployed snapshot is unchanged
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    second = requests.get(url, timeout=10)
    assert (second.status_code, second.json(), second.headers.get("X-Kind")) == (200, {"version": 2}, "updated")
    apigw.update_integration(**where, patchOperations=[
        {"op": "replace", "path": "/requestTemplates/application~1json", "value": '{"statusCode": 404}'}])
    apigw.update_integration_response(**where, statusCode="200", patchOperations=[
        {"op": "replace", "path": "/selectionPattern", "value": "2\\d{2}"}])
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    third = requests.get(url, timeout=10)  # 404 matches no integration response: AWS's 500
    assert (third.status_code, third.json()) == (500, {"message": "Internal server error"})


def test_rest_api_endpoint_configuration_as_recorded(apigw):
    # APIGW_API::test_create_rest_api_with_optional_params (create-only-name: ipAddressType ipv4, no
    # binaryMediaTypes), test_create_rest_api_with_endpoint_configuration, test_update_rest_api_ip_address_type
    assert _error(apigw.create_rest_api, name="x", endpointConfiguration={"types": []}) == (
        400, "BadRequestException", "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.")
    assert _error(apigw.create_rest_api, name="x", endpointConfiguration={"types": ["EDGE", "REGIONAL"]}) == (
        400, "BadRequestException", "Cannot create an api with multiple Endpoint Types.")
    created = []
    try:
        plain = apigw.create_rest_api(name=f"cp-{uuid.uuid4().hex[:8]}")
        created.append(plain["id"])
        assert plain["endpointConfiguration"] == {"ipAddressType": "ipv4", "types": ["EDGE"]}
        assert "binaryMediaTypes" not in plain
        dual = apigw.create_rest_api(name=f"cp-{uuid.uuid4().hex[:8]}",
                                     endpointConfiguration={"ipAddressType": "dualstack", "types": ["EDGE"]})
        created.append(dual["id"])
        assert dual["endpointConfiguration"] == {"ipAddressType": "dualstack", "types": ["EDGE"]}
        api_id = plain["id"]

        def update(*operations):
            return apigw.update_rest_api(restApiId=api_id, patchOperations=list(operations))

        replaced = update(*({"op": "replace", "path": "/endpointConfiguration/types/0", "value": kind}
                            for kind in ("EDGE", "REGIONAL", "PRIVATE")))
        assert replaced["endpointConfiguration"] == {"ipAddressType": "dualstack", "types": ["PRIVATE"]}
        refusals = (
            ({"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "ipv4"},
             "Only dualstack ipAddressType is supported for Private APIs."),
            ({"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "wrong"},
             "ipAddressType must be either ipv4 or dualstack."),
            ({"op": "replace", "path": "/endpointConfiguration/types/0", "value": "wrong"},
             "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE"),
            ({"op": "remove", "path": "/endpointConfiguration/ipAddressType", "value": "dualstack"},
             "Invalid patch operation specified. Must be one of: [replace]"),
            ({"op": "remove", "path": "/endpointConfiguration/types/0", "value": "EDGE"},
             "Invalid patch operation specified. Must be 'add'|'remove'|'replace'"),
        )
        for operation, message in refusals:
            assert _error(apigw.update_rest_api, restApiId=api_id, patchOperations=[operation]) == (
                400, "BadRequestException", message)
        assert apigw.get_rest_api(restApiId=api_id)["endpointConfiguration"] == {
            "ipAddressType": "dualstack", "types": ["PRIVATE"]}  # nothing of a refused patch was kept
        again = update({"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "dualstack"})
        assert again["endpointConfiguration"] == {"ipAddressType": "dualstack", "types": ["PRIVATE"]}
        back = update({"op": "replace", "path": "/endpointConfiguration/types/0", "value": "REGIONAL"},
                      {"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": "ipv4"},
                      {"op": "replace", "path": "/description", "value": "regional again"})
        assert (back["endpointConfiguration"], back["description"]) == (
            {"ipAddressType": "ipv4", "types": ["REGIONAL"]}, "regional again")
    finally:
        for api_id in created:
            apigw.delete_rest_api(restApiId=api_id)
