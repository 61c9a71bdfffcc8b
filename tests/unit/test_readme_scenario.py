"""The README's "Writing a scenario" example, as written, keeps the rules every shipped scenario keeps
(the same checks as test_scenario_files.py, from scenario_rules.py). tests/functional/test_readme_scenario_runs.py
replays it."""
from __future__ import annotations

from harness.replay import discover, load_scenario
from harness.replay.validation import SCHEMA_PATH

from .readme_example import ROOT, example
from .scenario_rules import description_problems, empty_table_problems, lacking_requires, untidy_writes


def test_the_readme_example_keeps_the_rules_of_the_shipped_scenarios(tmp_path):
    where, document, text = example()
    assert where.parts[0] == "scenarios" and not where.name.endswith("schema.json")
    assert (ROOT / where.parent / document["$schema"]).resolve() == SCHEMA_PATH.resolve()
    path = tmp_path / where
    path.parent.mkdir(parents=True)
    path.write_text(text)
    scenario = load_scenario(path)  # the schema, matchers, JSONPath and template names
    shipped = [load_scenario(p) for p in discover([ROOT / "scenarios"]) if p.resolve() != (ROOT / where).resolve()]
    assert description_problems(scenario, where.parts[1]) == []
    assert scenario.name not in {s.name for s in shipped}
    items = scenario.items()
    assert [lacking_requires(item) for item in items] == [[] for _ in items]
    assert [untidy_writes(item) for item in items] == [[] for _ in items]
    assert empty_table_problems(items, [*shipped, scenario]) == []
