"""MOCK, AWS (Lambda custom) and HTTP/HTTP_PROXY integrations with mapping templates, over HTTP.

AWS (developer guide: "Set up integration request/response", "Mapping template reference", "Enable CORS"):
MOCK answers the `statusCode` its request template gives; integration responses are chosen by selectionPattern
against a Lambda error's errorMessage or the HTTP status; response parameters and templates shape the answer;
`$context.responseOverride` overrides status and headers; a template that fails is 500 Internal server error.
"""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from .apikit import Kit, execution_log, json_body, local_http_server

pytestmark = pytest.mark.functional


class _Backend(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        status = 404 if "missing" in self.path else 200
        payload = json.dumps({"method": self.command, "path": self.path, "body": body,
                              "x_in": self.headers.get("X-In"), "x_client": self.headers.get("X-Client")}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "yes")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def backend_url():
    with local_http_server(_Backend) as url:
        yield url


def _method(apigw, api_id, resource, verb, integration: dict, responses: list[dict], method_codes=("200",)):
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod=verb, authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod=verb, **integration)
    for code in method_codes:
        apigw.put_method_response(restApiId=api_id, resourceId=resource, httpMethod=verb, statusCode=code,
                                  responseParameters={"method.response.header.Access-Control-Allow-Origin": False,
                                                      "method.response.header.X-Mapped": False})
    for response in responses:
        apigw.put_integration_response(restApiId=api_id, resourceId=resource, httpMethod=verb, **response)


