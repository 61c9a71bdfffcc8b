"""The runtime families' pure parts: which family runs a runtime name, Node.js selection and launch line,
provided.* bootstrap lookup, the handler files a package must hold, and the runtime cache's build-once rule."""
from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from harness.deploy.package import CodeDirError, check_code_dir, handler_files
from harness.emulator.runtime import runtime_cache
from harness.emulator.runtime.families import availability, family_for, known_runtimes
from harness.emulator.runtime.node import RIC_BY_MAJOR, LocalNode, NodeLauncher, cache_name, node_for
from harness.emulator.runtime.provided import ProvidedLauncher
from harness.emulator.snapshots import FunctionConfig


def fn(runtime: str, handler: str = "index.handler", memory: int = 256) -> FunctionConfig:
    return FunctionConfig(name="f", arn="arn:aws:lambda:us-east-1:1:function:f", runtime=runtime, handler=handler,
                          timeout=3, memory_size=memory, code_sha256="x", role="r", region="us-east-1",
                          account_id="1", environment=MappingProxyType({}))


def test_families_by_runtime_name():
    assert [type(family_for(r)).__name__ for r in ("python3.12", "nodejs20.x", "provided.al2023")] == [
        "PythonFamily", "NodeFamily", "ProvidedFamily"]
    assert family_for("java21") is None and family_for("nodejs16.x") is None and family_for("python2.7") is None
    assert not availability("ruby3.3").usable
    assert {"python3.12", "nodejs18.x", "nodejs24.x", "provided.al2"} <= set(known_runtimes())


def test_node_version_choice_and_client_per_runtime():
    nodes = [LocalNode("/a/node", "20.20.2"), LocalNode("/b/node", "22.1.0")]
    assert node_for("nodejs22.x", nodes).path == "/b/node"
    assert node_for("nodejs18.x", nodes).path == "/a/node"  # none of 18: the first found stands in
    assert node_for("nodejs20.x", []) is None
    assert RIC_BY_MAJOR[24].startswith("4.") and RIC_BY_MAJOR[22].startswith("3.")
    assert cache_name("nodejs20.x") == cache_name("nodejs22.x") != cache_name("nodejs24.x")


def test_node_launch_line_and_node_path(tmp_path):
    cache, code, layers = tmp_path / "cache", tmp_path / "work" / "abc", tmp_path / "layers"
    (cache / "node_modules").mkdir(parents=True)
    code.mkdir(parents=True)
    launcher = NodeLauncher("nodejs20.x", LocalNode("/usr/bin/node", "20.1.0"), cache, cache / "index.mjs")
    launch = launcher.launch(fn("nodejs20.x", memory=1024), code, layers)
    assert launch.argv == ("/usr/bin/node", "--expose-gc", "--max-http-header-size", "81920",
                           "--max-old-space-size=921", str(cache / "index.mjs"), "index.handler")
    assert launch.env["NODE_PATH"].split(":") == [
        str(layers / "nodejs/node20/node_modules"), str(layers / "nodejs/node_modules"),
        str(cache / "node_modules"), str(cache), str(code)]
    assert (tmp_path / "work" / "node_modules").resolve() == (cache / "node_modules").resolve()  # for ES modules


def test_provided_finds_the_code_bootstrap_then_the_layers(tmp_path):
    code, layers = tmp_path / "code", tmp_path / "opt"
    code.mkdir()
    layers.mkdir()
    (layers / "bootstrap").write_text("#!/bin/sh\n")
    (layers / "bootstrap").chmod(0o755)
    assert ProvidedLauncher().launch(fn("provided.al2"), code, layers).argv == (str(layers / "bootstrap"),)
    (code / "bootstrap").write_text("#!/bin/sh\n")
    (code / "bootstrap").chmod(0o755)
    assert ProvidedLauncher().launch(fn("provided.al2"), code, layers).argv == (str(code / "bootstrap"),)
    assert "Runtime.InvalidEntrypoint" in ProvidedLauncher().launch(fn("provided.al2"), tmp_path / "none",
                                                                    None).argv[-1]


