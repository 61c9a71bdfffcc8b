"""Where moto's Lambda control plane is not AWS's, corrected around its calls (see around_moto.py) or, for one
bug in its request handling, where it is (`read_revision_id_as_text`, applied once).

GetFunction shows a reserved concurrency of 0 (moto leaves `Concurrency` out when it is 0); DeleteFunction
retires the function's workers (they would otherwise idle until the reaper); RemovePermission gives the policy a
new RevisionId, as AWS does on every policy change (moto keeps the old one), and takes a `RevisionId` (moto read
the parameter as its list of values, so any RevisionId answered PreconditionFailedException); AddPermission
answers 201 Created (moto 200), and 409 ResourceConflictException to a statement id the policy already holds
(moto adds a second statement with that id).
Left out: permission checks on who calls the Lambda API.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ...aws_errors import AwsError
from ...front.exchange import Exchange
from .around_moto import Correction, answer_json, request_dict

if TYPE_CHECKING:
    from ..plane import ControlPlane

_FUNCTION = r"^/2015-03-31/functions/(?P<name>[^/]+)"


def lambda_corrections(control: ControlPlane) -> tuple[Correction, ...]:
    """The corrections of moto's Lambda calls, reading and writing through `control`."""
    fixes = _LambdaFixes(control)
    return (
        Correction("GET", re.compile(_FUNCTION + r"/?$"), after=fixes.show_zero_concurrency),
        Correction("DELETE", re.compile(_FUNCTION + r"/?$"), after=fixes.retire_workers),
        Correction("DELETE", re.compile(_FUNCTION + r"/policy/(?P<sid>[^/]+)/?$"), before=fixes.note_policies,
                   after=fixes.renew_revisions),
        Correction("POST", re.compile(_FUNCTION + r"/policy/?$"), before=fixes.refuse_statement_in_use,
                   after=fixes.answer_created),
    )


class _LambdaFixes:
    def __init__(self, control: ControlPlane) -> None:
        self.control = control

    def show_zero_concurrency(self, exchange: Exchange) -> None:
        """GetFunction: `Concurrency` of a function throttled to 0, as AWS shows it."""
        got = answer_json(exchange)
        arn = (got.get("Configuration") or {}).get("FunctionArn") if isinstance(got, dict) else None
        if not isinstance(arn, str) or "Concurrency" in got:
            return
        fn = self.control.get_function(arn, "", "")
        if fn is not None and fn.reserved_concurrency == 0:
            _replace_body(exchange, {**got, "Concurrency": {"ReservedConcurrentExecutions": 0}})

    def retire_workers(self, exchange: Exchange) -> None:
        """DeleteFunction: the function's workers go too."""
        self.control.function_deleted(exchange.params["name"])

    def note_policies(self, exchange: Exchange) -> None:
        """RemovePermission, before moto: the policies that hold the statement now."""
        exchange.note = self.control.policies_with_statement(exchange.params["name"], exchange.params["sid"])

    def renew_revisions(self, exchange: Exchange) -> None:
        """RemovePermission, after moto: each policy that lost the statement gets a new RevisionId."""
        self.control.renew_policy_revisions(exchange.note or [], exchange.params["sid"])

    def refuse_statement_in_use(self, exchange: Exchange) -> None:
        """AddPermission, before moto: 409 for a statement id the policy (of the qualifier asked) holds."""
        sid = request_dict(exchange).get("StatementId")
        name, qualifier = exchange.params["name"], exchange.query().get("Qualifier")
        if isinstance(sid, str) and self.control.has_statement(name, exchange.region, exchange.account, qualifier,
                                                                sid):
            raise AwsError(409, "ResourceConflictException",
                           f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
                           "or remove the existing statement.")

    @staticmethod
    def answer_created(exchange: Exchange) -> None:
        """AddPermission: 201 Created, as AWS answers."""
        assert exchange.answer is not None
        exchange.answer = exchange.answer._replace(status=201)


def _replace_body(exchange: Exchange, document: Any) -> None:
    assert exchange.answer is not None
    exchange.answer = exchange.answer._replace(body=json.dumps(document).encode())


def read_revision_id_as_text() -> None:
    """moto's RemovePermission compares its `RevisionId` query parameter, read as moto's list of values, with the
    policy's revision: the first value is compared instead (applied once)."""
    from moto.awslambda.responses import LambdaResponse

    if getattr(LambdaResponse.remove_permission, "_harness", False):
        return
    original = LambdaResponse.remove_permission

    def remove_permission(self: Any) -> Any:
        revision = self.querystring.get("RevisionId")
        if isinstance(revision, list):
            self.querystring["RevisionId"] = revision[0] if revision else ""
        return original(self)

    remove_permission._harness = True  # type: ignore[attr-defined]
    LambdaResponse.remove_permission = remove_permission
