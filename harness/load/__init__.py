"""`harness load`: replay a traffic peak against a target, measure it, and check that no write was lost.

profile (what to send: `harness.replay.LoadProfile`) -> traffic (one request at a time, rendered per request)
-> engine (client threads) -> stats (figures) + verify (the lost-write check) -> driver (`run_load`, the verdict)
-> report / progress. `harness.cli.load` wires it to `harness load`; `step_driver.drive` is the
`harness.replay.LoadDriver` that runs a scenario's `load` step. This package uses only replay's public API
(`harness.replay`, never its modules). Left out: distributed load generation.
Nothing is imported here, so `harness --help` stays quick; import the modules (`harness.load.driver.run_load`...).
"""
