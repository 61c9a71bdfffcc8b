"""Lambda's OS-only runtimes (provided.al2, provided.al2023): the package's `bootstrap` executable is the runtime.

Lambda runs `/var/task/bootstrap`, else `/opt/bootstrap` (a layer's), with `AWS_LAMBDA_RUNTIME_API` set; it
speaks the Runtime API itself (a shell script with curl, a Go or Rust binary built for Linux). Here: the code
directory's `bootstrap`, else the merged layers'. Without one (or with one that is not executable) the
environment fails its init with `Runtime.InvalidEntrypoint` ([I] AWS's messages: `Couldn't find valid
bootstrap(s): [/var/task/bootstrap /opt/bootstrap]`, `fork/exec /var/task/bootstrap: permission denied`). Left out: Amazon Linux's own libraries (a binary runs against this machine's), `provided`
(Amazon Linux 1, deprecated).
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..snapshots import FunctionConfig
from . import spawner
from .launch import Availability, Launch

PROVIDED_RUNTIMES = ("provided.al2", "provided.al2023")

#: Posts the init error Lambda gives a package without a bootstrap (run by the harness's own interpreter).
_NO_BOOTSTRAP = (
    "import os, sys, urllib.request\n"
    "req = urllib.request.Request('http://' + os.environ['AWS_LAMBDA_RUNTIME_API'] + '/2018-06-01/runtime/init/error',"
    " data=sys.argv[1].encode(), method='POST',"
    " headers={'Lambda-Runtime-Function-Error-Type': 'Runtime.InvalidEntrypoint'})\n"
    "urllib.request.urlopen(req).read()\n"
)


def is_provided_runtime(runtime: str) -> bool:
    return runtime in PROVIDED_RUNTIMES


class ProvidedFamily:
    def runs(self, runtime: str) -> bool:
        return is_provided_runtime(runtime)

    def check(self, runtime: str) -> Availability:
        if os.name != "posix":
            return Availability(runtime, False, "needs a POSIX system to run the package's bootstrap")
        return Availability(runtime, True, "the package's bootstrap executable, on this machine's OS libraries")

    def prepare(self, runtime: str) -> ProvidedLauncher:
        spawner.SPAWNER.start_soon()  # bootstraps start from the launcher
        return ProvidedLauncher()


@dataclass(frozen=True)
class ProvidedLauncher:
    def launch(self, fn: FunctionConfig, code_dir: Path, layers_dir: Path | None) -> Launch:
        places = [code_dir / "bootstrap"] + ([layers_dir / "bootstrap"] if layers_dir is not None else [])
        for bootstrap, shown in zip(places, ("/var/task/bootstrap", "/opt/bootstrap")):
            if bootstrap.is_file():
                if os.access(bootstrap, os.X_OK):
                    return Launch((str(bootstrap),), {"LAMBDA_RUNTIME_DIR": str(code_dir)})
                return _init_error(f"fork/exec {shown}: permission denied")
        return _init_error("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")


def _init_error(message: str) -> Launch:
    """A process that reports `message` as the environment's Runtime.InvalidEntrypoint init error."""
    body = json.dumps({"errorMessage": message, "errorType": "Runtime.InvalidEntrypoint"})
    return Launch((sys.executable, "-I", "-c", _NO_BOOTSTRAP, body))
