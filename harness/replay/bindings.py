"""The names a scenario's templates can use besides its own vars and captures: `stack.*` and `target`.

`stack_vars(outputs)` is what `{{stack.*}}` holds at run time: every output of the deployment (`StackOutputs`)
plus `table` (the main table's name); a template's stack also has `outputs.X` and `resources.LogicalId`; `STACK_NAMES` lists them without a deployment, for load-time checks.
Left out: generators (see `templating.GENERATORS`) and `load.*` (see `load_profile.LOAD_NAMES`).
"""
from __future__ import annotations

import dataclasses
from typing import Any

from ..deploy import StackOutputs

STACK_NAMES: tuple[str, ...] = (*(f.name for f in dataclasses.fields(StackOutputs)), "table")
BUILT_IN = ("stack", "target")  # bound by the runner before the scenario's vars


def stack_vars(outputs: StackOutputs) -> dict[str, Any]:
    """`{{stack.*}}`: the deployment's outputs, plus `table` (the main table's name)."""
    values = dataclasses.asdict(outputs)
    values["tables"] = list(outputs.tables)
    values["table"] = outputs.tables[0] if outputs.tables else None
    return values
