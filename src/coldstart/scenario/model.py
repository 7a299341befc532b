"""Scenario schema: what happens to the city.

Every model forbids unknown keys, so a typo in a scenario file is reported by name instead of
being silently ignored. Times are hours since the scenario's ``start``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coldstart.people.config import People

ThreatType = Literal["ballistic", "cruise", "drone"]
AssetKind = Literal[
    "chp_plant",
    "boiler_house",
    "hv_substation",
    "transformer_station",
    "power_line",
    "heat_main",
    "pumping_station",
]
DamageState = Literal["none", "slight", "moderate", "extensive", "complete"]
CrewType = Literal[
    "power_lines", "substations", "heat_network", "plants", "plumbing", "building_repair"
]
CREW_TYPES: tuple[str, ...] = get_args(CrewType)
"""Crew types, as named in the ``[crews]`` table: the one list every module uses."""
DispatchPolicy = Literal["fifo", "nearest", "greatest_benefit", "optimized"]
DISPATCH_POLICIES: tuple[str, ...] = get_args(DispatchPolicy)
"""Dispatch policies by name (:mod:`coldstart.restore.dispatch`): the one list."""
SpareClassName = Literal["hv_transformer", "mv_transformer"]
"""Spare-part classes an asset can need (the ``spare_class`` column of the assets table)."""

MAX_HOURS = 100_000.0
"""Largest time in a scenario [h] (about 11 years): any later time is a typo, and bounding it
keeps every derived date inside pandas' timestamp range."""
MAX_THREATS_PER_WAVE = 10_000
"""Largest count of one threat type in one wave. The largest attacks on Ukraine's energy system
counted about 800 drones and missiles in one night (Ukrainian Air Force reports, 2025)."""
MAX_STOCK = 1_000_000
"""Largest interceptor stock or spare-part count."""
MAX_CREWS = 100_000
"""Largest crew count of one type."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
"""A probability in [0, 1]."""
Count = Annotated[int, Field(ge=0, le=MAX_STOCK)]
"""A count >= 0 (stocks, spare parts)."""
ThreatCount = Annotated[int, Field(ge=0, le=MAX_THREATS_PER_WAVE)]
"""Threats of one type in one wave."""
CrewCount = Annotated[int, Field(ge=0, le=MAX_CREWS)]
"""Crews of one type."""
Weight = Annotated[float, Field(ge=0.0, le=1e6)]
"""A target weight >= 0 (relative; bounded so that sums stay finite)."""
Hours = Annotated[float, Field(ge=0.0, le=MAX_HOURS)]
"""A time or duration [h], 0 .. :data:`MAX_HOURS`."""
Mw = Annotated[float, Field(ge=0.0, le=1e6)]
"""A power [MW], 0 .. 1 TW."""


STEP_TOLERANCE = 0.01
"""How far ``horizon_h`` may lie from a whole number of steps [steps]: 0.01 of a 10-min step is
6 s, room for a horizon written with four decimals (47.1667 h for 283 steps of 10 min)."""


def _hours(steps: int, step_min: int) -> str:
    """``steps`` steps of ``step_min`` minutes in hours, as a scenario file would give them (at
    least one decimal, at most four: within :data:`STEP_TOLERANCE` of the steps)."""
    text = f"{steps * step_min / 60.0:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _pair(value: object) -> object:
    """TOML has arrays, not tuples: take a 2-element array as a pair."""
    return tuple(value) if isinstance(value, list) else value


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values are not coerced loosely.

    Strict mode: a string is never read as a number and ``true`` never as 1; every float must be
    finite (TOML's ``inf``, ``nan`` and ``1e309`` are refused).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


MAX_ROW_GAP_H = 6.0
"""Longest time between consecutive rows of a weather CSV that passes without a note [h].

