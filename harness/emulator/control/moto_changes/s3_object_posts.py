"""S3: a POST on an object without a subresource S3 serves by POST is refused as S3 refuses it.

S3 serves POST on `/{Bucket}/{Key+}` only with `?uploads` (CreateMultipartUpload), `?uploadId`
(CompleteMultipartUpload), `?restore` (RestoreObject) or `?select` (SelectObjectContent): botocore's S3 model
has no other. Any other POST on an object is 405 `MethodNotAllowed` "The specified method is not allowed against
this resource." with `<Method>POST</Method><ResourceType>OBJECT</ResourceType>` (S3's error list, AWS docs
ErrorResponses; the same error, Method and ResourceType in AWS's answer LocalStack recorded in
tests/aws/services/s3/test_s3.snapshot.json, test_website_hosting_http_methods). moto looked the missing action up
in its action map and failed (`KeyError: 'DEFAULT'`, a 500).
Left out: the checks S3 makes before this one (a missing bucket, a refused signature are moto's answers as
before), and the website endpoint's HTML form of the error.
"""
from __future__ import annotations

from typing import Any

#: The query keys that make a POST on an object one of S3's operations (botocore's S3 model).
POST_SUBRESOURCES = ("uploads", "uploadId", "restore", "select")


def is_object_post_operation(query: dict[str, Any]) -> bool:
    """Whether a POST on an object with this query (parsed, keys to value lists) is one S3 serves."""
    return any(key in query for key in POST_SUBRESOURCES)


def refuse_object_posts_without_subresource() -> None:
    """Patch moto's S3 POST on an object (idempotent)."""
    from moto.s3.exceptions import MethodNotAllowed
    from moto.s3.responses import S3Response

    original = S3Response._key_response_post
    if getattr(original, "_harness", False):
        return

    def _key_response_post(self: Any, request: Any, body: bytes, bucket_name: str, query: dict[str, Any],
                           key_name: str) -> Any:
        if not is_object_post_operation(query):
            raise MethodNotAllowed(method="POST", resource_type="OBJECT")
        return original(self, request, body, bucket_name, query, key_name)

    _key_response_post._harness = True  # type: ignore[attr-defined]
    S3Response._key_response_post = _key_response_post  # type: ignore[method-assign]
