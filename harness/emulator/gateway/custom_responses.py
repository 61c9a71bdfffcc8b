"""Gateway responses customised with PutGatewayResponse, applied to every error the chain answers.

As AWS documents them ("Gateway responses for REST APIs"): an error's response type (UNAUTHORIZED,
ACCESS_DENIED, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, BAD_REQUEST_PARAMETERS, THROTTLED,
QUOTA_EXCEEDED, INVALID_API_KEY, UNSUPPORTED_MEDIA_TYPE, AUTHORIZER_CONFIGURATION_ERROR, INTEGRATION_TIMEOUT,
REQUEST_TOO_LARGE...) takes the API's customisation of that type, else of DEFAULT_4XX / DEFAULT_5XX by status.
A customisation may set the status code, headers (`gatewayresponse.header.X` from `'literal'`,
`method.request.{header,querystring,path}.x`, `stageVariables.x`, `context.x`) and body templates (VTL, with
`$context.error.message`, `.messageString` (the message as a JSON string), `.responseType` and
`.validationErrorString`); the body without a template is the default `{"message": ...}`.
Left out: errors before a stage is found (no API to read customisations from); a customised template that
fails to render falls back to the default body [I].
"""
from __future__ import annotations

import json
import logging

from ..snapshots import GatewayResponseSnapshot
from .context import Header, HttpAnswer, InvocationContext
from .gateway_responses import GatewayError, render
from .mapping import context_variables, source_value
from .vtl import InputVariable, JavaMap, TemplateFailure
from .vtl import render as render_template

log = logging.getLogger(__name__)


def customisation(ctx: InvocationContext, error: GatewayError) -> GatewayResponseSnapshot | None:
    """The API's customisation for this error (its own type first, then the default for its status class)."""
    if ctx.deployed is None or not ctx.deployed.gateway_responses or error.plain and error.status == 413:
        return None
    responses = ctx.deployed.gateway_responses
    fallback = "DEFAULT_5XX" if error.status >= 500 else "DEFAULT_4XX"
    return responses.get(error.gateway_response_type) or responses.get(fallback)


def _validation_errors(error: GatewayError) -> str:
    if error.response_type != "BAD_REQUEST_BODY" or not error.log_lines:
        return ""
    line = error.log_lines[0]
    return line[line.index(": [") + 2:] if ": [" in line else ""


def render_error(ctx: InvocationContext, error: GatewayError) -> HttpAnswer:
    """The client's answer for `error`, customised when the API says so."""
    standard = render(error, ctx.request_id, ctx.extended_request_id)
    custom = customisation(ctx, error)
    if custom is None:
        return standard
    status = error.status
    if custom.status_code:
        try:
            status = int(custom.status_code)
        except ValueError:
            pass
    headers: list[Header] = list(standard.headers)
    for target, source in custom.parameters.items():
        if not target.startswith("gatewayresponse.header."):
            continue
        value = source_value(ctx, source)
        if value is None:
            continue
        name = target[len("gatewayresponse.header."):]
        headers = [(k, v) for k, v in headers if k.lower() != name.lower()] + [(name, value)]
    body = standard.body
    if custom.templates:
        content_type = "application/json" if "application/json" in custom.templates else next(iter(custom.templates))
        template = custom.templates[content_type]
        context = context_variables(ctx)
        context["error"] = JavaMap({"message": error.message, "messageString": json.dumps(error.message),
                                    "responseType": error.gateway_response_type,
                                    "validationErrorString": _validation_errors(error)})
        try:
            body = render_template(template, {"input": InputVariable(ctx.body, {}), "context": context,
                                              "stageVariables": JavaMap(ctx.stage_variables or {})}).encode("utf-8")
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers.insert(0, ("Content-Type", content_type))
        except TemplateFailure as why:
            log.info("request %s: gateway response template failed: %s", ctx.request_id, why)
    return HttpAnswer(status, tuple(headers), body)
