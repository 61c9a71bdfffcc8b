"""The defaults of a load run, in a module of their own so `harness --help` need not import the replay engine."""
from __future__ import annotations

KINDS = ("get", "post", "put", "delete")
NEEDS_ITEM = ("put", "delete")  # kinds that act on an item this run wrote
MARKER = "load_run"  # the attribute that tells this run's items apart in a shared table
DEFAULT_CLIENTS = 8
DEFAULT_REQUESTS = 1000
DEFAULT_MIX = "get=90,post=10"
DEFAULT_TIMEOUT_S = 35.0
INSTALL_HINT = "pip install 'db-api-harness[plot]' (or: pip install matplotlib)"  # for --plot without matplotlib
