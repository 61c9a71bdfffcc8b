"""CloudFormation resource types of API Gateway that moto's CloudFormation lacks or does too little of.

moto models `RestApi` (without `Body`), `Resource`, `Method` (only the integration's type, method and URI) and
`Deployment`, none of them deleted with the stack, and nothing else of API Gateway. Here each type of a REST API
project is made through moto's API Gateway backend, so the data plane serves it as it serves an API made with
API calls: `RestApi` (Body / BodyS3Location OpenAPI with x-amazon-apigateway-* extensions, BinaryMediaTypes,
updated in place), `Resource`, `Method` (Integration with IntegrationResponses, MethodResponses, AuthorizerId,
RequestValidatorId, RequestParameters, RequestModels, ApiKeyRequired), `Deployment` (StageName,
StageDescription), `Stage` (Variables, MethodSettings), `Authorizer`, `RequestValidator`, `Model`,
`GatewayResponse`, `ApiKey`, `UsagePlan`, `UsagePlanKey`, `Account`. Ref and Fn::GetAtt give what AWS's
resource type reference documents. Every one is deleted with its stack.
Left out: Stage's AccessLogSetting, CanarySetting and caching (stored only where moto keeps them), DocumentationPart.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from moto.apigateway.models import apigateway_backends
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from .apigateway_openapi import import_openapi


def generated_id(logical_id: str) -> str:
    """A physical id for a resource AWS names itself (`Logical-1A2B3C4D5E6F`, as CloudFormation draws them)."""
    return f"{logical_id[:40]}-{mock_random.get_random_string(12).upper()}"


def _backend(account_id: str, region: str) -> Any:
    return apigateway_backends[account_id][region]


class Provided(CloudFormationModel):
    """One resource made by this module: its physical id (Ref), its attributes (Fn::GetAtt), how to remove it."""

    KIND = ""
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, physical_id: str, attributes: dict[str, Any] | None = None,
                 remove: Callable[[], None] | None = None, properties: dict[str, Any] | None = None) -> None:
        self._physical_id = physical_id
        self.attributes = attributes or {}
        self._remove = remove
        self.properties = properties or {}

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    def delete(self, account_id: str, region_name: str) -> None:
        if self._remove is not None:
            self._remove()

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
            **kwargs: Any) -> Provided:
        return cls.make(_backend(account_id, region_name), dict(cloudformation_json.get("Properties") or {}),
                        kwargs.get("LogicalId", "") or resource_name, account_id, region_name)

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        raise NotImplementedError


def _ignore_missing(call: Callable[[], Any]) -> Callable[[], None]:
    def remove() -> None:
        try:
            call()
        except Exception as error:  # already gone (its API deleted first): what AWS's delete also accepts
            if "NotFound" not in type(error).__name__ and "not found" not in str(error).lower():
                raise
    return remove


def _document(body: Any) -> dict[str, Any]:
    return json.loads(body) if isinstance(body, str) else dict(body)


def _s3_document(location: dict[str, Any], account_id: str) -> dict[str, Any]:
    from moto.s3.models import s3_backends

    key = s3_backends[account_id]["aws"].get_object(location["Bucket"], location["Key"],
                                                    version_id=location.get("Version"))
    text = key.value.decode()
    try:
        return json.loads(text)
    except ValueError:
        import yaml

        return yaml.safe_load(text)


class RestApi(Provided):
    ATTRIBUTES = ("RestApiId", "RootResourceId")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::RestApi"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        body = props.get("Body")
        if body is None and props.get("BodyS3Location"):
            body = _s3_document(props["BodyS3Location"], account_id)
        document = _document(body) if body is not None else None
        name = props.get("Name") or ((document or {}).get("info") or {}).get("title")
        if not name:
            raise ValueError("Property Name is required when there is no Body (RestApi)")
        api = backend.create_rest_api(name=name, description=props.get("Description", ""),
                                      api_key_source=props.get("ApiKeySourceType"),
                                      endpoint_configuration=props.get("EndpointConfiguration"),
                                      policy=json.dumps(props["Policy"]) if isinstance(props.get("Policy"), dict)
                                      else props.get("Policy"),
                                      disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"))
        made = cls(api.id, remove=_ignore_missing(lambda: backend.delete_rest_api(api.id)), properties=props)
        made._apply(backend, api.id, document, props)
        return made

    def _apply(self, backend: Any, api_id: str, document: dict[str, Any] | None, props: dict[str, Any]) -> None:
        if document is not None:
            import_openapi(backend, api_id, document)
        api = backend.apis[api_id]
        if props.get("BinaryMediaTypes") is not None:
            api.binaryMediaTypes = [t.replace("~1", "/") for t in props["BinaryMediaTypes"]]
        root = next(r.id for r in api.resources.values() if r.path_part == "/" or r.get_path() == "/")
        self.attributes = {"RestApiId": api_id, "RootResourceId": root}

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,  # type: ignore[override]
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Provided:
        """In place, as AWS updates a RestApi: name, description, body (overwritten), binary media types."""
        backend = _backend(account_id, region_name)
        props = dict(cloudformation_json.get("Properties") or {})
        api_id = original_resource.physical_resource_id
        body = props.get("Body")
        if body is None and props.get("BodyS3Location"):
            body = _s3_document(props["BodyS3Location"], account_id)
        api = backend.apis[api_id]
        if props.get("Name"):
            api.name = props["Name"]
        api.description = props.get("Description", "")
        original_resource._apply(backend, api_id, _document(body) if body is not None else None, props)
        original_resource.properties = props
        return original_resource


class Resource(Provided):
    ATTRIBUTES = ("ResourceId",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Resource"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id = props["RestApiId"]
        resource = backend.create_resource(function_id=api_id, parent_resource_id=props["ParentId"],
                                           path_part=props["PathPart"])
        return cls(resource.id, {"ResourceId": resource.id},
                   _ignore_missing(lambda: backend.delete_resource(api_id, resource.id)))


_INTEGRATION_KEYS = {"Credentials": "credentials", "RequestTemplates": "request_templates",
                     "PassthroughBehavior": "passthrough_behavior", "TlsConfig": "tls_config",
                     "CacheNamespace": "cache_namespace", "TimeoutInMillis": "timeout_in_millis",
                     "RequestParameters": "request_parameters", "ContentHandling": "content_handling",
                     "ConnectionType": "connection_type"}


class Method(Provided):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Method"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id, resource_id, verb = props["RestApiId"], props["ResourceId"], props["HttpMethod"].upper()
        backend.put_method(function_id=api_id, resource_id=resource_id, method_type=verb,
                           authorization_type=props.get("AuthorizationType") or "NONE",
                           api_key_required=bool(props.get("ApiKeyRequired", False)),
                           request_parameters=props.get("RequestParameters"),
                           request_models=props.get("RequestModels"), operation_name=props.get("OperationName"),
                           authorizer_id=props.get("AuthorizerId"),
                           authorization_scopes=props.get("AuthorizationScopes"),
                           request_validator_id=props.get("RequestValidatorId"))
        for response in props.get("MethodResponses") or []:
            backend.put_method_response(api_id, resource_id, verb, str(response["StatusCode"]),
                                        response.get("ResponseModels"), response.get("ResponseParameters"))
        integration = props.get("Integration")
        if integration:
            kind = integration["Type"].upper()
            backend.put_integration(
                function_id=api_id, resource_id=resource_id, method_type=verb, integration_type=kind,
                uri=integration.get("Uri"),
                integration_method=integration.get("IntegrationHttpMethod") or (verb if kind == "MOCK" else None),
                **{ours: integration[theirs] for theirs, ours in _INTEGRATION_KEYS.items() if theirs in integration})
            for response in integration.get("IntegrationResponses") or []:
                backend.put_integration_response(api_id, resource_id, verb, str(response["StatusCode"]),
                                                 response.get("SelectionPattern"),
                                                 response.get("ResponseTemplates"),
                                                 response.get("ResponseParameters"),
                                                 content_handling=response.get("ContentHandling"))
        return cls(generated_id(logical_id), remove=_ignore_missing(
            lambda: backend.delete_method(api_id, resource_id, verb)))


def _stage_settings(stage: Any, props: dict[str, Any]) -> None:
    """MethodSettings and tracing as the stage keeps them (`*/*`, `~1db-api/ANY`: AWS's keys)."""
    settings = {}
    for entry in props.get("MethodSettings") or []:
        path = entry.get("ResourcePath") or "/*"
        key = f"{'*' if path == '/*' else path.replace('/', '~1')}/{entry.get('HttpMethod') or '*'}"
        settings[key] = {name[0].lower() + name[1:]: value for name, value in entry.items()
                         if name not in ("ResourcePath", "HttpMethod")}
    stage.method_settings = settings
    if props.get("TracingEnabled") is not None:
        stage.tracing_enabled = bool(props["TracingEnabled"])


class Deployment(Provided):
    ATTRIBUTES = ("DeploymentId",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Deployment"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id, stage_name = props["RestApiId"], props.get("StageName")
        described = props.get("StageDescription") or {}
        deployment = backend.create_deployment(function_id=api_id, name=stage_name,
                                               description=props.get("Description", ""),
                                               stage_variables=described.get("Variables"))
        if stage_name:
            stage = backend.apis[api_id].stages[stage_name]
            _stage_settings(stage, described)

        def remove() -> None:
            api = backend.apis.get(api_id)
            if api is None:
                return
            for name, stage in list(api.stages.items()):
                if stage.deployment_id == deployment.id and name == stage_name:
                    api.stages.pop(name, None)
            api.deployments.pop(deployment.id, None)
        return cls(deployment.id, {"DeploymentId": deployment.id}, remove)


class Stage(Provided):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Stage"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id, name = props["RestApiId"], props.get("StageName") or generated_id(logical_id).lower()
        stage = backend.create_stage(api_id, name, props["DeploymentId"], variables=props.get("Variables"),
                                     description=props.get("Description", ""),
                                     cacheClusterEnabled=props.get("CacheClusterEnabled"),
                                     cacheClusterSize=props.get("CacheClusterSize"),
                                     tags={t["Key"]: t["Value"] for t in props.get("Tags") or []} or None,
                                     tracing_enabled=props.get("TracingEnabled"))
        _stage_settings(stage, props)
        return cls(name, remove=_ignore_missing(lambda: backend.delete_stage(api_id, name)), properties=props)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,  # type: ignore[override]
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Provided:
        """In place (the same stage name and API): deployment, variables, description, method settings."""
        props = dict(cloudformation_json.get("Properties") or {})
        old = original_resource.properties
        if props.get("RestApiId") != old.get("RestApiId") or props.get("StageName") != old.get("StageName"):
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                       region_name)
        api = _backend(account_id, region_name).apis[props["RestApiId"]]
        stage = api.stages[original_resource.physical_resource_id]
        stage.deployment_id = props["DeploymentId"]
        stage.variables = dict(props.get("Variables") or {})
        stage.description = props.get("Description", "")
        _stage_settings(stage, props)
        original_resource.properties = props
        return original_resource


class ApiKey(Provided):
    ATTRIBUTES = ("APIKeyId",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::ApiKey"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        payload = {"name": props.get("Name") or generated_id(logical_id), "description": props.get("Description"),
                   "enabled": bool(props.get("Enabled", False)), "value": props.get("Value"),
                   "generateDistinctId": bool(props.get("GenerateDistinctId", False)),
                   "customerId": props.get("CustomerId"),
                   "stageKeys": [{"restApiId": s.get("RestApiId"), "stageName": s.get("StageName")}
                                 for s in props.get("StageKeys") or []]}
        key = backend.create_api_key({k: v for k, v in payload.items() if v is not None})
        return cls(key.id, {"APIKeyId": key.id}, _ignore_missing(lambda: backend.delete_api_key(key.id)))


class UsagePlan(Provided):
    ATTRIBUTES = ("Id",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::UsagePlan"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        def lower(d: dict[str, Any] | None) -> dict[str, Any] | None:
            return None if d is None else {k[0].lower() + k[1:]: v for k, v in d.items()}
        payload = {"name": props.get("UsagePlanName") or generated_id(logical_id),
                   "description": props.get("Description"), "throttle": lower(props.get("Throttle")),
                   "quota": lower(props.get("Quota")),
                   "apiStages": [{"apiId": s.get("ApiId"), "stage": s.get("Stage"),
                                  **({"throttle": {p: lower(t) for p, t in s["Throttle"].items()}}
                                     if s.get("Throttle") else {})} for s in props.get("ApiStages") or []]}
        plan = backend.create_usage_plan({k: v for k, v in payload.items() if v is not None})
        return cls(plan.id, {"Id": plan.id}, _ignore_missing(lambda: backend.delete_usage_plan(plan.id)))


class UsagePlanKey(Provided):
    ATTRIBUTES = ("Id",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::UsagePlanKey"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        plan_id, key_id = props["UsagePlanId"], props["KeyId"]
        backend.create_usage_plan_key(plan_id, {"keyId": key_id, "keyType": props.get("KeyType", "API_KEY")})
        return cls(f"{key_id}:{plan_id}", {"Id": f"{key_id}:{plan_id}"},
                   _ignore_missing(lambda: backend.delete_usage_plan_key(plan_id, key_id)))


class Authorizer(Provided):
    ATTRIBUTES = ("AuthorizerId",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Authorizer"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id = props["RestApiId"]
        ttl = props.get("AuthorizerResultTtlInSeconds")
        authorizer = backend.create_authorizer(
            api_id, props["Name"], props["Type"], provider_arns=props.get("ProviderARNs"),
            auth_type=props.get("AuthType"), authorizer_uri=props.get("AuthorizerUri"),
            authorizer_credentials=props.get("AuthorizerCredentials"),
            identity_source=props.get("IdentitySource"),
            identiy_validation_expression=props.get("IdentityValidationExpression"),
            authorizer_result_ttl=300 if ttl is None else int(ttl))
        return cls(authorizer.id, {"AuthorizerId": authorizer.id},
                   _ignore_missing(lambda: backend.delete_authorizer(api_id, authorizer.id)))


class RequestValidator(Provided):
    ATTRIBUTES = ("RequestValidatorId",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::RequestValidator"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id = props["RestApiId"]
        validator = backend.create_request_validator(api_id, props.get("Name") or generated_id(logical_id),
                                                     bool(props.get("ValidateRequestBody", False)),
                                                     bool(props.get("ValidateRequestParameters", False)))
        return cls(validator.id, {"RequestValidatorId": validator.id},
                   _ignore_missing(lambda: backend.delete_request_validator(api_id, validator.id)))


class Model(Provided):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Model"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id = props["RestApiId"]
        name = props.get("Name") or generated_id(logical_id).replace("-", "")
        schema = props.get("Schema")
        backend.create_model(api_id, name, props.get("ContentType") or "application/json",
                             props.get("Description", ""),
                             json.dumps(schema) if isinstance(schema, (dict, list)) else schema)
        return cls(name, remove=_ignore_missing(lambda: backend.delete_model(api_id, name)))


class GatewayResponse(Provided):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::GatewayResponse"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        api_id, kind = props["RestApiId"], props["ResponseType"]
        backend.put_gateway_response(api_id, kind, props.get("StatusCode"), props.get("ResponseParameters"),
                                     props.get("ResponseTemplates"))
        return cls(generated_id(logical_id),
                   remove=_ignore_missing(lambda: backend.delete_gateway_response(api_id, kind)))


class Account(Provided):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Account"

    @classmethod
    def make(cls, backend: Any, props: dict[str, Any], logical_id: str, account_id: str, region: str) -> Provided:
        if props.get("CloudWatchRoleArn"):
            backend.update_account([{"op": "replace", "path": "/cloudwatchRoleArn",
                                     "value": props["CloudWatchRoleArn"]}])
        return cls(generated_id(logical_id))


MODELS: tuple[type[Provided], ...] = (RestApi, Resource, Method, Deployment, Stage, ApiKey, UsagePlan,
                                      UsagePlanKey, Authorizer, RequestValidator, Model, GatewayResponse, Account)
