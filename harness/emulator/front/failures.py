"""The one place where a failure becomes an HTTP answer, in the error shape of the service that was asked.

`answer_for(error, protocol)` writes an `AwsError` (a client mistake, or a refusal AWS makes) as that service
writes its errors: Lambda's REST-JSON (`{"Type": "User", "message": ...}`), DynamoDB's JSON 1.0 (`__type`
with DynamoDB's namespace), API Gateway's `{"message": ...}` (control plane and an API's own URL), other JSON
services' `__type`, and query-protocol XML (IAM, STS). `internal_failure(protocol)` is what an unexpected
exception inside the emulator is answered (the handler chain logs its traceback): 500 in the service's own
words - Lambda's ServiceException, DynamoDB's InternalServerError, an API's `Internal server error`, else the
common InternalFailure. Left out: XML namespaces of query-protocol errors (clients read Code and Message).
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

from .. import ids
from ..aws_errors import AwsError
from ..gateway.chain import extended_request_id
from ..gateway.gateway_responses import GatewayError, internal_error, render
from .exchange import APIGATEWAY, DYNAMODB, EXECUTE_API, LAMBDA, QUERY, Answer

DYNAMODB_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
INTERNAL_MESSAGE = "The emulator failed on this request; see its log."
_INTERNAL_CODES = {LAMBDA: "ServiceException", DYNAMODB: "InternalServerError"}


def internal_failure(protocol: str) -> AwsError:
    """The 500 an unexpected exception is answered, in the words of the service asked."""
    return AwsError(500, _INTERNAL_CODES.get(protocol, "InternalFailure"), INTERNAL_MESSAGE)


def answer_for(error: AwsError, protocol: str) -> Answer:
    """`error` as the service behind `protocol` answers it (a new x-amzn-RequestId)."""
    request_id = ids.request_id()
    if protocol in (APIGATEWAY, EXECUTE_API):
        failure = internal_error(error.message) if error.status >= 500 and protocol == EXECUTE_API \
            else GatewayError(error.status, error.message, error.code)
        answer = render(failure, request_id, extended_request_id())
        headers = [(k, v) for k, v in answer.headers if protocol == EXECUTE_API or k != "x-amz-apigw-id"]
        return Answer(answer.status, headers, answer.body)
    if protocol == LAMBDA:
        return Answer(error.status, [*error.lambda_headers().items(), ("x-amzn-RequestId", request_id)],
                      error.lambda_body())
    if protocol == QUERY:
        kind = "Sender" if error.status < 500 else "Receiver"
        body = (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(error.code)}</Code>"
                f"<Message>{escape(error.message)}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>")
        return Answer(error.status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode())
    dynamodb = protocol == DYNAMODB
    body = json.dumps({"__type": (DYNAMODB_ERROR_PREFIX if dynamodb else "") + error.code,
                       "message": error.message}).encode()
    content_type = "application/x-amz-json-1.0" if dynamodb else "application/x-amz-json-1.1"
    return Answer(error.status, [("Content-Type", content_type), ("x-amzn-RequestId", request_id),
                                 ("x-amzn-ErrorType", error.code)], body)