def test_handler_files_per_runtime(tmp_path):
    assert handler_files("index.handler", "nodejs20.x") == ["index.js", "index.mjs", "index.cjs"]
    assert handler_files("app.main", "python3.12") == ["app.py", "app/__init__.py"]
    assert handler_files("whatever", "provided.al2023") == ["bootstrap"]
    (tmp_path / "index.mjs").write_text("export const handler = async () => 1;\n")
    check_code_dir(tmp_path, "index.handler", runtime="nodejs20.x")
    with pytest.raises(CodeDirError, match=r"has no index.py, the module of the handler index.handler"):
        check_code_dir(tmp_path, "index.handler", runtime="python3.12")
    with pytest.raises(CodeDirError, match=r"has no bootstrap, the file"):
        check_code_dir(tmp_path, "index.handler", runtime="provided.al2")


def test_runtime_cache_builds_once_and_remembers_a_failure(tmp_path):
    builds = []

    def build(target: Path) -> None:
        builds.append(target)
        (target / "made").write_text("yes")

    first = runtime_cache.ensure("thing", build, root=tmp_path)
    assert runtime_cache.ensure("thing", build, root=tmp_path) == first and len(builds) == 1
    assert (first / "made").read_text() == "yes" and runtime_cache.ready("thing", tmp_path) == first

    def broken(target: Path) -> None:
        builds.append(target)
        raise runtime_cache.RuntimeBuildError("no compiler")

    for _ in range(2):
        with pytest.raises(runtime_cache.RuntimeBuildError, match="no compiler"):
            runtime_cache.ensure("broken", broken, root=tmp_path)
    assert len(builds) == 2 and runtime_cache.ready("broken", tmp_path) is None  # tried once, no half entry
    assert runtime_cache.cache_root({"HARNESS_RUNTIME_CACHE": "/x"}) == Path("/x")
    assert runtime_cache.cache_root({"XDG_CACHE_HOME": "/c"}) == Path("/c/db-api-harness/runtimes")


def test_no_node_is_refused_with_the_reason_and_doctor_says_so(tmp_path, monkeypatch, capsys):
    from harness.emulator.runtime import families
    from harness.emulator.runtime.node import NodeFamily
    from harness.targets import doctor

    nowhere = NodeFamily({"PATH": str(tmp_path), "HOME": str(tmp_path)})
    verdict = nowhere.check("nodejs20.x")
    assert not verdict.usable and verdict.detail.startswith("no Node.js found")
    monkeypatch.setattr(families, "FAMILIES", (families.FAMILIES[0], nowhere, families.FAMILIES[2]))
    assert doctor.main() == 0
    out = capsys.readouterr().out
    assert "function runtimes on the embedded stack:" in out
    assert "  nodejs20.x       not usable  no Node.js found" in out
    assert "  provided.al2023  usable" in out and "  python3.12       usable" in out


def test_an_unusable_runtime_is_refused_at_invoke_with_the_reason(tmp_path, monkeypatch):
    from harness.emulator.aws_errors import AwsError
    from harness.emulator.runtime import LambdaRuntime, families
    from harness.emulator.runtime.node import NodeFamily

    nowhere = NodeFamily({"PATH": str(tmp_path), "HOME": str(tmp_path)})
    monkeypatch.setattr(families, "FAMILIES", (families.FAMILIES[0], nowhere, families.FAMILIES[2]))
    runtime = LambdaRuntime(endpoint_url="http://127.0.0.1:9", code_loader=lambda f: b"", log_writer=print,
                            work_dir=tmp_path / "code")
    try:
        with pytest.raises(AwsError) as refused:
            runtime.submit(fn("nodejs20.x"), b"{}")
        assert (refused.value.status, refused.value.code) == (502, "InvalidRuntimeException")
        assert refused.value.message.startswith(
            "The runtime parameter of nodejs20.x is not supported by this local stack: no Node.js found")
    finally:
        runtime.shutdown()


def test_fork_server_switch_and_adopted_process(monkeypatch):
    import os
    import sys

    from harness.emulator.runtime import fork_server, node_spares

    assert not fork_server.enabled({"HARNESS_FORK_SERVER": "0"})
    assert not node_spares.enabled({"HARNESS_FORK_SERVER": "off"})
    assert node_spares.enabled({}) and fork_server.enabled({}) == sys.platform.startswith("linux")
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    adopted = fork_server.AdoptedProcess(pid)
    assert adopted.poll() is None and adopted.wait() == 7 and adopted.returncode == 7
