"""`harness replay` and `harness run`: load and select scenario items, replay them on a target, report.

Prints progress, every failure in full, broken timing bounds that were only reported, the summary table and
line; writes JUnit XML and the JSON transcript when asked. Exit status: 0 all passed, 1 a failure, 2 nothing run
(invalid files, no files, a selection that matches nothing, a target that is unavailable).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence

from ..defaults import DEFAULT_REGION
from ..deploy import StackSettings
from ..replay import exit_status, format_failure, format_notes, format_table, load_many, runner_for, select, summary_line
from ..replay import write_junit, write_transcript
from ..replay.progress import Progress


def replay(paths: list[str], target_name: str | None, endpoint_url: str | None, region: str,
           allow_real_aws: bool, junit: str | None, transcript: str | None, in_process: bool,
           enforce_timing: bool = True, tags: Sequence[str] = (), match: str | None = None,
           list_only: bool = False) -> int:
    from ..targets.sessions import open_target

    started = time.perf_counter()
    items, errors = load_many(paths)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"harness: {len(errors)} scenario file(s) are invalid; nothing was run", file=sys.stderr)
        return 2
    if not items:
        print(f"harness: no scenario files under {', '.join(paths)}", file=sys.stderr)
        return 2
    if tags or match:
        chosen = select(items, tags, match)
        if not chosen:
            asked = " and ".join(filter(None, [f"--tag {' / '.join(tags)}" if tags else "", f"-k {match!r}" if match
                                                else ""]))
            print(f"harness: none of the {len(items)} scenario items matches {asked}; nothing was run", file=sys.stderr)
            return 2
        items = chosen
    if list_only:
        for item in items:
            print(f"{item.id}  [{', '.join(item.scenario.tags)}]" if item.scenario.tags else item.id)
        print(f"{len(items)} scenario item{'s' if len(items) != 1 else ''}")
        return 0
    with open_target(target_name, endpoint_url=endpoint_url, region=region, allow_real_aws=allow_real_aws,
                     in_process=in_process) as target:  # TargetUnavailable: exit 2 at the CLI's boundary
        print(f"harness: replaying {len(items)} scenario items on {target.describe()}", flush=True)
        progress = Progress(len(items))
        with runner_for(target, settings=StackSettings(region=region), destroy_base=True,
                        enforce_timing=enforce_timing) as runner:
            results = runner.run(items, on_result=progress)
        progress.done()
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
    print(f"{summary_line(results)} in {time.perf_counter() - started:.1f} s")
    return exit_status(results)


def cmd_replay(args: argparse.Namespace) -> int:
    return replay(args.paths, args.target, args.endpoint, args.region or DEFAULT_REGION, args.allow_real_aws,
                  args.junit, args.json, in_process=True, enforce_timing=args.timing_bounds == "enforce",
                  tags=args.tag, match=args.match, list_only=args.list)


def cmd_run(args: argparse.Namespace) -> int:
    """The main job on the embedded default: start the stack, deploy, replay scenarios/, tear down."""
    paths = args.paths or [str(_default_scenarios())]
    return replay(paths, None, None, args.region or DEFAULT_REGION, False, args.junit, args.json, in_process=True,
                  enforce_timing=args.timing_bounds == "enforce", tags=args.tag, match=args.match,
                  list_only=args.list)


def _default_scenarios() -> Path:
    here = Path("scenarios")
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"
