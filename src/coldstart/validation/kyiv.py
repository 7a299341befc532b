"""Replay of the 9 January 2026 strike on Kyiv over seeds, against the reported figures.

The synthetic city at Kyiv's scale in apartment blocks (``synth_city(12000, seed=0)``) runs
``examples/kyiv-2026-01-09.toml`` once per seed; each run gives the apartment blocks on district
heating without heat (``blocks_without_heat``, counted as the city counts addresses) at the hours
of the reported figures ``data/kyiv_2026_reported.csv`` [KYIV-2026].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources

import numpy as np
import pandas as pd

from coldstart.compiled import CompiledCity
from coldstart.scenario.model import Scenario
from coldstart.simulate import simulate

KYIV_BUILDINGS = 12_000
"""Buildings of the replay city: Kyiv has about 12,000 apartment-block addresses [KYIV-2026]."""


def reported() -> pd.DataFrame:
    """The reported blocks without heat and the acceptance band at each hour [KYIV-2026].

    Returns
    -------
    pandas.DataFrame
        ``hours`` since 9 Jan 00:00, ``blocks_without_heat`` reported, the band ``low`` and
        ``high`` the seed median must lie in, ``when``, ``source``.
    """
    with resources.files("coldstart.data").joinpath("kyiv_2026_reported.csv").open() as f:
        return pd.read_csv(f)


def replay(
    cc: CompiledCity,
    scenario: Scenario,
    seeds: Sequence[int],
    progress: Callable[[int, int], None] | None = None,
    curves: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Run the replay once per seed; one row per seed.

    Parameters
    ----------
    cc : CompiledCity
        The replay city, compiled once.
    scenario : Scenario
        The replay scenario (possibly with a coarser step, see ``tests/validation``).
    seeds : sequence of int
        Seeds of the runs.
    progress : callable, optional
        Called as ``progress(done, total)`` after each run.
    curves : list, optional
        When given, each run's ``hours`` and ``blocks_without_heat`` timeline is appended.

    Returns
    -------
    pandas.DataFrame
        ``seed``, ``blocks_at_<h>h`` for each reported hour, ``blocks_lost_heat``,
        ``buildings_drained``, ``buildings_frozen``, ``person_hours_below_12c``,
        ``peak_people_in_shelters``, ``peak_metro`` (most people in metro stations at once).
    """
    hours = reported().hours.to_numpy(float)
    rows = []
    for n, seed in enumerate(seeds):
        r = simulate(cc, scenario, seed=int(seed))
        tl = r.timeline
        if curves is not None:
            curves.append(tl[["hours", "blocks_without_heat"]].copy())
        at = {
            f"blocks_at_{h:g}h": int(
                tl.blocks_without_heat.iloc[int(np.argmin(np.abs(tl.hours.to_numpy() - h)))]
            )
            for h in hours
        }
        s = r.summary
        keys = (
            "blocks_lost_heat",
            "buildings_drained",
            "buildings_frozen",
            "person_hours_below_12c",
            "peak_people_in_shelters",
        )
        metro = int(tl.people_in_metro_stations.max())
        rows.append({"seed": int(seed), **at, **{k: s[k] for k in keys}, "peak_metro": metro})
        if progress is not None:
            progress(n + 1, len(seeds))
    return pd.DataFrame(rows)


def band(runs: pd.DataFrame) -> pd.DataFrame:
    """Median and 5-95 % of blocks without heat at each reported hour, beside the reports."""
    rep = reported()
    out = []
    for _, row in rep.iterrows():
        v = runs[f"blocks_at_{row.hours:g}h"].to_numpy(float)
        out.append(
            {
                "hours": row.hours,
                "when": row.when,
                "reported": row.blocks_without_heat,
                "low": row.low,
                "high": row.high,
                "median": float(np.median(v)),
                "p5": float(np.percentile(v, 5)),
                "p95": float(np.percentile(v, 95)),
            }
        )
    return pd.DataFrame(out)
