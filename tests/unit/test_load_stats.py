"""The figures of a load run: percentiles, counts, rates, the per-second timeline and threshold checks (pure)."""
from __future__ import annotations

import math

import pytest

from harness.load.engine import Sample
from harness.replay.load_profile import Thresholds
from harness.load.stats import active_clients, check, items_written, latency, percentile, summarize, timeline


def sample(start: float, ms: float, status: int = 200, kind: str = "post", label: str = "") -> Sample:
    return Sample(start, ms, status, kind, 0, label=label)


@pytest.mark.parametrize("q, expected", [(0, 1.0), (50, 50.5), (95, 95.05), (99, 99.01), (100, 100.0)])
def test_percentiles_interpolate_between_ranks_like_numpy(q, expected):
    values = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_edge_cases():
    assert math.isnan(percentile([], 50))
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 3.0], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_figures():
    figures = latency([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (figures.count, figures.min, figures.mean, figures.p50, figures.max) == (5, 1.0, 3.0, 3.0, 5.0)
    assert figures.p99 == pytest.approx(4.96)
    empty = latency([])
    assert empty.count == 0 and math.isnan(empty.p99)
    assert empty.to_json()["p99"] is None and figures.to_json()["p95"] == pytest.approx(4.8)


def test_summary_counts_every_non_2xx_and_every_unanswered_request_as_an_error():
    samples = [sample(0.1, 10), sample(0.2, 20, 201), sample(0.3, 30, 400), sample(0.4, 40, 502),
               sample(0.5, 35_000, 0, kind="get"), sample(0.6, 60, 302, kind="get")]
    summary = summarize(samples, elapsed_s=2.0)
    assert summary.requests == 6 and summary.errors == 4
    assert summary.error_rate == pytest.approx(4 / 6)
    assert summary.rps == 3.0
    assert dict(summary.status) == {0: 1, 200: 1, 201: 1, 302: 1, 400: 1, 502: 1}
    assert summary.latency.max == 35_000  # a request with no answer still counts its wait
    assert set(summary.kinds) == {"get", "post"}
    requests, errors, lat = summary.kinds["get"]
    assert (requests, errors, lat.count) == (2, 2, 2)


def test_summary_groups_by_the_mix_entry_name_when_there_is_one():
    samples = [sample(0, 1, kind="get", label="read"), sample(0, 2, kind="post", label="publish"), sample(0, 3)]
    assert list(summarize(samples, 1.0).kinds) == ["post", "publish", "read"]


def test_an_empty_run():
    summary = summarize([], elapsed_s=0.0)
    assert (summary.requests, summary.errors, summary.error_rate, summary.rps) == (0, 0, 0.0, 0.0)
    assert math.isnan(summary.latency.p50)


def test_timeline_has_a_bucket_for_every_second_even_an_empty_one():
    samples = [sample(0.1, 10), sample(0.9, 30, 500), sample(2.5, 20)]
    buckets = timeline(samples)
    assert [(b.second, b.requests, b.errors) for b in buckets] == [(0, 2, 1), (1, 0, 0), (2, 1, 0)]
    assert buckets[0].p50_ms == 20.0 and buckets[0].max_ms == 30.0
    assert math.isnan(buckets[1].p99_ms)
    assert timeline([]) == []
    assert [b.requests for b in timeline(samples, width_s=0.5)] == [1, 1, 0, 0, 0, 1]


def test_thresholds():
    summary = summarize([sample(0, float(ms)) for ms in range(1, 101)] + [sample(0, 1, 500)], elapsed_s=10.0)
    assert check(summary, Thresholds()) == []
    assert check(summary, Thresholds(max_p99_ms=200, max_p95_ms=200, max_error_rate=0.01, min_rps=10)) == []
    broken = check(summary, Thresholds(max_p99_ms=50, max_p95_ms=50, max_error_rate=0, min_rps=11))
    assert broken == ["p99 latency 99.0 ms > 50 ms", "p95 latency 95.0 ms > 50 ms",
                      "error rate 0.99% (1 of 101) > 0.00%", "throughput 10.1 requests/s < 11"]


def test_a_latency_threshold_breaks_when_there_was_no_request_at_all():
    assert check(summarize([], 1.0), Thresholds(max_p99_ms=100)) == ["p99 latency nan ms > 100 ms"]


def test_active_clients_ramp_up_and_finish():
    samples = [Sample(0.0, 100, 200, "get", 0), Sample(0.5, 100, 200, "get", 1), Sample(1.0, 500, 200, "get", 0),
               Sample(1.0, 100, 200, "get", 2)]
    assert [(round(t, 6), n) for t, n in active_clients(samples)] == [
        (0.0, 0), (0.0, 1), (0.5, 2), (0.6, 1), (1.0, 2), (1.1, 1), (1.5, 0)]
    assert active_clients([]) == [(0.0, 0)]


def test_items_written_count_acknowledged_posts_minus_deletes_by_answer_time():
    samples = [Sample(0.0, 100, 200, "post", 0), Sample(0.0, 50, 500, "post", 1), Sample(0.2, 100, 200, "get", 1),
               Sample(0.3, 100, 200, "delete", 0), Sample(0.4, 10, 200, "post", 1)]
    assert [(round(t, 6), n) for t, n in items_written(samples)] == [(0.0, 0), (0.1, 1), (0.4, 0), (0.41, 1)]
