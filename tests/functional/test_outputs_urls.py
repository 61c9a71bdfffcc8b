"""A test written for AWS, in the style of SAM's generated integration tests (read the API's URL from the stack's
Outputs, call it with `requests`), runs unchanged against the embedded stack with the environment `harness env`
prints: the stack is the HTTPS proxy of execute-api hosts, with a certificate from a local authority that the
exported CA bundle trusts (emulator/tls_proxy.py)."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]

AWS_STYLE_TEST = """\
import os
import boto3
import requests

stack = boto3.client("cloudformation").describe_stacks(StackName=os.environ["AWS_SAM_STACK_NAME"])["Stacks"][0]
api_url = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "ItemsApi")
assert api_url.startswith("https://") and ".execute-api." in api_url and api_url.endswith(".amazonaws.com/Prod/")
made = requests.post(api_url + "items", json={"name": "from an AWS-style test"})
assert made.status_code == 201, made.text
listed = requests.get(api_url + "items")
assert listed.status_code == 200 and made.json() in listed.json()["items"], listed.text
print("ok")
"""


def _exports(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        found[name] = shlex.split(value)[0] if value else ""
    return found


@pytest.mark.slow
def test_an_outputs_url_reaches_the_stack_with_harness_env(tmp_path, stack_url, clients):
    base = {k: v for k, v in os.environ.items()
            if not k.upper().startswith(("AWS_", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "REQUESTS_CA", "SSL_CERT"))}
    deployed = subprocess.run([sys.executable, "-m", "harness", "deploy", "--template",
                               str(ROOT / "examples" / "sam-crud" / "template.yaml"), "--stack-name", "outputs-url",
                               "--endpoint", stack_url, "--region", "us-west-1", "--no-lint"],
                              cwd=tmp_path, env=base, capture_output=True, text=True, timeout=180)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    try:
        env = subprocess.run([sys.executable, "-m", "harness", "env", "--endpoint", stack_url, "--region",
                              "us-west-1"], env=base, capture_output=True, text=True, timeout=60)
        assert env.returncode == 0, env.stderr
        exported = _exports(env.stdout)
        done = subprocess.run([sys.executable, "-c", AWS_STYLE_TEST], cwd=tmp_path, capture_output=True, text=True,
                              env={**base, **exported, "AWS_SAM_STACK_NAME": "outputs-url"}, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
    finally:
        clients("cloudformation").delete_stack(StackName="outputs-url")


def test_the_stack_proxies_execute_api_hosts_only(stack_url):
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(stack_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    connection.request("CONNECT", "example.com:443")
    answer = connection.getresponse()
    assert answer.status == 403
    connection.close()
