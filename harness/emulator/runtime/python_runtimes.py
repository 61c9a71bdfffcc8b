"""Lambda's Python runtimes (python3.N) on a local python3.N, with Lambda's import path.

Interpreter: `$HARNESS_PYTHON3_N` (e.g. HARNESS_PYTHON3_12), `python3.N` on the PATH, `uv python find 3.N`,
pyenv's `versions/3.N.*`; each candidate is asked its version (a pyenv shim of a missing version fails that
test). None found: the harness's own interpreter runs it, with one warning line.

Import path (`isolated`, the default): the function's code, its layers (`python`, `python/lib/python3.N/
site-packages`), then a cached environment per interpreter holding only what Lambda's runtime provides:
awslambdaric and boto3/botocore at the versions written down below (`python3.N-ric<v>-boto3<v>` in the runtime
cache). A module the package does not ship fails with `Runtime.ImportModuleError`, as on AWS.
`HARNESS_PYTHON_IMPORT_PATH=harness` keeps the old behaviour: the harness's interpreter and its whole venv.
Left out: Lambda's exact /var/runtime contents (its other modules, e.g. `simplejson`, come with awslambdaric here).
"""
from __future__ import annotations

import functools
import glob
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from ..snapshots import FunctionConfig
from . import runtime_cache
from . import fork_server
from .env import INHERITED, is_python_runtime, layer_paths, local_python_runtime
from .fork_server import ForkServer
from .launch import Availability, Launch

log = logging.getLogger(__name__)

#: What Lambda's Python runtimes provide, pinned (AWS's "Runtime included SDK versions" table lists boto3
#: 1.3x/1.4x per runtime; one recent version for every Python here). awslambdaric 4.x has wheels from
#: Python 3.10 on; 3.9 gets 3.1.1 (no compiler needed either way).
LAMBDA_AWSLAMBDARIC = "4.2.2"
LAMBDA_AWSLAMBDARIC_PY39 = "3.1.1"
LAMBDA_BOTO3 = "1.40.4"
LAMBDA_BOTOCORE = "1.40.4"

IMPORT_PATH_ENV = "HARNESS_PYTHON_IMPORT_PATH"
ISOLATED, HARNESS = "isolated", "harness"

#: awslambdaric's `__main__`, minus one thing: for AWS_EXECUTION_ENV python3.12+ it waits for `/next` on a
#: fresh thread pool per invocation (so Lambda's main thread can take signals while idle), ~0.4 ms of CPU per
#: invoke. Workers here are stopped with SIGKILL only, so the main thread waits itself. Everything else (the
#: handler's loading, events, context, errors, logging) is awslambdaric's code.
RIC_MAIN = (
    "import os, sys\n"
    "from awslambdaric import bootstrap\n"
    "from awslambdaric.lambda_runtime_client import LambdaRuntimeClient\n"
    "bootstrap.run(sys.argv[1], LambdaRuntimeClient(os.environ['AWS_LAMBDA_RUNTIME_API'], False))\n"
)


def import_path_mode(env: Mapping[str, str] | None = None) -> str:
    value = ((os.environ if env is None else env).get(IMPORT_PATH_ENV) or ISOLATED).strip().lower()
    return HARNESS if value == HARNESS else ISOLATED


@functools.lru_cache(maxsize=None)
def _version_of(path: str) -> str | None:
    """`3.N` as the interpreter at `path` says it (None when it does not run)."""
    try:
        done = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _uv_find(version: str, env: Mapping[str, str]) -> str | None:
    uv = shutil.which("uv", path=env.get("PATH"))
    if uv is None:
        return None
    try:
        done = subprocess.run([uv, "python", "find", "--no-project", version], capture_output=True, text=True,
                              timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def candidates(version: str, env: Mapping[str, str]) -> list[str]:
    """Where an interpreter of `version` (`3.N`) may be, in order of preference."""
    found = [env.get(f"HARNESS_PYTHON{version.replace('.', '_')}", "")]
    found.append(shutil.which(f"python{version}", path=env.get("PATH")) or "")
    found.append(_uv_find(version, env) or "")
    pyenv_root = env.get("PYENV_ROOT") or str(Path(env.get("HOME") or Path.home()) / ".pyenv")
    found += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True)
    return [path for path in found if path]


