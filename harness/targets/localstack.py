"""LocalStack as a target: where it is (`localstack_url`), what it lacks, its health endpoint, waiting for functions to leave `Pending`, its image rules, and
starting it through the Docker SDK (for tests) when nothing listens yet.

`GET /_localstack/health` answers `{"services": {"lambda": "available" | "running" | ...}, "edition": ...,
"version": ...}`. Lambda functions start `Pending` on LocalStack (a runtime container is prepared) and must
be `Active` before an invoke. Images: 4.14.0 is the last build that starts without LOCALSTACK_AUTH_TOKEN.
Left out: LocalStack's own CLI, persistence, and pulling images (the starter only runs an image that is
already present, so it never reaches the network).
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urlsplit

from ..clients import Endpoint
from ..errors import TargetUnavailable
from .target import Target


log = logging.getLogger(__name__)

HEALTH_PATH = "/_localstack/health"
DEFAULT_IMAGE = "localstack/localstack:4.14.0"
LAMBDA_RUNTIME_IMAGE = "public.ecr.aws/lambda/python:3.12"
TOKEN_FREE_UNTIL = (4, 14, 0)
STACK_SERVICES = ("dynamodb", "iam", "sts", "lambda", "apigateway", "logs")
#: What a template deploy needs besides: LocalStack's CloudFormation (it runs SAM's transform), S3 for the
#: packaging bucket. Started with the stack's services (compose, `start`), waited for only by template deploys.
TEMPLATE_SERVICES = ("cloudformation", "s3")
READY_STATES = frozenset({"available", "running"})
BROKEN_STATES = frozenset({"error", "disabled"})
CONTAINER_LABEL = "harness.localstack"
DEFAULT_HOST = "localhost:4566"
DEFAULT_REGION = "us-east-1"  # LocalStack's own default
#: How long `wait_healthy` waits for anything at all to answer before saying nothing runs there.
UNREACHABLE_GRACE_S = 5.0

#: What LocalStack (community) does not do as AWS does, by scenario feature (`requires`).
LOCALSTACK_LACKS: Mapping[str, str] = MappingProxyType({
    "invoke-permission": "LocalStack community does not enforce Lambda invoke permissions",
    "throttle-500": "LocalStack answers a throttled Lambda with 502",
    "execution-logs": "LocalStack does not write API Gateway execution logs",
    "integration-timeout": "LocalStack has no API Gateway integration timeout",
    "stage-throttling": "LocalStack community does not apply API Gateway stage throttling",
    "memory-limits": "LocalStack runs functions without their memory size as a limit (unless LAMBDA_DOCKER_FLAGS "
                     "sets one)",
    "lambda-authorizers": "LocalStack community has no API Gateway Lambda authorizers (a Pro feature)",
    "cognito-authorizers": "LocalStack community has no Cognito (a Pro feature)",
})


#: Where LocalStack 4.14 (community, with the DynamoDB Local inside it) answers otherwise than AWS, by the name a
#: scenario step gives in `differs.localstack.difference`: what it does instead. docs/targets.md lists the steps.
LOCALSTACK_DIFFERS: Mapping[str, str] = MappingProxyType({
    "dynamodb-missing-table-message":
        "DynamoDB Local words a missing table's ResourceNotFoundException `Cannot do operations on a non-existent "
        "table` (AWS: `Requested resource not found`)",
    "dynamodb-missing-key-message":
        "DynamoDB Local answers an item or key without the table's key attribute with ValidationException `One of "
        "the required keys was not given a value` (AWS: PutItem `One or more parameter values were invalid: Missing "
        "the key <name> in the item`, DeleteItem `The provided key element does not match the schema`)",
    "dynamodb-key-type-message":
        "DynamoDB Local answers a key value of the wrong type with ValidationException `One or more parameter values "
        "were invalid: Type mismatch for key`, without the key's name and types, for DeleteItem too (AWS: PutItem "
        "`... Type mismatch for key id expected: S actual: N`, DeleteItem `The provided key element does not match "
        "the schema`)",
    "dynamodb-key-map-message":
        "DynamoDB Local answers a key whose value is a map with ValidationException `Invalid attribute value type` "
        "(AWS: `The provided key element does not match the schema`)",
    "dynamodb-null-member-message":
        "DynamoDB Local answers a request without a required member (a PutItem without TableName or Item, as the "
        "AWS SDK for JavaScript v3, which validates nothing on the client, sends it) with ValidationException "
        "`Value null at 'tableName' failed to satisfy constraint: Member must not be null`: the first missing "
        "member only, without the count (AWS: `1 validation error detected: Value null at 'tableName' ...`, or `2 "
        "validation errors detected: Value null at 'tableName' ...; Value null at 'item' ...`, every member)",
    "dynamodb-null-key-message":
        "DynamoDB Local answers a GetItem, DeleteItem or UpdateItem without Key with ValidationException `Cannot "
        "have null key for GetItem, DeleteItem, or UpdateItem` (AWS: `1 validation error detected: Value null at "
        "'key' failed to satisfy constraint: Member must not be null`)",
    "dynamodb-key-conditions-message":
        "DynamoDB Local answers a key with other attributes than the table's key (e.g. a string the AWS SDK for "
        "JavaScript v3 sent as a map of its characters, {\"0\": {\"S\": \"{\"}, ...}) with ValidationException `The "
        "number of conditions on the keys is invalid` (AWS: `The provided key element does not match the schema`)",
    "dynamodb-delete-consumed-capacity":
        "DynamoDB Local's DeleteItem of a key that is not there answers `ConsumedCapacity` {TableName, "
        "CapacityUnits: 1.0} that nobody asked for (AWS: `{}`; ConsumedCapacity only with ReturnConsumedCapacity)",
    "proxy-object-body-200":
        "LocalStack answers a Lambda proxy response whose `body` is an object, not a string, 200 with the object's "
        "keys run together as the body (`ItemsCountScannedCount`) (AWS: 502 Internal server error, `Malformed "
        "Lambda proxy response` in the execution log)",
    "init-failure-no-log-events":
        "LocalStack writes no function log events, and an Invoke's log tail is empty, for a function that fails "
        "during init (raises at import, handler or module not found); the error is only in the answer (AWS: "
        "`[ERROR] <type>: <message>` in the log and the tail)",
    "unknown-stage-404":
        "LocalStack answers a stage that was never deployed 404 {\"message\": \"The API id '<id>' does not "
        "correspond to a deployed API Gateway API\"}, without x-amzn-ErrorType or x-amzn-RequestId (AWS: 403 "
        "ForbiddenException `Forbidden`)",
    "timeout-in-payload-only":
        "LocalStack reports a function timeout only in the Invoke error payload, {\"errorMessage\": \"<time> <request "
        "id> Task timed out after N.00 seconds\"} without errorType; the function log and the log tail have START, "
        "END and REPORT (`Duration: <timeout> ms`) but no timeout line (AWS: errorType Sandbox.Timedout, and the "
        "line in the log)",
    "gateway-response-headers-on-missing-token":
        "LocalStack answers a path the API does not have 403 `Missing Authentication Token` without the headers of "
        "the API's DEFAULT_4XX gateway response (e.g. CORS' Access-Control-Allow-Origin) (AWS: a DEFAULT_4XX "
        "response's parameters apply to every 4XX answer without its own response, MISSING_AUTHENTICATION_TOKEN "
        "included)",
    "validator-blank-parameter-present":
        "LocalStack's request validator takes a required query string parameter sent empty (`?TableName=`) as "
        "present and passes the request on; the tutorial's function then answers 400 `MissingParameter` (AWS: "
        "400 `Missing required request parameters: [TableName]` from the validator)",
    "cfn-openapi-body-drops-description":
        "LocalStack's CloudFormation makes an AWS::ApiGateway::RestApi that has a `Body` (as SAM's transform "
        "makes every AWS::Serverless::Api) by CreateRestApi with the `Description`, then imports the body with "
        "PutRestApi, which sets the description from the document's `info.description` whatever the mode, so one "
        "given only as the property is dropped: GetRestApis lists the API without a description (AWS: the "
        "default mode keeps top-level properties given beside the OpenAPI body, e.g. `Api for db-api`)",
    "openapi-import-proxy-method-post":
        "LocalStack's OpenAPI import (a RestApi `Body`, as SAM's transform writes every API) sets the integration "
        "method of every `aws_proxy` integration to POST whatever its `httpMethod` says, so such an API invokes "
        "the function and answers 200 (AWS [I]: the import keeps `httpMethod` as PutIntegration does, and the "
        "Lambda proxy call answers 500 with Lambda's AccessDeniedException in the execution log)",
    "vtl-syntax-error-plain-text":
        "LocalStack answers a request whose mapping template does not parse 500 `text/plain` with the parser's "
        "own words (`Error in apigateway invocation: line 1, column 27: expected ) ...`) (AWS: 500 "
        "{\"message\": \"Internal server error\"}, `Execution failed due to configuration error: Unable to "
        "transform request` in the execution log)",
})

def localstack_url(env: Mapping[str, str] | None = None) -> str:
    """LocalStack's edge URL by its conventions: AWS_ENDPOINT_URL, else http://$LOCALSTACK_HOST, else localhost:4566.

    LOCALSTACK_HOST is `host[:port]` (LocalStack's own variable; port 4566 when left out).
    """
    env = os.environ if env is None else env
    url = (env.get("AWS_ENDPOINT_URL") or "").strip()
    if url:
        return url.rstrip("/")
    host = (env.get("LOCALSTACK_HOST") or "").strip() or DEFAULT_HOST
    if "://" not in host:
        host = f"http://{host}"
    parts = urlsplit(host)
    if parts.port is None:
        host = parts._replace(netloc=f"{parts.netloc}:4566").geturl()
    return host.rstrip("/")


def target(url: str | None = None, region: str | None = None,
               env: Mapping[str, str] | None = None) -> Target:
    """LocalStack at `url`, else by its conventions (`localstack_url`); region from the environment."""
    env = os.environ if env is None else env
    url = url or localstack_url(env)
    region = region or env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or DEFAULT_REGION
    return Target("localstack", Endpoint(url, region), LOCALSTACK_LACKS, differs=LOCALSTACK_DIFFERS)


def localstack_invoke_urls(endpoint_url: str, api_id: str, stage: str, path: str = "") -> dict[str, str]:
    """LocalStack's invoke URL forms for one API: `path` (works from anywhere, the default), `host` (only
    where `*.localhost.localstack.cloud` resolves, i.e. with DNS) and `legacy` (`_user_request_`)."""
    tail = path.lstrip("/")
    base = endpoint_url.rstrip("/")
    parts = urlsplit(base)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {
        "path": f"{base}/_aws/execute-api/{api_id}/{stage}/{tail}",
        "host": f"{parts.scheme}://{api_id}.execute-api.localhost.localstack.cloud:{port}/{stage}/{tail}",
        "legacy": f"{base}/restapis/{api_id}/{stage}/_user_request_/{tail}",
    }


class LocalStackError(TargetUnavailable):
    """LocalStack is unreachable, unhealthy, cannot start, or a function failed to become Active (exit status 2)."""


@dataclass(frozen=True)
class Health:
    """One answer of the health endpoint (or why there was none)."""

    reachable: bool
    services: Mapping[str, str] = field(default_factory=dict)
    version: str | None = None
    edition: str | None = None
    error: str | None = None
    answered: bool = False  # something answered HTTP (an error status, or not LocalStack's health document)

    def missing(self, services: tuple[str, ...] = STACK_SERVICES) -> dict[str, str]:
        """Services not yet usable, with their state (`absent` when not listed)."""
        return {s: self.services.get(s, "absent") for s in services if self.services.get(s) not in READY_STATES}


def probe(url: str, timeout: float = 2.0) -> Health:
    """Ask `url`'s health endpoint once."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + HEALTH_PATH, timeout=timeout) as response:
            body = json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as exc:
        return Health(False, error=f"HTTP {exc.code} from {HEALTH_PATH}", answered=True)
    except (OSError, ValueError) as exc:
        return Health(False, error=_reason(exc))
    services = body.get("services") if isinstance(body, dict) else None
    if not isinstance(services, dict):
        return Health(False, error=f"{HEALTH_PATH} answered without a `services` map (not LocalStack?)",
                      answered=True)
    return Health(True, {str(k): str(v) for k, v in services.items()}, body.get("version"), body.get("edition"))


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "reason", None)
    return str(inner if inner is not None else exc) or type(exc).__name__


