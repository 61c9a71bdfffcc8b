"""Bench figures for the gateway's features beyond AWS_PROXY: a GET through a Lambda TOKEN authorizer (cached,
and uncached: the authorizer runs on every request) and a GET through a Lambda custom integration with request
and response mapping templates, each p50, set up on the deployed tutorial API (`make bench` prints them next
to the AWS_PROXY GET). Left out: Cognito/IAM authorization (not emulated).
"""
from __future__ import annotations

import http.client
import io
import time
import zipfile
from typing import Any, Callable
from urllib.parse import urlsplit

from .clients import Clients
from .deploy import StackOutputs

AUTHORIZER_CODE = '''
def handler(event, context):
    return {"principalId": "bench", "context": {"who": "bench"}, "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]}}
'''
REQUEST_TEMPLATE = '{"httpMethod": "GET", "queryStringParameters": {"TableName": "$input.params(\'TableName\')", "Limit": "10"}}'
RESPONSE_TEMPLATE = "$input.path('$.body')"


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


class _Client:
    """One keep-alive connection (http.client, as the other latency rows)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.base = parts.path.rstrip("/")
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def get(self, path: str, headers: dict[str, str]) -> None:
        self.conn.request("GET", f"{self.base}{path}", headers=headers)
        answer = self.conn.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"GET {path} answered {answer.status}: {data[:200]!r}")


def _setup(clients: Clients, outputs: StackOutputs) -> None:
    apigw, lam = clients("apigateway"), clients("lambda")
    name = f"{outputs.function_name}-bench-authorizer"
    created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=outputs.role_arn,
                                  Handler="index.handler", Code={"ZipFile": _zip(AUTHORIZER_CODE)}, Timeout=3)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    lambda_uri = "arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{}/invocations"
    api, region = outputs.api_id, outputs.region
    lam.add_permission(FunctionName=name, StatementId="bench", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{region}:{outputs.account_id}:{api}/authorizers/*")
    lam.add_permission(FunctionName=outputs.function_name, StatementId="bench-routes", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{region}:{outputs.account_id}:{api}/*/GET/bench-*")
    root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
    function_uri = lambda_uri.format(region, outputs.function_arn)
    for part, ttl in (("bench-auth-cached", 300), ("bench-auth-uncached", 0)):
        authorizer = apigw.create_authorizer(restApiId=api, name=part, type="TOKEN",
                                             authorizerUri=lambda_uri.format(region, created["FunctionArn"]),
                                             identitySource="method.request.header.Authorization",
                                             authorizerResultTtlInSeconds=ttl)["id"]
        resource = apigw.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
        apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM",
                         authorizerId=authorizer)
        apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=function_uri)
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="bench-template")["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="AWS", integrationHttpMethod="POST",
                          uri=function_uri, requestTemplates={"application/json": REQUEST_TEMPLATE})
    apigw.put_integration_response(restApiId=api, resourceId=resource, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": RESPONSE_TEMPLATE})
    apigw.create_deployment(restApiId=api, stageName=outputs.stage)


def gateway_figures(clients: Clients, outputs: StackOutputs, table: str, count: int,
                    timed: Callable[..., list[float]], percentile: Callable[[list[float], float], float]) -> dict[str, Any]:
    """p50 of a GET (Limit=10) through a cached and an uncached TOKEN authorizer, and through mapping templates."""
    _setup(clients, outputs)
    time.sleep(0.1)
    client = _Client(outputs.invoke_url.rsplit("/", 1)[0])
    auth = {"Authorization": "bench-token"}
    figures = {}
    for key, path, headers in (("auth_cached_p50_ms", "/bench-auth-cached", auth),
                               ("auth_uncached_p50_ms", "/bench-auth-uncached", auth),
                               ("template_p50_ms", "/bench-template", {})):
        query = f"?TableName={table}&Limit=10"
        figures[key] = percentile(timed(lambda: client.get(path + query, headers), count, warmup=10), 50)
    return figures
