"""The environment a worker process starts with: the function's variables plus Lambda's reserved ones.

Nothing of the parent's environment leaks in except a short allowlist (PATH, locale, TMPDIR, ...); in
particular no AWS_* variable, so real credentials never reach a function. Left out: the X-Ray variables
(_X_AMZN_TRACE_ID is set per invocation by awslambdaric itself), LAMBDA_RUNTIME_DIR, AWS_LAMBDA_LOG_FORMAT.
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Mapping

from ..snapshots import FunctionConfig

#: Parent variables a local process needs to behave (the Lambda sandbox sets its own equivalents).
INHERITED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "LD_LIBRARY_PATH", "SYSTEMROOT")

_PYTHON_RUNTIME = re.compile(r"^python3\.\d+$")

#: Fake session token handed to functions with the fake key pair (moto accepts anything).
SESSION_TOKEN = "test-session-token"


def is_python_runtime(runtime: str) -> bool:
    return bool(_PYTHON_RUNTIME.match(runtime or ""))


def local_python_runtime() -> str:
    """The Lambda runtime name of the interpreter that runs workers, e.g. `python3.11`."""
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def log_stream_name(version: str, worker_id: str, when: float | None = None) -> str:
    """`YYYY/MM/DD/[$LATEST]<32 hex>` as Lambda names an execution environment's log stream (UTC date)."""
    day = time.strftime("%Y/%m/%d", time.gmtime(time.time() if when is None else when))
    return f"{day}/[{version}]{worker_id}"


def layer_paths(layers_dir: Path | None, runtime: str) -> list[str]:
    """Where Lambda's Python runtime imports layers from, relative to /opt (here: the merged layers)."""
    if layers_dir is None:
        return []
    version = runtime if is_python_runtime(runtime) else local_python_runtime()
    return [str(layers_dir / "python" / "lib" / version / "site-packages"), str(layers_dir / "python")]


def build_environment(
    fn: FunctionConfig,
    *,
    code_dir: Path,
    api_address: str,
    log_stream: str,
    endpoint_url: str,
    credentials: tuple[str, str],
    parent_env: Mapping[str, str] | None = None,
    runtime_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The complete environment of a worker process (reserved variables win over the function's own);
    `runtime_env`: what the function's runtime adds (launch.py: PYTHONPATH, NODE_PATH, ...)."""
    parent = os.environ if parent_env is None else parent_env
    env = {key: parent[key] for key in INHERITED if key in parent}
    env.setdefault("LANG", "C.UTF-8")
    env.update({str(k): str(v) for k, v in fn.environment.items()})
    access_key, secret_key = credentials
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": fn.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": fn.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": fn.handler,
            "AWS_LAMBDA_RUNTIME_API": api_address,
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "AWS_ENDPOINT_URL": endpoint_url,
            # Not set by Lambda: keeps a function's boto3 away from the developer's ~/.aws files.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "TZ": ":UTC",
        }
    )
    env.update(runtime_env or {})
    return env
