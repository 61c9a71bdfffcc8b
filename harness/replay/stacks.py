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


class _VariantCache:
    """The variants one provider deployed, by key: each deployed once, a failure kept and raised again for the
    same key, and every one (half-deployed ones included) torn down by `release`."""

    def __init__(self) -> None:
        self.made: dict[str, Any] = {}  # key -> what `release` destroys (recorded before deploying)
        self._outputs: dict[str, StackOutputs] = {}
        self._failed: dict[str, Exception] = {}

    def get(self, key: str, made: Any, deploy_it: Callable[[], StackOutputs]) -> StackOutputs:
        """The outputs for `key`, deploying with `deploy_it` the first time (its StackError or
        VariantUnsupported is kept for the key)."""
        if key in self._failed:
            raise self._failed[key]
        if key not in self._outputs:
            self.made[key] = made
            try:
                self._outputs[key] = deploy_it()
            except (StackError, VariantUnsupported) as exc:
                self._failed[key] = exc
                raise
        return self._outputs[key]

    def release(self, destroy_one: Callable[[Any], None], name_of: Callable[[Any], str],
                extra: tuple[Any, ...] = ()) -> list[str]:
        """Destroy every variant (then `extra`), collecting errors; forget them all."""
        errors: list[str] = []
        for made in (*self.made.values(), *extra):
            name = name_of(made)
            log.info("tearing down %s", name)
            try:
                destroy_one(made)
            except Exception as exc:
                log.warning("could not tear down %s: %s", name, exc)
                errors.append(f"tearing down {name} failed: {exc}")
        self.made.clear()
        self._outputs.clear()
        self._failed.clear()
        return errors


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
        self._variants = _VariantCache()  # by the settings' fingerprint

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
        return self._variants.get(settings.fingerprint(), settings,
                                  lambda: self._deploy_or_fail(settings, f"variant {settings.stack_name}"))

    def _deploy_or_fail(self, settings: StackSettings, what: str) -> StackOutputs:
        log.info("deploying %s", what)
        try:
            return self._deploy(settings, self.clients, url_for=self.url_for)
        except Exception as exc:
            raise StackError(f"deploying {what} failed: {exc}") from exc

    @property
    def variants(self) -> dict[str, StackSettings]:
        """The variants created so far (including half-deployed ones), by fingerprint."""
        return dict(self._variants.made)

    def release(self) -> list[str]:
        """Tear down every variant, and the base stack when this provider deployed it (once: a second release
        destroys nothing, a later acquire deploys the base again)."""
        base = self.destroy_base and self._base_outputs is not None and not self._base_was_there
        if base:
            self._base_outputs = None
        return self._variants.release(lambda settings: self._destroy(settings, self.clients),
                                      lambda settings: settings.stack_name, extra=(self.base,) if base else ())


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
        self._variants = _VariantCache()  # by prefix: stack names
        self._runtime: str | None = None
        self._runtime_asked = False

    def runtime(self, overrides: Mapping[str, Any]) -> str | None:
        """The runtime of the stack's function (the `FunctionName` output's, as the target reports it; asked
        once), or the one a `runtime` override sets; None when there is no such function or the target cannot
        say."""
        if overrides and overrides.get("runtime"):
            return str(overrides["runtime"])
        if not self._runtime_asked:
            self._runtime_asked = True
            if self.base.function_name:
                try:
                    config = self.clients("lambda").get_function_configuration(FunctionName=self.base.function_name)
                    self._runtime = config.get("Runtime") or None
                except Exception as exc:  # noqa: BLE001 - any failure leaves the runtime unknown, said in the log
                    log.info("the runtime of %s is unknown (%s): items use their default answers",
                             self.base.function_name, exc)
        return self._runtime

    def variant_prefix(self, overrides: Mapping[str, Any]) -> str:
        tag = f"{self.variant_tag}-" if self.variant_tag else ""
        return f"v{overrides_fingerprint(overrides)}-{tag}"

    def acquire(self, overrides: Mapping[str, Any]) -> StackOutputs:
        if not overrides:
            return self.base
        prefix = self.variant_prefix(overrides)
        name = f"{prefix}{self.plan.stack_name}"

        def deploy_it() -> StackOutputs:
            log.info("deploying variant %s of %s", name, self.plan.stack_name)
            try:
                done = self._deploy(self.plan, self.clients, self.base, overrides, prefix=prefix)
                return stack_outputs(done, self.base.region, self.url_for)
            except Unsupported as exc:
                raise VariantUnsupported(str(exc)) from exc
            except Exception as exc:
                raise StackError(f"deploying variant {name} failed: {exc}") from exc

        return self._variants.get(prefix, name, deploy_it)

    def release(self) -> list[str]:
        return self._variants.release(lambda name: self._destroy(self.clients, name), str)
