"""The README's command lines work as written in a fresh shell (no venv on the PATH, no AWS_* variables).

The fenced `sh` blocks of "Quick start", "The CLI" and "LocalStack and real AWS" are read from README.md. The
`harness serve` line runs in the background in its own fresh shell, on a free port instead of 4566 (the only
change made to any line); every other line runs in order in one fresh shell, in a scratch directory that links
the checkout's .venv, scenarios/ and handler/. Lines in SKIPPED do not run, for the reason given.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from .harness_process import ROOT

pytestmark = [pytest.mark.functional, pytest.mark.slow]

SECTIONS = ("Quick start", "The CLI", "LocalStack and real AWS")
SERVE = "harness serve --port 4566"
SKIPPED = {
    "make run": "the step before the lines under test (every scenario, ~14 s); `harness run` below takes its path",
    "make test": "runs this very test",
    "docker compose up --build --exit-code-from harness": "needs Docker and the LocalStack image",
    "harness replay scenarios --target localstack": "needs a running LocalStack",
    "harness deploy --target aws --allow-real-aws": "needs real AWS credentials (and costs money)",
    "harness destroy --target aws --allow-real-aws": "needs real AWS credentials",
}


def readme_lines() -> list[str]:
    """Every command line of the fenced sh blocks of SECTIONS, comments removed, in order."""
    text = (ROOT / "README.md").read_text()
    lines = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title = section.splitlines()[0].strip()
        if title not in SECTIONS:
            continue
        for block in re.findall(r"^```sh\n(.*?)^```", section, flags=re.M | re.S):
            for line in block.splitlines():
                command = re.sub(r"\s+#\s.*$", "", line).strip()
                if command and not command.startswith("#"):
                    lines.append(command)
    return lines


def fresh_env() -> dict[str, str]:
    """The user's environment as a new terminal has it: no venv on the PATH, no AWS/harness variables."""
    venv_bin = str(ROOT / ".venv" / "bin")
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != Path(venv_bin)
            and not (Path(p) / "harness").exists()]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "HARNESS_", "LOCALSTACK_", "PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=os.pathsep.join(path), AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               AWS_EC2_METADATA_DISABLED="true")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_skipped_lines_are_in_the_readme():
    lines = readme_lines()
    assert set(SKIPPED) <= set(lines), set(SKIPPED) - set(lines)
    assert SERVE in lines and lines.count(". .venv/bin/activate") == 2


def test_readme_commands_run_as_written_in_a_fresh_shell(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("the README's curl line needs curl")
    for name in (".venv", "scenarios", "handler"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = fresh_env()
    assert subprocess.run(["bash", "-c", "command -v harness"], env=env, capture_output=True).returncode != 0
    port = str(free_port())
    lines = [line.replace("4566", port) for line in readme_lines() if line not in SKIPPED]
    serve_at = lines.index(SERVE.replace("4566", port))
    setup = lines[:serve_at]  # `. .venv/bin/activate` of the serve block
    rest = lines[serve_at + 1:]
    serve = subprocess.Popen(["bash", "-c", "; ".join([*setup, "exec " + lines[serve_at]])], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert serve.stdout is not None
        first = serve.stdout.readline()
        assert f"embedded stack ready at http://127.0.0.1:{port}" in first, first + serve.stdout.read()
        script = "\n".join(["set -e", "trap 'echo \"README line failed: $BASH_COMMAND\" >&2' ERR",
                            *(f"echo '$ {line}'\n{line}" for line in rest)])
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    out = done.stdout
    assert '{"Items": [], "Count": 0, "ScannedCount": 0}' in out  # the curl line prints what the README says
    assert '"messages"' in out.split("$ aws dynamodb list-tables", 1)[1]
    assert "harness: removed .harness/outputs.json" in out and not (tmp_path / ".harness" / "outputs.json").exists()
    assert (tmp_path / "out.xml").is_file() and (tmp_path / "transcript.json").is_file()
