"""Shared fixtures: an embedded stack in a child process (one per pytest-xdist worker), clients, a deployment."""
from __future__ import annotations

import pytest

from harness.clients import Clients, Endpoint
from harness.deploy import StackOutputs, StackSettings, deploy
from harness.emulator.process import StackProcess

REGION = "us-west-1"


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
