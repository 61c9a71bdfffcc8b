"""Deployment packages (function code and layer zips): what makes one unsafe, and extraction that stays inside
its folder.

`package_problem(data)` says why a zip cannot be taken (None when it can): not a zip, or an entry that could
reach outside the folder it is unzipped into - a name with a `..` part, an absolute name (`/x`, `C:\\x`, `\\\\host`),
a NUL byte, or a symbolic link whose target is absolute or climbs out with `..`. The Lambda API refuses such a
package with AWS's answer to a zip it cannot unzip (control/moto_changes/code_packages.py). `extract_zip`
unzips into a folder and never reads, writes or deletes outside it, whatever the zip holds (a package stored
before this check, or one that passed it, is checked again, entry by entry). Symbolic links inside the package
are written as regular files holding the link's target (as `zipfile` does).
Left out: zip bombs beyond Lambda's unzipped-size limit (not checked), container images.
"""
from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."


class UnsafePackage(ValueError):
    """A zip that is not one, or that names a path outside its folder."""


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def member_problem(name: str) -> str | None:
    """Why an entry name is unsafe to extract (None when it is safe)."""
    if "\x00" in name:
        return f"entry {name!r} holds a NUL byte"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return f"entry {name!r} is an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return f"entry {name!r} climbs out of the package with '..'"
    return None


def link_problem(name: str, target: str) -> str | None:
    """Why a symbolic link entry is unsafe (None when its target stays inside the package)."""
    posix = target.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return f"link {name!r} points to the absolute path {target!r}"
    depth = len(PurePosixPath(name.replace("\\", "/")).parts) - 1
    for part in PurePosixPath(posix).parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return f"link {name!r} points outside the package ({target!r})"
    return None


def package_problem(data: bytes) -> str | None:
    """Why `data` cannot be taken as a deployment package (None when it can)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                problem = member_problem(info.filename)
                if problem is None and _is_link(info) and info.file_size <= 4096:
                    problem = link_problem(info.filename, archive.read(info).decode("utf-8", "replace"))
                elif problem is None and _is_link(info):
                    problem = f"link {info.filename!r} has a target longer than 4096 bytes"
                if problem is not None:
                    return problem
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError) as error:
        return f"not a zip file ({error})"
    return None


def _inside(target: Path, name: str) -> Path:
    """The path of entry `name` under `target`, refusing anything that would land elsewhere."""
    problem = member_problem(name)
    if problem is not None:
        raise UnsafePackage(problem)
    path = target.joinpath(*[part for part in PurePosixPath(name.replace("\\", "/")).parts if part not in ("", ".")])
    # every folder on the way must be a real folder inside target (no link planted by an earlier entry)
    for parent in reversed(path.relative_to(target).parents[:-1] if path != target else ()):
        folder = target / parent
        if folder.is_symlink():
            raise UnsafePackage(f"entry {name!r} goes through the link {parent}")
    return path


def extract_zip(data: bytes, target: Path) -> None:
    """Unzip `data` into the existing folder `target`; a later zip's file replaces an earlier one's (layers).
    Unix permission bits are kept (scripts stay executable). UnsafePackage for an entry that would leave
    `target`; zipfile.BadZipFile for data that is not a zip."""
    target = Path(target)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = _inside(target, info.filename)
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink() or path.exists():
                if path.is_dir() and not path.is_symlink():
                    raise UnsafePackage(f"entry {info.filename!r} would replace a folder")
                path.unlink()  # a later layer replaces it (even a read-only one); a link is removed, not followed
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with archive.open(info) as source, os.fdopen(os.open(path, flags, 0o644), "wb") as sink:
                while chunk := source.read(1 << 20):
                    sink.write(chunk)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode | 0o400)
