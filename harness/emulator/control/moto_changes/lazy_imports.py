"""moto's API Gateway models without loading `openapi_spec_validator` until an OpenAPI document is checked.

`moto.apigateway.models` imports `openapi_spec_validator` at the top (it pulls in pydantic, jsonschema and
referencing: ~0.2 s, a quarter of the stack's start) for one use: ImportRestApi and PutRestApi validate the
document they are given. Here the module is imported against two stand-ins that load the real package the
first time `validate` is called and put its `validate` and `OpenAPIValidationError` into moto's module (moto's
`except OpenAPIValidationError` looks the name up when it handles an error, so the real class is in place by
then). The stand-ins leave `sys.modules` right after the import: a later real import is not affected.
Left out: anything else importing `openapi_spec_validator` first (then this changes nothing).
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_PACKAGE = "openapi_spec_validator"
_STAND_INS = (_PACKAGE, f"{_PACKAGE}.validation", f"{_PACKAGE}.validation.exceptions")
_MODELS = "moto.apigateway.models"


class _NotLoadedYet(Exception):
    """Stands in for OpenAPIValidationError until the real package is loaded (nothing raises it)."""


def _load_real() -> Any:
    """Import the real package and put its names into moto's module; returns its `validate`."""
    package = importlib.import_module(_PACKAGE)
    exceptions = importlib.import_module(f"{_PACKAGE}.validation.exceptions")
    real_validate = getattr(package, "validate", None) or getattr(package, "validate_spec")
    models = sys.modules[_MODELS]
    models.validate = real_validate  # type: ignore[attr-defined]
    models.OpenAPIValidationError = exceptions.OpenAPIValidationError  # type: ignore[attr-defined]
    return real_validate


def _validate(*args: Any, **kwargs: Any) -> Any:
    return _load_real()(*args, **kwargs)


def import_apigateway_models() -> types.ModuleType:
    """`moto.apigateway.models`, imported without loading `openapi_spec_validator` (see the module's text)."""
    if _MODELS in sys.modules or _PACKAGE in sys.modules:
        return importlib.import_module(_MODELS)
    package = types.ModuleType(_PACKAGE)
    package.validate = _validate  # type: ignore[attr-defined]
    package.validate_spec = _validate  # type: ignore[attr-defined]
    validation = types.ModuleType(f"{_PACKAGE}.validation")
    exceptions = types.ModuleType(f"{_PACKAGE}.validation.exceptions")
    exceptions.OpenAPIValidationError = _NotLoadedYet  # type: ignore[attr-defined]
    package.validation = validation  # type: ignore[attr-defined]
    validation.exceptions = exceptions  # type: ignore[attr-defined]
    stand_ins = dict(zip(_STAND_INS, (package, validation, exceptions)))
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module(_MODELS)
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
