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
