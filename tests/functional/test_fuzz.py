"""Property tests: arbitrary requests at the tutorial's API through the embedded stack's gateway.

Methods (valid tokens and odd ones), paths (unicode, percent-encoded, `..`, very long), headers (odd names and
values within what HTTP allows), query strings (repeats, `+`, `%2B`, invalid percent encodings) and bodies
(invalid UTF-8, ~1 MB, deeply nested JSON, binary, broken writes) are sent with `requests` and raw over a
socket (for what requests refuses: raw non-ASCII bytes, odd method characters, folded headers, chunked bodies,
absolute-form targets).

Properties, for every request:
- the answer is well-formed HTTP: a status line, headers, a Content-Length that matches the body; on a raw
  keep-alive connection the next request (health) is answered right after it (framing intact);
- the status is 2xx or 4xx: none of the gateway's documented 5xx cases (permission, throttling, function
  error, timeout) can come from client input on the tutorial's API, so a 5xx here is a bug;
- a 4xx body is a JSON object with `message` (the gateway) or `error` and `message` (the function);
- the stack stays healthy (health answers 200 quickly);
- tables change only through valid writes: `guarded` (seeded) is only ever sent broken writes and reads and must
  stay exactly as seeded; `scratch` receives valid writes by construction and must equal a model of them.
"""
from __future__ import annotations

import json
import random
import re
import socket
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, event as note, given, settings
from hypothesis import strategies as st

from .apikit import UUID

pytestmark = pytest.mark.functional

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
KEYS = ("a", "b", "c")
SEED = [{"id": f"seed-{i}", "n": i, "text": "do not touch"} for i in range(3)]
#: Headers that frame the message (fuzzed in test_faults' malformed-HTTP flood, not here).
FRAMING = {"content-length", "transfer-encoding", "host", "connection", "expect", "upgrade", "te", "trailer",
           "keep-alive", "proxy-connection"}
TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Bytes Python's str.split() treats as whitespace once http.server decodes the request line as latin-1.
SPLITTING = set(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0")


@dataclass
class World:
    base: str  # http://host:port
    address: tuple[str, int]
    api_id: str
    guarded: str
    scratch: str
    ddb: Any  # a document client
    http: requests.Session
    model: dict[str, dict[str, Any]] = field(default_factory=dict)

    def items(self, table: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for page in self.ddb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                found[str(item["id"])] = plain(item)
        return found


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.fixture(scope="module")
def world(clients, tutorial_stack, stack_url):
    prefix = f"t-fz-{uuid.uuid4().hex[:6]}-"
    guarded, scratch = f"{prefix}guarded", f"{prefix}scratch"
    dynamodb = clients("dynamodb")
    for name in (guarded, scratch):
        dynamodb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
    ddb = clients.document_client()
    for item in SEED:
        ddb.put_item(TableName=guarded, Item=item)
    http = requests.Session()
    url = urlsplit(stack_url)
    found = World(stack_url, (url.hostname, url.port), tutorial_stack.api_id, guarded, scratch, ddb, http)
    assert http.get(tutorial_stack.invoke_url, params={"TableName": guarded}, timeout=30).status_code == 200  # warm
    try:
        yield found
    finally:
        http.close()
        for name in (guarded, scratch):
            dynamodb.delete_table(TableName=name)


# ==== what a request is made of =================================================================================

@dataclass
class Fuzz:
    method: str
    stage: str
    api: str | None  # None: the tutorial's API
    path: bytes  # after the stage, starts with "/" (raw bytes as sent)
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    write: tuple[str, str, Any] | None = None  # ("put"|"update"|"delete", key, value): a valid scratch write
    aimed: bool = False  # at the tutorial's API, stage and resource, as written
    broken: bool = False  # a broken write sent with its own verb: a client mistake, answered 4xx
    label: str = ""

    def target(self, world: World) -> bytes:
        api = (self.api or world.api_id).encode()
        raw = b"/_aws/execute-api/" + api + b"/" + self.stage.encode() + self.path
        return raw + (b"?" + self.query if self.query else b"")

    def short(self) -> str:
        return (f"{self.label}: {self.method} stage={self.stage!r} path={self.path[:120]!r} query={self.query[:120]!r} "
                f"headers={self.headers[:6]!r} body={self.body[:200]!r}... ({len(self.body)} bytes)")


json_leaf = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8)
             | st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=10)
