"""Published versions and aliases: each runs the code it was published with; $LATEST runs the newest."""
from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from harness.deploy.package import build_zip

from .apikit import FUNCTIONS, Kit

pytestmark = pytest.mark.functional
V2 = "def echo(event, context):\n    return {'version': context.function_version, 'code': 'v2'}\n"


def test_versions_and_aliases_keep_their_code(clients):
    kit = Kit(clients, "ver")
    try:
        fn = kit.function("fn", "probe", handler="index.echo")
        lam = clients("lambda")
        version = lam.publish_version(FunctionName=fn["name"])["Version"]
        lam.create_alias(FunctionName=fn["name"], Name="live", FunctionVersion=version)
        lam.update_function_code(FunctionName=fn["name"], ZipFile=build_zip(FUNCTIONS / "probe", {"index.py": V2}))
        lam.get_waiter("function_updated_v2").wait(FunctionName=fn["name"], WaiterConfig={"Delay": 0.1})

        def invoke(qualifier: str) -> tuple[dict, dict]:
            answer = lam.invoke(FunctionName=fn["name"], Qualifier=qualifier, Payload=b'{"k": 1}', LogType="Tail")
            return answer, json.loads(answer["Payload"].read())

        for qualifier in (version, "live"):
            answer, payload = invoke(qualifier)
            assert answer["ExecutedVersion"] == version and payload["event"] == {"k": 1}  # the old code: echo
            assert f"START RequestId: {answer['ResponseMetadata']['RequestId']} Version: {version}" in \
                base64.b64decode(answer["LogResult"]).decode()
        answer, payload = invoke("$LATEST")
        assert answer["ExecutedVersion"] == "$LATEST" and payload == {"version": "$LATEST", "code": "v2"}
        with pytest.raises(ClientError) as missing:
            lam.invoke(FunctionName=fn["name"], Qualifier="99", Payload=b"{}")
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    finally:
        kit.teardown()
