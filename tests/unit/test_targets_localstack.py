"""harness.targets.localstack without LocalStack: health answers from a tiny local server, function states from a
stub client, the image/token rules, and the Docker SDK starter against a fake engine (never pulls)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from harness.targets import localstack as ls
from harness import targets

READY = {"dynamodb": "running", "iam": "available", "sts": "available", "lambda": "running",
         "apigateway": "available", "logs": "available", "s3": "disabled"}


class Answers:
    """Scripted health answers: (status, body) per call, the last one repeated."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def next(self) -> tuple[int, Any]:
        self.calls += 1
        return self.answers[min(self.calls, len(self.answers)) - 1]


@pytest.fixture()
def health_server() -> Iterator[tuple[str, Answers]]:
    answers = Answers((200, {"services": READY, "edition": "community", "version": "4.14.0"}))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status, body = answers.next() if self.path == ls.HEALTH_PATH else (404, {"message": "no"})
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    holder = {"answers": answers}
    yield f"http://127.0.0.1:{server.server_address[1]}", holder  # type: ignore[misc]
    server.shutdown()
    server.server_close()


def test_probe_reads_services_version_edition(health_server):
    url, _ = health_server
    health = ls.probe(url)
    assert (health.reachable, health.version, health.edition) == (True, "4.14.0", "community")
    assert health.missing() == {}
    assert health.missing(("s3",)) == {"s3": "disabled"}


def test_probe_explains_what_is_not_localstack(health_server):
    url, holder = health_server
    holder["answers"].answers = [(200, {"status": "ok"})]
    assert "not LocalStack" in ls.probe(url).error
    holder["answers"].answers = [(503, {})]
    assert ls.probe(url).error == "HTTP 503 from /_localstack/health"
    closed = ls.probe("http://127.0.0.1:9")
    assert not closed.reachable and closed.error


def test_wait_healthy_polls_until_the_stack_services_are_up(health_server):
    url, holder = health_server
    starting = {**READY, "lambda": "initialized", "apigateway": "starting"}
    holder["answers"].answers = [(503, {}), (200, {"services": starting}), (200, {"services": READY})]
    sleeps: list[float] = []
    health = ls.wait_healthy(url, sleep=sleeps.append, clock=lambda: 0.0)
    assert health.services["lambda"] == "running" and holder["answers"].calls == 3 and len(sleeps) == 2


def test_wait_healthy_fails_fast_on_a_disabled_service_and_times_out(health_server):
    url, holder = health_server
    holder["answers"].answers = [(200, {"services": {**READY, "lambda": "disabled"}})]
    with pytest.raises(ls.LocalStackError, match="'lambda': 'disabled'"):
        ls.wait_healthy(url, sleep=lambda s: None)
    holder["answers"].answers = [(200, {"services": {**READY, "lambda": "starting"}})]
    ticks = iter(range(100))
    with pytest.raises(ls.LocalStackError, match="not healthy after 3 s.*lambda"):
        ls.wait_healthy(url, timeout=3, sleep=lambda s: None, clock=lambda: float(next(ticks)))


class FakeLambda:
    def __init__(self, states: dict[str, list[dict[str, str]]]) -> None:
        self.states = states
        self.reads: list[str] = []

    def get_paginator(self, name: str) -> Any:
        functions = [{"FunctionName": n} for n in self.states]
        return type("P", (), {"paginate": lambda self: iter([{"Functions": functions}])})()

    def get_function_configuration(self, FunctionName: str) -> dict[str, str]:  # noqa: N803
        self.reads.append(FunctionName)
        seq = self.states[FunctionName]
        return seq.pop(0) if len(seq) > 1 else seq[0]


def test_wait_functions_ready_waits_out_pending_and_updates():
    fake = FakeLambda({
        "a": [{"State": "Pending"}, {"State": "Pending"}, {"State": "Active"}],
        "b": [{"State": "Active", "LastUpdateStatus": "InProgress"}, {"State": "Active", "LastUpdateStatus": "Successful"}],
    })
    states = ls.wait_functions_ready(lambda service: fake, sleep=lambda s: None)
    assert states == {"a": "Active", "b": "Active"}
    assert fake.reads.count("a") == 3 and fake.reads.count("b") == 2


