"""District heating around real buildings: real sources where OSM has them, a synthetic network.

Sources are the OSM heat sources (CHP plants and boiler houses, :mod:`coldstart.city.osm.
facilities`); each district is the set of consumers nearest to a source, and a source without
a tagged capacity is sized for :data:`~coldstart.city.synth.HEAT_MARGIN` times its district's
design demand. When the sources are missing or too small for the city, boiler houses are added
where the synthetic city would put them (:func:`coldstart.city.synth_heat.place_boiler_houses`).
The pipes are synthetic: trees from each source through quarter nodes to the consumers, sized
for the design flow (:func:`coldstart.city.synth_heat.build_heat`); where the extract has
streets the mains follow them (:mod:`coldstart.city.osm.streets`), elsewhere they are straight
lines with a route factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from coldstart.city.osm.streets import Streets, along_streets
from coldstart.city.synth import (
    CHP_AUX_SHARE,
    CHP_HEAT_TO_POWER,
    HEAT_MARGIN,
    _boiler_house_aux_mw,
    _district_consumers,
)
from coldstart.city.synth_heat import HeatBuild, build_heat, place_boiler_houses

MIN_SOURCE_MW_TH = 1.0
"""Smallest capacity given to an untagged source [MW_th] (a source with no consumer nearby)."""

MAX_UNTAGGED_MW_TH = {"boiler_house": 60.0, "chp": 1700.0}
"""Largest capacity given to an untagged source [MW_th]: the synthetic city's largest boiler
house (15-60 MW_th), and Kyiv CHP-5's ~1,700 MW_th for a CHP plant; the rest of its district
goes to added boiler houses (a district of one untagged source across a whole city would need
a network no pump could drive)."""

BH_SIZE_MW_TH = 30.0
"""Capacity per boiler house added for a shortfall [MW_th] (middle of the synthetic city's
15-60 MW_th)."""


@dataclass(frozen=True)
class HeatPlan:
    """Heat sources and network.

    ``kind`` is ``chp`` or ``boiler_house``; ``origin`` is ``osm`` or ``synthetic``;
    ``electric_mw`` is the electric capacity of CHP plants (0 for boiler houses) [MW_e];
    ``aux_p_mw`` the sources' electric auxiliaries [MW]; ``node_of`` the heat node of each
    consumer id; ``straight_pipes`` how many pipes the network had before its mains were
    moved onto the streets (the pipes after them continue those mains), ``mains_on_streets``
    how many mains follow the streets.
    """

    heat: HeatBuild
    src_ids: list[str]
    xy: np.ndarray
    cap_mw_th: np.ndarray
    kind: np.ndarray
    origin: np.ndarray
    osm_id: np.ndarray
    name: np.ndarray
    electric_mw: np.ndarray
    aux_p_mw: np.ndarray
    node_of: dict[str, str]
    straight_pipes: int = -1
    mains_on_streets: int = 0


def _osm_sources(energy: pd.DataFrame, to_xy) -> pd.DataFrame:
    """Heat sources among the energy assets, with local ``x``/``y`` [m]."""
    s = energy[energy.cls.isin(["chp", "boiler_house"])].reset_index(drop=True)
    x, y = to_xy(s.lon.to_numpy(float), s.lat.to_numpy(float))
    return s.assign(x=x, y=y)


def _sized(cons_xy, cons_q, src_xy, tagged_mw, kind) -> np.ndarray:
    """Tagged capacities, or HEAT_MARGIN x the demand of the consumers nearest to each source,
    at most :data:`MAX_UNTAGGED_MW_TH` of its kind."""
    near = cKDTree(src_xy).query(cons_xy)[1] if len(cons_xy) else np.zeros(0, np.int64)
    district = np.bincount(near, weights=cons_q, minlength=len(src_xy))
    need = np.maximum(np.round(HEAT_MARGIN * district, 1), MIN_SOURCE_MW_TH)
    need = np.minimum(need, [MAX_UNTAGGED_MW_TH[k] for k in kind])
    return np.where(np.isfinite(tagged_mw), tagged_mw, need)


def plan_heat(
    b: pd.DataFrame,
    f: pd.DataFrame,
    energy: pd.DataFrame,
    to_xy,
    rng: np.random.Generator,
    streets: Streets | None = None,
) -> HeatPlan:
    """Sources (OSM, then synthetic boiler houses for any shortfall) and the network.

    Parameters
    ----------
    b, f : pandas.DataFrame
        Buildings and facilities with local ``x``/``y`` [m] (facilities with ``heat_mw_th``).
    energy : pandas.DataFrame
        Energy assets from :func:`coldstart.city.osm.facilities.energy_assets`.
    to_xy : callable
        ``(lon, lat) -> (x, y)`` [m].
    rng : numpy.random.Generator
    streets : coldstart.city.osm.streets.Streets, optional
        The extract's streets: the mains follow them (none: straight mains).
    """
    cons_ids, cons_xy, cons_q = _district_consumers(b, f)
    s = _osm_sources(energy, to_xy)
    xy = s[["x", "y"]].to_numpy(float).reshape(-1, 2)
    tagged = s.heat_mw_th.to_numpy(float)
    cap = _sized(cons_xy, cons_q, xy, tagged, s.cls.to_numpy(str)) if len(s) else np.zeros(0)
    elec = np.where(s.cls == "chp", s.electric_mw.fillna(pd.Series(cap) / CHP_HEAT_TO_POWER), 0.0)
    total = float(cons_q.sum())
    shortfall = HEAT_MARGIN * total - float(cap.sum())
    n_add = int(np.ceil(shortfall / BH_SIZE_MW_TH)) if shortfall > 0 else 0
    if len(s) == 0:
        n_add = max(n_add, int(np.ceil(len(b) / 300)) + 2)  # as coldstart city from-grid
    far = xy if len(s) else np.array([[1e9, 1e9]])
    add_xy, add_cap = (
        place_boiler_houses(
            cons_xy, cons_q, far, cap if len(s) else np.zeros(1), n_add, HEAT_MARGIN, rng
        )
        if n_add
        else (np.zeros((0, 2)), np.zeros(0))
    )
    kind = np.concatenate([s.cls.to_numpy(object), np.full(n_add, "boiler_house", object)])
    origin = np.array(["osm"] * len(s) + ["synthetic"] * n_add, dtype=object)
    ids = [
        f"{'chp' if k == 'chp' else 'bh'}_{o.replace('/', '_')}"
        for k, o in zip(kind[: len(s)], s.osm_id, strict=True)
    ]
    ids += [f"bh_synthetic_{k + 1}" for k in range(n_add)]
    xy = np.vstack([xy, add_xy])
    cap = np.concatenate([cap, add_cap])
    boosted = [int(k) for k in np.argsort(-cap, kind="stable")[:2]]
    boosters = int(np.clip(round(len(b) / 1000), 1, 3))
    heat = build_heat(cons_ids, cons_xy, cons_q, ids, xy, cap, boosted, boosters)
    straight = len(heat.pipe_from)
    heat, on_streets = along_streets(heat, streets)
    node_of = dict(zip(cons_ids, (heat.node_id[k] for k in heat.consumer_node), strict=True))
    chp = kind == "chp"
    aux = np.where(chp, np.round(CHP_AUX_SHARE * cap, 3), _boiler_house_aux_mw(cap))
    return HeatPlan(
        heat=heat,
        src_ids=ids,
        xy=xy,
        cap_mw_th=np.round(cap, 1),
        kind=kind,
        origin=origin,
        osm_id=np.concatenate([s.osm_id.to_numpy(object), np.full(n_add, "", object)]),
        name=np.concatenate([s.name.to_numpy(object), np.full(n_add, "", object)]),
        electric_mw=np.concatenate([np.round(elec, 1), np.zeros(n_add)]),
        aux_p_mw=aux,
        node_of=node_of,
        straight_pipes=straight,
        mains_on_streets=on_streets,
    )
