"""Property tests: hypothesis-made calls of the AWS APIs the stack serves never get a 500 or a traceback from it.

Each example picks an operation from botocore's model, fills its URI labels (the known function, API and
resource ids, or odd text), its query string and its JSON body from the operation's input shape (values of the
member's type, out of its constraints, or of another JSON type altogether; members left out or added), signs
it like a client (the stack reads the credential scope, not the signature) and sends it raw with `requests`.
The other services (CloudWatch Logs and Cognito user pools over JSON with `X-Amz-Target`; IAM, STS and
CloudFormation over the query protocol, their input flattened as `Name.member.N` / `Name.entry.N.key`) get
bodies made the same way from their models.

Properties, for every call: the status is below 500 (but 501 NotImplemented for an operation the stack does not
emulate); the body names no Python traceback; the stack stays healthy.
Left out: Invoke and its streaming and asynchronous forms (the runtime's own fuzz and fault tests cover them),
calls that would delete the fixtures every other example needs, and S3.
"""
from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from typing import Any
from urllib.parse import quote, urlencode

import botocore.session
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REGION

pytestmark = [pytest.mark.functional, pytest.mark.slow]

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
SKIPPED = {"Invoke", "InvokeAsync", "InvokeWithResponseStream", "DeleteFunction", "DeleteRestApi",
           "DeleteResource", "DeleteStage", "FlushStageCache", "FlushStageAuthorizersCache"}
_LABEL = re.compile(r"\{([^}+]+)\+?\}")
MODELS = {name: botocore.session.get_session().get_service_model(name) for name in ("lambda", "apigateway")}
OTHER_MODELS = {name: botocore.session.get_session().get_service_model(name)
                for name in ("logs", "cognito-idp", "iam", "sts", "cloudformation")}
ODD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def known(clients) -> dict[str, str]:
    """Resources the calls may name: a function and an API with a resource and a method."""
    suffix = uuid.uuid4().hex[:8]
    role = clients("iam").create_role(RoleName=f"fuzz-{suffix}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    fn = clients("lambda").create_function(FunctionName=f"fuzz-{suffix}", Runtime="python3.12", Role=role,
                                           Handler="index.handler", Code={"ZipFile": _zip()})
    apigw = clients("apigateway")
    api = apigw.create_rest_api(name=f"fuzz-{suffix}")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    yield {"function": fn["FunctionName"], "arn": fn["FunctionArn"], "api": api, "resource": resource,
           "root": root, "verb": "GET"}
    for call in (lambda: clients("lambda").delete_function(FunctionName=fn["FunctionName"]),
                 lambda: apigw.delete_rest_api(restApiId=api)):
        try:
            call()
        except Exception:  # a fuzzed call may have removed it
            pass


def _label_values(known: dict[str, str], label: str) -> st.SearchStrategy[str]:
    lower = label.lower()
    if "function" in lower or lower in ("resource", "arn"):
        candidates = [known["function"], known["arn"], f"{known['function']}:$LATEST"]
    elif "restapi" in lower:
        candidates = [known["api"]]
    elif "resource" in lower or "parent" in lower:
        candidates = [known["resource"], known["root"]]
    elif "method" in lower:
        candidates = [known["verb"], "ANY", "POST"]
    else:
        candidates = ["1", "prod", "200"]
    return st.one_of(st.sampled_from(candidates), ODD_TEXT.filter(lambda s: s not in ("", ".", "..")))


