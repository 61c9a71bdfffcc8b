"""What `sam build` + `sam package` do to a template's local paths (pure but for reading local files and pip).

`find_artifacts` lists the properties that name a local path: `CodeUri` (also from Globals), `ContentUri`,
`DefinitionUri`, `Code` / `Content` given as a path, `BodyS3Location` given as a path; a path that does not
exist is a `UsageError` naming the resource and property. `build_artifact` makes the bytes to upload: a
directory becomes a deterministic zip (sorted entries, fixed timestamps and modes: the same files give the same
bytes, so an unchanged package is not uploaded again), with the dependencies of its `requirements.txt`
installed into it by pip (cached under `.harness/cache/deps` by the file's content and the Python version), and
those its `package.json` declares in `dependencies` by `npm install --omit=dev` into `node_modules/` (as `sam
build` does; cached by package.json, the lock file, the content of local `file:` dependencies and the Node.js
version; a layer's `python/requirements.txt` and `nodejs/package.json` likewise); a file (an OpenAPI
definition, a zip) is uploaded as is. `rewrite` puts the uploaded S3 locations into the
template, in the form each property takes. `AWS::Include` of a local file is inlined by `inline_includes`.
Left out: `sam build`'s other builders (esbuild, Makefile, container images) and npm's `bundledDependencies`.
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import shutil
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


def _files(root: Path, skipped: frozenset[str] | set[str] = _SKIPPED) -> list[tuple[str, Path]]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skipped)
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


_DEPENDENCY_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json")


def _manifest(package_json: Path) -> dict[str, Any]:
    try:
        data = json.loads(package_json.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{package_json}: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{package_json}: not a package.json (an object)")
    return data


def declares_npm_dependencies(package_json: Path) -> bool:
    """True when `package_json` exists and names `dependencies` to install (none: npm is not run)."""
    return package_json.is_file() and bool(_manifest(package_json).get("dependencies"))


def _local_path(spec: Any) -> str | None:
    """The path a dependency spec names on this machine (`file:../lib`, `./x.tgz`), or None."""
    if not isinstance(spec, str):
        return None
    if spec.startswith("file:"):
        return spec[len("file:"):]
    return spec if spec.startswith(("./", "../", "/")) else None


def _tree_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    for name, file in ([(path.name, path)] if path.is_file() else _files(path)):
        digest.update(name.encode() + b"\0" + file.read_bytes())
    return digest.digest()


def installed_node_modules(package_json: Path, cache_root: Path,
                           run: Callable[..., Any] = subprocess.run) -> Path:
    """A directory whose `node_modules/` holds what `npm install --omit=dev` installs for `package_json`, cached
    by its content, its lock file, the content of its local (`file:`) dependencies and the Node.js version.
    Local dependencies are installed as copies (`--install-links`), their paths made absolute first."""
    source = package_json.parent.resolve()
    data = _manifest(package_json)
    npm = shutil.which("npm")
    if npm is None:
        raise UsageError(f"{package_json}: its dependencies need npm (Node.js's package manager), which is not "
                         "on the PATH")
    node = run(["node", "--version"], capture_output=True, text=True, check=False)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode() + (node.stdout or "").encode())
    for lock in _NPM_LOCKS:
        if (source / lock).is_file():
            digest.update(lock.encode() + (source / lock).read_bytes())
    for section in _DEPENDENCY_SECTIONS:
        for name, spec in sorted((data.get(section) or {}).items()):
            local = _local_path(spec)
            if local is None:
                continue
            path = (source / local).resolve()
            if not path.exists():
                raise UsageError(f"{package_json}: {section}.{name}: {local} does not exist (relative to {source})")
            data[section][name] = f"file:{path}"
            digest.update(name.encode() + _tree_digest(path))
    key = "npm-" + digest.hexdigest()[:24]
    target = cache_root.resolve() / key
    if (target / ".complete").exists():
        return target
    partial = cache_root.resolve() / f"{key}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    (partial / "package.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    for lock in _NPM_LOCKS:
        if (source / lock).is_file():
            shutil.copyfile(source / lock, partial / lock)
    done = run([npm, "install", "--omit=dev", "--no-audit", "--no-fund", "--no-update-notifier", "--install-links",
                "--loglevel=error"], capture_output=True, text=True, check=False, cwd=partial)
    if done.returncode != 0:
        raise UsageError(f"{package_json}: npm could not install its dependencies: "
                         f"{' '.join((done.stderr or done.stdout or '').split())[-300:]}")
    (partial / ".complete").write_text("")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def _node_modules(package_json: Path, cache_root: Path, under: str) -> list[tuple[str, Path]]:
    """(name in the zip, file) of each installed module file, under `under` + `node_modules/`."""
    modules = installed_node_modules(package_json, cache_root) / "node_modules"
    if not modules.is_dir():
        return []
    return [(f"{under}node_modules/{name}", file) for name, file in _files(modules, frozenset({".bin"}))
            if name != ".package-lock.json"]


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
    if artifact.prop in ("CodeUri", "Code") and declares_npm_dependencies(artifact.path / "package.json"):
        files += _node_modules(artifact.path / "package.json", cache_root, "")
    elif artifact.prop in ("ContentUri", "Content") and declares_npm_dependencies(
            artifact.path / "nodejs" / "package.json"):
        files += _node_modules(artifact.path / "nodejs" / "package.json", cache_root, "nodejs/")
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
