"""`harness deploy --watch` and `harness serve --watch` against the embedded stack: each save of a handler file goes
live, Ctrl-C ends it."""
from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
import requests

from harness.clients import Clients
from harness.deploy import StackSettings, destroy

from .harness_process import ROOT, HarnessProcess

pytestmark = pytest.mark.functional

V2 = "def handler(event, context):\n    return {'statusCode': 200, 'body': '\"v2\"'}\n"


def _handler_copy(tmp_path: Path) -> Path:
    code = tmp_path / "handler"
    shutil.copytree(ROOT / "handler", code, ignore=shutil.ignore_patterns("__pycache__"))
    return code


@pytest.mark.slow
def test_deploy_watch_puts_each_save_live_and_stops_on_ctrl_c(tmp_path, stack_url, clients: Clients):
    code = _handler_copy(tmp_path)
    prefix = f"w{uuid.uuid4().hex[:6]}-"
    outputs_file = tmp_path / "outputs.json"
    try:
        with HarnessProcess("deploy", "--endpoint", stack_url, "--prefix", prefix, "--code-dir", str(code),
                            "--outputs", str(outputs_file), "--watch") as watching:
            watching.wait_line(f"harness: watching {code}")
            outputs = json.loads(outputs_file.read_text())
            url, table = outputs["invoke_url"], outputs["tables"][0]
            http = requests.Session()
            first = http.get(url, params={"TableName": table}, timeout=30)
            assert first.status_code == 200 and first.json()["Items"] == [], first.text

            (code / "index.py").write_text(V2)
            updated = watching.wait_line("index.py changed:")
            assert f"{prefix}db-api updated (" in updated, updated
            assert http.get(url, params={"TableName": table}, timeout=30).json() == "v2"

            (code / "index.py").write_text(V2.replace("return {", "return {{"))  # does not compile
            watching.wait_line("harness: warning: index.py:2: ")
            broken = http.get(url, timeout=30)  # the warning comes after the update: already live
            assert (broken.status_code, broken.json()) == (502, {"message": "Internal server error"})

            (code / "notes.txt").touch()
            watching.wait_line("notes.txt changed:")  # a new file is packaged too
            assert watching.stop() == 0, "\n".join(watching.seen)
    finally:
        destroy(StackSettings(region=clients.endpoint.region).with_prefix(prefix), clients)


@pytest.mark.slow
def test_serve_watch_is_a_whole_dev_loop_in_one_command(tmp_path):
    """`harness serve --watch`: the stack, the tutorial's deployment, and each save live; Ctrl-C ends all."""
    code = _handler_copy(tmp_path)
    outputs_file = tmp_path / "outputs.json"
    with HarnessProcess("serve", "--port", "0", "--watch", "--code-dir", str(code), "--outputs",
                        str(outputs_file)) as serving:
        deployed = serving.wait_line("harness: deployed db-api: http://127.0.0.1:")
        url = deployed.split(": ", 2)[2].split(" ")[0]
        serving.wait_line(f"harness: watching {code}")
        assert json.loads(outputs_file.read_text())["invoke_url"] == url.split("?")[0]
        http = requests.Session()
        assert http.get(url, timeout=30).json()["Items"] == []
        (code / "index.py").write_text(V2)
        serving.wait_line("index.py changed: db-api updated")
        assert http.get(url, timeout=30).json() == "v2"
        assert serving.stop() == 0, "\n".join(serving.seen)
