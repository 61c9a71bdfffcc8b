"""`harness deploy --watch`: after a deploy, each save of a handler file goes live (UpdateFunctionCode).

`changes` compares two `snapshot`s of the handler directory (name -> size and mtime, caches skipped as the
package skips them); `watch` polls every `interval_s` and, when files changed AND the package's CodeSha256
differs from the deployed one, runs `plan_code_update` (the new code is served by fresh execution environments,
as on AWS). A Python file that does not compile is reported and still deployed: the function then fails as
Lambda would (Runtime.UserCodeSyntaxError), which is what the developer is about to see anyway.
Only the code follows the files; a change of settings needs a full `harness deploy`. Left out: inotify
(polling works on every OS and costs one stat per file per interval), dependency vendoring.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from ..clients import Clients
from .executor import Executor
from .package import build_zip, code_sha256, package_files
from .plan import plan_code_update
from .settings import StackSettings

Snapshot = Mapping[str, tuple[int, int]]


def snapshot(code_dir: str | Path) -> dict[str, tuple[int, int]]:
    """Every file the package would hold: relative name -> (size, mtime in ns). Missing directory: empty."""
    root = Path(code_dir)
    found: dict[str, tuple[int, int]] = {}
    for name, path in package_files(root) if root.is_dir() else ():
        try:
            info = path.stat()
        except OSError:  # removed between the listing and the stat
            continue
        found[name] = (info.st_size, info.st_mtime_ns)
    return found


def changes(before: Snapshot, after: Snapshot) -> tuple[str, ...]:
    """Names added, removed or modified, sorted."""
    return tuple(sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name)))


def syntax_problems(code_dir: str | Path, names: tuple[str, ...]) -> tuple[str, ...]:
    """`file:line: message` for each of `names` that is Python and does not compile."""
    problems = []
    for name in names:
        path = Path(code_dir) / name
        if path.suffix != ".py" or not path.is_file():
            continue
        try:
            compile(path.read_bytes(), name, "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append(f"{name}:{exc.lineno}: {exc.msg}")
        except ValueError as exc:  # e.g. a NUL byte
            problems.append(f"{name}: {exc}")
    return tuple(problems)


@dataclass(frozen=True)
class Update:
    """One round of the watcher: what changed and what it did about it."""

    changed: tuple[str, ...]
    deployed: bool  # False: the package is the one already deployed (a save without a change)
    code_sha256: str
    seconds: float = 0.0
    problems: tuple[str, ...] = ()  # files that do not compile (deployed all the same)
    error: str | None = None  # the update failed (the watcher goes on)


def deployed_sha(settings: StackSettings, clients: Clients) -> str:
    return clients("lambda").get_function_configuration(FunctionName=settings.function_name)["CodeSha256"]


def watch(settings: StackSettings, clients: Clients, on_update: Callable[[Update], None], *,
          stop: threading.Event, interval_s: float = 0.5, current_sha: str | None = None,
          since: Snapshot | None = None) -> None:
    """Poll `settings.code_dir` until `stop` is set; each change becomes an `Update` (never raises for a failed
    update: the error is in the `Update`, the next save tries again). `since`: the snapshot to compare with
    first (take it before deploying, so a save during the deploy is not missed); default: now."""
    code_dir = settings.code_dir
    last = dict(since) if since is not None else snapshot(code_dir)
    sha = current_sha or deployed_sha(settings, clients)
    executor = Executor(clients)
    while not stop.wait(interval_s):
        now = snapshot(code_dir)
        changed = changes(last, now)
        if not changed:
            continue
        last = now
        started = time.perf_counter()
        try:
            package = build_zip(code_dir, settings.code_files)
        except OSError as exc:
            on_update(Update(changed, False, sha, error=f"cannot package {code_dir}: {exc}"))
            continue
        new_sha = code_sha256(package)
        if new_sha == sha:
            on_update(Update(changed, False, sha))
            continue
        problems = syntax_problems(code_dir, changed)
        try:
            executor.run(plan_code_update(settings, package))
        except Exception as exc:  # DeployError, a dropped connection: report, keep watching
            on_update(Update(changed, False, sha, time.perf_counter() - started, problems, f"{exc}"))
            continue
        sha = new_sha
        on_update(Update(changed, True, sha, time.perf_counter() - started, problems))
