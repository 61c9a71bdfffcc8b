"""AWS_IAM authorization: SigV4 requests signed with the stack's IAM users' keys, over HTTP.

AWS ("Control access to a REST API with IAM permissions"; SigV4 errors as AWS services word them): unsigned ->
403 Missing Authentication Token; unknown key -> 403 "The security token included in the request is invalid.";
wrong secret -> 403 InvalidSignatureException; no policy allowing execute-api:Invoke -> 403 AccessDeniedException.
Execution log: `Extended Request Id` first; a refused caller `The client is not authorized to perform this
operation.` (recorded in a real AWS execution log: DataBiosphere/azul#5939).
"""
from __future__ import annotations

import json

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .apikit import Kit, execution_log, json_body

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def signed(clients):
    kit = Kit(clients, "iam")
    apigw, iam = clients("apigateway"), clients("iam")
    users = []
    try:
        fn = kit.function("probe", "gateway_probe")
        api_id, root = kit.api("iam")
        target = f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations"
        for part in ("iam", "other"):
            resource = kit.resource(api_id, root, part)
            apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="AWS_IAM")
            apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                                  integrationHttpMethod="POST", uri=target)
        passthrough = kit.resource(api_id, root, "as-caller")
        apigw.put_method(restApiId=api_id, resourceId=passthrough, httpMethod="GET", authorizationType="AWS_IAM")
        apigw.put_integration(restApiId=api_id, resourceId=passthrough, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=target, credentials="arn:aws:iam::*:user/*")
        kit.permit(fn, api_id)
        kit.deploy(api_id, "prod")
        keys = {}
        invoke_any = f"arn:aws:execute-api:*:*:{api_id}/prod/GET/*"
        for name, resource, extra in (("allowed", f"arn:aws:execute-api:*:*:{api_id}/prod/GET/iam", []),
                                      ("nothing", None, []),
                                      ("invoker", invoke_any, [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                                "Resource": fn["arn"]}]),
                                      ("api-only", invoke_any, [])):
            user = f"{kit.prefix}{name}"
            iam.create_user(UserName=user)
            users.append(user)
            if resource:
                iam.put_user_policy(UserName=user, PolicyName="invoke", PolicyDocument=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}, *extra]}))
            keys[name] = iam.create_access_key(UserName=user)["AccessKey"]
        yield {"kit": kit, "api": api_id, "keys": keys, "http": requests.Session(), "clients": clients}
    finally:
        for user in users:
            for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
                iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
            for policy in iam.list_user_policies(UserName=user)["PolicyNames"]:
                iam.delete_user_policy(UserName=user, PolicyName=policy)
            iam.delete_user(UserName=user)
        kit.teardown()


def get(signed, path, key=None, secret=None, sign=True):
    url = signed["kit"].url(signed["api"], "prod", path) + "?a=1&b=x%20y"
    headers = {}
    if sign:
        request = AWSRequest(method="GET", url=url)
        SigV4Auth(Credentials(key["AccessKeyId"], secret or key["SecretAccessKey"]), "execute-api",
                  signed["kit"].region).add_auth(request)
        headers = dict(request.headers.items())
    return signed["http"].get(url, headers=headers, timeout=30)


def test_a_signed_request_of_an_allowed_user_passes_with_its_identity(signed):
    key = signed["keys"]["allowed"]
    response = get(signed, "iam", key)
    assert response.status_code == 200, response.content
    identity = json_body(response)["requestContext"]["identity"]
    assert identity["accessKey"] == key["AccessKeyId"] and identity["userArn"].endswith(f":user/{key['UserName']}")


def test_unsigned_is_missing_authentication_token(signed):
    response = get(signed, "iam", sign=False)
    assert (response.status_code, json_body(response)) == (403, {"message": "Missing Authentication Token"})


def test_an_unknown_key_is_refused(signed):
    response = get(signed, "iam", {"AccessKeyId": "AKIAUNKNOWN000000000", "SecretAccessKey": "x" * 40})
    assert response.status_code == 403
    assert json_body(response) == {"message": "The security token included in the request is invalid."}
    assert response.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"


def test_a_wrong_secret_is_an_invalid_signature(signed):
    response = get(signed, "iam", signed["keys"]["allowed"], secret="y" * 40)
    assert response.status_code == 403
    assert json_body(response)["message"].startswith("The request signature we calculated does not match")
    assert "The Canonical String for this request should have been\n'GET\n" in json_body(response)["message"]
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


@pytest.mark.parametrize("who,path", [("nothing", "iam"), ("allowed", "other")])
def test_no_allowing_policy_is_access_denied(signed, who, path):
    key = signed["keys"][who]
    response = get(signed, path, key)
    assert response.status_code == 403
    message = json_body(response)["message"]
    assert message.startswith("User: arn:aws:iam::") and f":user/{key['UserName']} is not authorized to perform: " \
        f"execute-api:Invoke on resource: arn:aws:execute-api:" in message
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_the_execution_log_of_an_allowed_caller_starts_with_the_extended_request_id(signed):
    response = get(signed, "iam", signed["keys"]["allowed"])
    assert response.status_code == 200
    lines = execution_log(signed["clients"], signed["api"], "prod", response.headers["x-amzn-RequestId"])
    assert lines[0] == f"Extended Request Id: {response.headers['x-amz-apigw-id']}"
    assert lines[1].startswith("Verifying Usage Plan for request: ")
    assert sum(line.startswith("Extended Request Id") for line in lines) == 1


def test_the_execution_log_of_a_refused_caller_says_it_is_not_authorized(signed):
    response = get(signed, "other", signed["keys"]["allowed"])
    assert response.status_code == 403
    lines = execution_log(signed["clients"], signed["api"], "prod", response.headers["x-amzn-RequestId"],
                          until="The client is not authorized")
    assert lines == [f"Extended Request Id: {response.headers['x-amz-apigw-id']}",
                     "The client is not authorized to perform this operation."]


def test_caller_credentials_passthrough_needs_the_callers_own_lambda_permission(signed):
    """Integration `credentials` `arn:aws:iam::*:user/*` (AWS docs, Integration `credentials`): API Gateway calls
    Lambda with the caller's credentials, so the caller's own policies must allow lambda:InvokeFunction (else 500)."""
    allowed = get(signed, "as-caller", signed["keys"]["invoker"])
    assert allowed.status_code == 200, allowed.content
    refused = get(signed, "as-caller", signed["keys"]["api-only"])
    assert refused.status_code == 500
    assert json_body(refused) == {"message": "Internal server error"}
    lines = execution_log(signed["clients"], signed["api"], "prod", refused.headers["x-amzn-RequestId"])
    assert "Execution failed due to configuration error: Invalid permissions on Lambda function" in lines
