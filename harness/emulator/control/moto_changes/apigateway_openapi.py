"""A REST API's definition from an OpenAPI 3 or Swagger 2.0 document with API Gateway's extensions, as AWS
imports it (a RestApi's `Body` / `BodyS3Location`, SAM's generated Swagger): moto's import takes only OpenAPI
3, keeps `x-amazon-apigateway-any-method` as a method named so, and drops security, parameters and models.

Imported (overwriting the API's resources): paths and methods (`x-amazon-apigateway-any-method` is ANY),
`x-amazon-apigateway-integration` (type, URI, method, credentials, request templates and parameters,
passthrough, content handling, timeout, responses), `security` (an `x-amazon-apigateway-authorizer` scheme
becomes an authorizer and the method's CUSTOM / COGNITO_USER_POOLS authorization, an `apiKey` scheme named
`api_key`/`x-api-key` makes the key required, `x-amazon-apigateway-authtype: awsSigv4` AWS_IAM), parameters
(as method request parameters), request bodies' schemas (as models and request models), method responses,
`x-amazon-apigateway-request-validators` / `-request-validator`, `x-amazon-apigateway-binary-media-types`,
`x-amazon-apigateway-gateway-responses`, `x-amazon-apigateway-api-key-source`.
Left out: documentation parts, `x-amazon-apigateway-policy`, endpoint configuration from the document, merge mode.
"""
from __future__ import annotations

import json
from typing import Any

VERBS = {"get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method"}
_PARAMETER_PLACES = {"header": "header", "query": "querystring", "path": "path"}


def import_openapi(backend: Any, api_id: str, document: dict[str, Any]) -> None:
    """Replace the API's resources and methods with the document's."""
    api = backend.apis[api_id]
    root = next(r for r in api.resources.values() if r.get_path() == "/")
    for resource_id in [r for r in api.resources if r != root.id]:
        del api.resources[resource_id]
    root.resource_methods.clear()
    models = _import_models(backend, api_id, document)
    authorizers, key_schemes, sigv4 = _import_security(backend, api_id, document)
    validators = {name: backend.create_request_validator(api_id, name, bool(v.get("validateRequestBody")),
                                                         bool(v.get("validateRequestParameters"))).id
                  for name, v in (document.get("x-amazon-apigateway-request-validators") or {}).items()}
    default_validator = document.get("x-amazon-apigateway-request-validator")
    for path, item in sorted((document.get("paths") or {}).items()):
        resource_id = _ensure_resource(backend, api, root.id, path)
        shared = item.get("parameters") or []
        for verb, operation in item.items():
            if verb.lower() not in VERBS or not isinstance(operation, dict):
                continue
            method = "ANY" if verb.lower() == "x-amazon-apigateway-any-method" else verb.upper()
            names = [n for need in (operation.get("security", document.get("security")) or []) for n in need]
            authorizer = next((authorizers[n] for n in names if n in authorizers), None)
            authorization = "NONE"
            if authorizer is not None:
                authorization = "COGNITO_USER_POOLS" if authorizer[1] == "COGNITO_USER_POOLS" else "CUSTOM"
            elif any(n in sigv4 for n in names):
                authorization = "AWS_IAM"
            validator = operation.get("x-amazon-apigateway-request-validator", default_validator)
            backend.put_method(
                api_id, resource_id, method, authorization,
                api_key_required=any(n in key_schemes for n in names),
                request_parameters=_parameters(shared + (operation.get("parameters") or [])) or None,
                request_models=_request_models(operation, models) or None,
                operation_name=operation.get("operationId"),
                authorizer_id=authorizer[0] if authorizer else None,
                request_validator_id=validators.get(validator) if validator else None)
            for code, response in (operation.get("responses") or {}).items():
                headers = (response or {}).get("headers") or {}
                backend.put_method_response(api_id, resource_id, method, str(code), None,
                                            {f"method.response.header.{h}": False for h in headers} or None)
            integration = operation.get("x-amazon-apigateway-integration")
            if integration:
                _put_integration(backend, api_id, resource_id, method, integration)
    if document.get("x-amazon-apigateway-binary-media-types") is not None:
        api.binaryMediaTypes = list(document["x-amazon-apigateway-binary-media-types"])
    if document.get("x-amazon-apigateway-api-key-source"):
        api.api_key_source = document["x-amazon-apigateway-api-key-source"]
    for kind, response in (document.get("x-amazon-apigateway-gateway-responses") or {}).items():
        backend.put_gateway_response(api_id, kind, response.get("statusCode"), response.get("responseParameters"),
                                     response.get("responseTemplates"))


