"""`make bench`: the figures users ask about, measured in one run on this machine, printed as one table.

Stack start; worker cold start; warm POST and GET through the gateway (p50/p99), the same GET behind a TOKEN
authorizer (cached, uncached) and through mapping templates (bench_gateway.py); the POST also with `--state`
(the write-ahead journal, flushed after and before answering); the ratio of a POST through
the whole stack to the same handler called in process against moto; 2,000 POSTs from 32 clients (requests/s,
errors, items stored) and the tutorial's GET of that whole table (also with the handler in process); a cold
`harness run` (replay of every scenario: its row says how many items failed, and the bench then exits 1); idle
and peak memory; per runtime (bench_runtimes.py): cold start p50 with and without the templates, the idle memory
of an environment, warm POST p50 of the Node.js function.
Left out: comparisons with LocalStack (no Docker engine here). Not part of `make test`: timings vary (a
smoke test runs it small and checks that every figure is there, never their values).
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from . import bench_runtimes
from .defaults import DEFAULT_REGION
from .clients import Clients, Endpoint
from .bench_gateway import gateway_figures
from .deploy import StackSettings, deploy
from .emulator.process import StackProcess

REGION = DEFAULT_REGION
ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timed(call: Callable[[], Any], count: int, warmup: int = 30) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants (workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return total / 1024


class LeanClient:
    """One keep-alive connection with the standard library's http.client: the latency figures measure the
    stack, not a heavyweight client (requests adds ~0.6 ms of its own per call)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.path = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def call(self, method: str, body: bytes | None = None, query: str = "") -> bytes:
        path = f"{self.path}?{query}" if query else self.path
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{method} {path} answered {answer.status}: {data[:200]!r}")
        return data


def _session() -> requests.Session:
    """A keep-alive client that skips proxy discovery from the environment (nothing to discover on loopback;
    requests would otherwise scan os.environ on every call)."""
    session = requests.Session()
    session.trust_env = False
    return session


def post_body(table: str) -> dict[str, Any]:
    return {"TableName": table, "Item": {"id": str(uuid.uuid4()), "author": "Neil Armstrong",
                                         "text": "That is one small step for (a) man, one giant leap for mankind"}}


_HANDLER_LOOP = """
import json, os, sys, time, uuid
answer_to, sys.stdout = sys.stdout, sys.stderr  # stdout answers the bench; the handler's own prints go elsewhere
os.environ.update(AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t", AWS_DEFAULT_REGION={region!r})
os.environ.pop("AWS_ENDPOINT_URL", None)
if {endpoint!r}:
    os.environ["AWS_ENDPOINT_URL"] = {endpoint!r}
sys.path.insert(0, {handler_dir!r})
import contextlib
import boto3
from moto import mock_aws
with (contextlib.nullcontext() if {endpoint!r} else mock_aws()):
    table = "inproc-" + uuid.uuid4().hex[:8]
    boto3.client("dynamodb").create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{{"AttributeName": "id", "KeyType": "HASH"}}],
        AttributeDefinitions=[{{"AttributeName": "id", "AttributeType": "S"}}])
    import index
    def event():
        return {{"httpMethod": "POST", "queryStringParameters": None, "body": json.dumps(
            {{"TableName": table, "Item": {{"id": str(uuid.uuid4()), "author": "Neil Armstrong",
              "text": "That is one small step for (a) man, one giant leap for mankind"}}}})}}
    def measure(count):
        out = []
        for i in range(count):
            started = time.perf_counter()
            answer = index.handler(event(), None)
            assert answer["statusCode"] == 200, answer
            out.append((time.perf_counter() - started) * 1000)
        return out
    measure(30)
    print("ready", file=answer_to, flush=True)
    for line in sys.stdin:
        print(json.dumps(measure(int(line))), file=answer_to, flush=True)
"""


