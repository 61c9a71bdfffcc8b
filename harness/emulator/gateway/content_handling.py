"""Payload conversions of non-proxy integrations: `contentHandling` with the API's `binaryMediaTypes`.

AWS's tables ("Content type conversions in API Gateway", developer guide), as pure functions over bytes:

Integration request (the method request's Content-Type decides text or binary; none counts as
`application/json`, as for the proxy event):
- text payload: CONVERT_TO_BINARY -> base64-decoded blob; otherwise the UTF-8 text (bad bytes become U+FFFD);
- binary payload: CONVERT_TO_TEXT -> base64-encoded string; otherwise the bytes unchanged.

Integration response (the backend's Content-Type decides text or binary, a missing one is text [I]; the client's
first `Accept` media type decides what it wants):
- text payload: CONVERT_TO_BINARY, or no contentHandling with a binary Accept -> base64-decoded blob;
  otherwise the UTF-8 text;
- binary payload: CONVERT_TO_TEXT, or no contentHandling with a text Accept -> base64-encoded string;
  otherwise the bytes unchanged.
With no binaryMediaTypes nothing is binary, so both tables reduce to their first three rows.

A text that is not base64 makes the conversion fail: 500 (AWS: "returns a 500 response indicating an API
configuration error"). Decoding follows the lenient reading of LocalStack's AWS-validated S3 tests: characters
outside the base64 alphabet are skipped, a wrong length fails [I]. A mapping template sees text only: a body that is
not UTF-8 when a template applies is also 500 (LocalStack's AWS-validated test
`test_apigw_s3_binary_support_request_convert_to_binary_with_request_template`).
Left out: Content-Encoding (compressed payloads) and the minimumCompressionSize.
"""
from __future__ import annotations

import base64
import binascii

from .event import is_binary

CONVERT_TO_BINARY = "CONVERT_TO_BINARY"
CONVERT_TO_TEXT = "CONVERT_TO_TEXT"


class ConversionFailure(ValueError):
    """A payload the conversion cannot make (a text that is not base64)."""


def _text(body: bytes) -> bytes:
    return body.decode("utf-8", errors="replace").encode("utf-8")


def _decoded(body: bytes) -> bytes:
    try:
        return base64.b64decode(body)
    except (binascii.Error, ValueError) as why:
        raise ConversionFailure(f"the payload is not base64: {why}") from None


def first_media_type(accept: str | None) -> str:
    """API Gateway honours only the first media type of `Accept`."""
    return (accept or "").split(",", 1)[0]


def request_payload(body: bytes, content_type: str | None, binary_media_types: tuple[str, ...],
                    content_handling: str | None) -> bytes:
    """The integration request payload (before any mapping template). Raises ConversionFailure."""
    if is_binary(content_type, binary_media_types, default="application/json"):
        return base64.b64encode(body) if content_handling == CONVERT_TO_TEXT else body
    if content_handling == CONVERT_TO_BINARY:
        return _decoded(body)
    return _text(body)


def response_payload(body: bytes, content_type: str | None, accept: str | None,
                     binary_media_types: tuple[str, ...], content_handling: str | None) -> bytes:
    """The method response payload (before any mapping template). Raises ConversionFailure."""
    binary_accept = is_binary(first_media_type(accept), binary_media_types)
    if is_binary(content_type, binary_media_types):
        if content_handling == CONVERT_TO_TEXT or (not content_handling and not binary_accept):
            return base64.b64encode(body)
        return body
    if content_handling == CONVERT_TO_TEXT or (not content_handling and not binary_accept):
        return _text(body)
    return _decoded(body)


def is_text(body: bytes) -> bool:
    """Can a mapping template read this payload (valid UTF-8)?"""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