Hourly rows are usual, and 3- or 6-hourly synoptic observations are common exports; rows
further apart are bridged by a straight line that hides the daily cycle (the cold snap's
``daily_amplitude_c``), which is more often a truncated or badly exported file than intended.
"""

WEATHER_CSV_HELP = (
    "weather file of kind = 'csv', relative to the scenario file's folder: a comma-separated "
    "CSV with a header, column temp_outdoor_c (outdoor air [degC], -80..60) and either hours "
    "(since start [h]) or time (ISO date-time such as 2026-01-09T06:00, on the clock of start; "
    "a UTC offset such as +02:00 only if start has one); one row per hour is usual, values "
    "between rows are interpolated linearly (rows more than "
    f"{MAX_ROW_GAP_H:g} h apart get a note), and the rows must cover 0..horizon_h"
)
"""The weather CSV's format, as the schema reference and ``coldstart scenario schema`` give it."""


class ColdSnap(Strict):
    """Outdoor temperature: a named cold snap or an hourly CSV.

    ``kind = "cold_snap"``: a daily cycle between ``min_temp_c`` (at 06:00) and
    ``min_temp_c + daily_amplitude_c`` (at 18:00), the shape of a clear anticyclonic cold spell.
    ``kind = "csv"``: hourly values from ``csv`` (relative to the scenario file), with columns
    ``hours`` (since start) or ``time`` (ISO), and ``temp_outdoor_c``.
    """

    kind: Literal["cold_snap", "constant", "csv"] = Field(
        "cold_snap",
        description="cold_snap: a daily cycle from min_temp_c (06:00) to min_temp_c + "
        "daily_amplitude_c (18:00); constant: min_temp_c all the time; csv: hourly values from "
        "the file named by csv",
    )
    min_temp_c: float = Field(
        -20.0,
        ge=-60.0,
        le=30.0,
        description="outdoor temperature at the coldest hour (cold_snap) or all the time "
        "(constant)",
    )
    daily_amplitude_c: float = Field(
        5.0, ge=0.0, le=30.0, description="daily range of a cold_snap, maximum minus minimum [K]"
    )
    csv: str | None = Field(
        None,
        min_length=1,
        max_length=4096,
        description=WEATHER_CSV_HELP,
    )

    @model_validator(mode="after")
    def _csv_needs_file(self) -> ColdSnap:
        if self.kind == "csv" and not self.csv:
            raise ValueError("kind = 'csv' needs a 'csv' file name")
        return self


class Hit(Strict):
    """An explicit hit: this asset, this damage state (to replay a real event). The asset is
    named by its id, or by its kind and rank (1: the largest of that kind in the city), so that
    a scenario runs on any city (:mod:`coldstart.scenario.targets`)."""

    asset_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="the asset struck, by its id in the city's assets table (or give kind)",
    )
    kind: AssetKind | None = Field(
        None, description="the asset struck, by kind (with rank) instead of asset_id"
    )
    rank: int = Field(1, ge=1, le=100_000, description="1: the largest asset of the kind")
    damage: DamageState = Field(
        description="damage state of the asset (none ... complete, as the fragility table's)"
    )
    repair_h: float | None = Field(
        None, gt=0.0, le=MAX_HOURS, description="override the drawn repair time"
    )
    beyond_repair: bool = Field(
        False,
        description="the asset is never repaired (a plant destroyed for the season); needs a "
        "damage state other than none",
    )

    @field_validator("beyond_repair")
    @classmethod
    def _damaged_if_beyond_repair(cls, v: bool, info: ValidationInfo) -> bool:
        # an asset that takes no damage cannot be beyond repair: contradictory, not ignored
        if v and info.data.get("damage") == "none":
            raise ValueError(
                "beyond_repair = true with damage = 'none': an undamaged asset cannot be beyond "
                "repair (give its damage state, or drop beyond_repair)"
            )
        return v

    @model_validator(mode="after")
    def _one_target(self) -> Hit:
        if (self.asset_id is None) == (self.kind is None):
            raise ValueError("a hit names either 'asset_id' or 'kind' (with 'rank'), not both")
        return self


