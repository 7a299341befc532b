"""Checks of a city's pandapower grid: every number the engine uses, every bus reference, a supply.

``coldstart city check`` must catch everything ``coldstart run`` would later fail on, so these
checks cover what the DC engine (:mod:`coldstart.grid.compile_pp`) and the runner need: finite,
positive impedances and ratings (a line with ``x = 0`` or a trafo with ``vk_percent = 0`` makes
the susceptance ``b = 1 / x`` infinite, pandapower ``makeBdc``), buses that exist for every
element and switch, elements the engine supports, and at least one source of power (an
``ext_grid`` or a slack ``gen``). Each problem names the table, the row index and the column.
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd

from coldstart.city.schema import MAX_PROBLEMS_PER_FIELD
from coldstart.errors import Problem
from coldstart.grid.compile_pp import UNSUPPORTED

POSITIVE = "> 0"
NON_NEGATIVE = ">= 0"
FINITE = "finite"

VALUE_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "bus": (("vn_kv", POSITIVE),),
    "line": (
        ("length_km", POSITIVE),
        ("r_ohm_per_km", NON_NEGATIVE),
        ("x_ohm_per_km", POSITIVE),
        ("c_nf_per_km", NON_NEGATIVE),
        ("max_i_ka", POSITIVE),
        ("parallel", POSITIVE),
    ),
    "trafo": (
        ("sn_mva", POSITIVE),
        ("vn_hv_kv", POSITIVE),
        ("vn_lv_kv", POSITIVE),
        ("vk_percent", POSITIVE),
        ("vkr_percent", NON_NEGATIVE),
        ("shift_degree", FINITE),
        ("parallel", POSITIVE),
    ),
    "trafo3w": tuple(
        (f"{q}_{w}_{u}", POSITIVE)
        for q, u in (("sn", "mva"), ("vn", "kv"), ("vk", "percent"))
        for w in ("hv", "mv", "lv")
    ),
    "impedance": (("xft_pu", POSITIVE), ("xtf_pu", POSITIVE), ("sn_mva", POSITIVE)),
    "gen": (("p_mw", NON_NEGATIVE), ("vm_pu", POSITIVE)),
    "sgen": (("p_mw", FINITE),),
    "load": (("p_mw", NON_NEGATIVE), ("q_mvar", FINITE)),
    "storage": (("p_mw", FINITE),),
    "ext_grid": (("vm_pu", POSITIVE), ("va_degree", FINITE)),
    "shunt": (("p_mw", FINITE), ("q_mvar", FINITE)),
}
"""Columns the engine reads, and what each value must be (NaN is never allowed)."""

OPTIONAL_FINITE: dict[str, tuple[str, ...]] = {
    "trafo": ("tap_pos", "tap_neutral", "tap_step_percent", "tap_step_degree"),
    "gen": ("sn_mva", "max_p_mw", "min_p_mw"),
    "load": ("scaling",),
    "sgen": ("scaling",),
}
"""Columns that may be empty (NaN) but, when given, must be finite (``inf`` is refused)."""

BUS_COLUMNS: dict[str, tuple[str, ...]] = {
    "line": ("from_bus", "to_bus"),
    "trafo": ("hv_bus", "lv_bus"),
    "trafo3w": ("hv_bus", "mv_bus", "lv_bus"),
    "impedance": ("from_bus", "to_bus"),
    "switch": ("bus",),
    **{
        t: ("bus",)
        for t in (
            "gen",
            "sgen",
            "load",
            "ext_grid",
            "storage",
            "shunt",
            "ward",
            "xward",
            "motor",
            "asymmetric_load",
            "asymmetric_sgen",
        )
    },
}
"""Columns of each element table that name a bus."""

SWITCH_ELEMENT = {"b": "bus", "l": "line", "t": "trafo", "t3": "trafo3w"}
"""Table a switch's ``element`` refers to, by its ``et``."""


def _numbers(frame: pd.DataFrame, col: str) -> pd.Series:
    """The column as floats; text, booleans and other non-numbers become NaN (then refused)."""
    col_data = frame[col]
    if col_data.dtype == bool or col_data.dtype == object:
        col_data = col_data.map(_number_or_nan)
    return pd.to_numeric(col_data, errors="coerce").astype(float)


def _number_or_nan(value: object) -> float:
    """A number cell as float; text, booleans and anything else NaN."""
    if isinstance(value, (bool, np.bool_)):
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float
            return np.nan
    return np.nan


STATUS_TABLES = (
    "bus", "line", "trafo", "trafo3w", "impedance", "gen", "sgen", "load", "ext_grid",
    "storage", "shunt", "ward", "xward", "motor", "asymmetric_load", "asymmetric_sgen",
)  # fmt: skip
"""Tables whose rows carry an ``in_service`` flag the engine reads."""


