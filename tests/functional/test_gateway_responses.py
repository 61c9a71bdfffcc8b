"""Gateway responses customised with PutGatewayResponse, over HTTP.

AWS ("Gateway responses for REST APIs", "Set up CORS for errors"): the customisation of an error's type, else of
DEFAULT_4XX/DEFAULT_5XX, sets the status, headers (e.g. Access-Control-Allow-Origin on errors) and body template
(`$context.error.messageString` is the message as a JSON string).
"""
from __future__ import annotations

import pytest
import requests

from .apikit import Kit, json_body

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def customised(clients):
    kit = Kit(clients, "gr")
    apigw = clients("apigateway")
    try:
        api_id, root = kit.api("responses")
        open_resource = kit.resource(api_id, root, "open")
        apigw.put_method(restApiId=api_id, resourceId=open_resource, httpMethod="GET", authorizationType="NONE",
                         requestValidatorId=apigw.create_request_validator(
                             restApiId=api_id, name="p", validateRequestParameters=True)["id"],
                         requestParameters={"method.request.querystring.needed": True})
        apigw.put_integration(restApiId=api_id, resourceId=open_resource, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_integration_response(restApiId=api_id, resourceId=open_resource, httpMethod="GET", statusCode="200")
        apigw.put_gateway_response(
            restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
            responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            responseTemplates={"application/json": '{"error": $context.error.messageString, '
                                                   '"type": "$context.error.responseType"}'})
        created = apigw.put_gateway_response(
            restApiId=api_id, responseType="DEFAULT_4XX",
            responseParameters={"gatewayresponse.header.X-Stage": "stageVariables.color",
                                "gatewayresponse.header.X-Asked": "method.request.header.X-Asked"})
        kit.deploy(api_id, "prod", variables={"color": "green"})
        yield {"kit": kit, "api": api_id, "http": requests.Session(), "created": created}
    finally:
        kit.teardown()


def get(customised, path, **kw):
    return customised["http"].get(customised["kit"].url(customised["api"], "prod", path), timeout=30, **kw)


def test_a_customised_type_sets_status_headers_and_body(customised):
    response = get(customised, "nowhere")
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert json_body(response) == {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}


def test_other_4xx_errors_take_default_4xx(customised):
    response = get(customised, "open", headers={"X-Asked": "me"})
    assert response.status_code == 400
    assert json_body(response) == {"message": "Missing required request parameters: [needed]"}
    assert response.headers["X-Stage"] == "green" and response.headers["X-Asked"] == "me"


def test_an_answer_without_error_is_untouched(customised):
    response = get(customised, "open", params={"needed": "1"})
    assert response.status_code == 200 and "X-Stage" not in response.headers


def test_put_gateway_response_answers_201_created(customised):
    assert customised["created"]["ResponseMetadata"]["HTTPStatusCode"] == 201
