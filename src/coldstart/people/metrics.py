"""People metrics: exposure where each person is, shelter use and unmet demand.

Pure functions compute one step's figures from arrays; :class:`PeopleTally` sums them over a
run and gives the summary keys, timeline columns, shelter table and per-building columns.
Exposure is counted where each person actually is: at home at the home's air temperature, in a
shelter at the shelter's; vulnerable residents (immobile included) are counted apart
[WHO-2018][COLLINS-1986].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coldstart.people.model import PeopleModel, PeopleState
from coldstart.thermal.exposure import (
    COMFORT_C,
    THRESHOLDS_C,
    threshold_bands,
)

KIND_COLUMNS = {
    "metro_station": "people_in_metro_stations",
    "school": "people_in_schools",
    "warming_point": "people_in_warming_points",
}
"""Timeline column of the occupancy of each shelter kind."""

TIMELINE_COLUMNS = (
    "people_in_shelters",
    *KIND_COLUMNS.values(),
    "vulnerable_in_shelters",
    "people_wanting_shelter",
    "people_unmet_shelter",
    "vulnerable_unmet_shelter",
    "shelters_working",
    "shelter_places_working",
)
"""Timeline columns the people model adds (one row per step)."""


def where_people_are(
    home_temp_c: np.ndarray,
    people_home: np.ndarray,
    shelter_temp_c: np.ndarray,
    people_shelter: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Temperatures and people of homes and shelters stacked into one pair of arrays."""
    return (
        np.concatenate([np.asarray(home_temp_c, float), np.asarray(shelter_temp_c, float)]),
        np.concatenate([np.asarray(people_home, float), np.asarray(people_shelter, float)]),
    )


def timeline_row(model: PeopleModel, state: PeopleState) -> dict:
    """The people model's timeline columns for one step (:data:`TIMELINE_COLUMNS`)."""
    kind = model.stock.kind
    row = {"people_in_shelters": int(state.occupancy.sum())}
    for k, col in KIND_COLUMNS.items():
        row[col] = int(state.occupancy[kind == k].sum())
    row["vulnerable_in_shelters"] = int(state.occupancy_vulnerable.sum())
    row["people_wanting_shelter"] = int(state.want.sum())
    row["people_unmet_shelter"] = int(state.unmet.sum())
    row["vulnerable_unmet_shelter"] = int(state.unmet[model.n_buildings :].sum())
    row["shelters_working"] = int(state.works.sum())
    row["shelter_places_working"] = int(model.stock.capacity_people[state.works].sum())
    return row


