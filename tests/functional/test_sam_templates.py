"""SAM on the embedded stack (its CloudFormation runs aws-sam-translator): Globals, the implicit
ServerlessRestApi, Function + Api events (RestApiId, Auth with an API key and a Cognito authorizer,
RequestModel, RequestParameters), SimpleTable, LayerVersion, Policies templates, InlineCode and AWS::Include
of a snippet in S3. Created over HTTP with boto3; the function imports its layer and reaches its table."""
from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
import requests

pytestmark = pytest.mark.functional

FUNCTION = """\
import json, os
import boto3
import greeting  # from the layer
def handler(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    if event["httpMethod"] == "POST":
        table.put_item(Item={"id": json.loads(event["body"])["id"]})
    return {"statusCode": 200, "body": json.dumps({"greeting": greeting.WORD, "count": table.scan()["Count"],
                                                   "stage_env": os.environ.get("STAGE_ENV")})}
"""


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_a_sam_application_with_layer_auth_models_and_include(clients, stack_url):
    s3, cf, apigw = clients("s3"), clients("cloudformation"), clients("apigateway")
    bucket = f"sam-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    s3.put_object(Bucket=bucket, Key="layer.zip", Body=_zip({"python/greeting.py": "WORD = 'from the layer'\n"}))
    s3.put_object(Bucket=bucket, Key="include.yaml", Body=(
        "Extra:\n  Type: AWS::SQS::Queue\n  Properties:\n    QueueName: !Sub '${AWS::StackName}-included'\n"))
    name = f"sam-{uuid.uuid4().hex[:8]}"
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Function": {"Runtime": "python3.12", "Timeout": 10,
                                 "Environment": {"Variables": {"STAGE_ENV": "from-globals"}}}},
        "Resources": {
            "Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": f"s3://{bucket}/include.yaml"}},
            "Table": {"Type": "AWS::Serverless::SimpleTable"},
            "Layer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {
                "ContentUri": f"s3://{bucket}/layer.zip", "CompatibleRuntimes": ["python3.12"]}},
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": f"{name}-users"}},
            "Api": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "live", "Auth": {
                    "ApiKeyRequired": False,
                    "Authorizers": {"Users": {"UserPoolArn": {"Fn::GetAtt": ["Pool", "Arn"]}}}},
                "Models": {"Thing": {"type": "object", "required": ["id"],
                                     "properties": {"id": {"type": "string"}}}}}},
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
                "Handler": "index.handler", "InlineCode": FUNCTION, "Layers": [{"Ref": "Layer"}],
                "Environment": {"Variables": {"TABLE": {"Ref": "Table"}}},
                "Policies": [{"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}}],
                "Events": {
                    "Read": {"Type": "Api", "Properties": {
                        "RestApiId": {"Ref": "Api"}, "Path": "/things", "Method": "get",
                        "RequestParameters": [{"method.request.querystring.limit": {"Required": False}}]}},
                    "Write": {"Type": "Api", "Properties": {
                        "RestApiId": {"Ref": "Api"}, "Path": "/things", "Method": "post",
                        "RequestModel": {"Model": "Thing", "Required": True}}},
                    "Private": {"Type": "Api", "Properties": {
                        "RestApiId": {"Ref": "Api"}, "Path": "/private", "Method": "get",
                        "Auth": {"ApiKeyRequired": True}}},
                    "Users": {"Type": "Api", "Properties": {
                        "RestApiId": {"Ref": "Api"}, "Path": "/users", "Method": "get",
                        "Auth": {"Authorizer": "Users"}}},
                    "Implicit": {"Type": "Api", "Properties": {"Path": "/implicit", "Method": "get"}}}}}},
        "Outputs": {"Api": {"Value": {"Ref": "Api"}}, "Implicit": {"Value": {"Ref": "ServerlessRestApi"}},
                    "Extra": {"Value": {"Fn::GetAtt": ["Extra", "QueueName"]}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template),
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    try:
        stack = cf.describe_stacks(StackName=name)["Stacks"][0]
        failed = [e.get("ResourceStatusReason") for e in cf.describe_stack_events(StackName=name)["StackEvents"]
                  if e["ResourceStatus"].endswith("FAILED")]
        assert stack["StackStatus"] == "CREATE_COMPLETE", failed
        out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        assert out["Extra"] == f"{name}-included"
        base = f"{stack_url}/_aws/execute-api/{out['Api']}/live"
        posted = requests.post(f"{base}/things", json={"id": "a"}, timeout=30)
        fn = next(r["PhysicalResourceId"] for r in cf.describe_stack_resources(StackName=name)["StackResources"]
                  if r["LogicalResourceId"] == "Fn")
        assert posted.status_code == 200, clients("lambda").invoke(FunctionName=fn, Payload=b"{}")["Payload"].read()
        assert posted.json() == {"greeting": "from the layer", "count": 1, "stage_env": "from-globals"}
        assert requests.get(f"{stack_url}/_aws/execute-api/{out['Implicit']}/Prod/implicit",
                            timeout=30).status_code == 200
        assert requests.get(f"{base}/private", timeout=30).status_code == 403  # API key required
        methods = {(r["path"], verb): m for r in apigw.get_resources(restApiId=out["Api"], embed=["methods"])["items"]
                   for verb, m in (r.get("resourceMethods") or {}).items()}
        assert methods[("/private", "GET")]["apiKeyRequired"] is True
        assert methods[("/users", "GET")]["authorizationType"] == "COGNITO_USER_POOLS"
        assert methods[("/things", "POST")]["requestModels"] == {"application/json": "thing"}  # SAM lowercases it
        assert methods[("/things", "GET")]["requestParameters"] == {"method.request.querystring.limit": False}
        authorizers = apigw.get_authorizers(restApiId=out["Api"])["items"]
        assert [(a["name"], a["type"]) for a in authorizers] == [("Users", "COGNITO_USER_POOLS")]
    finally:
        cf.delete_stack(StackName=name)
