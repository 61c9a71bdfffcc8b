"""Deployment packages unzipped once per code hash under `work_dir/<hex of CodeSha256>/`.

Extraction goes to a temporary directory that is renamed into place, so a directory that exists is
complete; a per-hash lock keeps concurrent first invokes from extracting twice. Extraction (packages.py) keeps
Unix permission bits (scripts stay executable) and never reads, writes or deletes outside its folder. A
function's layers are unzipped, in its order, into one directory per list of layer versions (`layers-<hash>/`):
a later layer's file replaces an earlier one's, as in Lambda's /opt. Left out: container images, evicting old packages.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable

from ..packages import extract_zip
from ..snapshots import FunctionConfig

__all__ = ["CodeCache", "code_dir_name", "extract_zip"]

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


class CodeCache:
    """Maps a function's code hash to an unzipped directory, loading the zip only when needed."""

    def __init__(self, work_dir: Path, loader: Callable[[FunctionConfig], bytes],
                 layer_loader: Callable[[FunctionConfig, str], bytes] | None = None) -> None:
        self.work_dir = Path(work_dir)
        self._loader = loader
        self._layer_loader = layer_loader
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def ensure(self, fn: FunctionConfig) -> Path:
        """The directory holding `fn`'s code, extracting it first if needed.

        Raises whatever the loader raises (LookupError for a function that is gone) and
        `zipfile.BadZipFile` for a package that is not a zip, `packages.UnsafePackage` for one naming paths
        outside its folder.
        """
        return self._unzipped(code_dir_name(fn.code_sha256), lambda: [self._loader(fn)], fn.name)

    def ensure_layers(self, fn: FunctionConfig) -> Path | None:
        """The directory holding `fn`'s layers merged in order (Lambda's /opt), or None when it has none.
        LookupError when a layer is gone or no layer loader was given."""
        if not fn.layers:
            return None
        if self._layer_loader is None:
            raise LookupError("this runtime has no layer loader")
        loader = self._layer_loader
        name = "layers-" + hashlib.sha256("\n".join(fn.layers).encode()).hexdigest()[:32]
        return self._unzipped(name, lambda: [loader(fn, arn) for arn in fn.layers], f"{fn.name}'s layers")

    def _unzipped(self, name: str, load: Callable[[], list[bytes]], what: str) -> Path:
        final = self.work_dir / name
        if final.is_dir():
            return final
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if final.is_dir():
                return final
            zips = load()
            self.work_dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{name[:16]}-", dir=self.work_dir))
            try:
                for data in zips:  # in order: a later zip's file replaces an earlier one's
                    extract_zip(data, tmp)
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():  # another process won the rename: fine; anything else is not
                    raise
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            log.debug("unzipped %s (%d bytes) into %s", what, sum(map(len, zips)), final)
            return final
