"""`harness load`: replay a traffic peak against a target, measure it, and check that no write was lost.

profile (what to send) -> traffic (one request at a time, rendered per request) -> engine (client threads)
-> stats (figures) + verify (the lost-write check) -> driver (`run_load`, the verdict) -> report / progress.
`cli` wires it to `harness load`; `step` runs a scenario's `load` step. Left out: distributed load generation.
Nothing is imported here, so `harness --help` stays quick; import the modules (`harness.load.driver.run_load`,
`harness.load.profile.LoadProfile`...).
"""