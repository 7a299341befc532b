"""Exposure accumulators and the assembly of a Result from a finished run.

Exposure is counted where each person is: at home at the home's air temperature, in a shelter at
the shelter's. Person-hours below each WHO-ladder threshold, degree-hours below 18 degC, with
vulnerable residents counted apart [WHO-2018][COLLINS-1986].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coldstart.result import EVENT_COLUMNS, Result
from coldstart.runstate import network_table, service_table
from coldstart.thermal.exposure import COMFORT_C, SAFETY_C

RESTORE_SHARE = 0.95
"""Share of buildings with service that counts as restored."""


@dataclass
class Exposure:
    """Running sums over the steps of one run."""

    n: int
    steps: int
    heat_not_served_mwh_th: float = 0.0
    energy_not_served_mwh: float = 0.0
    timeline: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.min_temp_c = np.full(self.n, np.inf)
        self.min_worst_c = np.full(self.n, np.inf)
        self.hours_no_heat = np.zeros(self.n)
        self.hours_no_power = np.zeros(self.n)
        self.hours_below_12c = np.zeros(self.n)
        self.degree_hours_18 = np.zeros(self.n)
        self.hours_to_12c = np.full(self.n, np.nan)
        self.ever_no_heat = np.zeros(self.n, bool)
        self.ever_no_power = np.zeros(self.n, bool)
        self.heat_lost_h = np.full(self.n, np.nan)  # start of the first step without heat
        self.heat_back_h = np.full(self.n, np.nan)  # end of the last step without heat
        self.heated_share = np.zeros(self.steps)
        self.powered_share = np.zeros(self.steps)

    def add(
        self,
        k: int,
        dt_h: float,
        temp_air_c: np.ndarray,
        temp_worst_c: np.ndarray,
        heat_frac: np.ndarray,
        has_power: np.ndarray,
        residents: np.ndarray,
        heat_need_mw: np.ndarray,
    ) -> None:
        """Accumulate one step [dt_h hours].

        The same operations in the same order as the plain expressions (``dt x deficit`` is
        ``deficit x dt``), written into fewer fresh arrays; the shares count the buildings (the
        quotient a boolean mean takes)."""
        below12 = temp_air_c < SAFETY_C
        deficit = np.subtract(COMFORT_C, temp_air_c)
        np.maximum(0.0, deficit, out=deficit)
        unserved = 1.0 - heat_frac
        unserved *= heat_need_mw
        self.heat_not_served_mwh_th += dt_h * float(unserved.sum())
        np.minimum(self.min_temp_c, temp_air_c, out=self.min_temp_c)
        np.minimum(self.min_worst_c, temp_worst_c, out=self.min_worst_c)
        no_heat = heat_frac < 0.5
        no_power = ~np.asarray(has_power, bool)
        self.hours_no_heat += dt_h * no_heat
        self.hours_no_power += dt_h * no_power
        self.hours_below_12c += dt_h * below12
        deficit *= dt_h
        self.degree_hours_18 += deficit
        first = below12 & np.isnan(self.hours_to_12c)
        self.hours_to_12c[first] = (k + 1) * dt_h
        self.heat_lost_h[no_heat & ~self.ever_no_heat] = k * dt_h
        self.heat_back_h[no_heat] = (k + 1) * dt_h
        self.ever_no_heat |= no_heat
        self.ever_no_power |= no_power
        n = self.n
        self.heated_share[k] = 1.0 - np.count_nonzero(no_heat) / n if n else 1.0
        self.powered_share[k] = (n - np.count_nonzero(no_power)) / n if n else 1.0


def iso_times(start: pd.Timestamp, hours) -> list[str]:
    """ISO date-times of ``hours`` after ``start``, to the second, for a whole column at once.

    The same strings as ``Timestamp.isoformat()`` of each rounded time (``NaT`` for NaN); a
    start without a time zone is formatted by NumPy in one call.
    """
    hours = np.asarray(hours, dtype=float)
    if not len(hours):
        return []
    times = (start + pd.to_timedelta(hours, unit="h")).round("s")
    if times.tz is None:
        return np.datetime_as_string(times.to_numpy().astype("datetime64[s]"), unit="s").tolist()
    return [ts.isoformat() for ts in times]


def hours_to_restore(share: np.ndarray, dt_h: float, from_h: float | None) -> float | None:
    """Hours from the first hit until the share of served buildings is back to 95 %.

    Returns 0 when service never fell below 95 %, None when it is not back within the horizon.
    """
    if from_h is None:
        return 0.0
    k0 = int(np.floor(from_h / dt_h))
    after = share[k0:]
    if not (after < RESTORE_SHARE).any():
        return 0.0
    last_bad = int(np.flatnonzero(after < RESTORE_SHARE)[-1])
    if last_bad == len(after) - 1:
        return None
    return round((k0 + last_bad + 1) * dt_h - from_h, 3)


ASSET_COLUMNS = (
    "asset_id",
    "kind",
    "lon",
    "lat",
    "damage_state",
    "hits",
    "hit_h",
    "last_hit_h",
    "restored_h",
    "state_at_end",
)
"""Columns of ``assets.csv``."""


def asset_table(
    assets: pd.DataFrame, damaged: dict, events: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per struck asset: worst state, number of hits, first and last hit, restored,
    and where it stands at the end (:func:`state_at_end`).

    ``restored_h`` is the end of the last repair; NaN when the asset is out at the end.
    """
    a = assets.set_index("asset_id")
    last = {}
    if events is not None and len(events):
        rep = events[events["kind"].isin(["repair_start", "beyond_repair"])]
        last = rep.groupby("asset_id", sort=False)["kind"].last().to_dict()
    rows = [
        (aid, a.at[aid, "kind"], a.at[aid, "lon"], a.at[aid, "lat"], d.state, d.hits,
         d.first_hit_h, d.last_hit_h, np.nan if d.out or d.restored_h is None else d.restored_h,
         state_at_end(d.out, d.restored_h, last.get(aid)))
        for aid, d in damaged.items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(ASSET_COLUMNS))


