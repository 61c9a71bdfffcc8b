"""The emulator's whole request path, in order: the one place that says which handler comes when.

    request handlers (in order, until one answers)
      RequestGuard          a foreign Host (DNS rebinding) -> 403; internal routes: other origins, recorder -> 403
      JournalWrites.begin   (--state) the API Gateway ids a write makes are recorded
      MarkBusy              every request tells the log shipper the stack is busy
      InternalRoutes        /_harness/health; POST /moto-api/reset (workers, the emulator's memory, moto)
      ExecuteApi            execute-api URLs -> the API Gateway data plane
      refuse_unread_body    a body larger than the HTTP front reads -> 413
      LambdaInvoke          Lambda Invoke, run for real
      TestInvokeMethod      API Gateway TestInvokeMethod, run for real
      serve_dynamodb        DynamoDB's hot path: checks, moto's handler, answer fixes
      FlushLogs             a CloudWatch Logs call first writes the waiting log lines
      Corrections.before    the correction of this moto call, if any: may refuse, rewrite, note
      MotoApp               moto answers (AWS's control planes)
    response handlers (each, once answered)
      Corrections.after     the correction of this moto call, on its 2xx answer
      strip_internal_cors   no CORS header on an internal route's answer
      JournalWrites.commit  (--state) a write answered 2xx is on disk before its answer leaves (journal.py)

The hot paths (an API's URL, a DynamoDB call) are answered fourth and eighth. Left out: anything but what the
stack serves (unsigned S3-style requests and other services' special URLs reach moto as moto routes them).
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..control import MotoApp
from ..control.moto_changes import Corrections, apigateway_corrections, code_package_checks, lambda_corrections, \
    serve_dynamodb
from .exchange import Exchange
from .guard import RequestGuard, strip_internal_cors
from .journal_writes import JournalWrites
from .handler_chain import HandlerChain
from .handlers import ExecuteApi, FlushLogs, InternalRoutes, LambdaInvoke, MarkBusy, TestInvokeMethod, \
    refuse_unread_body

if TYPE_CHECKING:
    from ..control import ControlPlane
    from ..journal import Journal
    from ..gateway.chain import Gateway
    from ..runtime import LambdaRuntime
    from ..stack_memory import StackMemory


def request_path(*, control: ControlPlane, runtime: LambdaRuntime, gateway: Gateway, memory: StackMemory,
                 moto: MotoApp, ready: threading.Event, default_region: str,
                 allowed_hosts: tuple[str, ...] = (), journal: Journal | None = None) -> HandlerChain:
    """The stack's WSGI application: every handler in order over one `Exchange` per request (with `journal`,
    every acknowledged write is journalled first: `--state`)."""
    journalled = JournalWrites(journal) if journal is not None else None
    corrections = Corrections((*apigateway_corrections(control), *lambda_corrections(control),
                               *code_package_checks()))
    return HandlerChain(
        request_handlers=(
            RequestGuard(allowed_hosts),
            *((journalled.begin,) if journalled else ()),
            MarkBusy(control),
            InternalRoutes(ready=ready, runtime=runtime, reset=lambda: memory.reset(moto.reset),
                           logs=lambda: control.log_storage.stats()),
            ExecuteApi(gateway),
            refuse_unread_body,
            LambdaInvoke(control, runtime),
            TestInvokeMethod(gateway),
            serve_dynamodb,
            FlushLogs(control),
            corrections.before,
            moto,
        ),
        response_handlers=(corrections.after, strip_internal_cors, *((journalled.commit,) if journalled else ())),
        new_exchange=lambda environ: Exchange(environ, default_region=default_region, accounts=moto.account_of),
    )
