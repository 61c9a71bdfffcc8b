"""`make bench` must not rot: a small run prints every row and writes every figure (their values vary: unchecked,
except the ones that are not timings: errors, lost writes, items)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.functional, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_small_bench_run_has_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "harness.bench", "--count", "20", "--rounds", "1", "--cold", "1",
                           "--peak", "40", "--clients", "4", "--skip-run", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "measure" not in line]
    assert len(rows) == 13, done.stdout
    figures = json.loads(out.read_text())
    for name in ("stack_start_ms", "cold_invoke_ms", "post_p50_ms", "get_p99_ms", "scan_p50_ms", "scan_inproc_p50_ms",
                 "inproc_post_p50_ms", "ratio_post", "ratio_post_one_hop", "moto_server_p50_ms", "peak_rps",
                 "idle_rss_mb", "peak_rss_mb"):
        assert figures[name] > 0, name
    assert (figures["peak_errors"], figures["peak_lost"], figures["peak_stored"], figures["scan_items"]) == (0, 0, 40, 40)
