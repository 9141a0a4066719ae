"""What a dotted scenario path may hold: its type and bounds, read from the Scenario schema.

Any field of :class:`sim.scenario.Scenario` can be an experimental factor, named by its dotted
path as in ``Scenario.with_overrides``: ``factors.police_feedback``, ``messages.exposure``,
``areas.0.coverage``, ``areas.0.factors.signs``. ``*`` stands for every item of a list
(``areas.*.coverage`` sets the coverage of every area to the same value).

>>> info = describe_path("factors.police_feedback")
>>> info.kind, info.low, info.high
('float', 0.0, 1.0)
>>> describe_path("factors.signs").kind
'bool'

A field that holds a number or a named choice (``areas.0.group_start_day``: a day, or
``'on_wave'``) is a number field whose ``also`` lists the named values:

>>> info = describe_path("areas.0.group_start_day")
>>> info.kind, info.low, info.also, info.allowed()
('int', 0.0, ('on_wave',), "int in [0, ∞] or 'on_wave'")
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario import Scenario

_KINDS = {float: "float", int: "int", bool: "bool"}


class PathError(ValueError):
    """A dotted path that names no numeric, boolean or choice field of the Scenario."""


@dataclass(frozen=True)
class ParamInfo:
    """Type and bounds of one scenario field.

    ``low``/``high`` are inclusive limits (``-inf``/``inf`` when the schema sets none);
    ``strict_low``/``strict_high`` say the schema excludes the limit itself (``gt``/``lt``);
    ``also`` are named values a number field accepts besides numbers (e.g. ``'on_wave'``).
    """

    path: str
    kind: Literal["float", "int", "bool", "choice"]
    low: float = -math.inf
    high: float = math.inf
    strict_low: bool = False
    strict_high: bool = False
    choices: tuple = ()
    description: str = ""
    unit: str = ""
    extra: dict = field(default_factory=dict)
    also: tuple = ()

    def allowed(self) -> str:
        """The allowed values in words, for error messages."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo = "(" if self.strict_low else "["
        hi = ")" if self.strict_high else "]"
        named = "".join(f" or {c!r}" for c in self.also)
        return f"{self.kind} in {lo}{_num(self.low)}, {_num(self.high)}{hi}{named}"

    def is_named(self, value: Any) -> bool:
        """Whether ``value`` is one of the named values of a number field (``also``)."""
        return isinstance(value, str) and value in self.also

    def contains(self, value: float) -> bool:
        """Whether a number lies within the bounds."""
        above = value > self.low if self.strict_low else value >= self.low
        below = value < self.high if self.strict_high else value <= self.high
        return above and below


def _num(x: float) -> str:
    if math.isinf(x):
        return "-∞" if x < 0 else "∞"
    return f"{x:g}"


def _unwrap(annotation: Any) -> tuple[Any, list]:
    """Strip ``Optional`` and ``Annotated``; return the bare type and its constraints."""
    metadata: list = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _number_or_named(annotation: Any) -> tuple[Any, list, tuple]:
    """A union of one number type and literal names (``int | Literal['on_wave']``) → the
    number type, its constraints and the names; anything else is returned unchanged."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return annotation, [], ()
    numbers, names = [], []
    for arg in typing.get_args(annotation):
        bare, constraints = _unwrap(arg)
        if typing.get_origin(bare) is Literal:
            names.extend(typing.get_args(bare))
        else:
            numbers.append((bare, constraints))
    if len(numbers) != 1 or numbers[0][0] not in (int, float) or not names:
        return annotation, [], ()
    return numbers[0][0], numbers[0][1], tuple(names)


def _leaf(path: str, annotation: Any, metadata: list, description: str, extra: dict) -> ParamInfo:
    bare, inner = _unwrap(annotation)
    bare, in_union, also = _number_or_named(bare)
    constraints = [*metadata, *inner, *in_union]
    # Field(ge=...) inside an Annotated member of a union stays a FieldInfo: use its metadata
    constraints += [m for c in constraints if isinstance(c, FieldInfo) for m in c.metadata]
    if typing.get_origin(bare) is Literal:
        return ParamInfo(path, "choice", choices=typing.get_args(bare), description=description)
    kind = _KINDS.get(bare)
    if kind is None:
        raise PathError(f"{path!r} is not a number, switch or choice (it holds {bare!r})")
    info: dict[str, Any] = {}
    for c in constraints:
        if isinstance(c, at.Ge):
            info.update(low=float(c.ge))
        elif isinstance(c, at.Gt):
            info.update(low=float(c.gt), strict_low=True)
        elif isinstance(c, at.Le):
            info.update(high=float(c.le))
        elif isinstance(c, at.Lt):
            info.update(high=float(c.lt), strict_high=True)
    if kind == "bool":
        info = {}
    return ParamInfo(
        path,
        kind,
        description=description,
        unit=str(extra.get("unit", "")),
        extra=dict(extra),
        also=also,
        **info,
    )


def describe_path(path: str, base: Scenario | None = None) -> ParamInfo:
    """Type and bounds of the field at dotted ``path``; :class:`PathError` if there is none.

    With ``base``, list indices are also checked against the lists in that scenario.
    """
    parts = path.split(".")
    node: Any = Scenario
    value: Any = base
    metadata: list = []
    description, extra = "", {}
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the scenario"
        bare, inner = _unwrap(node)
        metadata = inner
        origin = typing.get_origin(bare)
        if origin is list:
            if part != "*" and not part.isdigit():
                raise PathError(
                    f"{here!r} is a list: use an index (0, 1, ...) or '*', not {part!r}"
                )
            if value is not None and part != "*" and int(part) >= len(value):
                raise PathError(
                    f"{here!r} has {len(value)} items in the base scenario; "
                    f"index {part} does not exist"
                )
            node = typing.get_args(bare)[0]
            value = value[0 if part == "*" else int(part)] if value else None
            metadata = []
            continue
        if not (isinstance(bare, type) and issubclass(bare, BaseModel)):
            raise PathError(f"{here!r} has no fields (cannot go on to {part!r})")
        fields = bare.model_fields
        if part not in fields:
            raise PathError(f"{here!r} has no field {part!r}; allowed: {', '.join(fields)}")
        info = fields[part]
        node, metadata = info.annotation, list(info.metadata)
        description = info.description or ""
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        value = getattr(value, part, None) if value is not None else None
    return _leaf(path, node, metadata, description, extra)


def expand_path(path: str, base: Scenario) -> list[str]:
    """Concrete paths for ``path``: every ``*`` becomes each index of that list in ``base``.

    >>> from sim.scenario import Scenario, Area
    >>> s = Scenario(areas=[Area(name="a"), Area(name="b")])
    >>> expand_path("areas.*.coverage", s)
    ['areas.0.coverage', 'areas.1.coverage']
    """
    if "*" not in path.split("."):
        return [path]
    head, _, tail = path.partition(".*")
    items = base
    for part in head.split("."):
        items = items[int(part)] if isinstance(items, list) else getattr(items, part)
    out: list[str] = []
    for i in range(len(items)):
        out.extend(expand_path(f"{head}.{i}{tail}", base))
    return out


def expand_overrides(overrides: dict[str, Any], base: Scenario) -> dict[str, Any]:
    """``overrides`` with every ``*`` path replaced by its concrete paths."""
    out: dict[str, Any] = {}
    for path, value in overrides.items():
        for concrete in expand_path(path, base):
            out[concrete] = value
    return out


def current_value(path: str, base: Scenario) -> Any:
    """The value at a concrete or ``*`` path in ``base`` (the first item for ``*``)."""
    node: Any = base
    for part in path.split("."):
        if isinstance(node, list):
            node = node[0 if part == "*" else int(part)]
        else:
            node = getattr(node, part)
    return node


def default_values(info: ParamInfo) -> list:
    """Values of a switch or choice when an experiment file gives none."""
    return [False, True] if info.kind == "bool" else list(info.choices)


__all__ = [
    "ParamInfo",
    "PathError",
    "current_value",
    "default_values",
    "describe_path",
    "expand_overrides",
    "expand_path",
]
