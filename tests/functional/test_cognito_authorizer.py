"""COGNITO_USER_POOLS authorization with tokens from the stack's own Cognito user pool (moto's cognito-idp).

AWS ("Control access to REST APIs using Amazon Cognito user pools as an authorizer"): a method without scopes
takes the pool's ID token, a method with scopes an access token granting one; a missing, forged, foreign or
expired token is 401 {"message": "Unauthorized"}; the claims reach the function in requestContext.authorizer.claims.
Execution log: `Extended Request Id` first, a refused token `Unauthorized request: <id>` (AWS's wording for an
unauthorized request, knowledge center "How can I use API Gateway logs for troubleshooting?").
"""
from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
import requests

from .apikit import Kit, execution_log, json_body

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def pooled(clients):
    kit = Kit(clients, "cg")
    apigw, idp = clients("apigateway"), clients("cognito-idp")
    pools = []
    try:
        fn = kit.function("probe", "gateway_probe")
        pool = idp.create_user_pool(PoolName=f"{kit.prefix}pool")["UserPool"]
        other = idp.create_user_pool(PoolName=f"{kit.prefix}other")["UserPool"]
        pools += [pool["Id"], other["Id"]]
        tokens = {}
        for name, made in (("mine", pool), ("foreign", other)):
            client = idp.create_user_pool_client(UserPoolId=made["Id"], ClientName="app",
                                                 ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                                    "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
            idp.admin_create_user(UserPoolId=made["Id"], Username="neil",
                                  UserAttributes=[{"Name": "email", "Value": "neil@example.com"}])
            idp.admin_set_user_password(UserPoolId=made["Id"], Username="neil", Password="Apollo-11-moon!",
                                        Permanent=True)
            tokens[name] = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                             AuthParameters={"USERNAME": "neil", "PASSWORD": "Apollo-11-moon!"}
                                             )["AuthenticationResult"]
        api_id, root = kit.api("cognito")
        authorizer = apigw.create_authorizer(restApiId=api_id, name="pool", type="COGNITO_USER_POOLS",
                                             providerARNs=[pool["Arn"]],
                                             identitySource="method.request.header.Authorization")["id"]
        target = f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations"
        for part, scopes in (("open-to-id", None), ("scoped", ["aws.cognito.signin.user.admin"]),
                             ("other-scope", ["orders/read"])):
            resource = kit.resource(api_id, root, part)
            extra = {"authorizationScopes": scopes} if scopes else {}
            apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET",
                             authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer, **extra)
            apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                                  integrationHttpMethod="POST", uri=target)
        kit.permit(fn, api_id)
        kit.deploy(api_id, "prod")
        yield {"kit": kit, "api": api_id, "tokens": tokens, "http": requests.Session(), "clients": clients}
    finally:
        for made in pools:
            idp.delete_user_pool(UserPoolId=made)
        kit.teardown()


def get(pooled, path, token=None):
    headers = {"Authorization": token} if token is not None else {}
    return pooled["http"].get(pooled["kit"].url(pooled["api"], "prod", path), headers=headers, timeout=30)


def test_the_pools_id_token_opens_a_method_without_scopes_and_brings_its_claims(pooled):
    response = get(pooled, "open-to-id", pooled["tokens"]["mine"]["IdToken"])
    assert response.status_code == 200, response.content
    claims = json_body(response)["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:username"] == "neil" and claims["token_use"] == "id"
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}", claims["exp"]), claims["exp"]


def test_an_access_token_with_the_scope_opens_a_scoped_method(pooled):
    assert get(pooled, "scoped", pooled["tokens"]["mine"]["AccessToken"]).status_code == 200
    assert get(pooled, "scoped", "Bearer " + pooled["tokens"]["mine"]["AccessToken"]).status_code == 200


def _forged(token: str) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "buzz"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{head}.{forged}.{signature}"


@pytest.mark.parametrize("path,which", [
    ("open-to-id", None), ("open-to-id", "garbage"), ("open-to-id", "forged"), ("open-to-id", "foreign"),
    ("open-to-id", "access"), ("scoped", "id"), ("other-scope", "access"),
])
def test_anything_else_is_401(pooled, path, which):
    mine = pooled["tokens"]["mine"]
    token = {None: None, "garbage": f"not.a.{uuid.uuid4().hex}", "forged": _forged(mine["IdToken"]),
             "foreign": pooled["tokens"]["foreign"]["IdToken"], "access": mine["AccessToken"],
             "id": mine["IdToken"]}[which]
    response = get(pooled, path, token)
    assert response.status_code == 401
    assert json_body(response) == {"message": "Unauthorized"}
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_the_execution_log_of_a_refused_token_says_unauthorized_request(pooled):
    response = get(pooled, "open-to-id", pooled["tokens"]["mine"]["AccessToken"])
    assert response.status_code == 401
    request_id = response.headers["x-amzn-RequestId"]
    lines = execution_log(pooled["clients"], pooled["api"], "prod", request_id, until="Unauthorized request")
    assert lines == [f"Extended Request Id: {response.headers['x-amz-apigw-id']}", f"Unauthorized request: {request_id}"]


def test_the_execution_log_of_an_accepted_token_starts_with_the_extended_request_id(pooled):
    response = get(pooled, "open-to-id", pooled["tokens"]["mine"]["IdToken"])
    assert response.status_code == 200
    lines = execution_log(pooled["clients"], pooled["api"], "prod", response.headers["x-amzn-RequestId"])
    assert lines[0] == f"Extended Request Id: {response.headers['x-amz-apigw-id']}"
    assert lines[1].startswith("Verifying Usage Plan for request: ")
    assert lines[-1] == "Method completed with status: 200"
