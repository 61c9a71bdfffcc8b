"""`make soak`: the stack's memory under steady load, after start and after a bounded time of traffic.

A stack in a child process with the tutorial deployed; `--clients` keep-alive clients POST and GET through the
gateway without pause for `--seconds` (default 300; `make soak` bounds the whole run with `timeout`). The
stack's memory (its own RSS, workers left out) is sampled after a warm-up, then every `--every` seconds; the
table shows it after start, at the end, and the growth per 1,000 requests over the second half (what a leak
would show). Left out: LocalStack and AWS (the embedded stack only).
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from typing import Any

import requests

from .clients import Clients, Endpoint
from .deploy import StackSettings, deploy
from .emulator.process import StackProcess

REGION = "us-west-1"


def own_rss_mb(pid: int) -> float:
    """The resident memory of process `pid` alone, in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load(url: str, table: str, stop: threading.Event, counter: list[int]) -> None:
    session = requests.Session()
    session.trust_env = False
    n = 0
    while not stop.is_set():
        if n % 2:
            session.get(url, params={"TableName": table, "Limit": 10}, timeout=30)
        else:
            session.post(url, json={"TableName": table, "Item": {"id": str(uuid.uuid4()), "text": "steady"}},
                         timeout=30)
        n += 1
    counter.append(n)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with StackProcess(region=REGION) as stack:
        assert stack.proc is not None
        pid = stack.proc.pid
        outputs = deploy(StackSettings(region=REGION), Clients(Endpoint(stack.url, REGION)))
        stop = threading.Event()
        counts: list[int] = []
        threads = [threading.Thread(target=load, args=(outputs.invoke_url, outputs.tables[0], stop, counts))
                   for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(min(10.0, args.seconds / 10))
        samples = [(time.monotonic(), own_rss_mb(pid))]
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            time.sleep(min(args.every, max(0.0, deadline - time.monotonic())))
            samples.append((time.monotonic(), own_rss_mb(pid)))
        stop.set()
        for thread in threads:
            thread.join(60)
        health = requests.get(f"{stack.url}/_harness/health", timeout=10).json()
    requests_done = sum(counts)
    half = samples[len(samples) // 2:]
    rate = requests_done / max(1e-9, samples[-1][0] - samples[0][0])
    growth = (half[-1][1] - half[0][1]) / max(1.0, rate * (half[-1][0] - half[0][0]) / 1000)
    return {"seconds": args.seconds, "clients": args.clients, "requests": requests_done,
            "rss_after_start_mb": samples[0][1], "rss_end_mb": samples[-1][1],
            "rss_max_mb": max(mb for _, mb in samples), "growth_kb_per_1000_requests_second_half": growth * 1024,
            "logs": health.get("logs", {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=300.0, help="how long the steady load runs")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between memory samples")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args)
    print(f"| stack memory (RSS) after start / after {figures['seconds']:.0f} s of steady load "
          f"({figures['requests']} requests, {figures['clients']} clients) | {figures['rss_after_start_mb']:.0f} / "
          f"{figures['rss_end_mb']:.0f} MB (max {figures['rss_max_mb']:.0f}; second half: "
          f"{figures['growth_kb_per_1000_requests_second_half']:.0f} KB per 1,000 requests) |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
