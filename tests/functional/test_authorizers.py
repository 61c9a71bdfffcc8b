"""Lambda authorizers (TOKEN and REQUEST) on the embedded stack, over HTTP.

AWS's answers (AWS docs "Use API Gateway Lambda authorizers", "Gateway response types"): no identity or
`Unauthorized` from the function -> 401 {"message":"Unauthorized"}; a policy that does not allow the method ->
403 "User is not authorized to access this resource" (explicit Deny: "... with an explicit deny"); an authorizer
that fails or answers a malformed policy -> 500 {"message": null} (AuthorizerConfigurationException).
"""
from __future__ import annotations

import json

import pytest
import requests

from .apikit import Kit, execution_log, follows, json_body

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def guarded(clients):
    kit = Kit(clients, "az")
    apigw = clients("apigateway")
    try:
        fn = kit.function("probe", "gateway_probe")
        auth_fn = kit.function("auth", "authorizer")
        api_id, root = kit.api("auth")
        uri = f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{auth_fn['arn']}/invocations"
        token = apigw.create_authorizer(restApiId=api_id, name="token", type="TOKEN", authorizerUri=uri,
                                        identitySource="method.request.header.Authorization",
                                        identityValidationExpression="^[a-z-]+$",
                                        authorizerResultTtlInSeconds=0)["id"]
        cached = apigw.create_authorizer(restApiId=api_id, name="cached", type="TOKEN", authorizerUri=uri,
                                         identitySource="method.request.header.Authorization",
                                         authorizerResultTtlInSeconds=300)["id"]
        request = apigw.create_authorizer(restApiId=api_id, name="request", type="REQUEST", authorizerUri=uri,
                                          identitySource="method.request.header.auth, method.request.querystring.q",
                                          authorizerResultTtlInSeconds=60)["id"]
        unpermitted = apigw.create_authorizer(restApiId=api_id, name="noperm", type="TOKEN",
                                              authorizerUri=uri.replace(auth_fn["name"], fn["name"]),
                                              identitySource="method.request.header.Authorization",
                                              authorizerResultTtlInSeconds=0)["id"]
        untrusted = apigw.create_authorizer(restApiId=api_id, name="untrusted", type="TOKEN", authorizerUri=uri,
                                            identitySource="method.request.header.Authorization",
                                            authorizerCredentials=kit.role_arn,  # trusts lambda.amazonaws.com only
                                            authorizerResultTtlInSeconds=0)["id"]
        for part, authorizer in (("token", token), ("cached", cached), ("cached2", cached), ("request", request),
                                 ("noperm", unpermitted), ("untrusted", untrusted)):
            resource = kit.resource(api_id, root, part)
            apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM",
                             authorizerId=authorizer)
            apigw.put_integration(
                restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations")
        kit.permit(fn, api_id)
        kit.permit(auth_fn, api_id, "authorizers/*")
        kit.deploy(api_id, "prod")
        yield {"kit": kit, "api": api_id, "http": requests.Session(), "clients": clients,
               "authorizers": {"token": token, "request": request}}
    finally:
        kit.teardown()


def get(guarded, path: str, token: str | None = None, **params):
    headers = {"Authorization": token} if token is not None else {}
    headers.update(params.pop("headers", {}))
    return guarded["http"].get(guarded["kit"].url(guarded["api"], "prod", path), headers=headers, params=params,
                               timeout=30)


def test_an_allowing_token_reaches_the_function_with_the_authorizer_output(guarded):
    response = get(guarded, "token", "allow")
    assert response.status_code == 200
    authorizer = json_body(response)["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-allow"
    assert (authorizer["user"], authorizer["n"], authorizer["admin"]) == ("allow", "7", "true")
    assert isinstance(authorizer["integrationLatency"], int)


@pytest.mark.parametrize("token", [None, "", "UPPER-not-matching-expression", "unauthorized"])
def test_no_token_a_refused_token_or_unauthorized_is_401(guarded, token):
    response = get(guarded, "token", token)
    assert response.status_code == 401
    assert json_body(response) == {"message": "Unauthorized"}
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_a_deny_policy_is_403_explicit_deny(guarded):
    response = get(guarded, "token", "deny")
    assert response.status_code == 403
    assert json_body(response) == {"message": "User is not authorized to access this resource with an explicit deny"}
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    lines = execution_log(guarded["clients"], guarded["api"], "prod", response.headers["x-amzn-RequestId"],
                          until="The client is not authorized to perform this operation.")
    refused = [line for line in lines if line.startswith("The client is not authorized")]
    assert refused == ["The client is not authorized to perform this operation."], lines  # as recorded (docs)


def test_a_policy_that_does_not_cover_the_method_is_403(guarded):
    response = get(guarded, "token", "other")
    assert response.status_code == 403
    assert json_body(response) == {"message": "User is not authorized to access this resource"}


@pytest.mark.parametrize("token", ["boom", "malformed"])
def test_a_failing_or_malformed_authorizer_is_500_message_null(guarded, token):
    response = get(guarded, "token", token)
    assert response.status_code == 500
    assert response.content == b'{"message": null}'
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    lines = execution_log(guarded["clients"], guarded["api"], "prod", response.headers["x-amzn-RequestId"],
                          until="Execution failed due to configuration error")
    assert any(line.startswith("Execution failed due to configuration error") for line in lines), lines


def test_an_authorizer_without_invoke_permission_is_500(guarded):
    response = get(guarded, "noperm", "allow")
    assert response.status_code == 500
    assert response.content == b'{"message": null}'


def test_authorizer_credentials_api_gateway_may_not_assume_are_500_with_the_log_lines(guarded):
    """As a real execution log shows it: the assume-role line, then `Authorizer error` (500, message null)."""
    response = get(guarded, "untrusted", "allow")
    assert response.status_code == 500
    assert response.content == b'{"message": null}'
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    lines = execution_log(guarded["clients"], guarded["api"], "prod", response.headers["x-amzn-RequestId"])
    assert follows(lines, "Execution failed due to configuration error: API Gateway does not have permission to "
                          f"assume the provided role {guarded['kit'].role_arn}",
                   "Execution failed due to configuration error: Authorizer error"), lines


def test_the_execution_log_tells_the_authorizer_steps(guarded):
    response = get(guarded, "token", "allow")
    lines = execution_log(guarded["clients"], guarded["api"], "prod", response.headers["x-amzn-RequestId"])
    start = lines.index(next(line for line in lines if line.startswith("Starting authorizer:")))
    assert lines[0].startswith("Extended Request Id: ")
    assert lines[start + 1] == "Incoming identity: *llow"
    assert "Successfully completed authorizer execution" in lines
    assert lines.index("Successfully completed authorizer execution") < lines.index(
        next(line for line in lines if line.startswith("Starting execution for request")))


def test_a_cached_answer_is_reused_and_its_policy_checked_against_each_method(guarded):
    first = json_body(get(guarded, "cached", "allow-this"))["requestContext"]["authorizer"]
    again = json_body(get(guarded, "cached", "allow-this"))["requestContext"]["authorizer"]
    assert first["calls"] == again["calls"]  # the function was not called again
    other = get(guarded, "cached2", "allow-this")  # the cached policy names only /cached
    assert other.status_code == 403


def test_a_request_authorizer_takes_headers_and_query_and_needs_them_all_when_caching(guarded):
    ok = get(guarded, "request", headers={"auth": "allow"}, q="1")
    assert ok.status_code == 200, ok.content
    assert json_body(ok)["requestContext"]["authorizer"]["principalId"] == "user-allow"
    missing = get(guarded, "request", headers={"auth": "allow"})
    assert missing.status_code == 401
    assert json_body(missing) == {"message": "Unauthorized"}


def test_test_invoke_authorizer_runs_the_authorizer(guarded):
    apigw = guarded["clients"]("apigateway")
    allowed = apigw.test_invoke_authorizer(restApiId=guarded["api"], authorizerId=guarded["authorizers"]["token"],
                                           headers={"Authorization": "allow"})
    assert allowed["clientStatus"] == 200 and allowed["principalId"] == "user-allow"
    assert json.loads(allowed["policy"])["Statement"][0]["Effect"] == "Allow"
    assert "Starting authorizer:" in allowed["log"]
    refused = apigw.test_invoke_authorizer(restApiId=guarded["api"], authorizerId=guarded["authorizers"]["token"],
                                           headers={"Authorization": "unauthorized"})
    assert refused["clientStatus"] == 401 and "principalId" not in refused
    request = apigw.test_invoke_authorizer(restApiId=guarded["api"], authorizerId=guarded["authorizers"]["request"],
                                           headers={"auth": "allow"}, pathWithQueryString="/request?q=1")
    assert request["clientStatus"] == 200 and request["principalId"] == "user-allow"


@pytest.fixture(scope="module")
def keyed_by_authorizer(clients):
    kit = Kit(clients, "azk")
    apigw = clients("apigateway")
    made: dict = {}
    try:
        fn = kit.function("probe", "gateway_probe")
        auth_fn = kit.function("auth", "authorizer")
        api_id = apigw.create_rest_api(name=f"{kit.prefix}keyed", apiKeySource="AUTHORIZER")["id"]
        kit.apis.append(api_id)
        root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
        uri = f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{auth_fn['arn']}/invocations"
        authorizer = apigw.create_authorizer(restApiId=api_id, name="token", type="TOKEN", authorizerUri=uri,
                                             identitySource="method.request.header.Authorization",
                                             authorizerResultTtlInSeconds=0)["id"]
        resource = kit.resource(api_id, root, "keyed")
        apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM",
                         authorizerId=authorizer, apiKeyRequired=True)
        apigw.put_integration(
            restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations")
        kit.permit(fn, api_id)
        kit.permit(auth_fn, api_id, "authorizers/*")
        kit.deploy(api_id, "prod")
        made["key"] = apigw.create_api_key(name=f"{kit.prefix}k", enabled=True, value="usage-identifier-key-0001")["id"]
        made["plan"] = apigw.create_usage_plan(name=f"{kit.prefix}p", apiStages=[{"apiId": api_id, "stage": "prod"}])["id"]
        yield {"kit": kit, "api": api_id, "apigw": apigw, "made": made}
    finally:
        if "plan" in made:
            apigw.delete_usage_plan(usagePlanId=made["plan"])
        if "key" in made:
            apigw.delete_api_key(apiKey=made["key"])
        kit.teardown()


def test_the_authorizers_usage_identifier_key_is_the_api_key(keyed_by_authorizer):
    k = keyed_by_authorizer
    url = k["kit"].url(k["api"], "prod", "keyed")
    before = requests.get(url, headers={"Authorization": "allow"}, timeout=30)
    assert (before.status_code, json_body(before)) == (403, {"message": "Forbidden"})  # the key is in no plan yet
    k["apigw"].create_usage_plan_key(usagePlanId=k["made"]["plan"], keyId=k["made"]["key"], keyType="API_KEY")
    after = requests.get(url, headers={"Authorization": "allow"}, timeout=30)
    assert after.status_code == 200
    assert json_body(after)["requestContext"]["identity"]["apiKey"] == "usage-identifier-key-0001"


@pytest.mark.parametrize("kind,which", [("CUSTOM", None), ("CUSTOM", "nope123"), ("COGNITO_USER_POOLS", "token")])
def test_put_method_needs_a_valid_authorizer_of_its_kind(guarded, kind, which):
    apigw = guarded["clients"]("apigateway")
    root = next(r["id"] for r in apigw.get_resources(restApiId=guarded["api"])["items"] if r["path"] == "/")
    extra = {"authorizerId": guarded["authorizers"].get(which, which)} if which else {}
    with pytest.raises(apigw.exceptions.BadRequestException) as refused:
        apigw.put_method(restApiId=guarded["api"], resourceId=root, httpMethod="PATCH", authorizationType=kind, **extra)
    assert refused.value.response["Error"]["Message"] == (
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a "
        "valid authorizer.")
