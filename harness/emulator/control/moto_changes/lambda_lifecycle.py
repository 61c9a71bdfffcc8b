"""A Lambda function's life as AWS shows it, kept on moto's function object and written into moto's answers.

- CreateFunction answers `State: Pending` ("The function is being created.", `Creating`); the function is
  `Active` from the next call that touches it. UpdateFunctionConfiguration/UpdateFunctionCode answer
  `LastUpdateStatus: InProgress` (reason "The function is being created.", code `Creating`, as recorded), then
  `Successful` once something reads or runs the function (GetFunction, GetFunctionConfiguration, ListFunctions,
  an invocation: `settle`). Each of these steps gives the function a new `RevisionId` (moto keeps none of its own).
- While an update is `InProgress`, another UpdateFunctionConfiguration, UpdateFunctionCode or PublishVersion is 409
  ResourceConflictException "The operation cannot be performed at this time. An update is in progress for
  resource: <function ARN>" (recorded: test_lambda_concurrent_code_updates, test_lambda_concurrent_config_updates).
- `RevisionId` is honoured by UpdateFunctionConfiguration, UpdateFunctionCode and PublishVersion: another
  revision is 412 PreconditionFailedException.
- Descriptions carry `LoggingConfig` (Text, `/aws/lambda/{name}`, or what was set), `RuntimeVersionConfig`
  and `Environment: {"Variables": {}}` when one was given empty (moto drops it).
- `name:$LATEST` (and `Qualifier=$LATEST`) reaches moto as the bare name (moto's routes refuse `$`); the answer
  names the function ARN with `:$LATEST`, as AWS does.
- CreateFunction/UpdateFunctionConfiguration refuse a runtime Lambda does not take, and CreateFunction/
  UpdateFunctionCode a ZipFile that is no zip, with Lambda's InvalidParameterValueException.
- GetAccountSettings (moto has none) answers Lambda's default quotas and this account's usage.
Sources: LocalStack's recorded AWS answers, tests/aws/services/lambda_/test_lambda_api.snapshot.json
(test_function_lifecycle, test_create_lambda_exceptions, test_invalid_zip, test_account_settings,
test_lambda_concurrent_code_updates, recorded November 2025); Lambda quotas: docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
Left out: container images, SnapStart, the time AWS takes (the step to Active happens at the next call, the end of
an update at the next read), AWS's refusal of an update while the function is still `Pending` (its wording is not
recorded: a call during `Pending` makes the function Active).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import uuid
import zipfile
from datetime import datetime, timezone
from typing import Any

from moto.awslambda.models import lambda_backends

from ...aws_errors import AwsError
from ...front.exchange import Answer, Exchange
from .around_moto import answer_json, request_dict

#: The runtimes AWS lists when it refuses one (its own order; recorded 25-11-2025, test_create_lambda_exceptions).
SUPPORTED_RUNTIMES = (
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x", "nodejs22.x", "java25",
    "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4", "ruby3.2", "python3.8", "python3.9", "java17",
    "nodejs16.x", "dotnet10", "dotnet8", "java11", "dotnet6", "nodejs18.x", "provided.al2", "java8.al2")
#: Runtimes Lambda no longer takes for new or updated functions (docs: lambda-runtimes.html#runtimes-deprecated;
#: several recorded in test_lambda_api.snapshot.json's deprecated-runtime cases).
DEPRECATED_RUNTIMES = frozenset({
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "java8", "python2.7", "python3.6", "python3.7", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
    "dotnetcore3.1", "go1.x", "ruby2.5", "ruby2.7", "provided"})
CREATING = ("The function is being created.", "Creating")
#: Lambda's default quotas (gettingstarted-limits.html): 75 GB of code, 50 MB zipped, 250 MB unzipped, 1,000
#: concurrent executions.
ACCOUNT_LIMITS = {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                  "ConcurrentExecutions": 1000}
LATEST = ":$LATEST"


def _model_runtimes() -> frozenset[str]:
    import botocore.session

    return frozenset(botocore.session.get_session().get_service_model("lambda").shape_for("Runtime").enum)


_RUNTIMES: frozenset[str] | None = None


def check_runtime(runtime: Any) -> None:
    """Lambda's refusal of a runtime it does not take (a layer-style ARN is left to moto)."""
    global _RUNTIMES
    if not isinstance(runtime, str) or runtime.startswith("arn:"):
        return
    if _RUNTIMES is None:
        _RUNTIMES = _model_runtimes() | frozenset(SUPPORTED_RUNTIMES)
    if runtime in DEPRECATED_RUNTIMES:
        raise AwsError(400, "InvalidParameterValueException",
                       f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
                       "Lambda functions. We recommend you use a supported runtime while creating or updating "
                       "functions.")
    if runtime not in _RUNTIMES:
        raise AwsError(400, "InvalidParameterValueException",
                       f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value "
                       f"set: [{', '.join(SUPPORTED_RUNTIMES)}] or be a valid ARN")


