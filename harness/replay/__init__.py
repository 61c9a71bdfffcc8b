"""Replay JSON scenario files against the stack: load + validate, run, report.

The public API used by the CLI, the pytest plugin and harness.load; everything else is private to the package.
A `load` step runs through an injected `LoadDriver` (harness.load provides one; the CLI and the pytest plugin
hand it to `runner_for`), so this package never imports harness.load.
Left out here: collection as pytest items and command-line parsing (see harness.pytest_plugin, harness.cli).
"""
from __future__ import annotations

from .bindings import stack_vars
from .load_driver import DynamoCall, LoadDriver, LoadOutcome
from .load_profile import (BUILTIN, DEFAULT_CLIENTS, DEFAULT_TIMEOUT_S, KINDS, LOAD_NAMES, MARKER, NEEDS_ITEM,
                           LoadProfile, MixEntry, ProfileError, Thresholds, kind_of, parse_mix)
from .discovery import discover, is_scenario_file, load_items, load_many, select
from .loader import load_scenario
from .rendering import build_http_request, render_model
from .report import (exit_status, first_line, format_failure, format_notes, format_table, interrupted_line,
                     summary_line)
from .results import FAILED, PASSED, SKIPPED, ItemResult, Mismatch, Request, Response, StepResult
from .runner import Runner, runner_for, skip_reason
from .scenario import UNSET, HttpCall, LoadCall, Scenario, ScenarioItem, Source
from .stack_config import FOLDER_CONFIG, StackConfig, folder_config
from .stacks import DeployingStacks, FixedStack, StackError, StackProvider, TemplateStacks, VariantUnsupported
from .templating import Scope, TemplateError
from .transport import RequestsTransport, Transport
from .validation import FRAGMENT_SCHEMA_PATH, SCHEMA_PATH, Problem, ScenarioError
from .writers import write_junit, write_transcript

__all__ = [
    # scenarios: load, select, run, report
    "DeployingStacks", "FAILED", "FRAGMENT_SCHEMA_PATH", "FixedStack", "ItemResult", "Mismatch", "PASSED",
    "Problem", "RequestsTransport", "Runner", "SCHEMA_PATH", "SKIPPED", "Scenario", "ScenarioError",
    "ScenarioItem", "Source", "StackError", "StackProvider", "StepResult", "Transport", "VariantUnsupported",
    "discover", "exit_status", "first_line", "format_failure", "format_notes", "format_table", "interrupted_line",
    "is_scenario_file", "load_items", "load_many", "load_scenario", "runner_for", "select", "skip_reason",
    "summary_line", "write_junit", "write_transcript",
    # a scenario folder's own stack (harness-stack.json) and template stacks
    "FOLDER_CONFIG", "StackConfig", "TemplateStacks", "folder_config",
    # the model and templates a load driver renders requests with
    "HttpCall", "LoadCall", "Request", "Response", "Scope", "TemplateError", "UNSET", "build_http_request",
    "render_model", "stack_vars",
    # the load profile and the driver contract
    "BUILTIN", "DEFAULT_CLIENTS", "DEFAULT_TIMEOUT_S", "DynamoCall", "KINDS", "LOAD_NAMES", "LoadDriver",
    "LoadOutcome", "LoadProfile", "MARKER", "MixEntry", "NEEDS_ITEM", "ProfileError", "Thresholds", "kind_of",
    "parse_mix",
]