class HandlerLoop:
    """The same handler, called in process in a child (`mock_aws` resets moto's globals): against moto's
    in-process mock (no HTTP at all), or with its DynamoDB calls sent to `endpoint` over HTTP. `measure(n)`
    times n more calls, so the bench can interleave it with the stack's figures."""

    def __init__(self, endpoint: str | None = None) -> None:
        code = _HANDLER_LOOP.format(region=REGION, endpoint=endpoint or "", handler_dir=str(ROOT / "handler"))
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the in-process handler loop did not start")

    def measure(self, count: int) -> list[float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{count}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


_HANDLER_SCAN = """
import json, os, sys, time
os.environ.update(AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t", AWS_DEFAULT_REGION={region!r},
                  AWS_ENDPOINT_URL={endpoint!r})
sys.path.insert(0, {handler_dir!r})
answer_to, sys.stdout = sys.stdout, sys.stderr
import index
event = {{"httpMethod": "GET", "queryStringParameters": {{"TableName": {table!r}}}, "body": None}}
out = []
for i in range({count} + 2):
    started = time.perf_counter()
    assert index.handler(event, None)["statusCode"] == 200
    out.append((time.perf_counter() - started) * 1000)
print(json.dumps(out[2:]), file=answer_to)
"""


def handler_scan_ms(endpoint: str, table: str, count: int) -> list[float]:
    """The handler's whole-table GET called in process (a child) with its Scan sent to `endpoint`: what the
    same GET costs without the gateway and the Lambda runtime (mostly the function's own boto3 parsing)."""
    code = _HANDLER_SCAN.format(region=REGION, endpoint=endpoint, handler_dir=str(ROOT / "handler"), table=table,
                                count=count)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout)


def in_process_post_ms(count: int, endpoint: str | None = None) -> list[float]:
    """`count` calls of the handler in process (see HandlerLoop), in a fresh child."""
    loop = HandlerLoop(endpoint)
    try:
        return loop.measure(count)
    finally:
        loop.close()


