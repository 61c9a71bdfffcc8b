"""The README's scenario example: the first JSON block of its "Writing a scenario" section, and the path the
section suggests for it (`scenarios/<folder>/<file>.json`)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Writing a scenario"


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:end if end != -1 else len(text)]


def example() -> tuple[Path, dict[str, Any], str]:
    """(where the README says it goes, relative to the repository; the document; its text as written)."""
    body = section()
    block = re.search(r"```json\n(.*?)```", body, re.S)
    where = re.search(r"`(scenarios/[^`/]+/[^`]+\.json)`", body)
    assert block and where, f"the {SECTION!r} section has a ```json example and names its path under scenarios/"
    return Path(where.group(1)), json.loads(block.group(1)), block.group(1)
