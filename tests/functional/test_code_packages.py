"""Deployment packages at the Lambda API: unsafe zips and missing S3 code are refused with Lambda's 400, for
CreateFunction, UpdateFunctionCode and PublishLayerVersion (messages: LocalStack's recordings of AWS,
test_lambda_api.snapshot.json `test_lambda_code_location_s3_errors` and `invalid_zip_exc`)."""
from __future__ import annotations

import io
import stat
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError

from .apikit import Kit

pytestmark = pytest.mark.functional
UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
NO_BUCKET = ("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket "
             "does not exist")
NO_KEY = "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."
HANDLER = b"def handler(event, context):\n    return 'ok'\n"


def zip_of(*entries: tuple[str, bytes, int]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo("placeholder")
            info.filename = name
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


GOOD = zip_of(("index.py", HANDLER, stat.S_IFREG | 0o644))
BAD = {
    "dot-dot": zip_of(("index.py", HANDLER, stat.S_IFREG | 0o644), ("../../victim", b"x", stat.S_IFREG | 0o644)),
    "absolute": zip_of(("index.py", HANDLER, stat.S_IFREG | 0o644), ("/tmp/victim", b"x", stat.S_IFREG | 0o644)),
    "link-out": zip_of(("index.py", HANDLER, stat.S_IFREG | 0o644), ("etc", b"/etc", stat.S_IFLNK | 0o777)),
    "not-a-zip": b"this is not a zip",
}


@pytest.fixture(scope="module")
def kit(clients):
    kit = Kit(clients, "pkg")
    yield kit
    kit.teardown()


def _refused(call, message: str) -> None:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"] == {"Code": "InvalidParameterValueException", "Message": message}
    assert error["Type"] == "User"


@pytest.mark.parametrize("kind", sorted(BAD))
def test_unsafe_packages_are_refused_everywhere(clients, kit, kind):
    lam = clients("lambda")
    name = f"{kit.prefix}{kind}"
    _refused(lambda: lam.create_function(FunctionName=name, Runtime="python3.12", Role=kit.role_arn,
                                         Handler="index.handler", Code={"ZipFile": BAD[kind]}), UNZIP)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        lam.get_function(FunctionName=name)
    _refused(lambda: lam.publish_layer_version(LayerName=name, Content={"ZipFile": BAD[kind]}), UNZIP)
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=kit.role_arn, Handler="index.handler",
                        Code={"ZipFile": GOOD})
    kit.functions.append(name)
    _refused(lambda: lam.update_function_code(FunctionName=name, ZipFile=BAD[kind]), UNZIP)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    assert lam.invoke(FunctionName=name)["Payload"].read() == b'"ok"'  # the good code is still the function's


def test_missing_s3_code_is_400_not_500(clients, kit):
    lam, s3 = clients("lambda"), clients("s3")
    bucket = f"pkg-{uuid.uuid4().hex[:10]}"
    name = f"{kit.prefix}s3"
    create = dict(FunctionName=name, Runtime="python3.12", Role=kit.role_arn, Handler="index.handler")
    _refused(lambda: lam.create_function(**create, Code={"S3Bucket": bucket, "S3Key": "code.zip"}), NO_BUCKET)
    _refused(lambda: lam.publish_layer_version(LayerName=name, Content={"S3Bucket": bucket, "S3Key": "k"}), NO_BUCKET)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    try:
        _refused(lambda: lam.create_function(**create, Code={"S3Bucket": bucket, "S3Key": "code.zip"}), NO_KEY)
        s3.put_object(Bucket=bucket, Key="bad.zip", Body=BAD["dot-dot"])
        _refused(lambda: lam.create_function(**create, Code={"S3Bucket": bucket, "S3Key": "bad.zip"}), UNZIP)
        s3.put_object(Bucket=bucket, Key="code.zip", Body=GOOD)
        lam.create_function(**create, Code={"S3Bucket": bucket, "S3Key": "code.zip"})
        kit.functions.append(name)
        _refused(lambda: lam.update_function_code(FunctionName=name, S3Bucket=f"{bucket}-gone", S3Key="code.zip"),
                 NO_BUCKET)
        _refused(lambda: lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="gone.zip"), NO_KEY)
        _refused(lambda: lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="bad.zip"), UNZIP)
        lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="code.zip")
    finally:
        for key in ("code.zip", "bad.zip"):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)
