"""Where moto's Lambda control plane is not AWS's, corrected around its calls (see around_moto.py) or, for one bug in
its request handling, where it is (`read_revision_id_as_text`, applied once).

The function's lifecycle (states, RevisionId, LoggingConfig, `:$LATEST`, runtime and zip checks, GetAccountSettings)
is lambda_lifecycle.py's, its settings' refusals (reserved concurrency, event invoke configs) lambda_settings.py's.
GetFunction shows a reserved concurrency of 0 (moto leaves `Concurrency` out when it is
0); DeleteFunction retires the function's workers (they would otherwise idle until the reaper); RemovePermission
gives the policy a new RevisionId, as AWS does on every policy change (moto keeps the old one), takes a `RevisionId`
(moto read the parameter as its list of values, so any RevisionId answered PreconditionFailedException) and names a
statement the policy does not hold (404 "Statement <sid> is not found in resource policy."); a function named by
the ARN of another region is 404 "Functions from '<region>' are not reachable in this region ('<region>')", a
`name:qualifier` or qualified ARN with another `Qualifier` is 400 "The derived qualifier from the function name does
not match the specified qualifier.", DeleteFunction of `$LATEST` is 400 "$LATEST version cannot be deleted without
deleting the function." (recorded: test_get_function_wrong_region, test_ops_with_arn_qualifier_mismatch, November
2025; moto served the function of this region, or answered 404); AddPermission answers
201 Created (moto 200), and 409 ResourceConflictException to a statement id the policy already holds (moto adds a
second statement with that id). `lambda_error_shape` writes moto's error answers in Lambda's body (`Type`, and
`Message` or `message` as the model names it).
Left out: permission checks on who calls the Lambda API.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ...aws_errors import AwsError
from ...front.exchange import LAMBDA, Exchange, Handler
from .around_moto import Correction, answer_json, request_dict
from .lambda_lifecycle import LATEST_ENVIRON_KEY, LambdaLifecycle
from .lambda_settings import lambda_settings_checks

if TYPE_CHECKING:
    from ..plane import ControlPlane

_FUNCTION = r"^/2015-03-31/functions/(?P<name>[^/]+)"


def lambda_corrections(control: ControlPlane) -> tuple[Correction, ...]:
    """The corrections of moto's Lambda calls, reading and writing through `control` (the function's lifecycle:
    lambda_lifecycle.py)."""
    fixes = _LambdaFixes(control)
    life = LambdaLifecycle()
    named = [Correction(method, _NAMED, before=refuse_foreign_or_mismatched_name)
             for method in ("GET", "PUT", "POST", "DELETE")]
    return (
        *named,
        *lambda_settings_checks(),
        Correction("GET", re.compile(r"^/2016-08-19/account-settings/?$"), before=life.account_settings),
        Correction("GET", re.compile(r"^/2015-03-31/functions/?$"), after=life.listed),
        Correction("POST", re.compile(r"^/2015-03-31/functions/?$"), before=life.check_create, after=life.created),
        Correction("GET", re.compile(_FUNCTION + r"/?$"), before=life.strip_latest,
                   after=in_turn(life.shown, fixes.show_zero_concurrency)),
        Correction("GET", re.compile(_FUNCTION + r"/configuration/?$"), before=life.strip_latest, after=life.shown),
        Correction("PUT", re.compile(_FUNCTION + r"/configuration/?$"), before=life.check_update_configuration,
                   after=life.updated),
        Correction("PUT", re.compile(_FUNCTION + r"/code/?$"), before=life.check_update_code, after=life.updated),
        Correction("POST", re.compile(_FUNCTION + r"/versions/?$"), before=life.check_publish),
        Correction("DELETE", re.compile(_FUNCTION + r"/?$"), after=fixes.retire_workers),
        Correction("DELETE", re.compile(_FUNCTION + r"/policy/(?P<sid>[^/]+)/?$"),
                   before=in_turn(fixes.refuse_missing_statement, fixes.note_policies), after=fixes.renew_revisions),
        Correction("POST", re.compile(_FUNCTION + r"/policy/?$"), before=fixes.refuse_statement_in_use,
                   after=fixes.answer_created),
    )


_NAMED = re.compile(r"^/20\d\d-\d\d-\d\d/functions/(?P<name>[^/]+)(?P<rest>(?:/.*)?)$")


def refuse_foreign_or_mismatched_name(exchange: Exchange) -> None:
    """Any call naming a function: Lambda's refusal of another region's ARN, of a qualifier that contradicts the
    one in the name, and of deleting `$LATEST` alone (recorded, see the module's docstring)."""
    name = exchange.params["name"]
    parts = name.split(":")
    derived = None
    if name.startswith("arn:") and len(parts) >= 7:
        if parts[3] and parts[3] != exchange.region:
            raise AwsError(404, "ResourceNotFoundException",
                           f"Functions from '{parts[3]}' are not reachable in this region ('{exchange.region}')")
        derived = parts[7] if len(parts) == 8 else None
    elif len(parts) == 2:
        derived = parts[1]
    if exchange.environ.get(LATEST_ENVIRON_KEY):  # `:$LATEST` was taken off the path (lambda_lifecycle.bare_latest)
        derived = "$LATEST"
    qualifier = exchange.query().get("Qualifier")
    if derived and qualifier and derived != qualifier:
        raise AwsError(400, "InvalidParameterValueException",
                       "The derived qualifier from the function name does not match the specified qualifier.")
    if exchange.method == "DELETE" and not exchange.params["rest"].strip("/") \
            and (qualifier or derived) == "$LATEST":
        raise AwsError(400, "InvalidParameterValueException",
                       "$LATEST version cannot be deleted without deleting the function.")


def in_turn(*handlers: Handler) -> Handler:
    """One chain handler running `handlers` one after the other."""

    def run(exchange: Exchange) -> None:
        for handler in handlers:
            handler(exchange)

    return run


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

    def refuse_missing_statement(self, exchange: Exchange) -> None:
        """RemovePermission, before moto: a policy without the statement is Lambda's 404 naming the statement
        (LocalStack's recorded AWS answers: remove_permission_exception_nonexisting_sid); without any policy,
        moto's "No policy is associated with the given resource." is AWS's too."""
        name, sid = exchange.params["name"], exchange.params["sid"]
        qualifier = exchange.query().get("Qualifier")
        statements = self.control.statement_ids(name, exchange.region, exchange.account, qualifier)
        if statements and sid not in statements:
            raise AwsError(404, "ResourceNotFoundException", f"Statement {sid} is not found in resource policy.")

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


def lambda_error_shape(exchange: Exchange) -> None:
    """Response handler: moto's Lambda error answers (`{"__type", "message"}`) in the body Lambda sends
    (`Type` and the message under its model's key, aws_errors.AwsError.lambda_body)."""
    answer = exchange.answer
    if answer is None or answer.status < 400 or exchange.protocol != LAMBDA:
        return
    try:
        document = json.loads(answer.body) if answer.body else None
    except ValueError:
        return
    if not isinstance(document, dict) or "Type" in document:
        return
    message = document.get("message", document.get("Message"))
    headers = {k.lower(): v for k, v in answer.headers}
    code = headers.get("x-amzn-errortype") or str(document.get("__type", "")).rpartition("#")[2]
    if not isinstance(message, str) or not code:
        return
    error = AwsError(answer.status, code.split(":", 1)[0], message)
    kept = [(k, v) for k, v in answer.headers if k.lower() not in ("content-type", "x-amzn-errortype")]
    exchange.answer = answer._replace(headers=[*kept, *error.lambda_headers().items()], body=error.lambda_body())

