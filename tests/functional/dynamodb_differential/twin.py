"""The same DynamoDB request to DynamoDB Local and to the embedded stack, and their answers in comparable form.

An answer is `Failed(status, code, message)` or `Succeeded(body)`, where body is the response without what
cannot match between two implementations: request metadata, creation times, table ids, the account and region
in ARNs, times (only their presence is compared), the live ItemCount/TableSizeBytes (AWS refreshes them about every six hours, DynamoDB Local at once:
see docs/differences.md). botocore's own parameter validation is off, so the servers judge every request.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-west-1"
_ARN = re.compile(r"arn:aws:dynamodb:[^:]*:[0-9]*:")
# WarmThroughput, an on-demand index's ProvisionedThroughput: AWS describes them, DynamoDB Local does not; an
# on-demand table's LastIncrease/DecreaseDateTime: DynamoDB Local's own (see test_table_description_as_aws)
_VOLATILE = {"TableId", "ItemCount", "TableSizeBytes", "NumberOfDecreasesToday", "IndexSizeBytes", "WarmThroughput",
             "LastIncreaseDateTime", "LastDecreaseDateTime"}
_INDEX_ONLY_AWS = {"ProvisionedThroughput"}


@dataclass(frozen=True)
class Failed:
    status: int
    code: str
    message: str
    details: str = ""  # CancellationReasons, the Item of a failed condition (JSON), when the error carries them


@dataclass(frozen=True)
class Succeeded:
    body: Any


def _client(url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"},
                                      read_timeout=30, connect_timeout=5))


def comparable(value: Any) -> Any:
    """`value` without the parts two implementations cannot share (see the module's docstring)."""
    if isinstance(value, dict) and "IndexName" in value:
        value = {k: v for k, v in value.items() if k not in _INDEX_ONLY_AWS}
    if isinstance(value, dict):
        return {k: "<time>" if k.endswith("DateTime") else comparable(v) for k, v in value.items()
                if k not in _VOLATILE and k != "ResponseMetadata"}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, str):
        return _ARN.sub("arn:aws:dynamodb:REGION:ACCOUNT:", value)
    return value


class Twin:
    """DynamoDB Local (`local`) and the embedded stack (`stack`), each with the suite's tables.

    Tables (names unique to the session): `T` hash key `pk` (S); `R` hash `pk` (S) and range `sk` (N), seeded
    with pk `p1`, sk 1..5; `B` hash key `bk` (B)."""

    def __init__(self, local_url: str, stack_url: str) -> None:
        self.local = _client(local_url)
        self.stack = _client(stack_url)
        self.prefix = f"diff{uuid.uuid4().hex[:6]}"
        self.tables = {"T": f"{self.prefix}-t", "R": f"{self.prefix}-r", "B": f"{self.prefix}-b"}

    def create_tables(self) -> None:
        for client in (self.local, self.stack):
            client.create_table(TableName=self.tables["T"], BillingMode="PAY_PER_REQUEST",
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
            client.create_table(TableName=self.tables["R"], BillingMode="PAY_PER_REQUEST",
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                      {"AttributeName": "sk", "AttributeType": "N"}])
            client.create_table(TableName=self.tables["B"], BillingMode="PAY_PER_REQUEST",
                                KeySchema=[{"AttributeName": "bk", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "bk", "AttributeType": "B"}])
            for sk in range(1, 6):
                client.put_item(TableName=self.tables["R"], Item={
                    "pk": {"S": "p1"}, "sk": {"N": str(sk)}, "n": {"N": str(sk * 10)},
                    "tag": {"S": "even" if sk % 2 == 0 else "odd"}, "size": {"S": "x" * sk}})

    def unique(self, stem: str = "item") -> str:
        return f"{stem}-{uuid.uuid4().hex[:8]}"

    def fill(self, value: Any) -> Any:
        """`value` with `{T}`, `{R}`, `{B}` in strings replaced by the session's table names."""
        if isinstance(value, dict):
            return {self.fill(k): self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, str) and "{" in value:
            for short, name in self.tables.items():
                value = value.replace("{" + short + "}", name)
            value = value.replace("{P}", self.prefix)
        return value

    @staticmethod
    def ask(client: Any, operation: str, params: dict[str, Any]) -> Failed | Succeeded:
        try:
            return Succeeded(comparable(getattr(client, operation)(**params)))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            details = {k: exc.response[k] for k in ("CancellationReasons", "Item") if k in exc.response}
            return Failed(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
                          str(error.get("Code", "")), str(error.get("Message", "")),
                          json.dumps(details, sort_keys=True, default=str) if details else "")

    def both(self, operation: str, params: dict[str, Any]) -> tuple[Failed | Succeeded, Failed | Succeeded]:
        """(DynamoDB Local's answer, the stack's answer) to the same request."""
        params = self.fill(params)
        return self.ask(self.local, operation, params), self.ask(self.stack, operation, params)

    def on_both(self, operation: str, **params: Any) -> None:
        """Set-up: the same call on both, which must succeed on both."""
        params = self.fill(params)
        getattr(self.local, operation)(**params)
        getattr(self.stack, operation)(**params)
