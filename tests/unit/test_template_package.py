"""Packaging and reading templates (deploy/template_package.py, template_source.py): pure, no AWS call."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from harness.deploy.template_package import (
    Artifact, build_artifact, declares_npm_dependencies, deterministic_zip, find_artifacts, inline_includes,
    installed_node_modules, object_key, rewrite)
from harness.deploy.template_source import parse_overrides, read_template, resolve_parameters
from harness.errors import UsageError


def _tree(root: Path) -> Path:
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (root / "src" / "pkg" / "x.py").write_text("X = 1\n")
    (root / "src" / "__pycache__").mkdir()
    (root / "src" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"junk")
    return root / "src"


def test_the_same_files_give_the_same_zip_bytes(tmp_path):
    src = _tree(tmp_path)
    artifact = Artifact("Fn", "CodeUri", src, "uri")
    first = build_artifact(artifact, tmp_path / "cache")
    (src / "app.py").touch()  # a new mtime, same content
    assert build_artifact(artifact, tmp_path / "cache") == first
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["app.py", "pkg/x.py"]
    assert object_key(first, artifact).endswith(".zip")
    (src / "app.py").write_text("changed\n")
    assert build_artifact(artifact, tmp_path / "cache") != first


def test_deterministic_zip_ignores_the_order_given(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("1")
    b.write_text("2")
    assert deterministic_zip([("a", a), ("b", b)]) == deterministic_zip([("b", b), ("a", a)])


def test_local_paths_are_found_from_properties_and_globals_and_rewritten(tmp_path):
    src = _tree(tmp_path)
    (tmp_path / "api.yaml").write_text("openapi: 3.0.1\n")
    body = {"Globals": {"Function": {"CodeUri": "src/"}}, "Resources": {
        "A": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "app.handler"}},
        "B": {"Type": "AWS::Serverless::Function", "Properties": {"InlineCode": "x"}},
        "C": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"}}},
        "D": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "s3://b/k.zip"}},
        "E": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"BodyS3Location": "api.yaml"}},
        "F": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"Content": "src"}}}}
    found = find_artifacts(body, tmp_path, "template.yaml")
    assert [(a.logical_id, a.prop, a.path) for a in found] == [
        ("A", "CodeUri", src), ("E", "BodyS3Location", tmp_path / "api.yaml"), ("F", "Content", src)]
    out = rewrite(body, {("A", "CodeUri"): ("bkt", "k1.zip"), ("E", "BodyS3Location"): ("bkt", "k2.yaml"),
                         ("F", "Content"): ("bkt", "k3.zip")})
    assert out["Resources"]["A"]["Properties"]["CodeUri"] == "s3://bkt/k1.zip"
    assert out["Resources"]["E"]["Properties"]["BodyS3Location"] == {"Bucket": "bkt", "Key": "k2.yaml"}
    assert out["Resources"]["F"]["Properties"]["Content"] == {"S3Bucket": "bkt", "S3Key": "k3.zip"}
    assert "CodeUri" not in body["Resources"]["A"]["Properties"]  # the input is left as it was


def test_a_missing_path_names_the_resource_and_property(tmp_path):
    body = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "gone/"}}}}
    with pytest.raises(UsageError, match=r"^template.yaml: Resources/Fn/Properties/CodeUri: gone/ does not exist"):
        find_artifacts(body, tmp_path, "template.yaml")


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_aws_include_of_a_local_file_is_inlined(tmp_path):
    (tmp_path / "more.yaml").write_text(
        "Q:\n  Type: AWS::SQS::Queue\n  Properties:\n    QueueName: !Sub '${AWS::StackName}-q'\n")
    body = {"Resources": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "more.yaml"}}}}
    assert inline_includes(body, tmp_path, "t") == {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}}}}
    with pytest.raises(UsageError, match="AWS::Include Location nope.yaml does not exist"):
        inline_includes({"X": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "nope.yaml"}}}},
                        tmp_path, "t")


def test_parameters_are_checked_against_the_template(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "Parameters:\n  Env: {Type: String, AllowedValues: [dev, prod]}\n  Size: {Type: Number, Default: 1}\n"
        "Resources:\n  Q: {Type: 'AWS::SQS::Queue'}\n")
    source = read_template(tmp_path / "t.yaml")
    assert resolve_parameters(source, {"Env": "dev"}) == {"Env": "dev"}
    with pytest.raises(UsageError, match=r"Parameters/Env has no Default and no value"):
        resolve_parameters(source, {})
    with pytest.raises(UsageError, match=r"Parameters/Env: 'test' is not one of its AllowedValues \(dev, prod\)"):
        resolve_parameters(source, {"Env": "test"})
    with pytest.raises(UsageError, match=r"names Other, which the template's Parameters do not declare"):
        resolve_parameters(source, {"Env": "dev", "Other": "1"})
    assert parse_overrides(["A=1", "B=x=y"]) == {"A": "1", "B": "x=y"}
    with pytest.raises(UsageError, match="is not KEY=VALUE"):
        parse_overrides(["nokey"])


def test_a_template_that_is_not_a_template_is_refused(tmp_path):
    (tmp_path / "t.json").write_text('{"Resources": {}}')
    with pytest.raises(UsageError, match="has no Resources"):
        read_template(tmp_path / "t.json")
    with pytest.raises(UsageError, match="no such template file"):
        read_template(tmp_path / "missing.yaml")


class FakeNpm:
    """Records the npm calls and "installs" each dependency as node_modules/NAME/index.js (no npm run)."""

    def __init__(self) -> None:
        self.installs: list[tuple[list[str], Path, dict]] = []

    def __call__(self, args: list[str], cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
        if args[0] == "node":
            return subprocess.CompletedProcess(args, 0, "v20.0.0\n", "")
        manifest = json.loads((Path(cwd) / "package.json").read_text())
        self.installs.append((args, Path(cwd), manifest))
        for name in manifest.get("dependencies") or {}:
            (Path(cwd) / "node_modules" / name).mkdir(parents=True)
            (Path(cwd) / "node_modules" / name / "index.js").write_text(f"// {name}\n")
        (Path(cwd) / "node_modules" / ".package-lock.json").write_text("{}")
        return subprocess.CompletedProcess(args, 0, "", "")


@pytest.fixture
def node_project(tmp_path):
    if shutil.which("npm") is None:
        pytest.skip("npm is not on the PATH")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "index.js").write_text("module.exports = 1;\n")
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "index.js").write_text("exports.handler = async () => 1;\n")
    (tmp_path / "fn" / "node_modules" / "stale").mkdir(parents=True)  # the developer's own: never packaged
    (tmp_path / "fn" / "node_modules" / "stale" / "index.js").write_text("x")
    (tmp_path / "fn" / "package.json").write_text(json.dumps({
        "name": "fn", "dependencies": {"lib": "file:../lib", "left-pad": "^1.3.0"},
        "devDependencies": {"jest": "^29"}}))
    return tmp_path


def test_npm_installs_production_dependencies_with_local_paths_made_absolute(node_project):
    npm = FakeNpm()
    where = installed_node_modules(node_project / "fn" / "package.json", node_project / "cache", run=npm)
    [(args, cwd, manifest)] = npm.installs
    assert args[1:3] == ["install", "--omit=dev"] and "--install-links" in args
    assert manifest["dependencies"] == {"lib": f"file:{node_project / 'lib'}", "left-pad": "^1.3.0"}
    assert where.name.startswith("npm-") and (where / ".complete").exists()
    again = installed_node_modules(node_project / "fn" / "package.json", node_project / "cache", run=npm)
    assert again == where and len(npm.installs) == 1  # cached by content
    (node_project / "lib" / "index.js").write_text("module.exports = 2;\n")  # a local dependency changed
    changed = installed_node_modules(node_project / "fn" / "package.json", node_project / "cache", run=npm)
    assert changed != where and len(npm.installs) == 2


def test_the_package_holds_the_installed_node_modules_only(node_project, monkeypatch):
    import harness.deploy.template_package as package

    npm = FakeNpm()
    monkeypatch.setattr(package, "installed_node_modules", lambda p, c, run=npm: installed_node_modules(p, c, run))
    data = build_artifact(Artifact("Fn", "CodeUri", node_project / "fn", "uri"), node_project / "cache")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["index.js", "node_modules/left-pad/index.js", "node_modules/lib/index.js",
                                      "package.json"]


def test_npm_is_not_run_without_dependencies_and_bad_manifests_are_named(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x", "devDependencies": {"jest": "^29"}}')
    assert not declares_npm_dependencies(tmp_path / "package.json")
    assert not declares_npm_dependencies(tmp_path / "missing.json")
    (tmp_path / "package.json").write_text("{")
    with pytest.raises(UsageError, match="package.json: not JSON"):
        declares_npm_dependencies(tmp_path / "package.json")
    (tmp_path / "package.json").write_text('{"dependencies": {"lib": "file:../nowhere"}}')
    if shutil.which("npm"):
        with pytest.raises(UsageError, match=r"dependencies.lib: ../nowhere does not exist"):
            installed_node_modules(tmp_path / "package.json", tmp_path / "cache", run=FakeNpm())
