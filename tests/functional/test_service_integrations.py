"""AWS service integrations beyond DynamoDB, called on the stack as the integration's credentials role, over HTTP.

AWS (developer guide tutorials "Create a REST API as an Amazon S3 proxy", "... Amazon SQS", "... Amazon SNS";
LocalStack's AWS-validated `test_apigateway_s3.py`): `path/{bucket}/{key}` with the method's verb reads and writes
S3 objects; `path/{account}/{queue}` with a form-encoded `Action=SendMessage` body sends to SQS;
`action/Publish` with the topic in the query string publishes to SNS; the service's status selects the
integration response; binary objects follow binaryMediaTypes (Accept `image/png` -> the bytes, else base64).
A role whose policies do not allow the action gets the service's own refusal (403).
"""
from __future__ import annotations

import base64
import gzip
import json

import pytest
import requests

from .apikit import Kit, execution_log, json_body

pytestmark = pytest.mark.functional

RAW = gzip.compress(b"compressed data, should be invalid UTF-8 string", mtime=1676569620)
ENCODED = base64.b64encode(RAW)
TEXT = b"this is a UTF8 text typed object"
KINDS = {"raw": RAW, "encoded": ENCODED, "text": TEXT}
REPLACED = RAW.decode("utf-8", errors="replace").encode()
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "apigateway.amazonaws.com"}}]})


def _integration(apigw, api_id, resource, verb, integration: dict, codes=("200", "403"), handling=None,
                 templates=None):
    apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod=verb, authorizationType="NONE",
                     requestParameters={"method.request.path.key": False} if "{key}" in integration["uri"] else {})
    apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod=verb, type="AWS", **integration)
    for code in codes:
        apigw.put_method_response(restApiId=api_id, resourceId=resource, httpMethod=verb, statusCode=code,
                                  responseParameters={"method.response.header.Content-Type": False})
        apigw.put_integration_response(
            restApiId=api_id, resourceId=resource, httpMethod=verb, statusCode=code,
            selectionPattern="" if code == "200" else code, **({"contentHandling": handling} if handling else {}),
            **({"responseTemplates": templates} if templates and code == "200" else {}),
            responseParameters={"method.response.header.Content-Type": "integration.response.header.Content-Type"})


@pytest.fixture(scope="module")
def wired(clients):
    kit = Kit(clients, "svc")
    apigw, iam, s3, sqs, sns = (clients(s) for s in ("apigateway", "iam", "s3", "sqs", "sns"))
    bucket, queue_name = f"{kit.prefix}files", f"{kit.prefix}inbox"
    made_roles = []
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": kit.region})
        queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        queue_arn = f"arn:aws:sqs:{kit.region}:{kit.account}:{queue_name}"
        topic = sns.create_topic(Name=f"{kit.prefix}news")["TopicArn"]
        roles = {}
        for name, allowed in (("full", [("s3:GetObject", f"arn:aws:s3:::{bucket}/*"),
                                        ("s3:PutObject", f"arn:aws:s3:::{bucket}/*"),
                                        ("sqs:SendMessage", queue_arn), ("sns:Publish", topic)]),
                              ("bare", [("s3:GetObject", f"arn:aws:s3:::{bucket}/public/*")])):
            role = f"{kit.prefix}{name}"
            roles[name] = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
            made_roles.append(role)
            iam.put_role_policy(RoleName=role, PolicyName="calls", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": a, "Resource": r}
                                                       for a, r in allowed]}))
        api_id, root = kit.api("services", binary_media_types=["image/png"])
        for part, role, handling in (("files", roles["full"], None), ("locked", roles["bare"], None),
                                     ("as-text", roles["full"], "CONVERT_TO_TEXT"),
                                     ("as-binary", roles["full"], "CONVERT_TO_BINARY")):
            parent = kit.resource(api_id, root, part)
            item = kit.resource(api_id, parent, "{key}")
            for verb in ("GET", "PUT") if handling is None else ("GET",):
                _integration(apigw, api_id, item, verb, handling=handling, integration={
                    "integrationHttpMethod": verb, "credentials": role,
                    "uri": f"arn:aws:apigateway:{kit.region}:s3:path/{bucket}/{{key}}",
                    "requestParameters": {"integration.request.path.key": "method.request.path.key",
                                          "integration.request.header.Content-Type": "method.request.header.Content-Type"}})
        for part, handling in (("text-template", "CONVERT_TO_TEXT"), ("binary-template", "CONVERT_TO_BINARY")):
            item = kit.resource(api_id, kit.resource(api_id, root, part), "{key}")
            _integration(apigw, api_id, item, "GET", handling=handling, templates={"application/json": '{"data": "$input.body"}'},
                         integration={"integrationHttpMethod": "GET", "credentials": roles["full"],
                                      "uri": f"arn:aws:apigateway:{kit.region}:s3:path/{bucket}/{{key}}",
                                      "requestParameters": {"integration.request.path.key": "method.request.path.key"}})
        for kind, data in KINDS.items():
            for suffix, content_type in (("txt", "binary/octet-stream"), ("bin", "image/png")):
                s3.put_object(Bucket=bucket, Key=f"{kind}-{suffix}", Body=data, ContentType=content_type)
        for part, role in (("send", roles["full"]), ("send-locked", roles["bare"])):
            _integration(apigw, api_id, kit.resource(api_id, root, part), "POST", {
                "integrationHttpMethod": "POST", "credentials": role,
                "uri": f"arn:aws:apigateway:{kit.region}:sqs:path/{kit.account}/{queue_name}",
                "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
                "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"}})
        _integration(apigw, api_id, kit.resource(api_id, root, "publish"), "POST", {
            "integrationHttpMethod": "POST", "credentials": roles["full"],
            "uri": f"arn:aws:apigateway:{kit.region}:sns:action/Publish",
            "requestParameters": {"integration.request.querystring.TopicArn": f"'{topic}'",
                                  "integration.request.querystring.Message": "method.request.querystring.message"}})
        kit.deploy(api_id, "prod")
        yield {"kit": kit, "api": api_id, "http": requests.Session(), "clients": clients, "bucket": bucket,
               "queue_url": queue_url, "topic": topic, "roles": roles}
    finally:
        for role in made_roles:
            iam.delete_role_policy(RoleName=role, PolicyName="calls")
            iam.delete_role(RoleName=role)
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []) if bucket else []:
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)
        kit.teardown()