def _column_problems(net: pp.pandapowerNet, file: str) -> list[Problem]:
    """Columns the engine reads must exist; ``in_service`` and ``closed`` must be true/false."""
    problems = []
    for table in sorted(set(VALUE_RULES) | set(BUS_COLUMNS) | set(STATUS_TABLES)):
        frame = net[table] if table in net else pd.DataFrame()
        if not len(frame):
            continue
        needed = [c for c, _ in VALUE_RULES.get(table, ())] + list(BUS_COLUMNS.get(table, ()))
        needed += ["in_service"] if table in STATUS_TABLES else []
        needed += ["element", "et", "closed"] if table == "switch" else []
        for col in dict.fromkeys(needed):
            if col not in frame:
                problems.append(
                    Problem(file, f"table '{table}'", col, "required column is missing")
                )
        for col in ("in_service", "closed"):
            if col in frame and frame[col].dtype != bool:
                bad = ~frame[col].map(lambda v: isinstance(v, (bool, np.bool_)))
                problems += _listed(file, table, col, frame[col], bad, "expected true or false")
    return problems


def _value_problems(net: pp.pandapowerNet, file: str) -> list[Problem]:
    problems = []
    for table, rules in VALUE_RULES.items():
        frame = net[table] if table in net else pd.DataFrame()
        for col, rule in rules:
            if len(frame) == 0 or col not in frame:
                continue
            v = _numbers(frame, col)
            bad = ~np.isfinite(v)
            if rule == POSITIVE:
                bad |= v <= 0
            elif rule == NON_NEGATIVE:
                bad |= v < 0
            what = "a finite number" if rule == FINITE else f"a finite number {rule}"
            problems += _listed(file, table, col, frame[col], bad, f"expected {what}")
        for col in OPTIONAL_FINITE.get(table, ()):
            if len(frame) and col in frame:
                v = _numbers(frame, col)
                bad = np.isinf(v)
                problems += _listed(file, table, col, frame[col], bad, "expected a finite number")
    return problems


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (so messages read ``-1.0``)."""
    return value.item() if isinstance(value, np.generic) else value


def _listed(
    file: str, table: str, col: str, raw: pd.Series, bad: pd.Series, expected: str
) -> list[Problem]:
    rows = list(raw.index[bad.to_numpy(dtype=bool)])
    out = [
        Problem(file, f"table '{table}', index {idx}", col, f"{expected}, got {_plain(raw[idx])!r}")
        for idx in rows[:MAX_PROBLEMS_PER_FIELD]
    ]
    if len(rows) > MAX_PROBLEMS_PER_FIELD:
        out.append(
            Problem(
                file,
                f"table '{table}'",
                col,
                f"... and {len(rows) - MAX_PROBLEMS_PER_FIELD} more rows",
            )  # fmt: skip
        )
    return out


def _reference_problems(net: pp.pandapowerNet, file: str) -> list[Problem]:
    problems = []
    buses = set(net.bus.index.tolist())
    for table, cols in BUS_COLUMNS.items():
        frame = net[table] if table in net else pd.DataFrame()
        for col in cols:
            if len(frame) == 0 or col not in frame:
                continue
            bad = ~frame[col].isin(buses)
            problems += _listed(file, table, col, frame[col], bad, "refers to a bus not in bus")
    sw = net.switch if "switch" in net else pd.DataFrame()
    if len(sw):
        et = sw["et"].astype(str)
        problems += _listed(
            file, "switch", "et", sw["et"], ~et.isin(SWITCH_ELEMENT), "expected b, l, t or t3"
        )
        for code, table in SWITCH_ELEMENT.items():
            rows = sw[et == code]
            valid = set(net[table].index.tolist())
            bad = ~rows["element"].isin(valid)
            problems += _listed(
                file,
                "switch",
                "element",
                rows["element"],
                bad,
                f"refers to a {table} not in {table}",
            )
    return problems


def _supply_problems(net: pp.pandapowerNet, file: str) -> list[Problem]:
    problems = []
    for table in UNSUPPORTED:
        frame = net[table] if table in net else pd.DataFrame()
        if len(frame) and "in_service" in frame and frame["in_service"].fillna(False).any():
            problems.append(
                Problem(
                    file,
                    f"table '{table}'",
                    "in_service",
                    f"in-service '{table}' elements are not supported by coldstart's grid engine "
                    "(set them out of service or remove them)",
                )
            )
    ext = net.ext_grid
    has_ext = len(ext) > 0 and ext["in_service"].fillna(False).astype(bool).any()
    gen = net.gen
    has_slack = len(gen) > 0 and "slack" in gen and gen["slack"].fillna(False).astype(bool).any()
    if not (has_ext or has_slack):
        problems.append(
            Problem(
                file,
                "table 'ext_grid'",
                "",
                "the grid has no in-service ext_grid and no slack gen: nothing can be energized",
            )
        )
    return problems


def check_grid(net: pp.pandapowerNet, file: str) -> list[Problem]:
    """Check a city's grid: values, references and supply.

    Parameters
    ----------
    net : pandapower.pandapowerNet
        The grid, as decoded from the city's ``grid.json``. Not modified.
    file : str
        The grid file, for messages.

    Returns
    -------
    list of Problem
        Every problem found, each naming ``"<table> <index>"`` and the column; empty when the
        grid can be compiled and simulated.
    """
    if len(net.bus) == 0:
        return [Problem(file, "table 'bus'", "", "the grid has no buses")]
    problems = _column_problems(net, file)
    if problems:  # the other checks read these columns
        return problems
    problems = _value_problems(net, file)
    problems += _reference_problems(net, file)
    problems += _supply_problems(net, file)
    return problems
