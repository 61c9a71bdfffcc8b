"""`TemplateURL` on the embedded stack: a template uploaded to this endpoint's S3 and named by a path-style URL
of the endpoint itself (`http://127.0.0.1:4566/bucket/key`, what `sam deploy` and the AWS CLI build from
AWS_ENDPOINT_URL) is read from that bucket. moto read such a URL's host as a bucket name ("127") and answered
NoSuchBucket; it handled `localhost` and `s3.amazonaws.com` path-style URLs only.
Left out: fetching templates from any other host (AWS reads S3 URLs only, too).
"""
from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlparse

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _path_style(get: Callable[..., str]) -> Callable[..., str]:
    def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
        host = urlparse(template_url).hostname or ""
        if host in LOOPBACK or host.startswith("127.") or host.endswith(".localhost"):
            parts = urlparse(template_url)
            # moto's own path-style branch, chosen by the word "localhost" in the URL
            template_url = f"{parts.scheme}://localhost{parts.path}"
        return get(template_url, account_id=account_id, partition=partition)

    get_stack_from_s3_url._harness = True  # type: ignore[attr-defined]
    return get_stack_from_s3_url


def fix_template_urls() -> None:
    """Install into moto's CloudFormation responses (idempotent)."""
    from moto.cloudformation import responses

    current: Any = responses.get_stack_from_s3_url
    if not getattr(current, "_harness", False):
        responses.get_stack_from_s3_url = _path_style(current)
