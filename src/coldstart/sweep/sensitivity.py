"""One-at-a-time sensitivity of a scenario's results to its uncertain parameters.

A table (``parameter,low,high,unit,source``; the built-in one is ``data/sensitivity.csv``)
names each uncertain parameter by its dotted path in the scenario (``people.leave_share_max``,
``crews.plumbing``, ``alerts.random_per_day``, any numeric key of the scenario model) and a low
and a high value. For every parameter the scenario is run with that key at its low and at its
high value, every other value at the scenario's own, each over the same seeds as the baseline
(the scenario as given). The effect of a parameter on a metric (a key of the run's summary) is
``|mean at high - mean at low|`` over the seeds; parameters are ranked by it.

Every variant is built from a dump of the scenario with one key set and validated again with
the strict scenario model, so a value outside the key's own bounds, a count that is not a whole
number or a combination the model refuses is reported (file, line, field) before any run; the
input scenario is never changed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from coldstart.city.model import City
from coldstart.compiled import CompiledCity, compile_city
from coldstart.csvfile import separator_hint
from coldstart.errors import InputError, Problem, suggest
from coldstart.outputs import columns
from coldstart.scenario.model import Scenario
from coldstart.simulate import simulate

DEFAULT_METRICS: tuple[str, ...] = ("person_hours_below_12c", "blocks_without_heat_peak")
"""Summary keys ranked by default (``--metric`` replaces them)."""

TABLE_COLUMNS: tuple[str, ...] = ("parameter", "low", "high", "unit", "source")
"""Columns of a parameter table, in this order."""

BUILTIN_TABLE = "sensitivity.csv"
"""The built-in parameter table (package data in ``coldstart/data``)."""

NO_SOURCE = "no public source: range assumed"
"""What the ``source`` column says when no public source backs a range."""

MAX_SEEDS = 1000
"""Most seeds per variant (each parameter costs two runs per seed)."""

MAX_PARAMETERS = 500
"""Most rows of a parameter table."""

MAX_PROBLEMS = 20
"""Problems listed from one bad table (the rest are left for the next try)."""

NOT_PARAMETERS = frozenset({"seed"})
"""Scenario keys that are not parameters: runs take their seeds from the seed list."""

_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")


class SensitivityError(InputError):
    """A parameter table, metric or seed count a sensitivity analysis cannot use."""


@dataclass(frozen=True)
class Parameter:
    """One row of a parameter table.

    Parameters
    ----------
    path : str
        Dotted path of a numeric scenario key, e.g. ``"people.leave_share_max"``.
    low, high : int or float
        The values tried, in the key's own unit; ``int`` for count keys.
    unit : str
        Unit as written in the table (for the reader).
    source : str
        Source key of ``docs/sources.md`` or :data:`NO_SOURCE`.
    line : int
        Line of the table the row is on (1 is the header).
    """

    path: str
    low: int | float
    high: int | float
    unit: str
    source: str
    line: int


@dataclass(frozen=True)
class ParameterTable:
    """A checked parameter table: its name (for messages) and its rows in order."""

    file: str
    parameters: tuple[Parameter, ...]


# --------------------------------------------------------------------------- dotted paths


def key_annotation(path: str, example: str) -> object:
    """The type annotation of the scenario key at dotted ``path`` (list items by index, tables
    of named entries by name).

    Raises
    ------
    KeyError
        With a one-line reason: a malformed path (``example`` shows a good one), an unknown
        key (the known ones listed), or a key under something that is not a table.
    """
    parts = path.split(".")
    if not path or not all(_PART.fullmatch(p) for p in parts):
        raise KeyError(f"expected a dotted scenario key such as '{example}'")
    annotation: object = Scenario
    for i, part in enumerate(parts):
        here = ".".join(parts[:i]) or "the scenario"
        model = _unwrap(annotation)
        origin = typing.get_origin(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            if part not in model.model_fields:
                known = ", ".join(model.model_fields)
                hint = suggest(part, model.model_fields)
                raise KeyError(f"unknown key '{part}'{hint} in {here} (expected one of: {known})")
            annotation = model.model_fields[part].annotation
        elif origin is dict:
            keys = typing.get_args(_unwrap(typing.get_args(model)[0]))
            if keys and part not in keys:
                raise KeyError(f"unknown key '{part}' in {here} (expected one of: "
                               f"{', '.join(map(str, keys))})")  # fmt: skip
            annotation = typing.get_args(model)[1]
        elif origin is list and part.isdigit():
            annotation = typing.get_args(model)[0]
        else:
            raise KeyError(f"'{here}' has no key '{part}' (it is not a table)")
    return annotation


def _unwrap(annotation: object) -> object:
    """``annotation`` without ``Annotated[...]`` metadata and without ``| None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def number_kind(path: str) -> type[int] | type[float]:
    """The type of the scenario key at ``path``: ``int`` (counts) or ``float``.

    Parameters
    ----------
    path : str
        Dotted path, e.g. ``"crews.plumbing"``; dict keys and list indices are parts too
        (``"strikes.0.interception.drone"``).

    Returns
    -------
    type
        ``int`` or ``float``.

    Raises
    ------
    KeyError
        With a one-line reason: malformed path, unknown key, or a key that is not a number.
    """
    parts = path.split(".")
    if path and parts[0] in NOT_PARAMETERS:
        raise KeyError(f"'{path}' is not a parameter (the runs' seeds come from --seeds)")
    annotation = key_annotation(path, "people.leave_share_max")
    leaf = _unwrap(annotation)
    if leaf is int or leaf is float:
        return leaf
    raise KeyError(f"'{path}' is not a number, so it cannot be varied")


