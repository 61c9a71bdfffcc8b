"""Replay JSON scenario files against the stack: load + validate, run, report.

The public API used by the CLI and the pytest plugin; everything else is private to the package.
Left out here: collection as pytest items and command-line parsing (see harness.pytest_plugin, harness.cli).
"""
from __future__ import annotations

from .loader import discover, is_scenario_file, load_items, load_many, load_scenario, select
from .scenario import Scenario, ScenarioItem, Source
from .report import exit_status, first_line, format_failure, format_notes, format_table, summary_line
from .results import FAILED, PASSED, SKIPPED, ItemResult, Mismatch, StepResult
from .runner import Runner, runner_for, skip_reason
from .stacks import DeployingStacks, FixedStack, StackError, StackProvider, VariantUnsupported
from .transport import RequestsTransport, Transport
from .validation import FRAGMENT_SCHEMA_PATH, SCHEMA_PATH, Problem, ScenarioError
from .writers import write_junit, write_transcript

__all__ = [
    "DeployingStacks", "FAILED", "FRAGMENT_SCHEMA_PATH", "FixedStack", "ItemResult", "Mismatch", "PASSED",
    "Problem", "RequestsTransport", "Runner", "SCHEMA_PATH", "SKIPPED", "Scenario", "ScenarioError",
    "ScenarioItem", "Source", "StackError", "StackProvider", "StepResult", "Transport", "VariantUnsupported",
    "discover", "exit_status", "first_line", "format_failure", "format_notes", "format_table", "is_scenario_file", "load_items",
    "load_many", "load_scenario", "runner_for", "select", "skip_reason", "summary_line", "write_junit", "write_transcript",
]
