"""CloudFormation on the embedded stack, over HTTP with boto3: stacks made from templates written here are
created, updated, rolled back and deleted as on AWS, and what they make is served (the API answers through the
gateway, a usage plan's key is enforced).

Sources: AWS CloudFormation User Guide (stack status codes, "The following resource(s) failed to create: [X].
Rollback requested by user.", "No updates are to be performed.", "Circular dependency between resources",
"Encountered unsupported function"), the resource type reference (Ref / Fn::GetAtt values), botocore's
cloudformation service model.
"""
from __future__ import annotations

import json
import uuid

import botocore.exceptions
import pytest
import requests

pytestmark = pytest.mark.functional

FUNCTION_CODE = ("import json, os\n"
                 "def handler(event, context):\n"
                 "    return {'statusCode': 200, 'body': json.dumps({'greeting': os.environ.get('GREETING', 'hi'),"
                 " 'path': event['path']})}\n")


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def api_template(greeting: str = "hi", stage_variable: str = "one", key_required: bool = False) -> dict:
    """A REST API with one Lambda proxy method, a stage, an API key and usage plan, and outputs."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Greeting": {"Type": "String", "Default": greeting, "AllowedValues": ["hi", "hello"]},
                       "Secret": {"Type": "String", "Default": "s3cr3t", "NoEcho": True}},
        "Conditions": {"IsHello": {"Fn::Equals": [{"Ref": "Greeting"}, "hello"]}},
        "Mappings": {"Sizes": {"us-west-1": {"Memory": 256}}},
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "MemorySize": {"Fn::FindInMap": ["Sizes", {"Ref": "AWS::Region"}, "Memory"]},
                "Environment": {"Variables": {"GREETING": {"Fn::If": ["IsHello", "hello", "hi"]}}},
                "Code": {"ZipFile": FUNCTION_CODE}}},
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": {"Fn::Sub": "${AWS::StackName}-api"}}},
            "Hello": {"Type": "AWS::ApiGateway::Resource", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "hello"}},
            "Get": {"Type": "AWS::ApiGateway::Method", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Hello"}, "HttpMethod": "GET",
                "AuthorizationType": "NONE", "ApiKeyRequired": key_required,
                "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": {"Fn::Sub":
                    "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}},
            "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": "Get",
                           "Properties": {"RestApiId": {"Ref": "Api"}}},
            "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
                "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"}, "StageName": "Prod",
                "Variables": {"which": stage_variable}}},
            "Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
                "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "Fn"},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                                         "${Api}/*/*/*"}}},
            "Key": {"Type": "AWS::ApiGateway::ApiKey", "DependsOn": "Stage",
                    "Properties": {"Enabled": True, "Value": {"Fn::Join": ["", [{"Ref": "AWS::StackName"},
                                                                               "-key-0123456789abcdef"]]}}},
            "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage", "Properties": {
                "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "Prod"}]}},
            "PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey", "Properties": {
                "KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"Tags": [{"Key": "t", "Value": {
                "Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}}]}},
        },
        "Outputs": {
            "Url": {"Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/Prod/"}},
            "ApiId": {"Value": {"Ref": "Api"}},
            "RootId": {"Value": {"Fn::GetAtt": ["Api", "RootResourceId"]}},
            "FunctionArn": {"Value": {"Fn::GetAtt": ["Fn", "Arn"]}},
            "KeyValue": {"Value": {"Fn::Join": ["", [{"Ref": "AWS::StackName"}, "-key-0123456789abcdef"]]}},
            "Encoded": {"Value": {"Fn::Base64": "abc"}},
            "StackIdOut": {"Value": {"Ref": "AWS::StackId"}},
        },
    }


@pytest.fixture
def cfn(clients):
    cf = clients("cloudformation")
    made: list[str] = []
    yield cf, made
    for name in made:
        try:
            cf.delete_stack(StackName=name)
        except botocore.exceptions.ClientError:
            pass


def _create(cf, made: list[str], template: dict, **kwargs) -> dict:
    name = kwargs.pop("StackName", None) or _name("cfn")
    made.append(name)
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"], **kwargs)
    return cf.describe_stacks(StackName=name)["Stacks"][0]


def _outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def _resources(cf, name: str) -> dict[str, dict]:
    return {r["LogicalResourceId"]: r for r in cf.describe_stack_resources(StackName=name)["StackResources"]}


def _events(cf, name: str) -> list[dict]:
    return list(reversed(cf.describe_stack_events(StackName=name)["StackEvents"]))


def test_a_stack_is_created_with_aws_ref_and_getatt_values_and_its_api_answers(cfn, stack_url, clients):
    cf, made = cfn
    stack = _create(cf, made, api_template())
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    out = _outputs(stack)
    api_id = out["ApiId"]
    assert out["Url"] == f"https://{api_id}.execute-api.us-west-1.amazonaws.com/Prod/"
    assert out["FunctionArn"].startswith("arn:aws:lambda:us-west-1:123456789012:function:")
    assert out["Encoded"] == "YWJj"
    assert out["StackIdOut"] == stack["StackId"]
    resources = _resources(cf, stack["StackName"])
    assert resources["Stage"]["PhysicalResourceId"] == "Prod"
    paths = {r["id"]: r["path"] for r in clients("apigateway").get_resources(restApiId=api_id)["items"]}
    assert paths[resources["Hello"]["PhysicalResourceId"]] == "/hello" and paths[out["RootId"]] == "/"
    assert {r["ResourceStatus"] for r in resources.values()} == {"CREATE_COMPLETE"}
    assert {"Secret": "****"}.items() <= {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}.items()
    # every resource has AWS's two events, in order
    events = _events(cf, stack["StackName"])
    for logical_id in resources:
        assert [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == logical_id] == \
            ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    answer = requests.get(f"{stack_url}/_aws/execute-api/{api_id}/Prod/hello", timeout=30)
    assert answer.status_code == 200
    assert answer.json() == {"greeting": "hi", "path": "/hello"}
    stage = clients("apigateway").get_stage(restApiId=api_id, stageName="Prod")
    assert stage["variables"] == {"which": "one"}


def test_an_api_key_from_a_template_is_enforced(cfn, stack_url):
    cf, made = cfn
    stack = _create(cf, made, api_template(key_required=True))
    out = _outputs(stack)
    url = f"{stack_url}/_aws/execute-api/{out['ApiId']}/Prod/hello"
    assert requests.get(url, timeout=30).status_code == 403
    assert requests.get(url, headers={"x-api-key": "wrong-key-0123456789abcdef"}, timeout=30).status_code == 403
    assert requests.get(url, headers={"x-api-key": out["KeyValue"]}, timeout=30).status_code == 200


def test_update_in_place_keeps_ids_and_parameters_reach_the_function(cfn, stack_url, clients):
    cf, made = cfn
    stack = _create(cf, made, api_template())
    before = _resources(cf, stack["StackName"])
    cf.update_stack(StackName=stack["StackName"], TemplateBody=json.dumps(api_template(stage_variable="two")),
                    Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "hello"}],
                    Capabilities=["CAPABILITY_IAM"])
    after_stack = cf.describe_stacks(StackName=stack["StackName"])["Stacks"][0]
    assert after_stack["StackStatus"] == "UPDATE_COMPLETE"
    after = _resources(cf, stack["StackName"])
    for logical_id in ("Api", "Stage", "Fn", "Queue"):
        assert after[logical_id]["PhysicalResourceId"] == before[logical_id]["PhysicalResourceId"]
    api_id = _outputs(after_stack)["ApiId"]
    assert clients("apigateway").get_stage(restApiId=api_id, stageName="Prod")["variables"] == {"which": "two"}
    answer = requests.get(f"{stack_url}/_aws/execute-api/{api_id}/Prod/hello", timeout=30)
    assert answer.json()["greeting"] == "hello"


def test_a_resource_moto_cannot_update_is_replaced(cfn, clients):
    cf, made = cfn
    template = {"Resources": {"Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": True,
                                                                                       "Description": "one"}}},
                "Outputs": {"Key": {"Value": {"Ref": "Key"}}}}
    stack = _create(cf, made, template)
    old = _outputs(stack)["Key"]
    template["Resources"]["Key"]["Properties"]["Description"] = "two"
    cf.update_stack(StackName=stack["StackName"], TemplateBody=json.dumps(template))
    new = _outputs(cf.describe_stacks(StackName=stack["StackName"])["Stacks"][0])["Key"]
    assert new != old
    keys = {k["id"]: k for k in clients("apigateway").get_api_keys()["items"]}
    assert old not in keys
    assert keys[new]["description"] == "two"


def test_a_failing_resource_rolls_the_creation_back_with_the_reason_in_the_events(cfn, clients):
    cf, made = cfn
    queue_name = _name("rolled")
    template = {"Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": queue_name}},
        "Pool": {"Type": "AWS::Cognito::IdentityPool", "DependsOn": "Queue",
                 "Properties": {"AllowUnauthenticatedIdentities": False}}}}
    stack = _create(cf, made, template)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = _events(cf, stack["StackName"])
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [("Pool", "AWS::Cognito::IdentityPool")]
    assert "AWS::Cognito::IdentityPool" in failed[0]["ResourceStatusReason"]
    rollback = next(e for e in events if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS")
    assert rollback["ResourceStatusReason"] == \
        "The following resource(s) failed to create: [Pool]. Rollback requested by user."
    assert [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "Queue"][-1] == "DELETE_COMPLETE"
    assert events[-1]["ResourceStatus"] == "ROLLBACK_COMPLETE"
    assert queue_name not in " ".join(clients("sqs").list_queues().get("QueueUrls", []))
    assert "Outputs" not in stack or not stack["Outputs"]


def test_a_failing_update_rolls_back_to_the_previous_template(cfn, clients):
    cf, made = cfn
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
                "Outputs": {"Queue": {"Value": {"Ref": "Queue"}}}}
    stack = _create(cf, made, template)
    broken = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}, "Bad": {"Type": "AWS::Foo::Bar"}}}
    cf.update_stack(StackName=stack["StackName"], TemplateBody=json.dumps(broken))
    after = cf.describe_stacks(StackName=stack["StackName"])["Stacks"][0]
    assert after["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert _outputs(after) == _outputs(stack)
    failed = [e for e in _events(cf, stack["StackName"]) if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed[0]["LogicalResourceId"] == "Bad"
    assert failed[0]["ResourceStatusReason"] == "Resource type AWS::Foo::Bar is not supported by the embedded stack"
    assert set(_resources(cf, stack["StackName"])) == {"Queue"}


def test_an_update_without_changes_is_refused(cfn):
    cf, made = cfn
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    stack = _create(cf, made, template)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        cf.update_stack(StackName=stack["StackName"], TemplateBody=json.dumps(template))
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"] == "No updates are to be performed."


def test_delete_removes_resources_except_those_retained(cfn, clients):
    cf, made = cfn
    kept, gone = _name("kept"), _name("gone")
    template = {"Resources": {
        "Kept": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "Properties": {"QueueName": kept}},
        "Gone": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": gone}}}}
    stack = _create(cf, made, template)
    cf.delete_stack(StackName=stack["StackName"])
    deleted = cf.describe_stacks(StackName=stack["StackId"])["Stacks"][0]
    assert deleted["StackStatus"] == "DELETE_COMPLETE"
    queues = " ".join(clients("sqs").list_queues().get("QueueUrls", []))
    assert kept in queues and gone not in queues
    statuses = {(e["LogicalResourceId"], e["ResourceStatus"]) for e in _events(cf, stack["StackId"])}
    assert ("Kept", "DELETE_SKIPPED") in statuses and ("Gone", "DELETE_COMPLETE") in statuses
    clients("sqs").delete_queue(QueueUrl=clients("sqs").get_queue_url(QueueName=kept)["QueueUrl"])


def test_exports_are_imported_by_another_stack(cfn):
    cf, made = cfn
    export = _name("shared-queue")
    first = _create(cf, made, {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
                               "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]},
                                                   "Export": {"Name": export}}}})
    second = _create(cf, made, {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
        "DisplayName": "x"}}}, "Outputs": {"Imported": {"Value": {"Fn::ImportValue": export}}}})
    assert second["StackStatus"] == "CREATE_COMPLETE"
    assert _outputs(second)["Imported"] == _outputs(first)["Arn"]
    exports = {e["Name"]: e["Value"] for e in cf.list_exports()["Exports"]}
    assert exports[export] == _outputs(first)["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:  # still imported: AWS refuses
        cf.delete_stack(StackName=first["StackName"])
    assert refused.value.response["Error"]["Message"] == \
        f"Export {export} cannot be deleted as it is in use by {second['StackName']}"
    cf.delete_stack(StackName=second["StackName"])
    cf.delete_stack(StackName=first["StackName"])
    assert export not in {e["Name"] for e in cf.list_exports()["Exports"]}


def test_a_change_set_creates_the_stack_with_outputs_then_updates_it(cfn, stack_url):
    cf, made = cfn
    name = _name("cs")
    made.append(name)
    cf.create_change_set(StackName=name, ChangeSetName="one", ChangeSetType="CREATE",
                         TemplateBody=json.dumps(api_template()), Capabilities=["CAPABILITY_IAM"])
    cf.get_waiter("change_set_create_complete").wait(StackName=name, ChangeSetName="one",
                                                     WaiterConfig={"Delay": 1})
    cf.execute_change_set(StackName=name, ChangeSetName="one")
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    api_id = _outputs(stack)["ApiId"]
    assert requests.get(f"{stack_url}/_aws/execute-api/{api_id}/Prod/hello", timeout=30).status_code == 200
    cf.create_change_set(StackName=name, ChangeSetName="two", ChangeSetType="UPDATE",
                         TemplateBody=json.dumps(api_template(stage_variable="two")), Capabilities=["CAPABILITY_IAM"])
    changes = cf.describe_change_set(StackName=name, ChangeSetName="two")["Changes"]
    assert [c["ResourceChange"]["LogicalResourceId"] for c in changes] == ["Stage"]
    cf.execute_change_set(StackName=name, ChangeSetName="two")
    assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"


@pytest.mark.parametrize(("resources", "message"), [
    ({"A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Nope": "x"}}}},
     "Template format error: Encountered unsupported function: Fn::Nope Supported functions are: [Fn::Base64,"),
    ({"A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["B", "QueueName"]}}},
      "B": {"Type": "AWS::SQS::Queue", "DependsOn": "A"}},
     "Circular dependency between resources: [A, B]"),
    ({"A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Missing"}}}},
     "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"),
])
def test_a_template_aws_refuses_is_refused_before_anything_is_made(cfn, resources, message):
    cf, made = cfn
    name = _name("bad")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        cf.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources}))
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"].startswith(message)
    assert name not in [s["StackName"] for s in cf.list_stacks()["StackSummaries"]]


def test_lambda_cognito_and_other_types_are_made_and_deleted(cfn, clients):
    cf, made = cfn
    template = api_template()
    template["Resources"].update({
        "Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Alias": {"Type": "AWS::Lambda::Alias", "Properties": {
            "FunctionName": {"Ref": "Fn"}, "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
            "Name": "live"}},
        "Async": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
            "FunctionName": {"Ref": "Fn"}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}},
        "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": _name("pool")}},
        "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "Pool"}}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Validator": {"Type": "AWS::ApiGateway::RequestValidator", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ValidateRequestBody": True}},
        "Model": {"Type": "AWS::ApiGateway::Model", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ContentType": "application/json", "Name": "Thing",
            "Schema": {"type": "object"}}},
        "Missing": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResponseType": "MISSING_AUTHENTICATION_TOKEN", "StatusCode": "404"}},
        "Auth": {"Type": "AWS::ApiGateway::Authorizer", "Properties": {
            "RestApiId": {"Ref": "Api"}, "Name": "pool", "Type": "COGNITO_USER_POOLS",
            "IdentitySource": "method.request.header.Authorization",
            "ProviderARNs": [{"Fn::GetAtt": ["Pool", "Arn"]}]}},
    })
    template["Outputs"].update({"Alias": {"Value": {"Ref": "Alias"}}, "Pool": {"Value": {"Ref": "Pool"}},
                                "Client": {"Value": {"Ref": "Client"}}})
    stack = _create(cf, made, template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", _events(cf, stack["StackName"])[-3:]
    out = _outputs(stack)
    assert out["Alias"].endswith(":live")
    function = out["FunctionArn"]
    assert clients("lambda").get_function_event_invoke_config(FunctionName=function)["MaximumRetryAttempts"] == 0
    api = clients("apigateway")
    assert [a["type"] for a in api.get_authorizers(restApiId=out["ApiId"])["items"]] == ["COGNITO_USER_POOLS"]
    assert [m["name"] for m in api.get_models(restApiId=out["ApiId"])["items"]] == ["Thing"]
    assert clients("cognito-idp").describe_user_pool_client(UserPoolId=out["Pool"], ClientId=out["Client"])
    cf.delete_stack(StackName=stack["StackName"])
    assert cf.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(botocore.exceptions.ClientError):
        api.get_rest_api(restApiId=out["ApiId"])
    with pytest.raises(botocore.exceptions.ClientError):
        clients("cognito-idp").describe_user_pool(UserPoolId=out["Pool"])


def test_an_openapi_body_makes_the_api(cfn, stack_url):
    cf, made = cfn
    template = api_template()
    template["Resources"]["Api"]["Properties"] = {"Body": {
        "openapi": "3.0.1", "info": {"title": "from-openapi", "version": "1"},
        "paths": {"/hello": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                               "${Fn.Arn}/invocations"}}}}}}}
    for logical_id in ("Hello", "Get", "Key", "Plan", "PlanKey"):
        del template["Resources"][logical_id]
    template["Resources"]["Deployment"].pop("DependsOn")
    stack = _create(cf, made, template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", _events(cf, stack["StackName"])[-3:]
    api_id = _outputs(stack)["ApiId"]
    answer = requests.get(f"{stack_url}/_aws/execute-api/{api_id}/Prod/hello", timeout=30)
    assert answer.status_code == 200 and answer.json()["path"] == "/hello"


LAYER_MODULE = "VALUE = 'from the layer'\n"
LAYERED_CODE = ("import os, layermod\n"
                "def handler(event, context):\n"
                "    return {'layer': layermod.VALUE, 'env': {k: v for k, v in os.environ.items()"
                " if k.startswith('FLAG_')}}\n")


def _zip(files: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_the_remaining_types_and_intrinsics(cfn, clients, stack_url):
    """IAM Policy and ManagedPolicy, a plain LayerVersion, the API Gateway Account, a Method with every property
    a REST API project sets (authorizer, validator, request parameters and models, a MOCK integration with its
    integration and method responses), Stage MethodSettings, a RestApi from BodyS3Location; Fn::And/Or/Not,
    Fn::GetAZs, AWS::NoValue and the list form of Fn::Sub."""
    cf, made = cfn
    s3 = clients("s3")
    bucket = _name("cfn-src")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    s3.put_object(Bucket=bucket, Key="layer.zip", Body=_zip({"python/layermod.py": LAYER_MODULE}))
    s3.put_object(Bucket=bucket, Key="openapi.json", Body=json.dumps({
        "openapi": "3.0.1", "info": {"title": "from-s3", "version": "1"},
        "paths": {"/ping": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": "{\"pong\": true}"}}}},
            "responses": {"200": {"description": "ok"}}}}}}).encode())
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
        "Service": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]}}]}
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage",
                                                        "Resource": "*"}]}
    template = {
        "Parameters": {"Mode": {"Type": "String", "Default": "on"}},
        "Conditions": {
            "On": {"Fn::Equals": [{"Ref": "Mode"}, "on"]},
            "Both": {"Fn::And": [{"Condition": "On"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-west-1"]}]},
            "Either": {"Fn::Or": [{"Fn::Not": [{"Condition": "On"}]}, {"Condition": "Both"}]},
            "Off": {"Fn::Not": [{"Condition": "On"}]}},
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}},
            "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "Roles": [{"Ref": "Role"}], "PolicyDocument": document}},
            "Inline": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "send", "Roles": [{"Ref": "Role"}], "PolicyDocument": document}},
            "Account": {"Type": "AWS::ApiGateway::Account", "Properties": {
                "CloudWatchRoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}},
            "Layer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {
                "LayerName": _name("layer"), "CompatibleRuntimes": ["python3.12"],
                "Content": {"S3Bucket": bucket, "S3Key": "layer.zip"}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Layers": [{"Ref": "Layer"}], "Code": {"ZipFile": LAYERED_CODE},
                "Environment": {"Variables": {
                    "FLAG_BOTH": {"Fn::If": ["Both", "yes", "no"]},
                    "FLAG_EITHER": {"Fn::If": ["Either", "yes", "no"]},
                    "FLAG_OFF": {"Fn::If": ["Off", "set", {"Ref": "AWS::NoValue"}]}}}}},
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": _name("pool")}},
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": _name("api")}},
            "Things": {"Type": "AWS::ApiGateway::Resource", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "things"}},
            "Auth": {"Type": "AWS::ApiGateway::Authorizer", "Properties": {
                "RestApiId": {"Ref": "Api"}, "Name": "pool", "Type": "COGNITO_USER_POOLS",
                "IdentitySource": "method.request.header.Authorization",
                "ProviderARNs": [{"Fn::GetAtt": ["Pool", "Arn"]}]}},
            "Validator": {"Type": "AWS::ApiGateway::RequestValidator", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ValidateRequestBody": True, "ValidateRequestParameters": True}},
            "Thing": {"Type": "AWS::ApiGateway::Model", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ContentType": "application/json", "Name": "Thing",
                "Schema": {"type": "object", "required": ["name"]}}},
            "Post": {"Type": "AWS::ApiGateway::Method", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Things"}, "HttpMethod": "POST",
                "AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": {"Ref": "Auth"},
                "RequestValidatorId": {"Ref": "Validator"},
                "RequestParameters": {"method.request.querystring.kind": True},
                "RequestModels": {"application/json": {"Ref": "Thing"}},
                "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": "{\"statusCode\": 200}"},
                                "IntegrationResponses": [{"StatusCode": "200", "ResponseTemplates": {
                                    "application/json": "{\"made\": true}"}}]},
                "MethodResponses": [{"StatusCode": "200"}]}},
            "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": "Post",
                           "Properties": {"RestApiId": {"Ref": "Api"}}},
            "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
                "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"}, "StageName": "v1",
                "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 50,
                                    "ThrottlingBurstLimit": 20}]}},
            "FromS3": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
                "BodyS3Location": {"Bucket": bucket, "Key": "openapi.json"}}},
            "FromS3Deployment": {"Type": "AWS::ApiGateway::Deployment", "Properties": {
                "RestApiId": {"Ref": "FromS3"}, "StageName": "v1"}},
        },
        "Outputs": {
            "Role": {"Value": {"Ref": "Role"}}, "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}},
            "Managed": {"Value": {"Ref": "Managed"}}, "Layer": {"Value": {"Ref": "Layer"}},
            "Fn": {"Value": {"Ref": "Fn"}}, "Api": {"Value": {"Ref": "Api"}}, "FromS3": {"Value": {"Ref": "FromS3"}},
            "Post": {"Value": {"Ref": "Things"}},
            "Zones": {"Value": {"Fn::Join": [",", {"Fn::GetAZs": ""}]}},
            "ZonesOfRef": {"Value": {"Fn::Join": [",", {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}},
            "Named": {"Value": {"Fn::Sub": ["${Name}@${AWS::Region}", {"Name": {"Ref": "Mode"}}]}},
        },
    }
    stack = _create(cf, made, template)
    try:
        assert stack["StackStatus"] == "CREATE_COMPLETE", _events(cf, stack["StackName"])[-3:]
        out = _outputs(stack)
        # "" is the stack's region (the Fn::GetAZs page of the CloudFormation User Guide)
        zones = out["Zones"].split(",")
        assert zones and all(z.startswith("us-west-1") for z in zones) and out["ZonesOfRef"] == out["Zones"]
        assert out["Named"] == "on@us-west-1"
        iam = clients("iam")
        assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=out["Role"])["AttachedPolicies"]] \
            == [out["Managed"]]
        assert iam.get_role_policy(RoleName=out["Role"], PolicyName="send")["PolicyDocument"] == document
        assert clients("apigateway").get_account()["cloudwatchRoleArn"] == out["RoleArn"]
        assert out["Layer"].startswith("arn:aws:lambda:us-west-1:123456789012:layer:")
        answer = json.loads(clients("lambda").invoke(FunctionName=out["Fn"], Payload=b"{}")["Payload"].read())
        assert answer == {"layer": "from the layer", "env": {"FLAG_BOTH": "yes", "FLAG_EITHER": "yes"}}
        api = clients("apigateway")
        method = api.get_method(restApiId=out["Api"], resourceId=out["Post"], httpMethod="POST")
        authorizer = api.get_authorizers(restApiId=out["Api"])["items"][0]
        validator = api.get_request_validators(restApiId=out["Api"])["items"][0]
        assert (method["authorizationType"], method["authorizerId"], method["requestValidatorId"]) == \
            ("COGNITO_USER_POOLS", authorizer["id"], validator["id"])
        assert method["requestParameters"] == {"method.request.querystring.kind": True}
        assert method["requestModels"] == {"application/json": "Thing"}
        assert method["methodResponses"]["200"]["statusCode"] == "200"
        assert method["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"] == {
            "application/json": "{\"made\": true}"}
        settings = api.get_stage(restApiId=out["Api"], stageName="v1")["methodSettings"]["*/*"]
        assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (50.0, 20)
        pong = requests.get(f"{stack_url}/_aws/execute-api/{out['FromS3']}/v1/ping", timeout=30)
        assert pong.status_code == 200 and pong.json() == {"pong": True}
        unauthorized = requests.post(f"{stack_url}/_aws/execute-api/{out['Api']}/v1/things", json={}, timeout=30)
        assert unauthorized.status_code == 401  # the authorizer from the template guards the method
    finally:
        cf.delete_stack(StackName=stack["StackName"])
        for key in ("layer.zip", "openapi.json"):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)


def test_a_bucket_policy_from_a_template_is_enforced_without_its_conditional_statements(cfn, clients):
    """AWS::S3::BucketPolicy (SAM CLI's managed stack for `sam deploy --resolve-s3` has one): set with the stack,
    removed with it; an unconditional Deny denies, a statement with a Condition (the usual deny of insecure
    transport) is left out, since conditions are not evaluated here (docs/differences.md)."""
    cf, made = cfn
    s3 = clients("s3")
    bucket = _name("policy-bucket")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/locked/*"}]}
    stack = _create(cf, made, {"Resources": {"Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": bucket, "PolicyDocument": policy}}}, "Outputs": {"Policy": {"Value": {"Ref": "Policy"}}}})
    try:
        assert stack["StackStatus"] == "CREATE_COMPLETE", _events(cf, stack["StackName"])[-3:]
        assert _outputs(stack)["Policy"] == bucket
        assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
        s3.put_object(Bucket=bucket, Key="open/x", Body=b"x")  # the conditional Deny does not apply
        with pytest.raises(botocore.exceptions.ClientError) as denied:
            s3.put_object(Bucket=bucket, Key="locked/x", Body=b"x")
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        cf.delete_stack(StackName=stack["StackName"])
        with pytest.raises(botocore.exceptions.ClientError) as gone:
            s3.get_bucket_policy(Bucket=bucket)
        assert gone.value.response["Error"]["Code"] == "NoSuchBucketPolicy"
    finally:
        s3.delete_object(Bucket=bucket, Key="open/x")
        s3.delete_bucket(Bucket=bucket)
