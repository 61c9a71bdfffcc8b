"""A POST the stack cannot serve is the client's mistake, answered as AWS answers it, never a 500.

- The data plane's path with an empty API id (`/_aws/execute-api//Prod/items`) is the API Gateway data plane's,
  answered like an unknown API id (404 NotFoundException, LocalStack's answer: docs/differences.md); it used to
  reach S3 (bucket `_aws`), where moto failed with `KeyError: 'DEFAULT'` (500 InternalFailure).
- S3 POST on an object without a subresource S3 serves by POST (`?uploads`, `?uploadId`, `?restore`, `?select`):
  405 MethodNotAllowed "The specified method is not allowed against this resource.", Method POST, ResourceType
  OBJECT. Sources: botocore's S3 model has no POST operation on `/{Bucket}/{Key+}` without one of those
  subresources; S3's error list (AWS docs, ErrorResponses: MethodNotAllowed, 405, that message); the same error
  with Method POST and ResourceType OBJECT in AWS's answer recorded by LocalStack
  (tests/aws/services/s3/test_s3.snapshot.json, test_website_hosting_http_methods).
"""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

pytestmark = pytest.mark.functional

NOT_ALLOWED = "The specified method is not allowed against this resource."


@pytest.mark.parametrize("path", ["/_aws/execute-api//Prod/items", "/_aws/execute-api/", "/_aws/execute-api",
                                  "/_aws/execute-api//"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_empty_api_id_is_answered_by_the_data_plane_as_an_unknown_api(stack_url, path, method):
    response = requests.request(method, stack_url + path, data=b'{"a": 1}', timeout=10)
    assert response.status_code == 404, response.text
    assert response.json() == {"message": "The API id '' does not correspond to a deployed API Gateway API"}
    assert response.headers["x-amzn-ErrorType"] == "NotFoundException"
    assert response.headers["Content-Type"] == "application/json"


def _signed_post(clients, url: str, body: bytes) -> requests.Response:
    """A POST signed as S3 signs (SigV4 with the stack's dummy keys), sent with requests."""
    s3 = clients("s3")
    request = AWSRequest(method="POST", url=url, data=body, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(s3._request_signer._credentials, "s3", s3.meta.region_name).add_auth(request)
    return requests.post(url, data=body, headers=dict(request.headers), timeout=10)


def _error(response: requests.Response) -> dict[str, str]:
    root = ET.fromstring(response.content)
    return {child.tag: child.text or "" for child in root}


@pytest.mark.parametrize("query", ["", "?tagging", "?foo=bar"])
def test_s3_post_on_an_object_without_a_subresource_is_405(stack_url, clients, query):
    s3 = clients("s3")
    bucket = f"post-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    s3.put_object(Bucket=bucket, Key="items/one", Body=b"kept")
    for key in ("items/one", "missing/key"):
        response = _signed_post(clients, f"{stack_url}/{bucket}/{key}{query}", b"x")
        assert response.status_code == 405, response.text
        error = _error(response)
        assert error["Code"] == "MethodNotAllowed"
        assert error["Message"] == NOT_ALLOWED
        assert error["Method"] == "POST"
        assert error["ResourceType"] == "OBJECT"
    assert s3.get_object(Bucket=bucket, Key="items/one")["Body"].read() == b"kept"  # nothing lost


def test_s3_post_subresources_still_work(clients):
    s3 = clients("s3")
    bucket = f"post-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload["UploadId"], PartNumber=1, Body=b"abc")
    s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == b"abc"
