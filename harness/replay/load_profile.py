"""The traffic profile of a load run: how many clients, how fast they arrive, when to stop, what they send.

A `LoadProfile` is plain frozen data, built by `harness load` from its options (`harness.cli.load.profile_from_args`)
or by the scenario loader from a `load` block; its defaults live here too. Requests come from `MixEntry` templates
(the replay engine's `HttpCall`, rendered per request so `{{uuid}}` is fresh every time), drawn at random by weight.
The four kinds of the CLI's `--mix` are built-in templates on the tutorial's API (`BUILTIN`):

  get     GET ?TableName=<table>                  the tutorial's scan
  post    POST {"TableName", "Item": {<key>: uuid}}  a new item (the marker `load_run` is added to every Item)
  put     PUT  UpdateItem on an item this run wrote (conditional: it never creates one)
  delete  DELETE an item this run wrote

Per-request template variables (`LOAD_NAMES`): `load.id` (put/delete: an item of this run no other request is using;
otherwise a fresh uuid), `load.seq` (request number), `load.client`, `load.run` (the run id), `load.table` and
`load.key` (the table of the built-in kinds and its key attribute). Left out: open-model arrival rates (clients send
back to back, with optional think time), per-kind think times.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import UsageError
from .scenario import HttpCall

KINDS = ("get", "post", "put", "delete")
NEEDS_ITEM = ("put", "delete")  # kinds that act on an item this run wrote
MARKER = "load_run"  # the attribute that tells this run's items apart in a shared table
DEFAULT_CLIENTS = 8
DEFAULT_TIMEOUT_S = 35.0  # per request
LOAD_NAMES = ("id", "seq", "client", "run", "table", "key")  # {{load.*}}: per request, in mix templates only

BUILTIN: Mapping[str, HttpCall] = {
    "get": HttpCall(method="GET", query={"TableName": "{{load.table}}"}),
    "post": HttpCall(method="POST", json={"TableName": "{{load.table}}", "Item": {
        "{{load.key}}": "{{load.id}}", "text": "load {{load.seq}}", "client": "{{load.client}}"}}),
    "put": HttpCall(method="PUT", json={
        "TableName": "{{load.table}}", "Key": {"{{load.key}}": "{{load.id}}"},
        "UpdateExpression": "SET #t = :t", "ConditionExpression": "attribute_exists(#k)",
        "ExpressionAttributeNames": {"#t": "text", "#k": "{{load.key}}"},
        "ExpressionAttributeValues": {":t": "updated {{load.seq}}"}}),
    "delete": HttpCall(method="DELETE", json={"TableName": "{{load.table}}", "Key": {"{{load.key}}": "{{load.id}}"}}),
}


class ProfileError(UsageError, ValueError):
    """A profile that cannot run; the message says which option and why."""


def kind_of(method: str) -> str:
    """The kind of a request by its verb: get, post, put, delete, or `other` (a templated or unusual verb)."""
    lowered = str(method).lower()
    return lowered if lowered in KINDS else "other"


@dataclass(frozen=True)
class MixEntry:
    """One kind of request in the mix: a template drawn with probability weight / total weight."""

    weight: float
    http: HttpCall
    name: str = ""

    @property
    def kind(self) -> str:
        return kind_of(self.http.method)

    @property
    def label(self) -> str:
        return self.name or self.kind


@dataclass(frozen=True)
class Thresholds:
    """When a run fails besides lost or phantom writes; None = not checked."""

    max_p99_ms: float | None = None
    max_p95_ms: float | None = None
    max_error_rate: float | None = None  # 0.01 = 1 %
    min_rps: float | None = None
    no_lost_writes: bool = True


@dataclass(frozen=True)
class LoadProfile:
    """Clients ramp up linearly over `ramp_s` (client i starts at i/(n-1) of it), then send back to back (plus
    `think_s`) until `requests` were sent or `duration_s` (ramp included) has passed, whichever comes first."""

    mix: tuple[MixEntry, ...]
    clients: int = DEFAULT_CLIENTS
    ramp_s: float = 0.0
    duration_s: float | None = None
    requests: int | None = None
    think_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_S
    seed: int | None = None
    table: str | None = None  # the built-in kinds' table (None: the stack's main table)
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise ProfileError("; ".join(problems))

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.kind for entry in self.mix))

    def describe(self) -> str:
        """`32 clients (ramp 2 s), 2000 requests, mix post 100%`."""
        total = sum(e.weight for e in self.mix)
        mix = ", ".join(f"{e.label} {100 * e.weight / total:.0f}%" for e in self.mix)
        stop = " or ".join(filter(None, [f"{self.requests} requests" if self.requests else "",
                                         f"{self.duration_s:g} s" if self.duration_s else ""]))
        ramp = f" (ramp {self.ramp_s:g} s)" if self.ramp_s else ""
        think = f", think {self.think_s:g} s" if self.think_s else ""
        return f"{self.clients} clients{ramp}, {stop}, mix {mix}{think}"

    def to_json(self) -> dict[str, Any]:
        return {"clients": self.clients, "ramp_s": self.ramp_s, "duration_s": self.duration_s,
                "requests": self.requests, "think_s": self.think_s, "timeout_s": self.timeout_s, "seed": self.seed,
                "table": self.table, "mix": [{"name": e.label, "weight": e.weight, "method": e.http.method}
                                             for e in self.mix]}


def validate(profile: LoadProfile) -> list[str]:
    """Every reason `profile` cannot run (empty when it can)."""
    problems = []
    if profile.clients < 1:
        problems.append(f"clients must be at least 1, got {profile.clients}")
    if profile.ramp_s < 0 or profile.think_s < 0:
        problems.append("ramp and think time cannot be negative")
    if profile.timeout_s <= 0:
        problems.append("the request timeout must be positive")
    if profile.requests is None and profile.duration_s is None:
        problems.append("give a request count or a duration")
    if profile.requests is not None and profile.requests < 1:
        problems.append(f"requests must be at least 1, got {profile.requests}")
    if profile.duration_s is not None and profile.duration_s <= 0:
        problems.append(f"the duration must be positive, got {profile.duration_s:g}")
    if not profile.mix or any(e.weight < 0 for e in profile.mix) or sum(e.weight for e in profile.mix) <= 0:
        problems.append("the mix needs at least one request with a positive weight (and none negative)")
    kinds = {e.kind for e in profile.mix if e.weight > 0}
    if kinds & set(NEEDS_ITEM) and "post" not in kinds:
        problems.append("put and delete act on items this run wrote: add post to the mix")
    return problems


def parse_mix(text: str) -> tuple[MixEntry, ...]:
    """`get=90,post=10` -> the built-in templates with those weights (ProfileError on anything else)."""
    entries: list[MixEntry] = []
    seen: set[str] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"([a-z]+)\s*[=:]\s*([0-9]+(?:\.[0-9]*)?)", part.lower())
        if not match:
            raise ProfileError(f"bad mix entry {part!r}: expected kind=weight, e.g. get=90,post=10")
        kind, weight = match.group(1), float(match.group(2))
        if kind not in KINDS:
            raise ProfileError(f"unknown request kind {kind!r} in the mix; known: {', '.join(KINDS)}")
        if kind in seen:
            raise ProfileError(f"{kind!r} appears twice in the mix")
        seen.add(kind)
        if weight > 0:
            entries.append(MixEntry(weight, BUILTIN[kind], kind))
    if not entries:
        raise ProfileError(f"the mix {text!r} has no request with a positive weight")
    return tuple(entries)
