"""The function's `_X_AMZN_TRACE_ID` (runtime/invocation.py `trace_id`): the caller's Root kept, a new Parent."""
from __future__ import annotations

import re

from harness.emulator.runtime.invocation import trace_id

ROOT = "1-5759e988-bd862e3fe1be46a994272793"


def test_a_new_trace_without_a_caller():
    first, second = trace_id(), trace_id(None)
    pattern = r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0"
    assert re.fullmatch(pattern, first) and re.fullmatch(pattern, second) and first != second


def test_the_callers_root_and_sampled_are_kept_with_a_new_parent():
    got = trace_id(f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1")
    assert re.fullmatch(rf"Root={ROOT};Parent=(?!53995c3f42cd8ad8)[0-9a-f]{{16}};Sampled=1", got)
    assert trace_id(f"Root={ROOT}").startswith(f"Root={ROOT};Parent=") and got.endswith("Sampled=1")
    assert trace_id(f" Root={ROOT} ; Sampled=maybe").endswith(";Sampled=0")


def test_a_header_without_a_root_starts_a_new_trace():
    for header in ("", "garbage", "Parent=53995c3f42cd8ad8", "Root="):
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", trace_id(header))
