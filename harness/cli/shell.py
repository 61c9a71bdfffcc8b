"""Commands whose output is for the shell: `harness env` (for `eval "$(harness env)"`) and `harness outputs`.

`env` prints `export` lines that point the AWS CLI and boto3 at a local stack: AWS_ENDPOINT_URL, the region and
the dummy credentials local stacks take (`test`/`test`), and the stack as the HTTPS proxy of execute-api hosts
with the CA bundle that verifies it (so a template's `https://...execute-api...amazonaws.com` Outputs reach the
stack); it reads the endpoint URL but calls nothing (the local CA is made on first use).
`outputs` prints the deployed stack's outputs (.harness/outputs.json) or one of them (`harness outputs
invoke_url`), so no JSON tool is needed. Left out: shells without `export` (fish: use `bass` or set them by hand).
"""
from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import Any

from ..clients import FAKE_CREDENTIALS
from ..defaults import DEFAULT_REGION
from ..errors import UsageError
from ..targets.endpoint_checks import check_endpoint
from .options import DEFAULT_ENDPOINT, outputs_option


def add_parsers(sub: Any) -> None:
    """Register `harness env` and `harness outputs` on the CLI's subparsers."""
    env = sub.add_parser("env", help="print exports for aws and boto3: eval \"$(harness env)\"",
                         description="Print the variables that point the AWS CLI and boto3 at a local stack: "
                                     "AWS_ENDPOINT_URL, AWS_DEFAULT_REGION and its dummy credentials. Use: "
                                     "eval \"$(harness env)\". Calls nothing.")
    env.add_argument("--endpoint", metavar="URL", default=DEFAULT_ENDPOINT,
                     help=f"the stack's endpoint URL (default {DEFAULT_ENDPOINT}, where `harness serve` listens)")
    env.add_argument("--region", default=DEFAULT_REGION, help=f"AWS region (default: the tutorial's {DEFAULT_REGION})")
    env.add_argument("--no-https-proxy", action="store_true",
                     help="leave out HTTPS_PROXY/NO_PROXY and the CA bundle (the https://{api}.execute-api."
                          "{region}.amazonaws.com URLs of templates' Outputs then do not reach the stack)")
    env.set_defaults(func=cmd_env)

    out = sub.add_parser("outputs", help="print the last deploy's outputs, or one (e.g. invoke_url)",
                         description="Print the outputs of the last `harness deploy` (JSON), or the value of one "
                                     "of them (lists one item a line), e.g. "
                                     "curl \"$(harness outputs invoke_url)?TableName=messages\".")
    out.add_argument("name", nargs="?", metavar="NAME",
                     help="one output: invoke_url, api_id, function_name, tables, stage, region, ...")
    outputs_option(out, "the outputs JSON to read")
    out.set_defaults(func=cmd_outputs)


def env_lines(endpoint: str, region: str, https_proxy: bool = False) -> list[str]:
    """`export NAME=value` lines for a local stack at `endpoint` (checked, not called). With `https_proxy`, also
    the stack as the HTTPS proxy of execute-api hosts and the CA bundle that verifies it (emulator/tls_proxy.py):
    an API's AWS URL (`https://{api}.execute-api.{region}.amazonaws.com/{stage}/`) then reaches the stack."""
    key, secret = FAKE_CREDENTIALS
    values = {"AWS_ENDPOINT_URL": check_endpoint(endpoint), "AWS_DEFAULT_REGION": region,
              "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    if https_proxy:
        from ..emulator.tls_proxy import bundle_path

        bundle = str(bundle_path())
        values.update(HTTPS_PROXY=values["AWS_ENDPOINT_URL"], https_proxy=values["AWS_ENDPOINT_URL"],
                      NO_PROXY="127.0.0.1,localhost,::1", no_proxy="127.0.0.1,localhost,::1",
                      REQUESTS_CA_BUNDLE=bundle, SSL_CERT_FILE=bundle, AWS_CA_BUNDLE=bundle)
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def cmd_env(args: argparse.Namespace) -> int:
    print("\n".join(env_lines(args.endpoint, args.region, https_proxy=not args.no_https_proxy)))
    return 0


def cmd_outputs(args: argparse.Namespace) -> int:
    path = Path(args.outputs)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"no outputs in {path}: deploy first (harness deploy --endpoint URL)") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not an outputs file: {exc}") from exc
    if args.name is None:
        print(json.dumps(data, indent=2))
        return 0
    if not isinstance(data, dict) or args.name not in data:
        names = ", ".join(sorted(data)) if isinstance(data, dict) else "none"
        raise UsageError(f"no output {args.name!r} in {path}; there are: {names}")
    value = data[args.name]
    print("\n".join(map(str, value)) if isinstance(value, list) else value)
    return 0
