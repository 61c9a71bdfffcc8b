"""Deployment packages: each kind of unsafe entry is named, and extraction touches nothing outside its folder."""
from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from harness.emulator.packages import UnsafePackage, extract_zip, link_problem, member_problem, package_problem


def zip_of(*entries: tuple[str, bytes, int]) -> bytes:
    """A zip holding (name, data, unix mode) entries exactly as named (no clean-up of the names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo("placeholder")
            info.filename = name  # ZipInfo() would turn backslashes into slashes; keep the name as an attacker writes it
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


FILE = stat.S_IFREG | 0o644
LINK = stat.S_IFLNK | 0o777


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/abs/x", "C:/x", "\\\\host\\x", "..\\x", "a\x00b"])
def test_unsafe_names_are_named(name):
    assert member_problem(name) is not None


@pytest.mark.parametrize("name", ["index.py", "a/b/c.py", "a/..b", "...", "python/lib/x.py", "./a"])
def test_safe_names_pass(name):
    assert member_problem(name) is None


@pytest.mark.parametrize("name, target, safe", [
    ("a/link", "../b", True),
    ("a/link", "b", True),
    ("link", "../x", False),
    ("a/link", "../../x", False),
    ("link", "/etc/passwd", False),
    ("a/link", "./../../x", False),
])
def test_links_must_stay_inside(name, target, safe):
    assert (link_problem(name, target) is None) is safe


@pytest.mark.parametrize("entries", [
    [("../victim", b"pwned", FILE)],
    [("/tmp/abs-victim", b"pwned", FILE)],
    [("link", b"/etc", LINK)],
    [("link", b"../..", LINK)],
])
def test_unsafe_packages_are_refused(entries):
    assert package_problem(zip_of(*entries)) is not None


def test_not_a_zip_is_refused():
    assert "not a zip" in package_problem(b"PK\x03\x04 not really")


def test_a_good_package_passes():
    assert package_problem(zip_of(("index.py", b"x = 1\n", FILE), ("bin/", b"", stat.S_IFDIR | 0o755),
                                  ("bin/self", b"../index.py", LINK))) is None


@pytest.mark.parametrize("name", ["../victim", "../../victim", "a/../../victim"])
def test_extraction_never_deletes_or_writes_outside(tmp_path, name):
    """The old extraction removed `target / name` before the name was cleaned: `../victim` deleted a host file."""
    target = tmp_path / "x" / "code"
    target.mkdir(parents=True)
    victims = [tmp_path / "x" / "victim", tmp_path / "victim"]
    for victim in victims:
        victim.write_text("keep me")
    with pytest.raises(UnsafePackage):
        extract_zip(zip_of((name, b"pwned", FILE)), target)
    assert all(victim.read_text() == "keep me" for victim in victims)
    assert list(target.iterdir()) == []


def test_extraction_of_an_absolute_name_stays_inside(tmp_path):
    outside = tmp_path / "abs-victim"
    outside.write_text("keep me")
    target = tmp_path / "code"
    target.mkdir()
    with pytest.raises(UnsafePackage):
        extract_zip(zip_of((str(outside), b"pwned", FILE)), target)
    assert outside.read_text() == "keep me"


def test_extraction_never_follows_a_planted_link(tmp_path):
    """A link already in the folder (say, from an earlier layer) is replaced, never written through."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f").write_text("keep me")
    target = tmp_path / "code"
    target.mkdir()
    (target / "f").symlink_to(outside / "f")
    (target / "d").symlink_to(outside)
    extract_zip(zip_of(("f", b"new", FILE)), target)
    assert (outside / "f").read_text() == "keep me" and (target / "f").read_text() == "new"
    assert not (target / "f").is_symlink()
    with pytest.raises(UnsafePackage):
        extract_zip(zip_of(("d/f", b"pwned", FILE)), target)
    assert (outside / "f").read_text() == "keep me"


def test_a_later_layer_replaces_a_read_only_file(tmp_path):
    extract_zip(zip_of(("python/m.py", b"A = 1\n", stat.S_IFREG | 0o444)), tmp_path)
    extract_zip(zip_of(("python/m.py", b"A = 2\n", FILE)), tmp_path)
    assert Path(tmp_path / "python" / "m.py").read_bytes() == b"A = 2\n"