def check_zip(encoded: Any) -> None:
    """Lambda's refusal of a ZipFile (base64 in the request) that is no zip archive."""
    if not isinstance(encoded, str):
        return
    try:
        raw = base64.b64decode(encoded, validate=True)
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            archive.infolist()
    except (binascii.Error, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile, OSError):
        raise AwsError(400, "InvalidParameterValueException",
                       "Could not unzip uploaded file. Please check your file, then try to upload again.") from None


def _function(exchange: Exchange, name: str | None = None) -> Any:
    """moto's function object of the call (its $LATEST), or None."""
    name = name if name is not None else exchange.params.get("name", "")
    name = name[:-len(LATEST)] if name.endswith(LATEST) else name
    region, account = exchange.region, exchange.account
    if name.startswith("arn:"):
        parts = name.split(":")
        if len(parts) >= 7:
            region, account, name = parts[3], parts[4], parts[6]
    try:
        return lambda_backends[account][region].get_function(name)
    except Exception:  # moto's UnknownFunctionException, or an account/region not in use
        return None


def settle(fn: Any) -> None:
    """The function's pending step is over (Active / Successful), with a new revision (`fn`: moto's function)."""
    if getattr(fn, "harness_phase", None) is not None:
        fn.harness_phase = None
        fn.harness_revision = str(uuid.uuid4())


def _revision(fn: Any) -> str:
    revision = getattr(fn, "harness_revision", None)
    if revision is None:
        revision = fn.harness_revision = str(uuid.uuid4())
    return revision


def describe(fn: Any, config: dict[str, Any], *, latest: bool = False) -> dict[str, Any]:
    """moto's configuration of `fn` with what AWS shows beside it."""
    phase = getattr(fn, "harness_phase", None)
    config = dict(config)
    config["RevisionId"] = _revision(fn)
    if phase == "creating":
        config.update(State="Pending", StateReason=CREATING[0], StateReasonCode=CREATING[1])
        config.pop("LastUpdateStatus", None)
    else:
        config["State"] = "Active"
        for key in ("StateReason", "StateReasonCode"):
            config.pop(key, None)
        if phase == "updating":
            config.update(LastUpdateStatus="InProgress", LastUpdateStatusReason=CREATING[0],
                          LastUpdateStatusReasonCode=CREATING[1])
        else:
            config["LastUpdateStatus"] = "Successful"
    name = config.get("FunctionName") or fn.function_name
    modified = getattr(fn, "harness_modified", None)
    if modified is not None:
        config["LastModified"] = modified
    elif isinstance(config.get("LastModified"), str):
        config["LastModified"] = aws_time(config["LastModified"])
    logging = getattr(fn, "harness_logging", None) or {}
    config["LoggingConfig"] = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}", **logging}
    runtime = config.get("Runtime")
    if isinstance(runtime, str) and runtime:
        digest = hashlib.sha256(runtime.encode()).hexdigest()
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": f"arn:aws:lambda:{fn.region}::runtime:{digest}"}
    if getattr(fn, "harness_environment_given", False) and "Environment" not in config:
        config["Environment"] = {"Variables": {}}
    for key in ("VpcConfig", "KMSKeyArn", "SigningProfileVersionArn", "SigningJobArn"):
        if config.get(key) in (None, {}, ""):
            config.pop(key, None)
    arn = config.get("FunctionArn")
    if latest and isinstance(arn, str) and arn.count(":") == 6:
        config["FunctionArn"] = arn + LATEST
    return config


