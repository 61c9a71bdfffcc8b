"""Where moto's API Gateway control plane is not AWS's, corrected around its calls (see around_moto.py).

CreateDeployment snapshots the deployed resource tree (moto keeps none: the data plane would otherwise serve
the live tree); CreateRestApi keeps `binaryMediaTypes` (moto drops them); UpdateRestApi applies
`/binaryMediaTypes/<type>` patches as AWS does (the type in the path, `~1` for `/`) and `/endpointConfiguration/...`
patches as AWS checks and applies them (apigateway_endpoints.py), while moto, which mishandles both, sees only the
other operations; its answer shows what was applied.
Left out: binary media types set through ImportRestApi/PutRestApi (moto reads them from the document itself).
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ...front.exchange import Exchange
from .apigateway_endpoints import is_endpoint_operation, patched_configuration, shown_configuration
from .around_moto import Correction, answer_json, request_dict

if TYPE_CHECKING:
    from ..plane import ControlPlane

_MEDIA = "/binaryMediaTypes"


def apigateway_corrections(control: ControlPlane) -> tuple[Correction, ...]:
    """The corrections of moto's API Gateway calls, reading and writing through `control`."""
    fixes = _ApiGatewayFixes(control)
    return (
        Correction("POST", re.compile(r"^/restapis/(?P<api>[^/]+)/deployments/?$"), after=fixes.snapshot),
        Correction("POST", re.compile(r"^/restapis/?$"), after=fixes.keep_binary_media_types),
        Correction("PATCH", re.compile(r"^/restapis/(?P<api>[^/]+)/?$"), before=fixes.hide_media_patches,
                   after=fixes.apply_media_patches),
    )


def _is_media(op: Any) -> bool:
    return isinstance(op, dict) and str(op.get("path", "")).startswith(_MEDIA)


def patched_media_types(types: list[str], operations: list[Any]) -> list[str]:
    """`types` after the `/binaryMediaTypes...` operations of an UpdateRestApi patch, as AWS applies them."""
    types = list(types)
    for op in operations:
        if not _is_media(op):
            continue
        path = str(op.get("path", ""))
        value = path[len(_MEDIA) + 1:].replace("~1", "/").replace("~0", "~") or str(op.get("value", ""))
        if op.get("op") == "add" and value and value not in types:
            types.append(value)
        elif op.get("op") == "remove" and value in types:
            types.remove(value)
        elif op.get("op") == "replace" and value:
            types = [t for t in types if t != value] + [str(op.get("value") or value)]
    return types


class _ApiGatewayFixes:
    def __init__(self, control: ControlPlane) -> None:
        self.control = control

    def snapshot(self, exchange: Exchange) -> None:
        """CreateDeployment: freeze the resource tree the deployment serves."""
        deployment_id = answer_json(exchange).get("id")
        if isinstance(deployment_id, str):
            self.control.snapshot_deployment(exchange.params["api"], deployment_id)

    def keep_binary_media_types(self, exchange: Exchange) -> None:
        """CreateRestApi: store the `binaryMediaTypes` moto dropped."""
        types = request_dict(exchange).get("binaryMediaTypes")
        api_id = answer_json(exchange).get("id")
        if types and isinstance(types, list) and isinstance(api_id, str):
            self.control.set_binary_media_types(api_id, [str(t) for t in types])

    def hide_media_patches(self, exchange: Exchange) -> None:
        """UpdateRestApi, before moto: refuse what AWS refuses of the endpoint configuration's patch, note the API's
        types and the patch, and hand moto the rest of it."""
        request = exchange.json()
        if not isinstance(request, dict):
            return
        operations = request.get("patchOperations") or []
        operations = operations if isinstance(operations, list) else []
        api_id = exchange.params["api"]
        current = self.control.endpoint_configuration(api_id)
        endpoints = patched_configuration(current, operations) if current is not None else None
        exchange.note = (self.control.binary_media_types(api_id), operations, endpoints)
        others = [op for op in operations if not _is_media(op) and not is_endpoint_operation(op)]
        exchange.body = json.dumps({**request, "patchOperations": others}).encode()

    def apply_media_patches(self, exchange: Exchange) -> None:
        """UpdateRestApi, after moto: apply the `/binaryMediaTypes` and `/endpointConfiguration` operations moto did
        not see, and show them in the answer."""
        if exchange.note is None:
            return
        before, operations, endpoints = exchange.note
        api_id = exchange.params["api"]
        answer = answer_json(exchange)
        if before is not None:
            types = patched_media_types(before, operations)
            self.control.set_binary_media_types(api_id, types)
            if isinstance(answer, dict):
                answer["binaryMediaTypes"] = types
        if endpoints is not None:
            self.control.set_endpoint_configuration(api_id, endpoints)
        if isinstance(answer, dict) and exchange.answer is not None:
            answer["endpointConfiguration"] = shown_configuration(self.control.endpoint_configuration(api_id))
            exchange.answer = exchange.answer._replace(body=json.dumps(answer).encode())
