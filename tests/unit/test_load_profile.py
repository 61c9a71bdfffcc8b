"""The traffic profile: `--mix` parsing, validation, and how `harness load`'s options build (or override) it."""
from __future__ import annotations

import dataclasses

import pytest

from harness.cli import build_parser
from harness.cli.load import profile_from_args
from harness.replay.load_profile import BUILTIN, LoadProfile, MixEntry, ProfileError, Thresholds, kind_of, parse_mix
from harness.replay.scenario import HttpCall


def test_parse_mix_builds_the_builtin_templates_with_their_weights():
    mix = parse_mix("get=90, post=10,put=0")
    assert [(e.kind, e.weight, e.label) for e in mix] == [("get", 90.0, "get"), ("post", 10.0, "post")]
    assert mix[0].http is BUILTIN["get"]
    assert [e.kind for e in parse_mix("POST:1.5")] == ["post"]


@pytest.mark.parametrize("text, message", [
    ("get=90,fetch=10", "unknown request kind 'fetch' in the mix; known: get, post, put, delete"),
    ("get", "bad mix entry 'get': expected kind=weight, e.g. get=90,post=10"),
    ("get=-1", "bad mix entry 'get=-1'"),
    ("get=1,get=2", "'get' appears twice in the mix"),
    ("get=0", "the mix 'get=0' has no request with a positive weight"),
])
def test_bad_mixes_say_why(text, message):
    with pytest.raises(ProfileError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        parse_mix(text)


def test_builtin_templates_act_on_the_run_s_items():
    assert {k: kind_of(v.method) for k, v in BUILTIN.items()} == {"get": "get", "post": "post", "put": "put",
                                                                   "delete": "delete"}
    assert BUILTIN["post"].json["Item"]["{{load.key}}"] == "{{load.id}}"
    assert BUILTIN["put"].json["ConditionExpression"] == "attribute_exists(#k)"  # an update never creates an item
    assert BUILTIN["delete"].json["Key"] == {"{{load.key}}": "{{load.id}}"}
    assert kind_of("{{verb}}") == "other"


@pytest.mark.parametrize("changes, message", [
    ({"clients": 0}, "clients must be at least 1, got 0"),
    ({"requests": None}, "give a request count or a duration"),
    ({"requests": 0}, "requests must be at least 1, got 0"),
    ({"duration_s": -1.0}, "the duration must be positive, got -1"),
    ({"ramp_s": -1.0}, "ramp and think time cannot be negative"),
    ({"timeout_s": 0}, "the request timeout must be positive"),
    ({"mix": ()}, "the mix needs at least one request with a positive weight"),
    ({"mix": parse_mix("get=1,delete=1")}, "put and delete act on items this run wrote: add post to the mix"),
])
def test_a_profile_that_cannot_run_is_refused(changes, message):
    base = {"mix": parse_mix("get=9,post=1"), "requests": 10}
    with pytest.raises(ProfileError, match=message):
        LoadProfile(**{**base, **changes})


def test_describe():
    profile = LoadProfile(parse_mix("get=90,post=10"), clients=32, ramp_s=2, requests=2000, duration_s=30,
                          think_s=0.1)
    assert profile.describe() == "32 clients (ramp 2 s), 2000 requests or 30 s, mix get 90%, post 10%, think 0.1 s"
    named = LoadProfile((MixEntry(3, HttpCall(), "read"),), duration_s=5)
    assert named.describe() == "8 clients, 5 s, mix read 100%" and named.kinds == ("get",)


def args(*argv: str):
    return build_parser().parse_args(["load", *argv])


def test_cli_defaults():
    profile = profile_from_args(args())
    assert (profile.clients, profile.ramp_s, profile.requests, profile.duration_s) == (8, 0.0, 1000, None)
    assert [(e.kind, e.weight) for e in profile.mix] == [("get", 90.0), ("post", 10.0)]
    assert profile.thresholds == Thresholds() and profile.table is None


def test_cli_options_become_the_profile():
    profile = profile_from_args(args("--clients", "32", "--ramp", "2", "--duration", "30", "--mix", "post=1",
                                     "--think", "0.5", "--timeout", "5", "--seed", "7", "--table", "load-test",
                                     "--max-p99-ms", "800", "--max-error-rate", "1%", "--min-rps", "50"))
    assert (profile.clients, profile.ramp_s, profile.duration_s, profile.requests) == (32, 2.0, 30.0, None)
    assert (profile.think_s, profile.timeout_s, profile.seed, profile.table) == (0.5, 5.0, 7, "load-test")
    assert profile.mix[0].http.timeout == 5.0
    assert profile.thresholds == Thresholds(max_p99_ms=800, max_error_rate=0.01, min_rps=50)


def test_cli_options_override_a_scenario_s_profile():
    base = LoadProfile((MixEntry(1, HttpCall(method="POST", json={"TableName": "t"}), "publish"),), clients=4,
                       duration_s=3, seed=1, thresholds=Thresholds(max_p95_ms=100, max_error_rate=0))
    kept = profile_from_args(args(), base)
    assert kept == base
    changed = profile_from_args(args("--clients", "16", "--requests", "50", "--max-error-rate", "0.5"), base)
    assert (changed.clients, changed.requests, changed.duration_s, changed.mix) == (16, 50, None, base.mix)
    assert changed.thresholds == Thresholds(max_p95_ms=100, max_error_rate=0.5)
    assert profile_from_args(args("--mix", "get=1"), base).mix[0].kind == "get"


@pytest.mark.parametrize("argv", [["--duration", "5", "--requests", "5"], ["--clients", "0"],
                                  ["--max-error-rate", "2"], ["--ramp", "-1"]])
def test_cli_refuses_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        args(*argv)
    assert exc.value.code == 2


def test_profiles_are_frozen():
    profile = profile_from_args(args())
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.clients = 3  # type: ignore[misc]
