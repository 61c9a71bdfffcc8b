"""HTTP and HTTP_PROXY integrations put path values into the backend URL encoded (gateway/integrations.py
`url_path_value`), over HTTP against a local echo backend.

What AWS does: a REST API keeps the request path percent-encoded as the client sent it (live captures in
github.com/hotsock/voker#8, quoted in middleapi/standard-server#93), and a `{proxy+}` value's `%2F` reaches an
HTTP_PROXY backend as `/` (github.com/ustayready/fireprox#44): the value is decoded, then put back encoded with
`/` kept as a separator. AWS's documentation does not say more [I]; a value pasted raw would let a `?` or `#`
of the request cut the backend's path and inject a query string, which a URL AWS builds cannot do.
"""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from .apikit import Kit, local_http_server

pytestmark = pytest.mark.functional


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        payload = json.dumps({"target": self.path}).encode()  # the request target exactly as received
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def echo_url():
    with local_http_server(_Echo) as url:
        yield url


@pytest.fixture(scope="module")
def paths_api(clients, echo_url):
    kit = Kit(clients, "hp")
    apigw = clients("apigateway")
    try:
        api_id, root = kit.api("paths")
        mapped = kit.resource(api_id, root, "mapped")
        apigw.put_method(restApiId=api_id, resourceId=mapped, httpMethod="GET", authorizationType="NONE",
                         requestParameters={"method.request.querystring.id": True})
        apigw.put_integration(restApiId=api_id, resourceId=mapped, httpMethod="GET", type="HTTP",
                              integrationHttpMethod="GET", uri=echo_url + "/items/{id}/detail",
                              requestParameters={"integration.request.path.id": "method.request.querystring.id"})
        apigw.put_method_response(restApiId=api_id, resourceId=mapped, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(restApiId=api_id, resourceId=mapped, httpMethod="GET", statusCode="200",
                                       selectionPattern="")
        item = kit.resource(api_id, kit.resource(api_id, root, "items"), "{id}")
        apigw.put_method(restApiId=api_id, resourceId=item, httpMethod="GET", authorizationType="NONE",
                         requestParameters={"method.request.path.id": True})
        apigw.put_integration(restApiId=api_id, resourceId=item, httpMethod="GET", type="HTTP_PROXY",
                              integrationHttpMethod="GET", uri=echo_url + "/backend/{id}",
                              requestParameters={"integration.request.path.id": "method.request.path.id"})
        greedy = kit.resource(api_id, kit.resource(api_id, root, "files"), "{proxy+}")
        apigw.put_method(restApiId=api_id, resourceId=greedy, httpMethod="ANY", authorizationType="NONE",
                         requestParameters={"method.request.path.proxy": True})
        apigw.put_integration(restApiId=api_id, resourceId=greedy, httpMethod="ANY", type="HTTP_PROXY",
                              integrationHttpMethod="ANY", uri=echo_url + "/store/{proxy}")
        kit.deploy(api_id, "prod")
        yield kit, api_id
    finally:
        kit.teardown()


def _target(paths_api, path: str, **kw) -> str:
    kit, api_id = paths_api
    response = requests.get(kit.url(api_id, "prod", path), timeout=30, **kw)
    assert response.status_code == 200, response.text
    return response.json()["target"]


def test_a_mapped_value_is_encoded_into_the_path(paths_api):
    # the query string's value is text: its space, `?`, `#`, `%` and non-ASCII letters are encoded, `/` stays
    assert _target(paths_api, "mapped", params={"id": "a b?x=1#frag%/é"}) == \
        "/items/a%20b%3Fx=1%23frag%25/%C3%A9/detail"
    assert _target(paths_api, "mapped", params={"id": "plain-id_1.2~"}) == "/items/plain-id_1.2~/detail"


def test_a_path_parameter_keeps_the_escapes_the_client_sent(paths_api):
    assert _target(paths_api, "items/a%20b%3Fc%23d") == "/backend/a%20b%3Fc%23d"
    assert _target(paths_api, "items/%C3%A9t%C3%A9") == "/backend/%C3%A9t%C3%A9"
    assert _target(paths_api, "files/dir/sub%20dir/f%3Fx.txt") == "/store/dir/sub%20dir/f%3Fx.txt"
