"""Deployment packages checked before moto takes them: CreateFunction, UpdateFunctionCode, PublishLayerVersion.

The package is the inline `ZipFile` (base64 in the JSON body) or the S3 object `S3Bucket`/`S3Key`
(`S3ObjectVersion`) in this stack's S3. Answers, as Lambda gives them (LocalStack's recordings of AWS,
tests/aws/services/lambda_/test_lambda_api.snapshot.json: `test_lambda_code_location_s3_errors`,
`invalid_zip_exc`), each 400 InvalidParameterValueException:
- a missing bucket: "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The
  specified bucket does not exist" (moto answered UpdateFunctionCode 500, and CreateFunction 500 for a key);
- a missing key: "... S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.";
- a package that is not a zip, or that names a path outside its folder (`..`, absolute, a link pointing out;
  packages.py): "Could not unzip uploaded file. Please check your file, then try to upload again." AWS's
  handling of such entries is not documented; refusing them is our choice (docs/differences.md).
Left out: container images (ImageUri passes to moto), the 50 MB / 250 MB size limits.
"""
from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ...aws_errors import AwsError
from ...front.exchange import Exchange
from ...packages import UNZIP_FAILED, package_problem
from .around_moto import Correction, request_dict

_NO_BUCKET = ("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket "
              "does not exist")
_NO_KEY = ("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not "
           "exist.")


def _refuse(message: str) -> AwsError:
    return AwsError(400, "InvalidParameterValueException", message)


def s3_package(account_id: str, region: str, bucket: str, key: str, version: str | None) -> bytes:
    """The bytes of the S3 object holding a package; AwsError as Lambda answers a missing bucket or key."""
    from moto.s3.exceptions import MissingBucket, MissingKey, MissingVersion
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    try:
        found = s3_backends[account_id][get_partition(region)].get_object(bucket, key, version_id=version)
    except MissingBucket:
        raise _refuse(_NO_BUCKET) from None
    except (MissingKey, MissingVersion):
        raise _refuse(_NO_KEY) from None
    if found is None:
        raise _refuse(_NO_KEY)
    return bytes(found.value)


def check_package(spec: Any, exchange: Exchange) -> None:
    """Refuse the package `spec` (a Code / Content object, or UpdateFunctionCode's body) as Lambda would."""
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("ZipFile"), str):
        try:
            data = base64.b64decode(spec["ZipFile"], validate=True)
        except (binascii.Error, ValueError):
            raise _refuse(UNZIP_FAILED) from None
    elif isinstance(spec.get("S3Bucket"), str) and isinstance(spec.get("S3Key"), str):
        version = spec.get("S3ObjectVersion")
        data = s3_package(exchange.account, exchange.region, spec["S3Bucket"], spec["S3Key"],
                          version if isinstance(version, str) else None)
    else:
        return
    if package_problem(data) is not None:
        raise _refuse(UNZIP_FAILED)


def _create_function(exchange: Exchange) -> None:
    check_package(request_dict(exchange).get("Code"), exchange)


def _update_function_code(exchange: Exchange) -> None:
    check_package(request_dict(exchange), exchange)


def _publish_layer_version(exchange: Exchange) -> None:
    check_package(request_dict(exchange).get("Content"), exchange)


def code_package_checks() -> tuple[Correction, ...]:
    """The corrections that check a package before moto stores it."""
    return (
        Correction("POST", re.compile(r"^/2015-03-31/functions/?$"), before=_create_function),
        Correction("PUT", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/code/?$"), before=_update_function_code),
        Correction("POST", re.compile(r"^/2018-10-31/layers/(?P<name>[^/]+)/versions/?$"),
                   before=_publish_layer_version),
    )