def call(wired, verb, path, **kw):
    kw.setdefault("timeout", 30)
    return wired["http"].request(verb, wired["kit"].url(wired["api"], "prod", path), **kw)


def test_s3_put_then_get_of_a_binary_object_follows_binary_media_types(wired):
    put = call(wired, "PUT", "files/raw.gz", data=RAW, headers={"Content-Type": "image/png"})
    assert put.status_code == 200, put.content
    stored = wired["clients"]("s3").get_object(Bucket=wired["bucket"], Key="raw.gz")
    assert stored["Body"].read() == RAW and stored["ContentType"] == "image/png"
    binary = call(wired, "GET", "files/raw.gz", headers={"Accept": "image/png"})
    assert (binary.status_code, binary.content, binary.headers["Content-Type"]) == (200, RAW, "image/png")
    text = call(wired, "GET", "files/raw.gz", headers={"Accept": "application/json"})
    assert (text.status_code, text.content) == (200, base64.b64encode(RAW))


def test_s3_text_object_and_a_missing_key(wired):
    wired["clients"]("s3").put_object(Bucket=wired["bucket"], Key="hello.txt", Body=b"hello", ContentType="text/plain")
    assert call(wired, "GET", "files/hello.txt").content == b"hello"
    missing = call(wired, "GET", "files/nothing-here")
    assert missing.status_code == 200  # 404 matches no pattern: the default response passes S3's error through
    assert b"<Code>NoSuchKey</Code>" in missing.content


def test_s3_refuses_a_role_without_the_permission(wired):
    response = call(wired, "GET", "locked/hello.txt")
    assert response.status_code == 403
    kit = wired["kit"]
    assert (f"User: arn:aws:sts::{kit.account}:assumed-role/{kit.prefix}bare/BackplaneAssumeRoleSession is not "
            f"authorized to perform: s3:GetObject on resource: arn:aws:s3:::{wired['bucket']}/hello.txt because no "
            "identity-based policy allows the s3:GetObject action").encode() in response.content
    assert b"<Code>AccessDenied</Code>" in response.content


def test_sqs_send_message_through_a_path_integration(wired):
    response = call(wired, "POST", "send", json={"hello": "queue & friends"})
    assert response.status_code == 200, response.content
    assert b"SendMessageResponse" in response.content or b"MessageId" in response.content
    got = wired["clients"]("sqs").receive_message(QueueUrl=wired["queue_url"], WaitTimeSeconds=0)["Messages"]
    assert json.loads(got[0]["Body"]) == {"hello": "queue & friends"}
    lines = execution_log(wired["clients"], wired["api"], "prod", response.headers["x-amzn-RequestId"])
    assert f"Endpoint request URI: https://sqs.{wired['kit'].region}.amazonaws.com/{wired['kit'].account}/" \
           f"{wired['kit'].prefix}inbox" in lines


def test_sqs_refuses_a_role_without_send_message(wired):
    response = call(wired, "POST", "send-locked", json={"x": 1})
    assert response.status_code == 403
    assert b"<Code>AccessDenied</Code>" in response.content and b"sqs:SendMessage" in response.content


