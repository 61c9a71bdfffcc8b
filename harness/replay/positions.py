"""Parse JSON text while remembering the line of every object, array, key and element.

`loads(text)` returns ordinary `dict`/`list` subclasses (`LinedDict`, `LinedList`) that carry `line` (where
the container opens) and `lines` (where each value starts), so error messages and reports can say
`file.json:12`. `line_of(document, path)` finds the line of the deepest node along a path. Duplicate keys
raise `DuplicateKey` (JSON allows them; a scenario file never means them).
Left out: column numbers, and positions of scalars that are not inside a container.
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from typing import Any, Iterable


class LinedDict(dict):
    """A JSON object plus the line it opens on and the line of each key's value."""

    line: int = 0
    lines: dict[str, int]


class LinedList(list):
    """A JSON array plus the line it opens on and the line of each element."""

    line: int = 0
    lines: list[int]


class DuplicateKey(ValueError):
    """The same key appears twice in one JSON object."""

    def __init__(self, key: str, line: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.line = key, line


class _Decoder(json.JSONDecoder):
    def __init__(self, text: str) -> None:
        super().__init__(object_pairs_hook=list)
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.parse_object = self._object
        self.parse_array = self._array
        self.scan_once = json.scanner.py_make_scanner(self)

    def _line(self, index: int) -> int:
        return bisect.bisect_right(self._starts, index)

    def _recording(self, scan_once: Any, starts: list[int]) -> Any:
        def scan(s: str, idx: int) -> Any:
            starts.append(idx)
            return scan_once(s, idx)
        return scan

    def _object(self, s_and_end: tuple[str, int], strict: bool, scan_once: Any, *rest: Any) -> Any:
        starts: list[int] = []
        pairs, end = json.decoder.JSONObject(s_and_end, strict, self._recording(scan_once, starts), *rest)
        result = LinedDict()
        result.line = self._line(s_and_end[1] - 1)
        result.lines = {}
        for (key, value), start in zip(pairs, starts):
            if key in result:
                raise DuplicateKey(key, self._line(start))
            result[key] = value
            result.lines[key] = self._line(start)
        return result, end

    def _array(self, s_and_end: tuple[str, int], scan_once: Any, *rest: Any) -> Any:
        starts: list[int] = []
        values, end = json.decoder.JSONArray(s_and_end, self._recording(scan_once, starts), *rest)
        result = LinedList(values)
        result.line = self._line(s_and_end[1] - 1)
        result.lines = [self._line(start) for start in starts[: len(values)]]
        return result, end


def loads(text: str) -> Any:
    """Parse `text` like `json.loads`, with line information on every container (json.JSONDecodeError on bad JSON)."""
    return _Decoder(text).decode(text)


def line_of(document: Any, path: Iterable[str | int]) -> int:
    """The line of the deepest node of `path` that exists in `document` (0 when unknown)."""
    node, line = document, getattr(document, "line", 0)
    for key in path:
        if isinstance(node, LinedDict) and isinstance(key, str) and key in node:
            line, node = node.lines.get(key, line), node[key]
        elif isinstance(node, LinedList) and isinstance(key, int) and 0 <= key < len(node):
            line, node = node.lines[key] if key < len(node.lines) else line, node[key]
        else:
            break
        line = getattr(node, "line", 0) or line
    return line


def plain(value: Any) -> Any:
    """A deep copy made of plain `dict`/`list` (the model never holds line-carrying containers)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
