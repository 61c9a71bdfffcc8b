"""moto's own server application as the last handler of the front's chain, and what else the front asks of moto.

`MotoApp` answers every AWS call no handler before it answered, through moto's DomainDispatcherApplication (one
Flask app per service; the app for a signing service and `X-Amz-Target` prefix is found once and remembered); an
exception inside moto on a Lambda or API Gateway call is refused in that service's words
(moto_changes/moto_failures.py). `account_of` names the account of an access key (moto's IAM; moto's default account
for an unsigned call); `reset` empties every moto backend, as moto's own `/moto-api/reset` does.
Left out: S3-style virtual-host routing and other services' special URLs beyond what moto's dispatcher does.
"""
from __future__ import annotations

import threading
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import get_account_id_from
from moto.server import DomainDispatcherApplication, create_backend_app

from ..front.exchange import Answer, Exchange
from .moto_changes.moto_failures import moto_failed


class MotoApp:
    """The chain's last handler: moto answers."""

    def __init__(self) -> None:
        self._dispatcher = DomainDispatcherApplication(create_backend_app)
        self._apps: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        environ = exchange.environ
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return lambda data: None  # moto returns its body

        try:
            result = self._app(exchange)(environ, capture)
        except Exception as error:  # moto failed: a Lambda/API Gateway call is refused as AWS would
            refusal = moto_failed(exchange, error)
            if refusal is None:
                raise
            raise refusal from None
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured
        exchange.answer = Answer(int(status.split(" ", 1)[0]), list(headers), body)

    def _app(self, exchange: Exchange) -> Any:
        scope = exchange.scope
        if scope is None or exchange.path.startswith("/moto-api"):
            return self._dispatcher.get_application(exchange.environ)
        key = f"{scope[2]}/{exchange.target.partition('.')[0]}"
        app = self._apps.get(key)
        if app is None:
            app = self._dispatcher.get_application(exchange.environ)
            with self._lock:
                self._apps[key] = app
        return app

    @staticmethod
    def account_of(access_key: str | None) -> str:
        """The account an access key belongs to (moto's default account for an unsigned call)."""
        return DEFAULT_ACCOUNT_ID if access_key is None else get_account_id_from(access_key)

    @staticmethod
    def reset() -> None:
        """Empty every moto backend (what moto's `/moto-api/reset` does)."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