def test_wait_functions_ready_reports_failures_and_timeouts():
    failed = FakeLambda({"a": [{"State": "Failed", "StateReason": "image pull failed"}]})
    with pytest.raises(ls.LocalStackError, match="function a failed: image pull failed"):
        ls.wait_functions_ready(lambda s: failed, ["a"], sleep=lambda s: None)
    # scanning a shared LocalStack: someone else's failed function is logged, not fatal
    assert ls.wait_functions_ready(lambda s: failed, sleep=lambda s: None) == {"a": "Failed"}
    stuck = FakeLambda({"a": [{"State": "Pending"}]})
    ticks = iter(range(100))
    with pytest.raises(ls.LocalStackError, match="still Pending after 2 s: a"):
        ls.wait_functions_ready(lambda s: stuck, ["a"], timeout=2, sleep=lambda s: None,
                                clock=lambda: float(next(ticks)))


def test_wait_ready_checks_health_then_functions(health_server):
    url, _ = health_server
    fake = FakeLambda({"fn": [{"State": "Pending"}, {"State": "Active"}]})
    health = ls.wait_ready(targets.localstack.target(url), clients=lambda s: fake)
    assert health.version == "4.14.0" and fake.reads == ["fn", "fn"]


@pytest.mark.parametrize("image, needs", [
    ("localstack/localstack:4.14.0", False), ("localstack/localstack:4.14", False),
    ("localstack/localstack:3.8.1", False), ("localstack/localstack:community-archive", False),
    ("registry.local:5000/localstack/localstack:4.13.1", False),
    ("localstack/localstack:4.15.0", True), ("localstack/localstack:latest", True),
    ("localstack/localstack", True), ("localstack/localstack:stable", True),
    ("localstack/localstack:2026.3.0", True), ("localstack/localstack-pro:4.14.0", True),
])
def test_which_images_need_a_token(image, needs):
    assert ls.image_needs_token(image) is needs


def test_configured_image_default_and_override():
    assert ls.configured_image({}) == "localstack/localstack:4.14.0"
    assert ls.configured_image({"LOCALSTACK_IMAGE": "localstack/localstack:latest"}) == "localstack/localstack:latest"


def test_container_settings_loopback_socket_and_token_passthrough():
    plain = ls.container_settings("localstack/localstack:4.14.0", 4566, env={})
    assert plain["ports"] == {"4566/tcp": ("127.0.0.1", 4566)}
    assert plain["volumes"]["/var/run/docker.sock"]["bind"] == "/var/run/docker.sock"
    assert "LOCALSTACK_AUTH_TOKEN" not in plain["environment"]
    assert plain["labels"] == {ls.CONTAINER_LABEL: "1"}
    with_token = ls.container_settings("localstack/localstack:latest", 4566, env={"LOCALSTACK_AUTH_TOKEN": "t0k"})
    assert with_token["environment"]["LOCALSTACK_AUTH_TOKEN"] == "t0k"


class FakeContainer:
    def __init__(self) -> None:
        self.removed = False

    def remove(self, force: bool = False) -> None:
        self.removed = force


class FakeDocker:
    """Just enough of docker.DockerClient: images.get / containers.run; records what it was asked."""

    def __init__(self, present: set[str]) -> None:
        self.present = present
        self.runs: list[dict[str, Any]] = []
        self.container = FakeContainer()
        outer = self

        class Images:
            def get(self, name: str) -> Any:
                if name not in outer.present:
                    raise LookupError(name)
                return object()

            def pull(self, *args: Any, **kwargs: Any) -> Any:
                raise AssertionError("the starter must never pull")

        class Containers:
            def run(self, **kwargs: Any) -> FakeContainer:
                outer.runs.append(kwargs)
                return outer.container

        self.images, self.containers = Images(), Containers()


def test_start_never_pulls_and_needs_a_token_for_new_images(health_server):
    url, _ = health_server
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(ls.LocalStackError, match="not present locally.*docker pull localstack/localstack:4.14.0"):
        ls.start(FakeDocker(set()), port=port, env={})
    with pytest.raises(ls.LocalStackError, match="needs LOCALSTACK_AUTH_TOKEN"):
        ls.start(FakeDocker({"localstack/localstack:latest"}), "localstack/localstack:latest", port=port, env={})


def test_start_runs_waits_and_stop_removes(health_server):
    url, _ = health_server
    port = int(url.rsplit(":", 1)[1])
    docker = FakeDocker({"localstack/localstack:4.14.0"})
    started = ls.start(docker, port=port, env={})
    assert started.url == f"http://127.0.0.1:{port}" and docker.runs[0]["ports"] == {"4566/tcp": ("127.0.0.1", port)}
    started.stop()
    assert docker.container.removed


