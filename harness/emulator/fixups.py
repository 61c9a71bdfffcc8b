"""What the emulator fixes or records around a few of moto's control-plane calls (`Fixup` values, by route).

CreateDeployment snapshots the deployed resource tree (moto keeps none); CreateRestApi/UpdateRestApi keep
`binaryMediaTypes` as AWS does; GetFunction reports a reserved concurrency of 0; DeleteFunction retires the
function's workers; RemovePermission gives the policy a new RevisionId; AddPermission answers 201 as AWS
does, and 409 to a statement id in use. The dispatcher applies them.
Left out: any call not listed in `_FIXUPS` goes to moto untouched.
"""
from __future__ import annotations

import re
from urllib.parse import unquote
from dataclasses import dataclass
from typing import Any, Callable

from .aws_errors import AwsError

_DEPLOYMENTS = re.compile(r"^/restapis/(?P<api>[^/]+)/deployments/?$")


@dataclass(frozen=True)
class Fixup:
    """What the emulator adds around one moto call: read state before (control, request), optionally rewrite
    the request moto sees, then fix or record state after (control, request, answer, state before)."""

    before: Callable[[Any, Any], Any]
    after: Callable[[Any, Any, Any, Any], None]
    rewrite: Callable[[Any], Any] | None = None
    answer: Callable[[Any, Any, Any], Any] | None = None  # (control, request, moto's answer) -> the client's answer
    status: str | None = None  # the status line AWS answers a success with, where moto's differs
    # (control, request, region, account, query) -> raises the AwsError AWS answers where moto would accept
    refuse: Callable[[Any, Any, str, str, dict[str, str]], None] | None = None


def _snapshot(match: re.Match[str]) -> Fixup:
    """CreateDeployment: freeze the resource tree the deployment serves (moto keeps no snapshot)."""
    return Fixup(lambda control, request: None,
                 lambda control, request, answer, _: control.snapshot_deployment(match["api"], answer["id"]))


def _created_api(match: re.Match[str]) -> Fixup:
    """CreateRestApi: moto drops `binaryMediaTypes`; keep them."""
    def after(control: Any, request: Any, answer: Any, _: Any) -> None:
        types = request.get("binaryMediaTypes") if isinstance(request, dict) else None
        if types:
            control.set_binary_media_types(answer["id"], [str(t) for t in types])
    return Fixup(lambda control, request: None, after)


def _updated_api(match: re.Match[str]) -> Fixup:
    """UpdateRestApi: apply `/binaryMediaTypes/<type>` patches as AWS does (type in the path, `~1` for `/`);
    moto, which mishandles them, sees only the other operations."""
    api_id = match["api"]

    def is_media(op: Any) -> bool:
        return isinstance(op, dict) and str(op.get("path", "")).startswith("/binaryMediaTypes")

    def rewrite(request: Any) -> Any:
        if not isinstance(request, dict):
            return request
        return {**request, "patchOperations": [op for op in request.get("patchOperations") or [] if not is_media(op)]}

    def after(control: Any, request: Any, answer: Any, before: list[str] | None) -> None:
        if before is None or not isinstance(request, dict):
            return
        types = list(before)
        for op in request.get("patchOperations") or []:
            if not is_media(op):
                continue
            path = str(op.get("path", ""))
            value = path[len("/binaryMediaTypes/"):].replace("~1", "/").replace("~0", "~") or str(op.get("value", ""))
            if op.get("op") == "add" and value and value not in types:
                types.append(value)
            elif op.get("op") == "remove" and value in types:
                types.remove(value)
            elif op.get("op") == "replace" and value:
                types = [t for t in types if t != value] + [str(op.get("value") or value)]
        control.set_binary_media_types(api_id, types)
    return Fixup(lambda control, request: control.binary_media_types(api_id), after, rewrite)


def _got_function(match: re.Match[str]) -> Fixup:
    """GetFunction: moto leaves out `Concurrency` when the reserved concurrency is 0 (a throttled function)."""
    def answer(control: Any, request: Any, got: Any) -> Any:
        arn = ((got or {}).get("Configuration") or {}).get("FunctionArn") if isinstance(got, dict) else None
        if not arn or "Concurrency" in got:
            return got
        fn = control.get_function(arn, "", "")
        if fn is not None and fn.reserved_concurrency == 0:
            return {**got, "Concurrency": {"ReservedConcurrentExecutions": 0}}
        return got
    return Fixup(lambda control, request: None, lambda control, request, got, _: None, answer=answer)


def _deleted_function(match: re.Match[str]) -> Fixup:
    """DeleteFunction: the function's warm workers go too (they would otherwise idle until the reaper)."""
    name = unquote(match["name"])
    return Fixup(lambda control, request: None, lambda control, request, answer, _: control.function_deleted(name))


def _removed_permission(match: re.Match[str]) -> Fixup:
    """RemovePermission: the policy gets a new RevisionId, as on AWS (moto keeps the old one)."""
    name, sid = unquote(match["name"]), unquote(match["sid"])
    return Fixup(lambda control, request: control.policies_with_statement(name, sid),
                 lambda control, request, answer, before: control.renew_policy_revisions(before or [], sid))


def _added_permission(match: re.Match[str]) -> Fixup:
    """AddPermission: AWS answers 201 Created (moto 200), and 409 to a statement id the policy already holds
    (moto adds a second statement with that id)."""
    name = unquote(match["name"])

    def refuse(control: Any, request: Any, region: str, account: str, query: dict[str, str]) -> None:
        sid = request.get("StatementId") if isinstance(request, dict) else None
        if isinstance(sid, str) and control.has_statement(name, region, account, query.get("Qualifier"), sid):
            raise AwsError(409, "ResourceConflictException",
                           f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
                           "or remove the existing statement.")
    return Fixup(lambda control, request: None, lambda control, request, answer, _: None, status="201 Created",
                 refuse=refuse)


_FIXUPS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], Fixup]]] = [
    ("POST", _DEPLOYMENTS, _snapshot),
    ("POST", re.compile(r"^/restapis/?$"), _created_api),
    ("PATCH", re.compile(r"^/restapis/(?P<api>[^/]+)/?$"), _updated_api),
    ("GET", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/?$"), _got_function),
    ("DELETE", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/?$"), _deleted_function),
    ("DELETE", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/policy/(?P<sid>[^/]+)/?$"), _removed_permission),
    ("POST", re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/policy/?$"), _added_permission),
]


def fixup_for(method: str, path: str) -> Fixup | None:
    """The fix-up for this call, or None."""
    for verb, pattern, make in _FIXUPS:
        match = pattern.match(path) if verb == method else None
        if match:
            return make(match)
    return None
