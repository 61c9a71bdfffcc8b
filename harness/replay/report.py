"""Text reports: a failed item (every mismatch, the rendered request, the response, file:line), the results
table with durations, and the closing line `N passed, M failed` (`, K skipped` when any), or after Ctrl-C
`interrupted: N passed, M failed, K not run`.

Secrets are masked: header values whose name looks like a credential (Authorization, Cookie, X-Api-Key,
*token*, *secret*, *password*) and JSON keys such as SecretAccessKey, SessionToken or password. Bodies are
pretty-printed when JSON and cut after `MAX_BODY` characters; log tails keep their last `MAX_TAIL_LINES` lines.
Left out: colours and terminal width detection (the CLI decorates this text as it likes).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

from .scenario import UNSET
from .results import FAILED, PASSED, SKIPPED, ItemResult, Request, Response, StepResult

MAX_BODY = 2000
MAX_TAIL_LINES = 20
ONE_LINE = 120
MASK = "***"
_SECRET_HEADER = re.compile(r"authorization|cookie|api-?key|token|secret|password|credential", re.I)
_SECRET_KEY = re.compile(r"password|secret|authorization|api_?key|session_?token|security_?token|credential", re.I)


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: MASK if _SECRET_HEADER.search(k) else str(v) for k, v in headers.items()}


def mask_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: MASK if isinstance(k, str) and _SECRET_KEY.search(k) else mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def truncate(text: str, limit: int = MAX_BODY) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def format_json(value: Any) -> str:
    """Compact JSON when it fits on one line of `ONE_LINE` characters, else indented."""
    masked = mask_json(value)
    compact = json.dumps(masked, ensure_ascii=False, default=str)
    return compact if len(compact) <= ONE_LINE else json.dumps(masked, indent=2, ensure_ascii=False, default=str)


def format_body(content: bytes | None, *, json_value: Any = UNSET) -> str:
    """A body for people: pretty JSON, text, or a byte count for binary content; truncated."""
    if json_value is not UNSET:
        return truncate(format_json(json_value))
    if not content:
        return "(empty body)"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return f"({len(content)} bytes of binary content)"
    try:
        return truncate(format_json(json.loads(text)))
    except ValueError:
        return truncate(text)


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line if line else line for line in text.splitlines()]


def format_request(request: Request) -> list[str]:
    if request.kind == "http":
        lines = [f"{request.method} {request.url}"]
        lines += [f"{k}: {v}" for k, v in mask_headers(request.headers).items()]
        if request.body is not None:
            lines += ["", format_body(request.body)]
        return lines
    if request.kind == "load":
        return [f"load {request.url}", format_body(None, json_value=request.params)]
    if request.kind == "invoke":
        opts = request.options
        extra = [str(opts.get("invocation_type", "RequestResponse"))]
        if opts.get("log_tail"):
            extra.append("log tail")
        if opts.get("qualifier"):
            extra.append(f"qualifier {opts['qualifier']}")
        lines = [f"lambda.Invoke {request.url} ({', '.join(extra)})"]
        if request.params is not UNSET and request.params is not None:
            shown = request.params if not isinstance(request.params, str) else UNSET
            lines += [format_body(request.body, json_value=shown)]
        return lines
    document = " (document client)" if request.options.get("document") else ""
    return [f"{request.url}.{request.method}{document}", format_body(None, json_value=request.params or {})]


def format_response(response: Response, kind: str) -> list[str]:
    if kind == "load":  # the run's text report
        return response.content.decode("utf-8", "replace").splitlines()
    lines = [f"status {response.status} in {response.duration_ms:.0f} ms"]
    if kind == "http" or kind == "invoke":
        lines += [f"{k}: {v}" for k, v in mask_headers(response.headers).items()]
        if response.content or response.data is UNSET:
            lines += ["", format_body(response.content)]
        else:  # an AWS API error or result already decoded (e.g. Invoke's 404): show what the checks saw
            lines += ["", format_body(None, json_value=response.data)]
    else:
        lines += [format_body(None, json_value=response.json)]
    if response.log_tail:
        tail = response.log_tail.splitlines()[-MAX_TAIL_LINES:]
        lines += ["log tail:", *("  " + line for line in tail)]
    return lines


def format_step(step: StepResult) -> list[str]:
    """A failed step: where it is, every mismatch, the request and the response."""
    attempts = f"{step.attempts} attempts, " if step.attempts > 1 else ""
    label = step.where if step.where.startswith(step.phase) else f"{step.phase}/{step.where}"
    lines = [f'step {label} "{step.name}" at {step.source} ({attempts}{step.duration_s * 1000:.0f} ms)']
    if step.error:
        lines.append(f"  error: {step.error}")
    if step.mismatches:
        lines.append(f"  mismatches ({len(step.mismatches)}):")
        for mismatch in step.mismatches:
            lines.append(f"    {mismatch}")
            if mismatch.detail:
                lines += _indent(mismatch.detail, "      | ")
    if step.request is not None:
        lines += ["  request:", *_indent("\n".join(format_request(step.request)), "    ")]
    if step.response is not None:
        lines += ["  response:", *_indent("\n".join(format_response(step.response, step.kind)), "    ")]
    return lines


def format_failure(result: ItemResult) -> str:
    """The full report of a failed item (empty for a passed or skipped one)."""
    if result.outcome != FAILED:
        return ""
    lines = [f"FAILED {result.item_id} ({result.duration_s:.2f} s)"]
    if result.stack_name:
        lines.append(f"stack: {result.stack_name}")
    if result.error:
        lines.append(f"error: {result.error} ({result.source})")
    for step in result.failed_steps:
        lines += format_step(step)
    return "\n".join(lines)


def format_notes(result: ItemResult) -> str:
    """The timing bounds an item broke while they were reported, not enforced, and the expectations the target
    could not check (empty when none)."""
    lines = [f"{result.item_id}: {step.where}: {note} (timing bound reported, not enforced)"
             for step, note in result.notes]
    lines += [f"{result.item_id}: {step.where}: {why}" for step in result.steps for why in step.unchecked]
    return "\n".join(lines)


def first_line(result: ItemResult) -> str:
    """One line saying why an item failed (JUnit's failure message)."""
    if result.error:
        return result.error
    for step in result.failed_steps:
        reason = step.error or (str(step.mismatches[0]) if step.mismatches else "failed")
        more = f" (+{len(step.mismatches) - 1} more)" if len(step.mismatches) > 1 else ""
        return f"{step.where} at {step.source}: {reason}{more}"
    return "failed"


_LABELS = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}