@dataclass
class PeopleTally:
    """Running sums of the people metrics over one run."""

    model: PeopleModel
    thresholds_c: tuple[float, ...] = THRESHOLDS_C
    person_hours: np.ndarray = field(init=False)
    vulnerable_person_hours: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        m = self.model
        nt = len(self.thresholds_c)
        self.person_hours = np.zeros(nt)
        self.vulnerable_person_hours = np.zeros(nt)
        self.degree_hours = 0.0
        self.vulnerable_degree_hours = 0.0
        self.unmet_person_hours = 0.0
        self.vulnerable_unmet_person_hours = 0.0
        self.sheltered_person_hours = 0.0
        self.walk_person_km_hours = 0.0
        self.peak_in_shelters = 0
        self.peak_wanting = 0
        self.peak_unmet = 0
        self.peak_occupancy = np.zeros(m.n_shelters, np.int64)
        self.hours_working = np.zeros(m.n_shelters)
        self.hours_open = np.zeros(m.n_shelters)
        self.shelter_person_hours = np.zeros(m.n_shelters)
        self.min_shelter_temp_c = np.full(m.n_shelters, np.inf)
        self.failures = np.zeros(m.n_shelters, np.int64)
        self.want_peak = np.zeros(m.n_buildings, np.int64)
        self.want_person_hours = np.zeros(m.n_buildings)
        self.unmet_building_person_hours = np.zeros(m.n_buildings)
        self.timeline: list[dict] = []
        # fixed for the run: the thresholds' sorted order, each shelter kind's shelters
        self._order = np.argsort(np.asarray(self.thresholds_c, float))
        self._kind_masks = {k: m.stock.kind == k for k in KIND_COLUMNS}
        self._shelter_pos: dict = {}  # facility id -> its shelters' positions
        for i, f in enumerate(m.stock.facility_id.tolist()):
            self._shelter_pos.setdefault(f, []).append(i)
        self._steps = 0
        # each day of the run: (people wanting shelter, step, wanting per building) at its
        # step with the most people wanting shelter (the day's design hour for siting)
        self.design: dict[int, tuple[int, int, np.ndarray]] = {}
        self._want: np.ndarray | None = None  # the last step's ``want`` array (same object:
        self._wanting_b = np.zeros(m.n_buildings, np.int64)  # unchanged) and its sums
        self._want_total = 0

    def _below(self, bands: np.ndarray, people: np.ndarray, dt_h: float) -> np.ndarray:
        """:func:`coldstart.thermal.exposure.person_hours_below` of people in known ``bands``
        [person h]."""
        nt = len(self._order)
        per_band = np.bincount(bands, weights=people, minlength=nt + 1)
        out = np.empty(nt)
        out[self._order] = np.cumsum(per_band)[:nt]
        return dt_h * out

    def add(self, state: PeopleState, home_temp_c: np.ndarray, dt_h: float) -> dict:
        """Add one step; return its timeline columns.

        Parameters
        ----------
        state : PeopleState
            The state after the step.
        home_temp_c : numpy.ndarray
            Home air temperature over the step [degC].
        dt_h : float
            Step [h].
        """
        m = self.model
        # homes then shelters, as :func:`where_people_are` stacks them; the vulnerable are at
        # the same temperatures, so bands and deficits serve both groups
        temp = np.concatenate([np.asarray(home_temp_c, float), state.temp_air_c])
        people = np.concatenate([state.people_home, state.occupancy]).astype(float, copy=False)
        people_v = np.concatenate([state.vulnerable_home, state.occupancy_vulnerable])
        people_v = people_v.astype(float, copy=False)
        bands = threshold_bands(temp, self.thresholds_c)
        self.person_hours += self._below(bands, people, dt_h)
        self.vulnerable_person_hours += self._below(bands, people_v, dt_h)
        deficit = np.maximum(0.0, COMFORT_C - temp)  # as degree_hours_below
        self.degree_hours += dt_h * float((people * deficit).sum())
        self.vulnerable_degree_hours += dt_h * float((people_v * deficit).sum())
        unmet_b = state.unmet_people
        unmet_total = int(unmet_b.sum())
        occupancy_total = int(state.occupancy.sum())
        self.unmet_person_hours += dt_h * float(unmet_total)
        self.vulnerable_unmet_person_hours += dt_h * float(state.unmet[m.n_buildings :].sum())
        self.sheltered_person_hours += dt_h * float(occupancy_total)
        self.walk_person_km_hours += dt_h * state.walk_person_km
        if state.want is not self._want:  # new wishes (the model keeps the array otherwise)
            self._want = state.want
            self._wanting_b = state.wanting_people
            self._want_total = int(state.want.sum())
            self.want_peak = np.maximum(self.want_peak, self._wanting_b)
        self.peak_in_shelters = max(self.peak_in_shelters, occupancy_total)
        self.peak_wanting = max(self.peak_wanting, self._want_total)
        day = int((self._steps * dt_h + 1e-9) // 24.0)  # (a step at 24 h is day 1)
        if self._want_total > self.design.get(day, (0,))[0]:
            self.design[day] = (self._want_total, self._steps, self._wanting_b.copy())
        self._steps += 1
        self.peak_unmet = max(self.peak_unmet, unmet_total)
        self.peak_occupancy = np.maximum(self.peak_occupancy, state.occupancy)
        self.hours_working += dt_h * state.works
        self.hours_open += dt_h * state.opened
        self.shelter_person_hours += dt_h * state.occupancy
        self.min_shelter_temp_c = np.minimum(self.min_shelter_temp_c, state.temp_air_c)
        failed = {e[2] for e in state.events if e[1] == "shelter_fail"}
        if failed:  # (most steps with events have none: openings, refuels, returns)
            hit = np.zeros(m.n_shelters, bool)  # as np.isin(facility_id, failed)
            for f in failed:
                hit[self._shelter_pos.get(f, [])] = True
            self.failures += hit
        # adding zeros changes nothing (the sums start at +0 and never fall below)
        if self._want_total:
            self.want_person_hours += dt_h * self._wanting_b
        if unmet_total:
            self.unmet_building_person_hours += dt_h * unmet_b
        row = self._row(state, occupancy_total, unmet_total)
        self.timeline.append(row)
        return row

    def _row(self, state: PeopleState, occupancy_total: int, unmet_total: int) -> dict:
        """:func:`timeline_row` from the sums :meth:`add` already has."""
        m = self.model
        row = {"people_in_shelters": occupancy_total}
        for k, col in KIND_COLUMNS.items():
            row[col] = int(state.occupancy[self._kind_masks[k]].sum())
        row["vulnerable_in_shelters"] = int(state.occupancy_vulnerable.sum())
        row["people_wanting_shelter"] = self._want_total
        row["people_unmet_shelter"] = unmet_total  # per building or per agent: one total
        row["vulnerable_unmet_shelter"] = int(state.unmet[m.n_buildings :].sum())
        row["shelters_working"] = int(state.works.sum())
        row["shelter_places_working"] = int(m.stock.capacity_people[state.works].sum())
        return row

    @property
    def mean_walk_km(self) -> float:
        """Mean walk of sheltered people, weighted by the hours they spend there [km]."""
        if self.sheltered_person_hours <= 0:
            return 0.0
        return self.walk_person_km_hours / self.sheltered_person_hours

    def summary(self) -> dict:
        """Summary keys of the people model (units in the names)."""
        r = lambda x: float(round(float(x), 3))  # noqa: E731
        out = {}
        for thr, ph, vph in zip(
            self.thresholds_c, self.person_hours, self.vulnerable_person_hours, strict=True
        ):
            out[f"person_hours_below_{thr:g}c"] = r(ph)
            out[f"vulnerable_person_hours_below_{thr:g}c"] = r(vph)
        out["person_degree_hours_below_18c"] = r(self.degree_hours)
        out["vulnerable_person_degree_hours_below_18c"] = r(self.vulnerable_degree_hours)
        out["peak_people_in_shelters"] = int(self.peak_in_shelters)
        out["peak_people_wanting_shelter"] = int(self.peak_wanting)
        out["peak_people_unmet_shelter"] = int(self.peak_unmet)
        out["unmet_shelter_demand_person_hours"] = r(self.unmet_person_hours)
        out["vulnerable_unmet_shelter_demand_person_hours"] = r(self.vulnerable_unmet_person_hours)
        out["sheltered_person_hours"] = r(self.sheltered_person_hours)
        out["mean_walk_km"] = r(self.mean_walk_km)
        out["shelter_failures"] = int(self.failures.sum())
        return out

    def shelter_table(self) -> pd.DataFrame:
        """Per shelter: kind, capacity, peak occupancy, hours open and working, failures."""
        st = self.model.stock
        return pd.DataFrame(
            {
                "facility_id": st.facility_id,
                "kind": st.kind,
                "capacity_people": st.capacity_people,
                "peak_occupancy": self.peak_occupancy,
                "person_hours": np.round(self.shelter_person_hours, 3),
                "hours_open": np.round(self.hours_open, 4),
                "hours_working": np.round(self.hours_working, 4),
                "failures": self.failures,
                "min_temp_c": np.round(self.min_shelter_temp_c, 3),
            }
        )

    def design_want(self, dt_h: float) -> pd.DataFrame:
        """People of each building wanting shelter at each day's design hour (the step of the
        day with the most people wanting shelter), one column per day that had any, named by
        that step's start [h since the run's start]; rows in building order."""
        cols = {round(step * dt_h, 4): want for _, (_, step, want) in sorted(self.design.items())}
        return pd.DataFrame(cols, index=pd.RangeIndex(self.model.n_buildings))

    def building_columns(self) -> pd.DataFrame:
        """Per building: peak people wanting shelter, their person-hours, unmet person-hours."""
        return pd.DataFrame(
            {
                "shelter_want_peak_people": self.want_peak,
                "shelter_want_person_hours": np.round(self.want_person_hours, 3),
                "unmet_shelter_person_hours": np.round(self.unmet_building_person_hours, 3),
            }
        )
