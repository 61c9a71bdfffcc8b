"""The harness's cache of language runtimes' parts, built once per machine and shared by every stack.

Each entry is a directory `<cache root>/<name>/` built by a function into a temporary sibling that is renamed
into place, under an exclusive file lock (`<name>.lock`): a directory that exists is complete, and concurrent
stacks or test workers build it once. The root is `$HARNESS_RUNTIME_CACHE`, else
`$XDG_CACHE_HOME/db-api-harness/runtimes` (`~/.cache/...`). A failed build is remembered for the process (one
clear error, not one npm run per invoke). Left out: evicting old entries, a size limit.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Callable, Mapping

CACHE_ENV = "HARNESS_RUNTIME_CACHE"

_failed: dict[str, str] = {}
_guard = threading.Lock()


class RuntimeBuildError(RuntimeError):
    """A cache entry could not be built (the message says why, e.g. npm's last lines)."""


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "db-api-harness" / "runtimes"


def ready(name: str, root: Path | None = None) -> Path | None:
    """The entry's directory when it is built, else None (never builds)."""
    final = (root or cache_root()) / name
    return final if final.is_dir() else None


def ensure(name: str, build: Callable[[Path], None], root: Path | None = None) -> Path:
    """The entry's directory, built first by `build(tmp_dir)` when missing; RuntimeBuildError when that fails."""
    root = root or cache_root()
    final = root / name
    if final.is_dir():
        return final
    key = str(final)
    with _guard:
        if key in _failed:
            raise RuntimeBuildError(_failed[key])
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait, then use its result
        if final.is_dir():
            return final
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
        try:
            build(tmp)
            os.rename(tmp, final)
        except RuntimeBuildError as exc:
            with _guard:
                _failed[key] = str(exc)
            raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return final


def npm_install(target: Path, dependencies: Mapping[str, str], *, npm: str = "npm", timeout_s: float = 900,
                ignore_scripts: bool = False) -> None:
    """`npm install` the exact `dependencies` into `target` (a private package.json; no audit, no funding
    notice); RuntimeBuildError with npm's last lines when it fails or npm is missing."""
    (target / "package.json").write_text(json.dumps(
        {"name": "harness-runtime-cache", "private": True, "dependencies": dict(dependencies)}, indent=2) + "\n")
    npm_path = shutil.which(npm)
    if npm_path is None:
        raise RuntimeBuildError(f"`{npm}` is not on the PATH (it installs {', '.join(dependencies)})")
    try:
        done = subprocess.run([npm_path, "install", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error",
                               *(["--ignore-scripts"] if ignore_scripts else [])],
                              cwd=target, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise RuntimeBuildError(f"npm install of {', '.join(dependencies)} took over {timeout_s:.0f} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise RuntimeBuildError(f"npm install of {', '.join(dependencies)} failed (exit {done.returncode}):\n{tail}")


def pip_install(target: Path, python: str, requirements: list[str], *, timeout_s: float = 600) -> None:
    """A venv at `target` made by `python` with `requirements` pip-installed; RuntimeBuildError when it fails."""
    steps = [[python, "-m", "venv", str(target)],
             [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              *requirements]]
    for step in steps:
        try:
            done = subprocess.run(step, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeBuildError(f"{' '.join(step[:3])}: {exc}") from None
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise RuntimeBuildError(f"{' '.join(step[:4])} failed (exit {done.returncode}):\n{tail}")
