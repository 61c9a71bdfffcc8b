"""Errors as data: one value type for every AWS-style failure the emulator answers.

An `AwsError` carries the HTTP status, the AWS error type (`x-amzn-ErrorType` / `__type`) and the message.
It is raised where the problem is found and rendered in one place by each front (Lambda API, gateway).
Left out: XML error bodies (the services we front speak JSON).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class AwsError(Exception):
    """An AWS-style error answer: status, error type and message."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code} ({self.status}): {self.message}"

    def lambda_body(self) -> bytes:
        """Body in the shape Lambda sends this error: `Type` and the message under the key its model names
        (`Message` for ResourceNotFoundException and ServiceException, `message` for the others; botocore's
        Lambda model, as LocalStack's recorded AWS answers show); `{"message"}` alone for ValidationException
        (an error the model does not list, recorded without `Type`; whether its body holds one is not known [I])."""
        key = lambda_message_key(self.code)
        if key is None:
            return json.dumps({"message": self.message}).encode()
        kind = "User" if self.status < 500 else "Service"
        return json.dumps({"Type": kind, key: self.message}).encode()

    def lambda_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "x-amzn-ErrorType": self.code}


@lru_cache(maxsize=None)
def lambda_message_key(code: str) -> str | None:
    """The key of the message in Lambda's error body of this type (`message` when the model does not say;
    None for ValidationException, which carries no `Type`)."""
    if code == "ValidationException":
        return None
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    try:
        shape = model.shape_for(code)
    except Exception:  # not in the model
        return "message"
    members = getattr(shape, "members", {})
    return "Message" if "Message" in members else "message"


def throttled() -> AwsError:
    """Lambda's answer when reserved (or account) concurrency is exhausted."""
    return AwsError(429, "TooManyRequestsException", "Rate Exceeded.")


def function_not_found(arn: str) -> AwsError:
    return AwsError(404, "ResourceNotFoundException", f"Function not found: {arn}")


#: Lambda's Invoke request limits: RequestResponse 6 MB; Event 1 MB (since October 2025; 256 KB before).
MAX_SYNC_PAYLOAD = 6_291_456
MAX_ASYNC_PAYLOAD = 1_048_576


def check_invoke_size(size: int, invocation_type: str = "RequestResponse") -> None:
    """Raise Lambda's 413 when an Invoke payload of `size` bytes is over the limit of its invocation type."""
    limit = MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
    if size > limit:
        raise AwsError(413, "RequestTooLargeException",
                       f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
