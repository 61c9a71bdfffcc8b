"""CloudFormation resource types of a REST API project that moto's CloudFormation has no model for (or a model
without Fn::GetAtt), made through moto's own backends: `AWS::Lambda::Version`, `AWS::Lambda::Alias`,
`AWS::Lambda::EventInvokeConfig`,
`AWS::Cognito::UserPool`, `AWS::Cognito::UserPoolClient`. Ref and Fn::GetAtt as AWS's resource type reference
documents them; each is deleted with its stack.
`fix_function_updates` makes moto's update of an `AWS::Lambda::Function` take inline `ZipFile` code as its
creation does (moto read the source text as base64).
Left out: an alias's ProvisionedConcurrencyConfig, user pool triggers, domains and identity providers.
"""
from __future__ import annotations

from typing import Any

from moto.awslambda.models import lambda_backends
from moto.cognitoidp.models import cognitoidp_backends

from .cloudformation_apigateway import Provided, _ignore_missing


class Version(Provided):
    ATTRIBUTES = ("Version", "FunctionArn")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        lambdas = lambda_backends[account_id][region]
        function = props["FunctionName"]
        base = lambdas.get_function(function).function_arn
        version = str(lambdas.publish_version(function, props.get("Description", "")).version)
        return cls(f"{base}:{version}", {"Version": version, "FunctionArn": base})


class Alias(Provided):
    ATTRIBUTES = ("AliasArn",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        lambdas = lambda_backends[account_id][region]
        function, name = props["FunctionName"], props["Name"]
        alias = lambdas.create_alias(name, function, str(props["FunctionVersion"]), props.get("Description", ""),
                                     props.get("RoutingConfig"))
        return cls(alias.arn, {"AliasArn": alias.arn}, _ignore_missing(lambda: lambdas.delete_alias(name, function)))


class EventInvokeConfig(Provided):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        lambdas = lambda_backends[account_id][region]
        qualifier = str(props.get("Qualifier") or "$LATEST")
        function = props["FunctionName"] if qualifier == "$LATEST" else f"{props['FunctionName']}:{qualifier}"
        config = {key: props[key] for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                                               "DestinationConfig") if key in props}
        lambdas.put_function_event_invoke_config(function, config)
        return cls(f"{props['FunctionName']}:{qualifier}",
                   remove=_ignore_missing(lambda: lambdas.delete_function_event_invoke_config(function)))


class UserPool(Provided):
    ATTRIBUTES = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        pools = cognitoidp_backends[account_id][region]
        config = {k: v for k, v in props.items() if k != "UserPoolName"}  # the API's names: CloudFormation's
        pool = pools.create_user_pool(props.get("UserPoolName") or logical_id, config)
        provider = f"cognito-idp.{region}.amazonaws.com/{pool.id}"
        return cls(pool.id, {"Arn": pool.arn, "ProviderName": provider, "ProviderURL": f"https://{provider}",
                             "UserPoolId": pool.id}, _ignore_missing(lambda: pools.delete_user_pool(pool.id)))


class UserPoolClient(Provided):
    ATTRIBUTES = ("ClientSecret", "Name", "ClientId")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        pools = cognitoidp_backends[account_id][region]
        pool_id = props["UserPoolId"]
        config = {k: v for k, v in props.items() if k not in ("UserPoolId", "GenerateSecret")}
        config.setdefault("ClientName", logical_id)
        client = pools.create_user_pool_client(pool_id, bool(props.get("GenerateSecret", False)), config)
        return cls(client.id, {"ClientSecret": getattr(client, "secret", None), "Name": config["ClientName"],
                               "ClientId": client.id},
                   _ignore_missing(lambda: pools.delete_user_pool_client(pool_id, client.id)))


def fix_function_updates() -> None:
    """An updated function's inline `ZipFile` source is zipped as at creation (idempotent)."""
    import base64

    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.update_from_cloudformation_json
    if getattr(original, "_harness", False):
        return

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> Any:
        code = (cloudformation_json.get("Properties") or {}).get("Code") or {}
        if isinstance(code.get("ZipFile"), str):
            zipped = base64.b64encode(cls._create_zipfile_from_plaintext_code(code["ZipFile"])).decode()
            cloudformation_json = {**cloudformation_json, "Properties": {
                **cloudformation_json["Properties"], "Code": {**code, "ZipFile": zipped}}}
        return original.__func__(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                 region_name)
    update._harness = True  # type: ignore[attr-defined]
    LambdaFunction.update_from_cloudformation_json = classmethod(update)  # type: ignore[assignment]


MODELS: tuple[type[Provided], ...] = (Version, Alias, EventInvokeConfig, UserPool, UserPoolClient)
