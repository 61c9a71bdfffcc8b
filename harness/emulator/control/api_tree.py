"""Read one of moto's REST APIs into the frozen `ApiTree` a deployment serves.

A method's authorizer and request validator are resolved into the snapshot (a deployment freezes them, as on
AWS); models are kept by name with their schema text (resolved when a body is validated), gateway responses by
type. moto's shapes: `Method.authorizer_id`, `request_validator_id`, `request_models`, `request_parameters`,
`method_responses`; `Integration.request_templates`, `passthrough_behaviour` (sic), `integration_responses`;
`Authorizer.authorizer_result_ttl` (None when not given: AWS's default is 300 s).
Left out: canary settings, documentation parts, VPC links.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Iterable, Mapping

from ..snapshots import (
    ApiTree,
    AuthorizerSnapshot,
    GatewayResponseSnapshot,
    IntegrationResponseSnapshot,
    IntegrationSnapshot,
    MethodSnapshot,
    ResourceSnapshot,
    ValidatorSnapshot,
)

DEFAULT_AUTHORIZER_TTL = 300


def _texts(value: Any) -> Mapping[str, str]:
    """A frozen str -> str map of a moto dict (None values dropped)."""
    if not isinstance(value, dict):
        return MappingProxyType({})
    return MappingProxyType({str(k): str(v) for k, v in value.items() if v is not None})


def _flags(value: Any) -> Mapping[str, bool]:
    if not isinstance(value, dict):
        return MappingProxyType({})
    return MappingProxyType({str(k): v is True or str(v).lower() == "true" for k, v in value.items()})


def _ttl(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_AUTHORIZER_TTL
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return DEFAULT_AUTHORIZER_TTL


def authorizer_snapshot(auth: Any) -> AuthorizerSnapshot:
    return AuthorizerSnapshot(
        id=str(auth.id), name=str(auth.name or ""), type=str(auth.type or "").upper(),
        uri=auth.authorizer_uri, credentials=auth.authorizer_credentials or None,
        identity_source=auth.identity_source, validation_expression=auth.identity_validation_expression or None,
        ttl_s=_ttl(auth.authorizer_result_ttl), provider_arns=tuple(auth.provider_arns or ()))


def _integration(integ: Any) -> IntegrationSnapshot:
    responses = []
    for status, response in list((integ.integration_responses or {}).items()):
        responses.append(IntegrationResponseSnapshot(
            status_code=str(status), selection_pattern=response.selection_pattern or None,
            parameters=_texts(response.response_parameters), templates=_texts(response.response_templates),
            content_handling=response.content_handling))
    return IntegrationSnapshot(
        type=(integ.integration_type or "").upper(),
        http_method=integ.http_method,
        uri=integ.uri,
        timeout_ms=int(integ.timeout_in_millis or 29000),
        content_handling=integ.content_handling,
        request_templates=_texts(integ.request_templates),
        request_parameters=_texts(integ.request_parameters),
        passthrough_behavior=str(getattr(integ, "passthrough_behaviour", None) or "WHEN_NO_MATCH").upper(),
        credentials=integ.credentials or None,
        responses=tuple(responses),
    )


def _resources(api: Any) -> Iterable[ResourceSnapshot]:
    validators = {v.id: v for v in list(api.request_validators.values())}
    for resource in list(api.resources.values()):
        methods = {}
        for verb, method in list(resource.resource_methods.items()):
            integ = method.method_integration
            auth = api.authorizers.get(method.authorizer_id) if method.authorizer_id else None
            validator = validators.get(method.request_validator_id) if method.request_validator_id else None
            methods[verb.upper()] = MethodSnapshot(
                http_method=verb.upper(),
                authorization_type=(method.authorization_type or "NONE").upper(),
                api_key_required=bool(method.api_key_required),
                integration=None if integ is None else _integration(integ),
                authorizer=None if auth is None else authorizer_snapshot(auth),
                authorization_scopes=tuple(method.authorization_scopes or ()),
                request_parameters=_flags(method.request_parameters),
                validator=None if validator is None else ValidatorSnapshot(
                    id=validator.id, name=str(validator.name or ""), body=bool(validator.validate_request_body),
                    parameters=bool(validator.validate_request_parameters)),
                request_models=_texts(method.request_models),
                response_codes=tuple(str(c) for c in list(method.method_responses)),
            )
        yield ResourceSnapshot(id=resource.id, path=resource.get_path(), methods=MappingProxyType(methods))


def api_tree(api: Any) -> ApiTree:
    """The API as a deployment made now would freeze it."""
    models = {m.name: m.schema for m in list(api.models.values()) if m.schema}
    responses = {
        str(t): GatewayResponseSnapshot(
            type=str(t), status_code=None if r.status_code in (None, "") else str(r.status_code),
            parameters=_texts(r.response_parameters), templates=_texts(r.response_templates))
        for t, r in list(api.gateway_responses.items())
    }
    return ApiTree(resources=tuple(_resources(api)), models=MappingProxyType(models),
                   gateway_responses=MappingProxyType(responses))
