"""Mapping templates: Velocity (VTL) with API Gateway's variables, rendered by `airspeed-ext`.

Variables (AWS "API Gateway mapping template and access logging variable reference"):
  `$input.body`, `$input.json(path)` (JSON text), `$input.path(path)` (an object), `$input.params()` (map of
  `path`/`querystring`/`header`), `$input.params(name)` (path, then query string, then header);
  `$util.escapeJavaScript/parseJson/urlEncode/urlDecode/base64Encode/base64Decode`;
  `$context` (requestId, apiId, stage, httpMethod, resourcePath, path, identity, authorizer, error, ...,
  `responseOverride.status` / `responseOverride.header`); `$stageVariables`.
Maps print as Java does (`{a=1, b=2}`), lists as JSON, as recorded against AWS (LocalStack's
`test_input_path_template_formatting` snapshot). A template that does not parse or fails while rendering
raises `TemplateFailure` (the caller answers 500 with AWS's log line).
Left out: `#include`/`#parse` (never read a file: refused as a failure), references to names starting with `_`
(refused: airspeed would reach Python's internals through them), `$util.escapeJavaScript`'s exact
treatment of non-ASCII characters, `$input.json` on bodies that are not JSON beyond `$` (empty).
"""
from __future__ import annotations

import base64
import functools
import json
import re
import urllib.parse
from typing import Any, Mapping

import airspeed
from jsonpath_ng.ext import parse as jsonpath_parse

_FILE_DIRECTIVE = re.compile(r"#\{?(include|parse)\b")
# airspeed resolves references as Python attributes: a name starting with `_` (`$input.__class__`) would reach
# the interpreter's internals, so such references are refused (VTL has no use for them)
_PRIVATE_NAME = re.compile(r"(\.|\$!?\{?)\s*_")


class TemplateFailure(Exception):
    """The template could not be parsed or rendered; the message says why (for the execution log)."""


class JavaMap(dict):  # type: ignore[type-arg]
    """A map that prints as Java's HashMap.toString: `{a=1, b=2}`."""

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_text(v)}" for k, v in self.items()) + "}"

    def keySet(self) -> list[Any]:  # noqa: N802 (Java's name)
        return list(self.keys())

    def containsKey(self, key: Any) -> bool:  # noqa: N802
        return key in self

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self


class JsonList(list):  # type: ignore[type-arg]
    """A list that prints as JSON (what AWS shows for `$input.path` of an array)."""

    def __str__(self) -> str:
        return json.dumps(_plain(self), separators=(",", ":"))

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def wrap(value: Any) -> Any:
    """JSON data as the template sees it (maps and lists printing as on AWS)."""
    if isinstance(value, dict):
        return JavaMap({k: wrap(v) for k, v in value.items()})
    if isinstance(value, list):
        return JsonList(wrap(v) for v in value)
    return value


@functools.lru_cache(maxsize=512)
def _jsonpath(path: str) -> Any:
    return jsonpath_parse(path)


def _select(document: Any, path: str) -> Any:
    path = (path or "$").strip()
    if path in ("$", ""):
        return document
    try:
        matches = [m.value for m in _jsonpath(path).find(document)]
    except Exception as exc:  # jsonpath-ng raises its own errors for bad paths
        raise TemplateFailure(f"Invalid JSONPath expression: {path}: {exc}") from None
    if not matches:
        return None
    return matches[0] if len(matches) == 1 and "[*]" not in path and ".." not in path else matches


class InputVariable:
    """`$input`: the method request's body and parameters."""

    def __init__(self, body: bytes, params: Mapping[str, Mapping[str, str]]) -> None:
        self.body = body.decode("utf-8", errors="replace")
        self._params = params
        try:
            self._document: Any = json.loads(self.body) if self.body.strip() else {}
        except ValueError:
            self._document = self.body

    def json(self, path: str = "$") -> str:
        value = _select(self._document, path)
        return json.dumps(value, separators=(",", ":"))

    def path(self, path: str = "$") -> Any:
        return wrap(_select(self._document, path))

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return JavaMap({k: JavaMap(v) for k, v in self._params.items()})
        for where in ("path", "querystring", "header"):
            values = self._params.get(where) or {}
            if where == "header":
                found = next((v for k, v in values.items() if k.lower() == str(name).lower()), None)
            else:
                found = values.get(name)
            if found is not None:
                return found
        return ""


class UtilVariable:
    """`$util`."""

    @staticmethod
    def escapeJavaScript(text: Any) -> str:  # noqa: N802
        raw = _text(text)
        out = json.dumps(raw, ensure_ascii=False)[1:-1]  # \" \\ \n \t ... as JavaScript escapes them
        return out.replace("'", "\\'")

    @staticmethod
    def parseJson(text: Any) -> Any:  # noqa: N802
        try:
            return wrap(json.loads(_text(text)))
        except ValueError as exc:
            raise TemplateFailure(f"Unable to parse JSON: {exc}") from None

    @staticmethod
    def urlEncode(text: Any) -> str:  # noqa: N802
        return urllib.parse.quote_plus(_text(text), safe="*")

    @staticmethod
    def urlDecode(text: Any) -> str:  # noqa: N802
        return urllib.parse.unquote_plus(_text(text))

    @staticmethod
    def base64Encode(text: Any) -> str:  # noqa: N802
        return base64.b64encode(_text(text).encode()).decode("ascii")

    @staticmethod
    def base64Decode(text: Any) -> str:  # noqa: N802
        try:
            return base64.b64decode(_text(text)).decode("utf-8", errors="replace")
        except ValueError as exc:
            raise TemplateFailure(f"Invalid base64: {exc}") from None


@functools.lru_cache(maxsize=256)
def _compiled(template: str) -> Any:
    if _FILE_DIRECTIVE.search(template):
        raise TemplateFailure("#include and #parse are not supported")
    if _PRIVATE_NAME.search(template):
        raise TemplateFailure("references to names starting with '_' are not supported")
    try:
        return airspeed.Template(template)
    except airspeed.TemplateError as exc:
        raise TemplateFailure(str(exc)) from None


def render(template: str, variables: Mapping[str, Any]) -> str:
    """The template's output for these variables (`input`, `util`, `context`, `stageVariables`);
    raises TemplateFailure."""
    compiled = _compiled(template)
    namespace = {"util": UtilVariable(), **variables}
    try:
        return str(compiled.merge(namespace))
    except TemplateFailure:
        raise
    except Exception as exc:  # airspeed raises its own errors, and any error of a called method
        raise TemplateFailure(f"{type(exc).__name__}: {exc}") from None


def response_override() -> JavaMap:
    """A fresh `$context.responseOverride` (templates set `.status` and `.header.<name>`)."""
    return JavaMap({"status": None, "header": JavaMap()})
