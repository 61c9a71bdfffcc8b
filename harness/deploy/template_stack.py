"""Deploy a template onto a target through its CloudFormation API, as `sam deploy` does: upload the packaged
artifacts to a bucket the harness makes and tags, create a change set (CREATE for a new stack, UPDATE
otherwise), execute it, wait for the stack to settle, and read its outputs and resources. `destroy_template`
deletes the stack and the packaging bucket made for it, nothing else.

Outcomes: `TemplateDeployment` (CREATE_COMPLETE / UPDATE_COMPLETE, or unchanged: "No updates are to be
performed."); a failure is a `TemplateDeployFailed` (exit 1) naming each failed resource, its type and the
reason from the stack's events; a template the target refuses (ValidationError) is a `UsageError` (exit 2).
Left out: stack policies, notification ARNs, termination protection, waiting longer than `timeout_s`.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

from botocore.exceptions import ClientError

from ..clients import Clients
from ..errors import HarnessError, UsageError

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
STACK_TAG = "harness:stack"
_SETTLED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_FAILED",
            "ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_COMPLETE", "DELETE_FAILED")
NO_CHANGES = "No updates are to be performed."


class TemplateDeployFailed(HarnessError):
    """The stack did not reach CREATE_COMPLETE / UPDATE_COMPLETE (it rolled back)."""


@dataclass(frozen=True)
class TemplateDeployment:
    """A deployed stack: its status, outputs and resources (logical id -> physical id)."""

    stack_name: str
    stack_id: str
    status: str
    changed: bool
    outputs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    resources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps({"stack_name": self.stack_name, "stack_id": self.stack_id, "status": self.status,
                           "outputs": dict(self.outputs), "resources": dict(self.resources)}, indent=2)


def bucket_name(stack_name: str, region: str, account_id: str) -> str:
    """The packaging bucket of one stack (a valid, unique S3 name of at most 63 characters)."""
    digest = hashlib.sha256(f"{account_id}/{region}/{stack_name}".encode()).hexdigest()[:16]
    return f"harness-artifacts-{digest}"


def account_of(clients: Clients) -> str:
    return str(clients("sts").get_caller_identity()["Account"])


def upload_artifacts(clients: Clients, stack_name: str, blobs: Mapping[str, bytes],
                     tags: Mapping[str, str] | None = None) -> str:
    """Put each (key -> bytes) into the stack's packaging bucket (made and tagged when missing; an object
    already there under its digest is not sent again). Returns the bucket's name."""
    s3, region = clients("s3"), clients.endpoint.region
    bucket = bucket_name(stack_name, region, account_of(clients))
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **extra)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
            {"Key": k, "Value": v} for k, v in {STACK_TAG: stack_name, **(tags or {})}.items()]})
    for key, data in blobs.items():
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            s3.put_object(Bucket=bucket, Key=key, Body=data)
    return bucket


