"""Node.js cold starts from spare processes: Node.js cannot fork, so the equivalent of Python's fork server is a
process started ahead of need that has already loaded the runtime interface client (3.x) and the provided AWS
SDK's DynamoDB clients, and waits on its stdin for the environment it is to become (variables, working
directory, handler). A cold start takes the spare of its runtime and memory size (the heap limit is a startup
flag), sends it that, and a new spare starts in the background; the first cold start of a kind starts a process
as usual. Init Duration counts from the hand-over: the function's own module and handler load.

The spare resets `process.env` to the function's variables, re-reads `NODE_PATH` (Module._initPaths) and runs
the client's loop as node.py's command line would; its stdin is closed after the message (an open stdin would
keep the event loop alive and break `callbackWaitsForEmptyEventLoop`). Not used for nodejs24.x (client 4.x
starts its loop when imported: its spares only preload the SDK) nor for a function that sets NODE_OPTIONS
(read at startup). `HARNESS_FORK_SERVER=0` turns spares off too. Left out: more than one spare per kind.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from pathlib import Path
from typing import IO, Mapping

from . import spawner
from .descendants import MARK, OWN, own_mark
from .fork_server import FORK_SERVER_ENV

log = logging.getLogger(__name__)

#: The spare's program: preload, wait for one JSON line on stdin, become the environment.
SPARE_MJS = r'''
import Module, { createRequire } from 'node:module';
const [, , ricEntry, style] = process.argv;
const require = createRequire(import.meta.url);
for (const name of ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']) {
  try { require(name); } catch (error) { /* a cache without them: nothing preloaded */ }
}
const ric = style === 'run' ? await import(ricEntry) : null;
const config = await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    text += chunk;
    const end = text.indexOf('\n');
    if (end >= 0) {
      process.stdin.removeAllListeners('data');
      process.stdin.destroy();
      resolve(JSON.parse(text.slice(0, end)));
    }
  });
});
for (const key of Object.keys(process.env)) delete process.env[key];
Object.assign(process.env, config.env);
process.chdir(config.cwd);
Module._initPaths();
process.argv[2] = config.env._HANDLER;
if (ric) await ric.run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
else await import(ricEntry);
'''


def enabled(env: Mapping[str, str] | None = None) -> bool:
    value = ((os.environ if env is None else env).get(FORK_SERVER_ENV) or "1").strip().lower()
    return value not in ("0", "false", "no", "off")


class Spare:
    """A started spare process and the read end of its output pipe."""

    def __init__(self, argv: list[str], env: Mapping[str, str]) -> None:
        read_fd, write_fd = os.pipe()
        try:
            fcntl.fcntl(read_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
        except OSError:
            pass
        stdin_read, stdin_write = os.pipe()
        try:
            self.proc = spawner.start(argv, env={**env, MARK: own_mark()}, cwd="/", out_fd=write_fd,
                                      stdin_fd=stdin_read)  # its own session, a subreaper (descendants.py)
            OWN.add(self.proc.pid)
        except BaseException:
            os.close(read_fd)
            os.close(stdin_write)
            raise
        finally:
            os.close(write_fd)
            os.close(stdin_read)
        self.stdin: IO[bytes] | None = open(stdin_write, "wb")
        self.read_fd = read_fd

    def hand_over(self, env: Mapping[str, str], cwd: str) -> bool:
        """Tell the spare what to become; False when it is gone."""
        assert self.stdin is not None
        try:
            self.stdin.write(json.dumps({"env": dict(env), "cwd": cwd}).encode() + b"\n")
            self.stdin.close()
            return self.proc.poll() is None
        except OSError:
            return False

    def discard(self) -> None:
        OWN.discard(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.stdin is not None:
            try:
                self.stdin.close()
            except OSError:
                pass
        os.close(self.read_fd)


class NodeSpares:
    """At most one ready spare per (flags) kind, for one Node.js runtime; thread-safe."""

    def __init__(self, node: str, entry: Path, style: str, cache: Path, base_env: Mapping[str, str]) -> None:
        self._node = node
        self._spare_js = cache / "spare.mjs"
        if not self._spare_js.is_file():
            tmp = cache / f".spare.mjs.{os.getpid()}"
            tmp.write_text(SPARE_MJS)
            os.replace(tmp, self._spare_js)
        self._entry = entry
        self._style = style  # "run": client 3.x exports run(); "import": 4.x runs when imported
        self._base_env = dict(base_env)
        self._ready: dict[tuple[str, ...], Spare] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _argv(self, flags: tuple[str, ...]) -> list[str]:
        return [self._node, *flags, str(self._spare_js), str(self._entry), self._style]

    def take(self, flags: tuple[str, ...]) -> Spare | None:
        """The ready spare for `flags` (None when there is none yet: the caller starts a process); a new one
        starts either way. The caller sets up its side, then calls `hand_over`."""
        with self._lock:
            spare = self._ready.pop(flags, None)
        self._refill(flags)
        if spare is not None and spare.proc.poll() is not None:
            spare.discard()
            return None
        return spare

    def _refill(self, flags: tuple[str, ...]) -> None:
        def start() -> None:
            try:
                spare = Spare(self._argv(flags), self._base_env)
            except OSError as exc:
                log.warning("could not start a spare Node.js process: %s", exc)
                return
            with self._lock:
                keep = not self._closed and flags not in self._ready
                if keep:
                    self._ready[flags] = spare
            if not keep:
                spare.discard()
        threading.Thread(target=start, name="node-spare", daemon=True).start()

    def pids(self) -> list[int]:
        with self._lock:
            return [spare.proc.pid for spare in self._ready.values()]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spares, self._ready = list(self._ready.values()), {}
        for spare in spares:
            spare.discard()
