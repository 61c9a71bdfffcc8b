"""Bind variables from a response: JSONPath into the JSON body, a header, the status or the raw body.

A JSONPath capture keeps the JSON type (a plural path captures the list of matches). `regex` is applied to the
text form of the captured value and keeps group 1 (or the whole match when the regex has no group). A capture
that finds nothing uses its `default`, else it is reported as a mismatch at `capture.<name>`.
Left out: captures from log lines.
"""
from __future__ import annotations

import json
import re
from typing import Any

from .assertions import is_singular, parse_path, query
from .operands import ABSENT, show
from .scenario import UNSET, Capture
from .results import Mismatch, Response


class CaptureMissing(LookupError):
    """Nothing to capture; the message says what was looked for and what was there."""


def _found(capture: Capture, response: Response) -> Any:
    if capture.source == "status":
        return response.status
    if capture.source == "body":
        return response.text
    if capture.source == "header":
        value = response.header(capture.expr or "")
        if value is None:
            names = ", ".join(sorted(response.headers)) or "(none)"
            raise CaptureMissing(f"no such header (headers: {names})")
        return value
    document = response.json
    if document is UNSET:
        raise CaptureMissing(f"a body that is not JSON: {show(response.text[:80])}")
    value = query(capture.expr or "$", document)
    if value is ABSENT or (value == [] and not is_singular(parse_path(capture.expr or "$"))):
        raise CaptureMissing("nothing")
    return value


def value_of(capture: Capture, response: Response) -> Any:
    """The captured value (CaptureMissing when there is none and no default)."""
    try:
        value = _found(capture, response)
        if capture.regex is not None:
            text = value if isinstance(value, str) else json.dumps(value)
            match = re.search(capture.regex, text)
            if match is None:
                raise CaptureMissing(f"{show(text)}, where /{capture.regex}/ finds nothing")
            value = match.group(1) if match.re.groups else match.group(0)
        return value
    except CaptureMissing:
        if capture.default is not UNSET:
            return capture.default
        raise


def capture_all(captures: tuple[Capture, ...], response: Response) -> tuple[dict[str, Any], list[Mismatch]]:
    """Every capture's value, and a mismatch for each one that found nothing."""
    values: dict[str, Any] = {}
    problems: list[Mismatch] = []
    for capture in captures:
        try:
            values[capture.name] = value_of(capture, response)
        except CaptureMissing as exc:
            wanted = {"json": capture.expr, "header": f"header {capture.expr}"}.get(capture.source, capture.source)
            problems.append(Mismatch(f"capture.{capture.name}", f"a value at {wanted}", str(exc)))
    return values, problems