def _node(doc: dict, parts: list[str]) -> dict | list:
    """The container in the dumped scenario ``doc`` that holds the last of ``parts``."""
    node: object = doc
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(f"'{here}' is not set in this scenario")
    if not isinstance(node, dict | list):
        raise KeyError(f"'{'.'.join(parts)}' is not set in this scenario")
    return node


def scenario_value(scenario: Scenario, path: str) -> int | float | None:
    """The scenario's own value at ``path`` (None when the key is unset, e.g. ``refuel_every_h``).

    Raises
    ------
    KeyError
        When the path does not lead to a value of this scenario.
    """
    parts = path.split(".")
    node = _node(scenario.model_dump(), parts[:-1])
    last = parts[-1]
    if isinstance(node, dict):
        if last not in node:
            raise KeyError(f"'{path}' is not set in this scenario")
        return node[last]
    if not last.isdigit() or int(last) >= len(node):
        raise KeyError(f"'{path}' is not set in this scenario")
    return node[int(last)]


def _validation_message(exc: ValidationError) -> str:
    """The errors of a re-validation on one line: ``key: message; ...``."""
    bits = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        bits.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(bits)


def variant(scenario: Scenario, path: str, value: int | float) -> Scenario:
    """The scenario with the key at ``path`` set to ``value``, validated again.

    The scenario is dumped, the one key set in the dump and the dump validated with the
    strict :class:`~coldstart.scenario.model.Scenario` model; ``scenario`` itself is untouched.

    Parameters
    ----------
    scenario : Scenario
        The scenario as given.
    path : str
        Dotted path of a numeric key (see :func:`number_kind`).
    value : int or float
        The new value, in the key's unit; an ``int`` for count keys.

    Returns
    -------
    Scenario
        A new scenario that differs from ``scenario`` in that key only.

    Raises
    ------
    KeyError
        When the path names nothing in this scenario.
    ValueError
        When the model refuses the value (outside the key's bounds, wrong type, a rule that
        ties it to other keys); the message is one line naming the key.
    """
    number_kind(path)
    doc = scenario.model_dump()
    parts = path.split(".")
    node = _node(doc, parts[:-1])
    last = parts[-1]
    if isinstance(node, dict):
        if last not in node:
            raise KeyError(f"'{path}' is not set in this scenario")
        node[last] = value
    else:
        if not last.isdigit() or int(last) >= len(node):
            raise KeyError(f"'{path}' is not set in this scenario")
        node[int(last)] = value
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        raise ValueError(_validation_message(exc)) from None


