"""The ``[people]`` table of a scenario: residents' behaviour and the city's shelter rules.

This pydantic model is meant to replace ``coldstart.scenario.model.People`` (the lead imports
it there). It keeps every key of the first version with the same defaults, so existing scenario
files keep their meaning, and adds the keys of issue 7. It has its own strict config (unknown
keys rejected by name, frozen) so that it does not import the scenario package.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class People(BaseModel):
    """Residents' behaviour and shelter rules.

    Where a behaviour parameter has a public source it is named beside it; the others have
    none (said so beside them) and are varied over their ranges by ``coldstart sensitivity``
    (``data/sensitivity.csv``). Shelter figures follow [KYIV-2026] and [KYIV-METRO-2026]
    (docs/sources.md).

    Times are hours since the scenario's start; shares are in [0, 1].
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    at_home_night: float = Field(
        0.95,
        ge=0.0,
        le=1.0,
        description="share of residents at home 22:00-07:00 (no public source: assumed)",
    )
    at_home_day: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="share of residents at home 07:00-22:00, the rest at work or school (no "
        "public source for Kyiv in wartime: assumed)",
    )
    at_home_by_hour: list[float] | None = Field(
        None, description="24 shares by hour of day (0-23) replacing at_home_night/day"
    )
    vulnerable_at_home_day: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="share of vulnerable residents (elderly, infants, disabled) at home by day",
    )
    leave_below_c: float = Field(
        14.0,
        ge=-60.0,
        le=25.0,
        description="homes colder than this send people (no public source: assumed between "
        "the 16 degC respiratory and 12 degC cardiovascular thresholds [WHO-2018])",
    )
    leave_share_per_c: float = Field(
        0.06,
        ge=0.0,
        le=1.0,
        description="share of those at home leaving per degC below (no public source: assumed)",
    )
    leave_share_max: float = Field(
        0.35,
        ge=0.0,
        le=1.0,
        description="most of those at home who ever leave: two out of three said they would "
        "not leave home even in a long outage without utilities [IOM-2022-WINTER]",
    )
    vulnerable_leave_factor: float = Field(
        1.0,
        ge=0.0,
        le=3.0,
        description="leave share of mobile vulnerable residents relative to the others",
    )
    walk_limit_km: float = Field(
        1.5, gt=0.0, le=20.0, description="people go only to a shelter within this distance"
    )
    shelters_open_h: float = Field(
        0.0, ge=0.0, le=100_000.0, description="hour the city opens shelters"
    )
    open_when: Literal["declared", "nearby_cold"] = Field(
        "declared",
        description="declared: all open at shelters_open_h; nearby_cold: each opens once the "
        "homes within walking distance are on average below open_below_c",
    )
    open_below_c: float = Field(
        16.0,
        ge=-60.0,
        le=25.0,
        description="nearby_cold: a shelter opens when the homes around it are this cold",
    )
    shelter_close_below_c: float = Field(
        12.0, ge=-60.0, le=25.0, description="a shelter colder than this sends its people home"
    )
    shelter_reopen_above_c: float = Field(
        15.0,
        ge=-60.0,
        le=25.0,
        description="a shelter closed for cold takes people again above this",
    )
    refuel_every_h: float | None = Field(
        None, gt=0.0, le=240.0, description="generators are refilled this often (None: never)"
    )
    refuel_during_alerts: bool = Field(
        False, description="shelters' fuel deliveries go on during air-raid alerts"
    )
    decide_every_h: float = Field(1.0, gt=0.0, le=24.0, description="people re-decide this often")

    @field_validator("at_home_by_hour")
    @classmethod
    def _profile(cls, v: list[float] | None) -> list[float] | None:
        if v is None:
            return v
        if len(v) != 24:
            raise ValueError(f"at_home_by_hour needs 24 values (hours 0-23), got {len(v)}")
        for h, x in enumerate(v):
            if not 0.0 <= x <= 1.0:
                raise ValueError(f"at_home_by_hour[{h}] must be in [0, 1], got {x}")
        return v

    @model_validator(mode="after")
    def _hysteresis(self) -> People:
        if self.shelter_reopen_above_c < self.shelter_close_below_c:
            raise ValueError(
                f"shelter_reopen_above_c ({self.shelter_reopen_above_c}) must be >= "
                f"shelter_close_below_c ({self.shelter_close_below_c})"
            )
        return self


def people_config(people: object) -> People:
    """The :class:`People` of a scenario, from this model or from an older one with fewer keys."""
    if isinstance(people, People):
        return people
    if people is None:
        return People()
    return People.model_validate(people.model_dump())
