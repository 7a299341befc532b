"""Backup power of a synthetic city: which boiler houses, pumping stations and facilities have a
generator, how big, and with how much fuel, drawn from sourced shares (``data/backup_power.csv``).

Drawn from its own generator (``default_rng([seed, BACKUP_STREAM])``) so that the rest of the
synthetic city does not change when the shares do.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

BACKUP_STREAM = 7
"""Second word of the seed of the backup draws (``default_rng([seed, 7])``)."""


@cache
def backup_shares() -> pd.DataFrame:
    """Shares of assets with backup power, their rating and fuel, by class, with sources.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``asset_class`` (heat-source kinds, ``pumping_station``, facility kinds);
        ``share_equipped`` (central value) and ``share_low``/``share_high`` (range for
        sensitivity) [-]; the rating, either ``kw_min``-``kw_max`` [kW] or ``kw_per_mw_load``
        [kW per MW of the asset's own load]; ``fuel_h_min``-``fuel_h_max`` [h]; ``source``.
    """
    with resources.files("coldstart.data").joinpath("backup_power.csv").open() as f:
        t = pd.read_csv(f)
    shares = t[["share_equipped", "share_low", "share_high"]].to_numpy(float)
    if (shares < 0).any() or (shares > 1).any():
        raise ValueError("backup_power.csv: shares must lie in [0, 1]")
    return t.set_index("asset_class")


def _draw(
    classes: np.ndarray, load_mw: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Rating [kW] and fuel [h] of each asset's backup (0 where it has none).

    Of the ``n`` assets of a class, ``floor(share x n + u)`` (``u`` uniform in [0, 1)) get one,
    chosen at random: the city's share is the table's, not a binomial draw around it."""
    t = backup_shares()
    n = len(classes)
    kw, fuel = np.zeros(n), np.zeros(n)
    u_kw, u_fuel = rng.uniform(size=n), rng.uniform(size=n)
    for cls in np.unique(classes):
        if cls not in t.index:
            continue
        row = t.loc[cls]
        members = np.flatnonzero(classes == cls)
        k = int(np.floor(row.share_equipped * len(members) + rng.uniform()))
        sel = rng.permutation(members)[:k]
        rating = row.kw_min + (row.kw_max - row.kw_min) * u_kw[sel]
        by_load = row.kw_per_mw_load * load_mw[sel]
        kw[sel] = np.ceil(by_load if row.kw_per_mw_load > 0 else rating)
        fuel[sel] = np.round(row.fuel_h_min + (row.fuel_h_max - row.fuel_h_min) * u_fuel[sel], 0)
    return kw, fuel


def assign_backup(tables: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """Tables with the backup columns of heat sources, pumping stations and facilities drawn.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The city's tables (not modified).
    seed : int
        The synthetic city's seed.

    Returns
    -------
    dict of str to pandas.DataFrame
        Copies of ``heat_sources``, ``pumping_stations`` and ``facilities`` with
        ``backup_power_kw`` and ``backup_fuel_h`` drawn; the other tables as given.
    """
    rng = np.random.default_rng([seed, BACKUP_STREAM])
    out = dict(tables)
    for name, cls_col, load_col in (
        ("heat_sources", "kind", "aux_p_mw"),
        ("pumping_stations", None, "p_mw"),
        ("facilities", "kind", "p_mw"),
    ):
        t = tables[name].copy()
        classes = t[cls_col].to_numpy(str) if cls_col else np.full(len(t), "pumping_station")
        kw, fuel = _draw(classes, t[load_col].to_numpy(float), rng)
        t["backup_power_kw"], t["backup_fuel_h"] = kw, fuel
        out[name] = t
    return out
