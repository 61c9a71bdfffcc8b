"""`harness doctor` where LocalStack is looked for but an embedded stack (`harness serve`) answers: it says so."""
from __future__ import annotations

import pytest

from harness import cli
from harness.targets import doctor
from harness.targets import localstack as ls

pytestmark = pytest.mark.functional


def test_doctor_names_the_embedded_stack_answering_where_localstack_is_looked_for(stack_url, monkeypatch, capsys):
    monkeypatch.setenv("LOCALSTACK_HOST", stack_url.split("://")[1])  # the URL doctor probes
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert cli.main(["doctor"]) == 0
    line = next(text for text in capsys.readouterr().out.splitlines() if text.split()[0] == "localstack")
    assert line.split(None, 1)[1].strip() == (
        f"not usable  no LocalStack at {stack_url}: an embedded stack answers there (`harness serve`); use it with "
        f"--endpoint {stack_url}, or run LocalStack on another port and set LOCALSTACK_HOST")


def test_nothing_answering_is_still_nothing(monkeypatch):
    check = doctor.check_localstack({"LOCALSTACK_HOST": "127.0.0.1:9"}, docker=lambda: (_ for _ in ()).throw(
        RuntimeError("no engine")))
    assert not check.usable and check.reason.startswith(f"nothing answers http://127.0.0.1:9{ls.HEALTH_PATH}")


PRINTER = "def handler(event, context):\n    for n in range(2000):\n        print(f'line {n:05d} ' + 'x' * 90)\n"


@pytest.mark.slow  # its own stack (a small log cap)
def test_doctor_reports_what_a_running_stack_dropped_of_its_functions_logs(tmp_path, capsys):
    import json
    import time

    from harness.clients import Clients, Endpoint
    from harness.deploy.package import build_zip
    from harness.emulator.process import StackProcess
    from harness.targets.embedded import health

    from .apikit import Kit

    with StackProcess(region="us-west-1", env={"HARNESS_LOGS_MAX_MB": "0.05"}) as stack:
        assert cli.main(["doctor", "--endpoint", stack.url]) == 0
        line = next(text for text in capsys.readouterr().out.splitlines() if text.split()[0] == "stack")
        assert line.split(None, 1)[1].startswith(f"usable      the embedded stack at {stack.url} kept every log line")

        kit = Kit(Clients(Endpoint(stack.url, "us-west-1")), "doc")
        (tmp_path / "index.py").write_text(PRINTER)
        lam = kit.clients("lambda")
        lam.create_function(FunctionName=f"{kit.prefix}print", Runtime="python3.12", Role=kit.role_arn,
                            Handler="index.handler", Code={"ZipFile": build_zip(tmp_path)}, Timeout=30)
        lam.get_waiter("function_active_v2").wait(FunctionName=f"{kit.prefix}print", WaiterConfig={"Delay": 0.1})
        lam.invoke(FunctionName=f"{kit.prefix}print", Payload=json.dumps({}))
        deadline = time.monotonic() + 20
        while not (health(stack.url) or {}).get("logs", {}).get("dropped_events") and time.monotonic() < deadline:
            time.sleep(0.2)
        dropped = health(stack.url)["logs"]["dropped_events"]
        assert dropped > 0  # 2,000 lines of ~100 bytes (+300 counted each) past a 50 KB cap
        assert cli.main(["doctor", "--endpoint", stack.url]) == 0
        line = next(text for text in capsys.readouterr().out.splitlines() if text.split()[0] == "stack")
        assert line.split(None, 1)[1].startswith(
            f"not usable  the embedded stack at {stack.url} dropped function logs: {dropped} CloudWatch Logs "
            "events past its cap (0.05 MB; HARNESS_LOGS_MAX_MB), 0 output lines printed faster than they were shipped")
