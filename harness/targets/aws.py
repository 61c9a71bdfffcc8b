"""Real AWS as a target: the explicit opt-in, the unique name prefix, the owner tag, credential sources.

Nothing here talks to AWS. The opt-in is `--allow-real-aws` or HARNESS_ALLOW_REAL_AWS=1; without it `RealAwsRefused`
(a UsageError: exit status 2) is raised before any call. Each checkout gets a prefix `harness-<owner>-<random>-`
saved in `.harness/aws-prefix`, so `deploy` and a later `destroy` agree and a redeploy updates in place; teardown
then deletes only what carries this stack's `harness:stack` tag. Credentials are only ever described by their source
(env, shared-credentials-file, sso...), never shown. Left out: cost controls and account allow-lists.
"""
from __future__ import annotations

import getpass
import logging
import os
import re
import secrets
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..clients import Endpoint
from ..defaults import DEFAULT_REGION
from ..errors import UsageError
from .target import Target

log = logging.getLogger(__name__)

ALLOW_ENV = "HARNESS_ALLOW_REAL_AWS"
EXECUTION_LOGS_ENV = "HARNESS_AWS_EXECUTION_LOGS"
OWNER_TAG = "harness:owner"
PREFIX_FILE = Path(".harness/aws-prefix")
_CI_RUN_VARS = ("GITHUB_RUN_ID", "CI_PIPELINE_ID", "CI_JOB_ID", "BUILD_ID", "BUILD_NUMBER", "CIRCLE_BUILD_NUM")
_TRUE = {"1", "true", "yes", "on"}

AWS_LACKS: Mapping[str, str] = {
    "unknown-api-404": "on AWS an unknown API id has no DNS name, so there is no HTTP answer",
    "execution-logs": "API Gateway writes execution logs only where the account has a CloudWatch Logs role for it; "
                      "once it has, set HARNESS_AWS_EXECUTION_LOGS=1 (the stack then turns them on for its stage)",
}
#: Real AWS with execution logs turned on (HARNESS_AWS_EXECUTION_LOGS=1): only the unknown API id stays out.
AWS_LACKS_WITH_LOGS: Mapping[str, str] = {k: v for k, v in AWS_LACKS.items() if k != "execution-logs"}


def target(region: str | None = None, *, prefix: str = "", tags: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None) -> Target:
    """Real AWS through boto3's default credential chain. Use `sessions.resolve` to get the opt-in check and prefix.
    HARNESS_AWS_EXECUTION_LOGS=1: the account has API Gateway's CloudWatch Logs role, so the stack turns on its
    stage's execution logs and scenarios that read them run."""
    env = os.environ if env is None else env
    region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    logs = execution_logs(env)
    return Target("aws", Endpoint(None, region), AWS_LACKS_WITH_LOGS if logs else AWS_LACKS, prefix=prefix,
                  tags=MappingProxyType(dict(tags or {})), execution_logging=logs)


class RealAwsRefused(UsageError):
    """Real AWS was asked for without opt-in (or with an endpoint override): exit status 2."""


def opted_in(flag: bool = False, env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(flag) or (env.get(ALLOW_ENV) or "").strip().lower() in _TRUE


def execution_logs(env: Mapping[str, str] | None = None) -> bool:
    """HARNESS_AWS_EXECUTION_LOGS=1: the account has API Gateway's CloudWatch Logs role, so stages may log."""
    env = os.environ if env is None else env
    return (env.get(EXECUTION_LOGS_ENV) or "").strip().lower() in _TRUE


def require_opt_in(flag: bool = False, env: Mapping[str, str] | None = None) -> None:
    """Return when the user opted in to real AWS; else raise RealAwsRefused saying how to."""
    if opted_in(flag, env):
        return
    raise RealAwsRefused("refusing to use real AWS without an explicit opt-in: pass --allow-real-aws or set "
                         f"{ALLOW_ENV}=1. It creates billable resources named harness-<owner>-<random>-..., tagged "
                         "harness:stack; `harness destroy --target aws --allow-real-aws` removes them.")


def refuse_endpoint_override(env: Mapping[str, str] | None = None) -> None:
    """boto3 sends every call to AWS_ENDPOINT_URL when set: "real AWS" would silently be something else."""
    env = os.environ if env is None else env
    if (env.get("AWS_ENDPOINT_URL") or "").strip():
        raise RealAwsRefused("--target aws, but AWS_ENDPOINT_URL is set, so boto3 would not talk to AWS; "
                             "unset it, or use --target localstack / --endpoint URL for a local stack.")


def _slug(text: str, limit: int) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:limit]


def owner(env: Mapping[str, str] | None = None) -> str:
    """Who creates the stack: `ci<run id>` under CI, else the login name (letters and digits only)."""
    env = os.environ if env is None else env
    if (env.get("CI") or "").strip().lower() in _TRUE:
        run = next((env[v] for v in _CI_RUN_VARS if env.get(v)), "")
        return "ci" + _slug(run, 14)
    try:
        user = env.get("USER") or env.get("USERNAME") or getpass.getuser()
    except Exception:  # no passwd entry (container with an arbitrary uid)
        user = ""
    return _slug(user, 16) or "user"


def new_prefix(owner_name: str, random_part: str | None = None) -> str:
    """`harness-<owner>-<6 hex>-`: short enough for IAM role names (64 characters with the role's own name)."""
    return f"harness-{_slug(owner_name, 16) or 'user'}-{random_part or secrets.token_hex(3)}-"


def stack_prefix(path: Path | str = PREFIX_FILE, env: Mapping[str, str] | None = None) -> str:
    """This checkout's prefix: the saved one, else a new one (saved, so `destroy` finds what `deploy` made)."""
    path = Path(path)
    if path.is_file():
        saved = path.read_text().strip()
        if re.fullmatch(r"harness-[a-z0-9]+-[a-z0-9]+-", saved):
            return saved
        log.warning("ignoring malformed prefix %r in %s", saved, path)
    prefix = new_prefix(owner(env))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(prefix + "\n")
    return prefix


def credential_source(session: Any = None) -> str | None:
    """Where boto3's default chain finds credentials (`env`, `shared-credentials-file`, `sso`, ...), or None.

    Only the provider's name is read; the keys are never printed, and nothing is sent to AWS (assumed roles
    and SSO are resolved lazily by botocore, so this does not call STS).
    """
    if session is None:
        import boto3

        session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        return None
    return str(getattr(credentials, "method", None) or "unknown")