model_values = st.recursive(st.integers(-1000, 1000) | st.text(min_size=1, max_size=8) | st.booleans(),
                            lambda inner: st.lists(inner, max_size=3)
                            | st.dictionaries(st.text("xyz", min_size=1, max_size=2), inner, max_size=3),
                            max_leaves=6)

valid_methods = st.sampled_from(["GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
odd_methods = st.sampled_from(["get", "post", "FOO", "M-SEARCH", "PROPFIND", "CONNECT", "TRACE",
                               "X!#$%&'*+.^_`|~", "A" * 200, "DELETE2", "PoSt"])


@st.composite
def path_segments(draw: Any, raw: bool) -> bytes:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        text = draw(st.text(min_size=1, max_size=10))
        encoded = urllib.parse.quote(text, safe="").encode()
        if raw and draw(st.booleans()):  # raw UTF-8 / latin-1 bytes in the request line
            encoded = text.encode("utf-8", "surrogatepass")
            encoded = bytes(b for b in encoded if b not in SPLITTING and b not in b"?#") or b"x"
        return encoded
    return draw(st.sampled_from([
        b"db-api", b"db-api", b"DB-API", b"..", b".", b"%2e%2e", b"%2F", b"db-api%2F", b"%00", b"%ff%fe", b"%",
        b"%zz", b"~", b"%20", b"%C3%BC", b"%E6%97%A5", b"{proxy+}", b"*", b";x=1", b"", b"a" * 5000,
        b"db%2Dapi", b"%64b-api",
    ]))


@st.composite
def paths(draw: Any, raw: bool) -> bytes:
    segments = draw(st.lists(path_segments(raw), min_size=0, max_size=4))
    return b"/" + b"/".join(segments)


query_atoms = st.sampled_from([b"TableName", b"Limit", b"ExclusiveStartKey", b"+", b"%2B", b"%zz", b"%", b"%f",
                               b"%ff%fe", b"%00", b"a+b", b"&", b"=", b"==", b";", b"%26", b"%3D", b"\xc3\xa9",
                               b"%E2%82%AC", b"1", b"-1", b"abc", b'{"id":"x"}', b"%7B%7D"])


@st.composite
def queries(draw: Any, world: World, raw: bool) -> bytes:
    pairs: list[bytes] = []
    if draw(st.booleans()):
        table = draw(st.sampled_from([world.guarded, world.guarded, world.scratch, "messages", "no-such-table",
                                      "", "%20"]))
        pairs.append(b"TableName=" + table.encode())
    for _ in range(draw(st.integers(0, 4))):
        key = b"".join(draw(st.lists(query_atoms, min_size=0, max_size=3)))
        value = b"".join(draw(st.lists(query_atoms, min_size=0, max_size=3)))
        pairs.append(key + (b"=" + value if draw(st.booleans()) else b""))
    if draw(st.booleans()) and pairs:
        pairs.append(pairs[0])  # a repeat
    text = b"&".join(pairs)
    if not raw:  # http.client sends ASCII only, without spaces or controls
        text = bytes(b for b in text if 0x21 <= b < 0x7f and b != ord("#"))
    return bytes(b for b in text if b not in SPLITTING and b != ord("#"))


header_names = st.sampled_from(["X-Odd", "x-lower", "X-UPPER", "Content-Type", "Accept", "User-Agent",
                                "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "Authorization",
                                "Cookie", "X-Api-Key", "Origin", "Range", "If-None-Match"]) \
    | st.text(TCHAR, min_size=1, max_size=20)
header_values = st.sampled_from(["", "application/json", "application/octet-stream", "image/png", "text/plain;charset=x",
                                 "*/*", "Root=1-abc", "Root=", ";;;", "1.2.3.4, 5.6.7.8", "\xe9t\xe9",
                                 "AWS4-HMAC-SHA256 Credential=x/y/z/execute-api/aws4_request", "a" * 4000]) \
    | st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=30)


@st.composite
def headers(draw: Any) -> list[tuple[bytes, bytes]]:
    found = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(header_names)
        if name.lower() in FRAMING:
            continue
        value = draw(header_values).strip(" \t")
        found.append((name.encode("latin-1"), value.encode("latin-1")))
    return found


@st.composite
def broken_write(draw: Any, world: World) -> tuple[bytes, str]:
    """A write naming the guarded table, broken in a way no store may follow (by construction)."""
    op = draw(st.sampled_from(["put", "update", "delete"]))
    target = "Item" if op == "put" else "Key"
    params: dict[str, Any] = {"TableName": world.guarded, target: {"id": draw(st.sampled_from(["seed-0", "new"]))}}
    if op == "put":
        params["Item"]["text"] = "changed"
    if op == "update":
        params.update(UpdateExpression="SET #t = :t", ExpressionAttributeNames={"#t": "text"},
                      ExpressionAttributeValues={":t": "changed"})
    how = draw(st.sampled_from(["unknown parameter", "key type", "empty key", "no key", "extra key attribute",
                                "not an object", "wrapped", "truncated", "huge number", "failed condition",
                                "item too large", "deep", "invalid utf-8 in structure", "no table",
                                "table type", "as a string"]))
    note(f"broken write: {how}")
    value = draw(json_values)
    if how == "unknown parameter":
        params[draw(st.sampled_from(["Bogus", "Items", "tablename", "Key2", ""]))] = value
    elif how == "key type":
        params[target]["id"] = value if not isinstance(value, str) else [value]
    elif how == "empty key":
        params[target]["id"] = ""
    elif how == "no key":
        del params[target]["id"]
        params[target]["other"] = "x"
    elif how == "extra key attribute":
        if op == "put":
            params[target]["id"] = 7  # a put has no Key: mistype the id instead
        else:
            params[target]["extra"] = "x"
    elif how == "not an object":
        params[target] = value if not isinstance(value, dict) else [value]
    elif how == "wrapped":
        return json.dumps([params]).encode(), op
    elif how == "truncated":
        text = json.dumps(params).encode()
        return text[:draw(st.integers(0, len(text) - 1))], op
    elif how == "huge number":
        params[target]["big"] = 10 ** draw(st.integers(40, 400))
    elif how == "failed condition":
        params[target]["id"] = "seed-0"
        params["ConditionExpression"] = "attribute_not_exists(id)"
    elif how == "item too large":
        if op == "put":
            params["Item"]["big"] = "x" * 450_000
        else:
            params[target]["id"] = 1
    elif how == "deep":
        params[target]["deep"] = "DEEP"
        # a scalar wrapped in 32+ lists: past DynamoDB's 32 nesting levels (AWS takes 31 wraps, refuses 32)
        depth = draw(st.sampled_from([32, 33, 40, 300, 2000, 50_000]))
        return json.dumps(params).replace('"DEEP"', "[" * depth + "1" + "]" * depth).encode(), op
    elif how == "invalid utf-8 in structure":
        text = json.dumps(params).encode()
        at = text.index(b'"TableName"')
        return text[:at] + b"\xff" + text[at + 1:], op  # the key's opening quote is gone
    elif how == "no table":
        del params["TableName"]
    elif how == "table type":
        params["TableName"] = [world.guarded]
    else:  # "as a string": a JSON string holding the object (the tutorial's UnexpectedParameter mistake)
        return json.dumps(json.dumps(params)).encode(), op
    return json.dumps(params).encode(), op


@st.composite
def bodies(draw: Any, world: World) -> tuple[bytes, tuple[str, str, Any] | None, str | None]:
    """(body, the valid scratch write it is, the operation it is meant for)."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return b"", None, None
    if kind == 1:
        return draw(st.binary(max_size=300)), None, None  # binary, mostly invalid UTF-8
    if kind == 2:
        note("huge body")
        seed, style = draw(st.integers(0, 2**32)), draw(st.sampled_from(["bytes", "text", "json"]))
        rng = random.Random(seed)
        if style == "bytes":
            return rng.randbytes(1_000_000), None, None
        if style == "text":
            return ("\u00e9" * 500_000).encode(), None, None
        return json.dumps({"TableName": world.guarded, "Item": {"id": 1, "x": "y" * 1_000_000}}).encode(), None, "put"
    if kind == 3:
        depth = draw(st.sampled_from([10, 999, 1000, 1001, 5000, 100_000]))
        return draw(st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth,
                                     "[" * depth])).encode(), None, None
    if kind == 4:
        return json.dumps(draw(json_values)).encode(), None, None
    if kind in (5, 6, 7):
        body, op = draw(broken_write(world))
        return body, None, op
    # a valid write to the scratch table (it only counts as one when sent as that method)
    op, key, value = draw(st.sampled_from(["put", "update", "delete"])), draw(st.sampled_from(KEYS)), draw(model_values)
    if op == "put":
        params: dict[str, Any] = {"TableName": world.scratch, "Item": {"id": key, "v": value}}
    elif op == "update":
        params = {"TableName": world.scratch, "Key": {"id": key}, "UpdateExpression": "SET v = :v",
                  "ExpressionAttributeValues": {":v": value}}
    else:
        params = {"TableName": world.scratch, "Key": {"id": key}}
    return json.dumps(params).encode(), (op, key, value), op


WRITE_METHOD = {"put": "POST", "update": "PUT", "delete": "DELETE"}


@st.composite
def fuzz_requests(draw: Any, world: World, raw: bool) -> Fuzz:
    body, write, meant = draw(bodies(world))
    method = draw(valid_methods) if draw(st.integers(0, 4)) else draw(odd_methods)
    if raw and draw(st.integers(0, 5)) == 0:  # not a token at all: http.server still splits the line on spaces
        method = draw(st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF), min_size=1, max_size=8)
                      .filter(lambda m: not any(ord(c) in SPLITTING for c in m)))
    if meant is not None and draw(st.integers(0, 3)):
        method = WRITE_METHOD[meant]  # a write (valid or broken) is mostly sent with its own verb
    aim = draw(st.sampled_from(["resource"] * 6 + ["path", "path", "stage", "api"]))  # mostly the function
    stage = "prod" if aim != "stage" else draw(st.sampled_from(["PROD", "test", "", "pr%6Fd", "prod%20"]))
    api = None if aim != "api" else draw(st.sampled_from(["nope12345", "a", "%41"]))
    path = draw(paths(raw)) if aim == "path" else draw(st.sampled_from([b"/db-api", b"/db-api/"]))
    query = draw(queries(world, raw))
    found = Fuzz(method, stage, api, path, query, draw(headers()), body, aimed=aim == "resource")
    # the gateway upper-cases the verb (parse_request), so `post` with a valid body is a write too
    if write is not None and method.upper() == WRITE_METHOD[write[0]]:
        found.write = write
    elif write is not None and write[0] == "delete" and method.upper() == "PUT":
        found.write = ("touch", write[1], None)  # UpdateItem with a Key alone: creates the key-only item
    found.broken = write is None and meant is not None and method.upper() == WRITE_METHOD[meant]
    found.label = "write" if found.write else "broken write" if found.broken else "other"
    return found


# ==== checking an answer ========================================================================================

@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def check_answer(world: World, fuzz: Fuzz, answer: Answer) -> None:
    note(f"{fuzz.label} -> {answer.status}")
    where = fuzz.short()
    assert 200 <= answer.status < 300 or 400 <= answer.status < 500, (answer.status, answer.body[:300], where)
    if fuzz.method.upper() != "HEAD":
        assert int(answer.headers.get("content-length", "-1")) == len(answer.body), (answer.headers, where)
    assert UUID.match(answer.headers.get("x-amzn-requestid", "")), (answer.headers, where)
    if fuzz.method.upper() == "HEAD":
        return
    assert answer.headers.get("content-type") == "application/json", (answer.headers, where)
    document = json.loads(answer.body)
    if answer.status >= 400:
        assert isinstance(document, dict), (answer.body[:300], where)
        if "error" in document:  # the function's answer
            assert set(document) == {"error", "message"} and document["message"], (document, where)
        else:
            assert set(document) == {"message"} and document["message"], (document, where)
    if fuzz.write is not None and fuzz.aimed:
        assert answer.status == 200, (answer.status, answer.body[:300], where)
    if fuzz.broken and fuzz.aimed:
        assert 400 <= answer.status < 500, (answer.status, answer.body[:300], where)
    if fuzz.write is not None and answer.status == 200:  # a stage or path spelt otherwise may reach it too
        op, key, value = fuzz.write
        if op == "put":
            world.model[key] = {"id": key, "v": value}
        elif op == "update":
            world.model[key] = {**world.model.get(key, {"id": key}), "v": value}
        elif op == "touch":
            world.model.setdefault(key, {"id": key})
        else:
            world.model.pop(key, None)


def check_world(world: World, fuzz: Fuzz) -> None:
    started = time.monotonic()
    health = requests.get(f"{world.base}/_harness/health", timeout=5)
    assert health.status_code == 200 and health.json()["status"] == "ready"
    assert time.monotonic() - started < 5.0  # still answering (slack for a loaded machine)
    guarded, scratch = world.items(world.guarded), world.items(world.scratch)
    seeded = {item["id"]: item for item in SEED}
    if guarded != seeded or scratch != world.model:  # put things back first: the next example (or the
        reset(world)                                 # shrinker's replay) starts from the known state
    assert guarded == seeded, fuzz.short()
    assert scratch == world.model, fuzz.short()


def reset(world: World) -> None:
    for table, items in ((world.guarded, world.items(world.guarded)), (world.scratch, world.items(world.scratch))):
        for key in items:
            world.ddb.delete_item(TableName=table, Key={"id": key})
    for item in SEED:
        world.ddb.put_item(TableName=world.guarded, Item=item)
    world.model.clear()


# ==== over requests ==============================================================================================

def send_with_requests(world: World, fuzz: Fuzz) -> Answer:
    prepared = requests.PreparedRequest()
    prepared.prepare(method="GET", url=world.base + "/")  # hooks and the rest; method, URL, headers set below
    prepared.method = fuzz.method
    prepared.url = world.base + fuzz.target(world).decode("ascii")  # as is: requests would re-quote it
    prepared.headers = requests.structures.CaseInsensitiveDict(
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in fuzz.headers])
    prepared.headers["Content-Length"] = str(len(fuzz.body))
    prepared.body = fuzz.body
    response = world.http.send(prepared, timeout=60, allow_redirects=False)
    return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)


@st.composite
def over_requests(draw: Any, world: World) -> Fuzz:
    fuzz = draw(fuzz_requests(world, raw=False))
    fuzz.headers = [(k, bytes(b for b in v if b < 0x80)) for k, v in fuzz.headers]  # what urllib3 sends intact
    return fuzz


@pytest.mark.slow
def test_requests_through_the_gateway(world):
    @FUZZ
    @given(data=st.data())
    def run(data: Any) -> None:
        fuzz = data.draw(over_requests(world))
        check_answer(world, fuzz, send_with_requests(world, fuzz))
        check_world(world, fuzz)

    run()


# ==== raw over a socket ==========================================================================================

class Wire:
    """One keep-alive connection, read strictly: status line, headers, exactly Content-Length bytes."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=60)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def read_answer(self, head_request: bool) -> tuple[Answer, bool]:
        """(answer, the server will close the connection)."""
        while True:
            while b"\r\n\r\n" not in self.buffer:
                assert self._fill(), f"connection closed mid-answer: {self.buffer[:300]!r}"
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            m = re.fullmatch(rb"HTTP/1\.1 (\d{3}) ([^\r\n]*)", lines[0])
            assert m and m.group(2), f"bad status line {lines[0]!r}"
            status = int(m.group(1))
            fields: dict[str, str] = {}
            for line in lines[1:]:
                name, colon, value = line.partition(b":")
                assert colon and name and not name.strip(b"!#$%&'*+-.^_`|~0123456789"
                                                         b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"), \
                    f"bad header line {line!r}"
                key = name.decode("ascii").lower()
                assert key not in fields or key == "set-cookie", f"repeated {key} in {head!r}"
                fields[key] = value.strip(b" \t").decode("latin-1")
            if 100 <= status < 200:
                continue  # an interim answer
            break
        assert "transfer-encoding" not in fields, fields
        length = int(fields["content-length"]) if "content-length" in fields else None
        if head_request or status in (204, 304):
            body = b""
        else:
            assert length is not None, f"no Content-Length: {head!r}"
            while len(self.buffer) < length:
                assert self._fill(), f"body shorter than Content-Length {length}: {len(self.buffer)}"
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        closing = fields.get("connection", "").lower() == "close"
        return Answer(status, fields, body), closing

    def ends(self) -> bool:
        """True once the server has closed the connection (after `Connection: close`)."""
        self.sock.settimeout(5)
        try:
            return not self._fill() and not self.buffer
        except ConnectionResetError:
            return True


def raw_bytes(world: World, fuzz: Fuzz, chunked: bool, absolute: bool) -> bytes:
    target = (b"http://%s:%d" % (world.address[0].encode(), world.address[1]) if absolute else b"") + fuzz.target(world)
    lines = [fuzz.method.encode("latin-1") + b" " + target + b" HTTP/1.1",
             b"Host: %s:%d" % (world.address[0].encode(), world.address[1])]
    folded = False
    for name, value in fuzz.headers:
        if value and not folded and name.lower().startswith(b"x-odd"):
            lines.append(name + b": " + value[: len(value) // 2])  # an obs-fold continuation line (RFC 9112 5.2)
            lines.append(b" " + (value[len(value) // 2:] or b"x"))
            folded = True
        else:
            lines.append(name + b": " + value)
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
        body, out = fuzz.body, []
        for i in range(0, len(body), 70_000):
            part = body[i:i + 70_000]
            out.append(b"%x\r\n" % len(part) + part + b"\r\n")
        payload = b"".join(out) + b"0\r\n\r\n"
    else:
        lines.append(b"Content-Length: %d" % len(fuzz.body))
        payload = fuzz.body
    return b"\r\n".join(lines) + b"\r\n\r\n" + payload


@pytest.mark.slow
def test_raw_requests_through_the_gateway(world):
    @FUZZ
    @given(data=st.data())
    def run(data: Any) -> None:
        fuzz = data.draw(fuzz_requests(world, raw=True))
        chunked = data.draw(st.integers(0, 4)) == 0
        absolute = data.draw(st.integers(0, 5)) == 0  # absolute-form request target (as to a proxy)
        wire = Wire(world.address)
        try:
            wire.sock.sendall(raw_bytes(world, fuzz, chunked, absolute))
            answer, closing = wire.read_answer(head_request=fuzz.method == "HEAD")
            token = bool(re.fullmatch(r"[" + re.escape(TCHAR) + r"]+", fuzz.method))
            if token:
                check_answer(world, fuzz, answer)
            else:  # not an HTTP method at all: any client error, as long as it is well-formed
                note(f"non-token method -> {answer.status}")
                assert 400 <= answer.status < 500 or answer.status == 200 and fuzz.write is None, (answer, fuzz.short())
                assert int(answer.headers["content-length"]) == len(answer.body)
            # the connection still frames correctly: the next request on it is answered as itself
            if closing:
                assert wire.ends(), "Connection: close, but the server kept the connection open"
            else:
                wire.sock.sendall(b"GET /_harness/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                health, _ = wire.read_answer(head_request=False)
                assert health.status == 200 and json.loads(health.body)["status"] == "ready", health
        finally:
            wire.close()
        check_world(world, fuzz)

    run()


# ==== the handler through Lambda Invoke ==========================================================================

@st.composite
def invoke_payloads(draw: Any, world: World) -> bytes:
    """Any payload at all: bytes, JSON of every type, deep nesting, proxy-like events with broken writes."""
    kind = draw(st.sampled_from(["event"] * 4 + ["json", "bytes", "deep", "huge"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    if kind == "deep":
        depth = draw(st.sampled_from([10, 500, 900, 990, 1000, 1001, 5000, 100_000]))
        inner = "[" * depth + "]" * depth
        return draw(st.sampled_from([inner, '{"httpMethod": "POST", "body": "{}", "d": ' + inner + "}"])).encode()
    if kind == "huge":
        return json.dumps({"httpMethod": "POST", "body": "x" * draw(st.sampled_from([100_000, 1_000_000]))}).encode()
    event: dict[str, Any] = {"httpMethod": draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]) | odd_methods)}
    if draw(st.booleans()):
        event["queryStringParameters"] = draw(st.none() | st.fixed_dictionaries(
            {"TableName": st.sampled_from([world.guarded, "messages", ""])},
            optional={"Limit": st.sampled_from(["1", "0", "x"]), "ExclusiveStartKey": st.text(max_size=5)}))
    body = draw(broken_write(world).map(lambda pair: pair[0]) | st.binary(max_size=50))
    event["body"] = body.decode("utf-8", "replace")
    for key in draw(st.lists(st.sampled_from(["headers", "isBase64Encoded", "requestContext", "path"]), unique=True)):
        event[key] = draw(json_values)
    return json.dumps(event).encode()


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_any_payload_to_the_function_through_invoke(world, tutorial_stack):
    url = f"{world.base}/2015-03-31/functions/{tutorial_stack.function_name}/invocations"

    @settings(FUZZ, max_examples=80)
    @given(data=st.data())
    def run(data: Any) -> None:
        payload = data.draw(invoke_payloads(world))
        response = world.http.post(url, data=payload, timeout=60)
        where = payload[:300]
        note(f"invoke -> {response.status_code}")
        assert response.status_code in (200, 400), (response.status_code, response.text[:300], where)
        assert int(response.headers["Content-Length"]) == len(response.content)
        document = response.json()
        if response.status_code == 400:  # Lambda refused the payload: not one JSON value
            assert response.headers["x-amzn-ErrorType"] == "InvalidRequestContentException", response.headers
            assert document["message"].startswith("Could not parse request body into json: "), document
        else:  # the function ran and answered a proxy response, never a function error
            assert "X-Amz-Function-Error" not in response.headers, (document, where)
            assert set(document) == {"statusCode", "headers", "body"} and document["statusCode"] in (200, 400)
            assert document["headers"] == {"Content-Type": "application/json"}
            json.loads(document["body"])
        assert world.items(world.guarded) == {item["id"]: item for item in SEED}, where

    run()


def test_deeply_nested_invoke_payload_is_a_client_error(world, tutorial_stack):
    """Found by the fuzzer: a payload nested deeper than the JSON parser goes answered 500 ServiceException."""
    url = f"{world.base}/2015-03-31/functions/{tutorial_stack.function_name}/invocations"
    for depth in (1000, 100_000):
        response = world.http.post(url, data=b"[" * depth + b"]" * depth, timeout=60)
        assert response.status_code == 400, response.text
        assert response.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
        assert response.json()["message"].startswith("Could not parse request body into json: ")


def test_values_nested_past_dynamodbs_32_levels_are_refused(world, clients):
    """Found by the fuzzer: moto stored items nested past DynamoDB's 32 levels (AWS: ValidationException), and a
    request nested deeper than the JSON parser goes answered 500 InternalFailure."""
    dynamodb = clients("dynamodb")

    def wrapped(levels: int) -> dict[str, Any]:
        value: dict[str, Any] = {"S": "x"}
        for _ in range(levels):
            value = {"L": [value]}
        return value

    dynamodb.put_item(TableName=world.scratch, Item={"id": {"S": "ok31"}, "v": wrapped(31)})
    dynamodb.delete_item(TableName=world.scratch, Key={"id": {"S": "ok31"}})
    for call, params in (("put_item", {"Item": {"id": {"S": "deep"}, "v": wrapped(32)}}),
                         ("update_item", {"Key": {"id": {"S": "deep"}}, "UpdateExpression": "SET v = :v",
                                          "ExpressionAttributeValues": {":v": wrapped(40)}})):
        with pytest.raises(dynamodb.exceptions.ClientError) as refused:
            getattr(dynamodb, call)(TableName=world.scratch, **params)
        assert refused.value.response["Error"] == {
            "Code": "ValidationException", "Message": "Nesting Levels have exceeded supported limits: Attributes in "
                                                      "the item have nested levels beyond supported limit"}
    raw = b'{"TableName": "%s", "Item": {"id": {"S": "deep"}, "v": ' % world.scratch.encode() \
        + b'{"L": [' * 5000 + b'{"S": "x"}' + b"]}" * 5000 + b"}}"
    answer = requests.post(world.base, data=raw, timeout=30, headers={
        "X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-west-1/dynamodb/aws4_request"})
    assert answer.status_code == 400 and answer.headers["x-amzn-ErrorType"] == "ValidationException", answer.text
    assert world.items(world.scratch) == world.model
