"""Which deployed stack a scenario runs against: the base stack, or a variant with the scenario's `stack` overrides.

`StackProvider.acquire(overrides)` returns the `StackOutputs` to use; `release()` tears down every variant it
created (and the base stack when asked to), collecting errors instead of stopping at the first. The runner
calls `release()` in a `finally`, so variants go away even when a step, a deployment or the run itself fails.
`DeployingStacks` deploys the base once (unless its outputs are given) and one variant per distinct override
set, keyed by the fingerprint of the resulting settings and named with the prefix `v<fingerprint>-` (plus
`<variant_tag>-` when given: processes sharing one endpoint, e.g. pytest-xdist workers on LocalStack, must
pass distinct tags or they would deploy and destroy the same variant).
`FixedStack` serves one pre-deployed stack and refuses overrides (such scenarios are skipped).
`TemplateStacks` serves a template's stack and, per override set, a variant of the template (the overrides
patched into its resources, every name prefixed: deploy/template_variant.py) deployed as its own stack.
Left out: sharing variants between processes (each pytest-xdist worker deploys its own), parallel deploys.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Protocol

from ..clients import Clients
from ..deploy import StackOutputs, StackSettings, deploy, destroy, observe
from ..deploy.template_deploy import TemplatePlan, deploy_variant
from ..deploy.template_outputs import stack_outputs
from ..deploy.template_stack import destroy_template
from ..deploy.template_variant import TEMPLATE_ONLY_KEYS, overrides_fingerprint
from ..deploy.template_variant import VariantUnsupported as Unsupported

log = logging.getLogger(__name__)

UrlFor = Callable[[str, str, str], str]


class VariantUnsupported(RuntimeError):
    """This provider cannot deploy a variant (the scenario is skipped with this message)."""


class StackError(RuntimeError):
    """Deploying a stack failed (the item fails with this message)."""


class StackProvider(Protocol):
    def acquire(self, overrides: Mapping[str, Any]) -> StackOutputs: ...

    def runtime(self, overrides: Mapping[str, Any]) -> str | None:
        """The runtime of the function the stack for `overrides` has (None: not known)."""

    def release(self) -> list[str]: ...


class FixedStack:
    """A stack deployed elsewhere (e.g. `harness deploy` wrote its outputs); nothing to tear down."""

    def __init__(self, outputs: StackOutputs, runtime: str | None = None) -> None:
        self.outputs = outputs
        self._runtime = runtime

    def runtime(self, overrides: Mapping[str, Any]) -> str | None:
        return self._runtime

    def acquire(self, overrides: Mapping[str, Any]) -> StackOutputs:
        if overrides:
            raise VariantUnsupported("stack overrides need a deployable stack; this run uses a pre-deployed one")
        return self.outputs

    def release(self) -> list[str]:
        return []


def _stack_exists(settings: StackSettings, clients: Clients) -> bool:
    """True when any part of the stack is already on the endpoint (deployed by someone else, or earlier)."""
    seen = observe(settings, clients)
    return bool(seen.function_arn or seen.api_id or seen.tables or seen.role_arn)


class DeployingStacks:
    """Deploy the base stack once and a variant per override set; `release()` destroys the variants."""

    def __init__(self, base: StackSettings, clients: Clients, *, url_for: UrlFor | None = None,
                 base_outputs: StackOutputs | None = None, destroy_base: bool = False, variant_tag: str = "",
                 deploy_fn: Callable[..., StackOutputs] = deploy, destroy_fn: Callable[..., Any] = destroy,
                 exists_fn: Callable[[StackSettings, Clients], bool] | None = None) -> None:
        self.base = base
        self.clients = clients
        self.url_for = url_for
        self.destroy_base = destroy_base
        self.variant_tag = variant_tag
        self._deploy = deploy_fn
        self._destroy = destroy_fn
        self._exists = exists_fn or _stack_exists
        self._base_outputs = base_outputs
        self._base_was_there = False  # the base stack existed before this run: never destroy it
        self._variants: dict[str, StackSettings] = {}  # fingerprint -> settings (recorded before deploying)
        self._outputs: dict[str, StackOutputs] = {}
        self._failed: dict[str, str] = {}

    def variant_settings(self, overrides: Mapping[str, Any]) -> StackSettings:
        """The settings of the variant for `overrides` (ValueError on an unknown override key)."""
        template_only = sorted(k for k in overrides if k in TEMPLATE_ONLY_KEYS)
        if template_only:
            raise VariantUnsupported(f"stack override {', '.join(template_only)} applies to template stacks only")
        changed = self.base.with_overrides(overrides)
        tag = f"{self.variant_tag}-" if self.variant_tag else ""
        return changed.with_prefix(f"v{changed.fingerprint()}-{tag}")

    def runtime(self, overrides: Mapping[str, Any]) -> str | None:
        """The base settings' runtime, or the one the overrides set (None when they do not apply)."""
        try:
            return self.base.with_overrides(overrides).runtime
        except (ValueError, TypeError, KeyError):
            return self.base.runtime

    def acquire(self, overrides: Mapping[str, Any]) -> StackOutputs:
        if not overrides:
            if self._base_outputs is None:
                if self.destroy_base:
                    self._base_was_there = self._exists(self.base, self.clients)
                self._base_outputs = self._deploy_or_fail(self.base, "base stack")
            return self._base_outputs
        settings = self.variant_settings(overrides)
        key = settings.fingerprint()
        if key in self._failed:
            raise StackError(self._failed[key])
        if key not in self._outputs:
            self._variants[key] = settings
            try:
                self._outputs[key] = self._deploy_or_fail(settings, f"variant {settings.stack_name}")
            except StackError as exc:
                self._failed[key] = str(exc)
                raise
        return self._outputs[key]

    def _deploy_or_fail(self, settings: StackSettings, what: str) -> StackOutputs:
        log.info("deploying %s", what)
        try:
            return self._deploy(settings, self.clients, url_for=self.url_for)
        except Exception as exc:
            raise StackError(f"deploying {what} failed: {exc}") from exc

    @property
    def variants(self) -> dict[str, StackSettings]:
        """The variants created so far (including half-deployed ones), by fingerprint."""
        return dict(self._variants)

    def release(self) -> list[str]:
        errors: list[str] = []
        targets = list(self._variants.values())
        if self.destroy_base and self._base_outputs is not None and not self._base_was_there:
            targets.append(self.base)
        for settings in targets:
            log.info("tearing down %s", settings.stack_name)
            try:
                self._destroy(settings, self.clients)
            except Exception as exc:
                log.warning("could not tear down %s: %s", settings.stack_name, exc)
                errors.append(f"tearing down {settings.stack_name} failed: {exc}")
        self._variants.clear()
        self._outputs.clear()
        self._failed.clear()
        return errors


