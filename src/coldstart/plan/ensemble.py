"""Person-hours below 12 degC of a city with generators at a set of sites, over seeds.

Every set of sites is simulated on the same seeds (common random numbers [LAW-2015]: the same
strike draws, repair times and start-up failures for every candidate, so that a difference
between two sets is the generators' doing, not the draws'). A set's runs are a sweep of the
equipped city (:func:`coldstart.sweep.engine.run_sweep`): with a run store, runs stored by an
earlier call (same city with the same generators, scenario, policy and seed: the same content
hash) are read back instead of simulated, and every new run is stored. Values are memoised
per (set, seed) within one :class:`Ensemble`, with every figure of the run's summary.

In the store, a set's runs carry the set in their ``variant`` (:func:`generator_variant`):
``{"mobile_generators": "bh_4,ps_1", "mobile_generator_kw": 2000.0}``; the city as given (no
site chosen) is the scenario as given, ``{}``, the very runs a plain sweep makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.scenario.model import Scenario
from coldstart.sweep.store import FIGURES, RunStore, SweepSource

OBJECTIVE = "person_hours_below_12c"
"""Summary figure minimised by a backup plan [person-h]."""

OnRun = Callable[[int], None]
"""``on_run(runs)`` after each run simulated or read back, with the count so far."""


def generator_variant(sites: pd.DataFrame, chosen: Sequence[int], kw_each: float) -> dict:
    """The ``variant`` of the runs of a city with mobile generators at ``chosen``.

    Parameters
    ----------
    sites : pandas.DataFrame
        Candidate sites (``site_id``).
    chosen : sequence of int
        Positions into ``sites``.
    kw_each : float
        Generator rating [kW].

    Returns
    -------
    dict
        ``{}`` without a site (the city and scenario as given), else
        ``{"mobile_generators": "<site ids by position, comma-separated>",
        "mobile_generator_kw": kw_each}``.
    """
    key = sorted(int(i) for i in chosen)
    if not key:
        return {}
    names = ",".join(str(s) for s in sites.site_id.iloc[key])
    return {"mobile_generators": names, "mobile_generator_kw": float(kw_each)}


@dataclass
class Ensemble:
    """Evaluates sets of generator sites on seeds, memoised, optionally through a run store.

    Parameters
    ----------
    city : City
        The city as given (never modified).
    scenario : Scenario
        The scenario (its dispatch policy is the runs' policy).
    sites : pandas.DataFrame
        Candidate sites (:func:`coldstart.plan.sites.candidate_sites`).
    kw_each : float
        Generator rating [kW].
    fuel_h : float
        Generator tank [h].
    store : RunStore, optional
        Where runs are read back from and stored to.
    source : SweepSource, optional
        The command, city folder and scenario file in the store's ``sweeps`` table (default:
        ``plan backups`` and the city's and scenario's names).
    on_run : callable, optional
        Progress callback (:data:`OnRun`).
    scheduler : str, optional
        Address of a Dask scheduler the runs go to (one cluster for every set of sites, as
        :func:`coldstart.sweep.execute.execute` takes it); None runs them in this process.
    """

    city: City
    scenario: Scenario
    sites: pd.DataFrame
    kw_each: float
    fuel_h: float
    store: RunStore | None = None
    source: SweepSource | None = None
    on_run: OnRun | None = None
    scheduler: str | None = None
    simulated: int = 0
    reused: int = 0
    _memo: dict[tuple[tuple[int, ...], int], dict[str, float]] = field(default_factory=dict)

    def per_seed(self, chosen: Sequence[int], seeds: Sequence[int]) -> np.ndarray:
        """Person-hours below 12 degC with generators at ``chosen``, one value per seed.

        Parameters
        ----------
        chosen : sequence of int
            Positions into :attr:`sites`.
        seeds : sequence of int
            Seeds of the runs.

        Returns
        -------
        numpy.ndarray
            ``[person-h]``, in the order of ``seeds``.

        Raises
        ------
        RuntimeError
            A run failed (a bug of the simulation, reported with its error).
        """
        return self.figure(chosen, seeds, OBJECTIVE)

    def figure(self, chosen: Sequence[int], seeds: Sequence[int], name: str) -> np.ndarray:
        """Any figure of the runs' summaries (a column of the run store) with generators at
        ``chosen``, one value per seed, in the order of ``seeds`` (NaN when null); see
        :meth:`per_seed`."""
        key = tuple(sorted(int(i) for i in chosen))
        need = [int(s) for s in seeds if (key, int(s)) not in self._memo]
        if need:
            self._run(key, need)
        return np.array([self._memo[(key, int(s))][name] for s in seeds], float)

    def _run(self, key: tuple[int, ...], seeds: list[int]) -> None:
        """Simulate (or read back) the runs of one set on ``seeds`` and memoise them."""
        from coldstart.compiled import compile_city
        from coldstart.plan.sites import equip
        from coldstart.sweep.engine import run_sweep
        from coldstart.sweep.plan import build_plan, city_digest

        city = equip(self.city, self.sites, list(key), self.kw_each, self.fuel_h)
        sc = self.scenario
        variant = generator_variant(self.sites, key, self.kw_each)
        plan = build_plan(
            city_digest(city), sc, seeds, [sc.policies.dispatch], variants=[(variant, sc)]
        )
        if self.store is not None:
            source = self.source or SweepSource("plan backups", self.city.name, sc.name)
            self.store.add_sweep(plan, source, sc.name)
        before = self.simulated + self.reused

        def tick(done: int, failed: int) -> None:
            if self.on_run is not None:
                self.on_run(before + done)

        swept = run_sweep(
            compile_city(city), plan, self.store, scheduler=self.scheduler, progress=tick
        )
        self.simulated += swept.done_now
        self.reused += swept.skipped
        if swept.skipped and self.on_run is not None:
            self.on_run(self.simulated + self.reused)
        bad = swept.runs[swept.runs.status != "ok"]
        if len(bad):
            raise RuntimeError(f"a run failed: {str(bad.error.iat[0]).splitlines()[0]}")
        for row in swept.runs.itertuples(index=False):
            self._memo[(key, int(row.seed))] = {f: float(getattr(row, f)) for f in FIGURES}

    def cost(self, seeds: Sequence[int]) -> Callable[[tuple[int, ...]], float]:
        """The set function ``chosen -> mean person-hours over seeds`` [person-h]."""
        return lambda chosen: float(self.per_seed(chosen, seeds).mean())
