"""What a load run says to people and to CI: a text table, the figures as JSON, JUnit XML.

Left out: the latency plot (see `plot.py`: it needs matplotlib), HTML reports, comparisons between runs.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from . import stats
from .driver import LoadResult


def ms(value: float) -> str:
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
        lines.append(f"  {kind:<10} {n:>8} {e:>7} {ms(lat.p50):>8} {ms(lat.p95):>8} {ms(lat.p99):>8} "
                     f"{ms(lat.max):>8}")
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
