"""Check a response against a rendered `Expectation`: status, headers, JSON body, raw body, JSONPath, duration.

Mismatch paths: `status`, `headers.<Name>`, `$...` (the JSON body), the assertion's JSONPath, `body`,
`duration`. Every part is checked and every mismatch kept. An `aws`/`invoke` step without an expected status
fails when the call returned an AWS error. Log expectations are checked by `log_checks.py` (they need polling).
Left out: response schema validation.
"""
from __future__ import annotations

from typing import Any

from .assertions import check as check_assertion
from .matchers import compare, matcher_name
from .operands import ABSENT, show
from .scenario import UNSET, Expectation
from .results import Mismatch, Response


def _status(expected: Any, response: Response, kind: str) -> list[Mismatch]:
    actual = response.status
    shown = f"{actual} ({response.error})" if response.error else str(actual)
    if expected is UNSET:
        if kind in ("aws", "invoke") and response.error:
            return [Mismatch("status", "a successful call", shown)]
        return []
    if isinstance(expected, list) and matcher_name(expected) is None:
        if actual in expected:
            return []
        return [Mismatch("status", "one of " + ", ".join(map(str, expected)), shown)]
    if matcher_name(expected):
        found = compare(expected, actual, path="status")
        return [Mismatch(m.path, m.expected, shown) for m in found]
    if isinstance(expected, str) and expected.isdigit():
        expected = int(expected)
    return [] if expected == actual and not isinstance(expected, bool) else [Mismatch("status", show(expected), shown)]


def _headers(expected: dict[str, Any], response: Response) -> list[Mismatch]:
    found: list[Mismatch] = []
    for name, value in expected.items():
        actual = response.header(name)
        found.extend(compare(value, ABSENT if actual is None else actual, path=f"headers.{name}"))
    return found


def _body_json(response: Response, path: str) -> tuple[Any, list[Mismatch]]:
    document = response.json
    if document is UNSET:
        text = response.text
        return UNSET, [Mismatch(path, "a JSON body", show(text) if text else "an empty body")]
    return document, []


def check_response(expect: Expectation, response: Response, *, kind: str = "http") -> list[Mismatch]:
    """Every mismatch between `expect` (already rendered) and `response`."""
    found = _status(expect.status, response, kind)
    found += _headers(dict(expect.headers), response)
    needs_json = expect.json is not UNSET or expect.json_subset is not UNSET or expect.jsonpath
    document, problems = _body_json(response, "$") if needs_json else (UNSET, [])
    found += problems
    if document is not UNSET:
        if expect.json is not UNSET:
            found += compare(expect.json, document, path="$")
        if expect.json_subset is not UNSET:
            found += compare(expect.json_subset, document, subset=True, path="$")
        for assertion in expect.jsonpath:
            found += check_assertion(assertion, document)
    if expect.body is not UNSET:
        found += compare(expect.body, response.text, path="body")
    if expect.max_duration_ms is not None and response.duration_ms > expect.max_duration_ms:
        found.append(Mismatch("duration", f"<= {expect.max_duration_ms:g} ms", f"{response.duration_ms:.0f} ms",
                              timing=True))
    return found