class Wave(Strict):
    """A strike wave: stochastic threats and/or explicit hits, at ``at_h`` hours after start."""

    name: str = Field("", max_length=200, description="label of the wave in events and reports")
    at_h: Hours = Field(description="when the wave strikes, hours since start")
    threats: dict[ThreatType, ThreatCount] = Field(
        default_factory=dict, description="threats launched, by type (ballistic, cruise, drone)"
    )
    interception: dict[ThreatType, Probability] = Field(
        default_factory=dict,
        description="probability that air defence stops one threat of the type while "
        "interceptors last (a type not named: 0)",
    )
    target_weights: dict[AssetKind, Weight] = Field(
        default_factory=dict,
        description="relative share of the leakers that go to each asset kind, split evenly "
        "over the assets of the kind (a kind not named is not targeted)",
    )
    hits: list[Hit] = Field(
        default_factory=list,
        max_length=10_000,
        description="explicit hits that replay a known event; they override the drawn damage "
        "of their asset; hits naming one asset twice (by id or by kind and rank) combine as "
        "the worst damage state, beyond repair if any says so, with the repair_h of the first "
        "worst hit (a warning names them)",
    )


class Window(Strict):
    """A time window in hours since start."""

    start_h: Hours = Field(description="start of the window, hours since start")
    end_h: float = Field(
        gt=0.0, le=MAX_HOURS, description="end of the window (not included), hours since start"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end_h <= self.start_h:
            raise ValueError(f"end_h ({self.end_h}) must be after start_h ({self.start_h})")
        return self


class Alerts(Strict):
    """Air-raid alerts: one around every wave, random ones, and explicit windows.

    Crews stop during alerts and resume ``clearance_h`` after the all-clear [UA-REPAIR-2022-26].
    """

    with_waves: bool = Field(
        True, description="an alert around every wave that comes (not one in a truce)"
    )
    before_wave_h: float = Field(
        1.0, ge=0.0, le=48.0, description="the wave's alert starts this long before it"
    )
    after_wave_h: float = Field(
        2.0, ge=0.0, le=48.0, description="the wave's alert ends this long after it"
    )
    random_per_day: float = Field(
        1.0,
        ge=0.0,
        le=48.0,
        description="mean number of further alerts per day, at random times (Poisson, drawn "
        "from the seed)",
    )
    mean_duration_h: float = Field(
        2.0, gt=0.0, le=48.0, description="mean duration of a random alert (exponential)"
    )
    clearance_h: float = Field(
        0.5, ge=0.0, le=24.0, description="crews resume work this long after the all-clear"
    )
    windows: list[Window] = Field(
        default_factory=list, max_length=10_000, description="explicit alert windows"
    )


class Crews(Strict):
    """Repair crews available, by type (counts), how fast they travel and when they work.

    Crews start from the city centre (the utilities' depots), drive to each site at
    ``speed_kmh`` over ``road_factor`` times the straight distance, and work in shifts of
    ``shift_h`` hours starting at ``shift_start_h`` each day (24: around the clock, as Ukrainian
    emergency crews work after strikes).
    """

    power_lines: CrewCount = Field(10, description="crews repairing power lines")
    substations: CrewCount = Field(
        4, description="crews repairing substations and transformer stations"
    )
    heat_network: CrewCount = Field(
        8, description="crews repairing heat mains and pumping stations"
    )
    plants: CrewCount = Field(2, description="crews repairing CHP plants and boiler houses")
    plumbing: CrewCount = Field(
        10, description="plumbers who drain, refill and restart buildings' heating"
    )
    building_repair: CrewCount = Field(
        4,
        description="fitters and welders who repair buildings' risers and radiators after a "
        "freeze or a failed restart (scarcer than plumbers)",
    )
    speed_kmh: float = Field(
        25.0, gt=0.0, le=120.0, description="crews' driving speed to a site [km/h]"
    )
    road_factor: float = Field(
        1.3, ge=1.0, le=3.0, description="road distance over straight-line distance"
    )
    shift_start_h: float = Field(
        0.0, ge=0.0, lt=24.0, description="hour of day the daily shift starts (local)"
    )
    shift_h: float = Field(
        24.0, gt=0.0, le=24.0, description="length of the daily shift (24: around the clock)"
    )


class SpareClass(Strict):
    """Spare parts of one class: stock at the start, and lead time of each further part."""

    stock: Count = Field(description="spare parts of the class in stock at the start")
    lead_time_h: Hours = Field(description="time to bring each further part once stock is out")


def _default_spares() -> dict[SpareClassName, SpareClass]:
    # [UA-REPAIR-2022-26]: a transformer brought from another region takes 3 weeks (504 h); MV/LV
    # transformers are held in local stock (first estimate: 3 days to bring another).
    return {
        "hv_transformer": SpareClass(stock=1, lead_time_h=504.0),
        "mv_transformer": SpareClass(stock=20, lead_time_h=72.0),
    }


class Interceptors(Strict):
    """Interceptor stocks over the whole campaign, by threat type.

    Each threat engaged while the stock lasts uses one interceptor and is stopped with the
    wave's interception probability; once the stock is out, only ``when_out`` remains (mobile
    fire groups against drones, none against ballistic missiles). No key: unlimited stock.
    """

    stock: dict[ThreatType, Count] = Field(
        default_factory=dict,
        description="interceptors for the whole campaign, by threat type; each threat engaged "
        "uses one (a type not named: unlimited)",
    )
    when_out: dict[ThreatType, Probability] = Field(
        default_factory=dict,
        description="interception probability by threat type once its stock is out (a type "
        "not named: 0)",
    )


class GridPolicy(Strict):
    """The city's electricity supply from outside and demand response to cold.

    ``national_import_mw`` caps the import from the national grid (None: no cap). A schedule of
    ``[from_h, mw]`` pairs overrides it from each ``from_h`` on (a deficit that varies by day).
    """

    national_import_mw: Mw | None = Field(
        None, description="cap on the import from the national grid (none: no cap)"
    )
    import_schedule: list[Annotated[tuple[Hours, Mw], BeforeValidator(_pair)]] = Field(
        default_factory=list,
        max_length=10_000,
        description="[from_h, mw] pairs: from each from_h on, the import cap is mw (over "
        "national_import_mw)",
    )
    demand_per_c_below_0: float = Field(
        0.01, ge=0.0, le=0.1, description="relative demand increase per degC below 0 degC"
    )
    overload_trips: bool = Field(
        True, description="lines and trafos above their rating in the hourly DC flow trip"
    )
    overload_trip_margin: float = Field(
        1.5,
        ge=1.0,
        le=3.0,
        description="trip above this multiple of the rating: IEC 60076-7 lets distribution "
        "transformers carry 1.5 p.u. in normal cyclic loading, and overhead lines carry more "
        "than their rating in frost",
    )
    trip_reset_h: float = Field(
        1.0, gt=0.0, le=48.0, description="crew work to reset a tripped line or trafo [h]"
    )
    heater_kw_per_resident: float = Field(
        0.5, ge=0.0, le=5.0, description="electric heater load of an unheated home, kW/resident"
    )

    @field_validator("import_schedule")
    @classmethod
    def _schedule(cls, v: list) -> list:
        for from_h, mw in v:
            if from_h < 0 or mw < 0:
                raise ValueError(f"import_schedule entries must be >= 0, got [{from_h}, {mw}]")
        return v


class DamageTables(Strict):
    """Uncertainty of the damage tables, for sensitivity analysis: ``data/fragility.csv`` and
    ``data/repair_times.csv`` rest on first estimates where no public figures exist."""

    severity_shift: float = Field(
        0.0,
        ge=-2.0,
        le=2.0,
        description="tilts every fragility row toward worse (> 0) or lighter (< 0) damage "
        "states: p_k exp(shift k), normalised",
    )
    repair_time_scale: float = Field(
        1.0, ge=0.1, le=10.0, description="multiplies every drawn asset repair time"
    )


class Backup(Strict):
    """Backup generators of heat sources and booster pumping stations: start-up failures and
    refuelling (which units have one, and with how much fuel, is the city's data)."""

    start_failure_prob: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="probability that a unit fails to start when the grid goes (no public "
        "figure for these units: assumed, covered by coldstart sensitivity)",
    )
    refuel_every_h: float = Field(
        24.0,
        ge=0.0,
        le=240.0,
        description="the utility tops up every tank this often [h] (0: never)",
    )
    available_share: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="share of the city's backup units usable in this run (the others are "
        "missing, unmaintained or moved elsewhere; drawn per run): lower coverage than the "
        "city's data, for sensitivity",
    )


