"""The live progress line of a load run: elapsed time, clients, requests, requests/s, errors.

On a terminal the line is redrawn in place (`\\r`) twice a second; elsewhere (CI logs, pipes) one line is written
per second. Call with each `Snapshot`; `done()` ends the line. Left out: colours, ETA.
"""
from __future__ import annotations

import sys
from typing import TextIO

from .engine import Snapshot


def format_snapshot(snap: Snapshot) -> str:
    return (f"{snap.elapsed_s:6.1f} s  clients {snap.active_clients:>3}/{snap.clients:<3}  "
            f"requests {snap.requests:>7}  rps {snap.rps:7.1f}  errors {snap.errors}")


class LiveProgress:
    """Writes snapshots to `stream` (stdout by default)."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self._drawn = False

    @property
    def tick_s(self) -> float:
        """How often the engine should report."""
        return 0.5 if self.tty else 1.0

    def __call__(self, snap: Snapshot) -> None:
        line = format_snapshot(snap)
        if self.tty:
            self.stream.write(f"\r{line:<78}")
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
