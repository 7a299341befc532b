"""``coldstart plan shelters``: choose which warming points to open, then show the gain.

1. Simulate the scenario on the city as it is for each of ``draws`` damage draws (the
   *choosing* seeds ``seed + 0 .. draws-1``): the *demand* of a draw is, per building, the
   people who want a shelter at each of its design hours (the peaks of the days with the most
   people wanting shelter, :func:`design_demands`), each weighted by how many hours the
   building wants shelter, so that the model's objective approximates unmet person-hours.
2. Candidate sites: the city's schools and warming points, plus the rows of ``--candidates``.
   Metro stations (and any other shelter not in the pool) stay open as they are.
3. Solve the capacitated facility-location model (:mod:`coldstart.people.siting`, HiGHS) for
   ``k`` sites over all draws at once (one choice of sites, the mean unmet demand over the
   draws, each draw with its own capacity), and take the greedy comparator: the ``k`` largest
   sites.
4. For each choice build a modified city (never mutating the input): chosen sites become
   warming points with a generator, fuel for the whole horizon and their own heating;
   candidates not chosen are closed. Simulate both on ``draws`` *fresh* draws (the
   evaluation seeds ``seed + draws .. 2 draws - 1``, never used for choosing: a plan is judged
   on strikes it was not fitted to) and report ``unmet_shelter_demand_person_hours``,
   ``mean_walk_km`` and the sites (means over the draws, and per draw).
5. Two references on the same fresh draws: the city as is (every own shelter open as it is: a
   school on district heating without a generator fails when heat or power goes, and its
   people leave it) and every candidate open *and* equipped like the plan's sites. The city
   as is can leave more demand unmet than a plan of two sites: the plan's sites never fail,
   the city's own do; the equipped reference shows what the equipment alone is worth.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.errors import InputError, Problem
from coldstart.geo import lonlat_to_xy_m
from coldstart.people.config import people_config
from coldstart.people.residents import Residents, at_home_profile
from coldstart.people.shelter import SHELTER_KINDS, leave_share
from coldstart.people.siting import SitingProblem, SitingSolution, greedy_largest, solve_siting

POOL_KINDS = ("school", "warming_point")
"""City facility kinds that are candidate warming points."""

GENERATOR_KW = 60.0
"""Generator of an opened warming point [kW] (the synthetic city's warming points carry 20-60 kW;
Kyiv's Invincibility Points run heaters, lights, phone charging and a kettle)."""

SITE_P_MW = 0.02
"""Electric demand of an opened warming point [MW] (the synthetic city's 10-30 kW)."""

AREA_PER_PERSON_M2 = 3.5
"""Covered floor per person of a new site [m2] (Sphere Handbook 2018, shelter standard 3:
at least 3.5 m2 of living space per person)."""


DRAWS = 3
"""Damage draws of the siting ensemble by default (``plan shelters --draws``)."""

DESIGN_HOURS = 3
"""Design hours per draw by default (``plan shelters --design-hours``): the peaks of the three
days with the most people wanting shelter."""


class CandidatesError(InputError):
    """A candidates file is missing or malformed."""


def _number_or_nan(value: object) -> float:
    from coldstart.city.schema import parse_number

    try:
        return float(parse_number(value))
    except (ValueError, OverflowError):
        return float("nan")


def _feature_label(i: int) -> str:
    """Label of the ``i``-th (0-based) feature of a GeoJSON file in messages."""
    return f"feature {i + 1}"


def read_candidates(path: str | Path, city: City | None = None) -> pd.DataFrame:
    """Read candidate sites from CSV or GeoJSON: ``lon, lat, capacity_people`` and an optional
    id column, ``site_id`` (as ``shelters.csv`` and ``plan backups --candidates`` name it) or
    ``id``.

    GeoJSON features are points (``lon``/``lat`` from the geometry, other fields from
    ``properties``). Returns columns ``site_id, name, lon, lat, capacity_people``.

    Parameters
    ----------
    path : str or pathlib.Path
    city : City, optional
        The city the sites are for: a site farther than :data:`MAX_SITE_DISTANCE_KM` from every
        building, or whose id is one of the city's facility ids, is refused.

    Raises
    ------
    CandidatesError
        One :class:`~coldstart.errors.Problem` per bad row or field.
    """
    from coldstart.city.io import geojson_rows
    from coldstart.csvfile import csv_line_label, missing_column, read_csv_table, unreadable_hint
    from coldstart.safeio import read_bytes

    path = Path(path)
    f = str(path)
    data = read_bytes(path, "candidates", CandidatesError)
    try:
        if path.suffix.lower() in (".geojson", ".json"):
            df = geojson_rows(data)
            where = _feature_label
        else:
            df = read_csv_table(data)
            where = csv_line_label(data, len(df))
    except RecursionError:
        raise CandidatesError(Problem(f, "", "", "cannot read: nested too deeply")) from None
    except Exception as exc:  # json, pandas and csv raise many types for a corrupt file
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        why = f"cannot read: {msg}{unreadable_hint(data)}"
        raise CandidatesError(Problem(f, "", "", why)) from None
    problems = []
    for col in ("lon", "lat", "capacity_people"):
        if col not in df.columns:
            problems.append(Problem(f, "", col, missing_column(df.columns)))
    if {"site_id", "id"} <= set(df.columns):
        problems.append(Problem(f, "", "id", "two id columns, 'site_id' and 'id': keep one"))
    if problems or df.empty:
        raise CandidatesError(problems or [Problem(f, "", "", "no candidate sites")])
    id_col = "site_id" if "site_id" in df.columns else "id"
    if id_col not in df.columns:
        df[id_col] = [f"candidate_{i + 1}" for i in range(len(df))]
    df["id"] = df[id_col].astype(str).str.strip()
    bounds = {"lon": (-180.0, 180.0), "lat": (-90.0, 90.0), "capacity_people": (1, 1e6)}
    for col, (lo, hi) in bounds.items():
        vals = pd.Series([_number_or_nan(v) for v in df[col]], index=df.index, dtype=float)
        for i in np.flatnonzero(~(vals.between(lo, hi)).to_numpy())[:20]:
            problems.append(Problem(f, where(i), col, f"expected a number in [{lo:g}, {hi:g}]"))
        df[col] = vals
    for i in np.flatnonzero(df["id"].duplicated().to_numpy())[:20]:
        problems.append(Problem(f, where(i), id_col, f"duplicate id {df['id'].iat[i]!r}"))
    if city is not None and not problems:
        problems += _city_problems(df, city, f, where, id_col)
    if problems:
        raise CandidatesError(problems)
    name = df["name"].astype(str) if "name" in df.columns else df["id"]
    return pd.DataFrame(
        {
            "site_id": df["id"].to_numpy(object),
            "name": name.to_numpy(object),
            "lon": df["lon"].to_numpy(float),
            "lat": df["lat"].to_numpy(float),
            "capacity_people": np.round(df["capacity_people"].to_numpy(float)).astype(np.int64),
            "source": "candidates",
        }
    )


MAX_SITE_DISTANCE_KM = 20.0
"""A candidate site farther than this from every building of the city is refused [km]: a typo
in a coordinate (a site in another city or country), as no one could walk to it."""


def _city_problems(df: pd.DataFrame, city: City, f: str, where, id_col: str) -> list[Problem]:
    """Problems of candidate rows against the city: an id one of its facilities has, and a site
    farther than :data:`MAX_SITE_DISTANCE_KM` from every building (field ``lon`` or ``lat``,
    whichever is farther off)."""
    from scipy.spatial import cKDTree

    problems = []
    taken = set(city.facilities.facility_id.astype(str))
    for i in np.flatnonzero(df["id"].isin(taken).to_numpy())[:20]:
        why = f"duplicate id {df['id'].iat[i]!r}: the city already has a facility with this id"
        problems.append(Problem(f, where(i), id_col, why))
    b = city.buildings
    if b.empty:
        return problems
    lon0, lat0 = float(b.lon.mean()), float(b.lat.mean())

    def xy(t: pd.DataFrame) -> np.ndarray:
        return np.column_stack(lonlat_to_xy_m(t.lon.to_numpy(float), t.lat.to_numpy(float),
                                              lon0, lat0))  # fmt: skip

    bxy, sxy = xy(b), xy(df)
    dist_m, near = cKDTree(bxy).query(sxy)
    for i in np.flatnonzero(dist_m > MAX_SITE_DISTANCE_KM * 1000.0)[:20]:
        dx, dy = np.abs(sxy[i] - bxy[near[i]])
        why = (
            f"the site is more than {MAX_SITE_DISTANCE_KM:g} km from every building of the city "
            "(a candidate must lie within that distance of one)"
        )
        problems.append(Problem(f, where(i), "lon" if dx >= dy else "lat", why))
    return problems


def candidate_pool(city: City, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The city's schools and warming points with places, then the extra candidate sites."""
    f = city.facilities
    own = f[f.kind.isin(POOL_KINDS) & (f.capacity_people > 0)]
    pool = pd.DataFrame(
        {
            "site_id": own.facility_id.to_numpy(object),
            "name": own["name"].astype(str).to_numpy(object) if "name" in own else "",
            "lon": own.lon.to_numpy(float),
            "lat": own.lat.to_numpy(float),
            "capacity_people": own.capacity_people.to_numpy(np.int64),
            "source": "city",
        }
    )
    if extra is not None and len(extra):
        clash = set(extra.site_id) & set(f.facility_id)
        if clash:
            raise CandidatesError(
                Problem("candidates", "", "id", f"ids already used by facilities: {sorted(clash)}")
            )
        pool = pd.concat([pool, extra[pool.columns]], ignore_index=True)
    return pool


def shelter_demand(buildings_out: pd.DataFrame, city: City, scenario) -> tuple[np.ndarray, ...]:
    """People per building wanting shelter at the design hour, and their weight [h].

    From the people model's per-building columns (``shelter_want_peak_people``,
    ``shelter_want_person_hours``) when the Result has them: weight = person-hours / peak.
    Otherwise estimated from the first-version Result: the night share of mobile residents times
    the leave share at the building's lowest temperature (``min_temp_c``), weighted by the hours
    it spent below 12 degC (at least one hour).

    Returns
    -------
    demand : numpy.ndarray
        People per building.
    weight_h : numpy.ndarray
        Hours per person [h].
    """
    if {"shelter_want_peak_people", "shelter_want_person_hours"} <= set(buildings_out.columns):
        d = buildings_out.shelter_want_peak_people.to_numpy(float)
        ph = buildings_out.shelter_want_person_hours.to_numpy(float)
        return d, np.where(d > 0, ph / np.maximum(d, 1e-12), 0.0)
    cfg = people_config(scenario.people)
    b = city.buildings
    res = Residents.from_table(
        b.residents.to_numpy(float),
        b.vulnerable_share.to_numpy(float),
        b.immobile_share.to_numpy(float),
    )
    general, vulnerable = at_home_profile(cfg)
    mobile_night = res.general * general[0] + res.vulnerable_mobile * vulnerable[0]
    share = leave_share(
        buildings_out.min_temp_c.to_numpy(float),
        cfg.leave_below_c,
        cfg.leave_share_per_c,
        cfg.leave_share_max,
    )
    d = np.floor(mobile_night * share + 1e-9)
    return d, np.maximum(buildings_out.hours_below_12c.to_numpy(float), 1.0)


def apply_sites(city: City, pool: pd.DataFrame, open_mask: np.ndarray, fuel_h: float) -> City:
    """A new City with the chosen sites open as warming points and the other candidates closed.

    Chosen city facilities become ``warming_point`` rows with their own heating and a
    generator holding ``fuel_h`` hours of fuel; chosen candidate-file sites are added as such
    rows (grid bus of the nearest building); city candidates not chosen get no places. The input
    city is not modified.
    """
    f = city.facilities.copy()
    open_mask = np.asarray(open_mask, bool)
    chosen = pool[open_mask]
    from_city = chosen[chosen.source == "city"].site_id
    closed = pool[(~open_mask) & (pool.source == "city").to_numpy()].site_id
    f.loc[f.facility_id.isin(closed), "capacity_people"] = 0
    sel = f.facility_id.isin(from_city)
    f.loc[sel, "kind"] = "warming_point"
    f.loc[sel, "heat_supply"] = "own"
    f.loc[sel, "heat_node_id"] = ""
    f.loc[sel, "backup_power_kw"] = np.maximum(f.loc[sel, "backup_power_kw"], GENERATOR_KW)
    f.loc[sel, "backup_fuel_h"] = float(fuel_h)
    new = chosen[chosen.source != "city"]
    if len(new):
        b = city.buildings
        lon0, lat0 = float(b.lon.mean()), float(b.lat.mean())
        bx, by = lonlat_to_xy_m(b.lon.to_numpy(), b.lat.to_numpy(), lon0, lat0)
        nx, ny = lonlat_to_xy_m(new.lon.to_numpy(), new.lat.to_numpy(), lon0, lat0)
        from scipy.spatial import cKDTree

        _, near = cKDTree(np.column_stack([bx, by])).query(np.column_stack([nx, ny]))
        rows = pd.DataFrame(
            {
                "facility_id": new.site_id.to_numpy(object),
                "kind": "warming_point",
                "name": new["name"].to_numpy(object),
                "lon": new.lon.to_numpy(float),
                "lat": new.lat.to_numpy(float),
                "capacity_people": new.capacity_people.to_numpy(np.int64),
                "floor_area_m2": np.maximum(
                    1.0, AREA_PER_PERSON_M2 * new.capacity_people.to_numpy(float)
                ),
                "backup_power_kw": GENERATOR_KW,
                "backup_fuel_h": float(fuel_h),
                "heat_supply": "own",
                "heat_node_id": "",
                "bus": b.bus.to_numpy()[near],
                "p_mw": SITE_P_MW,
                "critical": False,
            }
        )
        f = pd.concat([f, rows[[c for c in f.columns if c in rows.columns]]], ignore_index=True)
        f = f.astype(
            {c: city.facilities[c].dtype for c in city.facilities.columns}, errors="ignore"
        )
    return dataclasses.replace(city, tables={**city.tables, "facilities": f})


@dataclass(frozen=True)
class PlanOutcome:
    """What ``plan shelters`` found: the plan, the greedy comparator and the baseline runs.

    ``figures`` (per arm ``plan`` and ``greedy``) and ``baseline`` (the city as is) hold means
    over the draws' seeds, with ``per_draw`` values; ``home_min_temp_c`` is the lowest indoor
    temperature of each demand point's building in its draw [degC] (the problem's demand
    points: every building once per draw).
    """

    pool: pd.DataFrame
    problem: SitingProblem
    plan: SitingSolution
    greedy: SitingSolution
    figures: dict
    baseline: dict
    demand_people: float
    seeds: tuple[int, ...] = (0,)
    home_min_temp_c: np.ndarray | None = None
    design_hours: int = 0
    choosing_seeds: tuple[int, ...] = ()


ARM_FIGURES = (
    "unmet_shelter_demand_person_hours", "person_hours_below_12c", "peak_people_in_shelters",
    "shelter_failures",
)  # fmt: skip
"""Summary figures of each arm, as a mean over the draws and per draw."""


def _arm(results: list, solution: SitingSolution | None, pool: pd.DataFrame) -> dict:
    """Means over the draws of :data:`ARM_FIGURES` (and the walk), per-draw values, the sites."""
    per = {f: [float(r.summary[f]) for r in results] for f in ARM_FIGURES}
    out: dict = {f: float(np.mean(v)) for f, v in per.items()}
    out["unmet_shelter_demand_person_hours_std"] = (
        float(np.std(per[ARM_FIGURES[0]], ddof=1)) if len(results) > 1 else 0.0
    )
    if solution is not None:
        walks = [r.summary.get("mean_walk_km") for r in results]
        known = [float(w) for w in walks if w is not None]
        out["mean_walk_km"] = round(float(np.mean(known)) if known else solution.mean_walk_km, 3)
        out["mean_walk_km_source"] = "simulation" if known else "siting model"
        out["sites"] = [str(x) for x in pool.site_id[solution.open_cand]]
        out["capacity_people"] = int(pool.capacity_people[solution.open_cand].sum())
        out["model_unmet_people_design_hour"] = round(solution.unmet_people, 1)
    out["per_draw"] = per
    return out


def design_demands(result, city: City, scenario, design_hours: int) -> list[np.ndarray]:
    """The demands of one draw the sites must serve: the people of each building wanting
    shelter at each of the draw's ``design_hours`` design hours (the days' peaks of people
    wanting shelter with the most of them: people want shelter at the same time only within
    an hour), or, with ``design_hours = 0`` or a Result without them, each building at its own
    worst hour (:func:`shelter_demand`: an envelope no single hour reaches)."""
    want = getattr(result, "shelter_design_want", None)
    if design_hours <= 0 or want is None or want.shape[1] == 0:
        return [shelter_demand(result.buildings, city, scenario)[0]]
    totals = want.sum(axis=0).to_numpy(float)
    top = np.sort(np.argsort(-totals, kind="stable")[:design_hours])  # in time order
    return [want.iloc[:, j].to_numpy(float) for j in top]


def ensemble_problem(
    city: City, scenario, results: list, pool: pd.DataFrame, k: int, design_hours: int = 0
):
    """The siting problem over the draws and their design hours (:func:`design_demands`):
    every building once per draw and design hour with that situation's demand, weighted by the
    hours its people want shelter in that draw (divided by the number of situations), and each
    demand point's lowest indoor temperature [degC].

    Returns
    -------
    problem : SitingProblem
        Its ``draw`` numbers the situations (draw, design hour).
    home_min_temp_c : numpy.ndarray
    """
    b, f = city.buildings, city.facilities
    lon0, lat0 = float(b.lon.mean()), float(b.lat.mean())

    def xy(lon, lat):
        x, y = lonlat_to_xy_m(np.asarray(lon, float), np.asarray(lat, float), lon0, lat0)
        return np.column_stack([x, y])

    fixed = f[
        f.kind.isin(SHELTER_KINDS)
        & (f.capacity_people > 0)
        & ~f.facility_id.isin(pool.site_id[pool.source == "city"])
    ]
    demands, weights, temps = [], [], []
    for r in results:
        w = shelter_demand(r.buildings, city, scenario)[1]
        for d in design_demands(r, city, scenario, design_hours):
            demands.append(d)
            weights.append(w)
            temps.append(r.buildings.min_temp_c.to_numpy(float))
    n = len(demands)
    problem = SitingProblem.from_points(
        np.tile(xy(b.lon, b.lat), (n, 1)),
        np.concatenate(demands),
        np.concatenate(weights) / n,
        xy(fixed.lon, fixed.lat),
        fixed.capacity_people.to_numpy(float),
        xy(pool.lon, pool.lat),
        pool.capacity_people.to_numpy(float),
        people_config(scenario.people).walk_limit_km,
        k,
        draw=np.repeat(np.arange(n), len(b)),
    )
    return problem, np.concatenate(temps)


def checked_pool(city: City, k: int, candidates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The candidate pool (:func:`candidate_pool`) after checking that ``k`` sites fit in it.

    Raises
    ------
    CandidatesError
        No candidate site, or fewer than ``k``.
    """
    pool = candidate_pool(city, candidates)
    if len(pool) == 0:
        raise CandidatesError(Problem("city", "", "facilities", "no candidate sites"))
    if k > len(pool):
        raise CandidatesError(
            Problem("--open", "", "", f"{k} sites asked for, but there are only {len(pool)} "
                    "candidate sites (the city's schools and warming points and --candidates)")
        )  # fmt: skip
    return pool


def plan_shelters(
    city: City,
    scenario,
    k: int,
    candidates: pd.DataFrame | None = None,
    seed: int | None = None,
    time_limit_s: float = 120.0,
    draws: int = 1,
    design_hours: int = 0,
) -> PlanOutcome:
    """Choose ``k`` warming-point sites with HiGHS over ``draws`` damage draws, compare with the
    ``k`` largest, and judge both (and the two references) on as many fresh draws.

    Parameters
    ----------
    city : City
        Not modified.
    scenario : Scenario
    k : int
        Sites to open (at most the pool's size).
    candidates : pandas.DataFrame, optional
        Extra sites (:func:`read_candidates`).
    seed : int, optional
        Seed of the first draw (default: the scenario's); the sites are chosen on the draws
        ``seed + 0 .. draws-1`` and every arm is judged on the fresh draws
        ``seed + draws .. 2 draws - 1`` (common random numbers among the arms).
    time_limit_s : float
        HiGHS time limit per solve [s].
    draws : int
        Damage draws of the ensemble (at least 1).
    design_hours : int
        Design hours per draw the sites must serve (:func:`design_demands`; 0: each
        building at its own worst hour).
    """
    from coldstart.simulate import simulate

    pool = checked_pool(city, k, candidates)
    first, n = (scenario.seed if seed is None else int(seed)), max(int(draws), 1)
    choose = tuple(first + i for i in range(n))
    seeds = tuple(first + n + i for i in range(n))  # fresh: the arms are judged on these
    chosen_on = [simulate(city, scenario, seed=s) for s in choose]
    problem, temps = ensemble_problem(city, scenario, chosen_on, pool, k, design_hours)
    plan = solve_siting(problem, time_limit_s=time_limit_s)
    greedy = solve_siting(
        problem, open_cand=greedy_largest(problem.cand_capacity, k), time_limit_s=time_limit_s
    )
    fuel_h = float(scenario.horizon_h)
    figures = {}
    every = SitingSolution(np.ones(len(pool), bool), 0.0, 0.0, 0.0, 0.0, 0.0, np.zeros(0), "")
    for name, sol in (("plan", plan), ("greedy", greedy), ("all_equipped", every)):
        sited = apply_sites(city, pool, sol.open_cand, fuel_h)
        runs = [simulate(sited, scenario, seed=s) for s in seeds]
        figures[name] = _arm(runs, sol if name != "all_equipped" else None, pool)
    as_is = [simulate(city, scenario, seed=s) for s in seeds]
    demand = float(problem.demand.sum()) / problem.n_draws  # a mean over the situations
    return PlanOutcome(pool, problem, plan, greedy, figures, _arm(as_is, None, pool), demand,
                       seeds, temps, design_hours, choose)  # fmt: skip


def sites_table(outcome: PlanOutcome) -> pd.DataFrame:
    """The plan's chosen sites and why each was chosen.

    Columns: id, name, source, lon, lat, capacity; the people the siting model places there at
    the design hour (``model_people``) and their mean walk [km]; the people wanting a shelter
    at the design hour within walking distance of the site (``people_within_walk``) and those
    of them with no other open shelter in reach (``people_only_here``: the site's own
    coverage), all means over the draws; how cold their homes got (``homes_min_temp_c``: the
    lowest indoor temperature of those homes, weighted by the people wanting shelter there and
    averaged over the draws, and ``coldest_home_c``: the coldest of them in any draw) [degC];
    whether the K largest sites include it too (``also_largest``); and ``why``, the same in
    words.
    """
    p, sol = outcome.problem, outcome.plan
    n = p.n_draws
    site = p.arc_site - p.n_fixed
    on = site >= 0
    people = np.bincount(site[on], weights=sol.flow[on], minlength=p.n_cand)
    km = np.bincount(site[on], weights=(sol.flow * p.arc_km)[on], minlength=p.n_cand)
    wants = p.demand[p.arc_demand]
    within = np.bincount(site[on], weights=wants[on], minlength=p.n_cand)
    # open shelters each demand point reaches: the fixed ones and the chosen candidates
    arc_open = ~on | sol.open_cand[np.where(on, site, 0)]
    reach = np.bincount(p.arc_demand[arc_open], minlength=len(p.demand))
    alone = on & arc_open & (reach[p.arc_demand] == 1)
    only = np.bincount(site[alone], weights=wants[alone], minlength=p.n_cand)
    temps = outcome.home_min_temp_c
    warm = np.full(p.n_cand, np.nan)
    cold = np.full(p.n_cand, np.inf)
    if temps is not None:
        t = temps[p.arc_demand]
        sel = on & (wants > 0) & np.isfinite(t)
        heat = np.bincount(site[sel], weights=(wants * t)[sel], minlength=p.n_cand)
        cnt = np.bincount(site[sel], weights=wants[sel], minlength=p.n_cand)
        warm = np.where(cnt > 0, heat / np.maximum(cnt, 1e-12), np.nan)
        np.minimum.at(cold, site[sel], t[sel])
    cold = np.where(np.isfinite(cold), cold, np.nan)
    chosen = outcome.pool[sol.open_cand].reset_index(drop=True)
    pick = sol.open_cand
    out = chosen[["site_id", "name", "source", "lon", "lat", "capacity_people"]].copy()
    out["model_people"] = np.round(people[pick] / n, 1)
    out["model_mean_walk_km"] = np.round(km[pick] / np.maximum(people[pick], 1e-9), 3)
    out["people_within_walk"] = np.round(within[pick] / n, 1)
    out["people_only_here"] = np.round(only[pick] / n, 1)
    out["homes_min_temp_c"] = np.round(warm[pick], 1)
    out["coldest_home_c"] = np.round(cold[pick], 1)
    out["also_largest"] = outcome.greedy.open_cand[pick]
    out["why"] = [_why(r, n) for r in out.itertuples()]
    return out


def _why(r, draws: int) -> str:
    """One chosen site's reasons in words (a row of :func:`sites_table`)."""
    from coldstart.report.fmt import count_text, format_number

    mean = " on average over the draws" if draws > 1 else ""
    text = (
        f"would take {format_number(r.model_people)} of the "
        f"{format_number(r.people_within_walk)} people wanting a shelter within walking "
        f"distance{mean} ({format_number(r.people_only_here)} of them reach no other open "
        "shelter)"
    )
    if np.isfinite(r.homes_min_temp_c):
        text += (
            f"; their homes fell to {r.homes_min_temp_c:.1f} °C (coldest {r.coldest_home_c:.1f} °C)"
        )
    text += f"; capacity {count_text(int(r.capacity_people), 'place')}"
    return text + ("; also among the largest sites" if r.also_largest else
                   "; not among the largest sites")  # fmt: skip


def shelter_payload(outcome: PlanOutcome) -> dict:
    """The JSON document of ``plan shelters`` (``--json`` and ``plan.json``).

    ``plan`` and ``greedy`` (the K largest sites) with their sites and means over the draws,
    ``baseline`` (the city as is, every own shelter open), ``all_equipped`` (every candidate
    open and equipped as the plan's sites are), the fresh draws' ``seeds`` every arm is judged
    on and the ``choosing_seeds``, the design hours and ``situations`` the sites were chosen
    for, the places of shelters that are not candidates, and the plan against the K largest on
    the same fresh draws: ``saved_vs_largest_mean`` and ``_std`` (unmet
    shelter demand, person-hours; positive when the plan leaves less), ``plan_wins_share`` and
    ``ties_share`` (shares of draws).
    """
    keys = ("unmet_shelter_demand_person_hours", "mean_walk_km", "sites")
    doc: dict = {
        name: {
            **{k: outcome.figures[name][k] for k in keys},
            **{k: v for k, v in outcome.figures[name].items() if k not in keys},
        }
        for name in ("plan", "greedy")
    }
    doc["baseline"] = outcome.baseline
    doc["all_equipped"] = outcome.figures["all_equipped"]
    unmet = "unmet_shelter_demand_person_hours"
    p = np.array(outcome.figures["plan"]["per_draw"][unmet])
    g = np.array(outcome.figures["greedy"]["per_draw"][unmet])
    doc["seeds"] = list(outcome.seeds)
    doc["choosing_seeds"] = list(outcome.choosing_seeds)
    doc["design_hours"] = outcome.design_hours
    doc["situations"] = outcome.problem.n_draws
    # places open in every arm beside the candidates (metro stations and other shelters that
    # are not candidate sites), and the candidates the city as is opens (its own)
    doc["fixed_shelter_places"] = float(outcome.problem.fixed_capacity.sum())
    own = outcome.pool.source == "city"
    doc["city_as_is_candidate_places"] = float(outcome.pool.capacity_people[own].sum())
    doc["saved_vs_largest_mean"] = float(np.mean(g - p))
    doc["saved_vs_largest_std"] = float(np.std(g - p, ddof=1)) if len(p) > 1 else 0.0
    doc["plan_wins_share"] = float(np.mean(p < g))
    doc["ties_share"] = float(np.mean(p == g))
    return doc
