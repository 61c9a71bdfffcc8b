"""query_input.py: a query-protocol request read back into its input's shape, the way botocore flattened it."""
from __future__ import annotations

from urllib.parse import parse_qsl

import botocore.session
from botocore.serialize import create_serializer

from harness.emulator.front.query_input import query_input

SESSION = botocore.session.get_session()


def _round_trip(service: str, operation: str, params: dict) -> dict:
    """`params` serialized by botocore's own query serializer, then read back."""
    model = SESSION.get_service_model(service).operation_model(operation)
    body = create_serializer("query").serialize_to_request(params, model)["body"]
    flat = dict(parse_qsl(body, keep_blank_values=True)) if isinstance(body, str) else dict(body)
    return query_input(model.input_shape, flat)


def test_scalars_lists_of_structures_and_numbers():
    params = {"RoleName": "r", "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": 3600,
              "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
    assert _round_trip("iam", "CreateRole", params) == params


def test_lists_of_strings_and_empty_lists():
    params = {"StackName": "s", "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"], "NotificationARNs": [],
              "DisableRollback": True, "Parameters": [{"ParameterKey": "k", "ParameterValue": "v"}]}
    assert _round_trip("cloudformation", "CreateStack", params) == params


def test_maps_and_nested_structures():
    params = {"ChangeSetName": "c", "StackName": "s",
              "RollbackConfiguration": {"RollbackTriggers": [{"Arn": "arn:x", "Type": "t"}], "MonitoringTimeInMinutes": 5}}
    assert _round_trip("cloudformation", "CreateChangeSet", params) == params
    params = {"Name": "t", "Attributes": {"DisplayName": "d", "Policy": "{}"}, "Tags": [{"Key": "k", "Value": "v"}]}
    assert _round_trip("sns", "CreateTopic", params) == params


def test_values_that_do_not_read_as_their_type_stay_text_and_absent_members_stay_absent():
    model = SESSION.get_service_model("iam").operation_model("CreateRole")
    got = query_input(model.input_shape, {"RoleName": "r", "MaxSessionDuration": "soon", "Unknown.member.1": "x"})
    assert got == {"RoleName": "r", "MaxSessionDuration": "soon"}
    assert query_input(model.input_shape, {}) == {}
