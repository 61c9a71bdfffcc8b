"""`harness load` against the embedded stack: the issue's acceptance peak, and the command line.

The peak (2,000 POSTs from 32 clients) runs on its own deployment (`load-` prefix: its own function, API and
table) on the session's stack process, so the session's tutorial stack is not disturbed; the table is counted
directly (every item, every page) before it is torn down. The CLI tests run `harness load` in a subprocess:
`--help` documents every option, and a small run on its own in-process stack exits 0.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import build_parser
from harness.deploy import StackSettings, deploy, destroy
from harness.load.driver import run_load
from harness.replay.load_profile import LoadProfile, Thresholds, parse_mix
from harness.load.report import format_report
from harness.targets import embedded

pytestmark = pytest.mark.functional

REGION = "us-west-1"
ROOT = Path(__file__).resolve().parents[2]
HARNESS = [sys.executable, "-m", "harness"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture()
def load_stack(stack_url, clients):
    settings = StackSettings(region=REGION).with_prefix("load-")
    target = embedded.target(stack_url, REGION)
    outputs = deploy(settings, clients, url_for=target.invoke_url)
    yield target, outputs
    destroy(settings, clients)


def _count_items(clients, table: str) -> tuple[int, int]:
    """(every item of the table, those carrying a load_run marker): a plain paginated scan, independent of
    the load package's own check."""
    total = marked = 0
    for page in clients("dynamodb").get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        total += len(page["Items"])
        marked += sum("load_run" in item for item in page["Items"])
    return total, marked


@pytest.mark.slow
def test_acceptance_a_peak_of_2000_posts_from_32_clients(load_stack, clients, capsys):
    target, outputs = load_stack
    document = clients.document_client()
    profile = LoadProfile(parse_mix("post=100"), clients=32, requests=2000, thresholds=Thresholds(max_error_rate=0))
    began = time.perf_counter()
    result = run_load(profile, target=target, outputs=outputs, cleanup=False,
                      dynamo=lambda op, params: getattr(document, _snake(op))(**params))
    wall = time.perf_counter() - began
    print(format_report(result))
    print(f"wall time with the check: {wall:.1f} s")
    printed = capsys.readouterr().out

    summary, writes = result.summary, result.verification
    assert summary.requests == 2000 and summary.errors == 0, dict(summary.status)
    assert dict(summary.status) == {200: 2000}
    assert writes.acknowledged == 2000 and writes.found == 2000 and writes.lost == () and writes.phantom == ()
    assert _count_items(clients, outputs.tables[0]) == (2000, 2000)  # exactly 2,000 items stored
    assert result.passed
    for figure in ("2000 requests in", "requests/s", "p50", "p95", "p99", "max", "status codes: 200: 2000",
                   "2000 acknowledged", "lost 0, phantom 0", "PASS"):
        assert figure in printed
    with capsys.disabled():  # the figures of this machine, in the test log
        lat = summary.latency
        sys.stdout.write(f"\n[acceptance peak] 2000 POSTs x 32 clients: {summary.elapsed_s:.1f} s, {summary.rps:.0f} "
                         f"req/s, p50 {lat.p50:.0f} ms, p95 {lat.p95:.0f} ms, p99 {lat.p99:.0f} ms, max {lat.max:.0f} ms"
                         f" (with the check: {wall:.1f} s)\n")


def _snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def _load_options() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    parser = sub.choices["load"]
    return [s for action in parser._actions for s in action.option_strings if s.startswith("--")]


def test_help_documents_every_option():
    done = subprocess.run([*HARNESS, "load", "--help"], capture_output=True, text=True, env=_env(), timeout=60,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    options = _load_options()
    assert {"--endpoint", "--target", "--region", "--allow-real-aws", "--clients", "--ramp", "--duration",
            "--requests", "--mix", "--scenario", "--max-p99-ms", "--max-error-rate", "--plot", "--json",
            "--table"} <= set(options)
    for option in options:
        assert option in done.stdout, option
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    undocumented = [a.option_strings for a in sub.choices["load"]._actions if not (a.help or "").strip()]
    assert undocumented == []
    assert "get=90,post=10" in done.stdout and "Exit status 0" in done.stdout


@pytest.mark.slow
def test_a_small_run_on_its_own_embedded_stack_exits_0(tmp_path):
    figures = tmp_path / "figures.json"
    done = subprocess.run([*HARNESS, "load", "--requests", "100", "--clients", "4", "--json", str(figures)],
                          capture_output=True, text=True, env=_env(), timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "100 requests in" in done.stdout and "PASS" in done.stdout
    assert "clients" in done.stdout and "rps" in done.stdout  # the progress lines (one a second: not a TTY)
    data = json.loads(figures.read_text())
    assert data["requests"] == 100 and data["errors"] == 0 and data["writes"]["ok"] is True
    assert data["writes"]["lost"] == 0 and data["profile"]["clients"] == 4


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_a_broken_threshold_exits_1(stack_url, tmp_path):
    done = subprocess.run([*HARNESS, "load", "--endpoint", stack_url, "--prefix", "loadcli-", "--requests", "20",
                           "--clients", "2", "--mix", "post=1", "--max-p99-ms", "0.001"],
                          capture_output=True, text=True, env=_env(), timeout=180, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL: p99 latency" in done.stdout and "lost 0, phantom 0" in done.stdout
    assert "tearing down loadcli-db-api" in done.stdout  # it created that stack, so it removes it


@pytest.mark.slow
def test_the_peak_scenario_through_harness_load(stack_url, tmp_path):
    # 60 requests from 8 clients: 8 of them (13 %) wait for a new execution environment, so the scenario's p95
    # bound (2 s, meant for its 200 requests) would time this machine's cold starts. The flag lifts that one
    # bound (flags override the file's); the file's other checks (error rate 0, no lost writes) still apply.
    figures = tmp_path / "figures.json"
    done = subprocess.run([*HARNESS, "load", "--endpoint", stack_url, "--prefix", "loadscn-", "--scenario",
                           str(ROOT / "scenarios" / "load" / "peak.json"), "--requests", "60",
                           "--max-p95-ms", "600000", "--json", str(figures)],
                          capture_output=True, text=True, env=_env(), timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 clients (ramp 0.5 s), 60 requests, mix read 90%, publish 10%" in done.stdout
    assert "60 requests in" in done.stdout and "PASS" in done.stdout
    data = json.loads(figures.read_text())
    assert data["errors"] == 0 and data["writes"]["lost"] == 0 and data["writes"]["ok"] is True
    assert data["thresholds"]["max_error_rate"] == 0 and data["thresholds"]["max_p95_ms"] == 600000