def _stack(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _wait(cfn: Any, name: str, timeout_s: float, still: tuple[str, ...] = ()) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        stack = _stack(cfn, name)
        if stack is None:
            return {"StackStatus": "DELETE_COMPLETE", "StackName": name, "StackId": name}
        if stack["StackStatus"] in _SETTLED and stack["StackStatus"] not in still:
            return stack
        if time.monotonic() > deadline:
            raise TemplateDeployFailed(f"stack {name} still {stack['StackStatus']} after {timeout_s:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def _wait_change_set(cfn: Any, name: str, change_set: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        found = cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
        if found["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return found
        if time.monotonic() > deadline:
            raise TemplateDeployFailed(f"change set {change_set} of {name} still {found['Status']}")
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def failures(cfn: Any, name: str, since: Any = None) -> list[str]:
    """`Logical (Type): reason` for each failed resource in the stack's events (oldest first)."""
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    found = []
    for event in reversed(events):
        if since is not None and event["Timestamp"] < since:
            continue
        if event["ResourceStatus"].endswith("_FAILED") and event.get("ResourceStatusReason") \
                and event["LogicalResourceId"] != event.get("StackName"):
            found.append(f"{event['LogicalResourceId']} ({event['ResourceType']}): {event['ResourceStatusReason']}")
    return found


def deploy_template(clients: Clients, stack_name: str, body: Mapping[str, Any], parameters: Mapping[str, str],
                    *, tags: Mapping[str, str] | None = None, timeout_s: float = 900.0,
                    on_status: Callable[[str], None] | None = None) -> TemplateDeployment:
    """Create or update the stack `stack_name` from `body` (a dict, sent as JSON) with a change set."""
    cfn = clients("cloudformation")
    started = time.perf_counter()
    existing = _stack(cfn, stack_name)
    if existing is not None and existing["StackStatus"] == "ROLLBACK_COMPLETE":  # as sam deploy: start again
        (on_status or (lambda _: None))(f"{stack_name} is ROLLBACK_COMPLETE: deleting it first")
        cfn.delete_stack(StackName=stack_name)
        _wait(cfn, existing["StackId"], timeout_s)
        existing = None
    kind = "UPDATE" if existing is not None and existing["StackStatus"] != "REVIEW_IN_PROGRESS" else "CREATE"
    change_set = f"harness-{int(time.time() * 1000)}"
    try:
        cfn.create_change_set(
            StackName=stack_name, ChangeSetName=change_set, ChangeSetType=kind, TemplateBody=json.dumps(body),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=list(CAPABILITIES), Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError":
            raise UsageError(f"{stack_name}: CloudFormation refused the template: {error.get('Message')}") from exc
        raise
    found = _wait_change_set(cfn, stack_name, change_set, timeout_s)
    if found["Status"] == "FAILED":
        reason = found.get("StatusReason") or ""
        if "didn't contain changes" in reason or "No updates" in reason:
            cfn.delete_change_set(StackName=stack_name, ChangeSetName=change_set)
            return _outcome(cfn, stack_name, changed=False, seconds=time.perf_counter() - started)
        raise TemplateDeployFailed(f"{stack_name}: change set failed: {reason}")
    before = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    since = max((e["Timestamp"] for e in cfn.describe_stack_events(StackName=stack_name)["StackEvents"]),
                default=None)
    cfn.execute_change_set(StackName=stack_name, ChangeSetName=change_set)
    stack = _wait(cfn, before["StackId"], timeout_s, still=("REVIEW_IN_PROGRESS",) if kind == "CREATE" else ())
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        failed = failures(cfn, before["StackId"], since) or ["(no resource failed; see describe-stack-events)"]
        raise TemplateDeployFailed(f"{stack_name}: {stack['StackStatus']}: " + "; ".join(failed))
    return _outcome(cfn, stack_name, changed=True, seconds=time.perf_counter() - started)


def _outcome(cfn: Any, stack_name: str, *, changed: bool, seconds: float) -> TemplateDeployment:
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    return TemplateDeployment(
        stack_name=stack_name, stack_id=stack["StackId"], status=stack["StackStatus"], changed=changed,
        outputs=MappingProxyType({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}),
        resources=MappingProxyType({r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}),
        seconds=seconds)


def read_stack(clients: Clients, stack_name: str) -> TemplateDeployment | None:
    """The deployed stack's outputs and resources, or None when there is no such stack."""
    cfn = clients("cloudformation")
    if _stack(cfn, stack_name) is None:
        return None
    return _outcome(cfn, stack_name, changed=False, seconds=0.0)


def destroy_template(clients: Clients, stack_name: str, timeout_s: float = 900.0) -> bool:
    """Delete the stack and its packaging bucket (only when tagged for this stack). False: there was no stack."""
    cfn = clients("cloudformation")
    stack = _stack(cfn, stack_name)
    if stack is not None:
        cfn.delete_stack(StackName=stack_name)
        settled = _wait(cfn, stack["StackId"], timeout_s)
        if settled["StackStatus"] != "DELETE_COMPLETE":
            failed = failures(cfn, stack["StackId"])
            raise TemplateDeployFailed(f"{stack_name}: {settled['StackStatus']}: " + "; ".join(failed))
    _delete_bucket(clients, stack_name)
    return stack is not None


def _delete_bucket(clients: Clients, stack_name: str) -> None:
    s3 = clients("s3")
    bucket = bucket_name(stack_name, clients.endpoint.region, account_of(clients))
    try:
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    except ClientError:
        return  # no such bucket (or untagged: not ours)
    if tags.get(STACK_TAG) != stack_name:
        return
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in (page.get("Versions") or []) + (page.get("DeleteMarkers") or []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
