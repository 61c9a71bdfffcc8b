"""pytest integration (placeholder until the scenario engine lands)."""