def find_python(version: str, env: Mapping[str, str] | None = None,
                version_of: Callable[[str], str | None] = _version_of) -> str | None:
    """A local interpreter of `version` (`3.N`), or None."""
    env = os.environ if env is None else env
    for path in candidates(version, env):
        if version_of(path) == version:
            return path
    return None


def ric_version(version: str) -> str:
    return LAMBDA_AWSLAMBDARIC_PY39 if int(version.split(".")[1]) < 10 else LAMBDA_AWSLAMBDARIC


def cache_name(version: str) -> str:
    return f"python{version}-ric{ric_version(version)}-boto3{LAMBDA_BOTO3}"


def _requirements(version: str) -> list[str]:
    return [f"awslambdaric=={ric_version(version)}", f"boto3=={LAMBDA_BOTO3}", f"botocore=={LAMBDA_BOTOCORE}"]


class PythonFamily:
    """python3.N."""

    def __init__(self, env: Mapping[str, str] | None = None,
                 version_of: Callable[[str], str | None] = _version_of) -> None:
        self._env = env
        self._version_of = version_of

    def runs(self, runtime: str) -> bool:
        return is_python_runtime(runtime)

    def _interpreter(self, runtime: str) -> tuple[str, str, str | None]:
        """(interpreter, its 3.N, a warning when it is a stand-in)."""
        wanted = runtime.removeprefix("python")
        found = find_python(wanted, self._env, self._version_of)
        if found is not None:
            return found, wanted, None
        own = local_python_runtime().removeprefix("python")
        if own == wanted:
            return sys.executable, own, None
        base = getattr(sys, "_base_executable", sys.executable)
        return base, own, f"functions declared {runtime} run on the local {local_python_runtime()} interpreter"

    def check(self, runtime: str) -> Availability:
        if import_path_mode(self._env) == HARNESS:
            warning = None if runtime == local_python_runtime() else \
                f"functions declared {runtime} run on the local {local_python_runtime()} interpreter"
            return Availability(runtime, True, f"the harness's Python {sys.version.split()[0]} and its venv "
                                               f"({IMPORT_PATH_ENV}=harness)", warning)
        path, version, warning = self._interpreter(runtime)
        built = "ready" if runtime_cache.ready(cache_name(version)) else "built on first use (pip)"
        return Availability(runtime, True, f"Python {version} ({path}); awslambdaric {ric_version(version)}, "
                                           f"boto3 {LAMBDA_BOTO3}: {built}", warning)

    def prepare(self, runtime: str) -> PythonLauncher:
        if import_path_mode(self._env) == HARNESS:
            return PythonLauncher(sys.executable, isolated=False)
        path, version, _ = self._interpreter(runtime)
        if path == sys.executable:
            path = getattr(sys, "_base_executable", sys.executable)  # a venv's python would bring its packages
        if runtime_cache.ready(cache_name(version)) is None:
            log.warning("installing awslambdaric and boto3 for %s once into %s (pip)", runtime,
                        runtime_cache.cache_root())
        env_dir = runtime_cache.ensure(cache_name(version),
                                       lambda tmp: runtime_cache.pip_install(tmp, path, _requirements(version)))
        python = str(env_dir / "bin" / "python")
        env = os.environ if self._env is None else self._env
        fork = ForkServer(python, {k: env[k] for k in INHERITED if k in env}) if fork_server.enabled(env) else None
        if fork is not None:
            fork.start_soon()
        return PythonLauncher(python, isolated=True, fork=fork)


@dataclass(frozen=True)
class PythonLauncher:
    python: str
    isolated: bool  # the cached environment's packages only (else the harness's venv, the old behaviour)
    fork: ForkServer | None = None  # cold starts fork from this template (fork_server.py)

    def close(self) -> None:
        if self.fork is not None:
            self.fork.close()

    def launch(self, fn: FunctionConfig, code_dir: Path, layers_dir: Path | None) -> Launch:
        paths = [str(code_dir), *layer_paths(layers_dir, fn.runtime)]
        user_path = fn.environment.get("PYTHONPATH")
        if user_path:
            paths.append(str(user_path))
        env = {"PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
        if self.isolated:
            env["PYTHONNOUSERSITE"] = "1"
        return Launch((self.python, "-c", RIC_MAIN, fn.handler), env, self.fork, tuple(paths))
