"""`make bench`'s runtime figures: cold start p50 per runtime (with the templates, and without:
HARNESS_FORK_SERVER=0, the way every cold start went before), the Init Duration Lambda would report, warm POST
p50 through the gateway for the tutorial's Node.js function (handler-node/), and the idle memory of one
execution environment per runtime (RSS, and PSS: forked environments share the template's pages) and of the
templates themselves.

A cold start here: a configuration change (which retires the warm environment), a pause of PAUSE_S (a developer
saves a file, then calls: the spare or template is ready by then), one invoke, timed by the client. Left out:
runtimes whose cache cannot be built here (their rows say so).
"""
from __future__ import annotations

import base64
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any, Callable

from .clients import Clients
from .deploy import StackSettings, deploy, destroy
from .deploy.package import build_zip
from .deploy.settings import TRUST_POLICY
from .emulator.runtime.descendants import mark_of

ROOT = Path(__file__).resolve().parents[1]
PAUSE_S = 1.0
RUNTIMES = ("python3.12", "nodejs20.x", "provided.al2023")
_INIT = re.compile(r"Init Duration: ([\d.]+) ms")

CODE = {
    "python3.12": {"index.py": "import os\n\n\ndef handler(event, context):\n    return {'pid': os.getpid()}\n"},
    "nodejs20.x": {"index.js": "exports.handler = async () => ({ pid: process.pid });\n"},
    "provided.al2023": {"bootstrap": (
        "#!/bin/sh\nAPI=\"http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime\"\n"
        "while true; do\n  H=\"$(mktemp)\"\n  curl -sS -D \"$H\" -o /dev/null \"$API/invocation/next\"\n"
        "  ID=\"$(grep -i '^Lambda-Runtime-Aws-Request-Id:' \"$H\" | tr -d '[:space:]' | cut -d: -f2)\"\n"
        "  rm -f \"$H\"\n  curl -sS -o /dev/null -X POST -d \"{\\\"pid\\\": $$}\" \"$API/invocation/$ID/response\"\n"
        "done\n")},
}


def _zip(runtime: str, tmp: Path) -> bytes:
    folder = tmp / runtime
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in CODE[runtime].items():
        (folder / name).write_text(text)
        if name == "bootstrap":
            (folder / name).chmod(0o755)
    return build_zip(folder)


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KB, from /proc (0, 0 when it is gone)."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


