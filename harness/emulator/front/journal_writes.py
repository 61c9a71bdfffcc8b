"""`--state`: the chain's handlers that journal every acknowledged write, and the replay of the journal at start.

`JournalWrites.begin` (a request handler, early) starts recording the API Gateway ids the request makes;
`JournalWrites.commit` (the last response handler) appends a write answered 2xx to the journal (journal.py)
and returns only once it is committed, so the answer leaves after the write is written. A write is any call
that can change what the stack holds: not GET/HEAD/OPTIONS, not a read-only operation (`Get*`, `List*`,
`Describe*`, `Scan`, `Query`, `BatchGet*`, ...; STS), not the data plane (an API's URL) nor an invocation
(Lambda Invoke, TestInvokeMethod, TestInvokeAuthorizer: what they change, they change through the stack's own
APIs, which are journalled themselves), nor the stack's own routes. `POST /moto-api/reset` empties the journal.
`replay(chain, journal)` runs every record through the chain again before the stack serves (ids as recorded):
first the newest snapshot's (its other writes, then its DynamoDB items put back), then the journal's.
Each write passes the compaction's `WriteGate` (from `begin` to `finish`, a finisher of the chain; never an
invocation or an API's URL, whose functions' own writes pass it), and `finish` starts a compaction when the
journal is due one (journal_compaction.py; `compact=False` with DynamoDB Local). A journal that cannot be
written answers 503 (the write is not acknowledged).
Left out: CloudWatch Logs lines the functions print (written inside the stack, not through its API).
"""
from __future__ import annotations

import base64
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from ..aws_errors import AwsError
from ..control.moto_changes import begin_recording, recorded, replaying
from ..control.dynamodb_items import dump_items, load_items
from ..gateway.parse import execute_api_target
from ..journal import Journal, JournalClosed
from ..journal_compaction import Compactor, WriteGate
from .exchange import EXECUTE_API, Exchange

if TYPE_CHECKING:
    from .handler_chain import HandlerChain

log = logging.getLogger(__name__)

REPLAYING = "harness.replaying"
_GATED = "harness.gated"
_READS = ("Get", "List", "Describe", "Scan", "Query", "BatchGet", "Filter", "Test", "Simulate", "Lookup", "Search",
          "Check", "Validate", "Preview")
_INVOCATION = re.compile(r"^/20\d\d-\d\d-\d\d/functions/[^/]+/(invocations|invoke-async)/?$")
_TEST_INVOKE = re.compile(r"^/restapis/[^/]+/resources/[^/]+/methods/[^/]+/?$")
_TEST_AUTHORIZER = re.compile(r"^/restapis/[^/]+/authorizers/[^/]+/?$")  # POST there: TestInvokeAuthorizer
_DROPPED_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive", "expect"}
_RESET = "/moto-api/reset"


def is_write(exchange: Exchange) -> bool:
    """Whether the request can change what the stack holds (see the module docstring)."""
    method, path = exchange.method, exchange.path
    if method in ("GET", "HEAD", "OPTIONS") or path.startswith(("/_harness", "/moto-api")):
        return False
    if exchange.protocol == EXECUTE_API or _INVOCATION.match(path):
        return False
    if method == "POST" and (_TEST_INVOKE.match(path) or _TEST_AUTHORIZER.match(path)):
        return False
    if exchange.target:
        return not exchange.target.rpartition(".")[2].startswith(_READS)
    scope = exchange.scope
    if scope is not None and scope[2] == "sts":
        return False
    if (exchange.environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(exchange.body.decode("latin-1")).get("Action", [""])[-1]
        return not action.startswith(_READS)
    return True


class JournalWrites:
    """The two chain handlers around every request (the stack runs with `--state`)."""

    def __init__(self, journal: Journal, compact: bool = True) -> None:
        self.journal = journal
        self.gate = WriteGate()
        self.compactor = Compactor(journal, self.gate, dump_items) if compact else None

    def begin(self, exchange: Exchange) -> None:
        """Request handler: a write passes the gate; record the API Gateway ids this request makes."""
        if not exchange.environ.get(REPLAYING):
            begin_recording()
            if exchange.method not in ("GET", "HEAD", "OPTIONS"):
                _ = exchange.body  # kept now: moto consumes the stream
                if self.compactor is not None and is_write(exchange) and \
                        execute_api_target(exchange.path, exchange.environ.get("HTTP_HOST")) is None:
                    self.gate.enter()
                    exchange.environ[_GATED] = True

    def finish(self, exchange: Exchange) -> None:
        """Finisher: the write leaves the gate (answered or failed); a compaction starts when due."""
        if exchange.environ.pop(_GATED, False):
            self.gate.leave()
            assert self.compactor is not None
            self.compactor.maybe_start()

    def commit(self, exchange: Exchange) -> None:
        """Response handler: a write answered 2xx is journalled before its answer leaves."""
        answer = exchange.answer
        if answer is None or not 200 <= answer.status < 300 or exchange.environ.get(REPLAYING):
            return
        if exchange.method == "POST" and exchange.path.rstrip("/") == _RESET:
            self.journal.reset()
            return
        if not is_write(exchange):
            return
        environ = exchange.environ
        headers = [(k, v) for k, v in environ.get("harness.raw_headers", ()) if k.lower() not in _DROPPED_HEADERS]
        record = {"m": exchange.method, "u": environ.get("RAW_URI") or exchange.path, "h": headers,
                  "b": base64.b64encode(exchange.body).decode("ascii"), "ids": recorded()}
        try:
            self.journal.append(record)
        except (JournalClosed, OSError) as error:
            raise AwsError(503, "ServiceUnavailableException",
                           f"The write was not saved to the stack's --state journal: {error}") from None


def replay(chain: HandlerChain, journal: Journal) -> tuple[int, int]:
    """Run the snapshot's writes, put its items back, then run every journalled write through `chain` again;
    (replayed, failed)."""
    done = failed = 0
    snapshot = journal.snapshot()
    if snapshot is not None:
        for record in snapshot.get("writes") or []:
            done, failed = _replay_one(chain, record, done, failed)
        put, missing = load_items(snapshot.get("items") or [])
        done += put
        failed += missing
    for record in journal.records():
        done, failed = _replay_one(chain, record, done, failed)
    return done, failed


def _replay_one(chain: HandlerChain, record: dict[str, Any], done: int, failed: int) -> tuple[int, int]:
    environ = _environ(record)
    with replaying(list(record.get("ids") or [])):
        answer = chain.handle(chain.new_exchange(environ))
    done += 1
    if not 200 <= answer.status < 300:
        failed += 1
        log.warning("replaying %s %s answered %d: %s", record.get("m"), record.get("u"), answer.status,
                    answer.body[:300])
    return done, failed


def _environ(record: dict[str, Any]) -> dict[str, Any]:
    import io
    import sys

    uri = str(record.get("u") or "/")
    path, _, query = uri.partition("?")
    if path[:8].lower().startswith(("http://", "https://")):
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    body = base64.b64decode(record.get("b") or "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": str(record.get("m") or "POST"), "SCRIPT_NAME": "", "PATH_INFO": unquote(path, "latin-1"),
        "RAW_URI": uri, "REQUEST_URI": uri, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "0", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": 0,
        "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False, REPLAYING: True,
    }
    headers = [(str(k), str(v)) for k, v in record.get("h") or []]
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    environ["harness.raw_headers"] = headers
    return environ
