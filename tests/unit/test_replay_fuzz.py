"""Property tests: malformed scenario files never make the loader fail with anything but a `ScenarioError`.

Files are random JSON values, valid scenarios mutated (wrong types, unknown keys, missing fields, bad
matchers, bad JSONPath, bad templates, broken includes: missing, cyclic, not JSON, not UTF-8, a directory) and
their text damaged (random bytes inserted, cut short, re-encoded). Either the file loads (and expands into
items) or `load_scenario` raises `ScenarioError` whose every problem names a file of the scenario, a line and,
for a problem inside the document, the field's path; `load_many` collects the same error. test_replay_loader.py
pins the exact messages for hand-written cases.
"""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event as note, example, given, settings
from hypothesis import strategies as st

from harness.replay import load_many, load_scenario
from harness.replay.scenario import Scenario
from harness.replay.validation import ScenarioError

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SCHEMA = "../harness/replay/scenario.schema.json"
#: Problems about a whole file (no field to point at).
WHOLE_FILE = ("invalid JSON", "duplicate key", "expected a JSON object", "cannot read", "not valid UTF-8")

BASE: dict[str, Any] = {
    "$schema": SCHEMA,
    "name": "POST then GET",
    "description": "a scenario that loads",
    "tags": ["tutorial", "writes"],
    "targets": ["embedded", "aws"],
    "requires": ["invoke-permission"],
    "include": ["vars.json"],
    "vars": {"id": "{{uuid}}", "n": 1},
    "stack": {"code_dir": "code", "timeout": 3, "environment": {"A": "b"}},
    "setup": [{"include": "steps.json"}],
    "steps": [
        {"name": "create",
         "http": {"method": "POST", "path": "/db-api", "headers": {"X-A": "1"}, "query": {"q": "{{n}}"},
                  "json": {"TableName": "{{stack.table}}", "Item": {"id": "{{id}}"}}},
         "expect": {"status": 200, "headers": {"content-type": {"$regex": "json"}}, "json": {},
                    "jsonpath": [{"path": "$.Count", "op": ">=", "value": 1}], "max_duration_ms": 5000},
         "capture": {"count": "$.Count", "rid": {"header": "x-amzn-RequestId"},
                     "acct": {"json": "$.a", "regex": "^(\\d+)$", "default": "0"}},
         "retry": {"attempts": 3, "interval": 0.1}},
        {"http": {"method": "GET", "query": {"TableName": "{{stack.table}}"}},
         "expect": {"status": [200, 400], "json_subset": {"Items": {"$unordered": [{"id": "{{id}}"}]}},
                    "logs": {"execution": ["Method completed"], "function": [{"$regex": "START"}]}}},
        {"invoke": {"payload": {"httpMethod": "GET"}, "log_tail": True},
         "expect": {"logs": {"tail": ["START"]}, "body": {"$regex": "Items"}}},
        {"aws": {"service": "dynamodb", "operation": "GetItem",
                 "params": {"TableName": "{{stack.table}}", "Key": {"id": "{{id}}"}}, "document": True}},
    ],
    "teardown": [{"http": {"method": "DELETE", "json": {"TableName": "{{stack.table}}", "Key": {"id": "{{id}}"}}}}],
    "params": [{"id": "one", "vars": {"n": 1}}, {"vars": {"n": 2}, "stack": {"key_type": "N"}}],
}
FRAGMENTS = {
    "vars.json": {"vars": {"table": "messages"}},
    "steps.json": {"steps": [{"name": "seed", "http": {"method": "POST", "json": {"a": 1}}},
                             {"include": "more.json"}]},
    "more.json": {"steps": [{"http": {}}]},
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
bad_matchers = st.sampled_from([
    {"$regex": "("}, {"$nope": 1}, {"$length": "many"}, {"$regex": 5}, {"$unordered": 3}, {"$subset": "x"},
    {"$literal": None, "$regex": "a"}, {"$any": []}, {"$gt": "x"}, {"$": 1}, {"$uuid": "yes"},
])
bad_templates = st.sampled_from(["{{", "{{ uuid", "}}{{", "{{nope.x}}", "{{stack.}}", "{{}}", "{{{{a}}}}",
                                 "{{uuid}", "{{ stack.table | upper }}", "{{\u00e9}}", "{{0}}"])
bad_paths = st.sampled_from(["$.[", "$..", "$[?(", "", "Items", "$.a[", "$[*", "$['a'", "$.a.b.c[-1:x]"])
bad_includes = st.sampled_from(["missing.json", "", "/", ".", "cycle.json", "notjson.json", "latin.json",
                                "dir", "../" * 8 + "etc/hostname", "vars.json", "steps.json", "self.json"])


def paths_in(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys/indexes) to a node in `doc`, the root included."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.extend(paths_in(value, (*prefix, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found.extend(paths_in(value, (*prefix, i)))
    return found


def node_at(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: Any, base: dict[str, Any]) -> Any:
    """`base` with 1 to 3 random changes at random places."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        if not isinstance(doc, (dict, list)):
            break
        path = draw(st.sampled_from(paths_in(doc)))
        how = draw(st.sampled_from(["replace", "delete", "unknown key", "matcher", "template", "jsonpath",
                                    "include", "step include", "type"]))
        value: Any
        if how == "replace":
            value = draw(json_values)
        elif how == "matcher":
            value = draw(bad_matchers)
        elif how == "template":
            value = draw(bad_templates)
        elif how == "jsonpath":
            value = draw(bad_paths)
        elif how == "include":
            value = [draw(bad_includes)]
        elif how == "step include":
            value = {"include": draw(bad_includes)}
        elif how == "type":
            node = node_at(doc, path)
            value = ([node] if not isinstance(node, list) else {"x": node}) if node is not None else 0
        else:
            value = None
        value = copy.deepcopy(value)  # drawn constants are shared between examples: never mutate them
        if how == "delete":
            if not path:
                continue
            parent = node_at(doc, path[:-1])
            del parent[path[-1]]
        elif how == "unknown key":
            node = node_at(doc, path)
            if isinstance(node, dict):
                node[draw(st.text(max_size=8))] = draw(json_values)
        elif how == "jsonpath" and isinstance(node_at(doc, path), dict):
            node_at(doc, path)["path"] = value
        elif how == "include" and isinstance(node_at(doc, path), dict):
            node_at(doc, path)["include"] = value
        elif not path:
            doc = value
        else:
            node_at(doc, path[:-1])[path[-1]] = value
    return doc


@st.composite
def damaged(draw: Any, text: str) -> bytes:
    """The file's bytes, sometimes damaged at the text level."""
    data = text.encode("utf-8")
    how = draw(st.sampled_from(["none", "none", "insert", "cut", "replace", "encoding", "bom"]))
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if how == "cut":
        return data[:draw(st.integers(0, max(len(data) - 1, 0)))]
    if how == "replace" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at + 1:]
    if how == "encoding":
        return text.encode(draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252"])), errors="replace")
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    return data


def write_world(root: Path, fragments: dict[str, Any]) -> None:
    """The fragments, and the odd files bad includes point at."""
    for name, doc in fragments.items():
        (root / name).write_text(json.dumps(doc, indent=1), encoding="utf-8")
    (root / "cycle.json").write_text('{"include": ["cycle2.json"], "steps": [{"include": "cycle2.json"}]}')
    (root / "cycle2.json").write_text('{"include": ["cycle.json"], "steps": [{"include": "cycle.json"}]}')
    (root / "notjson.json").write_text("this is not JSON {")
    (root / "latin.json").write_bytes(b'{"vars": {"x": "caf\xe9"}}')
    (root / "dir").mkdir(exist_ok=True)
    (root / "code").mkdir(exist_ok=True)


def check(root: Path, name: str, data: bytes, note: Any = note) -> str:
    """Load `name` (holding `data`): a scenario, or a ScenarioError whose problems point into the files."""
    path = root / name
    path.write_bytes(data)
    known = {p.name for p in root.iterdir()}
    try:
        scenario = load_scenario(name)
    except ScenarioError as exc:
        assert exc.problems, exc
        lines = str(exc).split("\n")  # one line per problem: no raw newline inside a message
        assert len(lines) == len(exc.problems)
        for problem, line in zip(exc.problems, lines):
            assert problem.message and isinstance(problem.line, int) and problem.line >= 0, problem
            assert Path(problem.file).name in known or problem.file.startswith("/"), problem  # a file we made
            assert line.startswith(f"{problem.file}:{problem.line}: " if problem.line else f"{problem.file}: ")
            assert problem.path or problem.message.startswith(WHOLE_FILE), problem
            if problem.path:
                assert f": {problem.path}: " in line
        # load_many reports the same error, and nothing escapes it either
        items, errors = load_many([name])
        assert not items and [str(e) for e in errors] == [str(exc)]
        note(f"error: {exc.problems[0].message[:30]}")
        return "error"
    assert isinstance(scenario, Scenario)
    assert scenario.items() and all(item.id for item in scenario.items())
    note("loaded")
    return "loaded"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_world(tmp_path, FRAGMENTS)
    (tmp_path / "self.json").write_text(json.dumps({**BASE, "steps": [{"include": "self.json"}]}))
    return tmp_path


def test_the_base_scenario_loads(world: Path) -> None:
    assert check(world, "main.json", json.dumps(BASE, indent=1).encode(), note=print) == "loaded"


@FUZZ
@given(doc=json_values)
def test_any_json_value_is_an_error_or_a_scenario(world: Path, doc: Any) -> None:
    check(world, f"v-{uuid.uuid4().hex[:8]}.json", json.dumps(doc).encode())


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
@FUZZ
@given(doc=mutated(BASE), indent=st.sampled_from([None, 1]), data=st.data())
@example(doc={**BASE, "name": "x\udcff"}, indent=None, data=None)  # a lone surrogate: not UTF-8 (was UnicodeDecodeError)
@example(doc={**BASE, "teardown": [None]}, indent=None, data=None)  # a step that is null (was TypeError)
def test_mutated_scenarios_are_an_error_or_a_scenario(world: Path, doc: Any, indent: int | None, data: Any) -> None:
    text = json.dumps(doc, indent=indent, ensure_ascii=False)
    raw = data.draw(damaged(text)) if data is not None else text.encode("utf-8", "surrogatepass")
    check(world, f"m-{uuid.uuid4().hex[:8]}.json", raw)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
@FUZZ
@given(fragment=st.sampled_from(sorted(FRAGMENTS)), doc=st.data())
def test_mutated_fragments_are_reported_in_the_including_scenario(world: Path, fragment: str, doc: Any) -> None:
    broken = doc.draw(mutated(FRAGMENTS[fragment]))
    raw = doc.draw(damaged(json.dumps(broken, indent=1)))
    (world / fragment).write_bytes(raw)
    try:
        check(world, f"f-{uuid.uuid4().hex[:8]}.json", json.dumps(BASE, indent=1).encode())
    finally:
        write_world(world, FRAGMENTS)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes_are_an_error(world: Path, raw: bytes) -> None:
    assert check(world, f"b-{uuid.uuid4().hex[:8]}.json", raw) == "error"

