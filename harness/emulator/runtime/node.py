"""Lambda's Node.js runtimes (nodejs18.x ... nodejs24.x) on the local Node.js, with AWS's runtime interface client.

The client is the npm package `aws-lambda-ric` (its native part, a small libcurl-based HTTP client, is compiled
by its install script: needs a C++ compiler, make and cmake). Lambda's nodejs18.x-22.x runtimes run client 3.x;
nodejs24.x runs 4.x, which refuses callback-style handlers (`Runtime.CallbackHandlerDeprecated`), as AWS does from
Node.js 24 on. Both are installed once, with the AWS SDK for JavaScript v3 clients below, into the harness's
runtime cache (runtime_cache.py): `node-ric<version>-sdk<version>/node_modules`, Lambda's `/var/runtime/node_modules`.

A function runs on the local Node.js of the runtime's major version when one is found (`node` on the PATH,
`nodeNN`, nvm's, n's and volta's installs, `$HARNESS_NODE`), else on the first one found with one warning line.
The process starts as Lambda's bootstrap starts it ([I] its flags: `--expose-gc`, `--max-http-header-size 81920`,
a heap limit of 90% of the memory size); `NODE_PATH` is Lambda's (layers' `nodejs/nodeNN/node_modules` and
`nodejs/node_modules`, the SDK, the code). ES modules do not read `NODE_PATH`: Lambda lets an ES module handler
import the SDK; here a `node_modules` link next to the code directories points at the SDK for the same effect.
Left out: the SDK clients not listed (Lambda ships every one), a layer's modules imported from an ES module,
response streaming, the JSON log format.
"""
from __future__ import annotations

import functools
import glob
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..snapshots import FunctionConfig
from . import node_spares, runtime_cache, spawner
from .env import INHERITED
from .launch import Availability, Launch
from .node_spares import NodeSpares

log = logging.getLogger(__name__)

NODE_RUNTIMES = {"nodejs18.x": 18, "nodejs20.x": 20, "nodejs22.x": 22, "nodejs24.x": 24}

#: aws-lambda-ric per runtime: 3.x is what Lambda's nodejs18.x-22.x images carry, 4.x nodejs24.x's.
RIC_BY_MAJOR = {18: "3.3.0", 20: "3.3.0", 22: "3.3.0", 24: "4.0.2"}

#: The AWS SDK for JavaScript v3 as the runtimes provide it: these clients at these versions (npm's latest on
#: 2026-12-03; AWS_SDK_VERSION names the set, the DynamoDB clients' version).
AWS_SDK_VERSION = "3.1169.0"
AWS_SDK_CLIENTS = {
    "@aws-sdk/client-dynamodb": "3.1169.0", "@aws-sdk/lib-dynamodb": "3.1169.0", "@aws-sdk/client-s3": "3.1175.0",
    "@aws-sdk/client-lambda": "3.1164.0", "@aws-sdk/client-sqs": "3.1175.0", "@aws-sdk/client-sns": "3.1169.0",
    "@aws-sdk/client-sts": "3.1177.0",
}

NODE_ENV = "HARNESS_NODE"
_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)")


def is_node_runtime(runtime: str) -> bool:
    return runtime in NODE_RUNTIMES


@dataclass(frozen=True)
class LocalNode:
    path: str
    version: str  # e.g. 20.20.2

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def _candidates(env: Mapping[str, str]) -> list[str]:
    found = [env.get(NODE_ENV, "")]
    found += [shutil.which(name, path=env.get("PATH")) or "" for name in ("node", "nodejs")]
    found += [shutil.which(f"node{major}", path=env.get("PATH")) or "" for major in sorted(set(NODE_RUNTIMES.values()))]
    home = Path(env.get("HOME") or Path.home())
    for pattern in (".nvm/versions/node/v*/bin/node", ".volta/tools/image/node/*/bin/node",
                    ".local/share/fnm/node-versions/v*/installation/bin/node"):
        found += sorted(glob.glob(str(home / pattern)))
    found += sorted(glob.glob("/usr/local/n/versions/node/*/bin/node"))
    return [path for path in found if path]


@functools.lru_cache(maxsize=None)
def _version_of(path: str) -> str | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.match(out)
    return ".".join(match.groups()) if match else None


