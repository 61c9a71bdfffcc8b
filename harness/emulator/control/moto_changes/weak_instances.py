"""moto's record of every model instance ever made, held weakly: the stack's memory stays flat under load.

moto's `BaseModel` appends each instance of each model class to the class's `instances_tracked` list (for its
`/moto-api/data.json` dashboard and S3's clean-up of keys), and never removes one: every CloudWatch Logs event,
every DynamoDB item written (an overwritten one too), every API Gateway deployment outlived everything that
used it - the stack grew by about 12 KB a request under steady load. Here the lists become `WeakInstances`
(weak references that take `append`): what moto still holds elsewhere stays listed, the rest is freed.
Applied to the classes already made, to those made later (moto's metaclass) and after moto's reset.
Left out: instances that cannot be weakly referenced (kept strongly, as before).
"""
from __future__ import annotations

import weakref
from typing import Any, Iterator


class _Ref(weakref.ref):  # type: ignore[type-arg]
    __slots__ = ("key",)


class WeakInstances:
    """A list-like record of instances held weakly (`append`, iteration over what is alive, `len`); model
    classes need not be hashable (some of moto's define __eq__ only)."""

    def __init__(self, items: Any = ()) -> None:
        self._refs: dict[int, _Ref] = {}
        self._strong: list[Any] = []
        self._gone = self._forget  # one bound method for every reference's callback
        for item in items:
            self.append(item)

    def _forget(self, ref: _Ref) -> None:
        if self._refs.get(ref.key) is ref:
            del self._refs[ref.key]

    def append(self, item: Any) -> None:
        try:
            ref = _Ref(item, self._gone)
        except TypeError:  # not weakly referable
            self._strong.append(item)
            return
        ref.key = id(item)
        self._refs[ref.key] = ref

    def __iter__(self) -> Iterator[Any]:
        for ref in list(self._refs.values()):
            item = ref()
            if item is not None:
                yield item
        yield from list(self._strong)

    def __len__(self) -> int:
        return len(self._refs) + len(self._strong)


def _weaken_all() -> None:
    from moto.core.model_instances import model_data

    for models in model_data.values():
        for model in models.values():
            if not isinstance(getattr(model, "instances_tracked", None), WeakInstances):
                model.instances_tracked = WeakInstances(getattr(model, "instances_tracked", ()))  # type: ignore


def track_instances_weakly() -> None:
    """Apply once: the lists that exist now, those of classes made later, and those a reset makes."""
    from moto.core import base_backend, model_instances

    meta = base_backend.InstanceTrackerMeta
    if getattr(meta.__new__, "_harness", False):
        return
    original_new = meta.__new__

    def __new__(mcs: Any, name: str, bases: Any, dct: dict[str, Any]) -> type:
        cls = original_new(mcs, name, bases, dct)
        if name != "BaseModel":
            cls.instances_tracked = WeakInstances()  # type: ignore[attr-defined]
        return cls

    __new__._harness = True  # type: ignore[attr-defined]
    meta.__new__ = __new__  # type: ignore[method-assign]

    def reset_model_data() -> None:
        for models in model_instances.model_data.values():
            for model in models.values():
                model.instances_tracked = WeakInstances()  # type: ignore[attr-defined]

    model_instances.reset_model_data = reset_model_data
    import moto.core.models as core_models
    import moto.moto_api._internal.models as api_models

    core_models.reset_model_data = reset_model_data  # type: ignore[attr-defined]
    api_models.reset_model_data = reset_model_data  # type: ignore[attr-defined]
    _weaken_all()
