"""Step: request validation (a method's request validator, its required parameters and its body model).

As AWS documents it ("Request validation for REST APIs in API Gateway"): with `validateRequestParameters`, every
`method.request.{header,querystring,path}.x` marked required must be present and not blank, else 400
`Missing required request parameters: [a, b]` (names sorted by their full key: headers, then path, then query
strings, as recorded against AWS in LocalStack's `test_api_gateway_request_validator` snapshot); with
`validateRequestBody`, the body is checked against the model for its Content-Type (`application/json` when it
has none; else the `$default` model; no model: no check) as JSON Schema draft 4, else 400 `Invalid request body`.
An empty body is checked as `{}` (LocalStack's reading). The execution-log line names the schema errors in the
words of the Java validator AWS uses for the common ones (`object has missing required properties (["a"])`,
`instance type (integer) does not match any allowed primitive type (allowed: ["string"])`); others keep
`jsonschema`'s words [I]. Models refer to each other with `$ref` to
`https://apigateway.amazonaws.com/restapis/{api}/models/{name}`; the built-in `Empty` model is `{}`.
Left out: models for content types other than JSON (no check), `Error` built-in model.
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any, Mapping

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from . import gateway_responses
from .context import InvocationContext
from .event import media_type
from .gateway_responses import GatewayError

_MODEL_REF = re.compile(r"^https?://apigateway\.amazonaws\.com/restapis/[^/]+/models/(?P<name>[^/#]+)")
_JAVA_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
               type(None): "null"}


def missing_parameters(ctx: InvocationContext, required: Mapping[str, bool]) -> list[str]:
    """Names of the required parameters the request lacks or sends blank, in AWS's order."""
    missing = []
    for key, needed in sorted(required.items()):
        if not needed or not key.startswith("method.request."):
            continue
        where, _, name = key[len("method.request."):].partition(".")
        if where == "header":
            value = ctx.header(name)
        elif where == "querystring":
            value = (ctx.query or {}).get(name)
        elif where == "path":
            value = (ctx.path_parameters or {}).get(name)
        else:
            continue
        if value is None or not value.strip():
            missing.append(name)
    return missing


def _schema(text: str) -> Any:
    return json.loads(text)


@functools.lru_cache(maxsize=256)
def _validator(models: tuple[tuple[str, str], ...], name: str) -> Draft4Validator | None:
    """A draft 4 validator for model `name` whose `$ref`s to other models of the API resolve."""
    known = dict(models)
    if name not in known:
        return Draft4Validator({}) if name == "Empty" else None

    def retrieve(uri: str) -> Resource[Any]:
        m = _MODEL_REF.match(uri)
        target = m.group("name") if m else ""
        return DRAFT4.create_resource(_schema(known[target]) if target in known else {})

    registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    return Draft4Validator(_schema(known[name]), registry=registry)


def _type_name(value: Any) -> str:
    return _JAVA_TYPES.get(type(value), "object")


def describe(errors: list[ValidationError]) -> list[str]:
    """The schema errors as the execution log words them (the Java validator's words where we know them)."""
    out: list[str] = []
    missing = [e for e in errors if e.validator == "required"]
    if missing:
        names = [re.sub(r"^'(.*)' is a required property$", r"\1", e.message) for e in missing]
        out.append("object has missing required properties (" + json.dumps(names, separators=(",", ":")) + ")")
    for e in errors:
        if e.validator == "required":
            continue
        if e.validator == "type":
            allowed = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
            out.append(f"instance type ({_type_name(e.instance)}) does not match any allowed primitive type "
                       f"(allowed: {json.dumps(allowed, separators=(',', ':'))})")
        else:
            out.append(e.message)
    return out


def body_errors(ctx: InvocationContext) -> tuple[str, list[str]] | None:
    """(content type, schema errors) when the body breaks its model; None when it passes or has no model."""
    assert ctx.method is not None and ctx.deployed is not None
    models = ctx.method.request_models
    content_type = media_type(ctx.header("Content-Type")) or "application/json"
    name = models.get(content_type) or models.get("$default")
    if not name:
        return None
    try:
        validator = _validator(tuple(sorted(ctx.deployed.models.items())), name)
    except ValueError as exc:  # a model that is not JSON (the control plane should have refused it)
        return content_type, [f"invalid model schema: {exc}"]
    if validator is None:
        return None
    try:
        document = json.loads(ctx.body or b"{}")
    except ValueError as exc:
        return content_type, [f"Invalid JSON in request body: {exc}"]
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return (content_type, describe(errors)) if errors else None


def validate_request(ctx: InvocationContext) -> GatewayError | None:
    """The chain step: 400 when the method's validator refuses the request."""
    method = ctx.method
    assert method is not None
    validator = method.validator
    if validator is None:
        return None
    if validator.parameters:
        missing = missing_parameters(ctx, method.request_parameters)
        if missing:
            return gateway_responses.bad_request_parameters(missing)
    if validator.body:
        failed = body_errors(ctx)
        if failed is not None:
            return gateway_responses.bad_request_body(*failed)
    return None