def template_pids(comm: str = "", cmdline: bytes = b"", exclude: frozenset[int] = frozenset(),
                  stacks: frozenset[int] | None = None) -> list[int]:
    """Processes named `comm` (the fork server's template names itself), or whose command line holds `cmdline`
    (a Node.js spare runs spare.mjs; so do the environments made from spares: `exclude` them); with `stacks`,
    only those started by one of these stack processes (by the mark they carry: descendants.py), not other
    stacks' running on the machine meanwhile."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in exclude:
            try:
                if (comm and (entry / "comm").read_text().strip() == comm) or \
                        (cmdline and cmdline in (entry / "cmdline").read_bytes()):
                    found.append(int(entry.name))
            except OSError:
                continue
    if stacks is not None:
        wanted = {str(pid) for pid in stacks}
        found = [pid for pid in found if (mark_of(pid) or "").partition(":")[0] in wanted]
    return found


def cold_starts(clients: Clients, runtime: str, role: str, samples: int, tmp: Path) -> dict[str, Any]:
    """Cold starts of a trivial function of `runtime`: client ms and Init Duration ms, and its idle environment's
    memory; {"error": ...} when the runtime cannot run here."""
    lam = clients("lambda")
    name = f"bench-cold-{runtime.replace('.', '-')}"
    lam.create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="index.handler", Timeout=30,
                        Code={"ZipFile": _zip(runtime, tmp)}, MemorySize=256)
    try:
        first = lam.invoke(FunctionName=name, Payload=b"{}")  # builds caches, starts templates
        payload = json.loads(first["Payload"].read())
        if "FunctionError" in first:
            return {"error": payload.get("errorMessage", "failed")}
        wall, init = [], []
        for index in range(samples):
            lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"BENCH": str(index)}})
            time.sleep(PAUSE_S)
            started = time.perf_counter()
            answer = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
            wall.append((time.perf_counter() - started) * 1000)
            payload = json.loads(answer["Payload"].read())
            found = _INIT.search(base64.b64decode(answer.get("LogResult", "")).decode())
            if found:
                init.append(float(found.group(1)))
        pid = int(payload.get("pid", 0))
        rss, pss = memory_kb(pid)
        return {"cold_p50_ms": statistics.median(wall), "init_p50_ms": statistics.median(init) if init else 0.0,
                "idle_rss_mb": rss / 1024, "idle_pss_mb": pss / 1024, "pid": pid}
    finally:
        lam.delete_function(FunctionName=name)


def run(clients: Clients, samples: int, tmp: Path, *, baseline: Clients | None = None,
        post_timer: Callable[[str], list[float]] | None = None,
        stack_pids: frozenset[int] | None = None) -> dict[str, Any]:
    """Every runtime figure (see the module docstring); `baseline`: a stack started with HARNESS_FORK_SERVER=0;
    `post_timer(invoke_url)`: warm POST latencies through the gateway (bench.py's client); `stack_pids`: the
    stack processes whose templates and spares are counted (None: every one on the machine)."""
    figures: dict[str, Any] = {}
    for which, target in (("", clients), ("plain_", baseline)):
        if target is None:
            continue
        role = target("iam").create_role(RoleName=f"bench-runtimes-{which or 'fast'}",
                                         AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
        for runtime in RUNTIMES if not which else RUNTIMES[:2]:
            figures[f"{which}{runtime}"] = cold_starts(target, runtime, role, samples, tmp)
    workers = frozenset(int(f.get("pid", 0)) for f in figures.values() if isinstance(f, dict))
    figures["templates"] = {
        "python template": [memory_kb(pid) for pid in template_pids(comm="lambda-template", stacks=stack_pids)],
        "node spare": [memory_kb(pid) for pid in template_pids(cmdline=b"spare.mjs", exclude=workers,
                                                                stacks=stack_pids)],
    }
    if post_timer is not None:
        settings = StackSettings(region=clients.endpoint.region, code_dir=str(ROOT / "handler-node"),
                                 runtime="nodejs20.x").with_prefix("bench-node-")
        try:
            outputs = deploy(settings, clients)
            figures["node_post_p50_ms"] = statistics.median(post_timer(outputs.invoke_url))
        except Exception as exc:  # a Node.js that cannot run here: the row says why
            figures["node_post_error"] = str(exc)
        finally:
            destroy(settings, clients)
    return figures


def rows(figures: dict[str, Any], python_post_p50_ms: float) -> list[tuple[str, str]]:
    """The bench table's rows for these figures."""
    out = []
    for runtime in RUNTIMES:
        fast, plain = figures.get(runtime, {}), figures.get(f"plain_{runtime}")
        if "error" in fast:
            out.append((f"cold start, {runtime}", f"not measured: {fast['error']}"))
            continue
        before = f"; new process: {plain['cold_p50_ms']:.0f} ms" if plain and "cold_p50_ms" in plain else ""
        out.append((f"cold start p50, {runtime} (invoke after a config change; Init Duration p50)",
                    f"{fast['cold_p50_ms']:.0f} ms ({fast['init_p50_ms']:.0f} ms){before}"))
    for runtime in RUNTIMES:
        fast = figures.get(runtime, {})
        if "idle_rss_mb" in fast:
            out.append((f"idle memory of one environment, {runtime} (RSS / PSS)",
                        f"{fast['idle_rss_mb']:.0f} / {fast['idle_pss_mb']:.0f} MB"))
    for label, found in figures.get("templates", {}).items():
        if found:
            out.append((f"idle memory of a {label} (RSS / PSS, each)",
                        ", ".join(f"{rss / 1024:.0f} / {pss / 1024:.0f} MB" for rss, pss in found)))
    if "node_post_p50_ms" in figures:
        out.append(("warm POST through the gateway p50: handler-node (nodejs20.x) / handler (python3.12)",
                    f"{figures['node_post_p50_ms']:.2f} / {python_post_p50_ms:.2f} ms"))
    elif "node_post_error" in figures:
        out.append(("warm POST through the gateway, handler-node", f"not measured: {figures['node_post_error']}"))
    return out
