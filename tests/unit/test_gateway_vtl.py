"""Mapping templates: AWS's variables over airspeed-ext, and failures as TemplateFailure (never a crash)."""
from __future__ import annotations

import pytest

from harness.emulator.gateway.integrations import NonProxyIntegrations
from harness.emulator.gateway.validate import describe
from harness.emulator.gateway.vtl import InputVariable, JavaMap, TemplateFailure, UtilVariable, render, response_override
from harness.emulator.snapshots import IntegrationResponseSnapshot

BODY = b'{"TableName": "messages", "Item": {"id": "1"}, "tags": [{"a": 1}], "n": 5}'
PARAMS = {"path": {"id": "7"}, "querystring": {"q": "x"}, "header": {"X-Key": "v"}}


def run(template: str, **extra) -> str:
    return render(template, {"input": InputVariable(BODY, PARAMS), **extra})


@pytest.mark.parametrize("template,expected", [
    ("$input.json('$.Item')", '{"id":"1"}'),
    ("$input.path('$.TableName')", "messages"),
    ("$input.path('$.Item')", "{id=1}"),  # a map prints as Java's
    ("$input.path('$.tags')", '[{"a":1}]'),  # a list as JSON
    ("$input.path('$.n')", "5"),
    ("$input.params('id') $input.params('q') $input.params('x-key')", "7 x v"),
    ("$input.params().querystring.q", "x"),
    ("#foreach($k in $input.path('$.Item').keySet())$k#end", "id"),
    ("$util.escapeJavaScript(\"it's\")", "it\\'s"),
    ("$util.urlEncode('a b&c')", "a+b%26c"),
    ("$util.base64Encode('hi')", "aGk="),
    ("$util.parseJson('{\"a\": [1]}').a", "[1]"),
])
def test_input_and_util(template, expected):
    assert run(template) == expected


def test_response_override_is_written_through_the_context():
    context = JavaMap({"responseOverride": response_override()})
    run("#set($context.responseOverride.status = 201)#set($context.responseOverride.header.X-A = 'b')",
        context=context)
    assert context["responseOverride"]["status"] == 201 and context["responseOverride"]["header"] == {"X-A": "b"}


@pytest.mark.parametrize("template", ["#if($input.path('$.n')", "#foreach($x in", "$input.json('$[')",
                                      "#include('/etc/passwd')", "#parse('x.vm')", "$util.parseJson('{')",
                                      "$input.__class__", "$util.escapeJavaScript.__globals__", "$!{_hidden}",
                                      "#set($x = $input._params)$x"])
def test_bad_templates_fail_cleanly(template):
    with pytest.raises(TemplateFailure):
        run(template)


def test_escape_javascript_escapes_quotes_and_newlines():
    assert UtilVariable.escapeJavaScript('a"b\nc') == 'a\\"b\\nc'


def test_integration_response_selection_matches_in_full_else_default():
    responses = (IntegrationResponseSnapshot("200"), IntegrationResponseSnapshot("400", ".*bad.*"),
                 IntegrationResponseSnapshot("404", "4\\d\\d"))
    assert NonProxyIntegrations.select(responses, "something bad").status_code == "400"
    assert NonProxyIntegrations.select(responses, "404").status_code == "404"
    assert NonProxyIntegrations.select(responses, "4040").status_code == "200"
    assert NonProxyIntegrations.select(responses[1:], "fine") is None


def test_schema_errors_are_worded_as_the_java_validator_does():
    from jsonschema import Draft4Validator

    schema = {"type": "object", "required": ["a", "b"], "properties": {"c": {"type": "string"}}}
    errors = list(Draft4Validator(schema).iter_errors({"c": 1}))
    assert describe(errors) == ['object has missing required properties (["a","b"])',
                                'instance type (integer) does not match any allowed primitive type (allowed: ["string"])']
