"""Step 2: find the resource and method of the deployed snapshot that a request path and verb reach.

Rules: literal path parts, `{param}` (one non-empty part), greedy `{proxy+}` (one or more parts, last only);
a trailing slash is ignored; the more specific resource wins, judged part by part from the left (literal,
then `{param}`, then `{proxy+}`); within a resource the verb's own method wins over ANY. When the most
specific resource has neither the verb nor ANY, the next matching resource is tried (LocalStack's routing;
AWS's documentation does not say, [I]). Path parameter values are passed as sent (still percent-encoded,
as REST APIs do; HTTP APIs decode them).

A `Router` is compiled once per (api id, deployment id) and cached: snapshots are immutable.
Left out: path-part wildcards inside a literal (not allowed by API Gateway anyway).
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from ..snapshots import DeployedStage, MethodSnapshot, ResourceSnapshot
from . import gateway_responses
from .context import InvocationContext
from .gateway_responses import GatewayError

_PARAM = re.compile(r"\{([^{}/]+?)(\+?)\}")
LITERAL, PARAM, GREEDY = 0, 1, 2


@dataclass(frozen=True)
class CompiledResource:
    resource: ResourceSnapshot
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    rank: tuple[int, ...]


def _compile(resource: ResourceSnapshot) -> CompiledResource:
    parts = [p for p in resource.path.split("/") if p]
    regex: list[str] = []
    names: list[str] = []
    rank: list[int] = []
    for index, part in enumerate(parts):
        m = _PARAM.fullmatch(part)
        if m is None:
            regex.append("/" + re.escape(part))
            rank.append(LITERAL)
        elif m.group(2) and index == len(parts) - 1:
            regex.append("/(.+)")
            names.append(m.group(1))
            rank.append(GREEDY)
        else:
            regex.append("/([^/]+)")
            names.append(m.group(1))
            rank.append(PARAM)
    return CompiledResource(resource, re.compile("".join(regex), re.S), tuple(names), tuple(rank))


def normalise_path(path: str) -> str:
    """The path as matched: trailing slashes dropped, the root as the empty string."""
    return path.rstrip("/")


class Router:
    """The resources of one deployment, most specific first."""

    def __init__(self, resources: tuple[ResourceSnapshot, ...]) -> None:
        compiled = [_compile(r) for r in resources]
        # leftmost part decides first; then longer (more parts) before shorter at equal prefix
        compiled.sort(key=lambda c: c.rank + (3,))
        self._compiled = tuple(compiled)
        self._by_id = {c.resource.id: c for c in compiled}

    def match(self, http_method: str, path: str) -> tuple[ResourceSnapshot, MethodSnapshot, dict[str, str]] | None:
        """(resource, method, path parameters) for a verb and a path after the stage, or None."""
        target = normalise_path(path)
        verb = http_method.upper()
        for c in self._compiled:
            m = c.pattern.fullmatch(target)
            if m is None:
                continue
            methods = c.resource.methods
            method = methods.get(verb) or methods.get("ANY")
            if method is not None:
                return c.resource, method, dict(zip(c.names, m.groups()))
        return None

    def parameters_for(self, resource_id: str, path: str) -> dict[str, str]:
        """Path parameters of `path` read against one resource's template ({} when it does not fit)."""
        c = self._by_id.get(resource_id)
        if c is None:
            return {}
        m = c.pattern.fullmatch(normalise_path(path))
        return dict(zip(c.names, m.groups())) if m else {}


class RouterCache:
    """Compiled routers per (api id, deployment id), least recently used dropped past `size`."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._routers: OrderedDict[tuple[str, str], Router] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._routers.clear()

    def get(self, stage: DeployedStage, cache: bool = True) -> Router:
        if not cache:
            return Router(stage.resources)
        key = (stage.api_id, stage.deployment_id)
        with self._lock:
            router = self._routers.get(key)
            if router is not None:
                self._routers.move_to_end(key)
                return router
        router = Router(stage.resources)
        with self._lock:
            self._routers[key] = router
            while len(self._routers) > self._size:
                self._routers.popitem(last=False)
        return router


def route(ctx: InvocationContext, router: Router) -> GatewayError | None:
    """Set resource, method and path parameters; 403 Missing Authentication Token when nothing matches."""
    found = router.match(ctx.http_method, ctx.path)
    if found is None:
        return gateway_responses.missing_authentication_token()
    ctx.resource, ctx.method, params = found
    ctx.path_parameters = params or None
    return None