def local_nodes(env: Mapping[str, str] | None = None) -> list[LocalNode]:
    """Every Node.js found here, in the order of preference (duplicates by real path removed)."""
    env = os.environ if env is None else env
    seen: set[str] = set()
    nodes = []
    for path in _candidates(env):
        real = os.path.realpath(path)
        if real in seen or not os.access(real, os.X_OK):
            continue
        seen.add(real)
        version = _version_of(real)
        if version:
            nodes.append(LocalNode(real, version))
    return nodes


def node_for(runtime: str, nodes: list[LocalNode]) -> LocalNode | None:
    """The local Node.js of the runtime's major version, else the first found (None when there is none)."""
    major = NODE_RUNTIMES[runtime]
    return next((n for n in nodes if n.major == major), nodes[0] if nodes else None)


def cache_name(runtime: str) -> str:
    return f"node-ric{RIC_BY_MAJOR[NODE_RUNTIMES[runtime]]}-sdk{AWS_SDK_VERSION}"


def _dependencies(runtime: str) -> dict[str, str]:
    deps = {"aws-lambda-ric": RIC_BY_MAJOR[NODE_RUNTIMES[runtime]]}
    deps.update(AWS_SDK_CLIENTS)
    return deps


#: Lambda's /var/runtime/index.mjs for client 3.x (whose bin/index.mjs also prints an `Executing ...` line that
#: Lambda's runtime does not): run the client's loop on the task root and the handler.
RIC3_INDEX = ("import { run } from './node_modules/aws-lambda-ric/dist/index.mjs';\n"
              "await run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);\n")


def _ric_entry(cache: Path) -> Path:
    """The client's entry point: its own `index.mjs` (4.x runs itself), or `index.mjs` above (3.x)."""
    package = cache / "node_modules" / "aws-lambda-ric"
    if (package / "index.mjs").is_file():
        return package / "index.mjs"
    if (package / "dist" / "index.mjs").is_file():
        entry = cache / "index.mjs"
        if not entry.is_file():
            entry.write_text(RIC3_INDEX)
        return entry
    raise runtime_cache.RuntimeBuildError(f"aws-lambda-ric in {package} has no index.mjs")


NATIVE_NOTE = "NATIVE-CLIENT-FROM-4.x"


def _native_client_of_4x() -> Path:
    """rapid-client.node as aws-lambda-ric 4.x builds it (its own cache entry)."""
    version = RIC_BY_MAJOR[24]

    def build(target: Path) -> None:
        runtime_cache.npm_install(target, {"aws-lambda-ric": version})

    entry = runtime_cache.ensure(f"node-ric{version}-native", build)
    native = entry / "node_modules" / "aws-lambda-ric" / "rapid-client.node"
    if not native.is_file():
        raise runtime_cache.RuntimeBuildError(
            f"aws-lambda-ric {version}'s native client (rapid-client.node) was not built: its install script "
            "needs a C++ compiler, make and cmake")
    return native


def _build(runtime: str, target: Path) -> None:
    """npm install the client and the SDK. Fallback (documented in docs/runtimes.md): aws-lambda-ric 3.x builds
    its libcurl with autotools (`autoreconf`); where that fails, 3.x is installed without its install scripts
    and gets the native client built by 4.x, whose source (src/native/rapid-client.cc) is the same file and
    whose bundled libcurl builds with cmake alone."""
    deps = _dependencies(runtime)
    try:
        runtime_cache.npm_install(target, deps)
    except runtime_cache.RuntimeBuildError as exc:
        if deps["aws-lambda-ric"] == RIC_BY_MAJOR[24]:
            raise
        log.warning("aws-lambda-ric %s did not build (%s); using 4.x's build of the same native client",
                    deps["aws-lambda-ric"], str(exc).splitlines()[-1])
        for leftover in (target / "node_modules", target / "package-lock.json"):
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
        runtime_cache.npm_install(target, deps, ignore_scripts=True)
        native = _native_client_of_4x()
        dist = target / "node_modules" / "aws-lambda-ric" / "dist"
        shutil.copy2(native, dist / "rapid-client.node")
        (target / NATIVE_NOTE).write_text(f"rapid-client.node copied from {native}\n")
    package = target / "node_modules" / "aws-lambda-ric"
    if not list(package.glob("**/rapid-client.node")):
        raise runtime_cache.RuntimeBuildError(
            "aws-lambda-ric's native client (rapid-client.node) was not built: its install script needs a C++ "
            "compiler, make, cmake (and autoconf, automake, libtool for 3.x) and npm install scripts enabled")
    _ric_entry(target)


