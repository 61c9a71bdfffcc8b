"""Drive the traffic: one thread per client, each with its own keep-alive `requests.Session`.

Client i starts at `ramp_s * i / (clients - 1)`; then it prepares, sends and settles requests back to back (sleeping
only for the profile's think time) until the request budget is spent, the duration has passed or `stop` is set.
Every request leaves one `Sample`. A ticker thread reports a `Snapshot` every `tick_s` for the live progress line.
The hot path takes no lock: the request budget is an `itertools.count`, samples go to a list (`append` is atomic)
and each client counts into its own slot. Ctrl-C (or `stop.set()`) ends the run early: requests in flight finish
and are recorded (for at most `drain_s`, default the request timeout plus 1 s; 0: not waited for), and the result
says it was interrupted.
Left out: HTTP/2, connection limits per host, retrying failed requests (a failure is a sample like any other).
"""
from __future__ import annotations

import itertools
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from ..replay import LoadProfile
from .traffic import Prepared, Traffic

log = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: when it started (s since the run began), how long it took, what answered (0: nothing)."""

    start_s: float
    latency_ms: float
    status: int
    kind: str  # get | post | put | delete | other
    client: int
    table: str | None = None
    item_id: str | None = None  # the item it wrote, updated or deleted
    error: str | None = None  # why there was no answer
    label: str = ""  # the mix entry's name (default: its kind)

    @property
    def name(self) -> str:
        return self.label or self.kind

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Snapshot:
    """The run so far, for the live progress line."""

    elapsed_s: float
    active_clients: int
    clients: int
    requests: int
    errors: int
    rps: float  # over the last tick


@dataclass(frozen=True)
class RunRecord:
    """Everything a run produced: its samples (in completion order), how long it took and its id."""

    run_id: str
    samples: tuple[Sample, ...]
    elapsed_s: float
    started_at: float  # wall clock (time.time()) at the start
    interrupted: bool = False
    in_flight: frozenset[tuple[str, str]] = frozenset()  # writes sent, never answered (a run cut short)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def session_factory_for(url: str | None) -> Callable[[], requests.Session]:
    """Keep-alive sessions for `url`: on loopback they skip proxy discovery from the environment (about 0.1 ms of
    CPU per request, and a proxy must not see loopback traffic); elsewhere requests' defaults hold."""
    host = urlsplit(url).hostname if url else None

    def make() -> requests.Session:
        session = requests.Session()
        if host in LOOPBACK:
            session.trust_env = False
        return session

    return make


def new_run_id() -> str:
    """`20250101T120000-1a2b3c4d`: sortable, unique enough to mark a run's items in a shared table."""
    return f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"


