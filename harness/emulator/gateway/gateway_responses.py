"""Gateway errors as values, and the one place that renders them.

A `GatewayError` carries what the client sees (status, message, `x-amzn-ErrorType`) and what the execution
log says about it. Steps return one instead of raising; `render` turns it into the client's answer.

Wording follows aws-behaviors.md. Where AWS is unclear (marked [I] there) the choice is made here, in one
place, so it is easy to change. Left out: user-customised gateway responses (`put-gateway-response`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from .context import HttpAnswer

INTERNAL_SERVER_ERROR = "Internal server error"
CONFIG_ERROR = "Execution failed due to configuration error: "
INVALID_PERMISSIONS = CONFIG_ERROR + "Invalid permissions on Lambda function"
MALFORMED = CONFIG_ERROR + "Malformed Lambda proxy response"
TIMEOUT = "Execution failed due to a timeout error"
LAMBDA_ACCESS_DENIED_XML = (
    "<AccessDeniedException><Message>Unable to determine service/operation name to be authorized"
    "</Message></AccessDeniedException>"
)
_ISE = "InternalServerErrorException"


@dataclass(frozen=True)
class GatewayError:
    """One failure: HTTP status, client message, `x-amzn-ErrorType`, and the execution-log lines it adds."""

    status: int
    message: str | None  # None: `{"message": null}` (AWS's authorizer configuration errors)
    error_type: str
    log_lines: tuple[str, ...] = ()
    plain: bool = False  # the message is the whole body, as text/plain (no JSON, no x-amzn-ErrorType)
    response_type: str = ""  # the gateway response type (empty: DEFAULT_4XX / DEFAULT_5XX by status)
    headers: tuple[tuple[str, str], ...] = ()  # extra headers (e.g. WWW-Authenticate) [unused by default]

    @property
    def gateway_response_type(self) -> str:
        return self.response_type or ("DEFAULT_5XX" if self.status >= 500 else "DEFAULT_4XX")


# ---- before execution starts (no execution log) ------------------------------------------------------

def api_not_found(api_id: str) -> GatewayError:
    """Unknown API id. AWS has no HTTP answer (no DNS name); this is LocalStack's answer."""
    return GatewayError(404, f"The API id '{api_id}' does not correspond to a deployed API Gateway API",
                        "NotFoundException")


#: The largest request body API Gateway takes (10 MB).
MAX_REQUEST_BODY = 10_485_760


def request_too_long() -> GatewayError:
    """A body over 10 MB is refused before anything else, in plain text (as observed on AWS; the headers
    besides Content-Type are our choice [I])."""
    return GatewayError(413, f"HTTP content length exceeded {MAX_REQUEST_BODY} bytes.", "", plain=True,
                        response_type="REQUEST_TOO_LARGE")


def forbidden(response_type: str = "INVALID_API_KEY") -> GatewayError:
    """403 {"message": "Forbidden"}: a stage that does not exist, an API key that does not open the method."""
    return GatewayError(403, "Forbidden", "ForbiddenException", response_type=response_type)


def stage_not_found() -> GatewayError:
    return forbidden("DEFAULT_4XX")


def limit_exceeded() -> GatewayError:
    """A usage plan's quota for the API key is used up for this period [I: wording and error type]."""
    return GatewayError(429, "Limit Exceeded", "LimitExceededException", response_type="QUOTA_EXCEEDED")


def too_many_requests() -> GatewayError:
    """The stage's (or method's) throttling limit is reached."""
    return GatewayError(429, "Too Many Requests", "TooManyRequestsException", response_type="THROTTLED")


def missing_authentication_token() -> GatewayError:
    """No resource/method matches the path and verb."""
    return GatewayError(403, "Missing Authentication Token", "MissingAuthenticationTokenException",
                        response_type="MISSING_AUTHENTICATION_TOKEN")


def not_found(message: str) -> GatewayError:
    """A control-plane NotFoundException (TestInvokeMethod on an unknown API, resource or method)."""
    return GatewayError(404, message, "NotFoundException")


def bad_request(message: str) -> GatewayError:
    """A control-plane BadRequestException (TestInvokeMethod with an unreadable body)."""
    return GatewayError(400, message, "BadRequestException")


# ---- authorizers and request validation ------------------------------------------------------------------

def unauthorized(*log_lines: str) -> GatewayError:
    """401: no identity, an identity the validation expression refuses, or an authorizer saying `Unauthorized`."""
    return GatewayError(401, "Unauthorized", "UnauthorizedException", log_lines, response_type="UNAUTHORIZED")


def access_denied(explicit: bool, *log_lines: str) -> GatewayError:
    """403: the authorizer's policy does not allow the method (explicit: a statement denies it)."""
    message = "User is not authorized to access this resource" + (" with an explicit deny" if explicit else "")
    return GatewayError(403, message, "AccessDeniedException", log_lines, response_type="ACCESS_DENIED")


def authorizer_configuration_error(*log_lines: str) -> GatewayError:
    """500 `{"message": null}`: the authorizer function failed, cannot be called, or answered a malformed policy."""
    return GatewayError(500, None, "AuthorizerConfigurationException", log_lines,
                        response_type="AUTHORIZER_CONFIGURATION_ERROR")


def bad_request_parameters(missing: list[str]) -> GatewayError:
    message = f"Missing required request parameters: [{', '.join(missing)}]"
    return GatewayError(400, message, "BadRequestException", (f"Request validation failed: {message}",),
                        response_type="BAD_REQUEST_PARAMETERS")


def bad_request_body(content_type: str, reasons: list[str]) -> GatewayError:
    return GatewayError(400, "Invalid request body", "BadRequestException", (
        f"Request body does not match model schema for content type {content_type}: [{', '.join(reasons)}]",
    ), response_type="BAD_REQUEST_BODY")


