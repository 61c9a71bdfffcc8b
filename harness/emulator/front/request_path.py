"""The emulator's whole request path, in order: the one place that says which handler comes when.

    request handlers (in order, until one answers)
      RequestGuard          a foreign Host (DNS rebinding) -> 403; internal routes: other origins, recorder -> 403
      JournalWrites.begin   (--state) a write passes the compaction's gate; the API Gateway ids it makes are recorded
      MarkBusy              every request tells the log shipper the stack is busy
      InternalRoutes        /_harness/health; POST /moto-api/reset (workers, the emulator's memory, moto)
      ExecuteApi            execute-api URLs -> the API Gateway data plane
      refuse_unread_body    a body larger than the HTTP front reads -> 413
      ModelValidation       DynamoDB, Lambda, API Gateway calls checked against botocore's models (AWS's words)
      LambdaInvoke          Lambda Invoke, run for real
      TestInvokeMethod      API Gateway TestInvokeMethod, run for real
      TestInvokeAuthorizer  API Gateway TestInvokeAuthorizer, run for real (moto has none)
      serve_dynamodb        DynamoDB's hot path: checks, moto's handler, answer fixes (or, with
                            `--dynamodb local`, ForwardDynamoDB: Amazon's DynamoDB Local answers)
      FlushLogs             a CloudWatch Logs call first writes the waiting log lines
      bare_latest           a Lambda path's `name:$LATEST` reaches moto as the bare name
      prepare_cloudformation  the first CloudFormation call completes moto's CloudFormation (moto_changes/)
      Corrections.before    the correction of this moto call, if any: may refuse, rewrite, note
      MotoApp               moto answers (AWS's control planes)
    response handlers (each, once answered)
      Corrections.after     the correction of this moto call, on its 2xx answer
      lambda_error_shape    moto's Lambda error answers in the body Lambda sends (Type, Message/message)
      apigateway_error_words  moto's API Gateway not-found answers in AWS's words
      status_as_modelled    an API Gateway success answered with its operation's modelled status
      strip_internal_cors   no CORS header on an internal route's answer
      JournalWrites.commit  (--state) a write answered 2xx is on disk before its answer leaves (journal.py)
    finishers (always, last)
      JournalWrites.finish  (--state) the write leaves the gate; the journal is compacted when due

The hot paths (an API's URL, a DynamoDB call) are answered fourth and tenth. Left out: anything but what the
stack serves (unsigned S3-style requests and other services' special URLs reach moto as moto routes them).
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable

from ..control import MotoApp
from ..control.moto_changes import Corrections, apigateway_checks, apigateway_corrections, apigateway_error_words, \
    apigateway_updates, bare_latest, gateway_response_corrections, integration_response_shapes, lambda_corrections, \
    lambda_error_shape, method_corrections, code_package_checks, prepare_cloudformation, serve_dynamodb
from ..runtime.function_log import dropped_lines
from .exchange import Exchange
from .guard import RequestGuard, strip_internal_cors
from .journal_writes import JournalWrites
from .handler_chain import HandlerChain
from .handlers import ExecuteApi, FlushLogs, ForwardDynamoDB, InternalRoutes, LambdaInvoke, MarkBusy, \
    TestInvokeAuthorizer, TestInvokeMethod, refuse_unread_body
from .model_validation import ModelValidation

if TYPE_CHECKING:
    from ..control import ControlPlane
    from ..journal import Journal
    from ..gateway.chain import Gateway
    from ..runtime import LambdaRuntime
    from ..stack_memory import StackMemory


def request_path(*, control: ControlPlane, runtime: LambdaRuntime, gateway: Gateway, memory: StackMemory,
                 moto: MotoApp, ready: threading.Event, default_region: str,
                 dynamodb_local_url: str | None = None, empty_dynamodb_local: Callable[[], None] | None = None,
                 allowed_hosts: tuple[str, ...] = (), journal: Journal | None = None) -> HandlerChain:
    """The stack's WSGI application: every handler in order over one `Exchange` per request. With
    `dynamodb_local_url`, DynamoDB's calls go to DynamoDB Local (`ForwardDynamoDB`) instead of moto, and the
    reset empties it too (`empty_dynamodb_local`); with `journal`, every acknowledged write is journalled first
    (`--state`)."""

    def reset() -> None:
        memory.reset(moto.reset)
        if empty_dynamodb_local is not None:
            empty_dynamodb_local()

    journalled = JournalWrites(journal, compact=dynamodb_local_url is None) if journal is not None else None
    corrections = Corrections((*apigateway_corrections(control), *apigateway_checks(), *integration_response_shapes(),
                               *apigateway_updates(),
                               *gateway_response_corrections(), *method_corrections(control),
                               *lambda_corrections(control), *code_package_checks()))
    validation = ModelValidation()
    return HandlerChain(
        request_handlers=(
            RequestGuard(allowed_hosts),
            *((journalled.begin,) if journalled else ()),
            MarkBusy(control),
            InternalRoutes(ready=ready, runtime=runtime, reset=reset,
                           logs=lambda: {**control.log_storage.stats(), "dropped_output_lines": dropped_lines()}),
            ExecuteApi(gateway),
            refuse_unread_body,
            validation,
            LambdaInvoke(control, runtime),
            TestInvokeMethod(gateway),
            TestInvokeAuthorizer(gateway),
            ForwardDynamoDB(dynamodb_local_url) if dynamodb_local_url else serve_dynamodb,
            FlushLogs(control),
            bare_latest,
            prepare_cloudformation,
            corrections.before,
            moto,
        ),
        response_handlers=(corrections.after, lambda_error_shape, apigateway_error_words,
                           validation.status_as_modelled, strip_internal_cors,
                           *((journalled.commit,) if journalled else ())),
        new_exchange=lambda environ: Exchange(environ, default_region=default_region, accounts=moto.account_of),
        finishers=(journalled.finish,) if journalled else (),
    )
