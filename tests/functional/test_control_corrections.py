"""What the emulator corrects around moto's control plane (control/moto_changes/): binary media types, deployment
snapshots, GetFunction's zero concurrency, policy revisions, AddPermission's answers; and health."""
from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator

import pytest
import requests

pytestmark = pytest.mark.functional


def test_binary_media_types_kept_on_create_and_patched_like_aws(clients):
    apigw = clients("apigateway")
    api = apigw.create_rest_api(name="corr-binary", binaryMediaTypes=["image/png"])
    try:
        assert apigw.get_rest_api(restApiId=api["id"])["binaryMediaTypes"] == ["image/png"]
        apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "add", "path": "/binaryMediaTypes/application~1octet-stream"}])
        assert apigw.get_rest_api(restApiId=api["id"])["binaryMediaTypes"] == ["image/png", "application/octet-stream"]
        apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
            {"op": "replace", "path": "/description", "value": "patched"}])
        after = apigw.get_rest_api(restApiId=api["id"])
        assert (after["binaryMediaTypes"], after["description"]) == (["application/octet-stream"], "patched")
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_data_plane_serves_the_deployed_snapshot_not_the_live_tree(clients, stack_url, tutorial_stack):
    apigw = clients("apigateway")
    api_id = tutorial_stack.api_id
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    extra = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="undeployed")
    try:
        apigw.put_method(restApiId=api_id, resourceId=extra["id"], httpMethod="GET", authorizationType="NONE")
        url = f"{stack_url}/_aws/execute-api/{api_id}/prod/undeployed"
        answer = requests.get(url, timeout=10)
        assert (answer.status_code, answer.json()) == (403, {"message": "Missing Authentication Token"})
    finally:
        apigw.delete_resource(restApiId=api_id, resourceId=extra["id"])


def test_health_answers_ready_with_json(stack_url):
    answer = requests.get(f"{stack_url}/_harness/health", timeout=5)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ready"
    assert "lambda" in answer.json()["services"]


@contextlib.contextmanager
def tutorial_function(clients, name: str) -> Iterator[Any]:
    """A function `name` with the tutorial's code and its own role, both deleted afterwards; yields Lambda's client."""
    from harness.deploy.package import build_zip
    from harness.deploy.settings import DEFAULT_CODE_DIR, TRUST_POLICY

    iam, lam = clients("iam"), clients("lambda")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    try:
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                            Code={"ZipFile": build_zip(DEFAULT_CODE_DIR)})
        try:
            yield lam
        finally:
            lam.delete_function(FunctionName=name)
    finally:
        iam.delete_role(RoleName=f"{name}-role")


def test_get_function_shows_a_reserved_concurrency_of_zero(clients):
    """moto leaves `Concurrency` out when it is 0; AWS shows it (deploy's observe relies on it to remove it)."""
    with tutorial_function(clients, "corr-zero") as lam:
        assert "Concurrency" not in lam.get_function(FunctionName="corr-zero")
        lam.put_function_concurrency(FunctionName="corr-zero", ReservedConcurrentExecutions=0)
        assert lam.get_function(FunctionName="corr-zero")["Concurrency"] == {"ReservedConcurrentExecutions": 0}
        lam.put_function_concurrency(FunctionName="corr-zero", ReservedConcurrentExecutions=3)
        assert lam.get_function(FunctionName="corr-zero")["Concurrency"] == {"ReservedConcurrentExecutions": 3}


def test_remove_permission_gives_the_policy_a_new_revision(clients):
    """AWS makes a new RevisionId on every policy change; moto only on AddPermission."""
    def statements() -> list[str]:
        return [st["Sid"] for st in json.loads(lam.get_policy(FunctionName="corr-rev")["Policy"])["Statement"]]

    with tutorial_function(clients, "corr-rev") as lam:
        for sid in ("one", "two"):
            lam.add_permission(FunctionName="corr-rev", StatementId=sid, Action="lambda:InvokeFunction",
                               Principal="apigateway.amazonaws.com")
        before = lam.get_policy(FunctionName="corr-rev")["RevisionId"]
        lam.remove_permission(FunctionName="corr-rev", StatementId="one")
        after = lam.get_policy(FunctionName="corr-rev")["RevisionId"]
        assert after != before and statements() == ["two"]
        lam.add_permission(FunctionName="corr-rev", StatementId="three", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com")
        latest = lam.get_policy(FunctionName="corr-rev")["RevisionId"]
        assert latest not in (before, after)
        with pytest.raises(lam.exceptions.PreconditionFailedException):  # a stale revision is refused
            lam.remove_permission(FunctionName="corr-rev", StatementId="two", RevisionId=before)
        lam.remove_permission(FunctionName="corr-rev", StatementId="two", RevisionId=latest)  # the latest works
        assert statements() == ["three"]


def test_add_permission_answers_201_created_and_a_conflict_409(clients):
    with tutorial_function(clients, "corr-201") as lam:
        added = lam.add_permission(FunctionName="corr-201", StatementId="s", Action="lambda:InvokeFunction",
                                   Principal="apigateway.amazonaws.com")
        assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
        assert json.loads(added["Statement"])["Sid"] == "s"
        with pytest.raises(lam.exceptions.ResourceConflictException) as again:
            lam.add_permission(FunctionName="corr-201", StatementId="s", Action="lambda:InvokeFunction",
                               Principal="apigateway.amazonaws.com")
        assert again.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_import_rest_api_validates_the_document_when_asked(clients):
    """moto's OpenAPI validator is loaded only when first needed (control/moto_changes/lazy_imports.py): still validates."""
    apigw = clients("apigateway")
    broken = json.dumps({"openapi": "3.0.0", "info": {"title": "lazy-broken", "description": "x"}}).encode()
    with pytest.raises(apigw.exceptions.BadRequestException):
        apigw.import_rest_api(body=broken, failOnWarnings=True)
    valid = json.dumps({"openapi": "3.0.0", "info": {"title": "lazy-ok", "description": "x", "version": "1"},
                        "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}}}).encode()
    api = apigw.import_rest_api(body=valid, failOnWarnings=True)
    try:
        paths = {r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
        assert "/things" in paths
    finally:
        apigw.delete_rest_api(restApiId=api["id"])
