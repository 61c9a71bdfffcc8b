"""The emulator's whole request path as one WSGI app: ordered handlers over one `Exchange` per request.

Request handlers run in order until one answers (sets `exchange.answer`); then every response handler runs,
each deciding whether the answer is its business (modelled on LocalStack's `aws/chain.py`); `finishers` run
last whatever happened (they release what a request handler took). One catch-all,
here and nowhere else: an `AwsError` raised by any handler is answered in the error shape of the service asked,
any other exception is logged with its traceback and answered 500 (failures.py), so a request never takes
the stack down. Answers are written as werkzeug writes them: no body and no Content-Length for 1xx and 204,
no body for 304, Content-Length otherwise.
Left out: LocalStack's exception handlers and finalizers (the one catch-all is enough here).
"""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Callable, Iterable, Sequence

from ..aws_errors import AwsError
from .exchange import Answer, Exchange, Handler
from .failures import answer_for, internal_failure

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class HandlerChain:
    """`request_handlers` in order until one answers, then every one of `response_handlers`."""

    def __init__(self, request_handlers: Sequence[Handler], response_handlers: Sequence[Handler],
                 new_exchange: Callable[[dict[str, Any]], Exchange], finishers: Sequence[Handler] = ()) -> None:
        self.request_handlers = tuple(request_handlers)
        self.response_handlers = tuple(response_handlers)
        self.finishers = tuple(finishers)
        self._new_exchange = new_exchange

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return write(self.handle(self._new_exchange(environ)), start_response)

    def new_exchange(self, environ: dict[str, Any]) -> Exchange:
        """An exchange for `environ` as the chain makes one (the --state replay runs records through it)."""
        return self._new_exchange(environ)

    def handle(self, exchange: Exchange) -> Answer:
        """Run the chain over `exchange`; its answer (never raises)."""
        try:
            for handler in self.request_handlers:
                handler(exchange)
                if exchange.answer is not None:
                    break
            else:
                raise LookupError("no handler answered")
            for handler in self.response_handlers:
                handler(exchange)
        except AwsError as error:
            exchange.answer = answer_for(error, exchange.protocol)
        except Exception:  # the one catch-all: an emulator failure is a 500, never a crash
            log.exception("unhandled error on %s %s", exchange.method, exchange.path)
            exchange.answer = answer_for(internal_failure(exchange.protocol), exchange.protocol)
        finally:
            for finisher in self.finishers:
                try:
                    finisher(exchange)
                except Exception:
                    log.exception("finishing %s %s failed", exchange.method, exchange.path)
        return exchange.answer


def write(answer: Answer, start_response: StartResponse) -> list[bytes]:
    """Hand `answer` to the WSGI server."""
    status, body = answer.status, answer.body
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    if status < 200 or status == 204:
        body = b""
    else:
        if status == 304:
            body = b""
        headers.append(("Content-Length", str(len(body))))
    start_response(_STATUS_LINES.get(status) or f"{status} Unknown", headers)
    return [body]