def wait_healthy(url: str, services: tuple[str, ...] = STACK_SERVICES, timeout: float = 180.0,
                 interval: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, unreachable_grace: float = UNREACHABLE_GRACE_S) -> Health:
    """Poll the health endpoint until every one of `services` is available or running.

    A LocalStack that answers but is still starting gets `timeout`; when nothing has answered at all after
    `unreachable_grace` seconds (nothing listens there), it fails at once with what to do (`not_running`).
    """
    started = clock()
    deadline = started + timeout
    answered = False
    while True:
        health = probe(url)
        answered = answered or health.reachable or health.answered
        if health.reachable:
            broken = {s: st for s, st in health.missing(services).items() if st in BROKEN_STATES}
            if broken:
                raise LocalStackError(f"LocalStack at {url}: services {broken} (check SERVICES / the logs)")
            if not health.missing(services):
                return health
        elif not answered and clock() - started >= min(unreachable_grace, timeout):
            raise LocalStackError(not_running(url, health.error))
        if clock() >= deadline:
            why = health.error if not health.reachable else f"not ready: {health.missing(services)}"
            raise LocalStackError(f"LocalStack at {url} not healthy after {timeout:.0f} s ({why})")
        sleep(interval)


def wait_template_services(target: Target, timeout: float = 180.0, **waiting: Any) -> Health | None:
    """Before a template deploy on LocalStack: wait until it runs TEMPLATE_SERVICES; a LocalStack whose SERVICES
    leave them out fails at once, saying what to add (other targets: None, nothing asked)."""
    if target.name != "localstack":
        return None
    url = target.endpoint.url or ""
    try:
        return wait_healthy(url, services=TEMPLATE_SERVICES, timeout=timeout, **waiting)
    except LocalStackError as exc:
        raise LocalStackError(f"{exc}; a template deploys through LocalStack's CloudFormation, with S3 for its "
                              f"packaging bucket: add {','.join(TEMPLATE_SERVICES)} to LocalStack's SERVICES") from exc