class Failures(Strict):
    """Scales of the secondary failures (``data/secondary_failures.csv``) and of repair work,
    for sensitivity analysis: 1 keeps the tables' values."""

    probability_scale: float = Field(
        1.0, ge=0.0, le=5.0, description="multiplies every secondary-failure probability"
    )
    work_scale: float = Field(
        1.0, ge=0.1, le=5.0, description="multiplies the work of every secondary failure"
    )


class Policies(Strict):
    """Policies by name."""

    dispatch: DispatchPolicy = Field(
        "fifo",
        description="which waiting repair a free crew takes: fifo: the oldest damage; nearest: "
        "the closest; greatest_benefit: the most people back per crew-hour; optimized: crew "
        "plans that minimise expected cold exposure",
    )
    vulnerable_weight: float = Field(
        2.0,
        ge=1.0,
        le=10.0,
        description="optimized dispatch: weight of a vulnerable person's hour below 12 degC "
        "relative to another person's",
    )
    drain: Literal["by_expected_outage", "drain_at_signal", "keep_circulating", "never"] = Field(
        "by_expected_outage",
        description="by_expected_outage: at the +5 degC signal, drain a building whose "
        "circulation is expected back later than its water takes to freeze less drain_margin_h "
        "(re-decided hourly); drain_at_signal: drain every building at the signal; "
        "keep_circulating: keep water moving wherever a source reaches it, never drain; "
        "never: never drain. Drains are plumbing-crew tasks.",
    )
    drain_margin_h: float = Field(
        3.0,
        ge=0.0,
        le=48.0,
        description="safety margin of by_expected_outage [h]: drain when the expected outage "
        "exceeds the time to freezing minus this margin",
    )
    shedding: Literal["rotating_queues"] = Field(
        "rotating_queues",
        description="load shedding when supply is short: the city's outage sub-queues are cut "
        "in turn (the only policy so far)",
    )
    link_valves: Literal["closed", "open_on_source_loss", "open_if_useful"] = Field(
        "closed",
        description="links between source districts stay closed; open_on_source_loss: open "
        "when one district loses its sources so that the other backs it up (capacity is then "
        "shared); open_if_useful: open only where the hydraulics can carry useful heat through "
        "the link (the cut-off district's consumers get at least a quarter of their design flow)",
    )
    heat_hydraulics: Literal["pressure", "connectivity"] = Field(
        "pressure",
        description="pressure: a consumer gets heat only as far as its differential pressure "
        "passes its design flow (pumps' heads, pipe friction, boosters; an unpowered booster "
        "with a known head is bypassed and adds no head); connectivity: every consumer a "
        "working source reaches gets its flow",
    )


