"""Turn the profile's mix into concrete requests, one at a time, from many client threads.

`Traffic.prepare` draws an entry by weight, renders its template in a fresh `Scope` (so generators give new values
on every request), builds the HTTP request exactly as a replay `http` step would (`harness.replay.render_model`,
`build_http_request`), and notes what the request writes: a POST's `Item` (which gets this run's marker, `load_run`)
or the `Key` of a PUT or DELETE. `settle` gets the answer's status and keeps the `ItemPool` current: an item whose
POST answered 200 becomes free for puts and deletes; a put or delete holds its item while in flight so no two
requests act on one item at once; a deleted item never comes back. Left out: writes through other operations
(BatchWriteItem bodies are not tracked) and items whose key is not a string (a table keyed by a number or binary
value is written, but not checked).
"""
from __future__ import annotations

import logging
import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..deploy import StackOutputs
from ..replay import (MARKER, NEEDS_ITEM, UNSET, HttpCall, LoadProfile, MixEntry, Request, Scope, build_http_request,
                      render_model)
from ..targets import Target

log = logging.getLogger(__name__)

KeyOf = Callable[[str], str]  # table name -> its hash key attribute


@dataclass(frozen=True)
class Prepared:
    """A request ready to send, and the item it writes (`table`, `item_id`) when it writes one."""

    request: Request
    kind: str
    label: str
    table: str | None = None
    item_id: str | None = None
    leased: bool = False  # the item came from the pool and must be settled back


class ItemPool:
    """Items this run wrote (POST answered 200) that no request is acting on right now. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: list[tuple[str, str]] = []

    def __len__(self) -> int:
        return len(self._free)

    def add(self, table: str, item_id: str) -> None:
        with self._lock:
            self._free.append((table, item_id))

    def lease(self, rng: random.Random) -> tuple[str, str] | None:
        """Take a random free item out of the pool (None when there is none)."""
        with self._lock:
            if not self._free:
                return None
            index = rng.randrange(len(self._free))
            self._free[index], self._free[-1] = self._free[-1], self._free[index]
            return self._free.pop()


class Traffic:
    """The request source shared by every client of one run."""

    def __init__(self, profile: LoadProfile, *, target: Target, outputs: StackOutputs, run_id: str,
                 key_of: KeyOf, variables: Mapping[str, Any] | None = None) -> None:
        self.profile = profile
        self.target = target
        self.outputs = outputs
        self.run_id = run_id
        self.key_of = key_of
        self.pool = ItemPool()
        self._in_flight: set[tuple[str, str]] = set()  # items of writes sent and not yet answered
        self._in_flight_lock = threading.Lock()
        self.table = profile.table or (outputs.tables[0] if outputs.tables else "")
        self._variables = dict(variables or {})
        self._weights = [entry.weight for entry in profile.mix]
        self._plain = [e for e in profile.mix if e.kind not in NEEDS_ITEM and e.weight > 0]
        self._plain_weights = [e.weight for e in self._plain]

    def draw(self, rng: random.Random) -> MixEntry:
        return rng.choices(self.profile.mix, weights=self._weights)[0]

    def prepare(self, rng: random.Random, client: int, seq: int) -> Prepared:
        """The next request of `client`; a put or delete with no free item is replaced by another draw."""
        entry = self.draw(rng)
        held: tuple[str, str] | None = None
        if entry.kind in NEEDS_ITEM:
            held = self.pool.lease(rng)
            if held is None:
                entry = rng.choices(self._plain, weights=self._plain_weights)[0]
        item_id = held[1] if held else str(uuid.uuid4())
        load = {"id": item_id, "seq": seq, "client": client, "run": self.run_id, "table": self.table,
                "key": self.key_of(self.table) if self.table else "id"}
        scope = Scope({**self._variables, "load": load})
        try:
            call: HttpCall = render_model(entry.http, scope, f"load.mix[{entry.label}]")
        except Exception:
            if held:
                self.pool.add(*held)
            raise
        table, written = self._written(entry.kind, call)  # adds this run's marker to a POST's Item
        request = build_http_request(call, self.target, self.outputs)
        if held and (table, written) != held:  # the template did not act on the leased item: free it again
            self.pool.add(*held)
            held = None
        if table is not None and written is not None:
            with self._in_flight_lock:
                self._in_flight.add((table, written))
        return Prepared(request, entry.kind, entry.label, table, written, leased=held is not None)

    def in_flight(self) -> set[tuple[str, str]]:
        """Items whose write was sent and not answered (yet): after an interrupted run, maybe written or not."""
        with self._in_flight_lock:
            return set(self._in_flight)

    def _written(self, kind: str, call: HttpCall) -> tuple[str | None, str | None]:
        body = call.json
        if body is UNSET or not isinstance(body, dict) or not isinstance(body.get("TableName"), str):
            return None, None
        table = body["TableName"]
        part = "Item" if kind == "post" else "Key" if kind in NEEDS_ITEM else None
        holder = body.get(part) if part else None
        if not isinstance(holder, dict):
            return None, None
        value = holder.get(self.key_of(table))
        if not isinstance(value, str):
            return None, None
        if kind == "post":
            holder.setdefault(MARKER, self.run_id)  # rendered copies: the template is untouched
        return table, value

    def settle(self, prepared: Prepared, status: int) -> None:
        """Update the pool with the answer (status 0: no answer)."""
        if prepared.item_id is None or prepared.table is None:
            return
        item = (prepared.table, prepared.item_id)
        with self._in_flight_lock:
            self._in_flight.discard(item)
        if prepared.kind == "post" and status == 200:
            self.pool.add(*item)
        elif prepared.leased and prepared.kind == "put" and status != 0 and status < 500:
            self.pool.add(*item)
        elif prepared.leased and prepared.kind == "delete" and 400 <= status < 500:
            self.pool.add(*item)  # refused: still there
        # a delete that answered 200, 5xx or nothing is gone (or may be): never used again