def test_session_reuses_a_running_localstack(health_server):
    url, _ = health_server
    with ls.session(url, connect=lambda: pytest.fail("must not touch Docker")) as found:
        assert found.url == url and not found.started and "4.14.0 already running" in found.reason


def test_session_without_docker_gives_a_skip_reason():
    def no_engine() -> Any:
        raise RuntimeError("Error while fetching server API version: ('Connection aborted.', "
                           "FileNotFoundError(2, 'No such file or directory'))")

    with ls.session("http://127.0.0.1:9", connect=no_engine, env={}) as found:
        assert found.url is None
        assert "no LocalStack answering at http://127.0.0.1:9" in found.reason
        assert "no Docker socket at unix:///var/run/docker.sock" in found.reason
    with ls.session("http://127.0.0.1:9", start_if_needed=False) as found:
        assert found.url is None and "starting one is disabled" in found.reason


def test_session_starts_and_removes_its_container(monkeypatch):
    docker = FakeDocker({"localstack/localstack:4.14.0"})
    monkeypatch.setattr(ls, "wait_healthy", lambda url, timeout: ls.Health(True, READY, "4.14.0"))
    with ls.session("http://127.0.0.1:9", connect=lambda: docker, env={}) as found:
        assert found.started and found.url == "http://127.0.0.1:9" and not docker.container.removed
    assert docker.container.removed


def test_docker_status_in_words():
    assert not ls.docker_status(lambda: (_ for _ in ()).throw(ImportError())).ok
    status = ls.docker_status(lambda: type("C", (), {"version": lambda self: {"Version": "27.1"}})())
    assert status == ls.DockerStatus(True, "Docker engine 27.1 reachable")
    refused = ls.docker_reason(ConnectionRefusedError("Connection refused"), {"DOCKER_HOST": "tcp://h:2375"})
    assert refused == "nothing accepts connections at tcp://h:2375"


def test_session_turns_engine_errors_into_a_skip_reason():
    docker = FakeDocker({"localstack/localstack:4.14.0"})

    def busy(**kwargs: Any) -> Any:
        raise RuntimeError("driver failed programming external connectivity: port is already allocated")

    docker.containers.run = busy
    with ls.session("http://127.0.0.1:9", connect=lambda: docker, env={}) as found:
        assert found.url is None and "port is already allocated" in found.reason


def test_wait_healthy_says_at_once_when_nothing_listens():
    """Nothing at the URL: a clear message after the short grace, not after the 180 s health timeout."""
    ticks = iter(range(100))
    with pytest.raises(ls.LocalStackError) as found:
        ls.wait_healthy("http://127.0.0.1:9", sleep=lambda s: None, clock=lambda: float(next(ticks)))
    message = str(found.value)
    assert message.startswith("no LocalStack answering at http://127.0.0.1:9 (")
    assert "LOCALSTACK_HOST=host:port" in message and "not healthy after" not in message
    assert next(ticks) <= ls.UNREACHABLE_GRACE_S + 3  # gave up at the grace, long before the timeout


def test_wait_healthy_keeps_waiting_for_a_localstack_that_answers_while_starting(health_server):
    """An HTTP error from a starting LocalStack is an answer: it gets the whole timeout, not the grace."""
    url, holder = health_server
    holder["answers"].answers = [(503, {})] * 8 + [(200, {"services": READY})]
    ticks = iter(range(100))
    health = ls.wait_healthy(url, sleep=lambda s: None, clock=lambda: float(next(ticks)), unreachable_grace=2)
    assert health.reachable and holder["answers"].calls == 9


def test_a_template_deploy_waits_for_cloudformation_and_s3_and_says_what_to_add(health_server):
    url, holder = health_server
    target = ls.target(url, region="us-west-1")
    holder["answers"].answers = [(200, {"services": {**READY, "cloudformation": "running", "s3": "running"}})]
    assert ls.wait_template_services(target, sleep=lambda s: None).services["cloudformation"] == "running"
    holder["answers"].answers = [(200, {"services": {**READY, "cloudformation": "disabled"}})]  # s3 too (READY)
    with pytest.raises(ls.LocalStackError, match="add cloudformation,s3 to LocalStack's SERVICES"):
        ls.wait_template_services(target, sleep=lambda s: None)
    assert ls.wait_template_services(targets.embedded.target("http://e")) is None  # asks nothing elsewhere
    started = ls.container_settings("localstack/localstack:4.14.0", 4566, env={})["environment"]["SERVICES"]
    assert set(ls.TEMPLATE_SERVICES) <= set(started.split(","))