def state_at_end(out: bool, restored_h: float | None, last_repair_event: str | None) -> str:
    """Where a struck asset stands at the end of the run: ``restored``, ``not damaged`` (hit
    without damage), ``beyond repair``, ``under repair`` (a crew on it) or ``repair not
    started`` (waiting: crews busy elsewhere, a spare part, power at the site, an alert)."""
    if not out:
        return "not damaged" if restored_h is None else "restored"
    if last_repair_event == "beyond_repair":
        return "beyond repair"
    if last_repair_event == "repair_start":
        return "under repair"
    return "repair not started"


def city_meta(city) -> dict:
    """Where the city came from, for the report: its description and the networks synthesised
    around real buildings (``synthetic_networks``, keys joined by ", "); empty for a city that
    says neither."""
    out = {}
    if city.description:
        out["city_description"] = city.description
    if city.synthetic_networks:
        out["synthetic_networks"] = ", ".join(city.synthetic_networks)
    return out


def build_result(
    cc,
    scenario,
    seed: int,
    ex: Exposure,
    events: list[tuple],
    damaged: dict,
    sys_state: np.ndarray,
    shelter_peak: np.ndarray,
    schedule: list,
    first_hit_h: float | None,
    version: str,
    people=None,
    extra_summary: dict | None = None,
) -> Result:
    """Assemble the Result (summary, timeline, per-building table, events) of a finished run.

    ``people`` is the run's :class:`coldstart.people.metrics.PeopleTally`: exposure counted where
    each person is (home or shelter), vulnerable apart, and the shelter figures.
    """
    c = cc.city
    b = c.buildings
    start = pd.Timestamp(scenario.start)
    ev = pd.DataFrame(events, columns=["hours", "kind", "asset_id", "detail"])
    ev = ev.sort_values("hours", kind="stable").reset_index(drop=True)
    ev.insert(0, "time", iso_times(start, ev.hours))
    ev = ev[list(EVENT_COLUMNS)]
    drained_ids = set(ev.asset_id[ev.kind == "drain"])
    frozen_ids = set(ev.asset_id[ev.kind == "freeze"])
    residents = b.residents.to_numpy(float)
    timeline = pd.DataFrame(ex.timeline)
    dt_h = scenario.step_h
    buildings = pd.DataFrame(
        {
            "building_id": b.building_id,
            "lon": b.lon,
            "lat": b.lat,
            "archetype": b.archetype,
            "residents": b.residents,
            "min_temp_c": np.round(ex.min_temp_c, 3),
            "min_worst_flat_temp_c": np.round(ex.min_worst_c, 3),
            "hours_without_heat": ex.hours_no_heat,
            "hours_without_power": ex.hours_no_power,
            "hours_below_12c": ex.hours_below_12c,
            "hours_to_12c": ex.hours_to_12c,
            "degree_hours_below_18c": np.round(ex.degree_hours_18, 3),
            "drained": b.building_id.isin(drained_ids).to_numpy(),
            "frozen": b.building_id.isin(frozen_ids).to_numpy(),
        }
    )
    assets = asset_table(c.assets, damaged, ev)
    f = c.facilities.iloc[cc.shelter_fac]
    shelters = pd.DataFrame(
        {
            "facility_id": f.facility_id.to_numpy(),
            "kind": f.kind.to_numpy(),
            "lon": f.lon.to_numpy(),
            "lat": f.lat.to_numpy(),
            "capacity_people": f.capacity_people.to_numpy(),
            "peak_occupancy": shelter_peak,
        }
    )
    r = lambda x: float(round(x, 3))  # noqa: E731
    summary = {
        "buildings_total": int(len(b)),
        "residents_total": int(residents.sum()),
        "buildings_lost_heat": int(ex.ever_no_heat.sum()),
        "buildings_lost_power": int(ex.ever_no_power.sum()),
        "peak_people_without_heat": int(timeline.people_without_heat.max()),
        "peak_people_without_power": int(timeline.people_without_power.max()),
        "energy_not_served_mwh": r(ex.energy_not_served_mwh),
        "heat_not_served_mwh_th": r(ex.heat_not_served_mwh_th),
        "hours_to_restore_heat_95pct": hours_to_restore(ex.heated_share, dt_h, first_hit_h),
        "hours_to_restore_power_95pct": hours_to_restore(ex.powered_share, dt_h, first_hit_h),
        "buildings_drained": len(drained_ids),
        "buildings_frozen": len(frozen_ids),
        "min_temp_c": r(float(ex.min_temp_c.min())),
        "assets_damaged": int(len(damaged)),
        "assets_restored": int(sum(not d.out for d in damaged.values())),
        "seed": int(seed),
    }
    if people is not None:
        summary.update(people.summary())
        buildings = pd.concat([buildings, people.building_columns()], axis=1)
        extra = people.shelter_table().drop(columns=["kind", "capacity_people", "peak_occupancy"])
        shelters = shelters.merge(extra, on="facility_id", how="left")
    sched = pd.DataFrame(schedule, columns=["queue", "start_h", "end_h", "kind"])
    sched["start"] = iso_times(start, sched.start_h)
    sched["end"] = iso_times(start, sched.end_h)
    meta = {
        "city_name": c.name,
        "scenario_name": scenario.name,
        "start": start.isoformat(),
        "horizon_h": scenario.horizon_h,
        "step_min": scenario.step_min,
        "seed": int(seed),
        "coldstart_version": version,
        **city_meta(c),
    }
    if extra_summary:
        summary.update(extra_summary)
    return Result(
        summary=summary,
        timeline=timeline,
        buildings=buildings,
        events=ev,
        assets=assets,
        shelters=shelters,
        outage_schedule=sched[["queue", "start", "end", "start_h", "end_h", "kind"]],
        meta=meta,
        service=service_table(b, ex.heat_lost_h, ex.heat_back_h, scenario.horizon_h),
        network=network_table(c, assets, ev, scenario.horizon_h),
        footprints=c.footprints,
        shelter_design_want=None if people is None else people.design_want(dt_h),
    )
