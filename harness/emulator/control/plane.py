"""`ControlPlane`: typed access to moto's backends, deployment snapshots, and CloudWatch Logs (via `LogShipper`).

What it keeps beside moto (snapshots, where each API lives, policy statements, the log lines waiting) is part of
the stack's memory (stack_memory.py), so a reset empties it. Left out: state kept across restarts (state.py
keeps DynamoDB's).
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from moto.apigateway.models import apigateway_backends
from moto.awslambda.models import lambda_backends
from moto.core import DEFAULT_ACCOUNT_ID

from ..log_shipper import Lines
from .api_tree import api_tree, authorizer_snapshot
from .cognito_pools import user_pool_keys
from .iam_keys import iam_caller, role_policies
from .log_storage import LogStorage
from .moto_changes.lambda_lifecycle import settle
from ..snapshots import (
    ApiKeyUse,
    ApiTree,
    AuthorizerSnapshot,
    AsyncConfig,
    DeployedStage,
    FunctionConfig,
    IamCaller,
    RolePolicies,
    Throttle,
    UserPoolKeys,
)

if TYPE_CHECKING:
    from ..stack_memory import StackMemory

log = logging.getLogger(__name__)

TEST_INVOKE_STAGE = "test-invoke-stage"


def _accounts(backends: Any) -> Iterator[tuple[str, Any]]:
    for account_id in list(backends.keys()):
        yield account_id, backends[account_id]


class ControlPlane:
    """Typed access to moto's backends, plus deployment snapshots."""

    def __init__(self, memory: StackMemory | None = None) -> None:
        if memory is None:
            from ..stack_memory import StackMemory

            memory = StackMemory()
        self._snapshots = memory.deployments
        self._api_homes = memory.api_homes
        self._policies = memory.policies  # arn -> (policy, stamp, copy)
        self._lock = threading.Lock()
        self.logs = memory.log_lines
        self.log_storage = LogStorage()  # each log group's memory bounded, retention honoured
        self.logs.writer = self._write_log_lines
        self.on_function_deleted: list[Callable[[str], None]] = []  # called with the name or ARN deleted

    # ---- DynamoDB ------------------------------------------------------------------------------------

    @staticmethod
    def dynamodb_regions(account_id: str = DEFAULT_ACCOUNT_ID) -> list[str]:
        """The regions where `account_id` has at least one table (for saving the stack's state)."""
        from moto.dynamodb.models import dynamodb_backends

        if account_id not in dynamodb_backends:
            return []
        backends = dynamodb_backends[account_id]
        return sorted(region for region in list(backends.keys()) if backends[region].tables)

    # ---- Lambda -------------------------------------------------------------------------------------

    def _lambda_model(self, name_or_arn: str, region: str, account_id: str, qualifier: str | None = None) -> Any:
        backend = lambda_backends[account_id][region]
        try:
            return backend.get_function(name_or_arn, qualifier)
        except Exception:  # moto raises its own UnknownFunctionException
            return None

    def get_function(
        self, name_or_arn: str, region: str, account_id: str = DEFAULT_ACCOUNT_ID, qualifier: str | None = None
    ) -> FunctionConfig | None:
        """The function's current configuration, or None when it does not exist. Reading it to run it ends a
        pending create or update (lambda_lifecycle.settle), as a GetFunction does."""
        if name_or_arn.startswith("arn:"):
            parts = name_or_arn.split(":")
            if len(parts) >= 7:
                region, account_id = parts[3], parts[4]
        fn = self._lambda_model(name_or_arn, region, account_id, qualifier)
        if fn is None:
            return None
        if getattr(fn, "harness_phase", None) is not None:
            settle(fn)
        reserved = fn.reserved_concurrency
        return FunctionConfig(
            name=fn.function_name,
            arn=fn.function_arn,
            runtime=fn.run_time or "",
            handler=fn.handler or "",
            timeout=int(fn.timeout or 3),
            memory_size=int(fn.memory_size or 128),
            code_sha256=fn.code_sha_256,
            role=fn.role,
            region=fn.region,
            account_id=fn.account_id,
            environment=MappingProxyType(dict(fn.environment_vars or {})),
            reserved_concurrency=None if reserved is None else int(reserved),
            version=str(fn.version),
            layers=tuple(layer["Arn"] for layer in (getattr(fn, "layers", None) or [])),
        )

    def async_config(self, name: str, region: str, account_id: str, qualifier: str | None = None) -> AsyncConfig:
        """How the function's asynchronous invocations end: its event invoke configuration
        (PutFunctionEventInvokeConfig; moto appends each put, so the last one counts), else Lambda's defaults,
        2 retries within 6 hours and no destinations."""
        configs = getattr(self._lambda_model(name, region, account_id, qualifier), "event_invoke_config", None)
        if not configs:
            return AsyncConfig()
        config = configs[-1].config
        destinations = config.get("DestinationConfig") or {}
        return AsyncConfig(
            retries=int(config.get("MaximumRetryAttempts", 2)),
            max_age_s=float(config.get("MaximumEventAgeInSeconds", 21600)),
            on_success=(destinations.get("OnSuccess") or {}).get("Destination") or None,
            on_failure=(destinations.get("OnFailure") or {}).get("Destination") or None)

    def function_deleted(self, name_or_arn: str) -> None:
        """moto deleted a function: tell whoever keeps something of it (the Lambda runtime's workers)."""
        for listener in list(self.on_function_deleted):
            try:
                listener(name_or_arn)
            except Exception:  # a listener must not fail the call moto already answered
                log.exception("function-deleted listener failed for %s", name_or_arn)

    def function_code(self, fn: FunctionConfig) -> bytes:
        """The deployment package (zip bytes) of the function as it is now."""
        model = self._lambda_model(fn.arn, fn.region, fn.account_id)
        if model is None:
            raise LookupError(f"function {fn.arn} is gone")
        return bytes(model.code_bytes)

    def layer_code(self, fn: FunctionConfig, layer_arn: str) -> bytes:
        """The zip of one of the function's layer versions (LookupError when it is gone)."""
        parts = layer_arn.split(":")
        region, account_id = (parts[3], parts[4]) if len(parts) >= 7 else (fn.region, fn.account_id)
        layer = lambda_backends[account_id][region].layers_versions_by_arn(layer_arn)
        if layer is None or getattr(layer, "code_bytes", None) is None:
            raise LookupError(f"layer {layer_arn} is gone")
        return bytes(layer.code_bytes)

    def policies_with_statement(self, name_or_arn: str, sid: str) -> list[Any]:
        """moto's policy objects of the functions called `name_or_arn` (any region and account in use) that
        hold statement `sid` now."""
        found = []
        for _, regions in _accounts(lambda_backends):
            for region in list(regions.keys()):
                try:
                    model = regions[region].get_function(name_or_arn)
                except Exception:  # moto raises its own UnknownFunctionException (or rejects a foreign ARN)
                    continue
                if _holds(model.policy, sid):
                    found.append(model.policy)
        return found

    def has_statement(self, name_or_arn: str, region: str, account_id: str, qualifier: str | None, sid: str) -> bool:
        """True when the policy of this function (or of its version/alias `qualifier`) holds statement `sid`."""
        model = self._lambda_model(name_or_arn, region, account_id, qualifier)
        return model is not None and _holds(model.policy, sid)

    def statement_ids(self, name_or_arn: str, region: str, account_id: str, qualifier: str | None) -> list[str]:
        """The statement ids in the policy of this function (or of its version/alias); [] when it has none."""
        model = self._lambda_model(name_or_arn, region, account_id, qualifier)
        if model is None:
            return []
        return [str(st.get("Sid")) for st in model.policy.statements if isinstance(st, dict)]

    @staticmethod
    def renew_policy_revisions(policies: list[Any], sid: str) -> None:
        """RemovePermission happened: each policy that lost `sid` gets a new RevisionId, as on AWS (moto keeps
        the old one)."""
        for policy in policies:
            if not _holds(policy, sid):
                policy.revision = str(uuid.uuid4())

    def function_policy(self, fn: FunctionConfig) -> list[dict[str, Any]]:
        """The statements of the function's resource-based policy (empty when it has none).

        Read-only: while the policy stays the same, the same list is returned (so a caller may remember what
        it concluded from it, by identity; AddPermission/RemovePermission make a new list).
        """
        model = self._lambda_model(fn.arn, fn.region, fn.account_id)
        if model is None:
            return []
        policy = model.policy
        # moto makes a new revision on AddPermission but not on RemovePermission: the statements' identities
        # tell that one
        stamp = (policy.revision, tuple(map(id, policy.statements)))
        known = self._policies.get(fn.arn)
        if known is not None and known[0] is policy and known[1] == stamp:
            return known[2]
        statements = [dict(s) for s in policy.statements]
        with self._lock:
            if len(self._policies) > 4096:
                self._policies.clear()
            self._policies[fn.arn] = (policy, stamp, statements)
        return statements

    # ---- API Gateway --------------------------------------------------------------------------------

    def locate_api(self, api_id: str) -> tuple[str, str] | None:
        """(account_id, region) of the REST API with this id, searching every backend already in use (the
        answer is remembered while the API exists: ids never move)."""
        known = self._api_homes.get(api_id)
        if known is not None and api_id in apigateway_backends[known[0]][known[1]].apis:
            return known
        for account_id, regions in _accounts(apigateway_backends):
            for region in list(regions.keys()):
                if api_id in regions[region].apis:
                    self._api_homes[api_id] = (account_id, region)
                    return account_id, region
        return None

    def api_key_use(self, api_id: str, stage: str, value: str) -> ApiKeyUse | None:
        """The enabled API key with this value that a usage plan of this API stage holds, with the plan's
        throttle and quota; None when there is none (unknown, disabled, or in no usage plan for the stage)."""
        where = self.locate_api(api_id)
        if where is None or not value:
            return None
        backend = apigateway_backends[where[0]][where[1]]
        keys = [k for k in list(backend.keys.values()) if k.value == value and k.enabled]
        if not keys:
            return None
        for plan_id, plan_keys in list(backend.usage_plan_keys.items()):
            plan = backend.usage_plans.get(plan_id)
            if plan is None or not any(s.get("apiId") == api_id and s.get("stage") == stage
                                       for s in plan.api_stages):
                continue
            for key in keys:
                if key.id in plan_keys:
                    return _key_use(key.id, plan)
        return None

    def authorizer(self, api_id: str, authorizer_id: str) -> AuthorizerSnapshot | None:
        """An authorizer of the API as it is now (TestInvokeAuthorizer), None when either does not exist."""
        api = self._api(api_id)
        found = None if api is None else api.authorizers.get(authorizer_id)
        return None if found is None else authorizer_snapshot(found)

    @staticmethod
    def iam_caller(access_key_id: str) -> IamCaller | None:
        """The IAM user of an access key, with its secret and policy statements (None when unknown)."""
        return iam_caller(access_key_id)

    @staticmethod
    def role_policies(role_arn: str) -> RolePolicies | None:
        """The trust and permission statements of the IAM role `role_arn` names (None when it does not exist)."""
        return role_policies(role_arn)

    @staticmethod
    def user_pool_keys(pool_arn: str) -> UserPoolKeys | None:
        """How to verify the tokens of the Cognito user pool `pool_arn` names (None when it does not exist)."""
        return user_pool_keys(pool_arn)

    def _api(self, api_id: str) -> Any:
        where = self.locate_api(api_id)
        if where is None:
            return None
        account_id, region = where
        return apigateway_backends[account_id][region].apis.get(api_id)

    def snapshot_deployment(self, api_id: str, deployment_id: str) -> None:
        """Freeze the API's current resource tree as the content of `deployment_id`."""
        api = self._api(api_id)
        if api is None:
            return
        frozen = api_tree(api)
        with self._lock:
            self._snapshots[(api_id, deployment_id)] = frozen

    def deployed_stage(self, api_id: str, stage_name: str) -> DeployedStage | None:
        """The stage as deployed, or None when the API or the stage does not exist.

        A deployment made without passing through the emulator's front (so never snapshotted) is
        snapshotted at first use.
        """
        api = self._api(api_id)
        if api is None:
            return None
        stage = api.stages.get(stage_name)
        if stage is None:
            return None
        deployment_id = stage.deployment_id
        key = (api_id, deployment_id)
        with self._lock:
            tree = self._snapshots.get(key)
        if tree is None:
            self.snapshot_deployment(api_id, deployment_id)
            with self._lock:
                tree = self._snapshots.get(key, ApiTree())
        variables = dict(stage.variables or {})
        deployed = self._stage(api, stage_name, deployment_id, tree, variables or None)
        throttling = _throttling(getattr(stage, "method_settings", None))
        return dataclasses.replace(deployed, throttling=throttling) if throttling else deployed

    def live_stage(self, api_id: str) -> DeployedStage | None:
        """The API's current (undeployed) tree, as TestInvokeMethod sees it, under `test-invoke-stage`."""
        api = self._api(api_id)
        if api is None:
            return None
        return self._stage(api, TEST_INVOKE_STAGE, "test-invoke-deployment-id", api_tree(api), None)

    def binary_media_types(self, api_id: str) -> list[str] | None:
        api = self._api(api_id)
        return None if api is None else [t for t in (api.binaryMediaTypes or []) if t]

    def set_binary_media_types(self, api_id: str, types: list[str]) -> None:
        """Store the API's binary media types (moto drops them on create and mangles AWS's patch form)."""
        api = self._api(api_id)
        if api is not None:
            api.binaryMediaTypes = list(types)

    def endpoint_configuration(self, api_id: str) -> dict[str, Any] | None:
        api = self._api(api_id)
        return None if api is None else dict(api.endpoint_configuration or {})

    def set_endpoint_configuration(self, api_id: str, configuration: dict[str, Any]) -> None:
        """Store the API's endpoint configuration (moto's UpdateRestApi mangles AWS's patch form)."""
        api = self._api(api_id)
        if api is not None:
            api.endpoint_configuration = dict(configuration)

    def api_exists(self, api_id: str) -> bool:
        return self._api(api_id) is not None

    def _stage(
        self, api: Any, stage_name: str, deployment_id: str, tree: ApiTree, variables: dict[str, str] | None,
    ) -> DeployedStage:
        return DeployedStage(
            api_id=api.id,
            api_name=api.name,
            stage=stage_name,
            deployment_id=deployment_id,
            resources=tree.resources,
            models=tree.models,
            gateway_responses=tree.gateway_responses,
            api_key_source=str(getattr(api, "api_key_source", None) or "HEADER").upper(),
            binary_media_types=tuple(api.binaryMediaTypes or ()),
            stage_variables=MappingProxyType(variables) if variables else None,
            region=api.region_name,
            account_id=api.account_id,
        )

    # ---- CloudWatch Logs ----------------------------------------------------------------------------

    def put_log_lines(self, region: str, account_id: str, group: str, stream: str, lines: Lines) -> None:
        """Append (timestamp_ms, message) lines to a log stream, creating group and stream as needed.

        Written in the background when the stack has a moment (`log_shipper.py`), as on AWS a moment after
        the answer; `flush_logs()` writes them at once (the front's chain calls it before any Logs API call).
        """
        self.logs.put((region, account_id, group, stream), lines)

    def flush_logs(self) -> bool:
        """Write every waiting log line to CloudWatch Logs now, and apply the groups' retention policies."""
        self.logs.flush()
        self.log_storage.expire()
        return True

    def _write_log_lines(self, key: tuple[str, str, str, str], lines: list[tuple[int, str]]) -> None:
        self.log_storage.write(key, lines)