def moto_server_post_ms(count: int) -> list[float]:
    """The handler in process against moto's own standalone server (`moto_server`, one HTTP hop per call)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return in_process_post_ms(count, f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def peak(url: str, table: str, clients: int, total: int) -> tuple[float, int, list[str], list[float]]:
    """`total` POSTs from `clients` threads, each with a keep-alive session; returns (seconds, errors, ids, ms)."""
    ids: list[str] = []
    errors = [0]
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        session = _session()
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            body = post_body(table)
            started = time.perf_counter()
            try:
                ok = session.post(url, json=body, timeout=60).status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if ok:
                    ids.append(body["Item"]["id"])
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, errors[0], ids, latencies


def count_items(clients: Clients, table: str) -> set[str]:
    found: set[str] = set()
    for page in clients("dynamodb").get_paginator("scan").paginate(TableName=table, ProjectionExpression="id"):
        found.update(item["id"]["S"] for item in page["Items"])
    return found


def cold_start_ms(clients: Clients, function: str, samples: int) -> list[float]:
    """Init Duration of fresh workers: each configuration change retires the warm workers."""
    lam = clients("lambda")
    out = []
    for index in range(samples):
        lam.update_function_configuration(FunctionName=function, Environment={"Variables": {"BENCH": str(index)}})
        started = time.perf_counter()
        lam.invoke(FunctionName=function, Payload=b'{"httpMethod": "GET", "queryStringParameters": '
                                                  b'{"TableName": "messages"}}')
        out.append((time.perf_counter() - started) * 1000)
    return out


def interleaved(rounds: int, per_round: int, **parts: Callable[[int], list[float]]) -> dict[str, list[list[float]]]:
    """Each part timed `per_round` times per round, parts taking turns: a machine that speeds up or slows down
    meanwhile (shared or virtual CPUs do) shifts every part alike, so ratios are taken round by round."""
    out: dict[str, list[list[float]]] = {name: [] for name in parts}
    for _ in range(rounds):
        for name, part in parts.items():
            out[name].append(part(per_round))
    return out


def ratio_of_rounds(numerator: list[list[float]], denominator: list[list[float]]) -> tuple[float, float, float]:
    """(median, lowest, highest) over rounds of p50(numerator) / p50(denominator)."""
    ratios = [percentile(a, 50) / percentile(b, 50) for a, b in zip(numerator, denominator)]
    return statistics.median(ratios), min(ratios), max(ratios)


def run(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    inproc = HandlerLoop()  # started first, on a quiet machine (its imports and moto's setup take a while)
    started = time.perf_counter()
    with StackProcess(region=REGION) as stack:
        figures["stack_start_ms"] = (time.perf_counter() - started) * 1000
        assert stack.proc is not None
        figures["idle_rss_mb"] = rss_mb(stack.proc.pid)
        clients = Clients(Endpoint(stack.url, REGION))
        outputs = deploy(StackSettings(region=REGION), clients)
        one_hop = HandlerLoop(stack.url)
        cold = cold_start_ms(clients, outputs.function_name, args.cold)
        figures["cold_invoke_ms"] = statistics.median(cold)
        table = outputs.tables[0]
        client = LeanClient(outputs.invoke_url)
        per_round = max(50, args.count // args.rounds)
        timed(lambda: client.call("POST", json.dumps(post_body(table)).encode()), 0, warmup=50)
        rounds = interleaved(
            args.rounds, per_round,
            inproc=inproc.measure,
            post=lambda n: timed(lambda: client.call("POST", json.dumps(post_body(table)).encode()), n, warmup=5),
            one_hop=one_hop.measure,
        )
        inproc.close()
        one_hop.close()
        post = [ms for batch in rounds["post"] for ms in batch]
        get = timed(lambda: client.call("GET", query=f"TableName={table}&Limit=10"), args.count)
        figures.update(gateway_figures(clients, outputs, table, args.count, timed, percentile))
        figures.update(post_p50_ms=percentile(post, 50), post_p99_ms=percentile(post, 99),
                       get_p50_ms=percentile(get, 50), get_p99_ms=percentile(get, 99),
                       inproc_post_p50_ms=percentile([ms for b in rounds["inproc"] for ms in b], 50),
                       inproc_via_stack_p50_ms=percentile([ms for b in rounds["one_hop"] for ms in b], 50))
        figures["ratio_post"], figures["ratio_post_low"], figures["ratio_post_high"] = \
            ratio_of_rounds(rounds["post"], rounds["inproc"])
        figures["ratio_post_one_hop"], figures["ratio_one_hop_low"], figures["ratio_one_hop_high"] = \
            ratio_of_rounds(rounds["post"], rounds["one_hop"])
        figures["rounds"] = args.rounds
        peak_table = "bench-peak"
        clients("dynamodb").create_table(TableName=peak_table, BillingMode="PAY_PER_REQUEST",
                                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        sampler_peak = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                sampler_peak[0] = max(sampler_peak[0], rss_mb(stack.proc.pid))
                done.wait(0.2)

        threading.Thread(target=sample, daemon=True).start()
        seconds, errors, ids, latencies = peak(outputs.invoke_url, peak_table, args.clients, args.peak)
        done.set()
        stored = count_items(clients, peak_table)
        whole = timed(lambda: client.call("GET", query=f"TableName={peak_table}"), 20, warmup=2)
        figures.update(scan_p50_ms=percentile(whole, 50), scan_items=len(stored),
                       scan_inproc_p50_ms=percentile(handler_scan_ms(stack.url, peak_table, 20), 50))
        figures.update(peak_rps=args.peak / seconds, peak_errors=errors, peak_stored=len(stored),
                       peak_lost=len(set(ids) - stored), peak_p99_ms=percentile(latencies, 99),
                       peak_rss_mb=sampler_peak[0])
        figures["runtimes"] = runtime_figures(clients, args, stack.proc.pid)
    figures["moto_server_p50_ms"] = percentile(moto_server_post_ms(args.count), 50)
    figures.update(template_figures())
    state = state_post_ms(args.state_count)
    figures.update(plain_post_p50_ms=percentile(state["plain"], 50), state_post_p50_ms=percentile(state["state"], 50),
                   state_always_post_p50_ms=percentile(state["always"], 50))
    figures["state_overhead_pct"], figures["state_overhead_low_pct"], figures["state_overhead_high_pct"] = \
        overhead_pct(state["plain"], state["state"])
    figures["state_always_overhead_pct"] = overhead_pct(state["plain"], state["always"])[0]
    if not args.skip_run:
        figures.update(cold_run())
    return figures


def runtime_figures(clients: Clients, args: argparse.Namespace, stack_pid: int) -> dict[str, Any]:
    """bench_runtimes.py's figures: this stack (process `stack_pid`), and a second one whose cold starts start
    new processes; templates and spares counted are those two stacks' only."""
    def post_timer(url: str) -> list[float]:
        node_client = LeanClient(url)
        return timed(lambda: node_client.call("POST", json.dumps(post_body("messages")).encode()), args.count)

    with tempfile.TemporaryDirectory(prefix="bench-runtimes-") as tmp, \
            StackProcess(region=REGION, env={"HARNESS_FORK_SERVER": "0"}) as plain:
        assert plain.proc is not None
        return bench_runtimes.run(clients, args.cold, Path(tmp), baseline=Clients(Endpoint(plain.url, REGION)),
                                  post_timer=post_timer, stack_pids=frozenset({stack_pid, plain.proc.pid}))


