"""Templating: type preservation, dotted paths, generators bound once per scope, precise missing-variable errors."""
from __future__ import annotations

import re

import pytest

from harness.replay.templating import Scope, TemplateError, references, render

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def scope() -> Scope:
    return Scope({
        "n": 3, "flag": True, "none": None, "table": "messages", "item": {"id": "1", "tags": ["a", "b"]},
        "stack": {"api_id": "abc123", "tables": ["messages", "extra"]},
    })


@pytest.mark.parametrize("template, value", [
    ("{{n}}", 3),
    ("{{ n }}", 3),
    ("{{flag}}", True),
    ("{{none}}", None),
    ("{{item}}", {"id": "1", "tags": ["a", "b"]}),
    ("{{item.tags}}", ["a", "b"]),
    ("{{item.tags.1}}", "b"),
    ("{{item.tags.-1}}", "b"),
    ("{{stack.tables.0}}", "messages"),
    ("n={{n}}", "n=3"),
    ("{{flag}}/{{none}}", "true/null"),
    ("tags: {{item.tags}}", 'tags: ["a","b"]'),
    ("/{{stack.api_id}}/prod", "/abc123/prod"),
    ("no template", "no template"),
])
def test_render_strings(scope, template, value):
    assert render(template, scope) == value


def test_render_structures_and_keys(scope):
    value = {"TableName": "{{table}}", "Item": {"id": "{{item.id}}", "n": "{{n}}"}, "{{table}}_key": ["{{flag}}"]}
    assert render(value, scope) == {"TableName": "messages", "Item": {"id": "1", "n": 3}, "messages_key": [True]}


def test_render_returns_a_copy(scope):
    rendered = render("{{item}}", scope)
    rendered["id"] = "changed"
    assert render("{{item.id}}", scope) == "1"


def test_generators_are_bound_once_per_scope():
    scope = Scope()
    first = render({"a": "{{uuid}}", "b": "{{uuid}}", "c": "id-{{uuid}}"}, scope)
    assert UUID.match(first["a"]) and first["a"] == first["b"] and first["c"] == f"id-{first['a']}"
    assert render("{{uuid:other}}", scope) != first["a"]
    assert render("{{uuid:other}}", scope) == render("{{uuid:other}}", scope)
    assert render("{{uuid}}", Scope()) != first["a"]


def test_generator_values_and_types():
    scope = Scope()
    assert isinstance(render("{{timestamp}}", scope), int)
    assert isinstance(render("{{timestamp_ms}}", scope), int)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", render("{{now}}", scope))
    word = render("{{random_string(8)}}", scope)
    assert re.fullmatch(r"[A-Za-z0-9]{8}", word) and render("{{random_string( 8 )}}", scope) == word
    assert len(render("{{random_string(12)}}", scope)) == 12
    number = render("{{random_int(1,3)}}", scope)
    assert number in (1, 2, 3) and render("{{random_int(1, 3)}}", scope) == number
    assert set(scope.generated) == {"timestamp()", "timestamp_ms()", "now()", "random_string(8)",
                                    "random_string(12)", "random_int(1,3)"}


def test_a_variable_shadows_a_generator():
    assert render("{{uuid}}", Scope({"uuid": "mine"})) == "mine"


def test_generators_can_be_replaced():
    scope = Scope(generators={"uuid": lambda: "fixed"})
    assert render("{{uuid}}", scope) == "fixed"


def test_missing_variable_lists_defined_names(scope):
    with pytest.raises(TemplateError) as caught:
        render({"Item": {"id": "{{itme.id}}"}}, scope, "steps[2].http.json")
    assert str(caught.value) == ("steps[2].http.json.Item.id: undefined variable 'itme'; "
                                 "defined: flag, item, n, none, stack, table")
    assert caught.value.where == "steps[2].http.json.Item.id"


def test_missing_key_lists_keys(scope):
    with pytest.raises(TemplateError, match=r"^x: 'stack' has no key 'api'; keys: api_id, tables$"):
        render("{{stack.api}}", scope, "x")
    with pytest.raises(TemplateError, match=r"^x: 'item.tags' has no index '5' \(length 2\)$"):
        render("{{item.tags.5}}", scope, "x")
    with pytest.raises(TemplateError, match=r"^x: 'n' is 3, not an object or array$"):
        render("{{n.x}}", scope, "x")


def test_unparsable_and_bad_generator_calls(scope):
    with pytest.raises(TemplateError, match=r"cannot parse template \{\{n \+ 1\}\}"):
        render("{{n + 1}}", scope)
    with pytest.raises(TemplateError, match=r"bad generator call \{\{random_string\(x\)\}\}"):
        render("{{random_string(x)}}", scope)


def test_keys_in_where_are_quoted_when_odd(scope):
    with pytest.raises(TemplateError, match=r'^h\["Content-Type"\]: undefined'):
        render({"Content-Type": "{{missing}}"}, scope, "h")


def test_references():
    assert references({"a": "{{x}} {{ y.z }}", "{{k}}": ["{{uuid}}"]}) == ["x", "y.z", "k", "uuid"]


def test_captures_update_the_scope(scope):
    scope.set("n", 4)
    assert render("{{n}}", scope) == 4
    assert "n" in scope.names()