class LoadEngine:
    """Runs one profile once; `run()` blocks until the end and returns the `RunRecord`."""

    def __init__(self, profile: LoadProfile, traffic: Traffic, *, on_tick: Callable[[Snapshot], None] | None = None,
                 tick_s: float = 1.0, stop: threading.Event | None = None,
                 session_factory: Callable[[], Any] = requests.Session, clock: Clock = time.perf_counter,
                 drain_s: float | None = None) -> None:
        self.profile = profile
        self.traffic = traffic
        self.on_tick = on_tick
        self.tick_s = tick_s
        self.stop = stop or threading.Event()
        self.session_factory = session_factory
        self.clock = clock
        self.drain_s = profile.timeout_s + 1 if drain_s is None else drain_s
        self.samples: list[Sample] = []
        self._done = [0] * profile.clients
        self._errors = [0] * profile.clients
        self._active = 0
        self._pending = profile.clients  # clients that have not finished (waiting to start included)
        self._active_lock = threading.Lock()
        self._all_done = threading.Event()
        self._budget = itertools.count()
        self._t0 = 0.0
        self._deadline: float | None = None

    def run(self) -> RunRecord:
        profile = self.profile
        started_at = time.time()
        self._t0 = self.clock()
        if profile.duration_s is not None:
            self._deadline = self._t0 + profile.duration_s
        threads = [threading.Thread(target=self._client, args=(i,), name=f"load-client-{i}", daemon=True)
                   for i in range(profile.clients)]
        ticker = threading.Thread(target=self._ticker, name="load-ticker", daemon=True)
        interrupted = False
        for thread in threads:
            thread.start()
        ticker.start()
        try:
            self._join(None)
        except KeyboardInterrupt:
            interrupted = True
            self.stop.set()
            try:  # let the requests in flight finish and be recorded
                if self.drain_s > 0:
                    self._join(self.clock() + self.drain_s)
            except KeyboardInterrupt:  # a second one (or `timeout`, which signals the process group too)
                log.warning("load: not waiting for the requests in flight")
        finally:
            elapsed = self.clock() - self._t0
            self.stop.set()
            ticker.join(2)
        if self.on_tick is not None:  # the last word: totals, and the mean rate over the run
            self.on_tick(self.snapshot(elapsed, len(self.samples) / elapsed if elapsed > 0 else 0.0))
        in_flight = frozenset(self.traffic.in_flight())  # before the samples: an answer in between is in both
        return RunRecord(self.traffic.run_id, tuple(self.samples), elapsed, started_at, interrupted, in_flight)

    def _join(self, deadline: float | None) -> None:
        """Wait for every client. Not with Thread.join: a Ctrl-C inside join() can mark a running thread as
        stopped (CPython's bpo-45274 handling releases the lock the thread still holds), and its last request
        would then be missed."""
        while not self._all_done.wait(0.2):
            if deadline is not None and self.clock() >= deadline:
                return

    # ---- clients ----------------------------------------------------------------------------------------
    def _start_offset(self, client: int) -> float:
        n = self.profile.clients
        return self.profile.ramp_s * client / (n - 1) if n > 1 else 0.0

    def _more(self) -> int | None:
        """The next request number, or None when the run is over."""
        if self.stop.is_set():
            return None
        if self._deadline is not None and self.clock() >= self._deadline:
            return None
        seq = next(self._budget)
        if self.profile.requests is not None and seq >= self.profile.requests:
            return None
        return seq

    def _client(self, client: int) -> None:
        try:
            self._client_loop(client)
        finally:
            with self._active_lock:
                self._pending -= 1
                if self._pending == 0:
                    self._all_done.set()

    def _client_loop(self, client: int) -> None:
        profile = self.profile
        delay = self._t0 + self._start_offset(client) - self.clock()
        if delay > 0 and self.stop.wait(delay):
            return
        seed = profile.seed * 10_007 + client if profile.seed is not None else None
        rng = random.Random(seed)
        with self._active_lock:
            self._active += 1
        session = self.session_factory()
        try:
            while True:
                seq = self._more()
                if seq is None:
                    break
                self._one(session, rng, client, seq)
                if profile.think_s and self.stop.wait(profile.think_s):
                    break
        finally:
            session.close()
            with self._active_lock:
                self._active -= 1

    def _one(self, session: Any, rng: random.Random, client: int, seq: int) -> None:
        try:
            prepared = self.traffic.prepare(rng, client, seq)
        except Exception as exc:  # a template that cannot render: a failed request, not a dead client
            log.warning("load: cannot prepare request %d: %s", seq, exc)
            self._record(Sample(self.clock() - self._t0, 0.0, 0, "other", client, error=f"template: {exc}",
                                label="(template error)"))
            return
        status = self._send(session, prepared, client)
        self.traffic.settle(prepared, status)

    def _send(self, session: Any, prepared: Prepared, client: int) -> int:
        request = prepared.request
        started = self.clock()
        status, error = 0, None
        try:
            answer = session.request(request.method, request.url, headers=request.headers, data=request.body,
                                     timeout=request.timeout, allow_redirects=False)
            answer.content  # read the whole body: latency is time to the last byte
            status = answer.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        ended = self.clock()
        self._record(Sample(started - self._t0, (ended - started) * 1000, status, prepared.kind, client,
                            prepared.table, prepared.item_id, error, prepared.label))
        return status

    def _record(self, sample: Sample) -> None:
        self.samples.append(sample)
        self._done[sample.client] += 1
        if not sample.ok:
            self._errors[sample.client] += 1

    # ---- progress ---------------------------------------------------------------------------------------
    def snapshot(self, elapsed: float, rps: float) -> Snapshot:
        return Snapshot(elapsed, self._active, self.profile.clients, sum(self._done), sum(self._errors), rps)

    def _ticker(self) -> None:
        last_done, last_t = 0, self.clock()
        while not self.stop.wait(self.tick_s):
            now = self.clock()
            done = sum(self._done)
            rps = (done - last_done) / (now - last_t) if now > last_t else 0.0
            last_done, last_t = done, now
            if self.on_tick is not None:
                try:
                    self.on_tick(self.snapshot(now - self._t0, rps))
                except Exception:  # progress must never stop the run
                    log.exception("load: progress callback failed")
