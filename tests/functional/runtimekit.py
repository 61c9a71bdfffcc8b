"""Helpers for tests of the non-default runtimes: the runtime caches (built once per machine, shared by every
test worker) as session fixtures that skip with the reason when a cache cannot be built, and function creation
with any runtime."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from harness.deploy.package import build_zip
from harness.emulator.runtime import runtime_cache
from harness.emulator.runtime.node import NodeFamily

from .apikit import Kit

FUNCTIONS = Path(__file__).resolve().parent.parent / "fixtures" / "functions"


def _prepared(family: Any, runtime: str) -> None:
    verdict = family.check(runtime)
    if not verdict.usable:
        pytest.skip(f"{runtime} does not run here: {verdict.detail}")
    try:
        family.prepare(runtime)
    except runtime_cache.RuntimeBuildError as exc:
        pytest.skip(f"{runtime}'s runtime cache could not be built (npm): {str(exc).splitlines()[0]}")


@pytest.fixture(scope="session")
def node20():
    _prepared(NodeFamily(), "nodejs20.x")
    return "nodejs20.x"


@pytest.fixture(scope="session")
def node24():
    _prepared(NodeFamily(), "nodejs24.x")
    return "nodejs24.x"


def create(kit: Kit, name: str, runtime: str, code: bytes, *, handler: str = "index.handler", timeout: int = 3,
           memory: int = 256, layers: list[str] | None = None) -> str:
    lam = kit.clients("lambda")
    full = f"{kit.prefix}{name}"
    lam.create_function(FunctionName=full, Runtime=runtime, Role=kit.role_arn, Handler=handler,
                        Code={"ZipFile": code}, Timeout=timeout, MemorySize=memory, Layers=layers or [])
    kit.functions.append(full)
    lam.get_waiter("function_active_v2").wait(FunctionName=full, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    return full


def fixture_zip(directory: str) -> bytes:
    return build_zip(FUNCTIONS / directory)


def invoke(kit: Kit, name: str, event: object = None) -> tuple[dict[str, Any], Any, list[str]]:
    """(the Invoke answer's metadata, the payload parsed, the log tail's lines)."""
    answer = kit.clients("lambda").invoke(FunctionName=name, LogType="Tail",
                                          Payload=json.dumps({} if event is None else event).encode())
    payload = json.loads(answer["Payload"].read())
    return answer, payload, base64.b64decode(answer.get("LogResult", "")).decode().splitlines()


def npm_modules(name: str, dependencies: dict[str, str]) -> Path:
    """A cached `node_modules` holding `dependencies` (npm, once per machine); skips the test when npm fails."""
    key = "npm-" + "-".join(f"{package.replace('/', '_')}-{version}" for package, version in dependencies.items())
    try:
        return runtime_cache.ensure(key, lambda tmp: runtime_cache.npm_install(tmp, dependencies)) / "node_modules"
    except runtime_cache.RuntimeBuildError as exc:
        pytest.skip(f"{name}: npm could not install {', '.join(dependencies)}: {str(exc).splitlines()[0]}")


def zip_with_modules(code_dir: Path, modules: Path) -> bytes:
    """The files of `code_dir` plus `modules` as the package's own `node_modules/` (fast compression)."""
    import io
    import os
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(code_dir.iterdir()):
            archive.write(path, path.name)
        for folder, _, files in os.walk(modules):
            for file in files:
                full = Path(folder) / file
                archive.write(full, "node_modules/" + full.relative_to(modules).as_posix())
    return buffer.getvalue()
