"""`harness replay --prefix P`: every resource the replay deploys is named with P (as `deploy --prefix` names
them), and is gone afterwards. Real HTTP: the CLI replays against the session's embedded stack."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from harness import cli

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]


def _scenario(tmp_path: Path, table: str) -> Path:
    """A scenario that passes only when the stack's table is `table`: `{{stack.table}}` and the table itself."""
    path = tmp_path / "prefixed.json"
    path.write_text(json.dumps({
        "$schema": str(ROOT / "harness" / "replay" / "scenario.schema.json"),
        "name": "the base stack carries the prefix",
        "steps": [
            {"name": "the table's name", "aws": {"service": "dynamodb", "operation": "DescribeTable",
                                                 "params": {"TableName": "{{stack.table}}"}},
             "expect": {"status": 200, "json_subset": {"Table": {"TableName": table}}}},
            {"name": "the function reads it", "http": {"method": "GET", "query": {"TableName": table}},
             "expect": {"status": 200, "json": {"Items": [], "Count": 0, "ScannedCount": 0}}},
        ],
    }))
    return path


def test_replay_prefix_names_the_deployed_stack(stack_url, clients, tmp_path, capsys):
    prefix = f"p{uuid.uuid4().hex[:6]}-"
    scenario = _scenario(tmp_path, f"{prefix}messages")
    status = cli.main(["replay", str(scenario), "--endpoint", stack_url, "--prefix", prefix])
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert status == 0, out
    assert "1 passed" in out
    names = clients("dynamodb").list_tables()["TableNames"]
    assert not [n for n in names if n.startswith(prefix)]  # the replay's stack was destroyed after it
    functions = clients("lambda").list_functions()["Functions"]
    assert not [f for f in functions if f["FunctionName"].startswith(prefix)]


def test_replay_prefix_is_the_one_given(stack_url, tmp_path, capsys):
    scenario = _scenario(tmp_path, "pexpected-messages")
    status = cli.main(["replay", str(scenario), "--endpoint", stack_url, "--prefix", f"p{uuid.uuid4().hex[:6]}-"])
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert status == 1, out
    assert "1 failed" in out
