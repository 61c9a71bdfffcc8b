"""What `sam build` + `sam package` do to a template's local paths (pure but for reading local files and pip).

`find_artifacts` lists the properties that name a local path: `CodeUri` (also from Globals), `ContentUri`,
`DefinitionUri`, `Code` / `Content` given as a path, `BodyS3Location` given as a path; a path that does not
exist is a `UsageError` naming the resource and property. `build_artifact` makes the bytes to upload: a
directory becomes a deterministic zip (sorted entries, fixed timestamps and modes: the same files give the same
bytes, so an unchanged package is not uploaded again), with the dependencies of its `requirements.txt`
installed into it by pip (cached under `.harness/cache/deps` by the file's content and the Python version); a
file (an OpenAPI definition, a zip) is uploaded as is. `rewrite` puts the uploaded S3 locations into the
template, in the form each property takes. `AWS::Include` of a local file is inlined by `inline_includes`.
Left out: `package.json` dependencies (npm) and `sam build`'s other builders (Makefile, container images).
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import UsageError

#: (resource type, property) -> how the uploaded location is written: "uri" s3://b/k, "code" {S3Bucket, S3Key},
#: "body" {Bucket, Key}
ARTIFACT_PROPERTIES: Mapping[tuple[str, str], str] = {
    ("AWS::Serverless::Function", "CodeUri"): "uri",
    ("AWS::Serverless::LayerVersion", "ContentUri"): "uri",
    ("AWS::Serverless::Api", "DefinitionUri"): "uri",
    ("AWS::Lambda::Function", "Code"): "code",
    ("AWS::Lambda::LayerVersion", "Content"): "code",
    ("AWS::ApiGateway::RestApi", "BodyS3Location"): "body",
}
_ZIPPED = {"CodeUri", "ContentUri", "Code", "Content"}
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIPPED = {"__pycache__", ".git", ".aws-sam", ".harness", "node_modules", ".venv"}


@dataclass(frozen=True)
class Artifact:
    """A local path one property of one resource names."""

    logical_id: str
    prop: str
    path: Path
    form: str  # "uri" | "code" | "body"

    @property
    def zipped(self) -> bool:
        return self.prop in _ZIPPED and self.path.is_dir()


def find_artifacts(body: Mapping[str, Any], base_dir: Path, template_name: str) -> list[Artifact]:
    """Every property naming a local path (S3 locations, inline code and intrinsic values are left alone)."""
    found = []
    globals_code = ((body.get("Globals") or {}).get("Function") or {}).get("CodeUri")
    for logical_id, resource in (body.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        kind, props = resource.get("Type"), resource.get("Properties") or {}
        for (type_name, prop), form in ARTIFACT_PROPERTIES.items():
            if kind != type_name:
                continue
            value = props.get(prop)
            if value is None and prop == "CodeUri" and "InlineCode" not in props and "ImageUri" not in props:
                value = globals_code
            if not isinstance(value, str) or value.startswith("s3://"):
                continue
            path = (base_dir / value).resolve()
            if not path.exists():
                raise UsageError(f"{template_name}: Resources/{logical_id}/Properties/{prop}: {value} does not exist "
                                 f"(relative to {base_dir})")
            found.append(Artifact(logical_id, prop, path, form))
    return found


def deterministic_zip(files: list[tuple[str, Path]]) -> bytes:
    """A zip of (name in zip, file) pairs whose bytes depend only on the names and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, file in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = (0o755 if os.access(file, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return buffer.getvalue()


def _files(root: Path) -> list[tuple[str, Path]]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED)
        for name in names:
            if name.endswith(".pyc"):
                continue
            file = Path(folder) / name
            found.append((file.relative_to(root).as_posix(), file))
    return found


def installed_dependencies(requirements: Path, cache_root: Path,
                           run: Callable[..., Any] = subprocess.run) -> Path:
    """A directory holding what `requirements` installs (pip), cached by its content and the Python version."""
    key = hashlib.sha256(requirements.read_bytes() + sys.version.encode()).hexdigest()[:24]
    target = cache_root.resolve() / key
    if (target / ".complete").exists():
        return target
    partial = cache_root.resolve() / f"{key}.partial"
    partial.mkdir(parents=True, exist_ok=True)
    done = run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-compile", "--target", str(partial), "-r", str(requirements.resolve())],
               capture_output=True, text=True, check=False, cwd=requirements.parent)  # its relative paths
    if done.returncode != 0:
        raise UsageError(f"{requirements}: pip could not install its dependencies: "
                         f"{' '.join((done.stderr or done.stdout or '').split())[-300:]}")
    (partial / ".complete").write_text("")
    partial.rename(target)
    return target


