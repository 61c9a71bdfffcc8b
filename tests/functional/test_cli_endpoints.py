"""Endpoint mistakes: one line naming the mistake and what to type instead, exit status 2, never a traceback, the
same from every command that takes --endpoint. Real listeners on port 0: the session's embedded stack, a plain
web server (no AWS endpoint) and a port nothing listens on."""
from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harness import cli

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "tutorial" / "03_get_over_http.json"


@pytest.fixture(scope="module")
def web_server():
    """A plain web server: it answers, but it is no AWS endpoint."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def closed_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


def commands(endpoint: str, tmp_path: Path) -> dict[str, list[str]]:
    out = str(tmp_path / "outputs.json")
    return {
        "deploy": ["deploy", "--endpoint", endpoint, "--outputs", out],
        "logs": ["logs", "--endpoint", endpoint],
        "destroy": ["destroy", "--endpoint", endpoint, "--outputs", out],
        "replay": ["replay", str(SCENARIO), "--endpoint", endpoint],
        "load": ["load", "--endpoint", endpoint, "--requests", "1"],
    }


def run_each(endpoint: str, tmp_path: Path, capsys) -> dict[str, tuple[int, list[str]]]:
    """command -> (exit status, stderr lines) for every command given `endpoint`."""
    seen = {}
    for name, argv in commands(endpoint, tmp_path).items():
        code = cli.main(argv)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out, name
        seen[name] = (code, captured.err.strip().splitlines())
    return seen


def assert_every_command_says(seen: dict[str, tuple[int, list[str]]], line: str) -> None:
    assert seen == {name: (2, [line]) for name in seen}, seen
    assert len(seen) == 5


def test_an_endpoint_without_a_scheme(stack_url, tmp_path, capsys):
    hostport = stack_url.split("://")[1]
    seen = run_each(hostport, tmp_path, capsys)
    assert_every_command_says(seen, f"harness: endpoint {hostport} has no scheme: give {stack_url}")
    assert not any("port 80" in " ".join(lines) for _, lines in seen.values())  # replay said so once


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_https_to_the_embedded_stack_which_speaks_http(stack_url, tmp_path, capsys):
    https = stack_url.replace("http://", "https://")
    assert_every_command_says(run_each(https, tmp_path, capsys),
                              f"harness: endpoint {https}: the stack there speaks http, not https: give {stack_url}")


@pytest.mark.parametrize("form", ["/_aws/execute-api/abc123/prod/db-api",
                                  "/restapis/abc123/prod/_user_request_/db-api"])
def test_an_invoke_url_given_as_the_endpoint(stack_url, tmp_path, capsys, form):
    assert_every_command_says(run_each(stack_url + form, tmp_path, capsys),
                              f"harness: endpoint {stack_url}{form} is an API's invoke URL; give the stack's "
                              f"endpoint: {stack_url}")


def test_a_port_nothing_listens_on(closed_port, tmp_path, capsys):
    assert_every_command_says(run_each(f"http://localhost:{closed_port}", tmp_path, capsys),
                              f"harness: nothing answers at localhost:{closed_port} (connection refused); start one "
                              f"with `harness serve --port {closed_port}`, or point the endpoint elsewhere")


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_a_web_server_that_is_no_aws_endpoint(web_server, tmp_path, capsys):
    assert_every_command_says(run_each(f"http://{web_server}", tmp_path, capsys),
                              f"harness: {web_server} answers, but it is no AWS endpoint (an HTML page): give the "
                              "endpoint of `harness serve` or LocalStack")


def test_a_real_process_exits_2_with_the_line_and_no_traceback(web_server):
    done = subprocess.run([sys.executable, "-m", "harness", "replay", str(SCENARIO), "--endpoint", web_server],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.splitlines()) == (2, [
        f"harness: endpoint {web_server} has no scheme: give http://{web_server}"])


def test_verbose_shows_the_traceback_of_a_mapped_error(closed_port, capsys):
    assert cli.main(["-v", "logs", "--endpoint", f"http://127.0.0.1:{closed_port}"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "EndpointConnectionError" in err
    assert err.strip().splitlines()[-1].startswith(f"harness: nothing answers at 127.0.0.1:{closed_port}")
    assert " DEBUG botocore" not in err and " DEBUG urllib3" not in err  # -v is the harness's details only
