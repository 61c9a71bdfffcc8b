"""The figures of a load run, computed from its samples by pure functions (no I/O, no clock).

Latency percentiles interpolate linearly between the two nearest ranks (numpy's default), over EVERY request,
failed or unanswered ones included (a client waited that long too). An error is any answer outside 2xx, or no
answer at all (status 0). Requests/s is the number of requests over the run's elapsed time (ramp included).
`timeline` buckets the samples by start second for the plot; `active_clients` (the ramp-up) and `items_written`
(what the run added to its tables, which a Scan then reads) are the plot's step series. `check` compares figures
with thresholds.
Left out: coordinated-omission correction (clients are closed-loop: a slow answer delays the next request),
histograms with bounded memory (every latency is kept; fine for millions of requests, not for days).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from .engine import Sample
from ..replay import Thresholds


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, linear between closest ranks; NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    """Latency figures in milliseconds (NaN when there were no requests)."""

    count: int
    min: float
    mean: float
    p50: float
    p95: float
    p99: float
    max: float

    def to_json(self) -> dict[str, float | int | None]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else round(v, 3) if isinstance(v, float) else v)
                for k, v in self.__dict__.items()}


def latency(values: Sequence[float]) -> Latency:
    if not values:
        return Latency(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    ordered = sorted(values)
    return Latency(len(ordered), ordered[0], sum(ordered) / len(ordered), percentile(ordered, 50),
                   percentile(ordered, 95), percentile(ordered, 99), ordered[-1])


@dataclass(frozen=True)
class Summary:
    """The figures of a run: counts, rate, status codes, latency overall and per kind of request."""

    requests: int
    errors: int
    elapsed_s: float
    latency: Latency
    status: Mapping[int, int] = field(default_factory=dict)  # 0 = no answer
    kinds: Mapping[str, tuple[int, int, Latency]] = field(default_factory=dict)  # name -> (requests, errors, latency)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0


def summarize(samples: Iterable[Sample], elapsed_s: float) -> Summary:
    """The figures of `samples` over a run that lasted `elapsed_s`; `kinds` groups them by mix entry name."""
    samples = list(samples)
    by_kind: dict[str, list[Sample]] = {}
    for sample in samples:
        by_kind.setdefault(sample.name, []).append(sample)
    kinds = {kind: (len(group), sum(not s.ok for s in group), latency([s.latency_ms for s in group]))
             for kind, group in sorted(by_kind.items())}
    status = Counter(s.status for s in samples)
    return Summary(len(samples), sum(not s.ok for s in samples), elapsed_s, latency([s.latency_ms for s in samples]),
                   dict(sorted(status.items())), kinds)


@dataclass(frozen=True)
class Bucket:
    """One second of the run (by request start): requests, errors and latency figures."""

    second: int
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def timeline(samples: Iterable[Sample], width_s: float = 1.0) -> list[Bucket]:
    """The samples per `width_s` bucket of start time, every bucket from 0 to the last (empty ones included)."""
    groups: dict[int, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(int(sample.start_s // width_s), []).append(sample)
    if not groups:
        return []
    buckets = []
    for second in range(max(groups) + 1):
        group = groups.get(second, [])
        values = sorted(s.latency_ms for s in group)
        buckets.append(Bucket(second, len(group), sum(not s.ok for s in group), percentile(values, 50),
                              percentile(values, 99), values[-1] if values else math.nan))
    return buckets


def _steps(events: Iterable[tuple[float, int]]) -> list[tuple[float, int]]:
    """(time, change) events -> (time, running total) points, in time order, starting at (0, 0)."""
    points, total = [(0.0, 0)], 0
    for at, change in sorted(events):
        total += change
        points.append((at, total))
    return points


def active_clients(samples: Iterable[Sample]) -> list[tuple[float, int]]:
    """Clients sending over time, as (s since the start, count) steps: a client counts from the start of its first
    request to the end of its last (the ramp-up, then the tail as clients finish)."""
    spans: dict[int, tuple[float, float]] = {}
    for s in samples:
        end = s.start_s + s.latency_ms / 1000
        first, last = spans.get(s.client, (s.start_s, end))
        spans[s.client] = (min(first, s.start_s), max(last, end))
    return _steps([(first, 1) for first, _ in spans.values()] + [(last, -1) for _, last in spans.values()])


def items_written(samples: Iterable[Sample]) -> list[tuple[float, int]]:
    """Items this run added to its tables over time, as (s since the start, count) steps: +1 when a POST answered
    2xx, -1 when a DELETE did (by answer time). What a GET's Scan has to read grows with it."""
    return _steps([(s.start_s + s.latency_ms / 1000, 1 if s.kind == "post" else -1)
                   for s in samples if s.ok and s.kind in ("post", "delete")])


def check(summary: Summary, thresholds: Thresholds) -> list[str]:
    """Every threshold `summary` breaks, as one readable line each (empty: all hold). Lost writes: see verify."""
    broken = []
    lat = summary.latency
    if thresholds.max_p99_ms is not None and not lat.p99 <= thresholds.max_p99_ms:
        broken.append(f"p99 latency {lat.p99:.1f} ms > {thresholds.max_p99_ms:g} ms")
    if thresholds.max_p95_ms is not None and not lat.p95 <= thresholds.max_p95_ms:
        broken.append(f"p95 latency {lat.p95:.1f} ms > {thresholds.max_p95_ms:g} ms")
    if thresholds.max_error_rate is not None and summary.error_rate > thresholds.max_error_rate:
        broken.append(f"error rate {summary.error_rate:.2%} ({summary.errors} of {summary.requests}) > "
                      f"{thresholds.max_error_rate:.2%}")
    if thresholds.min_rps is not None and summary.rps < thresholds.min_rps:
        broken.append(f"throughput {summary.rps:.1f} requests/s < {thresholds.min_rps:g}")
    return broken
