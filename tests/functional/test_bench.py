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
    done = subprocess.run([sys.executable, "-m", "harness.bench", "--count", "20", "--rounds", "1", "--cold", "1", "--state-count", "20",
                           "--peak", "40", "--clients", "4", "--skip-run", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "measure" not in line]
    assert len(rows) >= 19 + 7, done.stdout  # the runtime rows (bench_runtimes.py) follow the stack's
    figures = json.loads(out.read_text())
    for name in ("stack_start_ms", "cold_invoke_ms", "post_p50_ms", "get_p99_ms", "scan_p50_ms", "scan_inproc_p50_ms",
                 "inproc_post_p50_ms", "ratio_post", "ratio_post_one_hop", "moto_server_p50_ms", "peak_rps",
                 "idle_rss_mb", "peak_rss_mb", "auth_cached_p50_ms", "auth_uncached_p50_ms", "template_p50_ms",
                 "template_create_s", "template_update_s", "template_lint_s",
                 "plain_post_p50_ms", "state_post_p50_ms", "state_always_post_p50_ms"):
        assert figures[name] > 0, name
    assert figures["state_overhead_low_pct"] <= figures["state_overhead_high_pct"]
    assert isinstance(figures["state_overhead_pct"], float) and isinstance(figures["state_always_overhead_pct"], float)
    assert figures["template_update_status"] == "UPDATE_COMPLETE"
    assert (figures["peak_errors"], figures["peak_lost"], figures["peak_stored"], figures["scan_items"]) == (0, 0, 40, 40)
    runtimes = figures["runtimes"]
    for runtime in ("python3.12", "nodejs20.x", "provided.al2023"):
        assert "error" in runtimes[runtime] or runtimes[runtime]["cold_p50_ms"] > 0, runtimes[runtime]
    assert runtimes["plain_python3.12"]["cold_p50_ms"] > 0 and runtimes["python3.12"]["idle_rss_mb"] > 0
    assert any(line.startswith("| cold start p50, python3.12") for line in rows), done.stdout


FAILING = {"$schema": str(ROOT / "harness" / "replay" / "scenario.schema.json"), "name": "fails on purpose",
           "steps": [{"http": {"query": {"TableName": "nope"}}, "expect": {"status": 200}}]}
PASSING = dict(FAILING, name="passes", steps=[{"http": {"query": {"TableName": "{{stack.table}}"}},
                                              "expect": {"status": 200}}])


def test_a_failing_cold_run_is_counted(tmp_path):
    from harness.bench import cold_run, cold_run_value

    for name, document in (("fail.json", FAILING), ("pass.json", PASSING)):
        (tmp_path / name).write_text(json.dumps(document))
    figures = cold_run((str(tmp_path),))
    assert (figures["make_run_ok"], figures["make_run_exit"], figures["make_run_failed"]) == (False, 1, 1)
    assert figures["make_run_summary"].startswith("1 passed, 1 failed in ")
    assert cold_run_value(figures).startswith("1 failed: ")


class _AnyFigure(dict):
    def __missing__(self, key):
        return 0 if key.startswith("peak_") and key != "peak_stored" else 1.0


@pytest.mark.parametrize("run_figures, row, status", [
    ({"make_run_ok": True, "make_run_failed": 0, "make_run_summary": "67 passed, 0 failed in 30.0 s"},
     "| 31.0 s (67 passed, 0 failed in 30.0 s) |", 0),
    ({"make_run_ok": False, "make_run_exit": 1, "make_run_failed": 2,
      "make_run_summary": "65 passed, 2 failed in 30.0 s"},
     "| 2 failed: 31.0 s (65 passed, 2 failed in 30.0 s) |", 1),
    ({"make_run_ok": False, "make_run_exit": 2, "make_run_failed": 0, "make_run_summary": "harness: no scenario files"},
     "| FAILED (exit 2): 31.0 s (harness: no scenario files) |", 1),
])
def test_the_bench_row_and_exit_status_follow_the_cold_run(monkeypatch, capsys, run_figures, row, status):
    from harness import bench

    figures = _AnyFigure(make_run_s=31.0, peak_stored=40, **run_figures)
    monkeypatch.setattr(bench, "run", lambda args: figures)
    assert bench.main(["--peak", "40"]) == status
    out, err = capsys.readouterr()
    assert [line for line in out.splitlines() if "cold `harness run`" in line][0].endswith(row)
    assert ("did not pass" in err) == (status == 1)


def test_the_state_overhead_is_over_all_samples_with_its_range_over_stretches():
    from harness.bench import overhead_pct

    plain = [2.0] * 50 + [3.0] * 50  # the machine slows down half-way, for both stacks alike
    state = [2.2] * 50 + [3.3] * 50
    overall, low, high = overhead_pct(plain, state, blocks=4)
    assert round(low, 6) == round(high, 6) == 10.0  # every stretch shows the same +10 %
    assert 9 < overall < 11
    overall, low, high = overhead_pct([2.0] * 40, [2.0] * 20 + [2.4] * 20, blocks=2)
    assert (round(low, 6), round(high, 6)) == (0.0, 20.0)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_template_memory_rows_count_only_the_bench_stacks_processes():
    import os

    from harness.bench_runtimes import template_pids
    from harness.emulator.runtime.descendants import MARK

    env = {**os.environ, MARK: "4194999:77:ns"}  # as if started by stack process 4194999
    proc = subprocess.Popen(["sleep", "30.4194999"], env=env)
    try:
        import time

        deadline = time.monotonic() + 5
        while not template_pids(cmdline=b"30.4194999") and time.monotonic() < deadline:
            time.sleep(0.01)  # until it has exec'd
        assert template_pids(cmdline=b"30.4194999") == [proc.pid]
        assert template_pids(cmdline=b"30.4194999", stacks=frozenset({4194999})) == [proc.pid]
        assert template_pids(cmdline=b"30.4194999", stacks=frozenset({4194998, os.getpid()})) == []
    finally:
        proc.kill()
        proc.wait()
