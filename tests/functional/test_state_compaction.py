"""`harness serve --state` with a journal compacted every ~50 KB: SIGKILLed again and again while writers
write, every other time the moment the folder shows a compaction under way (a closed segment without its
snapshot, or the snapshot's temporary file; the kill counts when that is still so after it), the other times
at any moment. Every write answered 200 is there after each restart -
items put, counters incremented (UpdateItem ADD: neither lost nor applied twice), and the stack's function,
role and REST API (kept in the snapshot as they were made)."""
from __future__ import annotations

import os
import random
import re
import threading
import time

import pytest
import requests

from .harness_process import HarnessProcess
from .test_state_durability import build_stack, client

pytestmark = [pytest.mark.functional, pytest.mark.slow]
WRITERS = 4
PAYLOAD = "p" * 700


def serve(state) -> tuple[HarnessProcess, str]:
    proc = HarnessProcess("serve", "--port", "0", "--state", str(state),
                          env={**os.environ, "HARNESS_STATE_COMPACT_MB": "0.05"})
    line = proc.wait_line("embedded stack ready at", timeout=120)
    return proc, line.split(" at ", 1)[1].split(" ")[0]


def _mid_compaction(state) -> bool:
    """Whether the folder shows a compaction cut short: its temporary file, or a closed segment no snapshot
    covers yet."""
    names = os.listdir(state)
    snapshots = [int(m[1]) for m in map(re.compile(r"^snapshot-(\d+)\.json$").match, names) if m]
    segments = [int(m[1]) for m in map(re.compile(r"^journal-(\d+)\.done$").match, names) if m]
    return ".snapshot.json.tmp" in names or any(n > max(snapshots, default=0) for n in segments)


def _write(url: str, worker: int, acked: list[str], adds: list[int], stop: threading.Event) -> None:
    ddb = client(url, "dynamodb")
    n = 0
    while not stop.is_set():
        key = f"r{worker}-{n}-{time.monotonic_ns()}"
        try:
            ddb.put_item(TableName="writes", Item={"id": {"S": key}, "p": {"S": PAYLOAD}})
            acked.append(key)
            ddb.update_item(TableName="writes", Key={"id": {"S": f"counter-{worker}"}},
                            UpdateExpression="ADD c :one", ExpressionAttributeValues={":one": {"N": "1"}})
            adds[worker] += 1
        except Exception:  # the stack went away: this write was not acknowledged
            return
        n += 1


def _check(url: str, acked: list[str], adds: list[int]) -> None:
    ddb = client(url, "dynamodb")
    found: dict[str, dict] = {}
    for page in ddb.get_paginator("scan").paginate(TableName="writes", ConsistentRead=True):
        found.update({item["id"]["S"]: item for item in page["Items"]})
    missing = sorted(set(acked) - set(found))
    assert missing == [], f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    for worker in range(WRITERS):
        value = int(found.get(f"counter-{worker}", {}).get("c", {}).get("N", "0"))
        # one increment may have been applied and journalled without its answer reaching the writer
        assert adds[worker] <= value <= adds[worker] + 1, (worker, adds[worker], value)
        adds[worker] = value


def test_kills_during_compaction_lose_no_acknowledged_write(tmp_path):
    state = tmp_path / "state"
    proc, url = serve(state)
    acked: list[str] = []
    adds = [0] * WRITERS
    mid_compaction = rounds = 0
    chance = random.Random(15)
    try:
        built = build_stack(url)
        ddb = client(url, "dynamodb")
        for batch in range(160):  # items enough that each compaction takes a while
            keys = [f"seed-{batch}-{i}" for i in range(25)]
            ddb.batch_write_item(RequestItems={"writes": [
                {"PutRequest": {"Item": {"id": {"S": key}, "p": {"S": PAYLOAD}}}} for key in keys]})
            acked.extend(keys)
        while rounds < 8 and not (mid_compaction >= 2 and rounds >= 4):
            rounds += 1
            stop = threading.Event()
            writers = [threading.Thread(target=_write, args=(url, w, acked, adds, stop)) for w in range(WRITERS)]
            for writer in writers:
                writer.start()
            if rounds % 2:  # the moment a compaction is seen under way
                deadline = time.monotonic() + 20
                while not _mid_compaction(state) and time.monotonic() < deadline:
                    time.sleep(0.001)
            else:  # any moment
                time.sleep(chance.uniform(0.3, 1.5))
            proc.proc.kill()
            proc.proc.wait(timeout=30)
            stop.set()
            for writer in writers:
                writer.join(30)
            proc.close()
            mid_compaction += _mid_compaction(state)
            proc, url = serve(state)
            _check(url, acked, adds)
        assert mid_compaction >= 2, f"{mid_compaction} kills landed in a compaction in {rounds} rounds"
        assert any(name.startswith("snapshot-") for name in os.listdir(state))
        assert client(url, "iam").get_role(RoleName="kept-role")["Role"]["Arn"] == built["role"]
        answer = requests.get(f"{url}/_aws/execute-api/{built['api']}/prod/hello", timeout=30)
        assert (answer.status_code, answer.text) == (200, "kept")
    finally:
        proc.close()