def template_figures() -> dict[str, Any]:
    """template.yaml (the tutorial's stack as SAM) on a fresh embedded stack: a warm create (upload, SAM
    transform, change set; the cold first one is not counted), an update of its function's code (package and
    change set), and cfn-lint's check of it (warm)."""
    import shutil
    import tempfile

    from .deploy.template_deploy import deploy_planned, plan_template
    from .deploy.template_source import lint_template
    from .deploy.template_stack import destroy_template

    region = "us-east-2"  # its fixed names (messages, db-api) must not meet the tutorial's deployment
    with tempfile.TemporaryDirectory() as tmp, StackProcess(region=region) as stack:
        root = Path(tmp)
        shutil.copy(ROOT / "template.yaml", root / "template.yaml")
        shutil.copytree(ROOT / "handler", root / "handler", ignore=shutil.ignore_patterns("__pycache__"))
        clients = Clients(Endpoint(stack.url, region))

        def plan() -> Any:
            return plan_template(root / "template.yaml", region=region, stack_name="bench-template", lint=False,
                                 cache_dir=root / "cache")
        deploy_planned(plan(), clients, transform_here=True)
        destroy_template(clients, "bench-template")
        started = time.perf_counter()
        deploy_planned(plan(), clients, transform_here=True)
        create_s = time.perf_counter() - started
        index = root / "handler" / "index.py"
        index.write_text(index.read_text() + "\n# changed by the bench\n")
        started = time.perf_counter()
        updated = deploy_planned(plan(), clients, transform_here=True)
        update_s = time.perf_counter() - started
        source = plan().source
        lint_template(source, region)
        started = time.perf_counter()
        lint_template(source, region)
        lint_s = time.perf_counter() - started
    return {"template_create_s": create_s, "template_update_s": update_s, "template_update_status": updated.status,
            "template_lint_s": lint_s}


