"""A fake db-api for the load tests: the tutorial's four verbs over real HTTP (keep-alive, one thread per
connection) on an in-memory table, and the same table as a document-client style DynamoDB `call`.

`fault(method, item_id, n)` may change what happens to the n-th request (1-based): return `(status, store)`
to answer `status` and store the write or not, or `"close"` to drop the connection without an answer.
`overlaps` counts moments when two requests acted on one item at once (puts and deletes must never do that).
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from harness.deploy import StackOutputs
from harness.targets import Target, embedded

API_PATH = "/_aws/execute-api/api123/prod/db-api"
Fault = Callable[[str, "str | None", int], Any]


class FakeDbApi:
    def __init__(self, fault: Fault | None = None, delay_s: float = 0.0, page_size: int = 50) -> None:
        self.fault = fault
        self.delay_s = delay_s
        self.page_size = page_size
        self.tables: dict[str, dict[str, dict[str, Any]]] = {"messages": {}}
        self.lock = threading.Lock()
        self.count = 0
        self.overlaps = 0
        self.busy: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeDbApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def target(self) -> Target:
        return embedded.target(self.url)

    @property
    def outputs(self) -> StackOutputs:
        return StackOutputs(stack_name="db-api", region="us-west-1", account_id="123456789012", tables=("messages",),
                            role_arn="arn:aws:iam::123456789012:role/r", function_name="db-api",
                            function_arn="arn:aws:lambda:us-west-1:123456789012:function:db-api", api_id="api123",
                            stage="prod", resource_path="db-api", deployment_id="d1", invoke_url=self.url + API_PATH)

    # ---- DynamoDB, document-client style --------------------------------------------------------------
    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, params))
        if operation == "DescribeTable":
            if params["TableName"] not in self.tables:
                raise LookupError(f"no table {params['TableName']}")
            return {"Table": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}
        if operation == "Scan":
            return self._scan(params)
        if operation == "BatchWriteItem":
            with self.lock:
                for table, writes in params["RequestItems"].items():
                    for write in writes:
                        self.tables[table].pop(write["DeleteRequest"]["Key"]["id"], None)
            return {"UnprocessedItems": {}}
        raise NotImplementedError(operation)

    def _scan(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            items = sorted(self.tables[params["TableName"]].values(), key=lambda i: i["id"])
        start = params.get("ExclusiveStartKey", {}).get("id")
        if start is not None:
            items = [i for i in items if i["id"] > start]
        page, rest = items[:self.page_size], items[self.page_size:]
        marker = params["ExpressionAttributeNames"]["#m"]
        wanted = params["ExpressionAttributeValues"][":r"]
        out: dict[str, Any] = {"Items": [{"id": i["id"]} for i in page if i.get(marker) == wanted]}
        if rest:
            out["LastEvaluatedKey"] = {"id": page[-1]["id"]}
        return out

    def item_ids(self, table: str = "messages") -> set[str]:
        with self.lock:
            return set(self.tables[table])

    # ---- HTTP ------------------------------------------------------------------------------------------
    def answer(self, method: str, query: dict[str, list[str]], body: dict[str, Any] | None) -> Any:
        with self.lock:
            self.count += 1
            n = self.count
        table = (body or {}).get("TableName") or query.get("TableName", [""])[0]
        if table not in self.tables:
            return 400, {"error": "ResourceNotFoundException", "message": "Requested resource not found"}
        item_id = None
        if body and isinstance(body.get("Item"), dict):
            item_id = body["Item"].get("id")
        elif body and isinstance(body.get("Key"), dict):
            item_id = body["Key"].get("id")
        decided = self.fault(method, item_id, n) if self.fault else None
        if decided == "close":
            return "close"
        status, store = decided if decided else (200, True)
        if item_id is not None and method in ("PUT", "DELETE"):
            with self.lock:
                if item_id in self.busy:
                    self.overlaps += 1
                self.busy.add(item_id)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            with self.lock:
                rows = self.tables[table]
                if method == "GET":
                    return 200, {"Items": list(rows.values()), "Count": len(rows), "ScannedCount": len(rows)}
                if method == "PUT" and item_id not in rows:
                    return 400, {"error": "ConditionalCheckFailedException", "message": "The conditional request failed"}
                if store:
                    if method == "POST":
                        rows[item_id] = dict(body["Item"])
                    elif method == "PUT":
                        rows[item_id]["text"] = body["ExpressionAttributeValues"][":t"]
                    elif method == "DELETE":
                        rows.pop(item_id, None)
                return status, {}
        finally:
            if item_id is not None and method in ("PUT", "DELETE"):
                with self.lock:
                    self.busy.discard(item_id)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if parts.path != API_PATH:
                    status, payload = 403, {"message": "Missing Authentication Token"}
                else:
                    decided = api.answer(self.command, parse_qs(parts.query), json.loads(raw) if raw else None)
                    if decided == "close":
                        self.close_connection = True
                        self.connection.close()
                        return
                    status, payload = decided
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler
