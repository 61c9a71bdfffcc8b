"""Corrections around moto's control-plane calls: what one is (`Correction`), and the two chain handlers that
apply them (`Corrections.before`, a request handler; `Corrections.after`, a response handler).

A `Correction` names one call (verb and path pattern) and up to two chain handlers: `before` runs ahead of moto
(it may refuse with the AwsError AWS answers, change the body moto sees, or keep in `exchange.note` what it
needs afterwards); `after` runs once moto answered 2xx (it records what moto lacks, or corrects the answer).
The path pattern's named groups reach both, percent-decoded, as `exchange.params`. A call no correction names
costs one dictionary look-up by verb.
Left out: corrections of failed calls (moto's 4xx/5xx answers pass untouched).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import unquote

from ...front.exchange import Exchange, Handler


@dataclass(frozen=True)
class Correction:
    """What the emulator does around one moto call."""

    method: str
    route: re.Pattern[str]
    before: Handler | None = None
    after: Handler | None = None


class Corrections:
    """The chain handlers that apply a set of corrections around moto."""

    def __init__(self, corrections: Iterable[Correction]) -> None:
        by_method: dict[str, list[Correction]] = {}
        for correction in corrections:
            by_method.setdefault(correction.method, []).append(correction)
        self._by_method = {method: tuple(found) for method, found in by_method.items()}

    def before(self, exchange: Exchange) -> None:
        """Request handler: run the `before` of every correction whose route matches the call, in order (the
        first to refuse ends it); `exchange.params` holds the last match's parameters."""
        applied: list[tuple[Correction, dict[str, str]]] = []
        for correction in self._by_method.get(exchange.method, ()):
            match = correction.route.match(exchange.path)
            if match:
                _ = exchange.body  # read now: moto consumes the stream, and `after` may need the request
                params = {key: unquote(value) for key, value in match.groupdict().items()}
                applied.append((correction, params))
                exchange.correction = tuple(applied)
                exchange.params = params
                if correction.before is not None:
                    correction.before(exchange)

    @staticmethod
    def after(exchange: Exchange) -> None:
        """Response handler: run the `after` of each applied correction on moto's successful answer."""
        if not exchange.correction or exchange.answer is None or not 200 <= exchange.answer.status < 300:
            return
        for correction, params in exchange.correction:
            if correction.after is not None and exchange.answer is not None and 200 <= exchange.answer.status < 300:
                exchange.params = params
                correction.after(exchange)


def answer_json(exchange: Exchange) -> Any:
    """moto's answer as JSON ({} when it is none)."""
    assert exchange.answer is not None
    try:
        return json.loads(exchange.answer.body) if exchange.answer.body else {}
    except ValueError:
        return {}


def request_dict(exchange: Exchange) -> dict[str, Any]:
    """The request's JSON object ({} when it is none)."""
    request = exchange.json()
    return request if isinstance(request, dict) else {}
