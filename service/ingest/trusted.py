"""Contract models built from values that are valid by construction, without re-validating them.

The parsing stages make one `Section`, two `Span`s and more per heading; on a text dense with
headings (one every 8 bytes) validation was most of the time. Where a stage computes every value
itself (offsets from its own arithmetic, enums from its own tables), it builds the model with
`trusted`: the same object `Model(**values)` would give, its defaults filled in, at about half
the time and memory (pydantic's `model_construct` does the same in Python, slower than
validating). Anything read from outside (a user, a file, a model) is still validated.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, TypeVar

from pydantic import BaseModel

from zhenggai.vocab.spans import Span

M = TypeVar("M")
_set = object.__setattr__
_new = object.__new__
_REQUIRED = object()


class _Plan:
    """A model's fields in order: defaults, default factories, required names."""

    __slots__ = ("factories", "fields_set", "required", "template")

    def __init__(self, cls: type) -> None:
        fields = cls.model_fields if issubclass(cls, BaseModel) else cls.__pydantic_fields__
        self.template = {n: _REQUIRED if f.is_required() else f.default for n, f in fields.items()}
        factories = [(n, f.default_factory) for n, f in fields.items() if f.default_factory is not None]
        # a mutable plain default is copied per object, as pydantic does
        factories += [
            (n, functools.partial(copy.deepcopy, f.default))
            for n, f in fields.items()
            if isinstance(f.default, list | dict | set)
        ]
        self.factories = tuple(factories)
        self.required = tuple(n for n, f in fields.items() if f.is_required())
        # One fields-set per model, shared: every field counts as set (pydantic adds to it on
        # assignment; only `exclude_unset` reads it, which these stages never use).
        self.fields_set = set(fields)


_PLANS: dict[type, _Plan] = {}


def trusted(cls: type[M], **values: Any) -> M:
    """`cls(**values)` without validation: for values the caller made and knows to be valid.

    Missing fields take their defaults (a fresh one from a default factory); fields keep the
    model's order, so the object is the one validation would give, field for field.
    """
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _Plan(cls)
    fields = {**plan.template, **values}
    if len(fields) != len(plan.template):
        raise TypeError(f"{cls.__name__}: unknown fields {sorted(values.keys() - plan.template.keys())}")
    for name, factory in plan.factories:
        if name not in values:
            fields[name] = factory()
    for name in plan.required:
        if fields[name] is _REQUIRED:
            raise TypeError(f"{cls.__name__}: missing required field {name!r}")
    if not issubclass(cls, BaseModel):
        return from_fields(cls, fields)
    return _install(cls, fields, plan.fields_set)


def _install(cls: type[M], fields: dict[str, Any], fields_set: set[str]) -> M:
    """A `cls` instance holding `fields`, as pydantic lays one out, without running its validators."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", fields)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def span(start: int, end: int) -> Span:
    """`Span(start=start, end=end)` for `0 <= start <= end` the caller computed (the hottest case)."""
    obj = _new(Span)
    _set(obj, "start", start)
    _set(obj, "end", end)
    return obj


def from_fields(cls: type[M], fields: dict[str, Any]) -> M:
    """`cls(**fields)` without validation or defaults, for the hottest builders (one per heading):
    `fields` must hold every field of `cls`, in the model's order."""
    if not issubclass(cls, BaseModel):  # a slotted pydantic dataclass (`Section`): its slots, set
        obj = _new(cls)
        for name, value in fields.items():
            _set(obj, name, value)
        return obj
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _Plan(cls)
    return _install(cls, fields, plan.fields_set)
