"""Every scenario key with its type, unit, default, bounds and meaning, from the models.

Generated from :class:`coldstart.scenario.model.Scenario` (pydantic field annotations, defaults,
constraints and descriptions), so the reference cannot drift from what the loader accepts.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

import annotated_types as at
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from coldstart.scenario.model import Scenario

UNIT_SUFFIXES = (
    ("_per_h", "1/h"),
    ("_per_c", "1/K"),
    ("_h", "h"),
    ("_min", "min"),
    ("_c", "°C"),
    ("_kmh", "km/h"),
    ("_km", "km"),
    ("_kw", "kW"),
    ("_mw", "MW"),
    ("_bar", "bar"),
)
"""Units read from a key's name (the project's convention: units in names); the first suffix
that matches counts, so a rate per hour or per degree comes before hours and degrees."""


@dataclass(frozen=True)
class Key:
    """One scenario key."""

    key: str
    type: str
    unit: str
    default: str
    bounds: str
    meaning: str


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"table of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "table"
    return getattr(tp, "__name__", str(tp)).replace("NoneType", "none")


def _number(v) -> str:
    return f"{v:,}" if isinstance(v, int) else f"{v:g}"


def _bounds(metadata, tp) -> str:
    parts = []
    for m in metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if isinstance(m, getattr(at, attr.capitalize())):
                parts.append(f"{sign} {_number(getattr(m, attr))}")
        if isinstance(m, at.MaxLen):
            what = "characters" if _type_name(tp).startswith("str") else "entries"
            parts.append(f"at most {m.max_length:,} {what}")
    value = _dict_value_bounds(tp)
    if value:
        parts.append(f"each value {value}")
    return ", ".join(parts)


def _dict_value_bounds(tp) -> str:
    """The bounds of a table's values (``threats``: each count 0 .. 10,000), or ""."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) is not dict or len(args) != 2:
        return ""
    value = args[1]
    if typing.get_origin(value) is not typing.Annotated:
        return ""
    inner = []
    for m in typing.get_args(value)[1:]:
        inner += getattr(m, "metadata", [m])  # a pydantic Field keeps its bounds as metadata
    return _bounds(inner, typing.get_args(value)[0])


def _unit(name: str) -> str:
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return ""


def _default(field) -> str:
    if field.default is not PydanticUndefined:
        d = field.default
        return "none" if d is None else repr(d) if isinstance(d, str) else str(d)
    if field.default_factory is not None:
        value = field.default_factory()
        return "(see below)" if isinstance(value, BaseModel) else str(value) or "empty"
    return "required"


def _inner_model(tp):
    """The model a field holds (directly, in a list, or as a dict's values), if any."""
    for a in (tp, *typing.get_args(tp)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        if typing.get_origin(a) is typing.Annotated:
            return _inner_model(typing.get_args(a)[0])
    return None


def scenario_keys(model: type[BaseModel] = Scenario, prefix: str = "") -> list[Key]:
    """Every key of a scenario, nested tables with dotted names, lists with ``[]``.

    Returns
    -------
    list of Key
        In the order the models declare them.
    """
    keys = []
    for name, field in model.model_fields.items():
        tp = field.annotation
        path = prefix + name
        sub = _inner_model(tp)
        keys.append(
            Key(
                key=path,
                type=_type_name(tp),
                unit=_unit(name),
                default=_default(field),
                bounds=_bounds(field.metadata, tp),
                meaning=(field.description or "").replace("\n", " "),
            )
        )
        if sub is not None:
            origin = typing.get_origin(tp)
            sep = "[]." if origin is list else ".<key>." if origin is dict else "."
            keys.extend(scenario_keys(sub, path + sep))
    return keys


def markdown(keys: list[Key]) -> str:
    """The keys as a Markdown table."""
    rows = ["| key | type | unit | default | bounds | meaning |", "|---|---|---|---|---|---|"]
    for k in keys:
        cells = (f"`{k.key}`", k.type, k.unit, k.default, k.bounds, k.meaning)
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"
