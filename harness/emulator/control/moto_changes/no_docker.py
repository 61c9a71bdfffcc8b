"""moto never reaches for Docker inside the embedded stack: the stack runs functions itself (runtime/).

moto's models carry a lazy `docker_client` property (moto.utilities.docker_utilities.DockerModel) that calls
`docker.from_env()`. Nothing the stack serves needs it, but moto's `/moto-api/data.json` reads every public
attribute of every model, so with a Lambda function deployed and no Docker engine (CI, most laptops) the
property raised DockerException and the route answered 500. Here the property raises AttributeError, which
data.json skips like any attribute it cannot show. Left out: nothing else of moto's Docker support is used.
"""
from __future__ import annotations

from typing import Any

from moto.utilities.docker_utilities import DockerModel


def _no_docker_client(self: Any) -> Any:
    raise AttributeError("the embedded stack runs functions itself; moto's Docker client is not used")


def keep_moto_off_docker() -> None:
    """Replace moto's lazy Docker client with one that is never made (idempotent)."""
    DockerModel.docker_client = property(_no_docker_client)  # type: ignore[assignment, method-assign]