def test_sns_publish_through_an_action_integration(wired):
    response = call(wired, "POST", "publish", params={"message": "launch at dawn"})
    assert response.status_code == 200, response.content
    assert b"<MessageId>" in response.content
    lines = execution_log(wired["clients"], wired["api"], "prod", response.headers["x-amzn-RequestId"])
    assert any(line.startswith(f"Endpoint request URI: https://sns.{wired['kit'].region}.amazonaws.com/?Action=Publish")
               for line in lines), lines


def test_an_unserved_service_is_500_saying_so(wired):
    apigw, kit = wired["clients"]("apigateway"), wired["kit"]
    api_id, root = kit.api("unserved")
    _integration(apigw, api_id, kit.resource(api_id, root, "kinesis"), "POST", {
        "integrationHttpMethod": "POST", "credentials": wired["roles"]["full"],
        "uri": f"arn:aws:apigateway:{kit.region}:kinesis:action/PutRecord"})
    kit.deploy(api_id, "prod")
    response = wired["http"].post(kit.url(api_id, "prod", "kinesis"), json={}, timeout=30)
    assert response.status_code == 500
    assert json_body(response) == {"message": "Internal server error"}


# LocalStack's AWS-validated `TestApiGatewayS3BinarySupport.test_apigw_s3_binary_support_response_*` (binaryMediaTypes
# image/png; an object stored as binary/octet-stream is a text payload, as image/png a binary one): what AWS answered
# for each object, payload type and Accept, per integration-response contentHandling. None: a 500.
B64 = base64.b64encode
RECORDED = {
    None: {("encoded", "txt", "image/png"): RAW, ("raw", "txt", "image/png"): None, ("text", "txt", "image/png"): None,
           ("encoded", "bin", "image/png"): ENCODED, ("raw", "bin", "image/png"): RAW, ("text", "bin", "image/png"): TEXT,
           ("encoded", "txt", "text/plain"): ENCODED, ("raw", "txt", "text/plain"): REPLACED,
           ("text", "txt", "text/plain"): TEXT, ("encoded", "bin", "text/plain"): B64(ENCODED),
           ("raw", "bin", "text/plain"): ENCODED, ("text", "bin", "text/plain"): B64(TEXT)},
    "as-text": {("encoded", "txt", "image/png"): ENCODED, ("raw", "txt", "image/png"): REPLACED,
                ("text", "txt", "image/png"): TEXT, ("encoded", "bin", "image/png"): B64(ENCODED),
                ("raw", "bin", "image/png"): ENCODED, ("text", "bin", "image/png"): B64(TEXT),
                ("encoded", "txt", "text/plain"): ENCODED, ("raw", "txt", "text/plain"): REPLACED,
                ("text", "txt", "text/plain"): TEXT, ("encoded", "bin", "text/plain"): B64(ENCODED),
                ("raw", "bin", "text/plain"): ENCODED, ("text", "bin", "text/plain"): B64(TEXT)},
    "as-binary": {("encoded", "txt", "image/png"): RAW, ("encoded", "bin", "image/png"): ENCODED,
                  ("raw", "bin", "image/png"): RAW, ("text", "bin", "image/png"): TEXT,
                  ("encoded", "txt", "text/plain"): RAW, ("encoded", "bin", "text/plain"): ENCODED,
                  ("raw", "bin", "text/plain"): RAW, ("text", "bin", "text/plain"): TEXT},
}


@pytest.mark.parametrize("where, case", [(w, c) for w, cases in RECORDED.items() for c in cases],
                         ids=lambda v: "-".join(v) if isinstance(v, tuple) else str(v))
def test_s3_response_payloads_match_what_aws_answered(wired, where, case):
    kind, payload, accept = case
    response = call(wired, "GET", f"{where or 'files'}/{kind}-{payload}", headers={"Accept": accept})
    expected = RECORDED[where][case]
    if expected is None:
        assert response.status_code == 500
        assert json_body(response) == {"message": "Internal server error"}
    else:
        assert (response.status_code, response.content) == (200, expected)


def test_the_response_template_reads_the_converted_payload(wired):
    """Recorded against AWS (LocalStack's `..._response_convert_to_binary_with_request_template`): CONVERT_TO_TEXT
    then the template gives the text inside it; CONVERT_TO_BINARY then the template is 500."""
    text = call(wired, "GET", "text-template/encoded-txt", headers={"Accept": "image/png"})
    assert (text.status_code, text.content) == (200, b'{"data": "' + ENCODED + b'"}')
    binary = call(wired, "GET", "binary-template/encoded-txt", headers={"Accept": "image/png"})
    assert binary.status_code == 500


def test_dot_segments_in_a_key_stay_names_inside_the_bucket(wired):
    """A key `..%2Fother` must not step out of the bucket the role was checked for (it names an object)."""
    response = call(wired, "PUT", "files/%2E%2E", data=b"dots", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200, response.content
    assert wired["clients"]("s3").get_object(Bucket=wired["bucket"], Key="..")["Body"].read() == b"dots"