LATEST_ENVIRON_KEY = "harness.lambda_latest"
_LATEST_IN_PATH = re.compile(
    r"^(?P<head>/20\d\d-\d\d-\d\d/functions/[^/]+?)(?::\$|%3A%24|:%24|%3A\$)LATEST(?P<tail>/.*)?$", re.IGNORECASE)


def bare_latest(exchange: Exchange) -> None:
    """Request handler: `name:$LATEST` in a Lambda path reaches moto as the bare name (moto's routes refuse `$`;
    `$LATEST` is the unqualified function), noted in the environ for the answer's ARN."""
    path = exchange.path
    if "LATEST" not in path or not path.startswith("/20"):
        return
    match = _LATEST_IN_PATH.match(path)
    if match is None:
        return
    bare = match["head"] + (match["tail"] or "")
    exchange.environ["PATH_INFO"] = exchange.path = bare
    exchange.environ[LATEST_ENVIRON_KEY] = True
    for key in ("RAW_URI", "REQUEST_URI"):
        if key in exchange.environ:
            query = exchange.environ.get("QUERY_STRING")
            exchange.environ[key] = bare + (f"?{query}" if query else "")


def aws_time(moto_text: str) -> str:
    """moto's `2026-12-03T06:02:38.033109000Z` as Lambda writes it: `2026-12-03T06:02:38.033+0000` (AWS Lambda
    API reference, FunctionConfiguration.LastModified, "YYYY-MM-DDThh:mm:ss.sTZD")."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(?:Z|\+00:?00)$", moto_text)
    if match is None:
        return moto_text
    return f"{match[1]}.{(match[2] or '0').ljust(3, '0')[:3]}+0000"


def now_text() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


def _replace(exchange: Exchange, document: Any) -> None:
    assert exchange.answer is not None
    exchange.answer = exchange.answer._replace(body=json.dumps(document).encode())


class LambdaLifecycle:
    """The chain handlers (before/after moto) that keep and show a function's lifecycle."""

    # ---- before moto ---------------------------------------------------------------------------------

    @staticmethod
    def strip_latest(exchange: Exchange) -> None:
        """Note whether the call named `$LATEST` (`name:$LATEST`, already made bare by `bare_latest`, or
        `Qualifier=$LATEST`): the answer then names the ARN with `:$LATEST`."""
        exchange.note = {"latest": bool(exchange.environ.get(LATEST_ENVIRON_KEY))
                         or exchange.query().get("Qualifier") == "$LATEST"}

    @staticmethod
    def check_create(exchange: Exchange) -> None:
        request = request_dict(exchange)
        name = request.get("FunctionName")
        if isinstance(name, str) and ":" not in name and len(name) > 64:  # a name, not an ARN: 64 at most
            raise AwsError(400, "ValidationException",
                           f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
                           "constraint: Member must have length less than or equal to 64")
        check_runtime(request.get("Runtime"))
        check_zip((request.get("Code") or {}).get("ZipFile") if isinstance(request.get("Code"), dict) else None)

    def check_update_configuration(self, exchange: Exchange) -> None:
        self.strip_latest(exchange)
        request = request_dict(exchange)
        check_runtime(request.get("Runtime"))
        self._honour_revision(exchange, request.get("RevisionId"))

    def check_update_code(self, exchange: Exchange) -> None:
        self.strip_latest(exchange)
        request = request_dict(exchange)
        check_zip(request.get("ZipFile"))
        self._honour_revision(exchange, request.get("RevisionId"))

    def check_publish(self, exchange: Exchange) -> None:
        self._honour_revision(exchange, request_dict(exchange).get("RevisionId"))

    @staticmethod
    def _honour_revision(exchange: Exchange, revision: Any) -> None:
        fn = _function(exchange)
        if fn is None:
            return  # moto answers the missing function
        if getattr(fn, "harness_phase", None) == "updating":
            raise AwsError(409, "ResourceConflictException",
                           "The operation cannot be performed at this time. An update is in progress for resource: "
                           f"{fn.function_arn}")
        settle(fn)
        if isinstance(revision, str) and revision and revision != _revision(fn):
            raise AwsError(412, "PreconditionFailedException",
                           "The Revision Id provided does not match the latest Revision Id. Call the "
                           "GetFunction/GetAlias API to retrieve the latest Revision Id")

    @staticmethod
    def account_settings(exchange: Exchange) -> None:
        """GetAccountSettings: Lambda's default limits and what this account uses."""
        functions: list[Any] = []
        try:
            functions = list(lambda_backends[exchange.account][exchange.region].list_functions())
        except Exception:  # a backend not in use yet
            functions = []
        reserved = sum(int(getattr(fn, "reserved_concurrency", None) or 0) for fn in functions)
        total = sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions)
        document = {
            "AccountLimit": {**ACCOUNT_LIMITS,
                             "UnreservedConcurrentExecutions": ACCOUNT_LIMITS["ConcurrentExecutions"] - reserved},
            "AccountUsage": {"TotalCodeSize": total, "FunctionCount": len(functions)},
        }
        exchange.answer = Answer(200, [("Content-Type", "application/json")], json.dumps(document).encode())

    # ---- after moto ----------------------------------------------------------------------------------

    @staticmethod
    def created(exchange: Exchange) -> None:
        got = answer_json(exchange)
        fn = _function(exchange, str(got.get("FunctionName", ""))) if isinstance(got, dict) else None
        if fn is None:
            return
        request = request_dict(exchange)
        fn.harness_phase = "creating"
        fn.harness_revision = str(uuid.uuid4())
        fn.harness_logging = request.get("LoggingConfig") if isinstance(request.get("LoggingConfig"), dict) else None
        fn.harness_environment_given = isinstance(request.get("Environment"), dict)
        _replace(exchange, describe(fn, got))

    @staticmethod
    def updated(exchange: Exchange) -> None:
        got = answer_json(exchange)
        fn = _function(exchange)
        if fn is None or not isinstance(got, dict):
            return
        request = request_dict(exchange)
        if isinstance(request.get("LoggingConfig"), dict):
            fn.harness_logging = {**(getattr(fn, "harness_logging", None) or {}), **request["LoggingConfig"]}
        if isinstance(request.get("Environment"), dict):
            fn.harness_environment_given = True
        fn.harness_phase = "updating"
        fn.harness_revision = str(uuid.uuid4())
        fn.harness_modified = now_text()  # moto keeps the creation time
        _replace(exchange, describe(fn, got, latest=bool((exchange.note or {}).get("latest"))))

    @staticmethod
    def shown(exchange: Exchange) -> None:
        """GetFunction / GetFunctionConfiguration: the step to Active/Successful, then AWS's description."""
        got = answer_json(exchange)
        fn = _function(exchange)
        if fn is None or not isinstance(got, dict):
            return
        config = got.get("Configuration") if "Configuration" in got else got
        if not isinstance(config, dict) or config.get("Version", "$LATEST") != "$LATEST":
            return
        settle(fn)
        described = describe(fn, config, latest=bool((exchange.note or {}).get("latest")))
        _replace(exchange, {**got, "Configuration": described} if "Configuration" in got else described)

    @staticmethod
    def listed(exchange: Exchange) -> None:
        got = answer_json(exchange)
        if not isinstance(got, dict) or not isinstance(got.get("Functions"), list):
            return
        described = []
        for config in got["Functions"]:
            fn = _function(exchange, str(config.get("FunctionArn", ""))) if isinstance(config, dict) else None
            if fn is None or config.get("Version", "$LATEST") != "$LATEST":
                described.append(config)
                continue
            settle(fn)
            described.append(describe(fn, config))
        _replace(exchange, {**got, "Functions": described})
