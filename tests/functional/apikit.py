"""Helpers for end-to-end tests that build their own functions and REST APIs on the embedded stack.

`Kit` creates everything under one unique prefix (tests run in parallel workers) and deletes it all in
`teardown()`. Functions are zipped with `harness.deploy.package.build_zip` from `tests/fixtures/functions/<dir>`.
`execution_log` and `function_log` read CloudWatch Logs back through boto3, polling briefly.
"""
from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

from botocore.exceptions import ClientError

from harness.clients import Clients
from harness.deploy.package import build_zip
from harness.deploy.settings import TRUST_POLICY

FUNCTIONS = Path(__file__).resolve().parent.parent / "fixtures" / "functions"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GONE = ("ResourceNotFoundException", "NotFoundException", "NoSuchEntity")


def _ignore_gone(call: Any, **params: Any) -> None:
    try:
        call(**params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in GONE:
            raise


class Kit:
    """Functions and REST APIs made for one test module, all named `<prefix>...`."""

    def __init__(self, clients: Clients, short: str) -> None:
        self.clients = clients
        self.prefix = f"t-{short}-{uuid.uuid4().hex[:6]}-"
        self.region = clients.endpoint.region
        self.account = clients("sts").get_caller_identity()["Account"]
        self.functions: list[str] = []
        self.apis: list[str] = []
        self.role_name = f"{self.prefix}role"
        self.role_arn = clients("iam").create_role(
            RoleName=self.role_name, AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]

    # ---- Lambda -------------------------------------------------------------------------------------

    def function(self, name: str, code_dir: str, *, handler: str = "index.handler", timeout: int = 1,
                 reserved: int | None = None, runtime: str = "python3.12") -> dict[str, str]:
        """Create a function of `runtime` (default python3.12) from tests/fixtures/functions/<code_dir>; returns
        name and ARN."""
        full = f"{self.prefix}{name}"
        lam = self.clients("lambda")
        created = lam.create_function(
            FunctionName=full, Runtime=runtime, Role=self.role_arn, Handler=handler,
            Code={"ZipFile": build_zip(FUNCTIONS / code_dir)}, Timeout=timeout, MemorySize=256)
        self.functions.append(full)
        lam.get_waiter("function_active_v2").wait(FunctionName=full, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
        if reserved is not None:
            lam.put_function_concurrency(FunctionName=full, ReservedConcurrentExecutions=reserved)
        return {"name": full, "arn": created["FunctionArn"]}

    def permit(self, function: dict[str, str], api_id: str, pattern: str = "*/*/*") -> None:
        """Let API Gateway invoke `function` for source ARNs `.../{api_id}/{pattern}`."""
        self.clients("lambda").add_permission(
            FunctionName=function["name"], StatementId=f"apigw-{uuid.uuid4().hex[:8]}",
            Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{self.region}:{self.account}:{api_id}/{pattern}")

    # ---- API Gateway --------------------------------------------------------------------------------

    def api(self, name: str, binary_media_types: list[str] | None = None) -> tuple[str, str]:
        """Create a REST API; returns (api id, root resource id)."""
        apigw = self.clients("apigateway")
        extra = {"binaryMediaTypes": binary_media_types} if binary_media_types else {}
        api_id = apigw.create_rest_api(name=f"{self.prefix}{name}", **extra)["id"]
        self.apis.append(api_id)
        root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
        return api_id, root

    def resource(self, api_id: str, parent_id: str, part: str) -> str:
        return self.clients("apigateway").create_resource(restApiId=api_id, parentId=parent_id, pathPart=part)["id"]

    def method(self, api_id: str, resource_id: str, verb: str, function: dict[str, str], *,
               integration_http_method: str = "POST", timeout_ms: int | None = None) -> None:
        """`verb` on the resource, an AWS_PROXY integration with `function`."""
        apigw = self.clients("apigateway")
        apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb, authorizationType="NONE")
        extra = {"timeoutInMillis": timeout_ms} if timeout_ms is not None else {}
        apigw.put_integration(
            restApiId=api_id, resourceId=resource_id, httpMethod=verb, type="AWS_PROXY",
            integrationHttpMethod=integration_http_method, **extra,
            uri=f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{function['arn']}/invocations")

    def route(self, api_id: str, parent_id: str, part: str, verb: str, function: dict[str, str], **kw: Any) -> str:
        resource_id = self.resource(api_id, parent_id, part)
        self.method(api_id, resource_id, verb, function, **kw)
        return resource_id

    def deploy(self, api_id: str, stage: str = "prod", variables: dict[str, str] | None = None) -> str:
        extra = {"variables": variables} if variables else {}
        return self.clients("apigateway").create_deployment(restApiId=api_id, stageName=stage, **extra)["id"]

    def url(self, api_id: str, stage: str, path: str = "") -> str:
        return f"{self.clients.endpoint.url}/_aws/execute-api/{api_id}/{stage}/{path.lstrip('/')}"

    # ---- teardown -----------------------------------------------------------------------------------

    def teardown(self) -> None:
        apigw, lam, logs, iam = (self.clients(s) for s in ("apigateway", "lambda", "logs", "iam"))
        for api_id in self.apis:
            _ignore_gone(apigw.delete_rest_api, restApiId=api_id)
            for group in logs.describe_log_groups(logGroupNamePrefix=f"API-Gateway-Execution-Logs_{api_id}/")["logGroups"]:
                _ignore_gone(logs.delete_log_group, logGroupName=group["logGroupName"])
        for name in self.functions:
            _ignore_gone(lam.delete_function, FunctionName=name)
            _ignore_gone(logs.delete_log_group, logGroupName=f"/aws/lambda/{name}")
        _ignore_gone(iam.delete_role, RoleName=self.role_name)


# ---- a local backend ----------------------------------------------------------------------------------

@contextlib.contextmanager
def local_http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` served on 127.0.0.1, a free port, in a thread; yields `http://127.0.0.1:<port>`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ---- logs ----------------------------------------------------------------------------------------------

def _messages(clients: Clients, group: str) -> list[str]:
    logs = clients("logs")
    out: list[str] = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            out.extend(e["message"] for e in page["events"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    return out


def execution_log(clients: Clients, api_id: str, stage: str, request_id: str, *, until: str | None = None,
                  timeout: float = 3.0) -> list[str]:
    """The execution-log messages of one request (without the `(<requestId>) ` prefix), read with
    `logs.filter_log_events` on `API-Gateway-Execution-Logs_{apiId}/{stage}`; polls until a line starts with
    `until` (default: `Method completed with status`) or `timeout` passes."""
    prefix = f"({request_id}) "
    wanted = until or "Method completed with status"
    deadline = time.monotonic() + timeout
    while True:
        lines = [m[len(prefix):] for m in _messages(clients, f"API-Gateway-Execution-Logs_{api_id}/{stage}")
                 if m.startswith(prefix)]
        if any(line.startswith(wanted) for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def function_log(clients: Clients, function_name: str, *, contains: str, timeout: float = 3.0) -> list[str]:
    """The messages of `/aws/lambda/<name>`, polled until one contains `contains`."""
    deadline = time.monotonic() + timeout
    while True:
        lines = _messages(clients, f"/aws/lambda/{function_name}")
        if any(contains in line for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def follows(lines: list[str], *expected: str) -> bool:
    """True when `expected` appear in `lines` in this order, one right after the other."""
    n = len(expected)
    return any(tuple(lines[i:i + n]) == expected for i in range(len(lines) - n + 1))


def json_body(response: Any) -> Any:
    return json.loads(response.content)


def pid_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, or a pid that is gone, is not alive)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] not in ("Z", "X")
    except (OSError, IndexError):
        return False