class NodeFamily:
    """nodejs18.x ... nodejs24.x."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env

    def runs(self, runtime: str) -> bool:
        return is_node_runtime(runtime)

    def check(self, runtime: str) -> Availability:
        nodes = local_nodes(self._env)
        node = node_for(runtime, nodes)
        if node is None:
            return Availability(runtime, False, "no Node.js found (node on the PATH, nvm, n, volta, $HARNESS_NODE)")
        cache = runtime_cache.ready(cache_name(runtime))
        built = "ready" if cache else "built on first use (npm install, a few minutes)"
        detail = f"Node.js {node.version} ({node.path}); aws-lambda-ric {RIC_BY_MAJOR[NODE_RUNTIMES[runtime]]}, " \
                 f"AWS SDK v3 {AWS_SDK_VERSION}: {built}"
        warning = None
        if node.major != NODE_RUNTIMES[runtime]:
            warning = f"functions declared {runtime} run on the local Node.js {node.version}"
        return Availability(runtime, True, detail, warning)

    def prepare(self, runtime: str) -> NodeLauncher:
        node = node_for(runtime, local_nodes(self._env))
        if node is None:
            raise runtime_cache.RuntimeBuildError("no Node.js found")
        if runtime_cache.ready(cache_name(runtime)) is None:
            log.warning("installing aws-lambda-ric and the AWS SDK v3 for %s once into %s (npm; a few minutes)",
                        runtime, runtime_cache.cache_root())
        cache = runtime_cache.ensure(cache_name(runtime), lambda tmp: _build(runtime, tmp))
        entry = _ric_entry(cache)
        env = os.environ if self._env is None else self._env
        spawner.SPAWNER.start_soon()  # workers and spares start from the launcher
        spares = None
        if node_spares.enabled(env):
            ric = cache / "node_modules" / "aws-lambda-ric"
            style, target = ("import", entry) if entry.parent == ric else ("run", ric / "dist" / "index.mjs")
            spares = NodeSpares(node.path, target, style, cache, {k: env[k] for k in INHERITED if k in env})
        return NodeLauncher(runtime, node, cache, entry, spares)


@dataclass(frozen=True)
class NodeLauncher:
    runtime: str
    node: LocalNode
    cache: Path  # Lambda's /var/runtime
    entry: Path
    spares: NodeSpares | None = None  # processes started ahead of cold starts (node_spares.py)

    def close(self) -> None:
        if self.spares is not None:
            self.spares.close()

    def launch(self, fn: FunctionConfig, code_dir: Path, layers_dir: Path | None) -> Launch:
        sdk = self.cache / "node_modules"
        link = code_dir.parent / "node_modules"  # ES modules find the SDK as on Lambda (see the docstring)
        if not link.exists():
            try:
                link.symlink_to(sdk, target_is_directory=True)
            except FileExistsError:
                pass
        paths = []
        if layers_dir is not None:
            paths += [layers_dir / "nodejs" / f"node{NODE_RUNTIMES[self.runtime]}" / "node_modules",
                      layers_dir / "nodejs" / "node_modules"]
        paths += [sdk, self.cache, code_dir]
        heap_mb = max(16, fn.memory_size * 9 // 10)
        flags = ("--expose-gc", "--max-http-header-size", "81920", f"--max-old-space-size={heap_mb}")
        argv = (self.node.path, *flags, str(self.entry), fn.handler)
        spare = None
        if self.spares is not None and "NODE_OPTIONS" not in fn.environment:
            spare = functools.partial(self.spares.take, flags)
        return Launch(argv, {"NODE_PATH": os.pathsep.join(map(str, paths)), "LAMBDA_RUNTIME_DIR": str(self.cache)},
                      spare=spare)
