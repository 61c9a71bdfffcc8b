"""The one place that imports moto, reads and writes its in-process state, and changes it (a moto upgrade should
touch only this package).

Control-plane state (functions, code, policies, REST APIs, deployments, log groups) lives in moto's backends.
`ControlPlane` (plane.py) turns it into the frozen values of `snapshots.py` and keeps what moto lacks (the
snapshot of a REST API's resource tree taken at each deployment) in the stack's memory (stack_memory.py);
`MotoApp` (moto_app.py) is the front's last handler (moto's own server application), names the account of an
access key and resets moto; `moto_changes/` holds everything the emulator changes about moto, a module per
concern (DynamoDB's hot path and value checks, corrections around API Gateway's and Lambda's calls, speed-ups,
lazy imports). Importing the package applies the patches of `moto_changes`.
Left out: API Gateway authorizers and models (published Lambda versions and aliases are served: moto keeps them).
"""
from __future__ import annotations

from .moto_changes import change_moto  # first: it loads moto's API Gateway models the light way

from .moto_app import MotoApp  # noqa: E402 - after the models, on purpose
from .plane import ControlPlane  # noqa: E402

change_moto()

__all__ = ["ControlPlane", "MotoApp"]
