"""The latency plot has the series that explain it (the ramp-up; for a run that reads and writes, the items
written so far) and its legends sit outside the axes. Inspected through matplotlib's artists, not pixels."""
from __future__ import annotations

import random

import pytest

from harness.load import stats
from harness.load.driver import LoadResult
from harness.load.engine import RunRecord, Sample
from harness.load.verify import Verification
from harness.replay import LoadProfile, parse_mix

pytest.importorskip("matplotlib", reason="the plot needs matplotlib (pip install 'db-api-harness[plot]')")

from harness.load.plot import CLIENTS, ITEMS, figure, plot  # noqa: E402


def run_of(mix: str, clients: int = 4, seconds: float = 6.0) -> LoadResult:
    """A made-up run: clients ramp up over the first second, then send back to back; GETs slow down as the
    run's POSTs fill the table."""
    rng, samples, written = random.Random(1), [], 0
    profile = LoadProfile(parse_mix(mix), clients=clients, ramp_s=1.0, duration_s=seconds)
    for client in range(clients):
        at = client / max(clients - 1, 1)
        while at < seconds:
            entry = rng.choices(profile.mix, weights=[e.weight for e in profile.mix])[0]
            ms = 2 + written * 0.05 if entry.kind == "get" else 3.0
            written += entry.kind == "post"
            samples.append(Sample(at, ms, 200, entry.kind, client, "messages", str(len(samples)), label=entry.label))
            at += ms / 1000 + 0.01
    record = RunRecord("run", tuple(samples), seconds, 0.0)
    verification = Verification(("messages",), written, 0, written, written, 0)
    return LoadResult(profile, record, stats.summarize(samples, seconds), verification, ())


def labels(fig) -> set[str]:
    return {text.get_text() for axis in fig.axes if axis.get_legend() for text in axis.get_legend().get_texts()}


def series(fig, label: str):
    return [line for axis in fig.axes for line in axis.get_lines() if line.get_label() == label]


def test_a_get_heavy_run_shows_the_ramp_up_and_the_table_growing():
    import matplotlib.pyplot as plt

    fig = figure(run_of("get=90,post=10"))
    try:
        assert {CLIENTS, ITEMS, "p50 per second", "p99 per second", "requests/s", "get", "post"} <= labels(fig)
        (clients,) = series(fig, CLIENTS)
        counts = list(clients.get_ydata())
        assert max(counts) == 4 and counts[:5] == [0, 1, 2, 3, 4]  # one more client at each step of the ramp
        (items,) = series(fig, ITEMS)
        grown = list(items.get_ydata())
        assert grown == sorted(grown) and grown[-1] > 10  # only POSTs: it never shrinks
        fig.canvas.draw()
        for axis in fig.axes:
            legend = axis.get_legend()
            if legend is not None:  # beside the axes, never over the data
                assert not legend.get_window_extent().overlaps(axis.get_window_extent())
    finally:
        plt.close(fig)


def test_a_write_only_run_has_no_table_size_series_and_the_png_is_written(tmp_path):
    import matplotlib.pyplot as plt

    result = run_of("post=100")
    fig = figure(result)
    try:
        assert CLIENTS in labels(fig) and ITEMS not in labels(fig)
    finally:
        plt.close(fig)
    out = plot(result, tmp_path / "sub" / "peak.png")
    assert out.read_bytes().startswith(b"\x89PNG")
