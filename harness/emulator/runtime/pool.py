"""The execution environments of one function: reuse, scaling, throttling and retirement (outcomes: endings.py).

Concurrency is AWS's: an invocation counts from submission to its end, and one beyond the function's
reserved concurrency (or the default limit) is throttled. Execution is local: invocations wait in a queue
that any ready worker takes from (a warm one that finishes, or a new one once started), new workers start
while invocations wait, at most `max_starting` at a time and `max_workers` in all per function, so a peak
on a laptop is served by warm workers instead of dozens of cold starts.
All state changes happen under `FunctionPool.lock`; slow work (draining output, writing logs, resolving
futures, killing processes) happens outside it. Idle workers are reused most-recently-used first, so the
surplus ages out through the idle reaper. A change of code or configuration (anything but reserved
concurrency) retires the current workers: idle ones exit now, busy ones once no invocation submitted
before the change waits for them (each invocation runs the code it was submitted to). A worker leaving service
(retired, reaped, closed) is killed before its waiting `/next` is dropped: awslambdaric, seeing the connection
go, would log `Failed to get next invocation` into the function's log. A worker that fails before taking work (import error, exit, init timeout) answers the oldest waiting invocation with that
failure, as AWS answers the invocation that triggered the init.
Left out: the account-wide concurrency pool (each function has its own limit), burst limits,
provisioned concurrency, init-error retries within one invocation.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from ..aws_errors import throttled
from ..snapshots import FunctionConfig
from .api import HANDED_OFF, SendNext
from .shared import RuntimeContext, generation
from .endings import INIT_TIMEOUT_S, Endings
from .invocation import Invocation, Outcome
from .payloads import unknown_payload
from .worker import NextCall, Worker

log = logging.getLogger(__name__)


class FunctionPool(Endings):
    def __init__(self, ctx: RuntimeContext) -> None:
        self.ctx = ctx
        self.lock = threading.Lock()
        self.workers: set[Worker] = set()
        self.idle: list[Worker] = []
        self.inflight = 0
        self.queue: deque[Invocation] = deque()  # submitted, waiting for a ready worker
        self.generation: tuple[Any, ...] | None = None
        self.closed = False

    # ---- submission -----------------------------------------------------------------------------------

    def submit(self, fn: FunctionConfig, inv: Invocation) -> Worker | None:
        """Give `inv` to an idle worker, or queue it (returns a new worker to start, if one should start).

        An idle worker waits in `/next`; this thread writes the answer itself (`_hand_off`) instead of waking
        the worker's thread to do it. Raises `throttled()` when the function's concurrency is exhausted.
        """
        limit = fn.reserved_concurrency if fn.reserved_concurrency is not None else self.ctx.default_concurrency
        throttle = False
        send = None
        with self.lock:
            victims = self._roll(fn)
            if self.closed or self.inflight >= limit:
                throttle, fresh = True, None
            else:
                self.inflight += 1
                worker = self._take_idle()
                if worker is not None:
                    send = self._assign(worker, inv, direct=True)
                    fresh = None
                else:
                    self.queue.append(inv)
                    fresh = self._spawn()
        for victim in victims:
            victim.kill()
        if throttle:
            raise throttled()
        if send is not None:
            self._hand_off(worker, inv, send)
        return fresh

    def _hand_off(self, worker: Worker, inv: Invocation, send: SendNext) -> None:
        """Answer the worker's waiting `/next` from this thread, then let its own thread go back to reading."""
        assert worker.capture is not None
        inv.before = worker.capture.take()
        try:
            send(inv.next_event())
        except OSError:  # the worker is gone: its exit settles the invocation (see `exited`)
            log.debug("could not hand %s to %r", inv.request_id, worker)
        with self.lock:
            worker.cond.notify_all()

    def start(self, worker: Worker, inv: Invocation | None = None) -> None:
        """Unzip the code and start `worker`. On failure a waiting invocation (`inv` first) gets the error;
        LookupError (the code is gone) is re-raised when `inv` was still waiting."""
        try:
            code_dir = self.ctx.code.ensure(worker.fn)
            with self.lock:
                worker.init_timer = self.ctx.scheduler.call_at(
                    time.monotonic() + INIT_TIMEOUT_S, lambda: self._init_timed_out(worker))
            worker.start(code_dir)
        except Exception as exc:
            with self.lock:
                self._remove(worker)
                waiting = inv if inv is not None and inv in self.queue else self._pop_queued()
                if waiting is not None and waiting in self.queue:
                    self.queue.remove(waiting)
                if waiting is not None:
                    waiting.done = True
                    self.inflight -= 1
            worker.kill()
            worker.close()
            if isinstance(exc, LookupError) and waiting is inv and inv is not None:
                raise
            log.exception("could not start a worker for %s", worker.fn.name)
            if waiting is not None:
                detail = f"could not start the function: {type(exc).__name__}: {exc}"
                self._settle(worker, waiting, Outcome(unknown_payload(waiting.request_id, detail), "Unhandled",
                                                      "error", "Runtime.Unknown"), [])

    def _spawn(self) -> Worker | None:
        """(Lock held.) A new worker when invocations wait for one and the local limits allow it (it runs the
        configuration of the oldest waiting invocation, the newest one since `_roll` retargets the queue)."""
        if not self.queue:
            return None
        fn = self.queue[0].fn
        limit = fn.reserved_concurrency if fn.reserved_concurrency is not None else self.ctx.default_concurrency
        gen = generation(fn)
        waiting = sum(1 for inv in self.queue if generation(inv.fn) == gen)
        starting = sum(1 for w in self.workers if w.state == "starting" and w.gen == gen)
        if (self.closed or waiting <= starting or starting >= self.ctx.max_starting
                or len(self.workers) >= min(limit, self.ctx.max_workers)):
            return None
        worker = Worker(self, fn, None)
        worker.retired = gen != self.generation  # serves what waits for older code, then exits
        self.workers.add(worker)
        return worker

    def _assign(self, worker: Worker, inv: Invocation, direct: bool = False) -> SendNext | None:
        """(Lock held.) Hand `inv` to `worker`: its waiting `/next` returns it, or (`direct`, the worker waits in
        `/next`) it is started here and the caller sends it with the returned callable, then notifies."""
        worker.state = "busy"
        worker.current = inv
        call = worker.next_call if direct else None
        if call is None or call.send is None:
            worker.cond.notify_all()
            return None
        worker.next_call = None
        call.handed_off = True
        self._begin(worker, inv)
        return call.send

    def _begin(self, worker: Worker, inv: Invocation) -> None:
        """(Lock held.) `inv` starts on `worker` now: its clock and its timeout run from here."""
        inv.start(worker.init_ms)
        worker.init_ms = None
        inv.timer = self.ctx.scheduler.call_at(inv.started + inv.fn.timeout,  # type: ignore[operator]
                                               lambda: self._timed_out(worker, inv))

    def _pop_queued(self, gen: tuple[Any, ...] | None = None) -> Invocation | None:
        """(Lock held.) The oldest waiting invocation (of generation `gen`, when given) not ended meanwhile."""
        for inv in list(self.queue):
            if inv.done:
                self.queue.remove(inv)
            elif gen is None or generation(inv.fn) == gen:
                self.queue.remove(inv)
                return inv
        return None

    def _start_later(self, worker: Worker | None) -> None:
        if worker is not None:
            threading.Thread(target=self.start, args=(worker,), name="worker-start", daemon=True).start()

    def _roll(self, fn: FunctionConfig) -> list[Worker]:
        gen = generation(fn)
        if gen == self.generation:
            return []
        old, self.generation = self.generation, gen
        if old is None:
            return []
        victims = list(self.idle)
        for worker in victims:
            self._remove(worker)
        for worker in self.workers:
            worker.retired = True
        return victims

    # ---- Runtime API ----------------------------------------------------------------------------------

    def next_for(self, worker: Worker, send: SendNext | None = None) -> object:
        """The worker's `/next`: blocks for work. A NextEvent to answer; None when the worker goes away;
        HANDED_OFF when a submitter answered through `send` meanwhile (see `submit`)."""
        fresh = None
        with self.lock:
            if worker.state == "starting":
                worker.init_ms = (time.monotonic() - worker.spawned_at) * 1000.0
                if worker.init_timer is not None:
                    worker.init_timer.cancel()
                self._ready(worker)  # a retired worker leaves service (closing): killed below
                fresh = self._spawn()  # more invocations waiting: keep scaling
            call = worker.next_call = NextCall(send)  # a newer /next supersedes one still waiting
            try:
                while not worker.closing and not call.handed_off and worker.next_call is call and (
                        worker.current is None or worker.current.started is not None):
                    worker.cond.wait()
            finally:
                if worker.next_call is call:
                    worker.next_call = None
            # superseded without work: the runtime asks on another connection now; this one just stays open
            handed_off = call.handed_off or not (worker.closing or worker.next_call is None)
            inv = None if handed_off or worker.closing else worker.current
            if inv is not None:
                self._begin(worker, inv)
        self._start_later(fresh)
        if handed_off:
            return HANDED_OFF
        if inv is None:  # out of service: killed before its /next is dropped, so the runtime writes nothing
            worker.kill()
            return None
        assert worker.capture is not None
        inv.before = worker.capture.take()  # init output (cold start) or what an idle worker printed
        return inv.next_event()

    def _ready(self, worker: Worker) -> bool:
        """(Lock held.) `worker` can take work: the oldest invocation waiting for its code, or it waits idle.
        A retired worker with nothing of its generation left leaves service: True means "kill it"."""
        inv = None if worker.closing else self._pop_queued(worker.gen)
        if inv is not None:
            self._assign(worker, inv)
            return False
        if worker.retired or worker.closing:
            self._remove(worker)
            return True
        worker.state = "idle"
        worker.current = None
        worker.idle_since = time.monotonic()
        self.idle.append(worker)
        return False

    def retire(self) -> None:
        """The function is gone: idle workers exit now, busy ones once their invocation ends."""
        with self.lock:
            victims = list(self.idle)
            for worker in victims:
                self._remove(worker)
            for worker in self.workers:
                worker.retired = True
        for worker in victims:
            worker.kill()

    def kill_over_memory(self) -> None:
        """Kill each worker in init or in an invocation whose peak memory passed its function's memory size
        (its watcher then ends the invocation as Runtime.OutOfMemory, `signal: killed`)."""
        if not self.inflight:  # unlocked read: nothing runs or starts without an invocation in flight
            return
        with self.lock:
            running = [w for w in self.workers if w.state != "idle" and not w.out_of_memory]
        for worker in running:
            self.kill_if_out_of_memory(worker)

    def reap_idle(self, now: float) -> None:
        with self.lock:
            victims = [w for w in self.idle if now - w.idle_since >= self.ctx.idle_timeout_s]
            for worker in victims:
                self._remove(worker)
        for worker in victims:
            worker.kill()

    def close(self) -> list[Worker]:
        """Stop taking invocations and kill every worker (their watchers settle what was in flight)."""
        with self.lock:
            self.closed = True
            workers = list(self.workers)
            for worker in workers:
                self._remove(worker)
            waiting = [inv for inv in self.queue if not inv.done]
            self.queue.clear()
            for inv in waiting:
                inv.done = True
                self.inflight -= 1
        for worker in workers:
            worker.kill()
        for inv in waiting:
            detail = "the Lambda runtime shut down before the invocation started"
            result, _ = inv.settle(Outcome(unknown_payload(inv.request_id, detail), "Unhandled", "error",
                                           "Runtime.Unknown"), [], 0)
            inv.resolve(result)
        return workers

    def stats(self) -> dict[str, int]:
        with self.lock:
            states = [w.state for w in self.workers]
            return {
                "busy": states.count("busy"), "idle": states.count("idle"), "starting": states.count("starting"),
                "inflight": self.inflight, "queued": len(self.queue),
            }

    # ---- bookkeeping ------------------------------------------------------------------------------------

    def _complete(self, worker: Worker, request_id: str, leave: bool = False) -> tuple[Invocation | None, bool]:
        """Mark the worker's started invocation `request_id` done; (invocation, kill the worker?). `leave`: the
        worker leaves service (killed) once the invocation is done."""
        with self.lock:
            inv = worker.current
            if inv is None or inv.done or inv.started is None or inv.request_id != request_id:
                return None, False
            inv.done = True
            worker.current = None
            self.inflight -= 1
            if inv.timer is not None:
                inv.timer.cancel()
            if leave:
                worker.closing = True
            if worker.closing or self.closed:
                self._remove(worker)
                return inv, True
            return inv, self._ready(worker)

    def _take_idle(self) -> Worker | None:
        """(Lock held.) The most recently used idle worker whose process still runs. One that has ended (killed
        from outside while idle) leaves service here: its watcher may not have reported the exit yet."""
        while self.idle:
            worker = self.idle.pop()
            if not worker.has_exited():
                return worker
            self._remove(worker)
        return None

    def _claim_for_failure(self, worker: Worker) -> Invocation | None:
        """(Lock held.) A worker failed before taking work: the oldest waiting invocation gets the failure."""
        inv = self._pop_queued(worker.gen)
        if inv is not None:
            worker.current = inv
        return inv

    def _detach(self, worker: Worker, inv: Invocation) -> bool:
        """(Lock held.) End `inv` abnormally and take its worker out of service; False if it had already ended."""
        if inv.done or worker.current is not inv:
            return False
        inv.done = True
        worker.current = None
        self.inflight -= 1
        if inv.timer is not None:
            inv.timer.cancel()
        self._remove(worker)
        return True

    def _remove(self, worker: Worker) -> None:
        """(Lock held.) Take the worker out of service for good."""
        if worker.init_timer is not None:
            worker.init_timer.cancel()
        worker.state = "dead"
        worker.closing = True
        worker.cond.notify_all()
        self.workers.discard(worker)
        if worker in self.idle:
            self.idle.remove(worker)
