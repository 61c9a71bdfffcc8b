"""Template names are checked when a scenario loads: a typo (`{{stack.tabel}}`) is a ScenarioError with file,
line, field and the closest bound name, not a failure halfway through a run."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.replay import ScenarioError, load_scenario
from harness.replay.bindings import STACK_NAMES, stack_vars
from harness.replay.references import expression_problem

from .test_replay_runner import outputs

HEAD = '"$schema": "../harness/replay/scenario.schema.json"'


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def write(name: str, body: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{" + HEAD + ",\n" + textwrap.dedent(body).strip() + "\n}\n")
    return path


def problems(body: str) -> list[str]:
    write("s.json", body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario("s.json")
    return str(caught.value).splitlines()


def test_a_stack_typo_is_caught_at_load_time_with_the_closest_name():
    assert problems('''
        "name": "typo",
        "steps": [{"http": {"query": {"TableName": "{{stack.tabel}}"}}}]''') == [
        's.json:3: steps[0].http.query.TableName: {{stack.tabel}}: stack has no key "tabel" (did you mean '
        "{{stack.table}}?); keys: " + ", ".join(STACK_NAMES)]


def test_the_stack_names_are_what_the_runner_binds():
    assert set(STACK_NAMES) == set(stack_vars(outputs()))


@pytest.mark.parametrize("expr, message", [
    ("itme.id", "{{itme.id}}: nothing named 'itme' is bound here (did you mean {{item.id}}?)"),
    ("uuidd", "{{uuidd}}: nothing named 'uuidd' is bound here (did you mean {{uuid}}?)"),
    ("random_strng(4)", "{{random_strng(4)}}: nothing named 'random_strng' is bound here (did you mean "
                        "{{random_string(4)}}?)"),
    ("zzz", "{{zzz}}: nothing named 'zzz' is bound here; bound: item, stack, target"),
    ("a b", "cannot parse template {{a b}}"),
    ("stack.tables.0", None), ("stack", None), ("item.anything", None), ("uuid:other", None), ("now", None),
])
def test_expressions(expr, message):
    assert expression_problem(expr, {"stack", "target", "item"}) == message


def test_vars_see_the_vars_before_them_and_steps_see_the_captures_before_them():
    assert problems('''
        "name": "order",
        "vars": {"a": "{{b}}", "b": "x", "c": "{{a}}-{{b}}"},
        "steps": [
          {"http": {"path": "/{{idd}}"}, "expect": {"status": 200}, "capture": {"id": "$.id"}},
          {"http": {"path": "/{{id}}"}, "expect": {"json": {"id": "{{id}}"}}}
        ],
        "teardown": [{"http": {"method": "DELETE", "path": "/{{id}}"}}]''') == [
        "s.json:3: vars.a: {{b}}: nothing named 'b' is bound here; bound: stack, target",
        "s.json:5: steps[0].http.path: {{idd}}: nothing named 'idd' is bound here; bound: a, b, c, stack, target",
    ]


def test_a_load_step_binds_load_names_in_its_mix_only():
    assert problems('''
        "name": "peak",
        "steps": [
          {"load": {"requests": 5, "table": "{{load.table}}", "mix": [
            {"http": {"method": "POST", "json": {"n": "{{load.seq}}", "m": "{{load.sqe}}"}}}]}},
          {"http": {"path": "/{{load.id}}"}}
        ]''') == [
        "s.json:4: steps[0].load.table: {{load.table}}: nothing named 'load' is bound here; bound: stack, target",
        's.json:5: steps[0].load.mix[0].http.json.m: {{load.sqe}}: load has no key "sqe" (did you mean '
        "{{load.seq}}?); keys: id, seq, client, run, table, key",
        "s.json:6: steps[1].http.path: {{load.id}}: nothing named 'load' is bound here; bound: stack, target",
    ]


def test_each_parameter_row_is_checked_and_a_problem_of_some_rows_names_them():
    assert problems('''
        "name": "rows",
        "vars": {"verb": "GET"},
        "params": [{"id": "one", "vars": {"path": "/a"}}, {"id": "two", "vars": {"verb": "PUT"}}],
        "steps": [{"http": {"method": "{{verb}}", "path": "{{path}}", "headers": {"x": "{{verbb}}"}}}]''') == [
        "s.json:5: steps[0].http.headers.x: {{verbb}}: nothing named 'verbb' is bound here (did you mean {{verb}}?)",
        "s.json:5: steps[0].http.path: {{path}}: nothing named 'path' is bound here; bound: stack, target, verb "
        "(params row 'two')",
    ]


def test_object_keys_and_expectations_are_checked_but_names_and_captures_are_not():
    assert problems('''
        "name": "keys",
        "steps": [{"name": "{{not rendered}}", "aws": {"service": "dynamodb", "operation": "GetItem",
                   "params": {"{{tabel}}": 1}}, "expect": {"json_subset": {"Item": {"id": "{{stack.nope}}"}}},
                   "capture": {"x": {"json": "$.Item", "regex": "{{"}}}]''') == [
        's.json:4: steps[0].aws.params["{{tabel}}"]: {{tabel}}: nothing named \'tabel\' is bound here; bound: '
        "stack, target",
        's.json:4: steps[0].expect.json_subset.Item.id: {{stack.nope}}: stack has no key "nope"; keys: '
        + ", ".join(STACK_NAMES),
    ]


def test_an_included_step_is_checked_with_the_names_bound_where_it_is_included_and_reported_in_its_file():
    Path("fragments").mkdir()
    Path("fragments/f.json").write_text(
        '{"$schema": "../../harness/replay/fragment.schema.json",\n'
        '"steps": [{"http": {"path": "/{{idd}}"}}]}\n')
    lines = problems('''
        "name": "with a fragment",
        "vars": {"id": "1"},
        "steps": [{"include": "fragments/f.json"}]''')
    assert lines == ["fragments/f.json:2: steps[0].http.path: {{idd}}: nothing named 'idd' is bound here "
                     "(did you mean {{id}}?)"]
