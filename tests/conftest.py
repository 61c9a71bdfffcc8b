"""Shared fixtures: an embedded stack in a child process (one per pytest-xdist worker), clients, a deployment."""
from __future__ import annotations

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy import StackOutputs, StackSettings, deploy
from harness.emulator.process import StackProcess

REGION = "us-west-1"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Build the default Python runtime's cached environment (awslambdaric + boto3, pip) before any stack needs
    it: once per machine, shared by every test worker; a failure shows in the tests that invoke functions."""
    from harness.deploy.settings import StackSettings
    from harness.emulator.runtime.python_runtimes import PythonFamily
    from harness.emulator.runtime.runtime_cache import RuntimeBuildError

    try:
        PythonFamily().prepare(StackSettings().runtime)
    except RuntimeBuildError:
        pass


@pytest.fixture(scope="session")
def stack_process():
    with StackProcess(region=REGION) as proc:
        yield proc


@pytest.fixture(scope="session")
def stack_url(stack_process) -> str:
    return stack_process.url


@pytest.fixture(scope="session")
def clients(stack_url) -> Clients:
    return Clients(Endpoint(stack_url, REGION))


@pytest.fixture(scope="session")
def tutorial_stack(clients) -> StackOutputs:
    """The tutorial's stack with default settings, deployed once per session (tests must not tear it down)."""
    return deploy(StackSettings(region=REGION), clients)
