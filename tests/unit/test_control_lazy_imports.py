"""moto's API Gateway models load without openapi_spec_validator, which loads (for real) when first needed."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_validator_is_not_loaded_at_start_and_is_the_real_one_once_used():
    out = run("""
        import sys
        import harness.emulator.control
        import moto.apigateway.models as models
        print("loaded at start:", "openapi_spec_validator" in sys.modules, "pydantic" in sys.modules)
        try:
            models.validate({"openapi": "3.0.0"})  # no info, no paths
        except models.OpenAPIValidationError as exc:
            print("caught:", type(exc).__module__)
        import openapi_spec_validator
        print("real:", models.validate is openapi_spec_validator.validate)
    """)
    assert "loaded at start: False False" in out
    assert "caught: openapi_spec_validator" in out and "real: True" in out


def test_a_real_import_first_changes_nothing():
    out = run("""
        import openapi_spec_validator
        import harness.emulator.control
        import moto.apigateway.models as models
        print(models.validate is openapi_spec_validator.validate)
    """)
    assert out.strip() == "True"
