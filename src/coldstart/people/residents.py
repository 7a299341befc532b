"""Residents: who is at home at each hour, and who wants a shelter (pure functions).

Every building's residents split into three groups (``buildings`` table, ``city/schema.toml``):

- the immobile (``immobile_share``: bedridden, disabled without help): always at home, never
  leave for a shelter (first estimate: the immobile stay home);
- the other vulnerable residents (``vulnerable_share`` minus the immobile: elderly, infants
  and their carers): mostly at home by day too;
- everyone else: away at work or school by day (first estimate: "night is when homes are fullest
  and coldest").

The immobile are counted among the vulnerable: a building's vulnerable share is at least its
immobile share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coldstart.people.config import People
from coldstart.people.shelter import NIGHT_HOURS, leave_share

GENERAL, VULNERABLE = 0, 1
"""Agent groups of the shelter assignment: mobile non-vulnerable and mobile vulnerable."""


def at_home_profile(cfg: People) -> tuple[np.ndarray, np.ndarray]:
    """Share at home by hour of day (0-23) of non-vulnerable and of mobile vulnerable residents.

    ``at_home_by_hour`` overrides the night/day pair (night 22:00-07:00). Vulnerable residents
    are at home at least as much as the others: ``max(profile, vulnerable_at_home_day)`` by day,
    the night share at night.
    """
    hours = np.arange(24)
    start, end = NIGHT_HOURS
    night = (hours >= start) | (hours < end)
    if cfg.at_home_by_hour is not None:
        general = np.asarray(cfg.at_home_by_hour, float)
    else:
        general = np.where(night, cfg.at_home_night, cfg.at_home_day)
    vulnerable = np.where(night, general, np.maximum(general, cfg.vulnerable_at_home_day))
    return general, vulnerable


@dataclass(frozen=True)
class Residents:
    """Residents per building by group (floats: expected people).

    Attributes
    ----------
    general : numpy.ndarray
        Non-vulnerable residents.
    vulnerable_mobile : numpy.ndarray
        Vulnerable residents who can walk to a shelter.
    immobile : numpy.ndarray
        Residents who cannot leave (counted among the vulnerable).
    """

    general: np.ndarray
    vulnerable_mobile: np.ndarray
    immobile: np.ndarray

    @classmethod
    def from_table(
        cls, residents: np.ndarray, vulnerable_share: np.ndarray, immobile_share: np.ndarray
    ) -> Residents:
        """Split residents by the building table's shares [-]."""
        r = np.asarray(residents, float)
        imm = np.clip(np.asarray(immobile_share, float), 0.0, 1.0)
        vul = np.maximum(np.clip(np.asarray(vulnerable_share, float), 0.0, 1.0), imm)
        return cls(general=r * (1.0 - vul), vulnerable_mobile=r * (vul - imm), immobile=r * imm)

    @property
    def total(self) -> np.ndarray:
        """All residents per building."""
        return self.general + self.vulnerable_mobile + self.immobile


def present(
    res: Residents, hour_of_day: float, profile: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """People of each group at home or sheltering (not at work) at an hour of day.

    Returns
    -------
    general, vulnerable_mobile, immobile : numpy.ndarray
        Expected people per building.
    """
    h = int(np.floor(hour_of_day)) % 24
    return res.general * profile[0][h], res.vulnerable_mobile * profile[1][h], res.immobile


def wanting_shelter(
    present_general: np.ndarray,
    present_vulnerable: np.ndarray,
    temp_air_c: np.ndarray,
    cfg: People,
) -> tuple[np.ndarray, np.ndarray]:
    """Whole people per building who want a shelter, by group, from the home's temperature.

    A share ``clip((leave_below_c - T) x leave_share_per_c, 0, leave_share_max)`` of the mobile
    people present wants to go; for the mobile vulnerable it is multiplied by
    ``vulnerable_leave_factor`` (families with infants leave sooner, the elderly later), at most 1.
    """
    share = leave_share(temp_air_c, cfg.leave_below_c, cfg.leave_share_per_c, cfg.leave_share_max)
    share_v = np.minimum(1.0, share * cfg.vulnerable_leave_factor)
    return (
        np.floor(present_general * share + 1e-9).astype(np.int64),
        np.floor(present_vulnerable * share_v + 1e-9).astype(np.int64),
    )
