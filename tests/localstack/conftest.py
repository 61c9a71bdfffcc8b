"""Fixtures for tests that need a real LocalStack.

`localstack_endpoint` (session): the URL of a LocalStack answering `/_localstack/health`, found by its
conventions (AWS_ENDPOINT_URL, LOCALSTACK_HOST, else http://localhost:4566). When nothing answers and a Docker
engine does, it starts `${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}` through the Docker SDK (only if the
image is already present: it never pulls) and removes the container afterwards; HARNESS_LOCALSTACK_START=0
turns that off. Otherwise every test here is skipped with the reason. `localstack_target`: the Target for it.
"""
from __future__ import annotations

import os
from typing import Iterator

import pytest

from harness.targets import localstack as ls
from harness import targets


@pytest.fixture(scope="session")
def localstack_endpoint() -> Iterator[str]:
    start = os.environ.get("HARNESS_LOCALSTACK_START", "1").strip().lower() not in ("0", "false", "no", "off")
    with ls.session(targets.localstack.localstack_url(), start_if_needed=start) as found:
        if found.url is None:
            pytest.skip(f"needs a real LocalStack: {found.reason}")
        yield found.url


@pytest.fixture(scope="session")
def localstack_target(localstack_endpoint: str) -> targets.Target:
    target = targets.localstack.target(localstack_endpoint, region="us-west-1")
    ls.wait_ready(target)
    return target
