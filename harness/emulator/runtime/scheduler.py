"""One background thread that runs callbacks at monotonic deadlines (invocation timeouts, idle reaping).

Cancelled entries stay in the heap until they come due or until the heap doubles (then it is rebuilt
without them). Callbacks run on the scheduler's thread and must be short; their exceptions are logged.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)


class Timer:
    __slots__ = ("when", "callback", "cancelled")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    def __init__(self, name: str = "lambda-scheduler") -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._compact_at = 4096
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        """Run `callback` at `time.monotonic() >= when` (unless cancelled first)."""
        timer = Timer(when, callback)
        with self._cond:
            first = not self._heap or when < self._heap[0][0]
            heapq.heappush(self._heap, (when, next(self._seq), timer))
            if len(self._heap) > self._compact_at:
                self._compact()
            if first:
                self._cond.notify()
        return timer

    def call_every(self, interval: float, callback: Callable[[], None]) -> None:
        def tick() -> None:
            try:
                callback()
            finally:
                if not self._closed:
                    self.call_at(time.monotonic() + interval, tick)

        self.call_at(time.monotonic() + interval, tick)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()
        self._thread.join(timeout=5)

    def _compact(self) -> None:
        self._heap = [entry for entry in self._heap if not entry[2].cancelled]
        heapq.heapify(self._heap)
        self._compact_at = max(4096, 2 * len(self._heap))

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    while self._heap and self._heap[0][2].cancelled:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    delay = self._heap[0][0] - time.monotonic()
                    if delay <= 0:
                        break
                    self._cond.wait(delay)
                if self._closed:
                    return
                _, _, timer = heapq.heappop(self._heap)
            if timer.cancelled:
                continue
            try:
                timer.callback()
            except Exception:  # a failing callback must not stop timeouts
                log.exception("scheduled callback failed")
