"""`harness deploy --template` / `harness destroy --stack-name` against the embedded stack, as a user runs them:
a SAM project (Function + Api events + SimpleTable + Globals + Policies) deployed, called over HTTP, updated,
left alone when unchanged, destroyed with its packaging bucket; a dependency of requirements.txt packaged with
the function; a failing resource's name, type and reason printed (exit 1, rolled back); bad input refused with
one line naming the place (exit 2, nothing deployed); cfn-lint's errors stopping a deploy."""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from .runtimekit import node20  # noqa: F401 (fixture: skips where Node.js functions cannot run)

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]
REGION = "us-west-1"


def harness(cwd: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def deploy(cwd: Path, url: str, template: Path, *more: str) -> subprocess.CompletedProcess:
    return harness(cwd, "deploy", "--template", str(template), "--endpoint", url, "--region", REGION, *more)


def outputs_of(clients, name: str) -> dict[str, str]:
    stack = clients("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def api_base(stack_url: str, url_output: str) -> str:
    api_id = url_output.split("//", 1)[1].split(".", 1)[0]
    return f"{stack_url}/_aws/execute-api/{api_id}/Prod"


@pytest.mark.slow
def test_the_sam_example_deploys_answers_updates_and_is_destroyed(tmp_path, stack_url, clients):
    project = tmp_path / "sam-crud"
    shutil.copytree(ROOT / "examples" / "sam-crud", project)
    name = "sam-crud-cli"
    done = deploy(tmp_path, stack_url, project / "template.yaml", "--stack-name", name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"harness: {name}: CREATE_COMPLETE" in done.stdout
    base = api_base(stack_url, outputs_of(clients, name)["ItemsApi"])
    made = requests.post(f"{base}/items", json={"name": "pen"}, timeout=30)
    assert made.status_code == 201, made.text
    item = made.json()
    assert requests.get(f"{base}/items/{item['id']}", timeout=30).json() == item
    assert requests.post(f"{base}/items", data="{", timeout=30).status_code == 400
    # unchanged: nothing to do
    again = deploy(tmp_path, stack_url, project / "template.yaml", "--stack-name", name)
    assert again.returncode == 0 and f"harness: {name}: No updates are to be performed." in again.stdout
    # a parameter override updates the function in place
    changed = deploy(tmp_path, stack_url, project / "template.yaml", "--stack-name", name,
                     "--parameter-overrides", "Greeting=hi")
    assert changed.returncode == 0 and "UPDATE_COMPLETE" in changed.stdout, changed.stdout + changed.stderr
    assert requests.get(f"{base}/items", timeout=30).json()["greeting"] == "hi"
    buckets = [b["Name"] for b in clients("s3").list_buckets()["Buckets"] if b["Name"].startswith("harness-artifacts-")]
    tagged = [b for b in buckets if {"Key": "harness:stack", "Value": name} in
              clients("s3").get_bucket_tagging(Bucket=b)["TagSet"]]
    assert len(tagged) == 1
    gone = harness(tmp_path, "destroy", "--stack-name", name, "--endpoint", stack_url, "--region", REGION)
    assert gone.returncode == 0 and f"harness: destroyed {name}" in gone.stdout
    assert tagged[0] not in [b["Name"] for b in clients("s3").list_buckets()["Buckets"]]
    assert name not in [s["StackName"] for s in clients("cloudformation").describe_stacks()["Stacks"]]


def _wheel(folder: Path) -> Path:
    """A wheel of `harness_probe_dep` (a package the harness's venv does not have), built here, offline."""
    files = {"harness_probe_dep/__init__.py": b"VALUE = 'packaged with the function'\n",
             "harness_probe_dep-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: harness-probe-dep\n"
                                                         b"Version: 1.0\n",
             "harness_probe_dep-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                      b"Tag: py3-none-any\n"}
    record = "".join(f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()}"
                     f",{len(data)}\n" for name, data in files.items())
    record += "harness_probe_dep-1.0.dist-info/RECORD,,\n"
    path = folder / "harness_probe_dep-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr("harness_probe_dep-1.0.dist-info/RECORD", record)
    return path


PLAIN_FUNCTION = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: src/
Outputs:
  Name:
    Value: !Ref Fn
"""


@pytest.mark.slow
def test_a_requirements_txt_dependency_is_packaged_with_the_function(tmp_path, stack_url, clients):
    pytest.importorskip("pip")
    with pytest.raises(ImportError):
        __import__("harness_probe_dep")
    (tmp_path / "wheels").mkdir()
    _wheel(tmp_path / "wheels")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import harness_probe_dep\n\ndef handler(event, context):\n    return harness_probe_dep.VALUE\n")
    (tmp_path / "src" / "requirements.txt").write_text("../wheels/harness_probe_dep-1.0-py3-none-any.whl\n")
    (tmp_path / "template.yaml").write_text(PLAIN_FUNCTION)
    done = deploy(tmp_path, stack_url, tmp_path / "template.yaml", "--stack-name", "packaged-dep")
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        name = outputs_of(clients, "packaged-dep")["Name"]
        answer = clients("lambda").invoke(FunctionName=name, Payload=b"{}")
        payload = answer["Payload"].read()
        assert payload == b"\"packaged with the function\"", payload
        assert any((tmp_path / ".harness" / "cache" / "deps").iterdir())  # cached by content
    finally:
        harness(tmp_path, "destroy", "--stack-name", "packaged-dep", "--endpoint", stack_url, "--region", REGION)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_a_failing_resource_prints_its_name_type_and_reason_and_exits_1(tmp_path, stack_url, clients):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
        "  Pool:\n    Type: AWS::Cognito::IdentityPool\n    DependsOn: Queue\n"
        "    Properties:\n      AllowUnauthenticatedIdentities: false\n")
    done = deploy(tmp_path, stack_url, tmp_path / "template.yaml", "--stack-name", "fails-here")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "harness: fails-here: ROLLBACK_COMPLETE: Pool (AWS::Cognito::IdentityPool): Resource type "
        "AWS::Cognito::IdentityPool is not supported by the embedded stack")
    stack = clients("cloudformation").describe_stacks(StackName="fails-here")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    harness(tmp_path, "destroy", "--stack-name", "fails-here", "--endpoint", stack_url, "--region", REGION)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize(("text", "expected"), [
    ("Resources: [unclosed\n", "template.yaml:2:1: not a YAML or JSON template"),
    ("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {'Fn::Nope': x}\n",
     "Encountered unsupported function: Fn::Nope"),
    ("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt B.QueueName\n"
     "  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt A.QueueName\n",
     "Circular dependency between resources: [A, B]"),
    ("Parameters:\n  Needed:\n    Type: String\nResources:\n  A:\n    Type: AWS::SQS::Queue\n"
     "    Properties:\n      QueueName: !Ref Needed\n",
     "template.yaml: Parameters/Needed has no Default and no value (--parameter-overrides Needed=...)"),
    ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
     "    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: nowhere/\n",
     "template.yaml: Resources/Fn/Properties/CodeUri: nowhere/ does not exist"),
])
def test_bad_input_is_one_line_naming_the_place_exit_2_and_nothing_deployed(tmp_path, stack_url, clients, text,
                                                                            expected):
    (tmp_path / "template.yaml").write_text(text)
    done = deploy(tmp_path, stack_url, tmp_path / "template.yaml", "--stack-name", "never-made", "--no-lint")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness: ") and expected in lines[0], lines
    assert "never-made" not in [s["StackName"] for s in clients("cloudformation").describe_stacks()["Stacks"]]


NODE_FUNCTION = PLAIN_FUNCTION.replace("Runtime: python3.12", "Runtime: nodejs20.x").replace(
    "Handler: app.handler", "Handler: index.handler")


def _npm_package(folder: Path, name: str, value: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(f'{{"name": "{name}", "version": "1.0.0", "main": "index.js"}}')
    (folder / "index.js").write_text(f"module.exports = {{ value: '{value}' }};\n")
    return folder


@pytest.mark.slow
def test_a_package_json_dependency_is_packaged_with_the_node_function(tmp_path, stack_url, clients, node20,
                                                                      monkeypatch):
    """npm installs package.json's `dependencies` (not its devDependencies) into the package, as `sam build`
    does; here from local `file:` packages with npm offline, so nothing is fetched."""
    monkeypatch.setenv("npm_config_offline", "true")  # the test never reaches a registry
    _npm_package(tmp_path / "libs" / "probe", "harness-probe-npm", "packaged with the function")
    _npm_package(tmp_path / "libs" / "dev-only", "harness-dev-only", "a dev dependency")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "package.json").write_text(
        '{"name": "fn", "version": "1.0.0", "dependencies": {"harness-probe-npm": "file:../libs/probe"},'
        ' "devDependencies": {"harness-dev-only": "file:../libs/dev-only"}}')
    (tmp_path / "src" / "index.js").write_text(
        "exports.handler = async () => {\n"
        "  let dev = 'absent';\n"
        "  try { require('harness-dev-only'); dev = 'present'; } catch (e) {}\n"
        "  return { dep: require('harness-probe-npm').value, dev };\n"
        "};\n")
    (tmp_path / "template.yaml").write_text(NODE_FUNCTION)
    done = deploy(tmp_path, stack_url, tmp_path / "template.yaml", "--stack-name", "packaged-npm")
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        name = outputs_of(clients, "packaged-npm")["Name"]
        payload = clients("lambda").invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
        assert payload == b'{"dep":"packaged with the function","dev":"absent"}', payload
        cached = [p.name for p in (tmp_path / ".harness" / "cache" / "deps").iterdir()]
        assert [n for n in cached if n.startswith("npm-") and not n.endswith(".partial")], cached
    finally:
        harness(tmp_path, "destroy", "--stack-name", "packaged-npm", "--endpoint", stack_url, "--region", REGION)


@pytest.mark.slow  # > 0.9 s: `make test` runs it, `make test-fast` does not
def test_cfn_lint_errors_stop_the_deploy_and_no_lint_skips_them(tmp_path, stack_url, clients):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: lots\n")
    done = deploy(tmp_path, stack_url, tmp_path / "template.yaml", "--stack-name", "linted")
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("harness: ") and "template.yaml:5:" in line and "E30" in line and "--no-lint" in line
    assert "linted" not in [s["StackName"] for s in clients("cloudformation").describe_stacks()["Stacks"]]


@pytest.mark.slow
def test_the_tutorial_scenarios_pass_on_the_root_template(tmp_path):
    """template.yaml (the tutorial's stack as SAM) under `harness run --template`: every tutorial and
    troubleshooting scenario passes, none skipped: those with `stack` overrides run on variants of the template."""
    done = harness(ROOT, "run", "scenarios/tutorial", "scenarios/troubleshooting", "--template", "template.yaml",
                   "--stack-name", "db-api", "--timing-bounds", "report", timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " 0 failed" in summary and " passed" in summary and "skipped" not in summary, summary
    assert int(summary.split(" passed")[0].split()[-1]) >= 56, summary
    assert "harness: stack db-api from template.yaml: CREATE_COMPLETE" in done.stdout
    assert "teardown problem" not in done.stderr, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("example", ["sam-crud", "openapi-keys"])
def test_each_example_project_passes_its_scenarios(example):
    """The README line of examples/ runs as written (the folder's harness-stack.json names the template)."""
    done = harness(ROOT, "run", f"examples/{example}/scenarios", timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " 0 failed" in done.stdout.strip().splitlines()[-1]
    assert f"harness: stack {example} from " in done.stdout


def test_scenario_folders_with_different_templates_are_refused(tmp_path):
    done = harness(ROOT, "replay", "examples/sam-crud/scenarios", "examples/openapi-keys/scenarios",
                   "--endpoint", "http://127.0.0.1:9")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "harness: the paths given have different harness-stack.json files "
        f"({ROOT}/examples/sam-crud/harness-stack.json, "
        f"{ROOT}/examples/openapi-keys/harness-stack.json): replay one folder at a time, or give --template"]


HAND_WRITTEN = """\
import requests


def test_the_stack_of_harness_stack_json(harness_stack, harness_outputs):
    assert harness_stack.stack_name == "sam-crud"
    assert harness_outputs["ItemsApi"].startswith("https://" + harness_outputs["ApiId"] + ".execute-api.")
    listed = requests.get(harness_stack.invoke_url, timeout=30)
    assert listed.status_code == 200 and listed.json()["greeting"] == "hello"
"""

VARIANT = {
    "$schema": str(ROOT / "harness" / "replay" / "scenario.schema.json"),
    "name": "sam-crud: a variant with another Greeting parameter and an environment override",
    "stack": {"parameters": {"Greeting": "howdy"}},
    "steps": [{"name": "GET /items", "http": {"method": "GET", "path": "/items"},
               "expect": {"status": 200, "jsonpath": [{"path": "$.greeting", "value": "howdy"}]}}],
}


@pytest.mark.slow
def test_pytest_finds_harness_stack_json_and_runs_variants_and_hand_written_tests(tmp_path):
    """`pytest FOLDER` without --harness-template: the folder's harness-stack.json names the template (as for
    `harness run`); a scenario's `stack.parameters` runs on a variant of it; `harness_outputs` has the Outputs."""
    import json

    project = tmp_path / "sam-crud"
    shutil.copytree(ROOT / "examples" / "sam-crud", project)
    (project / "scenarios" / "variant.json").write_text(json.dumps(VARIANT))
    (project / "scenarios" / "test_hand_written.py").write_text(HAND_WRITTEN)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "sam-crud/scenarios"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].startswith("4 passed"), done.stdout[-2000:]


@pytest.mark.slow
def test_pytest_runs_scenarios_on_a_template_stack():
    """`pytest --harness-template`: the plugin deploys the template's stack for the session and removes it."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-n", "0",
                           "examples/sam-crud/scenarios", "--harness-template", "examples/sam-crud/template.yaml",
                           "--harness-stack-name", "pytest-sam-crud"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout.strip().splitlines()[-1]


def test_prefix_names_the_template_stack_on_an_endpoint_too(tmp_path, stack_url, clients):
    """`--prefix P` goes before the stack's name on every target (it was honoured on real AWS only), and
    `destroy --prefix P` finds the stack by it."""
    (tmp_path / "template.yaml").write_text("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n")
    done = deploy(tmp_path, stack_url, tmp_path / "template.yaml", "--stack-name", "pfx-stack", "--prefix", "p1-",
                  "--no-lint")
    assert done.returncode == 0, done.stdout + done.stderr
    names = [s["StackName"] for s in clients("cloudformation").describe_stacks()["Stacks"]]
    assert "p1-pfx-stack" in names and "pfx-stack" not in names
    gone = harness(tmp_path, "destroy", "--stack-name", "pfx-stack", "--prefix", "p1-", "--endpoint", stack_url,
                   "--region", REGION)
    assert gone.returncode == 0 and "destroyed p1-pfx-stack" in gone.stdout, gone.stdout + gone.stderr
    assert "p1-pfx-stack" not in [s["StackName"] for s in clients("cloudformation").describe_stacks()["Stacks"]]
