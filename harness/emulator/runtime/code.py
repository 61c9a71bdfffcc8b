"""Deployment packages unzipped once per code hash under `work_dir/<hex of CodeSha256>/`.

Extraction goes to a temporary directory that is renamed into place, so a directory that exists is
complete; a per-hash lock keeps concurrent first invokes from extracting twice. Unix permission bits
stored in the zip are restored (scripts stay executable). Left out: layers, container images, evicting
old packages.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Callable

from ..model import FunctionConfig

log = logging.getLogger(__name__)


def code_dir_name(code_sha256: str) -> str:
    """A file-name-safe name for a CodeSha256 (base64 -> hex; anything else is hashed)."""
    try:
        raw = base64.b64decode(code_sha256, validate=True)
        if len(raw) == 32:
            return raw.hex()
    except (binascii.Error, ValueError):
        pass
    return hashlib.sha256(code_sha256.encode()).hexdigest()


def extract_zip(data: bytes, target: Path) -> None:
    """Unzip `data` into the existing directory `target` (zipfile refuses `..` and absolute names)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(path, mode | 0o400)


class CodeCache:
    """Maps a function's code hash to an unzipped directory, loading the zip only when needed."""

    def __init__(self, work_dir: Path, loader: Callable[[FunctionConfig], bytes]) -> None:
        self.work_dir = Path(work_dir)
        self._loader = loader
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def ensure(self, fn: FunctionConfig) -> Path:
        """The directory holding `fn`'s code, extracting it first if needed.

        Raises whatever the loader raises (LookupError for a function that is gone) and
        `zipfile.BadZipFile` for a package that is not a zip.
        """
        name = code_dir_name(fn.code_sha256)
        final = self.work_dir / name
        if final.is_dir():
            return final
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if final.is_dir():
                return final
            data = self._loader(fn)
            self.work_dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{name[:16]}-", dir=self.work_dir))
            try:
                extract_zip(data, tmp)
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():  # another process won the rename: fine; anything else is not
                    raise
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            log.debug("unzipped %s (%d bytes) into %s", fn.name, len(data), final)
            return final