def build_artifact(artifact: Artifact, cache_root: Path) -> bytes:
    """The bytes to upload for `artifact` (a directory zipped with its requirements.txt dependencies)."""
    if not artifact.path.is_dir():
        return artifact.path.read_bytes()
    files = _files(artifact.path)
    requirements = artifact.path / "requirements.txt"
    if artifact.prop in ("CodeUri", "Code") and requirements.is_file() and requirements.read_text().strip():
        own = {name for name, _ in files}
        deps = installed_dependencies(requirements, cache_root)
        files += [(name, file) for name, file in _files(deps) if name not in own and name != ".complete"]
    elif artifact.prop in ("ContentUri", "Content") and (artifact.path / "python" / "requirements.txt").is_file():
        deps = installed_dependencies(artifact.path / "python" / "requirements.txt", cache_root)
        files += [(f"python/{name}", file) for name, file in _files(deps) if name != ".complete"]
    return deterministic_zip(files)


def object_key(data: bytes, artifact: Artifact) -> str:
    """The S3 key of an artifact: its content's digest (as `sam package` names them), with an extension."""
    suffix = ".zip" if artifact.zipped else artifact.path.suffix
    return hashlib.sha256(data).hexdigest() + suffix


def rewrite(body: Mapping[str, Any], locations: Mapping[tuple[str, str], tuple[str, str]]) -> dict[str, Any]:
    """The template with each packaged property replaced by its S3 location ((logical id, prop) -> (bucket, key))."""
    out = copy.deepcopy(dict(body))
    for (logical_id, prop), (bucket, key) in locations.items():
        resource = out["Resources"][logical_id]
        form = ARTIFACT_PROPERTIES[(resource["Type"], prop)]
        props = resource.setdefault("Properties", {})
        props[prop] = (f"s3://{bucket}/{key}" if form == "uri" else {"S3Bucket": bucket, "S3Key": key}
                       if form == "code" else {"Bucket": bucket, "Key": key})
    return out


def inline_includes(node: Any, base_dir: Path, template_name: str) -> Any:
    """`Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./local.yaml}}` replaced by the file's content
    (a local Location only; an s3:// one is left to CloudFormation)."""
    if isinstance(node, list):
        return [inline_includes(v, base_dir, template_name) for v in node]
    if not isinstance(node, dict):
        return node
    transform = node.get("Fn::Transform")
    if isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
        location = (transform.get("Parameters") or {}).get("Location")
        if isinstance(location, str) and not location.startswith("s3://"):
            from cfnlint.decode import decode_str

            file = (base_dir / location).resolve()
            if not file.is_file():
                raise UsageError(f"{template_name}: AWS::Include Location {location} does not exist")
            included, problems = decode_str(file.read_text(encoding="utf-8"))
            if problems:
                raise UsageError(f"{file}:{problems[0].linenumber}: not YAML or JSON: {problems[0].message}")
            content = inline_includes(json.loads(json.dumps(included)), file.parent, str(file))
            rest = {k: inline_includes(v, base_dir, template_name) for k, v in node.items() if k != "Fn::Transform"}
            return {**content, **rest} if isinstance(content, dict) and rest else content
    return {k: inline_includes(v, base_dir, template_name) for k, v in node.items()}
