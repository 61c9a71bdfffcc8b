"""moto's PutGatewayResponse answers 200 where AWS answers 201 Created (API reference, PutGatewayResponse).
Left out: moto's other gateway-response gaps (UpdateGatewayResponse patches are moto's as is).
"""
from __future__ import annotations

import re

from ...front.exchange import Exchange
from .around_moto import Correction


def _created(exchange: Exchange) -> None:
    assert exchange.answer is not None
    exchange.answer = exchange.answer._replace(status=201)


def gateway_response_corrections() -> tuple[Correction, ...]:
    """The corrections of moto's gateway-response calls."""
    return (Correction("PUT", re.compile(r"^/restapis/(?P<api>[^/]+)/gatewayresponses/(?P<type>[^/]+)/?$"),
                       after=_created),)