def state_post_ms(count: int) -> dict[str, list[float]]:
    """Warm POSTs through the gateway of three stacks side by side: without `--state`, with it (the write-ahead
    journal written before each answer, flushed to the disk right after: the default) and with
    `HARNESS_STATE_FSYNC=always` (flushed before each answer). The stacks take turns two requests at a time:
    on shared virtual CPUs the machine drifts by more than the overhead measured within seconds, and fine turns
    shift all three alike (rounds of hundreds of requests gave -15 % to +40 % between two identical stacks)."""
    kinds = {"plain": ((), {}), "state": (("--state",), {"HARNESS_STATE_FSYNC": "async"}),
             "always": (("--state",), {"HARNESS_STATE_FSYNC": "always"})}
    with contextlib.ExitStack() as stack_of:
        calls: dict[str, Callable[[], Any]] = {}
        for kind, (flags, env) in kinds.items():
            args = (*flags, stack_of.enter_context(tempfile.TemporaryDirectory(prefix="harness-bench-"))) \
                if flags else ()
            stack = stack_of.enter_context(StackProcess(region=REGION, extra_args=args, env=env))
            outputs = deploy(StackSettings(region=REGION), Clients(Endpoint(stack.url, REGION)))
            client = LeanClient(outputs.invoke_url)
            table = outputs.tables[0]
            calls[kind] = (lambda c=client, t=table: c.call("POST", json.dumps(post_body(t)).encode()))
            timed(calls[kind], 0, warmup=50)
        found = interleaved(max(1, count // 2), 2, **{kind: (lambda n, c=call: timed(c, n, warmup=0))
                                                      for kind, call in calls.items()})
    return {kind: [ms for batch in batches for ms in batch] for kind, batches in found.items()}


