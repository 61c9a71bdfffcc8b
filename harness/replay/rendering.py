"""Turn a step's call into a concrete request: render its templates, then address it to the deployed stack.

`render_model` renders every template in a model dataclass (or JSON value); `build_request` makes the `Request`
a rendered call sends (http: through API Gateway's invoke URL, or the call's own `url`; invoke: the Lambda API;
aws: any AWS API). A `load` driver calls `render_model` and `build_http_request` per request (both are in
replay's public API), so a load request is built exactly as an `http` step's.
Left out: sending (see `transport.py`, `awscalls.py`) and checking the answer (see `expectations.py`).
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlencode

from ..deploy import StackOutputs
from ..targets import Target
from .results import Request
from .scenario import UNSET, AwsCall, HttpCall, InvokeCall
from .templating import Scope


def render_model(value: Any, scope: Scope, where: str) -> Any:
    """A copy of a model dataclass (or JSON value) with every template rendered; tuples stay tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: render_model(getattr(value, f.name), scope, f"{where}.{f.name}")
                   for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(render_model(item, scope, f"{where}[{i}]") for i, item in enumerate(value))
    if value is UNSET or value is None or isinstance(value, (bool, int, float)):
        return value
    return scope.render(value, where)


def _query(query: Any) -> str:
    if isinstance(query, str):
        return query.lstrip("?")
    pairs = []
    for key, value in (query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item if isinstance(item, str) else json.dumps(item)))
    return urlencode(pairs)


def build_http_request(call: HttpCall, target: Target, outputs: StackOutputs) -> Request:
    """The HTTP request a rendered `HttpCall` makes against the deployed stack."""
    path = call.path if call.path is not None else f"/{outputs.resource_path}"
    url = call.url or target.invoke_url(call.api_id or outputs.api_id, call.stage or outputs.stage, path)
    query = _query(call.query)
    if query:
        url += ("&" if "?" in url else "?") + query
    headers = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in call.headers.items()}
    body = None
    if call.json is not UNSET:
        body = json.dumps(call.json).encode("utf-8")
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    elif call.body is not None:
        body = str(call.body).encode("utf-8")
    return Request("http", str(call.method).upper(), url, headers, body, timeout=float(call.timeout))


def build_request(call: HttpCall | InvokeCall | AwsCall, target: Target, outputs: StackOutputs) -> Request:
    """The request a rendered call makes against the deployed stack."""
    if isinstance(call, HttpCall):
        return build_http_request(call, target, outputs)
    if isinstance(call, InvokeCall):
        if call.payload is not UNSET:
            body, shown = json.dumps(call.payload).encode("utf-8"), call.payload
        elif call.raw_payload is not None:
            body, shown = call.raw_payload.encode("utf-8"), call.raw_payload
        else:
            body, shown = None, UNSET
        options = {"invocation_type": call.invocation_type, "log_tail": call.log_tail, "qualifier": call.qualifier}
        return Request("invoke", "Invoke", call.function or outputs.function_name, {}, body, params=shown,
                       options=options)
    return Request("aws", call.operation, call.service, params=dict(call.params), options={"document": call.document})
