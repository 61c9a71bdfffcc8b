"""The stack process without the user's secrets: what a function could read of it, it finds empty.

A worker gets a clean environment (runtime/env.py: an allowlist plus Lambda's variables, dummy credentials),
but it runs as the same user as the stack, so it can read `/proc/<stack pid>/environ`: the environment the stack
was *started* with (changing `os.environ` later does not change it). `harness serve` therefore re-executes
itself once (`reexec_without_secrets`, same pid, same arguments) with `scrubbed(os.environ)`: no AWS credential
or profile variable, and no variable whose name says it holds a secret (SECRET, TOKEN, PASSWORD, CREDENTIAL,
PRIVATE, `*_KEY`, `*_KEY_ID`). The embedded stack needs none of them (it signs nothing; functions get dummy keys).
What is not isolated (docs/differences.md): a function runs as the user who started the stack, so it can read
that user's files (`~/.aws/credentials` included), see other processes, and reach the network; nothing here
is a sandbox. Running the stack as a dedicated user, or in a container, is the way to isolate it.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Mapping

#: Set in the re-executed process, so it does not re-execute again.
SCRUBBED_MARK = "HARNESS_ENV_SCRUBBED"
_AWS_SECRETS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|_KEY$|_KEY_ID$|^KEY$", re.I)


def is_secret(name: str) -> bool:
    """Whether an environment variable is kept away from the stack process."""
    return name.upper() in _AWS_SECRETS or bool(_SECRET_NAME.search(name))


def scrubbed(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without its secrets (see `is_secret`)."""
    return {name: value for name, value in environ.items() if not is_secret(name)}


def reexec_without_secrets() -> None:
    """Replace this process by `python -m harness <same arguments>` without the secrets of its environment;
    returns (doing nothing) when there are none or it was done already."""
    if os.environ.get(SCRUBBED_MARK) or not any(is_secret(name) for name in os.environ):
        return
    env = {**scrubbed(os.environ), SCRUBBED_MARK: "1"}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "harness", *sys.argv[1:]], env)
