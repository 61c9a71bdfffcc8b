"""The watcher's pure parts: what changed in the handler directory, what does not compile, the plan it runs."""
from __future__ import annotations

import os

from harness.deploy import Call, StackSettings, Wait, plan_code_update
from harness.deploy.watch import changes, snapshot, syntax_problems


def test_snapshot_holds_what_the_package_holds(tmp_path):
    (tmp_path / "index.py").write_text("x = 1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("y = 2\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "stale.pyc").write_bytes(b"\0")
    assert sorted(snapshot(tmp_path)) == ["index.py", "lib/util.py"]
    assert snapshot(tmp_path / "missing") == {}


def test_changes_are_added_removed_and_modified_files(tmp_path):
    (tmp_path / "index.py").write_text("x = 1\n")
    (tmp_path / "gone.py").write_text("")
    before = snapshot(tmp_path)
    assert changes(before, snapshot(tmp_path)) == ()
    (tmp_path / "index.py").write_text("x = 22\n")  # another size
    (tmp_path / "gone.py").unlink()
    (tmp_path / "new.py").write_text("")
    assert changes(before, snapshot(tmp_path)) == ("gone.py", "index.py", "new.py")
    same_size = snapshot(tmp_path)
    stat = (tmp_path / "index.py").stat()
    os.utime(tmp_path / "index.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a save, same size
    assert changes(same_size, snapshot(tmp_path)) == ("index.py",)


def test_syntax_problems_name_file_and_line_and_skip_other_files(tmp_path):
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return {\n")
    (tmp_path / "ok.py").write_text("x = 1\n")
    (tmp_path / "data.json").write_text("{nope")
    problems = syntax_problems(tmp_path, ("index.py", "ok.py", "data.json", "deleted.py"))
    assert len(problems) == 1 and problems[0].startswith("index.py:2: ")


def test_the_code_update_plan_touches_only_the_function_code():
    settings = StackSettings().with_prefix("dev-")
    plan = plan_code_update(settings, b"PK")
    assert [type(step) for step in plan] == [Call, Wait]
    assert plan[0].operation == "UpdateFunctionCode"
    assert plan[0].params == {"FunctionName": settings.function_name, "ZipFile": b"PK"}
    assert plan[1].waiter == "function_updated_v2"


class FakeLambda:
    """UpdateFunctionCode fails `failures` times, then works; the waiter returns at once."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.updates: list[bytes] = []

    def update_function_code(self, FunctionName, ZipFile):  # noqa: N803 - boto3's names
        from botocore.exceptions import ClientError

        if self.failures:
            self.failures -= 1
            raise ClientError({"Error": {"Code": "ServiceException", "Message": "try again"}}, "UpdateFunctionCode")
        self.updates.append(ZipFile)
        return {"ResponseMetadata": {}}

    def get_waiter(self, name):
        class Waiter:
            def wait(self, **kw):
                return None
        return Waiter()


class FakeClients:
    def __init__(self, lam: FakeLambda) -> None:
        from harness.clients import Endpoint

        self.endpoint = Endpoint("http://127.0.0.1:1")
        self.lam = lam

    def __call__(self, service):
        assert service == "lambda"
        return self.lam


def test_a_failed_update_is_reported_and_the_next_save_goes_live(tmp_path):
    import threading

    from harness.deploy.watch import Update, watch

    (tmp_path / "index.py").write_text("x = 1\n")
    lam = FakeLambda(failures=1)
    settings = StackSettings(code_dir=str(tmp_path))
    seen: list[Update] = []
    stop = threading.Event()

    def report(update: Update) -> None:
        seen.append(update)
        if len(seen) == 1:
            (tmp_path / "index.py").write_text("x = 333\n")  # the next save
        else:
            stop.set()

    before = snapshot(tmp_path)
    (tmp_path / "index.py").write_text("x = 22\n")  # saved while the first deploy ran: seen all the same
    thread = threading.Thread(target=watch, args=(settings, FakeClients(lam), report),
                              kwargs={"stop": stop, "interval_s": 0.02, "current_sha": "deployed", "since": before})
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    first, second = seen
    assert first.changed == ("index.py",) and not first.deployed and "ServiceException" in first.error
    assert second.deployed and second.error is None and len(lam.updates) == 1