class TemplateStacks:
    """A template's deployed stack, and a variant stack of the template per override set (always deleted)."""

    def __init__(self, plan: TemplatePlan, clients: Clients, base: StackOutputs, *, url_for: UrlFor,
                 variant_tag: str = "", deploy_fn: Callable[..., Any] | None = None,
                 destroy_fn: Callable[..., Any] | None = None) -> None:
        self.plan = plan
        self.clients = clients
        self.base = base
        self.url_for = url_for
        self.variant_tag = variant_tag
        self._deploy = deploy_fn or deploy_variant
        self._destroy = destroy_fn or destroy_template
        self._variants: dict[str, str] = {}  # fingerprint -> stack name (recorded before deploying)
        self._outputs: dict[str, StackOutputs] = {}
        self._failed: dict[str, Exception] = {}

    def variant_prefix(self, overrides: Mapping[str, Any]) -> str:
        tag = f"{self.variant_tag}-" if self.variant_tag else ""
        return f"v{overrides_fingerprint(overrides)}-{tag}"

    def acquire(self, overrides: Mapping[str, Any]) -> StackOutputs:
        if not overrides:
            return self.base
        prefix = self.variant_prefix(overrides)
        if prefix in self._failed:
            failed = self._failed[prefix]
            raise VariantUnsupported(str(failed)) if isinstance(failed, Unsupported) else StackError(str(failed))
        if prefix not in self._outputs:
            name = f"{prefix}{self.plan.stack_name}"
            log.info("deploying variant %s of %s", name, self.plan.stack_name)
            try:
                self._variants[prefix] = name
                done = self._deploy(self.plan, self.clients, self.base, overrides, prefix=prefix)
                self._outputs[prefix] = stack_outputs(done, self.base.region, self.url_for)
            except Unsupported as exc:
                self._failed[prefix] = exc
                raise VariantUnsupported(str(exc)) from exc
            except Exception as exc:
                self._failed[prefix] = StackError(f"deploying variant {name} failed: {exc}")
                raise self._failed[prefix] from exc
        return self._outputs[prefix]

    def release(self) -> list[str]:
        errors: list[str] = []
        for name in self._variants.values():
            log.info("tearing down %s", name)
            try:
                self._destroy(self.clients, name)
            except Exception as exc:
                log.warning("could not tear down %s: %s", name, exc)
                errors.append(f"tearing down {name} failed: {exc}")
        self._variants.clear()
        self._outputs.clear()
        self._failed.clear()
        return errors
