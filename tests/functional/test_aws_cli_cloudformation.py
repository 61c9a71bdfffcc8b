"""Users' own tools against the embedded stack: the AWS CLI's `aws cloudformation package` + `deploy` of a SAM
project (the stack runs SAM's transform itself, as CloudFormation does) and boto3's CloudFormation client with a
SAM template (GetTemplate answers the original and the processed stage); a TemplateURL of the endpoint itself
(as `sam deploy` builds it). The deployed API answers; a second deploy has nothing to change (the AWS CLI's own
message)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]
AWS = str(Path(sys.executable).parent / "aws")


def aws(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-west-1", "AWS_ENDPOINT_URL": url}
    return subprocess.run([AWS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_aws_cloudformation_package_and_deploy_a_sam_project(tmp_path, stack_url, clients):
    if not Path(AWS).exists():
        pytest.skip("the AWS CLI is not installed in this environment (pip install awscli)")
    project = tmp_path / "sam-crud"
    shutil.copytree(ROOT / "examples" / "sam-crud", project)
    assert aws(stack_url, project, "s3", "mb", "s3://cli-artifacts").returncode == 0
    packaged = aws(stack_url, project, "cloudformation", "package", "--template-file", "template.yaml",
                   "--s3-bucket", "cli-artifacts", "--output-template-file", "packaged.yaml")
    assert packaged.returncode == 0, packaged.stderr
    assert "CodeUri: s3://cli-artifacts/" in (project / "packaged.yaml").read_text()
    deploy = ("cloudformation", "deploy", "--template-file", "packaged.yaml", "--stack-name", "aws-cli-sam",
              "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
    done = aws(stack_url, project, *deploy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Successfully created/updated stack - aws-cli-sam" in done.stdout
    try:
        stack = clients("cloudformation").describe_stacks(StackName="aws-cli-sam")["Stacks"][0]
        url = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "ItemsApi")
        api_id = url.split("//")[1].split(".")[0]
        made = requests.post(f"{stack_url}/_aws/execute-api/{api_id}/Prod/items", json={"name": "cli"}, timeout=30)
        assert made.status_code == 201, made.text
        again = aws(stack_url, project, *deploy)
        assert again.returncode == 255 and "No changes to deploy. Stack aws-cli-sam is up to date" in again.stderr
        assert aws(stack_url, project, *deploy, "--no-fail-on-empty-changeset").returncode == 0
    finally:
        clients("cloudformation").delete_stack(StackName="aws-cli-sam")


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_boto3_creates_a_sam_stack_the_embedded_stack_transforms(stack_url, clients):
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler",
            "InlineCode": "def handler(e, c):\n    return {'statusCode': 200, 'body': 'inline'}\n",
            "Events": {"Get": {"Type": "Api", "Properties": {"Path": "/hi", "Method": "get"}}}}}},
        "Outputs": {"Api": {"Value": {"Ref": "ServerlessRestApi"}}}}
    cf = clients("cloudformation")
    cf.create_stack(StackName="boto3-sam", TemplateBody=json.dumps(template),
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    try:
        stack = cf.describe_stacks(StackName="boto3-sam")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        types = {r["ResourceType"] for r in cf.describe_stack_resources(StackName="boto3-sam")["StackResources"]}
        assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage",
                "AWS::Lambda::Permission"} <= types
        api_id = stack["Outputs"][0]["OutputValue"]
        answer = requests.get(f"{stack_url}/_aws/execute-api/{api_id}/Prod/hi", timeout=30)
        assert answer.status_code == 200 and answer.text == "inline"
        # GetTemplate: the template as given by default, SAM's output with TemplateStage Processed (botocore
        # decodes a JSON TemplateBody); StagesAvailable as AWS answers it
        original = cf.get_template(StackName="boto3-sam")
        assert original["TemplateBody"] == template
        assert original["StagesAvailable"] == ["Original", "Processed"]
        processed = cf.get_template(StackName="boto3-sam", TemplateStage="Processed")["TemplateBody"]
        assert "Transform" not in processed and processed["Resources"]["Fn"]["Type"] == "AWS::Lambda::Function"
    finally:
        cf.delete_stack(StackName="boto3-sam")


def test_a_sam_template_sam_refuses_is_a_validation_error(clients):
    import botocore.exceptions

    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "x.y"}}}}
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        clients("cloudformation").create_stack(StackName="sam-refused", TemplateBody=json.dumps(template))
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"].startswith("Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless "
                                       "Application Specification document. Number of errors found: 1.")
    assert "[Fn]" in error["Message"]


def test_a_template_url_of_the_endpoint_itself_is_read_from_its_s3(stack_url, clients):
    """What `sam deploy` does with AWS_ENDPOINT_URL: the template uploaded to the stack's S3 and named by a
    path-style URL of the endpoint (`http://127.0.0.1:PORT/bucket/key.template`)."""
    s3, cf = clients("s3"), clients("cloudformation")
    s3.create_bucket(Bucket="template-url-test", CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"Q": {"Value": {"Ref": "Queue"}}}}
    s3.put_object(Bucket="template-url-test", Key="a/b.template", Body=json.dumps(template).encode())
    try:
        cf.create_stack(StackName="template-url", TemplateURL=f"{stack_url}/template-url-test/a/b.template")
        stack = cf.describe_stacks(StackName="template-url")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert cf.get_template(StackName="template-url")["TemplateBody"] == template
    finally:
        cf.delete_stack(StackName="template-url")
        s3.delete_object(Bucket="template-url-test", Key="a/b.template")
        s3.delete_bucket(Bucket="template-url-test")
