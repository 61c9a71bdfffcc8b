"""Files for CI: JUnit XML (one testcase per item; a failure's text is the item's report) and a JSON transcript
(every item and step with the rendered request, the response, mismatches and durations; secrets masked).

JUnit: `classname` is the scenario file path with `/` as `.` and without `.json`; `name` is the item's name;
skipped items carry `<skipped message=reason>`. Left out: `<system-out>` capture, JUnit `errors` (every
problem counts as a failure, as in the closing line).
"""
from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

from .scenario import UNSET
from .report import counts, first_line, format_failure, format_notes, mask_headers, mask_json
from .results import FAILED, PASSED, SKIPPED, ItemResult, Request, Response, StepResult


def classname(file: str) -> str:
    """`scenarios/tutorial/get.json` -> `scenarios.tutorial.get`."""
    stem = file[:-5] if file.endswith(".json") else file
    return stem.replace("\\", "/").strip("/").replace("/", ".")


def junit_xml(results: Sequence[ItemResult], suite: str = "harness replay") -> ET.Element:
    tally = counts(results)
    root = ET.Element("testsuites")
    node = ET.SubElement(root, "testsuite", {
        "name": suite, "tests": str(len(results)), "failures": str(tally[FAILED]), "errors": "0",
        "skipped": str(tally[SKIPPED]), "time": f"{sum(r.duration_s for r in results):.3f}",
    })
    for result in results:
        case = ET.SubElement(node, "testcase", {
            "classname": classname(result.source.file), "name": result.name, "file": result.source.file,
            "line": str(result.source.line), "time": f"{result.duration_s:.3f}",
        })
        if result.outcome == FAILED:
            failure = ET.SubElement(case, "failure", {"message": first_line(result), "type": "ScenarioFailure"})
            failure.text = format_failure(result)
        elif result.outcome == SKIPPED:
            ET.SubElement(case, "skipped", {"message": result.skip_reason or ""})
        notes = format_notes(result)
        if notes:
            ET.SubElement(case, "system-out").text = notes
    return root


def write_junit(results: Sequence[ItemResult], path: str | Path, suite: str = "harness replay") -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(junit_xml(results, suite))
    ET.indent(tree)
    tree.write(target, encoding="utf-8", xml_declaration=True)
    return target


def _body(content: bytes | None) -> dict[str, Any]:
    if content is None:
        return {}
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(content).decode("ascii")}
    try:
        return {"json": mask_json(json.loads(text))}
    except ValueError:
        return {"body": text}


def _request(request: Request | None) -> dict[str, Any] | None:
    if request is None:
        return None
    data: dict[str, Any] = {"kind": request.kind, "method": request.method, "url": request.url}
    if request.kind == "http":
        data["headers"] = mask_headers(request.headers)
        data.update(_body(request.body))
    else:
        data["params"] = None if request.params is UNSET else mask_json(request.params)
        data["options"] = dict(request.options)
    return data


def _response(response: Response | None) -> dict[str, Any] | None:
    if response is None:
        return None
    data: dict[str, Any] = {"status": response.status, "headers": mask_headers(response.headers),
                            "duration_ms": round(response.duration_ms, 3)}
    if response.data is not UNSET:
        data["json"] = mask_json(response.data)
    else:
        data.update(_body(response.content))
    if response.log_tail is not None:
        data["log_tail"] = response.log_tail
    if response.error:
        data["error"] = response.error
    return data


def _step(step: StepResult) -> dict[str, Any]:
    return {
        "phase": step.phase, "index": step.index, "name": step.name, "kind": step.kind, "where": step.where,
        "file": step.source.file, "line": step.source.line, "outcome": step.outcome, "attempts": step.attempts,
        "duration_s": round(step.duration_s, 6), "error": step.error,
        "mismatches": [asdict(m) for m in step.mismatches], "notes": [asdict(m) for m in step.notes],
        "difference": step.difference, "unchecked": list(step.unchecked),
        "request": _request(step.request),
        "response": _response(step.response), "captured": mask_json(dict(step.captured)),
    }


def transcript(results: Sequence[ItemResult]) -> dict[str, Any]:
    tally = counts(results)
    return {
        "summary": {"passed": tally[PASSED], "failed": tally[FAILED], "skipped": tally[SKIPPED]},
        "items": [{
            "id": r.item_id, "name": r.name, "scenario": r.scenario, "file": r.source.file, "line": r.source.line,
            "outcome": r.outcome, "duration_s": round(r.duration_s, 6), "skip_reason": r.skip_reason,
            "error": r.error, "stack": r.stack_name, "vars": mask_json(dict(r.vars)),
            "steps": [_step(s) for s in r.steps], "report": format_failure(r) or None,
        } for r in results],
    }


def write_transcript(results: Sequence[ItemResult], path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(transcript(results), indent=2, default=str) + "\n", encoding="utf-8")
    return target
