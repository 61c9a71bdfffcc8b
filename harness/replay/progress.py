"""Live progress of a replay on a terminal: a bar redrawn in place on a TTY, one line per item otherwise.

Left out: colours and terminal width detection beyond `shutil.get_terminal_size`.
"""
from __future__ import annotations

import shutil
import sys
from typing import TextIO

from .report import first_line
from .results import FAILED, PASSED, ItemResult

_MARK = {PASSED: "ok", FAILED: "FAIL"}


class Progress:
    """Call with each ItemResult as it arrives; `done()` ends the bar's line."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.count = 0
        self.failed = 0
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()

    def __call__(self, result: ItemResult) -> None:
        self.count += 1
        self.failed += result.outcome == FAILED
        if self.tty:
            width = max(10, min(40, shutil.get_terminal_size().columns - 60))
            filled = width * self.count // max(self.total, 1)
            name = result.name[:40]
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total} "
                              f"{self.failed} failed  {name:<40}")
            if result.outcome == FAILED:
                self.stream.write(f"\n  {first_line(result)}\n")
        else:
            mark = _MARK.get(result.outcome, result.outcome)
            self.stream.write(f"[{self.count:>3}/{self.total}] {mark:<7} {result.name} ({result.duration_s:.2f} s)\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
