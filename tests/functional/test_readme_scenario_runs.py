"""The README's "Writing a scenario" example passes, as written, when replayed on the embedded stack."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.unit.readme_example import example

pytestmark = pytest.mark.functional


def test_the_readme_example_passes(tmp_path, stack_url):
    where, _, text = example()
    path = tmp_path / where
    path.parent.mkdir(parents=True)
    path.write_text(text)
    done = subprocess.run([sys.executable, "-m", "harness", "replay", str(path), "--endpoint", stack_url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("1 passed, 0 failed in ")
