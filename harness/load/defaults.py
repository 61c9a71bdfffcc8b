"""The defaults of `harness load` itself: its command-line options and the plot's install hint.

Cheap to import (`harness --help` reads them); the profile's own defaults (clients, request timeout, kinds,
the run marker) live with the profile in `harness.replay`. Left out: everything else.
"""
from __future__ import annotations

DEFAULT_REQUESTS = 1000  # when neither --requests nor --duration is given
DEFAULT_MIX = "get=90,post=10"
INSTALL_HINT = "pip install 'db-api-harness[plot]' (or: pip install matplotlib)"  # for --plot without matplotlib
