"""Load, check and print scenario files (TOML)."""

from __future__ import annotations

import tomllib
import typing
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError

from coldstart.errors import Problem, ScenarioError, closest, shorten
from coldstart.safeio import nesting_depth, read_text
from coldstart.scenario.model import Scenario

MAX_DEPTH = 16
"""Deepest nesting of tables and arrays in a scenario file (the deepest real key,
``strikes[0].hits[0].asset_id``, is 4 levels down)."""

EXAMPLE_SCENARIO = "demo.toml"
"""The built-in scenario of ``coldstart demo`` (package data in ``coldstart/data``)."""


def _loc_str(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """Walk the scenario models along ``loc`` to find the model that owns its last key."""
    model: typing.Any = Scenario
    for part in loc[:-1]:
        while True:
            origin = typing.get_origin(model)
            if origin in (list, tuple, dict, typing.Union) or str(origin) == "types.UnionType":
                args = [a for a in typing.get_args(model) if a is not type(None)]
                model = args[-1] if args else None
                if isinstance(part, int) and origin in (list, tuple):
                    break
                continue
            break
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = model.model_fields[part].annotation
        else:
            return None
    while typing.get_origin(model) is not None:
        args = [a for a in typing.get_args(model) if a is not type(None)]
        model = args[-1] if args else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    return None


def problems_from_validation(exc: ValidationError, file: str) -> list[Problem]:
    """Turn a pydantic ValidationError into one Problem per error, naming the key."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = _loc_str(loc)
        if err["type"] == "extra_forbidden":
            owner = _model_at(loc)
            allowed = f" (expected one of: {', '.join(owner.model_fields)})" if owner else ""
            close = closest(str(loc[-1]), owner.model_fields) if owner else None
            hint = f"; did you mean {close!r}?" if close else ""
            msg = f"unknown key{hint}{allowed}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"]
            if "input" in err and err["type"] not in ("value_error",):
                msg += f", got {shorten(repr(err['input']), 80)}"
            msg = msg.replace("Value error, ", "")
        problems.append(Problem(file, f"key '{key}'" if key else "", "", msg))
    return problems


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Parse and validate scenario TOML text.

    Raises
    ------
    ScenarioError
        Malformed TOML, unknown keys, wrong types, out-of-range values: every problem listed.
    """
    try:
        doc = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, and integers of more than 4,300 digits
        raise ScenarioError(Problem(file, "", "", f"malformed TOML: {exc}")) from None
    except RecursionError:
        doc = None
    if doc is None or nesting_depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise ScenarioError(
            Problem(file, "", "", f"tables or arrays nested deeper than {MAX_DEPTH} levels")
        )
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, file)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or pathlib.Path
        TOML file. A weather CSV it names is resolved relative to this file's folder.

    Returns
    -------
    Scenario
        With ``weather.csv`` made absolute.
    """
    path = Path(path)
    text = read_text(path, "scenario", ScenarioError)
    sc = parse_scenario(text, str(path))
    if sc.weather.csv is not None:
        csv = Path(sc.weather.csv)
        if not csv.is_absolute():
            csv = (path.parent / csv).resolve()
        sc = sc.model_copy(update={"weather": sc.weather.model_copy(update={"csv": str(csv)})})
    return sc


def example_scenario_text() -> str:
    """Return the built-in demo scenario as TOML text (``coldstart scenario example``)."""
    return resources.files("coldstart.data").joinpath(EXAMPLE_SCENARIO).read_text()


def example_scenario() -> Scenario:
    """Return the built-in demo scenario."""
    return parse_scenario(example_scenario_text(), f"<built-in {EXAMPLE_SCENARIO}>")
