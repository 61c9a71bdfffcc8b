"""The template checks CloudFormation makes before creating anything (emulator/template_checks.py), with AWS's
messages (CloudFormation User Guide, "Template format error" and circular dependency errors)."""
from __future__ import annotations

import pytest

from harness.emulator.template_checks import template_problem


def queue(**props):
    return {"Type": "AWS::SQS::Queue", "Properties": props}


def test_a_well_formed_template_passes():
    assert template_problem({"Parameters": {"P": {"Type": "String"}}, "Resources": {
        "A": queue(QueueName={"Fn::Sub": "${P}-${AWS::Region}-${!Literal}"}),
        "B": queue(QueueName={"Fn::Sub": ["${X}", {"X": {"Fn::GetAtt": ["A", "QueueName"]}}]}),
        "C": {**queue(), "DependsOn": ["A", "B"]}}}) is None


@pytest.mark.parametrize(("template", "message"), [
    ([], "Template format error: JSON not well-formed."),
    ({"Resources": {}}, "Template format error: At least one Resources member must be defined."),
    ({"Resources": {"A": queue(QueueName={"Fn::Nope": 1})}},
     "Template format error: Encountered unsupported function: Fn::Nope Supported functions are: [Fn::Base64"),
    ({"Resources": {"A": queue(QueueName={"Ref": "Nothing"})}},
     "Template format error: Unresolved resource dependencies [Nothing] in the Resources block of the template"),
    ({"Resources": {"A": queue(QueueName={"Fn::Sub": "${B.QueueName}"}), "B": {**queue(), "DependsOn": "C"},
                    "C": queue(QueueName={"Ref": "A"})}},
     "Circular dependency between resources: [A, B, C]"),
    ({"Resources": {"A": {**queue(), "DependsOn": "A"}}}, "Circular dependency between resources: [A]"),
])
def test_a_template_aws_refuses_names_why(template, message):
    problem = template_problem(template)
    assert problem is not None and problem.startswith(message)
