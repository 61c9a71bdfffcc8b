"""moto writes its request id into every answer with one greedy regular expression (`BaseResponse.
_enrich_response`: `(?<=<RequestId>).*(?=</RequestId>)`), whatever the answer's format. In a JSON answer whose
strings hold XML, such as CloudWatch Logs' FilterLogEvents over an execution log that quotes an SQS, SNS or S3
answer, everything from the first `<RequestId>` to the last `</RequestId>` is replaced: log events vanish.

Here the request id is written only into XML answers (the ones moto's query and REST-XML services make), and into
each `<RequestId>` element separately. Left out: nothing else of `_enrich_response` changes (the status header).
"""
from __future__ import annotations

import re
from typing import Any

from moto.core import responses

_REQUEST_ID = re.compile(r"(?<=<RequestId>)[^<]*(?=</RequestId>)")
_PATCHED = "_harness_xml_only"


def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
    if "status" in headers:
        headers["status"] = str(headers["status"])
    request_id = responses.gen_amzn_requestid_long(headers)
    if isinstance(body, str) and body.lstrip().startswith("<"):
        body = _REQUEST_ID.sub(request_id, body)
    return headers, body


def write_request_ids_into_xml_only() -> None:
    """Replace moto's `_enrich_response` (idempotent)."""
    if getattr(responses.BaseResponse._enrich_response, _PATCHED, False):
        return
    setattr(_enrich_response, _PATCHED, True)
    responses.BaseResponse._enrich_response = staticmethod(_enrich_response)
