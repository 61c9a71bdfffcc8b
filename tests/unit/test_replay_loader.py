"""Loading scenario files: the model, source lines, includes, and precise errors for broken files."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from harness.deploy.settings import OVERRIDE_KEYS
from harness.deploy.template_variant import TEMPLATE_ONLY_KEYS
from harness.replay.assertions import OPERATORS
from harness.replay import discover, load_items, load_scenario
from harness.replay.matchers import OPTIONS
from harness.replay.scenario import TARGET_NAMES, UNSET, AwsCall, Capture, HttpCall, InvokeCall, PathAssertion, Retry
from harness.replay.validation import FRAGMENT_SCHEMA_PATH, SCHEMA_PATH, ScenarioError, schema
from harness.targets import FEATURES

HEAD = '"$schema": "../harness/replay/scenario.schema.json"'


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def error_of(name: str, text: str) -> str:
    write(name, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(name)
    return str(caught.value)


FULL = f"""
{{
  {HEAD},
  "name": "POST then GET",
  "tags": ["tutorial"],
  "targets": ["embedded", "aws"],
  "requires": ["invoke-permission"],
  "vars": {{"id": "{{{{uuid}}}}"}},
  "stack": {{"code_dir": "code", "timeout": 3}},
  "steps": [
    {{
      "name": "create",
      "http": {{"method": "POST", "path": "/db-api", "json": {{"TableName": "{{{{stack.table}}}}"}}}},
      "expect": {{"status": 200, "jsonpath": [{{"path": "$.Count", "op": ">=", "value": 1}}]}},
      "capture": {{"count": "$.Count", "rid": {{"header": "x-amzn-RequestId"}}}},
      "retry": {{"attempts": 3, "interval": 0.1}}
    }},
    {{"invoke": {{"payload": {{"httpMethod": "GET"}}, "log_tail": true}}, "expect": {{"logs": {{"tail": ["START"]}}}}}},
    {{"aws": {{"service": "dynamodb", "operation": "DescribeTable", "params": {{"TableName": "t"}}}}}}
  ],
  "params": [{{"id": "one", "vars": {{"n": 1}}}}, {{"vars": {{"n": 2, "k": "S"}}, "stack": {{"key_type": "N"}}}}]
}}
"""


def test_a_full_scenario_becomes_the_model(tmp_path):
    scenario = load_scenario(write("full.json", FULL))
    assert scenario.name == "POST then GET" and scenario.tags == ("tutorial",)
    assert scenario.targets == ("embedded", "aws") and scenario.requires == ("invoke-permission",)
    assert scenario.stack == {"code_dir": str(tmp_path / "code"), "timeout": 3}
    create, invoke, describe = scenario.steps
    assert create.kind == "http" and create.name == "create" and str(create.source) == "full.json:10"
    assert create.call == HttpCall(method="POST", path="/db-api", json={"TableName": "{{stack.table}}"})
    assert create.expect.jsonpath == (PathAssertion("$.Count", ">=", 1),)
    assert create.captures == (Capture("count", "json", "$.Count"), Capture("rid", "header", "x-amzn-RequestId"))
    assert create.retry == Retry(attempts=3, interval=0.1, timeout=None)
    assert invoke.call == InvokeCall(payload={"httpMethod": "GET"}, log_tail=True) and invoke.name == "invoke (stack function)"
    assert invoke.expect.logs.tail == ("START",) and str(invoke.source) == "full.json:17"
    assert describe.call == AwsCall("dynamodb", "DescribeTable", {"TableName": "t"}) and describe.name == "dynamodb.DescribeTable"
    assert describe.expect.status is UNSET and describe.where == "steps[2]"
    items = scenario.items()
    assert [i.name for i in items] == ["POST then GET[one]", "POST then GET[n=2,k=S]"]
    assert items[1].id == "full.json::POST then GET[n=2,k=S]"
    assert items[1].overrides == {"code_dir": str(tmp_path / "code"), "timeout": 3, "key_type": "N"}
    assert items[1].vars == {"id": "{{uuid}}", "n": 2, "k": "S"}


@pytest.mark.parametrize("body, message", [
    ('"name": "x", "steps": [{"http": {}, "expect": {\n"stauts": 200}}]',
     'broken.json:3: steps[0].expect.stauts: unknown field (did you mean "status"?); allowed: body, headers, json, '
     "json_subset, jsonpath, logs, max_duration_ms, status"),
    ('"name": "x", "steps": [{"http": {}, "expect": {\n"status": "abc"}}]',
     "broken.json:3: steps[0].expect.status: expected a status code (integer), a list of them, or a matcher object"),
    ('"name": "x", "steps": [\n{"http": {}},\n{"http": {}, "aws": {"service": "s", "operation": "Op"}}]',
     'broken.json:4: steps[1]: a step has exactly one of "http", "invoke", "aws"; found "http" and "aws"'),
    ('"name": "x", "steps": [\n{"name": "lonely"}]',
     'broken.json:3: steps[0]: a step needs one of "http", "invoke", "aws" (or {"include": "file.json"} alone)'),
    ('"name": "x", "steps": [\n{"include": "f.json", "name": "n"}]',
     'broken.json:3: steps[0]: "include" stands alone in its step (found also: name)'),
    ('"steps": [{"http": {}}]', "broken.json:1: name: required field missing"),
    ('"name": "x", "steps": []', "broken.json:2: steps: expected at least 1 item(s), got 0"),
    ('"name": "x", "steps": [{"http": {\n"method": "get"}}]',
     'broken.json:3: steps[0].http.method: expected an HTTP verb in capitals, e.g. "GET"'),
    ('"name": "x", "steps": [{"http": {"json": {}, \n"body": ""}}]',
     'broken.json:2: steps[0].http: give either "json" or "body", not both'),
    ('"name": "x", "stack": {\n"permision": false}, "steps": [{"http": {}}]',
     'broken.json:3: stack.permision: unknown field (did you mean "permission"?); allowed: '
     + ", ".join(sorted((*OVERRIDE_KEYS, *TEMPLATE_ONLY_KEYS)))),
    ('"name": "x", "stack": {\n"timeout": "3"}, "steps": [{"http": {}}]',
     'broken.json:3: stack.timeout: expected integer, got string "3"'),
    ('"name": "x", "requires": [\n"magic"], "steps": [{"http": {}}]',
     "broken.json:3: requires[0]: expected one of " + ", ".join(map(json.dumps, FEATURES)) + ', got "magic"'),
    ('"name": "x", "vars": {\n"1st": 1}, "steps": [{"http": {}}]',
     'broken.json:3: vars["1st"]: invalid name: names are letters, digits and _ (not starting with a digit)'),
    ('"name": "x", "steps": [{"http": {}, "capture": {\n"a": {"jsn": "$.x"}}}]',
     'broken.json:3: steps[0].capture.a.jsn: unknown field (did you mean "json"?); allowed: body, default, header, '
     "json, regex, status"),
    ('"name": "x", "steps": [{"aws": {"service": "dynamodb", \n"operation": "describe_table"}}]',
     'broken.json:3: steps[0].aws.operation: expected an API operation name like "DescribeTable"'),
    ('"name": "x", "steps": [{"aws": {\n"service": "dynamodb"}}]',
     "broken.json:2: steps[0].aws.operation: required field missing"),  # the line of the object lacking it
    ('"name": "x", "steps": [{"http": {}, "retry": {\n"attempts": 0}}]',
     "broken.json:3: steps[0].retry.attempts: expected a number >= 1, got 0"),
])
def test_schema_errors_name_file_line_and_field(body, message):
    assert error_of("broken.json", "{" + HEAD + ",\n" + body + "}") == message


@pytest.mark.parametrize("step, message", [
    ('{"http": {}, "expect": {"json": {"Items": [{\n"id": {"$regx": "a"}}]}}}',
     "broken.json:3: steps[0].expect.json.Items[0].id.$regx: unknown matcher '$regx'; known: "
     + ", ".join(sorted(OPTIONS)) + ' (wrap literal $-keys in {"$literal": ...})'),
    ('{"http": {}, "expect": {"headers": {"x": {\n"$length": "many"}}}}',
     'broken.json:3: steps[0].expect.headers.x.$length: $length takes a count or {op: count} with op one of '
     '== != < <= > >=, got "many"'),
    ('{"http": {}, "expect": {"jsonpath": [{\n"path": "$.[", "op": "=="}]}}',
     "broken.json:3: steps[0].expect.jsonpath[0].path: invalid JSONPath '$.[': "),
    ('{"http": {}, "expect": {"jsonpath": [{"path": "$.a", \n"op": "length", "value": "x"}]}}',
     'broken.json:3: steps[0].expect.jsonpath[0].op: operator \'length\' takes a count or {op: count} with op '
     'one of == != < <= > >=, got "x"'),
    ('{"invoke": {}, "expect": {"logs": {\n"execution": ["x"]}}}',
     "broken.json:3: steps[0].expect.logs.execution: execution logs exist for http steps only"),
    ('{"invoke": {}, "expect": {"logs": {\n"tail": ["x"]}}}',
     'broken.json:3: steps[0].expect.logs.tail: a log tail needs an invoke step with "log_tail": true'),
    ('{"http": {}, "capture": {"a": {"body": true, \n"regex": "("}}}',
     "broken.json:3: steps[0].capture.a.regex: invalid regex '(': missing ), unterminated subpattern at position 0"),
    ('{"aws": {"service": "logs", "operation": "FilterLogEvents", \n"document": true}}',
     'broken.json:3: steps[0].aws.document: "document" is for the dynamodb service only'),
])
def test_semantic_errors_name_file_line_and_field(step, message):
    text = "{" + HEAD + ',\n"name": "x", "steps": [' + step + "]}"
    assert error_of("broken.json", text).startswith(message)


def test_every_problem_is_reported_in_file_order():
    text = "{" + HEAD + ',\n"name": 3,\n"steps": [{"http": {"method": "get"}},\n{"http": {}, "expect": {"status": true}}]}'
    assert error_of("broken.json", text).splitlines() == [
        "broken.json:2: name: expected string, got integer 3",
        'broken.json:3: steps[0].http.method: expected an HTTP verb in capitals, e.g. "GET"',
        "broken.json:4: steps[1].expect.status: expected a status code (integer), a list of them, or a matcher object",
    ]


def test_invalid_json_duplicate_keys_and_non_objects():
    assert error_of("a.json", '{\n  "name": "x"\n  "steps": []\n}') == "a.json:3: invalid JSON: Expecting ',' delimiter (column 3)"
    assert error_of("b.json", '{"name": "x",\n"name": "y"}') == "b.json:2: duplicate key 'name'"
    assert error_of("c.json", "[1]") == "c.json:1: expected a JSON object, got array"
    assert error_of("d.json", '{"name": "x", "steps": [{"http": {}}]}') == "d.json:1: $schema: required field missing"
    with pytest.raises(ScenarioError, match=r"^nope\.json: cannot read: "):
        load_scenario("nope.json")


def test_error_attributes():
    write("e.json", "{" + HEAD + ',\n"name": "x", "steps": [{"http": {}, "expect": {\n"status": "x"}}]}')
    with pytest.raises(ScenarioError) as caught:
        load_scenario("e.json")
    assert (caught.value.file, caught.value.line, caught.value.path) == ("e.json", 3, "steps[0].expect.status")


def test_duplicate_row_ids():
    text = "{" + HEAD + ',\n"name": "x", "steps": [{"http": {}}], "params": [{"id": "a"},\n{"id": "a"}]}'
    assert error_of("rows.json", text) == "rows.json:3: params[1].id: duplicate row id 'a' (also params[0])"


def test_includes_merge_vars_and_insert_steps_with_their_own_lines():
    write("shared/base.json", '{"vars": {"table": "messages", "n": 1}}')
    write("shared/more.json", '{"include": ["base.json"], "vars": {"n": 2}}')
    write("shared/seed.json", """
        {
          "steps": [
            {"name": "seed", "http": {"method": "POST"}},
            {"include": "check.json"}
          ]
        }
    """)
    write("shared/check.json", '{"steps": [\n  {"name": "check", "http": {}}\n]}')
    write("s/main.json", "{" + HEAD + ',\n"name": "m", "include": ["../shared/more.json"], "vars": {"n": 3, "x": "{{n}}"},\n'
          '"setup": [{"include": "../shared/seed.json"}],\n"steps": [{"name": "own", "http": {}}]}')
    scenario = load_scenario("s/main.json")
    assert list(scenario.vars.items()) == [("table", "messages"), ("n", 3), ("x", "{{n}}")]
    assert [(s.name, str(s.source), s.where) for s in scenario.setup] == [
        ("seed", "shared/seed.json:3", "steps[0]"), ("check", "shared/check.json:2", "steps[0]")]
    assert str(scenario.steps[0].source) == "s/main.json:4"


def test_include_cycles_and_missing_files_are_errors():
    write("a.json", '{"steps": [{"include": "b.json"}]}')
    write("b.json", '{"steps": [\n{"include": "a.json"}]}')
    text = "{" + HEAD + ',\n"name": "x", "steps": [\n{"include": "a.json"},\n{"include": "missing.json"}]}'
    lines = error_of("main.json", text).splitlines()
    assert lines[0] == "b.json:2: steps[0].include: include cycle: a.json -> b.json -> a.json"
    assert lines[1].startswith("main.json:4: steps[1].include: cannot read included file ")
    assert len(lines) == 2


def test_broken_fragments_name_the_fragment():
    write("frag.json", '{"steps": [{"http": {\n"method": 1}}]}')
    write("novars.json", '{"vars": {}}')
    text = "{" + HEAD + ',\n"name": "x", "steps": [{"include": "frag.json"},\n{"include": "novars.json"}]}'
    assert error_of("main.json", text).splitlines() == [
        "frag.json:2: steps[0].http.method: expected string, got integer 1",
        'main.json:3: steps[1].include: novars.json has no "steps"',
    ]


def test_include_cycle_in_vars():
    write("v1.json", '{"include": ["v2.json"], "vars": {}}')
    write("v2.json", '{"include": ["v1.json"]}')
    text = "{" + HEAD + ',\n"name": "x", "include": ["v1.json"], "steps": [{"http": {}}]}'
    assert error_of("main.json", text) == "v2.json:1: include[0]: include cycle: v1.json -> v2.json -> v1.json"


def test_discover_finds_scenarios_not_fragments():
    write("sc/a.json", "{" + HEAD + ', "name": "a", "steps": [{"http": {}}]}')
    write("sc/sub/b.json", "{" + HEAD + ', "name": "b", "steps": [{"http": {}}], "params": [{"id": "1"}, {"id": "2"}]}')
    write("sc/shared/f.json", '{"$schema": "../../fragment.schema.json", "steps": []}')
    write("sc/other.json", '{"hello": 1}')
    assert discover(["sc"]) == [Path("sc/a.json"), Path("sc/sub/b.json")]
    assert [i.name for i in load_items(["sc"])] == ["a", "b[1]", "b[2]"]


def test_schema_lists_exactly_the_override_keys_features_targets_and_operators():
    defs = schema()["$defs"]
    assert set(defs["stack"]["properties"]) == set(OVERRIDE_KEYS) | set(TEMPLATE_ONLY_KEYS)
    assert defs["feature"]["enum"] == list(FEATURES)
    assert tuple(schema()["properties"]["targets"]["items"]["enum"]) == TARGET_NAMES
    assert tuple(defs["pathAssertion"]["properties"]["op"]["enum"]) == OPERATORS
    for name in OPTIONS:
        assert name in schema()["description"]


def test_shipped_schemas_are_valid_and_the_fragment_schema_resolves():
    jsonschema.Draft202012Validator.check_schema(schema())
    fragment = json.loads(FRAGMENT_SCHEMA_PATH.read_text())
    assert fragment["$ref"] == f"{SCHEMA_PATH.name}#/$defs/fragment"
    assert "fragment" in schema()["$defs"]


def test_discover_keeps_scenarios_that_forgot_their_schema_so_the_loader_can_say_so():
    write("sc/forgot.json", '{"name": "f", "steps": [{"http": {}}]}')
    write("sc/broken.json", '{"name": ')
    write("sc/scenario.schema.json", "{}")
    assert discover(["sc"]) == [Path("sc/broken.json"), Path("sc/forgot.json")]
    with pytest.raises(ScenarioError, match=r"^sc/forgot\.json:1: \$schema: required field missing$"):
        load_scenario("sc/forgot.json")


def test_load_many_reports_every_broken_file():
    from harness.replay import load_many

    write("sc/good.json", "{" + HEAD + ', "name": "g", "steps": [{"http": {}}]}')
    write("sc/bad1.json", "{" + HEAD + ', "name": 1, "steps": [{"http": {}}]}')
    write("sc/bad2.json", '{"name": ')
    items, errors = load_many(["sc"])
    assert [i.name for i in items] == ["g"]
    assert [str(e) for e in errors] == ["sc/bad1.json:1: name: expected string, got integer 1",
                                        "sc/bad2.json:1: invalid JSON: Expecting value (column 10)"]


def test_select_by_any_tag_and_by_id_substring(tmp_path):
    from harness.replay import select

    def scenario(name: str, tags: list[str]) -> list:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"$schema": "../harness/replay/scenario.schema.json", "name": name, "tags": tags,
                                    "steps": [{"http": {"method": "GET"}}]}))
        return load_scenario(path).items()

    items = scenario("a", ["tutorial"]) + scenario("b", ["troubleshooting", "logs"]) + scenario("c", [])
    assert [i.scenario.name for i in select(items)] == ["a", "b", "c"]
    assert [i.scenario.name for i in select(items, ["logs", "tutorial"])] == ["a", "b"]
    assert [i.scenario.name for i in select(items, match="B.JSON")] == ["b"]
    assert select(items, ["tutorial"], "b.json") == []
