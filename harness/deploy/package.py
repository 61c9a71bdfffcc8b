"""Build the function's deployment package: a deterministic zip of the handler directory.

Same files in, same bytes out (fixed timestamps, sorted names), so an unchanged handler keeps its CodeSha256.
`extra_files` add or replace files (fault injection: a broken module, a sleeping handler...). `check_code_dir`
refuses a directory that is missing, empty or without the handler's module before anything is built or called.
Left out: dependency vendoring (the handler uses only what the Lambda Python runtime ships).
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from pathlib import Path
from typing import Iterator, Mapping

from ..errors import UsageError

_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".pytest_cache"}


def package_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(name in the package, path) of every file under `root` the package holds: caches are skipped."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix != ".pyc" and not _SKIP_DIRS.intersection(relative.parts) and path.is_file():
            yield relative.as_posix(), path


class CodeDirError(UsageError):
    """The handler directory cannot be deployed: missing, empty, or without the handler's module."""


def handler_module(handler: str) -> str:
    """The file Lambda's Python runtime imports for `handler`: `index.handler` -> `index.py`."""
    module = handler.rsplit(".", 1)[0] if "." in handler else handler
    return module.replace(".", "/") + ".py"


def handler_files(handler: str, runtime: str = "python3.12") -> list[str]:
    """The files any of which holds `handler` for `runtime`: `index.py` (or a package's `__init__.py`) for
    Python, `index.js`/`.mjs`/`.cjs` for Node.js, the `bootstrap` executable for provided.*; [] when unknown."""
    if runtime.startswith("python"):
        module = handler_module(handler)
        return [module, module[:-3] + "/__init__.py"]
    if runtime.startswith("nodejs"):
        module = handler.rsplit(".", 1)[0] if "." in handler else handler
        return [module + ext for ext in (".js", ".mjs", ".cjs")]
    if runtime.startswith("provided"):
        return ["bootstrap"]
    return []


def check_code_dir(code_dir: str | Path, handler: str = "index.handler", extra_files: Mapping[str, str] | None = None,
                   runtime: str = "python3.12") -> None:
    """CodeDirError naming the problem unless `code_dir` (plus `extra_files`) holds `handler`'s file."""
    root = Path(code_dir)
    if not root.is_dir():
        raise CodeDirError(f"handler directory not found: {root}")
    names = {name for name, _ in package_files(root)} | set(extra_files or {})
    wanted = handler_files(handler, runtime)
    module = " or ".join(wanted[:1] if runtime.startswith("python") else wanted) or handler
    what = "the file" if runtime.startswith("provided") else "the module of the handler " + handler
    if not names:
        raise CodeDirError(f"handler directory {root} is empty: it must hold {module}, {what}")
    if wanted and not names.intersection(wanted):
        raise CodeDirError(f"handler directory {root} has no {module}, {what}")


def build_zip(code_dir: str | Path, extra_files: Mapping[str, str] | None = None) -> bytes:
    """Zip `code_dir` (recursively, skipping caches) plus `extra_files` (name -> text); files are 0644, or 0755
    when executable here (a custom runtime's `bootstrap`), with a fixed date (the same files, the same zip)."""
    root = Path(code_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"handler directory not found: {root}")
    files: dict[str, bytes] = {name: path.read_bytes() for name, path in package_files(root)}
    executable = {name for name, path in package_files(root) if os.access(path, os.X_OK)}  # a bootstrap stays one
    for name, text in (extra_files or {}).items():
        files[name] = text.encode()
        executable.discard(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def code_sha256(package: bytes) -> str:
    """The CodeSha256 Lambda reports for a package: base64 of the SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(package).digest()).decode()
