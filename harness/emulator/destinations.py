"""Destinations of asynchronous invocations: the invocation record Lambda sends on success or failure.

`record` builds the document (Lambda's "invocation record": requestContext with the condition and the number
of attempts, the request and response payloads); `deliver` sends it through the stack's own APIs to an SQS
queue, an SNS topic, a Lambda function (invoked asynchronously) or an EventBridge bus, named by ARN. Delivery
problems are logged, never raised (Lambda drops a record it cannot deliver too).
Left out: dead-letter queues (moto does not keep a function's DeadLetterConfig), S3 destinations.
"""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any

log = logging.getLogger(__name__)


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


def record(*, request_id: str, function_arn: str, condition: str, attempts: int, payload: bytes,
           result: Any = None) -> dict[str, Any]:
    """The invocation record; `condition` is Success, RetriesExhausted or EventAgeExceeded; `result` the last
    InvokeResult (None when the event expired before it ran again)."""
    document: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "requestContext": {"requestId": request_id, "functionArn": function_arn, "condition": condition,
                           "approximateInvokeCount": attempts},
        "requestPayload": _json_or_text(payload),
    }
    if result is not None:
        context: dict[str, Any] = {"statusCode": result.status, "executedVersion": result.executed_version}
        if result.function_error:
            context["functionError"] = result.function_error
        document["responseContext"] = context
        document["responsePayload"] = _json_or_text(result.payload)
    return document


def _client(service: str, endpoint_url: str, region: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=endpoint_url, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test")


def deliver(endpoint_url: str, destination: str, document: dict[str, Any]) -> None:
    """Send `document` to the destination ARN through the stack at `endpoint_url` (logs, never raises)."""
    parts = destination.split(":")
    if len(parts) < 6:
        log.warning("destination %s is not an ARN; record %s dropped", destination,
                    document["requestContext"]["requestId"])
        return
    service, region, account = parts[2], parts[3], parts[4]
    body = json.dumps(document)
    try:
        if service == "sqs":
            sqs = _client("sqs", endpoint_url, region)
            url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body)
        elif service == "sns":
            _client("sns", endpoint_url, region).publish(TopicArn=destination, Message=body)
        elif service == "lambda":
            _client("lambda", endpoint_url, region).invoke(FunctionName=destination, InvocationType="Event",
                                                           Payload=body.encode())
        elif service == "events":
            success = document["requestContext"]["condition"] == "Success"
            _client("events", endpoint_url, region).put_events(Entries=[{
                "Source": "lambda", "EventBusName": destination, "Detail": body,
                "DetailType": f"Lambda Function Invocation Result - {'Success' if success else 'Failure'}"}])
        else:
            log.warning("destination service %s is not supported; record %s dropped", service,
                        document["requestContext"]["requestId"])
    except Exception as exc:  # a missing queue, a stack shutting down
        log.warning("could not deliver record %s to %s: %s", document["requestContext"]["requestId"],
                    destination, exc)
