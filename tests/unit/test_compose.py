"""docker-compose.yml, Dockerfile and .dockerignore: the structure the issue asks for, checked without Docker.

The compose file is parsed with PyYAML and `${VAR:-default}` is interpolated here the way Compose does. When a
Compose binary is on PATH (`docker compose` or `docker-compose`), `config` (which needs no engine) checks too.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$` on every string of a parsed file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, default = match.group(1), match.group(2), match.group(3) or ""
        if op == ":-":
            return env.get(name) or default
        if op == "-":
            return env.get(name, default)
        return env.get(name, "")

    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}", one, value)


def load(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    return interpolate(yaml.safe_load(COMPOSE.read_text()), env or {})


def env_of(service: Mapping[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return dict(env)


def command_text(service: Mapping[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load()


def test_localstack_image_is_pinned_and_overridable(compose):
    assert compose["services"]["localstack"]["image"] == "localstack/localstack:4.14.0"
    raw = yaml.safe_load(COMPOSE.read_text())["services"]["localstack"]["image"]
    assert raw == "${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}"
    assert load({"LOCALSTACK_IMAGE": "localstack/localstack:latest"})["services"]["localstack"]["image"] \
        == "localstack/localstack:latest"


def test_auth_token_is_passed_through_never_written(compose):
    env = env_of(compose["services"]["localstack"])
    assert "LOCALSTACK_AUTH_TOKEN" in env
    assert env["LOCALSTACK_AUTH_TOKEN"] is None  # null: taken from the shell when set, absent otherwise
    assert not re.search(r"ls-[A-Za-z0-9]{6,}", COMPOSE.read_text())  # no token-shaped literal anywhere


def test_localstack_gets_the_docker_socket_for_lambda(compose):
    ls = compose["services"]["localstack"]
    assert "/var/run/docker.sock:/var/run/docker.sock" in ls["volumes"]
    assert env_of(ls)["DOCKER_HOST"] == "unix:///var/run/docker.sock"


def test_lambda_containers_join_the_stack_network_and_start_fast(compose):
    env = env_of(compose["services"]["localstack"])
    network = compose["networks"]["stack"]["name"]
    assert env["LAMBDA_DOCKER_NETWORK"] == network == "db-api-harness"
    assert env["HOSTNAME_FROM_LAMBDA"] == "localstack"  # the service name, resolvable on that network
    assert "stack" in compose["services"]["localstack"]["networks"]
    assert int(env["LAMBDA_KEEPALIVE_MS"]) >= 60_000
    assert int(env["LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT"]) >= 10
    assert set(env["SERVICES"].split(",")) == {"dynamodb", "iam", "sts", "lambda", "apigateway", "logs",
                                               "cloudformation", "s3"}  # the last two: templates
    assert env["PERSISTENCE"] == "0" and "DEBUG" in env
    renamed = load({"HARNESS_NETWORK": "other"})
    assert env_of(renamed["services"]["localstack"])["LAMBDA_DOCKER_NETWORK"] == renamed["networks"]["stack"]["name"]


def test_every_published_port_is_loopback_only(compose):
    published = [(name, port) for name, svc in compose["services"].items() for port in svc.get("ports", [])]
    assert published, "LocalStack and the emulator publish a port"
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert "127.0.0.1:4566:4566" in compose["services"]["localstack"]["ports"]


def test_healthchecks(compose):
    ls = compose["services"]["localstack"]["healthcheck"]
    assert ls["test"][0] == "CMD-SHELL" and "http://localhost:4566/_localstack/health" in ls["test"][1]
    assert '"lambda"' in ls["test"][1] and '"dynamodb"' in ls["test"][1]
    assert "$(" in ls["test"][1]  # `$$` in the file: a shell substitution, not a Compose variable
    emulator = compose["services"]["emulator"]["healthcheck"]
    assert "/_harness/health" in " ".join(emulator["test"])


def test_harness_waits_for_a_healthy_localstack_and_replays_into_reports(compose):
    harness = compose["services"]["harness"]
    assert harness["depends_on"] == {"localstack": {"condition": "service_healthy"}}
    assert "./reports:/reports" in harness["volumes"]
    assert env_of(harness)["AWS_ENDPOINT_URL"] == "http://localstack:4566"
    text = command_text(harness)
    deploy, replay = text.split("&&")
    assert "harness deploy --target localstack" in deploy
    assert replay.strip().startswith("exec harness replay scenarios --target localstack")  # its status is ours
    assert "--junit /reports/junit.xml" in replay and "--json /reports/transcript.json" in replay
    assert "--timing-bounds report" in replay  # container cold starts are LocalStack's, not the stack's
    assert "build" in harness and harness["user"] == "1000:1000"
    assert "/var/run/docker.sock:/var/run/docker.sock" not in harness["volumes"]


def test_emulator_profile_needs_no_token_and_no_socket(compose):
    services = compose["services"]
    for name in ("emulator", "harness-emulator"):
        assert services[name]["profiles"] == ["emulator"]
        assert not any("docker.sock" in v for v in services[name].get("volumes", []))
        assert "LOCALSTACK_AUTH_TOKEN" not in env_of(services[name])
    assert command_text(services["emulator"]) == "harness serve --host 0.0.0.0 --port 4566 --dynamodb moto"
    runner = services["harness-emulator"]
    assert runner["depends_on"] == {"emulator": {"condition": "service_healthy"}}
    assert "./reports:/reports" in runner["volumes"]
    text = command_text(runner)
    assert "exec harness replay scenarios --endpoint http://emulator:4566" in text
    assert "--junit /reports/junit.xml" in text and "--json /reports/transcript.json" in text
    assert "profiles" not in services["localstack"] and "profiles" not in services["harness"]


def test_usage_is_documented_in_the_file():
    text = COMPOSE.read_text()
    assert "docker compose up --build --exit-code-from harness" in text
    assert "--exit-code-from harness-emulator harness-emulator" in text
    assert "public.ecr.aws/lambda/python:3.12" in text  # the Lambda runtime image to pull once


def test_dockerfile_is_small_and_non_root():
    text = DOCKERFILE.read_text()
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(froms) == 2 and all(f == "${PYTHON_IMAGE}" for f in froms)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.12-slim", text, re.M)
    user = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert "PIP_NO_CACHE_DIR=1" in text and "build-essential" not in text
    assert re.search(r"^CMD \[\"harness\", \"run\"\]", text, re.M)
    assert "ENTRYPOINT" not in text  # compose's `sh -c` commands must run as given
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests", "reports", ".harness"} <= set(ignored)


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_compose_cli_accepts_the_file(tmp_path):
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no Compose CLI on PATH (docker compose / docker-compose): structure checked with PyYAML only")
    run = subprocess.run([*cli, "-f", str(COMPOSE), "--profile", "emulator", "config", "--format", "json"],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    model = json.loads(run.stdout)
    assert set(model["services"]) == {"localstack", "harness", "emulator", "harness-emulator"}
    assert model["services"]["localstack"]["ports"][0]["host_ip"] == "127.0.0.1"


def test_the_emulator_profile_can_run_dynamodb_local():
    """EMULATOR_DYNAMODB=local: the image is built with Java and DynamoDB Local, and `serve --dynamodb local`."""
    local = load({"EMULATOR_DYNAMODB": "local"})["services"]["emulator"]
    assert command_text(local).endswith("--dynamodb local")
    assert local["build"]["args"]["DYNAMODB_LOCAL"] == "local"
    text = DOCKERFILE.read_text()
    assert "ARG DYNAMODB_LOCAL=moto" in text and "openjdk-17-jre-headless" in text
    assert "dynamodb_local.fetch()" in text and "HARNESS_DYNAMODB_LOCAL_DIR=/opt/dynamodb-local" in text


def test_the_image_carries_the_python_runtime_environment_so_a_run_needs_no_network():
    text = DOCKERFILE.read_text()
    assert "ENV HARNESS_RUNTIME_CACHE=/opt/harness-runtimes" in text
    assert "prepare('python3.12')" in text  # python_runtimes.PythonFamily builds it at image build time