def not_running(url: str, error: str | None) -> str:
    """The message for "nothing answers at `url`": where it looked and how to point it elsewhere."""
    return (f"no LocalStack answering at {url} ({error or 'no answer'}): start one (`docker compose up -d "
            f"localstack`, or `localstack start`), or point the harness at yours with LOCALSTACK_HOST=host:port "
            f"or AWS_ENDPOINT_URL")


def wait_functions_ready(clients: Any, names: list[str] | None = None, timeout: float = 180.0,
                         interval: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                         clock: Callable[[], float] = time.monotonic) -> dict[str, str]:
    """Wait until the functions (all when `names` is None) have left `Pending` and finished updating.

    Returns name -> State. A function named in `names` that ends `Failed` raises with its StateReason; when
    scanning all functions (a shared LocalStack), a failed one is only logged: it may not be ours.
    """
    lam = clients("lambda")
    strict = names is not None
    if names is None:
        names = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate()
                 for f in page.get("Functions", [])]
    deadline = clock() + timeout
    states: dict[str, str] = {}
    pending = list(names)
    while pending:
        for name in list(pending):
            config = lam.get_function_configuration(FunctionName=name)
            state = config.get("State", "Active")
            states[name] = state
            if state == "Failed" or config.get("LastUpdateStatus") == "Failed":
                why = config.get("StateReason") or config.get("LastUpdateStatusReason")
                if strict:
                    raise LocalStackError(f"function {name} failed: {why}")
                log.warning("function %s is Failed (%s); not waiting for it", name, why)
                pending.remove(name)
            elif state != "Pending" and config.get("LastUpdateStatus", "Successful") != "InProgress":
                pending.remove(name)
        if pending:
            if clock() >= deadline:
                raise LocalStackError(f"functions still Pending after {timeout:.0f} s: {', '.join(pending)}")
            sleep(interval)
    return states


