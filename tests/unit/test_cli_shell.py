"""`harness env` prints export lines for `eval` (checked endpoint, dummy keys); `harness outputs` prints the
outputs file or one value, with no JSON tool needed."""
from __future__ import annotations

import json

from harness import cli


def test_env_prints_exports_for_eval(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_TLS_DIR", str(tmp_path / "tls"))
    assert cli.main(["env", "--no-https-proxy"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "export AWS_ENDPOINT_URL=http://127.0.0.1:4566", "export AWS_DEFAULT_REGION=us-west-1",
        "export AWS_ACCESS_KEY_ID=test", "export AWS_SECRET_ACCESS_KEY=test"]
    assert cli.main(["env"]) == 0
    bundle = tmp_path / "tls" / "bundle.pem"
    assert capsys.readouterr().out.splitlines()[4:] == [
        "export HTTPS_PROXY=http://127.0.0.1:4566", "export https_proxy=http://127.0.0.1:4566",
        "export NO_PROXY=127.0.0.1,localhost,::1", "export no_proxy=127.0.0.1,localhost,::1",
        f"export REQUESTS_CA_BUNDLE={bundle}", f"export SSL_CERT_FILE={bundle}", f"export AWS_CA_BUNDLE={bundle}"]
    assert (tmp_path / "tls" / "ca-key.pem").stat().st_mode & 0o077 == 0  # the key: its owner only
    assert cli.main(["env", "--endpoint", "http://localhost:4510/", "--region", "eu-west-1"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["export AWS_ENDPOINT_URL=http://localhost:4510",
                                                       "export AWS_DEFAULT_REGION=eu-west-1"]


def test_env_refuses_an_endpoint_mistake_and_prints_no_export(capsys):
    assert cli.main(["env", "--endpoint", "127.0.0.1:4566"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == \
        "harness: endpoint 127.0.0.1:4566 has no scheme: give http://127.0.0.1:4566\n"


def test_outputs_prints_the_file_or_one_value(tmp_path, capsys):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"invoke_url": "http://127.0.0.1:4566/_aws/execute-api/a/prod/db-api",
                                "tables": ["messages", "other"]}))
    assert cli.main(["outputs", "invoke_url", "--outputs", str(path)]) == 0
    assert capsys.readouterr().out == "http://127.0.0.1:4566/_aws/execute-api/a/prod/db-api\n"
    assert cli.main(["outputs", "tables", "--outputs", str(path)]) == 0
    assert capsys.readouterr().out == "messages\nother\n"
    assert cli.main(["outputs", "--outputs", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["tables"] == ["messages", "other"]
    assert cli.main(["outputs", "api", "--outputs", str(path)]) == 2
    assert capsys.readouterr().err == f"harness: no output 'api' in {path}; there are: invoke_url, tables\n"