# ---- during execution ----------------------------------------------------------------------------------

def no_integration() -> GatewayError:
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (CONFIG_ERROR + "No integration defined for method",))


def unsupported_integration(kind: str) -> GatewayError:
    """An integration the emulator does not run (AWS service integrations other than Lambda, unknown types)."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        CONFIG_ERROR + f"Integration {kind or '<none>'} is not supported by this emulator "
        "(AWS_PROXY, AWS Lambda, HTTP, HTTP_PROXY and MOCK integrations are)",
    ))


def no_credentials() -> GatewayError:
    """An AWS service integration without a credentials role [I: wording]."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        CONFIG_ERROR + "No credentials: an AWS service integration needs a credentials role",))


def cannot_assume_role(role_arn: str, *after: str) -> GatewayError:
    """A `credentials` role that does not exist or whose trust policy does not let apigateway.amazonaws.com assume
    it: 500, with the line real execution logs show (quoted in public troubleshooting notes)."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        CONFIG_ERROR + f"API Gateway does not have permission to assume the provided role {role_arn}", *after))


def unsupported_media_type() -> GatewayError:
    """No request template for the Content-Type and a passthroughBehavior that does not pass the body."""
    return GatewayError(415, "Unsupported Media Type", "UnsupportedMediaTypeException",
                        response_type="UNSUPPORTED_MEDIA_TYPE")


def template_failure(which: str, why: str) -> GatewayError:
    """A mapping template that does not parse or render (`which`: request or response); `why` is ours [I]."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        f"Execution failed due to configuration error: Unable to transform {which}", f"Template error: {why}",
    ))


def conversion_failure(which: str, why: str) -> GatewayError:
    """A contentHandling conversion that cannot be made (a text that is not base64), or a binary payload a mapping
    template would have to read: AWS answers 500 "indicating an API configuration error" (developer guide,
    "Content type conversions"); the log wording is the one AWS writes for a body it cannot transform [I]."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        f"Execution failed due to configuration error: Unable to transform {which}", f"Conversion error: {why}",
    ))


def no_output_mapping(status: int) -> GatewayError:
    """No integration response matches and none is the default."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        "Execution failed due to configuration error: No match for output mapping and no default output mapping "
        f"configured. Endpoint Response Status Code: {status}",
    ))


def endpoint_unreachable(url: str, why: str) -> GatewayError:
    """An HTTP integration whose endpoint cannot be reached [I: wording]."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        f"Execution failed due to configuration error: Invalid endpoint address ({why}): {url}",
    ))


def invalid_integration_uri(uri: str) -> GatewayError:
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        CONFIG_ERROR + f"Integration URI is not a Lambda invocation URI: {uri}",
    ))


def invalid_permissions(*before: str) -> GatewayError:
    """The function's resource policy does not let apigateway.amazonaws.com invoke it for this source ARN."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (*before, INVALID_PERMISSIONS))


def function_not_found(arn: str) -> GatewayError:
    """The integration names a function that does not exist.

    Choice: AWS authorizes before it looks the function up, and what it logs is the permission failure;
    the line before it (ours) names the missing function.
    """
    return invalid_permissions(f"Function not found: {arn}")


def integration_method_not_post() -> GatewayError:
    """integrationHttpMethod is not POST: Lambda answers 403 (XML), the client gets 500."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        "Lambda invocation failed with status: 403",
        CONFIG_ERROR,
    ))


def lambda_refused(status: int, message: str) -> GatewayError:
    """The Lambda API refused the invoke (throttled: 429 `Rate Exceeded.`, or any other Lambda error)."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (
        f"Lambda invocation failed with status: {status}",
        CONFIG_ERROR + message,
    ))


def customer_function_error(error_message: str, lambda_request_id: str) -> GatewayError:
    """The function raised, crashed, timed out or failed to import."""
    return GatewayError(502, INTERNAL_SERVER_ERROR, _ISE, (
        f"Lambda execution failed with status 200 due to customer function error: {error_message}. "
        f"Lambda request id: {lambda_request_id}",
    ))


def malformed_proxy_response() -> GatewayError:
    """The function's result breaks the proxy output rules (respond.py says which, on the Python logger)."""
    return GatewayError(502, INTERNAL_SERVER_ERROR, _ISE, (MALFORMED,))


def endpoint_timeout() -> GatewayError:
    """The integration ran longer than its timeout (29 s by default); the function is not stopped."""
    return GatewayError(504, "Endpoint request timed out", _ISE, (TIMEOUT,), response_type="INTEGRATION_TIMEOUT")


def internal_error(detail: str) -> GatewayError:
    """An unexpected failure inside the emulator itself."""
    return GatewayError(500, INTERNAL_SERVER_ERROR, _ISE, (f"Execution failed due to an internal error: {detail}",))


# ---- the one renderer ----------------------------------------------------------------------------------

def error_body(message: str | None) -> bytes:
    """`{"message": "<text>"}` (for 500: exactly 36 bytes); `{"message": null}` for None."""
    return json.dumps({"message": message}).encode()


def render(error: GatewayError, request_id: str, extended_request_id: str) -> HttpAnswer:
    """The client's view of a gateway error: `{"message": ...}` as JSON, or (`plain`) the message as text."""
    ids = (("x-amzn-RequestId", request_id), ("x-amz-apigw-id", extended_request_id))
    if error.plain:
        return HttpAnswer(status=error.status, headers=(("Content-Type", "text/plain"), *ids),
                          body=(error.message or "").encode())
    return HttpAnswer(status=error.status,
                      headers=(("Content-Type", "application/json"), *ids, ("x-amzn-ErrorType", error.error_type)),
                      body=error_body(error.message))
