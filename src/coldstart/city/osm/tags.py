"""Read OSM tag values: levels, heights, years, and what a POI is.

Tag values are free text in OSM (``"9"``, ``"5;9"``, ``"27 m"``, ``"1970s"``, ``"~1975"``);
each parser takes the first number it can read and returns NaN for anything else, so a
building with an unreadable tag is treated as untagged (and its value inferred by a rule).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

STOREY_HEIGHT_M = 3.0
"""Height per storey used to read floors from ``height`` [m] (storey heights of 2.7-3.0 m in
``data/archetypes.toml`` [TABULA], plus roof and parapet)."""

MAX_FLOORS = 100
"""Most floors accepted from a tag (the schema's bound); larger values are read as untagged."""

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_YEAR = re.compile(r"(?<!\d)(1[6-9]\d\d|20\d\d)(?!\d)")


def _first_number(text: str) -> float:
    m = _NUMBER.search(text)
    return float(m.group(0).replace(",", ".")) if m else np.nan


def floors_from_levels(values: pd.Series) -> np.ndarray:
    """Floors from ``building:levels`` (the first number, rounded; NaN when unreadable or
    outside 1-:data:`MAX_FLOORS`)."""
    out = np.array([_first_number(str(v)) if v else np.nan for v in values], dtype=float)
    out = np.round(out)
    out[(out < 1) | (out > MAX_FLOORS)] = np.nan
    return out


def positive_count(values: pd.Series) -> np.ndarray:
    """A count such as ``building:flats`` (the first number, rounded; NaN when unreadable or
    not positive)."""
    out = np.array([_first_number(str(v)) if v else np.nan for v in values], dtype=float)
    out = np.round(out)
    out[~(out > 0)] = np.nan
    return out


def height_m(values: pd.Series) -> np.ndarray:
    """Height [m] from ``height`` (metres, or feet when the value says ``ft`` or ``'``)."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if not v:
            continue
        h = _first_number(str(v))
        if "ft" in str(v) or "'" in str(v):
            h *= 0.3048
        out[i] = h
    out[~(out > 0)] = np.nan
    return out


def floors_from_height(h_m: np.ndarray) -> np.ndarray:
    """Floors from a height [m] at :data:`STOREY_HEIGHT_M` per storey (at least 1)."""
    f = np.maximum(np.round(np.asarray(h_m, float) / STOREY_HEIGHT_M), 1.0)
    f[~np.isfinite(f) | (f > MAX_FLOORS)] = np.nan
    return f


def construction_year(start_date: pd.Series, building_year: pd.Series) -> np.ndarray:
    """Year from ``start_date`` or else ``building:year`` (the first 4-digit year 1600-2099
    in the value; ``"1970s"`` reads as 1970); NaN when neither holds one."""
    out = np.full(len(start_date), np.nan)
    for i, (a, b) in enumerate(zip(start_date, building_year, strict=True)):
        for v in (a, b):
            m = _YEAR.search(str(v)) if v else None
            if m:
                out[i] = float(m.group(1))
                break
    return out


def mw_value(text: str) -> float:
    """Power from a ``plant:output:*`` value [MW] (``"300 MW"``, ``"0.5 GW"``, ``"800 kW"``);
    NaN when there is no number or it reads ``yes``."""
    if not text:
        return np.nan
    x = _first_number(text)
    t = text.lower()
    if "gw" in t:
        x *= 1000.0
    elif "kw" in t:
        x /= 1000.0
    return x if x > 0 else np.nan


HEAT_SOURCE_NAME = re.compile(
    r"котельн|котельная|boiler|тец|тэц|\bchp\b|\btec\b|теплоцентрал", re.IGNORECASE
)
"""Names of heat sources (Ukrainian/Russian "kotelnia", "TETs", and English)."""

CHP_NAME = re.compile(r"тец|тэц|\bchp\b|\btec\b|теплоелектроцентрал", re.IGNORECASE)
"""Names of combined heat and power plants."""


def poi_class(row: dict) -> tuple[str, str]:
    """What an OSM object is for coldstart: ``(class, rule)``.

    Classes: ``metro_station``, ``metro_entrance``, ``school``, ``hospital`` (also clinics),
    ``warming_point`` (social facilities), ``water_pumping``, ``substation``, ``chp``,
    ``boiler_house``; ``""`` for anything else. ``rule`` names the tag that decided.
    """
    amenity = row["amenity"]
    if row["station"] == "subway" or (
        row["railway"] == "station" and "metro" in row["name"].lower()
    ):
        return "metro_station", "station=subway"
    if row["railway"] == "subway_entrance":
        return "metro_entrance", "railway=subway_entrance"
    if amenity in ("school", "hospital", "clinic", "social_facility"):
        kind = {"clinic": "hospital", "social_facility": "warming_point"}.get(amenity, amenity)
        return kind, f"amenity={amenity}"
    if row["man_made"] in ("water_works", "pumping_station") and row["power"] == "":
        return "water_pumping", f"man_made={row['man_made']}"
    if row["power"] == "substation":
        return "substation", "power=substation"
    name = row["name"]
    heat_out = row["plant:output:hot_water"] or row["plant:output:steam"]
    if row["power"] == "plant" and (heat_out or CHP_NAME.search(name)):
        chp = bool(row["plant:output:electricity"]) or bool(CHP_NAME.search(name))
        return ("chp" if chp else "boiler_house"), "power=plant with heat output"
    if row["industrial"] in ("heating_station", "boiler_house"):
        return "boiler_house", f"industrial={row['industrial']}"
    if name and HEAT_SOURCE_NAME.search(name):
        return ("chp" if CHP_NAME.search(name) else "boiler_house"), "name"
    return "", ""