def _key_use(key_id: str, plan: Any) -> ApiKeyUse:
    throttle = plan.throttle or {}
    quota = plan.quota or {}
    rate, burst = throttle.get("rateLimit"), throttle.get("burstLimit")
    return ApiKeyUse(
        key_id=key_id, plan_id=plan.id,
        throttle=Throttle(rate=float(rate), burst=int(burst)) if rate is not None and burst is not None else None,
        quota_limit=int(quota["limit"]) if quota.get("limit") is not None else None,
        quota_period=str(quota.get("period") or "DAY").upper())


def _holds(policy: Any, sid: str) -> bool:
    """True when moto's policy object holds a statement with this Sid."""
    return any(isinstance(st, dict) and st.get("Sid") == sid for st in policy.statements)


def _throttling(method_settings: Any) -> dict[str, Throttle] | None:
    """The throttling of a stage's method settings (moto keeps AWS's keys: `*/*`, `~1db-api/ANY`)."""
    if not isinstance(method_settings, dict) or not method_settings:
        return None
    found = {}
    for key, settings in method_settings.items():
        if not isinstance(settings, dict):
            continue
        rate, burst = settings.get("throttlingRateLimit"), settings.get("throttlingBurstLimit")
        if rate is None and burst is None:
            continue
        try:
            found[str(key)] = Throttle(rate=max(float(rate if rate is not None else 10000.0), 0.0),
                                       burst=max(int(burst if burst is not None else 5000), 0))
        except (TypeError, ValueError):  # a setting moto took but no number: not throttled
            continue
    return found or None