def _ensure_resource(backend: Any, api: Any, root_id: str, path: str) -> str:
    parent, so_far = root_id, ""
    for part in [p for p in path.split("/") if p]:
        so_far += "/" + part
        found = next((r for r in api.resources.values() if r.get_path() == so_far), None)
        parent = found.id if found is not None else backend.create_resource(api.id, parent, part).id
    return parent


def _import_models(backend: Any, api_id: str, document: dict[str, Any]) -> set[str]:
    schemas = document.get("definitions") or (document.get("components") or {}).get("schemas") or {}
    for name, schema in schemas.items():
        backend.create_model(api_id, name, "application/json", schema.get("description", ""), json.dumps(schema))
    return set(schemas)


def _import_security(backend: Any, api_id: str, document: dict[str, Any]
                     ) -> tuple[dict[str, tuple[str, str]], set[str], set[str]]:
    schemes = document.get("securityDefinitions") or (document.get("components") or {}).get("securitySchemes") or {}
    authorizers: dict[str, tuple[str, str]] = {}
    keys, sigv4 = set(), set()
    for name, scheme in schemes.items():
        spec = scheme.get("x-amazon-apigateway-authorizer")
        if spec:
            kind = {"token": "TOKEN", "request": "REQUEST", "cognito_user_pools": "COGNITO_USER_POOLS"}.get(
                str(spec.get("type", "token")).lower(), str(spec.get("type")).upper())
            source = spec.get("identitySource") or (f"method.request.header.{scheme['name']}"
                                                    if scheme.get("in") == "header" and scheme.get("name") else None)
            made = backend.create_authorizer(
                api_id, name, kind, provider_arns=spec.get("providerARNs"),
                auth_type=scheme.get("x-amazon-apigateway-authtype"), authorizer_uri=spec.get("authorizerUri"),
                authorizer_credentials=spec.get("authorizerCredentials"), identity_source=source,
                identiy_validation_expression=spec.get("identityValidationExpression"),
                authorizer_result_ttl=int(spec.get("authorizerResultTtlInSeconds", 300)))
            authorizers[name] = (made.id, kind)
        elif str(scheme.get("x-amazon-apigateway-authtype", "")).lower() in ("awssigv4", "aws_iam"):
            sigv4.add(name)
        elif scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == "x-api-key":
            keys.add(name)
    return authorizers, keys, sigv4


def _parameters(parameters: list[Any]) -> dict[str, bool]:
    found = {}
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("in") in _PARAMETER_PLACES and parameter.get("name"):
            found[f"method.request.{_PARAMETER_PLACES[parameter['in']]}.{parameter['name']}"] = \
                bool(parameter.get("required", False))
    return found


def _model_name(schema: Any, models: set[str]) -> str | None:
    ref = (schema or {}).get("$ref") if isinstance(schema, dict) else None
    name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None
    return name if name in models else None


def _request_models(operation: dict[str, Any], models: set[str]) -> dict[str, str]:
    found = {}
    for parameter in operation.get("parameters") or []:
        if isinstance(parameter, dict) and parameter.get("in") == "body":
            name = _model_name(parameter.get("schema"), models)
            if name:
                for content_type in operation.get("consumes") or ["application/json"]:
                    found[content_type] = name
    for content_type, body in ((operation.get("requestBody") or {}).get("content") or {}).items():
        name = _model_name((body or {}).get("schema"), models)
        if name:
            found[content_type] = name
    return found


def _put_integration(backend: Any, api_id: str, resource_id: str, method: str, spec: dict[str, Any]) -> None:
    kind = str(spec.get("type", "")).upper()
    optional = {"credentials": spec.get("credentials"), "request_templates": spec.get("requestTemplates"),
                "passthrough_behavior": str(spec["passthroughBehavior"]).upper()
                if spec.get("passthroughBehavior") else None,
                "cache_namespace": spec.get("cacheNamespace"), "timeout_in_millis": spec.get("timeoutInMillis"),
                "request_parameters": spec.get("requestParameters"), "content_handling": spec.get("contentHandling"),
                "connection_type": spec.get("connectionType")}
    backend.put_integration(api_id, resource_id, method, kind, spec.get("uri"),
                            spec.get("httpMethod") or (method if kind == "MOCK" else None),
                            **{k: v for k, v in optional.items() if v is not None})
    for pattern, response in (spec.get("responses") or {}).items():
        backend.put_integration_response(api_id, resource_id, method, str(response.get("statusCode", "200")),
                                         None if pattern == "default" else pattern,
                                         response.get("responseTemplates"), response.get("responseParameters"),
                                         content_handling=response.get("contentHandling"))