class Scenario(Strict):
    """A scenario: weather, strikes, truces, alerts, crews, policies and people."""

    name: str = Field("scenario", max_length=200, description="title shown in reports")
    description: str = Field(
        "", max_length=20_000, description="free text on what the scenario is about"
    )
    start: datetime = Field(description="ISO date-time, years 1900-2200")
    horizon_h: float = Field(
        gt=0.0, le=1440.0, description="at most 60 days; a whole number of steps (step_min)"
    )
    step_min: int = Field(10, ge=1, le=60, description="thermal time step; must divide an hour")
    seed: int = Field(
        0,
        ge=0,
        le=2**63 - 1,
        description="seed of every random draw (a run's --seed or a sweep's seeds replace it)",
    )
    setpoint_c: float = Field(
        20.0, ge=10.0, le=26.0, description="indoor temperature while heating works"
    )
    weather: ColdSnap = Field(
        default_factory=ColdSnap, description="outdoor temperature: a cold snap or a CSV"
    )
    grid: GridPolicy = Field(
        default_factory=GridPolicy,
        description="import from the national grid, demand response to cold, overload trips",
    )
    strikes: list[Wave] = Field(
        default_factory=list, max_length=10_000, description="strike waves ([[strikes]])"
    )
    truces: list[Window] = Field(
        default_factory=list,
        max_length=10_000,
        description="energy truces: no wave strikes inside a window",
    )
    alerts: Alerts = Field(
        default_factory=Alerts, description="air-raid alerts; crews stop during them"
    )
    crews: Crews = Field(
        default_factory=Crews, description="repair crews by type, travel and shifts"
    )
    spares: dict[SpareClassName, SpareClass] = Field(
        default_factory=_default_spares,
        description="spare transformers by class (hv_transformer, mv_transformer)",
    )
    interceptors: Interceptors = Field(
        default_factory=Interceptors,
        description="interceptor stocks over the campaign (none named: unlimited)",
    )
    policies: Policies = Field(
        default_factory=Policies,
        description="repair dispatch, draining, load shedding, link valves, heat hydraulics",
    )
    failures: Failures = Field(
        default_factory=Failures, description="scales of secondary failures of buildings"
    )
    backup: Backup = Field(
        default_factory=Backup,
        description="backup generators of heat sources and pumps: failures, refuelling",
    )
    damage: DamageTables = Field(
        default_factory=DamageTables, description="tilt and scale of the damage tables"
    )
    people: People = Field(
        default_factory=People, description="residents' behaviour and shelter rules"
    )

    @field_validator("step_min")
    @classmethod
    def _divides_hour(cls, v: int) -> int:
        if 60 % v != 0:
            raise ValueError(
                f"step_min must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), got {v}"
            )
        return v

    @field_validator("start", mode="before")
    @classmethod
    def _start_text(cls, v: object) -> object:
        # TOML has date-times of its own; an ISO string is accepted too (strict mode refuses it)
        if isinstance(v, str):
            try:
                return datetime.fromisoformat(v)
            except ValueError:
                raise ValueError(f"expected an ISO date-time, got {v!r}") from None
        return v

    @field_validator("start")
    @classmethod
    def _start_in_range(cls, v: datetime) -> datetime:
        if not 1900 <= v.year <= 2200:
            raise ValueError(f"start must lie in the years 1900-2200, got {v.isoformat()}")
        return v

    @model_validator(mode="after")
    def _whole_steps(self) -> Scenario:
        # the run has whole steps only: a horizon between two would be rounded in silence
        n = self.horizon_h * 60.0 / self.step_min
        if abs(n - round(n)) <= STEP_TOLERANCE and round(n) >= 1:
            return self
        low, high = (_hours(k, self.step_min) for k in (math.floor(n), math.floor(n) + 1))
        if math.floor(n) < 1:
            raise ValueError(
                f"horizon_h = {self.horizon_h:g} is shorter than one step of {self.step_min} "
                f"min: use {high} or more"
            )
        raise ValueError(
            f"horizon_h = {self.horizon_h:g} is not a whole number of {self.step_min}-min steps: "
            f"use {low} or {high}"
        )

    @model_validator(mode="after")
    def _waves_in_horizon(self) -> Scenario:
        for i, w in enumerate(self.strikes):
            if w.at_h >= self.horizon_h:
                raise ValueError(
                    f"strikes[{i}].at_h = {w.at_h} is not before horizon_h = {self.horizon_h}"
                )
        return self

    @property
    def steps(self) -> int:
        """Number of thermal steps in the horizon (a whole number: :meth:`_whole_steps`)."""
        return int(round(self.horizon_h * 60 / self.step_min))

    @property
    def step_h(self) -> float:
        """Thermal step [h]."""
        return self.step_min / 60.0
