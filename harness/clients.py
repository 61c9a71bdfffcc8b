"""How to reach an AWS endpoint: boto3 clients for one endpoint URL and region, created once and reused.

`Endpoint(url=None)` means real AWS with the default credential chain; any other URL (the embedded stack,
LocalStack, moto's server) gets fixed fake credentials unless others are given. Credentials never appear in
`repr` or logs. Left out: profiles and assumed roles beyond what the default chain does.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from .defaults import DEFAULT_REGION

FAKE_CREDENTIALS = ("test", "test")

_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=65,
                 max_pool_connections=64)


@dataclass(frozen=True)
class Endpoint:
    """An AWS-compatible endpoint: its URL (None = real AWS), region and credentials."""

    url: str | None
    region: str = DEFAULT_REGION
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)

    @property
    def is_local(self) -> bool:
        return self.url is not None

    def credentials(self) -> tuple[str | None, str | None]:
        if self.access_key or not self.is_local:
            return self.access_key, self.secret_key
        return FAKE_CREDENTIALS


class Clients:
    """boto3 clients for one endpoint, created lazily, one per service, thread-safe."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        key, secret = endpoint.credentials()
        self._session = boto3.session.Session(
            aws_access_key_id=key, aws_secret_access_key=secret, region_name=endpoint.region
        )

    def __call__(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            with self._lock:
                client = self._clients.get(service)
                if client is None:
                    client = self._session.client(service, endpoint_url=self.endpoint.url, config=_CONFIG)
                    self._clients[service] = client
        return client

    def document_client(self) -> Any:
        """A DynamoDB client that takes and returns plain JSON values (boto3's resource layer)."""
        resource = self._session.resource("dynamodb", endpoint_url=self.endpoint.url, config=_CONFIG)
        return resource.meta.client
