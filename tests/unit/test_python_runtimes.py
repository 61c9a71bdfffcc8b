"""Which interpreter runs a python3.N function (simulated machines: the version each candidate answers is given),
and the launch line of the isolated import path."""
from __future__ import annotations

import sys
from pathlib import Path
from types import MappingProxyType

from harness.emulator.runtime.python_runtimes import (HARNESS, ISOLATED, PythonFamily, PythonLauncher, cache_name,
                                                      find_python, import_path_mode, ric_version)
from harness.emulator.snapshots import FunctionConfig


def fake_machine(tmp_path: Path, versions: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """A PATH and a pyenv root holding executables `name` -> the version they answer."""
    bin_dir, answers = tmp_path / "bin", {}
    bin_dir.mkdir()
    for name, version in versions.items():
        where = bin_dir / name if "/" not in name else tmp_path / name
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text("#!/bin/sh\n")
        where.chmod(0o755)
        answers[str(where)] = version
    return {"PATH": str(bin_dir), "PYENV_ROOT": str(tmp_path / "pyenv"), "HOME": str(tmp_path)}, answers


def test_path_then_pyenv_and_a_version_check(tmp_path):
    env, answers = fake_machine(tmp_path, {"python3.12": "3.12", "python3.13": "3.11",  # a shim answering wrong
                                           "pyenv/versions/3.13.1/bin/python3.13": "3.13"})
    assert find_python("3.12", env, answers.get) == str(tmp_path / "bin" / "python3.12")
    assert find_python("3.13", env, answers.get) == str(tmp_path / "pyenv/versions/3.13.1/bin/python3.13")
    assert find_python("3.10", env, answers.get) is None
    own = f"{sys.version_info.major}.{sys.version_info.minor}"
    env["HARNESS_PYTHON3_10"] = sys.executable
    assert find_python("3.10", env, lambda p: "3.10" if p == sys.executable else None) == sys.executable
    assert own  # the harness's own version is found the same way


def test_a_missing_version_falls_back_to_the_harness_with_one_warning(tmp_path):
    env, answers = fake_machine(tmp_path, {})
    family = PythonFamily(env, answers.get)
    other = "python3.9" if sys.version_info[:2] != (3, 9) else "python3.10"
    verdict = family.check(other)
    own = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert verdict.usable and verdict.warning == f"functions declared {other} run on the local {own} interpreter"
    assert family.check(own).warning is None


def test_import_path_switch_and_cache_names():
    assert import_path_mode({}) == ISOLATED and import_path_mode({"HARNESS_PYTHON_IMPORT_PATH": "harness"}) == HARNESS
    assert import_path_mode({"HARNESS_PYTHON_IMPORT_PATH": "nonsense"}) == ISOLATED
    assert ric_version("3.9") == "3.1.1" and ric_version("3.12") == "4.2.2"
    assert cache_name("3.12").startswith("python3.12-ric4.2.2-boto3")


def test_launch_line_has_code_layers_and_no_user_site(tmp_path):
    fn = FunctionConfig(name="f", arn="arn:aws:lambda:us-east-1:1:function:f", runtime="python3.12",
                        handler="index.handler", timeout=3, memory_size=128, code_sha256="x", role="r",
                        region="us-east-1", account_id="1", environment=MappingProxyType({"PYTHONPATH": "/mine"}))
    launch = PythonLauncher("/cache/py/bin/python", isolated=True).launch(fn, tmp_path / "code", tmp_path / "opt")
    assert launch.argv[0] == "/cache/py/bin/python" and launch.argv[-1] == "index.handler"
    assert launch.env["PYTHONPATH"].split(":") == [str(tmp_path / "code"),
                                                    str(tmp_path / "opt/python/lib/python3.12/site-packages"),
                                                    str(tmp_path / "opt/python"), "/mine"]
    assert launch.env["PYTHONNOUSERSITE"] == "1"
    assert "PYTHONNOUSERSITE" not in PythonLauncher(sys.executable, isolated=False).launch(fn, tmp_path, None).env