def overhead_pct(plain: list[float], other: list[float], blocks: int = 5) -> tuple[float, float, float]:
    """p50(other) / p50(plain) - 1 in %, over all samples, and its lowest and highest over `blocks` stretches
    of the run (the samples in the order taken): how far the figure moves with the machine."""
    def pct(a: list[float], b: list[float]) -> float:
        return (percentile(b, 50) / percentile(a, 50) - 1) * 100

    size = max(1, min(len(plain), len(other)) // blocks)
    parts = [pct(plain[i:i + size], other[i:i + size]) for i in range(0, size * blocks, size)]
    return pct(plain, other), min(parts), max(parts)


def cold_run(paths: tuple[str, ...] = ()) -> dict[str, Any]:
    """Time a cold `harness run` (of scenarios/, or `paths`): its seconds, its closing line, whether it passed and
    how many items failed (`make_run_failed`; with none failing, a run that did not pass says its exit status)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "harness", "run", *paths], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    summary = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or ["no output"])[-1]
    failed = re.search(r"\b(\d+) failed\b", summary)
    return {"make_run_s": seconds, "make_run_ok": done.returncode == 0, "make_run_exit": done.returncode,
            "make_run_failed": int(failed.group(1)) if failed else 0, "make_run_summary": summary}


def cold_run_value(figures: dict[str, Any]) -> str:
    """The bench row's value: the time and the closing line, led by what failed when the run did not pass."""
    took = f"{figures['make_run_s']:.1f} s ({figures['make_run_summary']})"
    if figures.get("make_run_ok", True):
        return took
    failed = figures.get("make_run_failed", 0)
    return f"{failed} failed: {took}" if failed else f"FAILED (exit {figures.get('make_run_exit')}): {took}"


def table(figures: dict[str, Any], args: argparse.Namespace) -> str:
    rows = [
        ("embedded stack start (child process, until healthy)", f"{figures['stack_start_ms']:.0f} ms"),
        ("worker cold start (invoke after a config change, median)", f"{figures['cold_invoke_ms']:.0f} ms"),
        ("warm POST through the gateway, p50 / p99", f"{figures['post_p50_ms']:.2f} / {figures['post_p99_ms']:.2f} ms"),
        ("warm GET (Limit=10) through the gateway, p50 / p99", f"{figures['get_p50_ms']:.2f} / {figures['get_p99_ms']:.2f} ms"),
        ("same GET behind a TOKEN authorizer: cached / uncached, p50",
         f"{figures['auth_cached_p50_ms']:.2f} / {figures['auth_uncached_p50_ms']:.2f} ms"),
        ("same GET as a Lambda custom integration with mapping templates, p50", f"{figures['template_p50_ms']:.2f} ms"),
        ("warm POST p50, three stacks taking turns: without --state / --state (overhead; its range over five "
         "stretches of the run) / --state, flushed before answering",
         f"{figures['plain_post_p50_ms']:.2f} / {figures['state_post_p50_ms']:.2f} "
         f"({figures['state_overhead_pct']:+.1f} %; {figures['state_overhead_low_pct']:+.0f} to "
         f"{figures['state_overhead_high_pct']:+.0f} %) / {figures['state_always_post_p50_ms']:.2f} ms "
         f"({figures['state_always_overhead_pct']:+.1f} %)"),
        (f"the tutorial's GET of a whole table (no Limit, {figures['scan_items']} items), p50",
         f"{figures['scan_p50_ms']:.0f} ms"),
        ("same GET, handler in process, its Scan over HTTP to the stack, p50",
         f"{figures['scan_inproc_p50_ms']:.0f} ms"),
        ("same handler in process against moto, POST p50", f"{figures['inproc_post_p50_ms']:.2f} ms"),
        (f"ratio: POST through the stack / in process (median of {figures['rounds']} interleaved rounds, range)",
         f"{figures['ratio_post']:.1f}x ({figures['ratio_post_low']:.1f}-{figures['ratio_post_high']:.1f})"),
        ("same handler in process, DynamoDB over HTTP to the stack, POST p50",
         f"{figures['inproc_via_stack_p50_ms']:.2f} ms"),
        ("ratio: POST through the stack / handler with one HTTP hop (same rounds)",
         f"{figures['ratio_post_one_hop']:.1f}x ({figures['ratio_one_hop_low']:.1f}-{figures['ratio_one_hop_high']:.1f})"),
        ("same handler in process against moto's own server (moto_server), p50",
         f"{figures['moto_server_p50_ms']:.2f} ms"),
        (f"{args.peak} POSTs from {args.clients} clients", f"{figures['peak_rps']:.0f} req/s, p99 "
         f"{figures['peak_p99_ms']:.0f} ms, {figures['peak_errors']} errors, {figures['peak_stored']} stored, "
         f"{figures['peak_lost']} lost"),
        ("memory: idle / peak (stack + workers, RSS)", f"{figures['idle_rss_mb']:.0f} / {figures['peak_rss_mb']:.0f} MB"),
    ]
    if "runtimes" in figures:
        rows += bench_runtimes.rows(figures["runtimes"], figures["post_p50_ms"])
    if "template_create_s" in figures:
        rows += [("template.yaml deployed (warm: upload, SAM transform, change set; target < 1 s)",
                  f"{figures['template_create_s']:.2f} s"),
                 ("its function's code updated (package, change set)",
                  f"{figures['template_update_s']:.2f} s ({figures['template_update_status']})"),
                 ("cfn-lint of template.yaml (warm)", f"{figures['template_lint_s']:.2f} s")]
    if "make_run_s" in figures:
        rows.append(("cold `harness run` (start, deploy, replay all scenarios)", cold_run_value(figures)))
    width = max(len(name) for name, _ in rows)
    head = f"{date.today().isoformat()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    lines = [head, "", f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
    lines += [f"| {name:<{width}} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.bench", description=__doc__)
    parser.add_argument("--count", type=int, default=500, help="sequential requests per latency figure")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds for the in-process ratios")
    parser.add_argument("--state-count", type=int, default=1500,
                        help="POSTs per stack for the --state overhead (the stacks take turns)")
    parser.add_argument("--cold", type=int, default=5, help="cold starts to measure")
    parser.add_argument("--peak", type=int, default=2000, help="POSTs in the peak")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients in the peak")
    parser.add_argument("--skip-run", action="store_true", help="do not time a cold `harness run`")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args)
    print(table(figures, args))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    ok = figures["peak_errors"] == 0 and figures["peak_lost"] == 0 and figures["peak_stored"] == args.peak
    if not figures.get("make_run_ok", True):
        print(f"bench: the cold `harness run` did not pass: {cold_run_value(figures)}; run it for the details",
              file=sys.stderr)
    return 0 if ok and figures.get("make_run_ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
