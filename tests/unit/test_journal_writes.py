"""Which requests `--state` journals and holds at the compaction's gate (front/journal_writes.py): not an
invocation (TestInvokeAuthorizer included) nor an API's own URL, whose functions' own writes are the writes."""
from __future__ import annotations

import io

from harness.emulator.front.exchange import Exchange
from harness.emulator.front.journal_writes import JournalWrites, is_write
from harness.emulator.journal import Journal


def _exchange(method: str, path: str, body: bytes = b"", **headers: str) -> Exchange:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body)), **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    return Exchange(environ, default_region="us-east-1", accounts=lambda key: "123456789012")


def test_writes_and_not_writes():
    assert is_write(_exchange("POST", "/restapis/abc/authorizers"))  # CreateAuthorizer
    assert not is_write(_exchange("POST", "/restapis/abc/authorizers/xyz"))  # TestInvokeAuthorizer
    assert not is_write(_exchange("POST", "/restapis/abc/resources/r1/methods/GET"))  # TestInvokeMethod
    assert not is_write(_exchange("POST", "/2015-03-31/functions/f/invocations"))
    assert is_write(_exchange("POST", "/", b"{}", X_AMZ_TARGET="DynamoDB_20120810.PutItem"))
    assert not is_write(_exchange("POST", "/", b"{}", X_AMZ_TARGET="DynamoDB_20120810.Query"))


def test_only_writes_pass_the_gate_never_an_apis_own_url(tmp_path):
    journal = Journal(tmp_path, policy="never")
    writes = JournalWrites(journal)
    try:
        for exchange in (_exchange("POST", "/_aws/execute-api/abc123/prod/items", b"{}"),
                         _exchange("POST", "/prod/items", b"{}", HOST="abc123.execute-api.localhost.localstack.cloud"),
                         _exchange("POST", "/2015-03-31/functions/f/invocations", b"{}")):
            writes.begin(exchange)
            assert "harness.gated" not in exchange.environ, exchange.path
        put = _exchange("POST", "/", b"{}", X_AMZ_TARGET="DynamoDB_20120810.PutItem")
        writes.begin(put)
        assert put.environ.get("harness.gated")
        assert not writes.gate.close(0.01)  # a write is inside
        writes.finish(put)
        assert writes.gate.close(0.01)  # and it left, answered or not
        writes.gate.open()
    finally:
        journal.close()
