"""Strike waves and their hits, read back from a run's events.

Each ``wave`` event's detail starts with the wave's name as the scenario gives it
(``"night strike: ballistic: 2 launched, ..."``); the ``hit`` events at the same hour are its
hits (detail ``"<weapon>: <damage state>"``). The report marks the waves on every timeline and
tells them in its story.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Hit:
    """One asset struck by a wave."""

    asset_id: str
    kind: str
    damage: str


@dataclass(frozen=True)
class Wave:
    """One strike wave: its name (as in the scenario), when, what was launched, what it hit."""

    name: str
    hours: float
    time: pd.Timestamp | None
    detail: str
    hits: tuple[Hit, ...]


def _time(value: object) -> pd.Timestamp | None:
    """``value`` as a Timestamp, or None."""
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(t) else t


def strike_waves(events: pd.DataFrame, assets: pd.DataFrame | None = None) -> list[Wave]:
    """The strike waves of a run in time order, each with its hits.

    Parameters
    ----------
    events : pandas.DataFrame
        ``Result.events`` (``time, hours, kind, asset_id, detail``).
    assets : pandas.DataFrame, optional
        ``Result.assets``, for the kind of each asset hit.

    Returns
    -------
    list of Wave
        Empty when the run had no wave.
    """
    if events is None or events.empty or not {"kind", "hours"} <= set(events.columns):
        return []
    kinds = {}
    if assets is not None and {"asset_id", "kind"} <= set(assets.columns):
        kinds = dict(zip(assets["asset_id"].astype(str), assets["kind"].astype(str), strict=True))
    hours = pd.to_numeric(events["hours"], errors="coerce")
    hits = events[events["kind"] == "hit"]
    out = []
    for idx, rec in events[events["kind"] == "wave"].iterrows():
        detail = "" if pd.isna(rec.get("detail")) else str(rec.get("detail"))
        name, _, rest = detail.partition(": ")
        at = float(hours[idx])
        mine = hits[(hours[hits.index] - at).abs() < 1e-6]
        wave_hits = tuple(
            Hit(
                str(h.asset_id),
                kinds.get(str(h.asset_id), "asset"),
                str(h.detail).rpartition(": ")[2] if not pd.isna(h.detail) else "",
            )
            for h in mine.itertuples(index=False)
        )
        out.append(Wave(name or "strike wave", at, _time(rec.get("time")), rest, wave_hits))
    return sorted(out, key=lambda w: w.hours)
