"""ArnLike and the Lambda resource-policy check API Gateway's invoke must pass."""
from __future__ import annotations

import pytest

from harness.emulator.gateway.authorize import (
    arn_like,
    execute_api_source_arn,
    invoked_arns,
    is_invoke_allowed,
    string_like,
)
from tests.unit.test_gateway_support import ACCOUNT, API, FN_ARN, REGION, TUTORIAL_SOURCE_ARN, allow_statement

SOURCE = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/db-api"


def allowed(statements, source=SOURCE, arns=(FN_ARN,), account=ACCOUNT) -> bool:
    return is_invoke_allowed(statements, source_arn=source, source_account=account, function_arns=arns)


# ---- ArnLike ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, arn, expected", [
    (TUTORIAL_SOURCE_ARN, SOURCE, True),
    (TUTORIAL_SOURCE_ARN, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/test-invoke-stage/POST/db-api", True),
    (TUTORIAL_SOURCE_ARN, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:other/prod/GET/db-api", False),
    (TUTORIAL_SOURCE_ARN, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/other", False),
    (TUTORIAL_SOURCE_ARN, f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/db-api/x", False),
    (TUTORIAL_SOURCE_ARN, f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:{API}/prod/GET/db-api", False),
    (f"arn:aws:execute-api:*:{ACCOUNT}:{API}/*", SOURCE, True),
    (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/pro?/GET/db-api", SOURCE, True),
    (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/pr?/GET/db-api", SOURCE, False),
    (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API.upper()}/*/*/db-api", SOURCE, False),  # case-sensitive
    ("arn:aws:execute-api:*", SOURCE, False),  # fewer than six parts: not an ARN pattern
    ("*", SOURCE, True),
    (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/db-api", "not-an-arn", False),
])
def test_arn_like(pattern, arn, expected):
    assert arn_like(pattern, arn) is expected


def test_arn_like_star_in_a_part_does_not_span_colons():
    assert not arn_like("arn:aws:*:us-east-1:1:x", "arn:aws:a:b:us-east-1:1:x")


def test_string_like_specials_are_literal():
    assert string_like("a.b[1]", "a.b[1]") and not string_like("a.b", "axb")


def test_execute_api_source_arn_drops_leading_slash():
    assert execute_api_source_arn(REGION, ACCOUNT, API, "prod", "GET", "/db-api") == SOURCE
    assert execute_api_source_arn(REGION, ACCOUNT, API, "prod", "GET", "/") == \
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/"
    assert execute_api_source_arn(REGION, ACCOUNT, API, "s", "PUT", "/items/{id}").endswith("/s/PUT/items/{id}")


# ---- policy evaluation -------------------------------------------------------------------------------

def test_tutorial_permission_allows_its_path():
    assert allowed([allow_statement()])


def test_wrong_api_id_denied():
    assert not allowed([allow_statement()], source=SOURCE.replace(API, "zzz999"))


def test_wrong_path_denied():
    assert not allowed([allow_statement()], source=SOURCE.replace("db-api", "other"))


def test_no_statements_denied():
    assert not allowed([])


def test_statement_without_condition_allows_all():
    assert allowed([allow_statement(None)], source="arn:aws:execute-api:x:y:anything/at/all")


def test_explicit_deny_wins():
    assert not allowed([allow_statement(None), allow_statement(effect="Deny", sid="d")])
    assert not allowed([allow_statement(effect="Deny", sid="d"), allow_statement(None)])


def test_deny_that_does_not_apply_is_ignored():
    deny_other = allow_statement(SOURCE.replace("db-api", "other"), effect="Deny", sid="d")
    assert allowed([allow_statement(), deny_other])


def test_principal_shapes():
    st = allow_statement()
    for principal in ("apigateway.amazonaws.com", "*", {"Service": ["s3.amazonaws.com", "apigateway.amazonaws.com"]},
                      {"AWS": "*"}):
        assert allowed([{**st, "Principal": principal}]), principal
    for principal in ("s3.amazonaws.com", {"Service": "s3.amazonaws.com"}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, None):
        assert not allowed([{**st, "Principal": principal}]), principal


def test_action_shapes():
    st = allow_statement()
    for action in ("lambda:InvokeFunction", "lambda:invokefunction", "lambda:*", "*", ["s3:Get*", "lambda:Invoke*"]):
        assert allowed([{**st, "Action": action}]), action
    for action in ("lambda:GetFunction", ["s3:*"], None):
        assert not allowed([{**st, "Action": action}]), action


def test_condition_operators_and_key_case():
    st = allow_statement(None)
    ok = [
        {"StringEquals": {"AWS:SourceArn": SOURCE}},
        {"ArnEquals": {"aws:sourcearn": SOURCE}},
        {"ArnLike": {"aws:SourceArn": [f"arn:aws:execute-api:{REGION}:{ACCOUNT}:other/*", TUTORIAL_SOURCE_ARN]}},
        {"StringLike": {"AWS:SourceArn": "*db-api"}},
        {"ArnLike": {"AWS:SourceArn": TUTORIAL_SOURCE_ARN}, "StringEquals": {"AWS:SourceAccount": ACCOUNT}},
        {"ArnNotLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:other/*"}},
        {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}},
    ]
    for condition in ok:
        assert allowed([{**st, "Condition": condition}]), condition
    bad = [
        {"StringEquals": {"AWS:SourceArn": TUTORIAL_SOURCE_ARN}},  # no wildcards in StringEquals
        {"ArnLike": {"AWS:SourceArn": TUTORIAL_SOURCE_ARN}, "StringEquals": {"AWS:SourceAccount": "999999999999"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},  # a key API Gateway does not carry
        {"NumericEquals": {"AWS:SourceArn": "1"}},  # an operator we do not evaluate
        {"ArnNotLike": {"AWS:SourceArn": TUTORIAL_SOURCE_ARN}},
    ]
    for condition in bad:
        assert not allowed([{**st, "Condition": condition}]), condition


def test_resource_must_name_the_invoked_function():
    assert not allowed([allow_statement(resource_arn=FN_ARN.replace("db-fn", "other"))])
    assert allowed([allow_statement(resource_arn=FN_ARN + "*")])
    assert allowed([{k: v for k, v in allow_statement().items() if k != "Resource"}])


def test_qualified_permissions():
    qualified = allow_statement(resource_arn=FN_ARN + ":live")
    assert allowed([qualified], arns=invoked_arns(FN_ARN, "live"))
    assert not allowed([allow_statement()], arns=invoked_arns(FN_ARN, "live"))
    assert not allowed([qualified], arns=invoked_arns(FN_ARN, None))
    assert allowed([allow_statement()], arns=invoked_arns(FN_ARN, "$LATEST"))


def test_not_principal_statements_never_apply():
    st = {k: v for k, v in allow_statement().items() if k != "Principal"}
    assert not allowed([{**st, "NotPrincipal": {"Service": "s3.amazonaws.com"}}])


def test_moto_shape_from_add_permission():
    # what moto 5.2 stores for `aws lambda add-permission --principal apigateway.amazonaws.com --source-arn ...`
    stored = {
        "Action": "lambda:InvokeFunction",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Effect": "Allow",
        "Resource": FN_ARN,
        "Sid": "apigateway-test-2",
        "Condition": {"ArnLike": {"AWS:SourceArn": TUTORIAL_SOURCE_ARN}},
    }
    assert allowed([stored])
    assert allowed([stored], source=SOURCE.replace("/prod/GET/", "/test-invoke-stage/GET/"))
    assert not allowed([stored], source=SOURCE.replace("db-api", "db-api2"))
