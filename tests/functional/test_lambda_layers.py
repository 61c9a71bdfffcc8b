"""Lambda layers: a function's layers are importable as from /opt/python (and its site-packages), merged in the
function's order (a later layer's file wins); changing the layers starts fresh execution environments."""
from __future__ import annotations

import json

import pytest

from harness.deploy.package import build_zip

from .apikit import Kit

pytestmark = pytest.mark.functional
HANDLER = ("import greet\nimport tidy\n\n\ndef handler(event, context):\n"
           "    return {'greet': greet.WORD, 'tidy': tidy.NAME}\n")


def test_layers_are_importable_in_order(clients, tmp_path):
    def zipped(files: dict[str, str]) -> bytes:
        return build_zip(tmp_path, files)  # an empty directory plus these files

    kit = Kit(clients, "ly")
    lam = clients("lambda")
    layers = []
    try:
        first = lam.publish_layer_version(LayerName=f"{kit.prefix}base", CompatibleRuntimes=["python3.12"], Content={
            "ZipFile": zipped({"python/greet.py": "WORD = 'one'\n",
                               "python/lib/python3.12/site-packages/tidy/__init__.py": "NAME = 'tidy'\n"})})
        second = lam.publish_layer_version(LayerName=f"{kit.prefix}over", Content={
            "ZipFile": zipped({"python/greet.py": "WORD = 'two'\n"})})
        layers += [(f"{kit.prefix}base", first["Version"]), (f"{kit.prefix}over", second["Version"])]
        name = f"{kit.prefix}fn"
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=kit.role_arn, Handler="index.handler",
                            Code={"ZipFile": zipped({"index.py": HANDLER})}, Timeout=10,
                            Layers=[first["LayerVersionArn"], second["LayerVersionArn"]])
        kit.functions.append(name)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})

        def invoke() -> dict:
            return json.loads(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())

        assert invoke() == {"greet": "two", "tidy": "tidy"}  # the later layer's greet.py wins
        lam.update_function_configuration(FunctionName=name, Layers=[first["LayerVersionArn"]])
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
        assert invoke() == {"greet": "one", "tidy": "tidy"}  # new layers: a new environment
        lam.update_function_configuration(FunctionName=name, Layers=[])
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
        failed = invoke()
        assert failed["errorType"] == "Runtime.ImportModuleError"
        assert failed["errorMessage"] == "Unable to import module 'index': No module named 'greet'"
    finally:
        for layer, version in layers:
            lam.delete_layer_version(LayerName=layer, VersionNumber=version)
        kit.teardown()
