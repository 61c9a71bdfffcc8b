"""What a load run says to people and to CI: a text table, the figures as JSON, a latency plot (PNG).

The plot needs matplotlib (the `plot` extra: `pip install 'db-api-harness[plot]'`), imported only when a plot is
asked for; without it `plot` raises `PlotUnavailable` with that advice and nothing else changes. The plot has two
panels: every request's latency over time (by kind) with the per-second p50 and p99, and requests/s with errors.
Left out: HTML reports, comparisons between runs.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..errors import UsageError
from . import stats
from .defaults import INSTALL_HINT
from .driver import LoadResult


class PlotUnavailable(UsageError):
    """matplotlib is not installed (the message says how to get it)."""


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def figures(result: LoadResult) -> dict[str, Any]:
    """The run as JSON-able data (what `--json` writes)."""
    s = result.summary
    return {
        "run_id": result.record.run_id, "target": result.target, "profile": result.profile.to_json(),
        "passed": result.passed, "broken": list(result.broken), "interrupted": result.record.interrupted,
        "elapsed_s": round(s.elapsed_s, 3), "requests": s.requests, "rps": round(s.rps, 2), "errors": s.errors,
        "error_rate": round(s.error_rate, 6), "status": {str(code): n for code, n in s.status.items()},
        "latency_ms": s.latency.to_json(),
        "kinds": {kind: {"requests": n, "errors": e, "latency_ms": lat.to_json()}
                  for kind, (n, e, lat) in s.kinds.items()},
        "writes": result.verification.to_json(), "cleaned": result.cleaned,
        "thresholds": {k: v for k, v in result.profile.thresholds.__dict__.items()},
        "timeline": [{"second": b.second, "requests": b.requests, "errors": b.errors,
                      "p50_ms": None if math.isnan(b.p50_ms) else round(b.p50_ms, 3),
                      "p99_ms": None if math.isnan(b.p99_ms) else round(b.p99_ms, 3)}
                     for b in stats.timeline(result.record.samples)],
    }


def write_json(result: LoadResult, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures(result), indent=2) + "\n", encoding="utf-8")
    return target


def write_junit(result: LoadResult, path: str | Path, suite: str = "harness load") -> Path:
    """The run as JUnit XML for CI: one test case (the profile), failed with every broken threshold, lost or
    phantom write; the report text as its output either way."""
    import xml.etree.ElementTree as ET

    failed = not result.passed
    root = ET.Element("testsuites")
    node = ET.SubElement(root, "testsuite", {"name": suite, "tests": "1", "failures": str(int(failed)),
                                             "errors": "0", "skipped": "0",
                                             "time": f"{result.record.elapsed_s:.3f}"})
    case = ET.SubElement(node, "testcase", {"classname": "harness.load", "name": result.profile.describe(),
                                            "time": f"{result.record.elapsed_s:.3f}"})
    report = format_report(result)
    if failed:
        failure = ET.SubElement(case, "failure", {"message": "; ".join(result.broken), "type": "LoadFailure"})
        failure.text = report
    else:
        ET.SubElement(case, "system-out").text = report
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
    return target


def format_report(result: LoadResult) -> str:
    """The closing text: the table of figures, status codes, the write check and the verdict."""
    s, v = result.summary, result.verification
    lines = [f"{s.requests} requests in {s.elapsed_s:.2f} s: {s.rps:.1f} requests/s, "
             f"{s.errors} errors ({s.error_rate:.2%})",
             "", f"  {'request':<10} {'requests':>8} {'errors':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms)"]
    rows = [(kind, n, e, lat) for kind, (n, e, lat) in s.kinds.items()]
    if len(rows) != 1:
        rows.append(("all", s.requests, s.errors, s.latency))
    for kind, n, e, lat in rows:
        lines.append(f"  {kind:<10} {n:>8} {e:>7} {_ms(lat.p50):>8} {_ms(lat.p95):>8} {_ms(lat.p99):>8} "
                     f"{_ms(lat.max):>8}")
    codes = ", ".join(f"{'no answer' if code == 0 else code}: {n}" for code, n in s.status.items()) or "none"
    lines += ["", f"  status codes: {codes}"]
    if v.error:
        lines.append(f"  writes: {v.error}")
    else:
        lines.append(f"  writes: {v.acknowledged} acknowledged, {v.deleted} deleted, {v.unsure} unsure -> "
                     f"{v.expected} expected; {v.found} found with this run's marker; "
                     f"lost {len(v.lost)}, phantom {len(v.phantom)}")
        for label, items in (("lost", v.lost), ("phantom", v.phantom)):
            if items:
                shown = ", ".join(i for _, i in items[:5]) + (" ..." if len(items) > 5 else "")
                lines.append(f"    {label}: {shown}")
    if result.cleaned:
        lines.append(f"  cleanup: {result.cleaned} items of run {result.record.run_id} deleted")
    lines.append("")
    limits = result.profile.thresholds
    if result.passed and all(v is None for v in (limits.max_p99_ms, limits.max_p95_ms, limits.max_error_rate,
                                                  limits.min_rps)):
        lines.append(f"PASS: nothing lost{'' if s.errors == 0 else f', but {s.errors} errors'} "
                     f"(no latency, error-rate or throughput threshold was set)")
    elif result.passed:
        lines.append("PASS")
    else:
        lines.append("FAIL: " + "; ".join(result.broken))
    return "\n".join(lines)


def plot(result: LoadResult, path: str | Path, title: str = "") -> Path:
    """Latency over time as a PNG at `path` (PlotUnavailable without matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise PlotUnavailable(f"the plot needs matplotlib, which is not installed: {INSTALL_HINT}") from exc
    samples = result.record.samples
    buckets = stats.timeline(samples)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 1]})
    for kind in sorted({s.name for s in samples}):
        group = [s for s in samples if s.name == kind]
        top.scatter([s.start_s for s in group], [max(s.latency_ms, 0.01) for s in group], s=4, alpha=0.35,
                    label=kind)
    failed = [s for s in samples if not s.ok]
    if failed:
        top.scatter([s.start_s for s in failed], [max(s.latency_ms, 0.01) for s in failed], s=14, marker="x",
                    color="red", label="error")
    centers = [b.second + 0.5 for b in buckets]
    top.plot(centers, [b.p50_ms for b in buckets], color="black", linewidth=1.2, label="p50 per second")
    top.plot(centers, [b.p99_ms for b in buckets], color="black", linestyle="--", linewidth=1.2,
             label="p99 per second")
    top.set_yscale("log")
    top.set_ylabel("latency (ms)")
    top.legend(loc="upper right", fontsize="small")
    top.grid(True, which="both", alpha=0.3)
    bottom.bar([b.second for b in buckets], [b.requests for b in buckets], width=0.9, align="edge",
               label="requests/s")
    bottom.bar([b.second for b in buckets], [b.errors for b in buckets], width=0.9, align="edge", color="red",
               label="errors")
    bottom.set_ylabel("requests/s")
    bottom.set_xlabel("seconds since start")
    bottom.legend(loc="upper right", fontsize="small")
    s = result.summary
    heading = title or f"harness load: {result.profile.describe()}"
    figure.suptitle(f"{heading}\n{s.requests} requests, {s.rps:.0f}/s, p50 {_ms(s.latency.p50)} ms, "
                    f"p99 {_ms(s.latency.p99)} ms, {s.errors} errors", fontsize="medium")
    figure.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=110)
    plt.close(figure)
    return target
