"""CloudFormation resource types of a REST API project that moto's CloudFormation has no model for (or a model
without Fn::GetAtt or a physical id), made through moto's own backends: `AWS::Lambda::Version`,
`AWS::Lambda::LayerVersion`, `AWS::Lambda::Alias`,
`AWS::Lambda::EventInvokeConfig`,
`AWS::Cognito::UserPool`, `AWS::Cognito::UserPoolClient`, `AWS::S3::BucketPolicy`. Ref and Fn::GetAtt as AWS's
resource type reference documents them; each is deleted with its stack.
`fix_functions` makes moto's `AWS::Lambda::Function` keep the properties moto dropped (Layers, Tags...) and
take inline `ZipFile` code on update as on creation (moto read the source text as base64).
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


class LayerVersion(Provided):
    """moto's model has no physical id, so a `Ref` to it gave the model itself and a function lost its layers."""

    ATTRIBUTES = ("LayerVersionArn",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::LayerVersion"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        from .cloudformation_apigateway import generated_id

        lambdas = lambda_backends[account_id][region]
        name = props.get("LayerName") or generated_id(logical_id)
        spec = {"LayerName": name, "Content": props["Content"],
                **{k: props[k] for k in ("Description", "CompatibleRuntimes", "CompatibleArchitectures",
                                         "LicenseInfo") if k in props}}
        layer = lambdas.publish_layer_version(spec)
        return cls(layer.arn, {"LayerVersionArn": layer.arn},
                   _ignore_missing(lambda: lambdas.delete_layer_version(name, str(layer.version))))


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


class BucketPolicy(Provided):
    """The bucket's policy (SAM CLI's managed stack for `sam deploy --resolve-s3` has one); its physical id is the
    bucket's name (the resource schema's primary identifier); deleting it removes the bucket's policy."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        import json

        from moto.s3.models import s3_backends

        s3 = s3_backends[account_id]["aws"]
        bucket = str(props["Bucket"])
        document = props["PolicyDocument"]
        s3.put_bucket_policy(bucket, (document if isinstance(document, str) else json.dumps(document)).encode())

        def remove() -> None:
            if bucket in s3.buckets:  # a bucket deleted first took its policy with it
                s3.delete_bucket_policy(bucket)
        return cls(bucket, remove=remove)


_MORE_FUNCTION_PROPERTIES = ("Layers", "Architectures", "DeadLetterConfig", "TracingConfig", "EphemeralStorage",
                             "PackageType", "ImageConfig", "LoggingConfig", "KmsKeyArn")


def fix_functions() -> None:
    """An `AWS::Lambda::Function` keeps its Layers, Tags, Architectures... (moto's model passed only seven
    properties to CreateFunction), and an update zips inline `ZipFile` source as creation does (moto read the
    source text as base64). Idempotent."""
    import base64

    from moto.awslambda.models import LambdaFunction, lambda_backends as backends

    if getattr(LambdaFunction.update_from_cloudformation_json, "_harness", False):
        return
    original_update = LambdaFunction.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def zipped(cls: Any, cloudformation_json: dict[str, Any]) -> dict[str, Any]:
        code = (cloudformation_json.get("Properties") or {}).get("Code") or {}
        if not isinstance(code.get("ZipFile"), str):
            return cloudformation_json
        data = base64.b64encode(cls._create_zipfile_from_plaintext_code(code["ZipFile"])).decode()
        return {**cloudformation_json, "Properties": {**cloudformation_json["Properties"],
                                                      "Code": {**code, "ZipFile": data}}}

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> Any:
        return original_update(cls, original_resource, new_resource_name, zipped(cls, cloudformation_json),
                               account_id, region_name)

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        """moto's creation, with every property CreateFunction takes (CloudFormation's names are the API's)."""
        props = zipped(cls, cloudformation_json).get("Properties") or {}
        spec = {"FunctionName": resource_name, **{k: props[k] for k in (
            "Code", "Handler", "Role", "Runtime", "Description", "MemorySize", "Publish", "Timeout", "VpcConfig",
            "Environment", *_MORE_FUNCTION_PROPERTIES) if k in props}}
        tags = {t["Key"]: t["Value"] for t in props.get("Tags") or [] if isinstance(t, dict)}
        if tags:
            spec["Tags"] = tags
        fn = backends[account_id][region_name].create_function(spec)
        if props.get("ReservedConcurrentExecutions") is not None:
            backends[account_id][region_name].put_function_concurrency(
                fn.function_name, str(props["ReservedConcurrentExecutions"]))
        return fn
    update._harness = True  # type: ignore[attr-defined]
    LambdaFunction.update_from_cloudformation_json = classmethod(update)  # type: ignore[assignment]
    LambdaFunction.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]


MODELS: tuple[type[Provided], ...] = (Version, LayerVersion, Alias, EventInvokeConfig, UserPool, UserPoolClient,
                                       BucketPolicy)
