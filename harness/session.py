"""A target made ready for one run: an embedded stack started (in process or as a child), LocalStack found or
started through Docker, or real AWS behind its opt-in. Used by the CLI and the pytest plugin.

An endpoint URL without a target name is taken to be an embedded stack (`harness serve`) running elsewhere.
Left out: keeping a stack alive between runs (use `harness serve` and `--endpoint`).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from . import targets


class TargetUnavailable(RuntimeError):
    """The target cannot be used here; the message says why (a skip reason for tests)."""


def planned(name: str | None, endpoint_url: str | None = None, region: str = "us-west-1") -> targets.Target:
    """The target's identity (name, what it lacks) before anything is started, for skip decisions."""
    if name == "localstack":
        return targets.localstack(endpoint_url, region)
    if name == "aws":
        return targets.aws(region)
    return targets.embedded(endpoint_url or "http://127.0.0.1:0", region)


def _require_listener(endpoint_url: str, timeout_s: float = 2.0) -> None:
    """TargetUnavailable unless something accepts a TCP connection at the endpoint's host and port."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout_s):
            return
    except OSError as exc:
        raise TargetUnavailable(f"nothing answers at {targets.safe_url(endpoint_url)} ({exc}); start one with "
                                f"`harness serve --port {port}`, or point the endpoint elsewhere") from None


@contextmanager
def open_target(name: str | None, *, endpoint_url: str | None = None, region: str = "us-west-1",
                allow_real_aws: bool = False, in_process: bool = False,
                start_localstack: bool = True) -> Iterator[targets.Target]:
    """Yield a usable target; stop what was started for it afterwards.

    `embedded` (the default) with no endpoint starts a stack: in this process (`in_process`, the CLI) or in a
    child process (pytest, where moto's `mock_aws` would reset an in-process stack's state).
    """
    if name == "aws":
        yield targets.resolve("aws", region=region, allow_real_aws=allow_real_aws)
    elif name == "localstack":
        from . import localstack

        with localstack.session(endpoint_url or targets.localstack_url(), start_if_needed=start_localstack) as found:
            if found.url is None:
                raise TargetUnavailable(found.reason)
            target = targets.localstack(found.url, region)
            localstack.wait_ready(target)
            yield target
    elif endpoint_url:
        _require_listener(endpoint_url)
        yield targets.embedded(endpoint_url, region)
    elif in_process:
        from .emulator.server import EmbeddedStack

        with EmbeddedStack(port=0, region=region) as stack:
            yield targets.embedded(stack.url, region)
    else:
        from .emulator.process import StackProcess

        with StackProcess(region=region) as proc:
            yield targets.embedded(proc.url, region)