def format_table(results: Iterable[ItemResult]) -> str:
    """One row per item: result, duration, item id (and the skip reason)."""
    rows = [f"{'RESULT':<6} {'TIME':>9}  ITEM"]
    for result in results:
        took = "-" if result.outcome == SKIPPED else f"{result.duration_s:.2f} s"
        tail = f"  ({result.skip_reason})" if result.skip_reason else ""
        rows.append(f"{_LABELS.get(result.outcome, result.outcome):<6} {took:>9}  {result.item_id}{tail}")
    return "\n".join(rows)


def counts(results: Iterable[ItemResult]) -> dict[str, int]:
    tally = {PASSED: 0, FAILED: 0, SKIPPED: 0}
    for result in results:
        tally[result.outcome] = tally.get(result.outcome, 0) + 1
    return tally


def summary_line(results: Iterable[ItemResult]) -> str:
    """`N passed, M failed`, plus `, K skipped` when any were skipped."""
    tally = counts(results)
    line = f"{tally[PASSED]} passed, {tally[FAILED]} failed"
    return line + (f", {tally[SKIPPED]} skipped" if tally[SKIPPED] else "")


def interrupted_line(results: Iterable[ItemResult], total: int) -> str:
    """After Ctrl-C: `interrupted: N passed, M failed, K not run` (`, S skipped` before `not run` when any); the
    item that was running counts as not run."""
    tally = counts(results)
    done = sum(tally.values())
    skipped = f", {tally[SKIPPED]} skipped" if tally[SKIPPED] else ""
    return f"interrupted: {tally[PASSED]} passed, {tally[FAILED]} failed{skipped}, {max(total - done, 0)} not run"


def exit_status(results: Iterable[ItemResult]) -> int:
    """1 when any item failed, else 0."""
    return 1 if counts(results)[FAILED] else 0
