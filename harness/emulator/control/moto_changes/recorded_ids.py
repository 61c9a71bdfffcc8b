"""The ids moto makes up for API Gateway resources, recorded with a request and given back when it is replayed.

API Gateway ids (REST APIs, resources, deployments, API keys, usage plans, authorizers, models, validators) are
random. A `--state` journal (journal.py) replays the stack's writes at start; for the replay to give every
resource the id it had (an API's URL, the ids later requests name), `ApigwIdentifier.generate` is wrapped:
after `begin_recording()` each id it makes is kept (`recorded()`); inside `replaying(ids)` it hands out
`ids` in order instead of making new ones (a request makes its ids in the same order each time it runs).
Left out: ids of other services (their resources are named by the caller; Lambda's RevisionIds and IAM's
role ids change across a restart).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

_local = threading.local()


def begin_recording() -> list[str]:
    """From now on, the ids made in this thread are appended to the list returned (until the next begin)."""
    made: list[str] = []
    _local.recorded, _local.replayed = made, None
    return made


def recorded() -> list[str]:
    """The ids made in this thread since `begin_recording` (empty when not recording)."""
    return list(getattr(_local, "recorded", None) or [])


@contextmanager
def replaying(ids: list[str]) -> Iterator[None]:
    """Hand out `ids` (in order) as the ids made in this thread while inside; new ones once they run out."""
    _local.recorded, _local.replayed = None, list(ids)
    try:
        yield
    finally:
        _local.replayed = None


def record_api_gateway_ids() -> None:
    """Wrap moto's API Gateway id maker (applied once)."""
    from moto.apigateway.utils import ApigwIdentifier

    if getattr(ApigwIdentifier.generate, "_harness", False):
        return
    original = ApigwIdentifier.generate

    def generate(self: Any, existing_ids: Any = None, tags: Any = None) -> str:
        replayed = getattr(_local, "replayed", None)
        if replayed:
            made = replayed.pop(0)
        else:
            made = original(self, existing_ids=existing_ids, tags=tags)
        recorded = getattr(_local, "recorded", None)
        if recorded is not None:
            recorded.append(made)
        return made

    generate._harness = True  # type: ignore[attr-defined]
    ApigwIdentifier.generate = generate  # type: ignore[method-assign]
