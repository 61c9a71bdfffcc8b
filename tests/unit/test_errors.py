"""The error hierarchy, its exit statuses, and the map from lower-level errors (no network: exceptions built here)."""
from __future__ import annotations

import socket

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, SSLError

from harness import errors
from harness.deploy import DeployError
from harness.deploy.package import CodeDirError
from harness.emulator.state import StateFileError
from harness.load.plot import PlotUnavailable
from harness.replay import ScenarioError
from harness.replay.load_profile import ProfileError
from harness.targets.aws import RealAwsRefused
from harness.targets.endpoint_checks import endpoint_problem
from harness.targets.localstack import LocalStackError
from harness.targets.sessions import TargetUnavailable


@pytest.mark.parametrize("cls, code", [
    (errors.HarnessError, 1), (errors.AwsCallFailed, 1), (DeployError, 1),
    (errors.UsageError, 2), (errors.EndpointError, 2), (CodeDirError, 2), (RealAwsRefused, 2), (StateFileError, 2),
    (ProfileError, 2), (PlotUnavailable, 2),
    (errors.TargetUnavailable, 2), (LocalStackError, 2),
])
def test_user_facing_errors_are_harness_errors_with_their_exit_status(cls, code):
    assert issubclass(cls, errors.HarnessError) and cls("x").exit_code == code


def test_the_old_names_are_the_hierarchy_and_value_errors_stay_value_errors():
    assert TargetUnavailable is errors.TargetUnavailable
    assert issubclass(ScenarioError, errors.UsageError) and issubclass(ScenarioError, ValueError)
    assert issubclass(ProfileError, ValueError) and issubclass(StateFileError, ValueError)
    assert not issubclass(RealAwsRefused, SystemExit)


def test_an_aws_error_is_its_operation_code_and_message():
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "User is not authorized"}},
                        "CreateFunction")
    mapped = errors.translate(error)
    assert isinstance(mapped, errors.AwsCallFailed)
    assert str(mapped) == "CreateFunction failed: AccessDeniedException: User is not authorized"


def test_an_http_status_in_place_of_an_aws_error_means_no_aws_endpoint():
    error = ClientError({"Error": {"Code": "404", "Message": "<!DOCTYPE HTML><html>Not Found</html>"}},
                        "GetRestApis")
    assert str(errors.translate(error, "http://127.0.0.1:8000")) == (
        "127.0.0.1:8000 answers, but it is no AWS endpoint (HTTP 404, an HTML page): give the endpoint of "
        "`harness serve` or LocalStack")


def test_connection_errors_name_host_and_port_as_given():
    refused = EndpointConnectionError(endpoint_url="http://localhost:4567/2015-03-31/functions",
                                      error=ConnectionRefusedError(111, "Connection refused"))
    assert str(errors.translate(refused)) == (
        "nothing answers at localhost:4567 (connection refused); start one with `harness serve --port 4567`, or "
        "point the endpoint elsewhere")
    unknown = EndpointConnectionError(endpoint_url="http://stack.invalid:4566/", error=socket.gaierror(-2, "x"))
    assert str(errors.translate(unknown, "http://stack.invalid:4566")) == (
        "cannot find host stack.invalid (x): is the endpoint http://stack.invalid:4566 spelt right?")
    assert errors.translate(ConnectionRefusedError(111, "Connection refused"), "http://127.0.0.1").exit_code == 2
    assert errors.host_port("http://127.0.0.1") == "127.0.0.1 (port 80)"


def test_tls_to_a_plain_http_stack_says_to_use_http():
    error = SSLError(endpoint_url="https://127.0.0.1:4566/", error="[SSL: WRONG_VERSION_NUMBER] wrong version number")
    assert str(errors.translate(error, "https://127.0.0.1:4566")) == (
        "endpoint https://127.0.0.1:4566: the stack there speaks http, not https: give http://127.0.0.1:4566")


def test_credentials_files_and_bugs():
    assert errors.translate(NoCredentialsError()).exit_code == 2
    assert str(errors.translate(PermissionError(13, "Permission denied", "/root/out.xml"))) == \
        "Permission denied: /root/out.xml"
    assert errors.translate(KeyError("x")) is None
    assert errors.translate(OSError("no file name")) is None


def test_map_errors_keeps_the_cause_and_lets_bugs_through():
    with pytest.raises(errors.AwsCallFailed) as mapped:
        with errors.map_errors():
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "ListTables")
    assert isinstance(mapped.value.__cause__, ClientError)
    with pytest.raises(KeyError):
        with errors.map_errors():
            raise KeyError("a bug")


@pytest.mark.parametrize("url, problem", [
    ("127.0.0.1:4566", "endpoint 127.0.0.1:4566 has no scheme: give http://127.0.0.1:4566"),
    ("localhost:4566", "endpoint localhost:4566 has no scheme: give http://localhost:4566"),
    ("127.0.0.1:4566/_aws/execute-api/abc123/prod/db-api",
     "endpoint 127.0.0.1:4566/_aws/execute-api/abc123/prod/db-api has no scheme: give http://127.0.0.1:4566"),
    ("http://127.0.0.1:4566/_aws/execute-api/abc123/prod/db-api",
     "endpoint http://127.0.0.1:4566/_aws/execute-api/abc123/prod/db-api is an API's invoke URL; give the stack's "
     "endpoint: http://127.0.0.1:4566"),
    ("http://127.0.0.1:4566/restapis/abc123/prod/_user_request_/db-api",
     "endpoint http://127.0.0.1:4566/restapis/abc123/prod/_user_request_/db-api is an API's invoke URL; give the "
     "stack's endpoint: http://127.0.0.1:4566"),
    ("http://abc123.execute-api.localhost:4566/prod/db-api",
     "endpoint http://abc123.execute-api.localhost:4566/prod/db-api is an API's invoke URL; give the stack's "
     "endpoint: http://localhost:4566"),
    ("https://abc123.execute-api.us-west-1.amazonaws.com/prod/db-api",
     "endpoint https://abc123.execute-api.us-west-1.amazonaws.com/prod/db-api is an API's invoke URL on AWS; for "
     "real AWS give --target aws, no endpoint"),
    ("ftp://127.0.0.1:4566", "endpoint ftp://127.0.0.1:4566 is neither http nor https: give http://127.0.0.1:4566"),
    ("http://:4566", "endpoint http://:4566 has no host: give the stack's URL, e.g. http://127.0.0.1:4566"),
    ("http://127.0.0.1:99999",
     "endpoint http://127.0.0.1:99999 has no valid port (1-65535): give the stack's URL, e.g. http://127.0.0.1:4566"),
    ("", "the endpoint is empty: give the stack's URL, e.g. http://127.0.0.1:4566"),
    ("http://127.0.0.1:4566", None), ("http://127.0.0.1:4566/", None), ("https://localstack.example:443", None),
])
def test_endpoint_mistakes_are_named_with_what_to_type(url, problem):
    assert endpoint_problem(url) == problem


def test_requests_errors_map_and_a_bug_raised_while_handling_one_stays_a_bug():
    import requests

    down = requests.exceptions.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    assert str(errors.translate(down, "http://127.0.0.1:4567")).startswith(
        "nothing answers at 127.0.0.1:4567 (connection refused)")
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError:
            raise KeyError("a bug while handling it")
    except KeyError as bug:
        assert errors.translate(bug, "http://127.0.0.1:4567") is None