def _value(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value for `shape`: mostly of its type (in or out of its constraints), sometimes of another JSON type."""
    other = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5), st.just([]), st.just({}))
    kind = shape.type_name
    if depth > 3:
        return other
    if kind == "string":
        enum = shape.metadata.get("enum")
        typed = st.one_of(st.sampled_from(enum), ODD_TEXT) if enum else st.one_of(ODD_TEXT, st.text(max_size=300))
    elif kind in ("integer", "long"):
        typed = st.integers(-(2 ** 40), 2 ** 40)
    elif kind in ("float", "double"):
        typed = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "boolean":
        typed = st.booleans()
    elif kind == "blob":
        typed = st.one_of(st.just("UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="), ODD_TEXT)
    elif kind == "timestamp":
        typed = st.one_of(st.integers(0, 2 ** 33), ODD_TEXT)
    elif kind == "list":
        typed = st.lists(_value(shape.member, depth + 1), max_size=3)
    elif kind == "map":
        typed = st.dictionaries(ODD_TEXT, _value(shape.value, depth + 1), max_size=3)
    elif kind == "structure":
        typed = _structure(shape, depth + 1)
    else:
        typed = other
    return st.one_of(typed, typed, typed, other)


def _structure(shape: Any, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    members = {name: m for name, m in shape.members.items() if "location" not in m.serialization}
    if not members:
        return st.just({})
    return st.fixed_dictionaries({}, optional={
        m.serialization.get("name", name): _value(m, depth) for name, m in members.items()})


@st.composite
def calls(draw: Any, known: dict[str, str]) -> tuple[str, str, str, dict[str, str], bytes, str]:
    service = draw(st.sampled_from(sorted(MODELS)))
    model = MODELS[service]
    name = draw(st.sampled_from(sorted(set(model.operation_names) - SKIPPED)))
    op = model.operation_model(name)
    uri, _, literal_query = op.http["requestUri"].partition("?")
    path = _LABEL.sub(lambda m: quote(draw(_label_values(known, m.group(1))), safe=""), uri)
    query: dict[str, str] = dict(q.partition("=")[::2] for q in literal_query.split("&") if q)
    shape = op.input_shape
    body = b""
    if shape is not None:
        for member_name, member in shape.members.items():
            if member.serialization.get("location") == "querystring" and draw(st.booleans()):
                query[member.serialization.get("name", member_name)] = draw(ODD_TEXT)
        if "payload" not in shape.serialization:
            document = draw(st.one_of(_structure(shape, 0), _structure(shape, 0), st.just(None)))
            body = json.dumps(document).encode() if document is not None else draw(
                st.sampled_from([b"", b"{", b"[1]", b"\xff\xfe", b'{"a": ' * 50]))
    return service, op.http["method"], path, query, body, name


def _send(base: str, service: str, method: str, path: str, query: dict[str, str], body: bytes) -> requests.Response:
    headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/{REGION}/{service}/aws4_request, "
                                "SignedHeaders=host, Signature=0", "Content-Type": "application/json"}
    url = f"{base}{path}" + (f"?{urlencode(query)}" if query else "")
    return requests.request(method, url, data=body, headers=headers, timeout=30)


def test_control_plane_calls_never_answer_500_or_a_traceback(stack_url, known):
    seen: list[str] = []

    @FUZZ
    @given(call=calls(known))
    def check(call: tuple[str, str, str, dict[str, str], bytes, str]) -> None:
        service, method, path, query, body, name = call
        seen.append(name)
        answer = _send(stack_url, service, method, path, query, body)
        # an operation moto does not implement is 501 NotImplemented, named (moto_failures.py); nothing else >= 500
        emulated = answer.status_code != 501 or b"NotImplemented" not in answer.content
        assert answer.status_code < 500 or not emulated, (name, method, path, query, body[:300], answer.status_code,
                                                          answer.text[:500])
        assert b"Traceback (most recent call last)" not in answer.content, (name, answer.text[:500])

    check()
    assert requests.get(f"{stack_url}/_harness/health", timeout=5).status_code == 200
    assert len(set(seen)) > 50  # many operations of both services were tried


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    """`value` as the query protocol flattens it (whatever its type: the fuzz sends odd types too)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        if not value:
            out[prefix] = ""
        for index, inner in enumerate(value, 1):
            _flatten(inner, f"{prefix}.member.{index}", out)
    elif value is None:
        return
    else:
        out[prefix] = str(value).lower() if isinstance(value, bool) else str(value)


@st.composite
def other_calls(draw: Any) -> tuple[str, str, dict[str, str], bytes]:
    """(service, operation, headers, body) of one JSON or query call of the other services."""
    service = draw(st.sampled_from(sorted(OTHER_MODELS)))
    model = OTHER_MODELS[service]
    name = draw(st.sampled_from(sorted(model.operation_names)))
    shape = model.operation_model(name).input_shape
    document = draw(_structure(shape, 0)) if shape is not None else {}
    if model.protocol == "json":
        headers = {"X-Amz-Target": f"{model.metadata['targetPrefix']}.{name}",
                   "Content-Type": "application/x-amz-json-1.1"}
        body = json.dumps(document).encode() if draw(st.integers(0, 9)) else draw(
            st.sampled_from([b"", b"{", b"[1]", b"\xff\xfe"]))
        return service, name, headers, body
    flat = {"Action": name, "Version": model.api_version}
    _flatten(document, "", flat)
    return service, name, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, \
        urlencode(flat).encode()


def test_other_served_apis_never_answer_500_or_a_traceback(stack_url):
    seen: list[str] = []

    @FUZZ
    @given(call=other_calls())
    def check(call: tuple[str, str, dict[str, str], bytes]) -> None:
        service, name, headers, body = call
        seen.append(f"{service}:{name}")
        signed = {"Authorization": f"AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/{REGION}/{service}/aws4_request, "
                                   "SignedHeaders=host, Signature=0", **headers}
        answer = requests.post(f"{stack_url}/", data=body, headers=signed, timeout=60)
        # an operation moto does not implement is 501 NotImplemented, named (moto_failures.py); nothing else >= 500
        emulated = answer.status_code != 501 or b"NotImplemented" not in answer.content
        assert answer.status_code < 500 or not emulated, (service, name, body[:300], answer.status_code,
                                                          answer.text[:500])
        assert b"Traceback (most recent call last)" not in answer.content, (name, answer.text[:500])

    check()
    assert requests.get(f"{stack_url}/_harness/health", timeout=5).status_code == 200
    assert len({entry.split(":")[0] for entry in seen}) == len(OTHER_MODELS) and len(set(seen)) > 100
