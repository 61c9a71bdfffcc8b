"""The latency plot of a load run (`harness load --plot FILE.png`): what happened, and what the load was doing.

Top panel: every request's latency over time (log scale, by mix entry; errors as red crosses) with the p50 and
p99 of each second; when the run both reads (GET) and writes, the items it has written so far on a second axis
(`stats.items_written`), so a Scan slowing down as the table grows does not read as the stack degrading.
Bottom panel: requests per second with errors, and the clients active over time (the ramp-up, then the tail;
`stats.active_clients`). Legends sit to the right of the axes, never over the data.
matplotlib (the `plot` extra: `pip install 'db-api-harness[plot]'`) is imported only here; without it
`figure`/`plot` raise `PlotUnavailable` with that advice. Left out: HTML reports, comparisons between runs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError
from . import stats
from .defaults import INSTALL_HINT
from .driver import LoadResult
from .report import ms

CLIENTS = "clients active"
ITEMS = "items written so far"
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.1, 1.0), "borderaxespad": 0.0, "fontsize": "small"}


class PlotUnavailable(UsageError):
    """matplotlib is not installed (the message says how to get it)."""


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotUnavailable(f"the plot needs matplotlib, which is not installed: {INSTALL_HINT}") from exc
    return plt


def _integers() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _legend(axis: Any, twin: Any | None) -> None:
    handles, labels = axis.get_legend_handles_labels()
    if twin is not None:
        more, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more, labels + more_labels
    axis.legend(handles, labels, **LEGEND)


def _latency(axis: Any, result: LoadResult) -> Any | None:
    samples = result.record.samples
    for kind in sorted({s.name for s in samples}):
        group = [s for s in samples if s.name == kind]
        axis.scatter([s.start_s for s in group], [max(s.latency_ms, 0.01) for s in group], s=4, alpha=0.35,
                     label=kind)
    failed = [s for s in samples if not s.ok]
    if failed:
        axis.scatter([s.start_s for s in failed], [max(s.latency_ms, 0.01) for s in failed], s=14, marker="x",
                     color="red", label="error")
    buckets = stats.timeline(samples)
    centers = [b.second + 0.5 for b in buckets]
    axis.plot(centers, [b.p50_ms for b in buckets], color="black", linewidth=1.2, label="p50 per second")
    axis.plot(centers, [b.p99_ms for b in buckets], color="black", linestyle="--", linewidth=1.2,
              label="p99 per second")
    axis.set_yscale("log")
    axis.set_ylabel("latency (ms)")
    axis.grid(True, which="both", alpha=0.3)
    written = stats.items_written(samples)
    if not any(s.kind == "get" for s in samples) or len(written) == 1:  # no reads, or nothing written
        return None
    twin = axis.twinx()
    twin.step([t for t, _ in written], [n for _, n in written], where="post", color="tab:green", linewidth=1.5,
              label=ITEMS)
    twin.set_ylabel("items in the table (this run's)")
    twin.set_ylim(bottom=0)
    twin.yaxis.set_major_locator(_integers())
    return twin


def _rate(axis: Any, result: LoadResult) -> Any:
    buckets = stats.timeline(result.record.samples)
    axis.bar([b.second for b in buckets], [b.requests for b in buckets], width=0.9, align="edge",
             label="requests/s")
    axis.bar([b.second for b in buckets], [b.errors for b in buckets], width=0.9, align="edge", color="red",
             label="errors")
    axis.set_ylabel("requests/s")
    axis.set_xlabel("seconds since start")
    twin = axis.twinx()
    active = stats.active_clients(result.record.samples)
    twin.step([t for t, _ in active], [n for _, n in active], where="post", color="tab:orange", linewidth=1.5,
              label=CLIENTS)
    twin.set_ylabel("clients")
    twin.yaxis.set_major_locator(_integers())
    twin.set_ylim(0, max(result.profile.clients, max(n for _, n in active)) * 1.1 + 0.5)
    return twin


def figure(result: LoadResult, title: str = "") -> Any:
    """The plot as a matplotlib Figure (PlotUnavailable without matplotlib); the caller closes it."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6.5), sharex=True, layout="constrained",
                                      gridspec_kw={"height_ratios": [3, 1]})
    _legend(top, _latency(top, result))
    _legend(bottom, _rate(bottom, result))
    s = result.summary
    heading = title or f"harness load: {result.profile.describe()}"
    fig.suptitle(f"{heading}\n{s.requests} requests, {s.rps:.0f}/s, p50 {ms(s.latency.p50)} ms, "
                 f"p99 {ms(s.latency.p99)} ms, {s.errors} errors", fontsize="medium")
    return fig


def plot(result: LoadResult, path: str | Path, title: str = "") -> Path:
    """Write the plot as a PNG at `path` (PlotUnavailable without matplotlib)."""
    fig = figure(result, title)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(target, dpi=110)
    finally:
        _pyplot().close(fig)
    return target