@pytest.fixture(scope="module")
def wired(clients, backend_url):
    kit = Kit(clients, "ig")
    apigw = clients("apigateway")
    try:
        fn = kit.function("probe", "gateway_probe")
        api_id, root = kit.api("integrations")
        lambda_uri = f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations"
        mock = kit.resource(api_id, root, "mock")
        _method(apigw, api_id, mock, "GET",
                {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": $input.params("code")}'}},
                [{"statusCode": "200", "selectionPattern": "",
                  "responseTemplates": {"application/json": '{"id": "$context.requestId", "q": "$input.params(\'code\')",'
                                                            ' "stage": "$stageVariables.color"}'},
                  "responseParameters": {"method.response.header.X-Mapped": "'literal'"}},
                 {"statusCode": "404", "selectionPattern": "404",
                  "responseTemplates": {"application/json": '{"error": "not here"}'}}],
                method_codes=("200", "404"))
        _method(apigw, api_id, mock, "OPTIONS",
                {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
                [{"statusCode": "200", "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": "'*'",
                    "method.response.header.X-Mapped": "'GET,OPTIONS'"}}])
        broken = kit.resource(api_id, root, "broken")
        _method(apigw, api_id, broken, "GET",
                {"type": "MOCK", "requestTemplates": {"application/json": '#if($input.params("x")'}},
                [{"statusCode": "200"}])
        nomatch = kit.resource(api_id, root, "nomatch")
        _method(apigw, api_id, nomatch, "GET",
                {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 500}'}},
                [{"statusCode": "200", "selectionPattern": "2\\d\\d"}])
        never = kit.resource(api_id, root, "never")
        _method(apigw, api_id, never, "POST",
                {"type": "MOCK", "passthroughBehavior": "NEVER",
                 "requestTemplates": {"application/json": '{"statusCode": 200}'}}, [{"statusCode": "200"}])
        override = kit.resource(api_id, root, "override")
        _method(apigw, api_id, override, "GET",
                {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
                [{"statusCode": "200", "responseTemplates": {"application/json":
                  '#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Teapot = "yes")'
                  '{"teapot": true}'}}])
        custom = kit.resource(api_id, root, "custom")
        _method(apigw, api_id, custom, "POST",
                {"type": "AWS", "integrationHttpMethod": "POST", "uri": lambda_uri,
                 "requestTemplates": {"application/json":
                                      '{"action": "$input.path(\'$.action\')", "who": $input.json(\'$.who\')}'}},
                [{"statusCode": "200", "responseTemplates": {"application/json": "$input.path('$.body')"}},
                 {"statusCode": "400", "selectionPattern": ".*bad.*",
                  "responseTemplates": {"application/json": '{"failed": "$input.path(\'$.errorMessage\')"}'}}],
                method_codes=("200", "400"))
        iam = clients("iam")
        table = f"{kit.prefix}messages"
        table_arn = f"arn:aws:dynamodb:{kit.region}:{kit.account}:table/{table}"
        roles = {}
        for name, allowed in (("apigw", [("lambda:InvokeFunction", fn["arn"]), ("dynamodb:PutItem", table_arn.rsplit("/", 1)[0] + "/*")]),
                              ("apigw-bare", [("dynamodb:GetItem", table_arn)])):
            roles[name] = iam.create_role(RoleName=f"{kit.prefix}{name}", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "apigateway.amazonaws.com"}}]}))["Role"]["Arn"]
            iam.put_role_policy(RoleName=f"{kit.prefix}{name}", PolicyName="calls", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": a, "Resource": r} for a, r in allowed]}))
        for part, role in (("roled", roles["apigw"]), ("roled-bare", roles["apigw-bare"]), ("roled-lambda", kit.role_arn)):
            roled = kit.resource(api_id, root, part)
            apigw.put_method(restApiId=api_id, resourceId=roled, httpMethod="GET", authorizationType="NONE")
            apigw.put_integration(restApiId=api_id, resourceId=roled, httpMethod="GET", type="AWS_PROXY",
                                  integrationHttpMethod="POST", uri=lambda_uri, credentials=role)
        http = kit.resource(api_id, root, "http")
        _method(apigw, api_id, http, "POST",
                {"type": "HTTP", "integrationHttpMethod": "PUT", "uri": backend_url + "/${stageVariables.color}/{id}",
                 "requestParameters": {"integration.request.path.id": "method.request.querystring.id",
                                       "integration.request.header.X-In": "'fixed'"},
                 "requestTemplates": {"application/json": '{"wrapped": $input.json("$")}'}},
                [{"statusCode": "200", "responseParameters": {
                    "method.response.header.X-Mapped": "integration.response.header.X-Backend"}}])
        proxy = kit.resource(api_id, root, "proxy")
        greedy = kit.resource(api_id, proxy, "{proxy+}")
        apigw.put_method(restApiId=api_id, resourceId=greedy, httpMethod="ANY", authorizationType="NONE",
                         requestParameters={"method.request.path.proxy": True})
        apigw.put_integration(restApiId=api_id, resourceId=greedy, httpMethod="ANY", type="HTTP_PROXY",
                              integrationHttpMethod="ANY", uri=backend_url + "/{proxy}",
                              requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
        clients("dynamodb").create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        put_item = ('{"TableName": "$input.path(\'$.TableName\')", "Item": {"id": {"S": "$input.path(\'$.Item.id\')"},'
                    ' "author": {"S": "$util.escapeJavaScript($input.path(\'$.Item.author\'))"}}}')
        for part, role in (("ddb", roles["apigw"]), ("ddb-norole", None), ("ddb-bare", roles["apigw-bare"]),
                           ("ddb-lambda-role", kit.role_arn)):
            ddb = kit.resource(api_id, root, part)
            extra = {"credentials": role} if role else {}
            error = "$input.path('$.Message')" if part == "ddb-bare" else "$input.path('$.message')"
            _method(apigw, api_id, ddb, "POST",
                    {"type": "AWS", "integrationHttpMethod": "POST", **extra,
                     "uri": f"arn:aws:apigateway:{kit.region}:dynamodb:action/PutItem",
                     "requestTemplates": {"application/json": put_item}},
                    [{"statusCode": "200", "responseTemplates": {"application/json": '{"stored": true}'}},
                     {"statusCode": "400", "selectionPattern": "4\\d{2}",
                      "responseTemplates": {"application/json": '{"error": "' + error + '"}'}}],
                    method_codes=("200", "400"))
        kit.permit(fn, api_id, "*/POST/custom")  # /roled has no permission: only its role lets it call
        kit.deploy(api_id, "prod", variables={"color": "blue"})
        yield {"kit": kit, "api": api_id, "http": requests.Session(), "clients": clients, "table": table,
               "roles": roles}
    finally:
        try:
            clients("dynamodb").delete_table(TableName=f"{kit.prefix}messages")
        except Exception:  # never created
            pass
        for name in ("apigw", "apigw-bare"):
            try:
                clients("iam").delete_role_policy(RoleName=f"{kit.prefix}{name}", PolicyName="calls")
                clients("iam").delete_role(RoleName=f"{kit.prefix}{name}")
            except Exception:  # never created
                pass
        kit.teardown()


def call(wired, verb, path, **kw):
    kw.setdefault("timeout", 30)
    return wired["http"].request(verb, wired["kit"].url(wired["api"], "prod", path), **kw)


def test_mock_answers_the_status_its_template_gives_and_maps_the_response(wired):
    ok = call(wired, "GET", "mock", params={"code": "200"})
    assert ok.status_code == 200
    assert json_body(ok) == {"id": ok.headers["x-amzn-RequestId"], "q": "200", "stage": "blue"}
    assert ok.headers["X-Mapped"] == "literal"
    missing = call(wired, "GET", "mock", params={"code": "404"})
    assert (missing.status_code, json_body(missing)) == (404, {"error": "not here"})


def test_cors_preflight_through_options_and_mock(wired):
    response = call(wired, "OPTIONS", "mock", headers={"Origin": "http://example.com"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.content == b""


def test_a_template_with_a_syntax_error_is_500_with_the_log_line(wired):
    response = call(wired, "GET", "broken")
    assert response.status_code == 500
    assert json_body(response) == {"message": "Internal server error"}
    lines = execution_log(wired["clients"], wired["api"], "prod", response.headers["x-amzn-RequestId"])
    assert "Execution failed due to configuration error: Unable to transform request" in lines
    assert lines[-1] == "Method completed with status: 500"
    assert call(wired, "GET", "mock", params={"code": "200"}).status_code == 200  # the stack still serves


def test_no_matching_integration_response_is_500(wired):
    response = call(wired, "GET", "nomatch")
    assert response.status_code == 500
    lines = execution_log(wired["clients"], wired["api"], "prod", response.headers["x-amzn-RequestId"])
    assert ("Execution failed due to configuration error: No match for output mapping and no default output "
            "mapping configured. Endpoint Response Status Code: 500") in lines


def test_passthrough_never_refuses_a_content_type_without_template(wired):
    response = call(wired, "POST", "never", data="x", headers={"Content-Type": "text/plain"})
    assert (response.status_code, json_body(response)) == (415, {"message": "Unsupported Media Type"})
    assert call(wired, "POST", "never", json={}).status_code == 200


def test_response_override_sets_status_and_headers(wired):
    response = call(wired, "GET", "override")
    assert response.status_code == 418
    assert response.headers["X-Teapot"] == "yes"
    assert json_body(response) == {"teapot": True}


def test_lambda_custom_integration_maps_request_and_response(wired):
    response = call(wired, "POST", "custom", json={"action": "echo", "who": {"name": "Neil"}})
    assert response.status_code == 200
    event = json_body(response)
    assert event == {"action": "echo", "who": {"name": "Neil"}}  # the function saw the template's output


def test_lambda_error_selects_the_integration_response_by_error_message(wired):
    response = call(wired, "POST", "custom", json={"action": "raise", "who": None})
    assert response.status_code == 400
    assert json_body(response) == {"failed": "something bad"}


def test_an_integration_role_lets_api_gateway_call_lambda_without_a_resource_policy(wired):
    response = call(wired, "GET", "roled")
    assert response.status_code == 200
    assert json_body(response)["resource"] == "/roled"


def test_http_integration_maps_path_headers_and_body(wired):
    response = call(wired, "POST", "http", params={"id": "42"}, json={"a": 1})
    assert response.status_code == 200, response.content
    seen = json_body(response)
    assert seen["method"] == "PUT" and seen["path"] == "/blue/42" and seen["x_in"] == "fixed"
    assert json.loads(seen["body"]) == {"wrapped": {"a": 1}}
    assert response.headers["X-Mapped"] == "yes"


def test_http_proxy_passes_the_request_and_the_answer(wired):
    response = call(wired, "DELETE", "proxy/a/b", params={"q": "1"}, headers={"X-Client": "c"})
    assert response.status_code == 200
    seen = json_body(response)
    assert (seen["method"], seen["path"], seen["x_client"]) == ("DELETE", "/a/b?q=1", "c")
    assert response.headers["X-Backend"] == "yes"
    assert call(wired, "GET", "proxy/missing").status_code == 404


def test_dynamodb_put_item_as_the_integration_role(wired):
    item = {"id": "neil-1", "author": "Neil \"Buzz\" Armstrong"}
    response = call(wired, "POST", "ddb", json={"TableName": wired["table"], "Item": item})
    assert response.status_code == 200, response.content
    assert json_body(response) == {"stored": True}
    stored = wired["clients"]("dynamodb").get_item(TableName=wired["table"], Key={"id": {"S": "neil-1"}})["Item"]
    assert stored == {"id": {"S": "neil-1"}, "author": {"S": 'Neil "Buzz" Armstrong'}}


def test_a_dynamodb_error_selects_the_integration_response_by_status(wired):
    response = call(wired, "POST", "ddb", json={"TableName": "no-such-table", "Item": {"id": "1", "author": "a"}})
    assert response.status_code == 400
    assert json_body(response) == {"error": "Requested resource not found"}


def test_an_aws_service_integration_without_credentials_is_500(wired):
    response = call(wired, "POST", "ddb-norole", json={"TableName": wired["table"], "Item": {"id": "2", "author": "a"}})
    assert response.status_code == 500


def _assume_line(role_arn: str) -> str:
    return f"Execution failed due to configuration error: API Gateway does not have permission to assume the provided role {role_arn}"


@pytest.mark.parametrize("path", ["roled-lambda", "ddb-lambda-role"])
def test_a_role_api_gateway_may_not_assume_is_500_with_the_log_line(wired, path):
    """The Kit's role trusts lambda.amazonaws.com only (AWS: 500, log line as real execution logs show it)."""
    verb = "GET" if path.startswith("roled") else "POST"
    response = call(wired, verb, path, json={"TableName": wired["table"], "Item": {"id": "9", "author": "a"}})
    assert response.status_code == 500
    assert json_body(response) == {"message": "Internal server error"}
    lines = execution_log(wired["clients"], wired["api"], "prod", response.headers["x-amzn-RequestId"])
    assert _assume_line(wired["kit"].role_arn) in lines
    assert lines[-1] == "Method completed with status: 500"


def test_a_role_without_lambda_invoke_is_invalid_permissions(wired):
    response = call(wired, "GET", "roled-bare")
    assert response.status_code == 500
    lines = execution_log(wired["clients"], wired["api"], "prod", response.headers["x-amzn-RequestId"])
    assert "Execution failed due to configuration error: Invalid permissions on Lambda function" in lines


def test_dynamodb_refuses_a_role_without_the_action_and_that_answer_selects_the_response(wired):
    response = call(wired, "POST", "ddb-bare", json={"TableName": wired["table"], "Item": {"id": "b-1", "author": "a"}})
    assert response.status_code == 400
    kit = wired["kit"]
    table_arn = f"arn:aws:dynamodb:{kit.region}:{kit.account}:table/{wired['table']}"
    assert json_body(response) == {"error": (
        f"User: arn:aws:sts::{kit.account}:assumed-role/{kit.prefix}apigw-bare/BackplaneAssumeRoleSession is not "
        f"authorized to perform: dynamodb:PutItem on resource: {table_arn} because no identity-based policy allows "
        "the dynamodb:PutItem action")}
    lines = execution_log(wired["clients"], wired["api"], "prod", response.headers["x-amzn-RequestId"])
    assert "Received response. Status: 400, Integration latency: 0 ms" in lines
    assert "Item" not in wired["clients"]("dynamodb").get_item(TableName=wired["table"], Key={"id": {"S": "b-1"}})
