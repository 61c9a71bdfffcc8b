"""Packaging and reading templates (deploy/template_package.py, template_source.py): pure, no AWS call."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from harness.deploy.template_package import (
    Artifact, build_artifact, deterministic_zip, find_artifacts, inline_includes, object_key, rewrite)
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