# --------------------------------------------------------------------------- the table


def _number(text: str, kind: type[int] | type[float]) -> int | float:
    """Parse one value of the table as ``kind``; ValueError with a one-line reason."""
    t = text.strip()
    if not t:
        raise ValueError("expected a number, got nothing")
    try:
        x = float(t)
    except ValueError:
        raise ValueError(f"expected a number, got {t!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"expected a finite number, got {t!r}")
    if kind is float:
        return x
    try:
        return int(t)  # exact, however large
    except ValueError:
        if x != math.floor(x):
            raise ValueError(f"expected a whole number (the key is a count), got {t!r}") from None
        return int(x)


def _row(cells: dict[str, str], line: int, file: str) -> tuple[Parameter | None, list[Problem]]:
    """One row checked on its own (path, numbers, order, source)."""
    where = f"line {line}"
    path = cells["parameter"].strip()
    try:
        kind = number_kind(path)
    except KeyError as exc:
        return None, [Problem(file, where, "parameter", exc.args[0])]
    where = f"line {line} ({path})"
    problems, values = [], {}
    for field in ("low", "high"):
        try:
            values[field] = _number(cells[field], kind)
        except ValueError as exc:
            problems.append(Problem(file, where, field, str(exc)))
    source = cells["source"].strip()
    if not source:
        problems.append(Problem(file, where, "source", f"name a source key or say '{NO_SOURCE}'"))
    if problems:
        return None, problems
    if not values["low"] < values["high"]:
        msg = f"low ({values['low']:g}) must be below high ({values['high']:g})"
        return None, [Problem(file, where, "high", msg)]
    unit = cells["unit"].strip()
    return Parameter(path, values["low"], values["high"], unit, source, line), []


def _rows(text: str, file: str) -> list[tuple[int, dict[str, str]]]:
    """The table's rows as ``(line, cells)``; the header must be :data:`TABLE_COLUMNS`."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [c.strip() for c in next(reader, [])]
        if not header:
            raise SensitivityError(Problem(file, "", "", "the table is empty"))
        if tuple(header) != TABLE_COLUMNS:
            extra = [c for c in header if c not in TABLE_COLUMNS]
            missing = [c for c in TABLE_COLUMNS if c not in header]
            field = (extra or missing or [""])[0]
            msg = f"expected the columns {','.join(TABLE_COLUMNS)}, got {','.join(header)}"
            msg += separator_hint(header)
            raise SensitivityError(Problem(file, "line 1", field, msg))
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) != len(TABLE_COLUMNS):
                msg = f"expected {len(TABLE_COLUMNS)} cells, got {len(cells)}"
                raise SensitivityError(Problem(file, f"line {reader.line_num}", "", msg))
            rows.append((reader.line_num, dict(zip(TABLE_COLUMNS, cells, strict=True))))
            if len(rows) > MAX_PARAMETERS:
                msg = f"more than {MAX_PARAMETERS} parameters"
                raise SensitivityError(Problem(file, "", "", msg))
    except csv.Error as exc:
        msg = f"not a valid CSV table: {exc}"
        raise SensitivityError(Problem(file, f"line {reader.line_num}", "", msg)) from None
    if not rows:
        raise SensitivityError(Problem(file, "", "", "the table has no parameters"))
    return rows


def parse_parameters(
    text: str, file: str = "<parameters>", scenario: Scenario | None = None
) -> ParameterTable:
    """Parse and check a parameter table given as CSV text.

    Parameters
    ----------
    text : str
        CSV with the header ``parameter,low,high,unit,source``.
    file : str
        Name used in messages.
    scenario : Scenario, optional
        When given, every low and high value is also tried on it (:func:`build_variants`), so
        that all problems of the table are reported at once.

    Returns
    -------
    ParameterTable

    Raises
    ------
    SensitivityError
        One problem per bad row and field (file, line, field): an unknown or non-numeric key,
        a value that is not a number (or not a whole number for a count), low not below high,
        an empty source, a key given twice; with ``scenario``, a key it does not have or a
        value its model refuses.
    """
    problems: list[Problem] = []
    params: list[Parameter] = []
    seen: dict[str, int] = {}
    for line, cells in _rows(text, file):
        param, bad = _row(cells, line, file)
        problems += bad
        if param is None:
            continue
        if param.path in seen:
            msg = f"'{param.path}' is already on line {seen[param.path]}"
            problems.append(Problem(file, f"line {line}", "parameter", msg))
            continue
        seen[param.path] = line
        params.append(param)
    table = ParameterTable(file, tuple(params))
    if scenario is not None:
        problems += _variants_of(table, scenario)[1]
        problems.sort(key=lambda p: int(p.where.split()[1]) if p.where else 0)
    if problems:
        raise SensitivityError(problems[:MAX_PROBLEMS])
    return table


def read_parameters(
    path: str | Path | None = None, scenario: Scenario | None = None
) -> ParameterTable:
    """Read and check a parameter table file (default: the built-in ``data/sensitivity.csv``).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A CSV file; None for the built-in table.
    scenario : Scenario, optional
        When given, every value is also tried on it (see :func:`parse_parameters`).

    Raises
    ------
    SensitivityError
        When the file is missing, not a regular file, too large, not UTF-8, or any row is bad
        (see :func:`parse_parameters`).
    """
    if path is None:
        text = resources.files("coldstart.data").joinpath(BUILTIN_TABLE).read_text()
        return parse_parameters(text, f"<built-in {BUILTIN_TABLE}>", scenario)
    from coldstart.safeio import read_text

    return parse_parameters(read_text(path, "parameters", SensitivityError), str(path), scenario)


def _variants_of(
    table: ParameterTable, scenario: Scenario
) -> tuple[list[tuple[Parameter, Scenario, Scenario]], list[Problem]]:
    """The variants of every parameter the scenario model accepts, and the problems of the rest."""
    problems: list[Problem] = []
    out = []
    for p in table.parameters:
        where = f"line {p.line} ({p.path})"
        made = {}
        for field, value in (("low", p.low), ("high", p.high)):
            try:
                made[field] = variant(scenario, p.path, value)
            except KeyError as exc:
                problems.append(Problem(table.file, where, "parameter", exc.args[0]))
                break
            except ValueError as exc:
                msg = f"{value:g} is refused by the scenario model: {exc}"
                problems.append(Problem(table.file, where, field, msg))
        if len(made) == 2:
            out.append((p, made["low"], made["high"]))
    return out, problems


def build_variants(
    table: ParameterTable, scenario: Scenario
) -> list[tuple[Parameter, Scenario, Scenario]]:
    """Every parameter's low and high variant of ``scenario``, each validated again.

    Returns
    -------
    list of tuple
        ``(parameter, scenario at low, scenario at high)`` in table order.

    Raises
    ------
    SensitivityError
        One problem per refused value (file, line, field ``low`` or ``high``, the model's
        reason) or per key this scenario does not have.
    """
    out, problems = _variants_of(table, scenario)
    if problems:
        raise SensitivityError(problems[:MAX_PROBLEMS])
    return out


# --------------------------------------------------------------------------- metrics and seeds


def check_metrics(metrics: Sequence[str]) -> tuple[str, ...]:
    """The metrics in order without repeats; each must be a key of the run's summary.

    Raises
    ------
    SensitivityError
        When none is given or one is not a summary key (``data/outputs.toml``).
    """
    known = columns("summary")
    names = tuple(dict.fromkeys(m.strip() for m in metrics))
    if not names:
        raise SensitivityError(Problem("--metric", "", "", "no metric given"))
    bad = [m for m in names if m not in known]
    if bad:
        msg = (
            f"'{bad[0]}' is not a figure of the run's summary (summary.json; the README's "
            f"Outputs section lists them), e.g. {', '.join(known[:6])}"
        )
        raise SensitivityError(Problem("--metric", "", "", msg))
    return names


def seed_list(scenario: Scenario, n: int) -> list[int]:
    """Seeds ``scenario.seed + 0 .. n-1``.

    Raises
    ------
    SensitivityError
        When ``n`` is below 1 or above :data:`MAX_SEEDS`, or a seed would pass 2**63 - 1.
    """
    from coldstart.sweep.plan import consecutive_seeds

    return consecutive_seeds(scenario.seed, n, error=SensitivityError, most=MAX_SEEDS)


def _values(
    summary: dict, metrics: tuple[str, ...], horizon_h: float
) -> tuple[list[float], list[bool]]:
    """The metrics of one run, and which were not reached within the horizon (a time counted
    as the horizon: a lower bound)."""
    out, censored = [], []
    for m in metrics:
        if m not in summary:
            raise SensitivityError(Problem("--metric", "", "", f"'{m}' is not in the summary"))
        v = summary[m]
        censored.append(v is None)
        if v is None:
            v = horizon_h
        if isinstance(v, bool) or not isinstance(v, int | float | np.number):
            raise SensitivityError(Problem("--metric", "", "", f"'{m}' is not a number"))
        out.append(float(v))
    return out, censored


# --------------------------------------------------------------------------- the runs


def _ranks(keys: list[tuple[float, ...]]) -> list[int]:
    """Competition ranks (1 = largest; equal keys share a rank)."""
    return [1 + sum(other > k for other in keys) for k in keys]


def run_sensitivity(
    city: City | CompiledCity,
    scenario: Scenario,
    table: ParameterTable,
    seeds: Sequence[int],
    metrics: Sequence[str] = DEFAULT_METRICS,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Run the baseline and every parameter at low and high over ``seeds``; rank the effects.

    Parameters
    ----------
    city : City or CompiledCity
        Compiled once here if not already; every run reuses it.
    scenario : Scenario
        The baseline; never changed.
    table : ParameterTable
        Parameters to vary (:func:`read_parameters`).
    seeds : sequence of int
        Seeds of the runs; every variant runs on the same seeds as the baseline.
    metrics : sequence of str
        Summary keys compared. Times not reached within the horizon (null in the summary)
        count as the horizon [h] (a lower bound).
    progress : callable, optional
        ``progress(done, total)`` after each run.

    Returns
    -------
    dict
        ``scenario``, ``seeds``, ``metrics``, ``table``, ``runs``, ``baseline`` (per metric the
        seed-mean and the standard deviation over seeds) and ``parameters``, sorted by rank:
        per parameter ``parameter``, ``unit``, ``source``, ``scenario_value``, ``low``,
        ``high``, ``rank`` (by the effect on the first metric, then the next) and ``metrics``:
        per metric ``low``, ``high`` and ``baseline`` seed-means, ``effect`` =
        ``|high - low|`` and ``rank`` (1 = largest effect; equal effects share a rank).

    Raises
    ------
    SensitivityError
        A bad metric, no seeds, a value the scenario model refuses.
    """
    names = check_metrics(metrics)
    if not seeds:
        raise SensitivityError(Problem("--seeds", "", "", "no seed given"))
    variants = build_variants(table, scenario)
    cc = city if isinstance(city, CompiledCity) else compile_city(city)
    runs = [scenario] + [v for _, lo, hi in variants for v in (lo, hi)]
    values = np.empty((len(runs), len(seeds), len(names)))
    censored = np.zeros(values.shape, bool)
    done, total = 0, len(runs) * len(seeds)
    for r, sc in enumerate(runs):
        for s, seed in enumerate(seeds):
            summary = simulate(cc, sc, seed=seed).summary
            values[r, s], censored[r, s] = _values(summary, names, scenario.horizon_h)
            done += 1
            if progress is not None:
                progress(done, total)
    return _summarise(scenario, table, variants, list(seeds), names, values, censored)


def _summarise(
    scenario: Scenario,
    table: ParameterTable,
    variants: list[tuple[Parameter, Scenario, Scenario]],
    seeds: list[int],
    names: tuple[str, ...],
    values: np.ndarray,
    censored: np.ndarray | None = None,
) -> dict:
    """The result document of :func:`run_sensitivity` from the run values ``[run, seed, m]``
    (``censored``: the same shape, True where a time was not reached within the horizon)."""
    cens = np.zeros(values.shape, bool) if censored is None else censored
    n_cens = cens.sum(axis=1)  # [run, metric]: seeds whose value is a lower bound
    means = values.mean(axis=1)  # [run, metric]
    base = means[0]
    sd = values[0].std(axis=0, ddof=1) if len(seeds) > 1 else np.zeros(len(names))
    effects = [np.abs(means[2 + 2 * k] - means[1 + 2 * k]) for k in range(len(variants))]
    per_metric = [_ranks([(float(e[j]),) for e in effects]) for j in range(len(names))]
    overall = _ranks([tuple(float(x) for x in e) for e in effects])
    rows = []
    for k, (p, _, _) in enumerate(variants):
        rows.append(
            {
                "parameter": p.path,
                "unit": p.unit,
                "source": p.source,
                "scenario_value": scenario_value(scenario, p.path),
                "low": p.low,
                "high": p.high,
                "rank": overall[k],
                "metrics": {
                    m: {
                        "low": round(float(means[1 + 2 * k, j]), 3),
                        "high": round(float(means[2 + 2 * k, j]), 3),
                        "baseline": round(float(base[j]), 3),
                        "effect": round(float(effects[k][j]), 3),
                        "rank": per_metric[j][k],
                        "low_censored": int(n_cens[1 + 2 * k, j]),
                        "high_censored": int(n_cens[2 + 2 * k, j]),
                    }
                    for j, m in enumerate(names)
                },
            }
        )
    order = sorted(range(len(rows)), key=lambda k: (overall[k], k))
    return {
        "scenario": scenario.name,
        "seeds": seeds,
        "metrics": list(names),
        "table": table.file,
        "runs": int(values.shape[0] * values.shape[1]),
        "baseline": {
            m: {
                "mean": round(float(base[j]), 3),
                "sd": round(float(sd[j]), 3),
                "censored": int(n_cens[0, j]),
            }
            for j, m in enumerate(names)
        },
        "parameters": [rows[k] for k in order],
    }


# --------------------------------------------------------------------------- writing


CSV_COLUMNS: tuple[str, ...] = (
    "rank",
    "parameter",
    "unit",
    "scenario_value",
    "low",
    "high",
    "metric",
    "mean_at_low",
    "mean_at_high",
    "mean_baseline",
    "effect",
    "rank_for_metric",
    "source",
)
"""Columns of ``sensitivity.csv``: one row per parameter and metric."""


def to_csv(result: dict) -> str:
    """``sensitivity.csv``: one row per parameter and metric, parameters in rank order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in result["parameters"]:
        own = "" if p["scenario_value"] is None else p["scenario_value"]
        for m, r in p["metrics"].items():
            w.writerow(
                [
                    p["rank"],
                    p["parameter"],
                    p["unit"],
                    own,
                    p["low"],
                    p["high"],
                    m,
                    r["low"],
                    r["high"],
                    r["baseline"],
                    r["effect"],
                    r["rank"],
                    p["source"],
                ]
            )
    return buf.getvalue()


def write_sensitivity(result: dict, folder: str | Path) -> list[Path]:
    """Write ``sensitivity.json``, ``sensitivity.csv`` and ``sensitivity.html`` into ``folder``.

    The folder should be the temporary folder of :func:`coldstart.outdir.owned_output`.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from coldstart.report.sensitivity import render_sensitivity

    folder = Path(folder)
    files = [folder / f"sensitivity.{ext}" for ext in ("json", "csv", "html")]
    files[0].write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    files[1].write_text(to_csv(result), encoding="utf-8")
    files[2].write_text(render_sensitivity(result), encoding="utf-8")
    return files
