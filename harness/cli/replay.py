"""`harness replay` and `harness run`: load and select scenario items, replay them on a target, report.

Prints progress, every failure in full, broken timing bounds that were only reported, the summary table and
line; writes JUnit XML and the JSON transcript when asked. An invalid scenario file is reported (file, line,
problem) and skipped; the other files still run (or are listed). A `load` step runs through harness.load's
driver, wired here. Ctrl-C stops the run at once: `interrupted: N passed, M failed, K not run`, exit 130.
`harness replay --prefix P` puts P before every resource name the replay deploys (the base stack, its variants,
a template's stack; on real AWS instead of the generated prefix). `harness replay --run-skipped` also runs the
items the target lacks a required behaviour for (to confirm a skip reason: they should fail, showing it). Exit
status: 0 all passed, 1 a failure or an invalid file, 2 nothing run (no valid files, no files, a selection that
matches nothing, a target that is unavailable), 130 interrupted.
Left out: running items in parallel (use pytest-xdist on `pytest scenarios/`).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Sequence

from ..defaults import DEFAULT_REGION
from ..deploy import StackSettings
from ..replay import (ItemResult, ScenarioError, ScenarioItem, exit_status, format_failure, format_notes,
                      format_table, interrupted_line, load_many, runner_for, select, summary_line, write_junit,
                      write_transcript)
from ..replay.progress import Progress
from .options import stack_settings
from .template import TemplateRun, template_run
from .template import template_stack as _template_stack


def _report_invalid(errors: Sequence[ScenarioError]) -> None:
    for error in errors:
        print(error, file=sys.stderr)


def _invalid_note(errors: Sequence[ScenarioError]) -> str:
    """`, 1 invalid file` for the summary line (empty when none)."""
    return f", {len(errors)} invalid file{'s' if len(errors) != 1 else ''}" if errors else ""


def _chosen(items: list[ScenarioItem], paths: list[str], errors: Sequence[ScenarioError], tags: Sequence[str],
            match: str | None) -> list[ScenarioItem] | None:
    """The items to run, or None (after saying why) when there is nothing to run."""
    if not items:
        if errors:
            print(f"harness: {len(errors)} scenario file(s) are invalid and no other was found; nothing was run",
                  file=sys.stderr)
        else:
            print(f"harness: no scenario files under {', '.join(paths)}", file=sys.stderr)
        return None
    if not (tags or match):
        return items
    chosen = select(items, tags, match)
    if not chosen:
        asked = " and ".join(filter(None, [f"--tag {' / '.join(tags)}" if tags else "",
                                           f"-k {match!r}" if match else ""]))
        print(f"harness: none of the {len(items)} scenario items matches {asked}; nothing was run", file=sys.stderr)
    return chosen or None


def replay(paths: list[str], target_name: str | None, endpoint_url: str | None, region: str,
           allow_real_aws: bool, junit: str | None, transcript: str | None, in_process: bool,
           enforce_timing: bool = True, tags: Sequence[str] = (), match: str | None = None,
           list_only: bool = False, settings: StackSettings | None = None,
           template: TemplateRun | None = None, run_skipped: bool = False, prefix: str | None = None) -> int:
    from ..load.step_driver import drive
    from ..targets.sessions import open_target

    started = time.perf_counter()
    loaded, errors = load_many(paths)
    _report_invalid(errors)
    items = _chosen(loaded, paths, errors, tags, match)
    if items is None:
        return 2
    if list_only:
        for item in items:
            print(f"{item.id}  [{', '.join(item.scenario.tags)}]" if item.scenario.tags else item.id)
        print(f"{len(items)} scenario item{'s' if len(items) != 1 else ''}{_invalid_note(errors)}")
        return 1 if errors else 0
    results: list[ItemResult] = []
    progress: Progress | None = None
    try:
        with open_target(target_name, endpoint_url=endpoint_url, region=region, allow_real_aws=allow_real_aws,
                         in_process=in_process, prefix=prefix) as target:  # TargetUnavailable: exit 2 (CLI)
            if run_skipped and target.lacks:
                print(f"harness: --run-skipped: running the items {target.name} would skip for lacking "
                      f"{', '.join(sorted(target.lacks))}; they are expected to fail", flush=True)
                target = dataclasses.replace(target, lacks={})
            print(f"harness: replaying {len(items)} scenario items on {target.describe()}", flush=True)
            progress = Progress(len(items))

            def on_result(result: ItemResult) -> None:
                results.append(result)
                progress(result)

            with _template_stack(template, target) as outputs:
                with runner_for(target, settings=settings or StackSettings(region=region), destroy_base=True,
                                enforce_timing=enforce_timing, load=drive, outputs=outputs,
                                fixed=outputs is not None, template=template.plan if template else None) as runner:
                    runner.run(items, on_result=on_result)
            progress.done()
    except KeyboardInterrupt:
        return _interrupted(results, len(items), progress)
    for result in results:
        if result.outcome == "failed":
            print("\n" + format_failure(result))
    notes = [text for text in map(format_notes, results) if text]
    if notes:
        print("\n" + "\n".join(notes))
    print("\n" + format_table(results))
    if junit:
        print(f"harness: JUnit XML written to {write_junit(results, junit)}")
    if transcript:
        print(f"harness: JSON transcript written to {write_transcript(results, transcript)}")
    for problem in runner.release_errors:
        print(f"harness: teardown problem: {problem}", file=sys.stderr)
    if errors:
        print(f"harness: skipped invalid scenario file(s) (problems above): {', '.join(e.file for e in errors)}",
              file=sys.stderr)
    print(f"{summary_line(results)}{_invalid_note(errors)} in {time.perf_counter() - started:.1f} s")
    return max(exit_status(results), 1 if errors else 0)


def _interrupted(results: list[ItemResult], total: int, progress: Progress | None) -> int:
    """Ctrl-C: the failures so far, then the summary line; exit status 130."""
    if progress is not None:
        progress.done()
    for result in results:
        if result.outcome == "failed":
            print("\n" + format_failure(result))
    print(f"\n{interrupted_line(results, total)}", flush=True)
    return 130


def cmd_replay(args: argparse.Namespace) -> int:
    region = args.region or DEFAULT_REGION
    settings = None
    if args.code_dir or args.runtime:  # the base stack's function from another folder/runtime (handler-node)
        code = argparse.Namespace(region=region, code_dir=args.code_dir, runtime=args.runtime)
        settings = stack_settings(code, check_code=True)
    return replay(args.paths, args.target, args.endpoint, region, args.allow_real_aws,
                  args.junit, args.json, in_process=True, enforce_timing=args.timing_bounds == "enforce",
                  tags=args.tag, match=args.match, list_only=args.list, template=template_run(args, region),
                  run_skipped=args.run_skipped, settings=settings, prefix=args.prefix)


def cmd_run(args: argparse.Namespace) -> int:
    """The main job on the embedded default: start the stack, deploy, replay scenarios/, tear down."""
    paths = args.paths or [str(_default_scenarios())]
    settings = stack_settings(args, check_code=bool(args.code_dir or args.runtime))
    return replay(paths, None, None, args.region or DEFAULT_REGION, False, args.junit, args.json, in_process=True,
                  enforce_timing=args.timing_bounds == "enforce", tags=args.tag, match=args.match,
                  list_only=args.list, template=template_run(args, args.region or DEFAULT_REGION),
                  settings=dataclasses.replace(settings, region=args.region or DEFAULT_REGION))


def _default_scenarios() -> Path:
    here = Path("scenarios")
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"
