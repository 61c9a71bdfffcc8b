"""moto's record of model instances no longer keeps them alive: a log event dropped from its stream is freed."""
from __future__ import annotations

import gc
import weakref

from harness.emulator import control  # noqa: F401 - applies the changes to moto
from harness.emulator.control.moto_changes.weak_instances import WeakInstances


class Plain:
    pass


class Unhashable:
    __eq__ = lambda self, other: True  # noqa: E731 - __hash__ becomes None, as in some moto models


def test_weak_instances_list_what_lives_and_free_the_rest():
    kept, dropped, odd = Plain(), Plain(), Unhashable()
    record = WeakInstances()
    for item in (kept, dropped, odd):
        record.append(item)
    assert len(record) == 3 and set(map(id, record)) == {id(kept), id(dropped), id(odd)}
    gone = weakref.ref(dropped)
    del dropped
    gc.collect()
    assert gone() is None and len(record) == 2 and [id(x) for x in record] == [id(kept), id(odd)]


def test_moto_models_are_recorded_weakly():
    from moto.logs.models import LogEvent

    assert isinstance(LogEvent.instances_tracked, WeakInstances)
    event = LogEvent(0, {"timestamp": 0, "message": "m"})
    gone = weakref.ref(event)
    assert event in list(LogEvent.instances_tracked)
    del event
    gc.collect()
    assert gone() is None
