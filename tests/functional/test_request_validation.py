"""Request validators and models on the embedded stack, over HTTP.

AWS (docs "Request validation for REST APIs in API Gateway"; answers recorded against AWS in LocalStack's
test_apigateway_common.snapshot.json): a required parameter absent or blank -> 400
{"message": "Missing required request parameters: [x-header-param, issuer, qs1]"} (sorted by key); a body that
breaks the model -> 400 {"message": "Invalid request body"}; no model for the Content-Type -> no check.
"""
from __future__ import annotations

import json

import pytest
import requests

from .apikit import Kit, execution_log, json_body

pytestmark = pytest.mark.functional

ITEM_MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "PutItem", "type": "object",
    "required": ["TableName", "Item"],
    "properties": {"TableName": {"type": "string", "minLength": 3},
                   "Item": {"$ref": "https://apigateway.amazonaws.com/restapis/API/models/Item"}},
}
ITEM = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}


@pytest.fixture(scope="module")
def validated(clients):
    kit = Kit(clients, "rv")
    apigw = clients("apigateway")
    try:
        fn = kit.function("probe", "gateway_probe")
        api_id, root = kit.api("validation")
        apigw.create_model(restApiId=api_id, name="Item", contentType="application/json", schema=json.dumps(ITEM))
        put_item = json.dumps(ITEM_MODEL).replace("/restapis/API/", f"/restapis/{api_id}/")
        apigw.create_model(restApiId=api_id, name="PutItem", contentType="application/json", schema=put_item)
        both = apigw.create_request_validator(restApiId=api_id, name="all", validateRequestBody=True,
                                              validateRequestParameters=True)["id"]
        params_only = apigw.create_request_validator(restApiId=api_id, name="params", validateRequestBody=False,
                                                     validateRequestParameters=True)["id"]
        items = kit.resource(api_id, root, "items")
        target = f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations"
        for verb, validator in (("POST", both), ("GET", params_only)):
            apigw.put_method(restApiId=api_id, resourceId=items, httpMethod=verb, authorizationType="NONE",
                             requestValidatorId=validator, requestModels={"application/json": "PutItem"},
                             requestParameters={"method.request.querystring.TableName": True,
                                                "method.request.header.x-trace": verb == "GET",
                                                "method.request.querystring.optional": False})
            apigw.put_integration(restApiId=api_id, resourceId=items, httpMethod=verb, type="AWS_PROXY",
                                  integrationHttpMethod="POST", uri=target)
        kit.permit(fn, api_id)
        kit.deploy(api_id, "prod")
        yield {"kit": kit, "api": api_id, "http": requests.Session(), "clients": clients}
    finally:
        kit.teardown()


def call(validated, verb: str, body=None, headers=None, **params):
    return validated["http"].request(verb, validated["kit"].url(validated["api"], "prod", "items"), params=params,
                                     data=None if body is None else body if isinstance(body, str) else json.dumps(body),
                                     headers=headers or {}, timeout=30)


GOOD = {"TableName": "messages", "Item": {"id": "1", "author": "Neil Armstrong"}}


def test_a_request_that_passes_reaches_the_function(validated):
    response = call(validated, "POST", GOOD, {"Content-Type": "application/json"}, TableName="messages")
    assert response.status_code == 200
    assert json.loads(json_body(response)["body"]) == GOOD


@pytest.mark.parametrize("params,headers,missing", [
    ({}, {}, "[x-trace, TableName]"),
    ({"TableName": "m"}, {}, "[x-trace]"),
    ({"TableName": "  "}, {"x-trace": "1"}, "[TableName]"),
])
def test_missing_or_blank_required_parameters_are_400_naming_them(validated, params, headers, missing):
    response = call(validated, "GET", headers=headers, **params)
    assert response.status_code == 400
    assert json_body(response) == {"message": f"Missing required request parameters: {missing}"}
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"


@pytest.mark.parametrize("body,reason", [
    ({"TableName": "messages"}, 'object has missing required properties (["Item"])'),
    ({"TableName": 5, "Item": {"id": "1"}},
     'instance type (integer) does not match any allowed primitive type (allowed: ["string"])'),
    ({"TableName": "messages", "Item": {"id": 1}},
     'instance type (integer) does not match any allowed primitive type (allowed: ["string"])'),
    ("not json", "Invalid JSON in request body"),
])
def test_a_body_that_breaks_the_model_is_400_and_the_log_names_the_error(validated, body, reason):
    response = call(validated, "POST", body, {"Content-Type": "application/json"}, TableName="messages")
    assert response.status_code == 400
    assert json_body(response) == {"message": "Invalid request body"}
    lines = execution_log(validated["clients"], validated["api"], "prod", response.headers["x-amzn-RequestId"])
    failure = next(line for line in lines if line.startswith("Request body does not match model schema"))
    assert failure.startswith("Request body does not match model schema for content type application/json: [")
    assert reason in failure
    assert lines[-1] == "Method completed with status: 400"


def test_parameters_are_checked_before_the_body(validated):
    response = call(validated, "POST", {"x": 1}, {"Content-Type": "application/json"})
    assert json_body(response) == {"message": "Missing required request parameters: [TableName]"}


def test_a_content_type_without_a_model_is_not_checked(validated):
    response = call(validated, "POST", "anything", {"Content-Type": "text/plain"}, TableName="messages")
    assert response.status_code == 200


def test_a_validator_for_parameters_only_leaves_the_body_alone(validated):
    response = call(validated, "GET", "not json", {"Content-Type": "application/json", "x-trace": "1"},
                    TableName="messages")
    assert response.status_code == 200
