"""One load run from start to verdict: engine -> figures -> lost-write check -> thresholds -> cleanup.

`run_load` is what `harness load` and the scenario `load` step both call. It needs the target and the deployed
stack's outputs (for invoke URLs and the main table) and a DynamoDB `Call` (document-client style) for the table
checks. The verdict (`LoadResult.passed`) holds when no threshold is broken and, unless `no_lost_writes` is off,
nothing was lost or made up. Left out: deploying or tearing down stacks (the callers do that).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..deploy import StackOutputs
from ..targets import Target
from . import stats, verify
from .engine import LoadEngine, RunRecord, Snapshot, new_run_id, session_factory_for
from ..replay import LoadProfile
from .traffic import Traffic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    """A finished run and its verdict."""

    profile: LoadProfile
    record: RunRecord
    summary: stats.Summary
    verification: verify.Verification
    broken: tuple[str, ...]  # thresholds broken, lost and phantom writes, as readable lines
    target: str = ""
    cleaned: int = 0  # items deleted afterwards

    @property
    def passed(self) -> bool:
        return not self.broken


class KeyCache:
    """Table -> hash key attribute, asked once per table (thread-safe)."""

    def __init__(self, call: verify.Call) -> None:
        self._call = call
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, table: str) -> str:
        key = self._keys.get(table)
        if key is None:
            with self._lock:
                key = self._keys.get(table)
                if key is None:
                    try:
                        key = verify.key_name(self._call, table)
                    except Exception as exc:  # no such table: the requests will say so; assume the tutorial's
                        log.warning("load: cannot read the key schema of %s (%s); assuming 'id'", table, exc)
                        key = "id"
                    self._keys[table] = key
        return key


def verdict(profile: LoadProfile, summary: stats.Summary, checked: verify.Verification,
            interrupted: bool = False) -> tuple[str, ...]:
    """Every reason the run fails (empty: it passes)."""
    broken = stats.check(summary, profile.thresholds)
    if profile.thresholds.no_lost_writes:
        if checked.lost:
            broken.append(f"{len(checked.lost)} lost write(s): answered 200 but not in the table")
        if checked.phantom:
            broken.append(f"{len(checked.phantom)} phantom write(s): in the table though no acknowledged write "
                          f"accounts for them")
        if checked.error:
            broken.append(f"the lost-write check could not run: {checked.error}")
    if interrupted:
        broken.append("interrupted before the end")
    return tuple(broken)


def run_load(profile: LoadProfile, *, target: Target, outputs: StackOutputs, dynamo: verify.Call,
             variables: Mapping[str, Any] | None = None, on_tick: Callable[[Snapshot], None] | None = None,
             tick_s: float = 1.0, cleanup: bool = True, stop: threading.Event | None = None,
             session_factory: Callable[[], Any] | None = None, abandon_on_interrupt: bool = False) -> LoadResult:
    """Run `profile` against the deployed stack and judge it (never raises for a failing run). On Ctrl-C the run
    ends early and is judged as far as it went; with `abandon_on_interrupt` (a scenario's load step) requests in
    flight are not waited for, nothing is checked or cleaned up, and KeyboardInterrupt is raised again."""
    run_id = new_run_id()
    keys = KeyCache(dynamo)
    traffic = Traffic(profile, target=target, outputs=outputs, run_id=run_id, key_of=keys, variables=variables)
    if traffic.table:
        keys(traffic.table)  # before the clock starts
    engine = LoadEngine(profile, traffic, on_tick=on_tick, tick_s=tick_s, stop=stop,
                        session_factory=session_factory or session_factory_for(outputs.invoke_url),
                        drain_s=0.0 if abandon_on_interrupt else None)
    log.info("load run %s: %s", run_id, profile.describe())
    record = engine.run()
    if abandon_on_interrupt and record.interrupted:
        raise KeyboardInterrupt
    summary = stats.summarize(record.samples, record.elapsed_s)
    checked, found = verify.verify(dynamo, record.samples, run_id, keys, in_flight=record.in_flight)
    cleaned = 0
    if cleanup and found:
        try:
            cleaned = verify.cleanup(dynamo, found, keys)
        except Exception as exc:
            log.warning("load: could not delete the run's items: %s", exc)
    broken = verdict(profile, summary, checked, record.interrupted)
    return LoadResult(profile, record, summary, checked, broken, target.describe(), cleaned)