def wait_ready(target: Target, timeout: float = 180.0, clients: Any = None) -> Health:
    """Health first, then every function already deployed out of `Pending` (before replaying against them)."""
    from ..clients import Clients

    url = target.endpoint.url or ""
    health = wait_healthy(url, timeout=timeout)
    log.info("LocalStack %s (%s) healthy at %s", health.version, health.edition, url)
    wait_functions_ready(clients or Clients(target.endpoint), timeout=timeout)
    return health


# --- images and tokens -----------------------------------------------------------------------------------

def image_needs_token(image: str) -> bool:
    """Whether `image` refuses to start without LOCALSTACK_AUTH_TOKEN (after 2026-03-23: all but <= 4.14.0)."""
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "latest")
    if "localstack-pro" in name:
        return True
    if tag == "community-archive":
        return False
    match = re.fullmatch(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", tag)
    if not match:
        return True  # latest, stable, dated builds: the new single image
    version = tuple(int(x or 0) for x in match.groups())
    return version > TOKEN_FREE_UNTIL


def configured_image(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("LOCALSTACK_IMAGE") or "").strip() or DEFAULT_IMAGE


# --- Docker SDK starter ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DockerStatus:
    """Whether a Docker engine answers here, and why not."""

    ok: bool
    reason: str


def docker_client(timeout: float = 3.0) -> Any:
    """A Docker SDK client for the engine in the environment (DOCKER_HOST or the default socket)."""
    import docker

    client = docker.from_env(timeout=int(max(1, timeout)))
    client.ping()
    return client


def docker_status(connect: Callable[[], Any] = docker_client) -> DockerStatus:
    try:
        client = connect()
    except ImportError:
        return DockerStatus(False, "the `docker` Python package is not installed")
    except Exception as exc:  # docker.errors.DockerException and friends
        return DockerStatus(False, f"no Docker engine reachable ({docker_reason(exc)})")
    version = client.version().get("Version", "?") if hasattr(client, "version") else "?"
    return DockerStatus(True, f"Docker engine {version} reachable")


def docker_reason(exc: BaseException, env: Mapping[str, str] | None = None) -> str:
    """Why the Docker SDK could not connect, in words (the SDK's own message is a nested repr)."""
    env = os.environ if env is None else env
    where = env.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    text = str(exc)
    if "FileNotFoundError" in text or "No such file" in text:
        return f"no Docker socket at {where}"
    if "PermissionError" in text or "Permission denied" in text:
        return f"permission denied on {where} (is this user in the docker group?)"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return f"nothing accepts connections at {where}"
    return _short(exc)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def container_settings(image: str, port: int, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for `containers.run`: loopback-only port, Docker socket for Lambda, token passthrough."""
    env = os.environ if env is None else env
    environment = {"SERVICES": ",".join(STACK_SERVICES + TEMPLATE_SERVICES), "EAGER_SERVICE_LOADING": "1",
                   "LAMBDA_KEEPALIVE_MS": "600000", "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "60",
                   "LAMBDA_IGNORE_ARCHITECTURE": "1", "DEBUG": env.get("DEBUG", "0")}
    token = env.get("LOCALSTACK_AUTH_TOKEN")
    if token:
        environment["LOCALSTACK_AUTH_TOKEN"] = token
    return {
        "image": image, "detach": True, "auto_remove": False, "environment": environment,
        "ports": {"4566/tcp": ("127.0.0.1", port)},
        "volumes": {"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"}},
        "labels": {CONTAINER_LABEL: "1"},
    }


@dataclass
class StartedLocalStack:
    """A LocalStack container this process started; `stop()` removes it."""

    url: str
    container: Any

    def stop(self) -> None:
        try:
            self.container.remove(force=True)
        except Exception as exc:  # already gone, engine stopped...
            log.warning("could not remove LocalStack container: %s", _short(exc))


def start(client: Any, image: str | None = None, port: int = 4566, env: Mapping[str, str] | None = None,
          timeout: float = 180.0) -> StartedLocalStack:
    """Run LocalStack from an image already present (never pulls) and wait until it is healthy."""
    env = os.environ if env is None else env
    image = image or configured_image(env)
    if image_needs_token(image) and not env.get("LOCALSTACK_AUTH_TOKEN"):
        raise LocalStackError(f"{image} needs LOCALSTACK_AUTH_TOKEN; 4.14.0 is the last token-free build")
    try:
        client.images.get(image)
    except Exception as exc:
        raise LocalStackError(f"image {image} is not present locally (pull it once while online: "
                              f"docker pull {image})") from exc
    container = client.containers.run(**container_settings(image, port, env))
    started = StartedLocalStack(f"http://127.0.0.1:{port}", container)
    try:
        wait_healthy(started.url, timeout=timeout)
    except BaseException:
        started.stop()
        raise
    return started


@dataclass(frozen=True)
class Session:
    """What `session` found: a URL to use, or why there is none (a skip reason)."""

    url: str | None
    reason: str
    started: bool = False


@contextmanager
def session(url: str, start_if_needed: bool = True, connect: Callable[[], Any] = docker_client,
            env: Mapping[str, str] | None = None, timeout: float = 180.0) -> Iterator[Session]:
    """LocalStack for a test session: reuse the one answering at `url`, else start one through the Docker SDK
    (when allowed, Docker answers, and the image is present) and remove it afterwards; else yield the reason."""
    health = probe(url)
    if health.reachable:
        yield Session(url, f"LocalStack {health.version or '?'} already running at {url}")
        return
    why = f"no LocalStack answering at {url} ({health.error})"
    if not start_if_needed:
        yield Session(None, f"{why}; starting one is disabled")
        return
    try:
        client = connect()
    except Exception as exc:
        yield Session(None, f"{why}, and no Docker engine to start one ({docker_reason(exc, env)})")
        return
    port = urllib.parse.urlsplit(url).port or 4566
    try:
        started = start(client, port=port, env=env, timeout=timeout)
    except Exception as exc:  # LocalStackError, or the engine's own (port taken, bad image...)
        yield Session(None, f"{why}; could not start one: {_short(exc)}")
        return
    try:
        yield Session(started.url, f"started {configured_image(env)} at {started.url}", started=True)
    finally:
        started.stop()

