"""A deterministic synthetic city: tower blocks, grid, district heating, facilities, assets.

:func:`synth_city` builds a sample city loosely shaped like a post-Soviet city district (Kyiv is
the reference): ~250,000 residents in 2,000 buildings, residents and everything else scaling
linearly with the number of buildings. The grid is built by :mod:`coldstart.city.synth_grid`,
the heat network by :mod:`coldstart.city.synth_heat`; this module makes the buildings and
facilities, ties the parts together and lists the assets.

Only ``numpy.random.default_rng(seed)`` is used: the same seed gives the same tables and net,
bit for bit.

Examples
--------
>>> city = synth_city(50, seed=1)
>>> len(city.buildings)
50
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart import geo
from coldstart.city.backup import assign_backup
from coldstart.city.model import City
from coldstart.city.synth_grid import (
    QUEUES,
    GridBuild,
    GridLayout,
    build_net,
    layout_grid,
    nearest_station,
)
from coldstart.city.synth_heat import (
    BOOSTER_HEAD_BAR,
    PIPE_ROUGHNESS_MM,
    HeatBuild,
    build_heat,
    heat_valve_table,
    place_boiler_houses,
)
from coldstart.errors import CityError, Problem
from coldstart.heat.engine import HeatModel
from coldstart.heat.model import DESIGN_OUTDOOR_C, FACILITY_HEAT_LOSS_W_M2K
from coldstart.heat.pressure import city_hydraulic_params
from coldstart.thermal.archetypes import archetypes

__all__ = ["ARCHETYPES", "lonlat_to_xy_m", "synth_city", "xy_m_to_lonlat", "QUEUES"]

CENTRE_LON = 30.52
"""Longitude of the city centre [deg] (Kyiv, Maidan Nezalezhnosti)."""

CENTRE_LAT = 50.45
"""Latitude of the city centre [deg]."""

RADIUS_M_PER_SQRT_BUILDING = 5000.0 / np.sqrt(2000.0)
"""City radius over sqrt(buildings) [m]: 2,000 blocks in a disc of 5 km (~80 blocks per km2)."""

FLAT_AREA_M2 = 55.0
"""Heated floor area per flat [m2] (Soviet panel flats average 50-60 m2)."""

ELECTRIC_KW_PER_FLAT = 1.2
"""Winter evening electric demand per flat, space heating excluded [kW] (after diversity; Ukrainian
design norm DBN V.2.5-23 gives 1.0-1.5 kW per flat with gas or district heat)."""

INDOOR_C = 20.0
"""Design indoor temperature [C]."""

HEAT_MARGIN = 1.2
"""Installed heat capacity over the district heat demand at design temperature."""

CHP_SHARE_OF_PEAK = 0.65
"""Electric capacity of both CHP plants over the city's peak electric demand (Kyiv CHP-5 and CHP-6
covered roughly 60-70 % of the city's winter demand before 2022)."""

CHP_HEAT_TO_POWER = 2.5
"""Heat over electric capacity of a CHP plant (Kyiv CHP-5: ~700 MW_e, ~1,700 MW_th)."""

CHP_SPLIT = (0.6, 0.4)
"""Shares of CHP-1 and CHP-2 in the CHP capacity."""

CHP_AUX_SHARE = 0.015
"""Auxiliaries and network pumps of a CHP plant over its heat capacity (1-2 %)."""


@dataclass(frozen=True)
class Archetype:
    """A kind of residential building.

    Attributes
    ----------
    share : float
        Share of buildings.
    floors : tuple of int
        Lowest and highest number of floors.
    flats : float
        Mean number of flats (drawn within +/-20 %).
    flat_area_m2 : float
        Heated floor area per flat [m2].
    heat_supply : tuple of float
        Probabilities of ``district``, ``electric`` and ``individual_gas``.
    """

    share: float
    floors: tuple[int, int]
    flats: float
    flat_area_m2: float
    heat_supply: tuple[float, float, float]


ARCHETYPES: dict[str, Archetype] = {
    # Heat loss per m2 of floor comes from coldstart/data/archetypes.toml (the thermal model's).
    # Flats per building are sized so that ~2.35 residents per flat give ~125 residents per
    # building on average (one- or two-section blocks): 2,000 buildings -> ~250,000 residents.
    "brick_soviet": Archetype(0.10, (4, 5), 24, 65.0, (0.92, 0.03, 0.05)),
    "panel_5": Archetype(0.25, (5, 5), 40, FLAT_AREA_M2, (0.92, 0.03, 0.05)),
    "panel_9": Archetype(0.35, (9, 9), 60, FLAT_AREA_M2, (0.92, 0.03, 0.05)),
    "panel_16": Archetype(0.15, (16, 16), 80, FLAT_AREA_M2, (0.92, 0.03, 0.05)),
    "house_private": Archetype(0.08, (1, 2), 1, 130.0, (0.0, 0.15, 0.85)),
    "monolith_modern": Archetype(0.07, (20, 25), 110, 60.0, (0.75, 0.05, 0.20)),
}
"""Building archetypes, listed from the centre outward (monoliths are infill anywhere)."""

RESIDENTS_PER_FLAT = (2.2, 2.5)
"""Residents per flat (Ukraine's census average household is ~2.6; cities somewhat lower)."""

HEAT_SUPPLY = ("district", "electric", "individual_gas")

# facility counts per building, with Kyiv's figures for ~3 M people in ~12,000 blocks
FACILITIES_PER_BUILDING = {
    "metro_station": 1 / 250,  # Kyiv: ~52 stations for ~3 M people
    "school": 1 / 50,  # Kyiv: ~500 schools for ~3 M (one per ~6,000 people)
    "hospital": 1 / 400,  # one large hospital per ~50,000 people
    "water_pumping": 1 / 600,  # Kyivvodokanal: a few dozen pumping stations
    "warming_point": 1 / 40,  # Kyiv, Jan 2026: ~1,300 "Invincibility Points"
}
FACILITY_PREFIX = {
    "metro_station": "metro",
    "school": "school",
    "hospital": "hospital",
    "water_pumping": "water",
    "warming_point": "warm",
}


def lonlat_to_xy_m(
    lon: np.ndarray | float,
    lat: np.ndarray | float,
    lon0: float = CENTRE_LON,
    lat0: float = CENTRE_LAT,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`coldstart.geo.lonlat_to_xy_m` around the sample city's centre [m].

    Examples
    --------
    >>> x, y = lonlat_to_xy_m(30.52, 50.46)
    >>> round(float(y))
    1112
    """
    return geo.lonlat_to_xy_m(lon, lat, lon0, lat0)


def xy_m_to_lonlat(
    x: np.ndarray | float,
    y: np.ndarray | float,
    lon0: float = CENTRE_LON,
    lat0: float = CENTRE_LAT,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`coldstart.geo.xy_m_to_lonlat` around the sample city's centre [deg]."""
    return geo.xy_m_to_lonlat(x, y, lon0, lat0)


def _counts(shares: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` by shares with the largest-remainder method."""
    raw = shares / shares.sum() * n
    out = np.floor(raw).astype(np.int64)
    rest = n - int(out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def _buildings(n: int, radius_m: float, rng: np.random.Generator) -> pd.DataFrame:
    """Residential buildings (with local ``x``/``y`` [m] and helper columns)."""
    r = radius_m * np.sqrt(rng.uniform(0.0, 1.0, n))
    theta = rng.uniform(0.0, 2.0 * np.pi, n)
    x, y = r * np.cos(theta), r * np.sin(theta)
    names = list(ARCHETYPES)
    counts = _counts(np.array([a.share for a in ARCHETYPES.values()]), n)
    arch = np.empty(n, dtype=object)
    mono = names.index("monolith_modern")
    infill = rng.choice(n, size=counts[mono], replace=False)
    arch[infill] = "monolith_modern"
    rest = np.setdiff1d(np.arange(n), infill)
    # older buildings toward the centre, private houses at the edge (with some mixing)
    rest = rest[np.argsort(r[rest] / radius_m + rng.normal(0.0, 0.08, len(rest)), kind="stable")]
    start = 0
    for k, name in enumerate(names):
        if k == mono:
            continue
        arch[rest[start : start + counts[k]]] = name
        start += counts[k]

    def flats_of(name: str, a: Archetype, sel: np.ndarray) -> np.ndarray:
        return np.maximum(1, np.round(a.flats * rng.uniform(0.8, 1.2, len(sel))))

    d = draw_dwellings(arch, rng, flats_of)
    house = arch == "house_private"
    p_kw = np.where(
        house,
        ELECTRIC_KW_PER_FLAT * rng.uniform(1.2, 2.0, n),
        d.flats * ELECTRIC_KW_PER_FLAT * rng.uniform(0.85, 1.15, n),
    )
    lon, lat = xy_m_to_lonlat(x, y)
    return building_table(d, arch, lon, lat, x, y, 0, p_kw / 1000.0, "", rng)


@dataclass(frozen=True)
class Dwellings:
    """Drawn dwelling figures of N buildings (arrays of shape (N,))."""

    floors: np.ndarray
    flats: np.ndarray
    area_m2: np.ndarray
    heat_loss_w_m2k: np.ndarray
    heat_supply: np.ndarray
    residents: np.ndarray


def draw_dwellings(
    arch: np.ndarray,
    rng: np.random.Generator,
    flats_of,
) -> Dwellings:
    """Floors, flats, floor area, heat loss, heat supply and residents of each building.

    Used by the synthetic city and by the importers, so that both derive buildings alike.

    Parameters
    ----------
    arch : numpy.ndarray of str
        Archetype of each building.
    rng : numpy.random.Generator
        Source of every draw.
    flats_of : callable
        ``flats_of(name, archetype, positions) -> flats`` for the buildings of one archetype
        (called between the floors and area draws of that archetype).
    """
    n = len(arch)
    floors = np.empty(n, dtype=np.int64)
    flats = np.empty(n, dtype=np.int64)
    area = np.empty(n)
    loss = np.empty(n)
    supply = np.empty(n, dtype=object)
    envelope = archetypes()  # one source of truth with the thermal model
    for name, a in ARCHETYPES.items():
        sel = np.flatnonzero(arch == name)
        m = len(sel)
        if not m:
            continue
        floors[sel] = rng.integers(a.floors[0], a.floors[1] + 1, m)
        flats[sel] = flats_of(name, a, sel)
        area[sel] = flats[sel] * a.flat_area_m2 * rng.uniform(0.9, 1.1, m)
        loss[sel] = envelope[name].heat_loss_w_m2k
        supply[sel] = np.asarray(HEAT_SUPPLY, dtype=object)[
            rng.choice(3, size=m, p=np.asarray(a.heat_supply))
        ]
    house = arch == "house_private"
    residents = np.where(
        house,
        rng.integers(1, 6, n),  # 1-5, mean 3
        np.round(flats * rng.uniform(*RESIDENTS_PER_FLAT, n)),
    ).astype(np.int64)
    return Dwellings(floors, flats, area, loss, supply, residents)


def building_table(
    d: Dwellings,
    arch: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    bus,
    p_mw: np.ndarray,
    outage_queue,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The ``buildings`` table (plus local ``x``/``y`` [m]) from drawn dwellings.

    Vulnerable (0.2-0.35) and immobile (0.03-0.08) shares are drawn here; the design heat
    demand is the heat loss times the floor area times (20 - (-22)) K.
    """
    n = len(arch)
    heat = d.heat_loss_w_m2k * d.area_m2 * (INDOOR_C - DESIGN_OUTDOOR_C) / 1e6
    return pd.DataFrame(
        {
            "building_id": [f"b_{i + 1:06d}" for i in range(n)],
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "archetype": arch,
            "floors": d.floors,
            "floor_area_m2": np.round(d.area_m2, 1),
            "residents": d.residents,
            "vulnerable_share": np.round(rng.uniform(0.2, 0.35, n), 3),
            "immobile_share": np.round(rng.uniform(0.03, 0.08, n), 3),
            "heat_supply": d.heat_supply,
            "heat_node_id": "",
            "bus": bus,
            "p_mw": np.round(p_mw, 6),
            "heat_demand_mw_th": np.round(heat, 6),
            "outage_queue": outage_queue,
            "x": x,
            "y": y,
        }
    )


def _facilities(n: int, radius_m: float, b: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Metro stations, schools, hospitals, water pumping and warming points (with ``x``/``y``)."""
    counts = {k: max(1, int(round(n * v))) for k, v in FACILITIES_PER_BUILDING.items()}
    blocks = np.flatnonzero(b["archetype"].to_numpy() != "house_private")
    bx, by = b["x"].to_numpy(), b["y"].to_numpy()
    rows = []
    for kind, cnt in counts.items():
        if kind == "metro_station":
            # two lines crossing at the centre, like Kyiv's red and blue lines
            line = np.arange(cnt) % 2
            per_line = np.bincount(line, minlength=2)
            pos = np.concatenate(
                [np.linspace(-0.8, 0.8, k) if k > 1 else np.zeros(k) for k in per_line]
            )
            ang = np.radians(np.where(np.sort(line) == 0, 10.0, 100.0))
            x = pos * radius_m * np.cos(ang) + rng.uniform(-100, 100, cnt)
            y = pos * radius_m * np.sin(ang) + rng.uniform(-100, 100, cnt)
        elif kind == "water_pumping":
            ang = rng.uniform(0, 2 * np.pi, cnt)
            rr = radius_m * rng.uniform(0.85, 1.0, cnt)
            x, y = rr * np.cos(ang), rr * np.sin(ang)
        else:
            at = rng.choice(blocks if len(blocks) else np.arange(n), size=cnt)
            off = rng.uniform(40.0, 80.0, cnt)
            ang = rng.uniform(0, 2 * np.pi, cnt)
            x, y = bx[at] + off * np.cos(ang), by[at] + off * np.sin(ang)
        for i in range(cnt):
            rows.append({"kind": kind, "i": i, "x": float(x[i]), "y": float(y[i])})
    f = pd.DataFrame(rows)
    m = len(f)
    kind = f["kind"].to_numpy()

    def draw(k: str, lo: float, hi: float) -> np.ndarray:
        return np.where(kind == k, rng.uniform(lo, hi, m), 0.0)

    capacity = (
        np.round(draw("metro_station", 1500, 3000), -2)
        + np.round(draw("school", 300, 800), -1)
        + np.round(draw("warming_point", 50, 200), -1)
    )
    area = (
        draw("metro_station", 4000, 8000)
        + draw("school", 3000, 8000)
        + draw("hospital", 15000, 40000)
        + draw("water_pumping", 1000, 3000)
        + draw("warming_point", 100, 400)
    )
    # electric demand [MW]: metro station services (escalators, ventilation, lighting; traction
    # has its own substations), schools, hospitals, pumps (0.5-2 MW), warming points (heaters)
    p_mw = (
        draw("metro_station", 0.4, 0.8)
        + draw("school", 0.05, 0.15)
        + draw("hospital", 0.5, 1.5)
        + draw("water_pumping", 0.5, 2.0)
        + draw("warming_point", 0.01, 0.03)
    )
    school_gen = (kind == "school") & (rng.uniform(0, 1, m) < 0.2)  # a few schools have one
    backup_kw = (
        draw("metro_station", 200, 500)
        + draw("hospital", 500, 1500)
        + draw("warming_point", 20, 60)
        + np.where(school_gen, rng.uniform(30, 100, m), 0.0)
    )
    fuel_h = (
        np.where(kind == "metro_station", 48.0, 0.0)
        + np.where(kind == "hospital", 72.0, 0.0)
        + draw("warming_point", 12, 24)
        + np.where(school_gen, 24.0, 0.0)
    )
    supply = np.select(
        [kind == "school", kind == "hospital", kind == "water_pumping"],
        ["district", "district", "electric"],
        "own",
    )
    label = {
        "metro_station": "Metro station",
        "school": "School No.",
        "hospital": "City hospital No.",
        "water_pumping": "Water pumping station",
        "warming_point": "Warming point",
    }
    lon, lat = xy_m_to_lonlat(f["x"].to_numpy(), f["y"].to_numpy())
    return pd.DataFrame(
        {
            "facility_id": [
                f"{FACILITY_PREFIX[k]}_{i + 1}" for k, i in zip(kind, f["i"], strict=True)
            ],
            "kind": kind,
            "name": [f"{label[k]} {i + 1}" for k, i in zip(kind, f["i"], strict=True)],
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "capacity_people": capacity.astype(np.int64),
            "floor_area_m2": np.round(area, 0),
            "backup_power_kw": np.round(backup_kw, 0),
            "backup_fuel_h": np.round(fuel_h, 1),
            "heat_supply": supply.astype(object),
            "heat_node_id": "",
            "bus": 0,
            "p_mw": np.round(p_mw, 4),
            "critical": np.isin(kind, ["metro_station", "hospital", "water_pumping"]),
            "x": f["x"].to_numpy(),
            "y": f["y"].to_numpy(),
            # design heat demand of district-heated facilities [MW_th]
            "heat_mw_th": np.where(
                supply == "district",
                FACILITY_HEAT_LOSS_W_M2K * area * (INDOOR_C - DESIGN_OUTDOOR_C) / 1e6,
                0.0,
            ),
        }
    )


def _checked_n(n_buildings: int) -> int:
    """``n_buildings`` as an int; :class:`CityError` when it is not an integer >= 10."""
    if isinstance(n_buildings, bool) or not isinstance(n_buildings, (int, np.integer)):
        raise CityError(
            Problem("synth_city", "", "n_buildings", f"expected int, got {n_buildings!r}")
        )
    if n_buildings < 10:
        raise CityError(
            Problem("synth_city", "", "n_buildings", f"expected >= 10, got {n_buildings}")
        )
    return int(n_buildings)


@dataclass(frozen=True)
class _ChpPlants:
    """The two CHP plants: electric and heat capacity [MW], positions [m], auxiliaries [MW]."""

    mw_e: np.ndarray
    mw_th: np.ndarray
    xy: np.ndarray
    aux_p_mw: np.ndarray


def _chp_plants(peak_mw: float, radius_m: float) -> _ChpPlants:
    """CHP plants at the edge (Kyiv CHP-5 and CHP-6 lie at the city's outskirts), sized for
    :data:`CHP_SHARE_OF_PEAK` of the peak electric demand ``peak_mw``."""
    chp_mw_e = np.round(CHP_SHARE_OF_PEAK * peak_mw * np.asarray(CHP_SPLIT), 1)
    chp_mw_th = np.round(CHP_HEAT_TO_POWER * chp_mw_e, 1)
    ang = np.radians([-35.0, 60.0])
    chp_xy = np.stack([0.75 * radius_m * np.cos(ang), 0.8 * radius_m * np.sin(ang)], axis=1)
    return _ChpPlants(chp_mw_e, chp_mw_th, chp_xy, np.round(CHP_AUX_SHARE * chp_mw_th, 3))


def _district_consumers(
    b: pd.DataFrame, f: pd.DataFrame
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """District-heated buildings, then facilities.

    Parameters
    ----------
    b, f : pandas.DataFrame
        Buildings and facilities with local ``x``/``y`` [m] (and ``heat_mw_th`` for facilities).

    Returns
    -------
    ids : list of str
    xy : numpy.ndarray, shape (m, 2)
        Positions [m].
    demand_mw_th : numpy.ndarray, shape (m,)
        Design heat demand [MW_th].
    """
    district_b = np.flatnonzero(b["heat_supply"].to_numpy() == "district")
    district_f = np.flatnonzero(f["heat_supply"].to_numpy() == "district")
    cons_ids = list(b["building_id"].to_numpy()[district_b]) + list(
        f["facility_id"].to_numpy()[district_f]
    )
    cons_xy = np.vstack(
        [b[["x", "y"]].to_numpy()[district_b], f[["x", "y"]].to_numpy()[district_f]]
    )
    cons_q = np.concatenate(
        [b["heat_demand_mw_th"].to_numpy()[district_b], f["heat_mw_th"].to_numpy()[district_f]]
    )
    return cons_ids, cons_xy, cons_q


def _boiler_house_aux_mw(capacity_mw_th: np.ndarray) -> np.ndarray:
    """Electric auxiliaries of boiler houses [MW]: 0.3 MW at 15 MW_th up to 0.8 MW at 60."""
    return np.round(np.clip(0.3 + 0.5 * (capacity_mw_th - 15.0) / 45.0, 0.3, 0.8), 3)


@dataclass(frozen=True)
class _DistrictHeat:
    """The heat network and its sources (the two CHP plants first, then the boiler houses)."""

    heat: HeatBuild
    src_ids: list[str]
    src_xy: np.ndarray
    src_cap: np.ndarray
    bh_xy: np.ndarray
    bh_aux_p_mw: np.ndarray
    node_of: dict[str, str]
    """Heat node of each consumer id."""


def _district_heat(
    n: int, b: pd.DataFrame, f: pd.DataFrame, chp: _ChpPlants, rng: np.random.Generator
) -> _DistrictHeat:
    """Boiler houses (``ceil(n/300) + 2``) and the heat networks of all sources."""
    cons_ids, cons_xy, cons_q = _district_consumers(b, f)
    n_bh = int(np.ceil(n / 300)) + 2
    bh_xy, bh_cap = place_boiler_houses(cons_xy, cons_q, chp.xy, chp.mw_th, n_bh, HEAT_MARGIN, rng)
    src_ids = ["chp_1", "chp_2"] + [f"bh_{k + 1}" for k in range(n_bh)]
    src_xy = np.vstack([chp.xy, bh_xy])
    src_cap = np.concatenate([chp.mw_th, bh_cap])
    boosters = int(np.clip(round(n / 1000), 1, 3))
    heat = build_heat(cons_ids, cons_xy, cons_q, src_ids, src_xy, src_cap, [0, 1], boosters)
    node_of = dict(zip(cons_ids, (heat.node_id[k] for k in heat.consumer_node), strict=True))
    return _DistrictHeat(
        heat, src_ids, src_xy, src_cap, bh_xy, _boiler_house_aux_mw(bh_cap), node_of
    )


@dataclass(frozen=True)
class _StationLoads:
    """Electric loads at the stations' 0.4 kV buses: buildings, facilities, pumps, boiler houses.

    ``station``, ``p_mw``, ``sizing_p_mw`` and ``name`` are per load; ``*_station`` give the
    station of each facility, booster pump and boiler house.
    """

    station: np.ndarray
    p_mw: np.ndarray
    sizing_p_mw: np.ndarray
    name: list[str]
    facility_station: np.ndarray
    pump_station: np.ndarray
    bh_station: np.ndarray
    pump_ids: list[str]
    pump_xy: np.ndarray


def _station_loads(
    layout: GridLayout, b: pd.DataFrame, f: pd.DataFrame, dh: _DistrictHeat
) -> _StationLoads:
    """Every load on its nearest station; stations of electrically heated blocks are built for
    their heating load too."""
    heat = dh.heat
    pump_xy = heat.node_xy[heat.pipe_from[heat.pump_pipe]]
    pump_ids = [f"ps_{k + 1}" for k in range(len(heat.pump_pipe))]
    f_station = nearest_station(layout, f[["x", "y"]].to_numpy())
    pump_station = nearest_station(layout, pump_xy)
    bh_station = nearest_station(layout, dh.bh_xy)
    load_station = np.concatenate([layout.station_of_building, f_station, pump_station, bh_station])
    load_p = np.concatenate([b["p_mw"], f["p_mw"], heat.pump_p_mw, dh.bh_aux_p_mw])
    heating_mw = np.where(b["heat_supply"] == "electric", b["heat_demand_mw_th"], 0.0)
    sizing_p = load_p + np.concatenate([heating_mw, np.zeros(len(load_p) - len(b))])
    load_name = list(b["building_id"]) + list(f["facility_id"]) + pump_ids + dh.src_ids[2:]
    return _StationLoads(
        station=load_station,
        p_mw=load_p,
        sizing_p_mw=sizing_p,
        name=load_name,
        facility_station=f_station,
        pump_station=pump_station,
        bh_station=bh_station,
        pump_ids=pump_ids,
        pump_xy=pump_xy,
    )


def _city_tables(
    b: pd.DataFrame,
    f: pd.DataFrame,
    dh: _DistrictHeat,
    loads: _StationLoads,
    chp: _ChpPlants,
    layout: GridLayout,
    grid: GridBuild,
    rng: np.random.Generator,
) -> dict[str, pd.DataFrame]:
    """Finish the buildings and facilities (buses, queues, heat nodes) and make every table."""
    lv = grid.station_lv_bus
    b["bus"] = lv[layout.station_of_building]
    b["outage_queue"] = layout.feeder_queue[layout.feeder_of_station[layout.station_of_building]]
    b["heat_node_id"] = [dh.node_of.get(i, "") for i in b["building_id"]]
    f["bus"] = lv[loads.facility_station]
    f["heat_node_id"] = [dh.node_of.get(i, "") for i in f["facility_id"]]
    tables = {
        "buildings": b.drop(columns=["x", "y"]),
        "facilities": f.drop(columns=["x", "y", "heat_mw_th"]),
    }
    n_bh = len(dh.bh_xy)
    tables.update(
        _heat_tables(
            dh.heat,
            dh.src_ids,
            dh.src_xy,
            dh.src_cap,
            np.concatenate([grid.chp_gen, np.full(n_bh, -1, dtype=np.int64)]),
            np.concatenate([grid.chp_aux_bus, lv[loads.bh_station]]),
            np.concatenate([chp.aux_p_mw, dh.bh_aux_p_mw]),
        )
    )
    tables["pumping_stations"] = _pump_table(
        dh.heat, loads.pump_ids, loads.pump_xy, lv[loads.pump_station]
    )
    tables["heat_valves"] = heat_valve_table(dh.heat, xy_m_to_lonlat)
    tables["assets"] = _assets(tables, dh.heat, layout, grid, rng)
    return tables


def synth_city(n_buildings: int = 2000, seed: int = 0, name: str | None = None) -> City:
    """Build a deterministic synthetic city.

    Parameters
    ----------
    n_buildings : int
        Number of residential buildings (>= 10). 2,000 give ~250,000 residents in a disc of
        ~5 km radius; everything scales linearly (the radius with the square root).
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives identical tables and net.
    name : str, optional
        Name of the city (default ``"Synthetic city, <n> buildings, seed <seed>"``).

    Returns
    -------
    City
        Buildings, facilities, heat network and sources, pumping stations, assets, and a
        pandapower net that solves with ``pandapower.runpp`` in the intact state.

    Raises
    ------
    CityError
        When ``n_buildings`` is not an integer >= 10.

    Notes
    -----
    Grid: a 110 kV national node (``ext_grid``) feeding a 110 kV ring of ``ceil(n/300)`` HV/MV
    substations (two 110/10 kV transformers each), two CHP plants (``gen`` named ``chp_1`` and
    ``chp_2``, together 65 % of the peak), 10 kV feeders of 5-8 MV/LV stations, 3-6 blocks per
    station. Outage queues 1.1-6.2 are assigned per feeder, balancing load. Heat: the CHP plants
    (2.5 MW_th per MW_e) and ``ceil(n/300) + 2`` boiler houses, 20 % above the district demand at
    -22 C; one tree network per source, booster pumps on the CHP networks, one link pipe between
    the two largest networks. Asset ``hv_substation`` refers to the substation's 10 kV bus:
    removing it cuts every feeder of the substation while the 110 kV ring passes through intact.
    """
    n = _checked_n(n_buildings)
    rng = np.random.default_rng(seed)
    radius = RADIUS_M_PER_SQRT_BUILDING * np.sqrt(n)
    b = _buildings(n, radius, rng)
    f = _facilities(n, radius, b, rng)
    weight = np.where(b["archetype"].to_numpy() == "house_private", 0.1, 1.0)
    layout = layout_grid(b[["x", "y"]].to_numpy(), b["p_mw"].to_numpy(), weight, rng)
    chp = _chp_plants(float(b["p_mw"].sum() + f["p_mw"].sum()), radius)
    dh = _district_heat(n, b, f, chp, rng)
    loads = _station_loads(layout, b, f, dh)
    grid = build_net(
        layout,
        loads.station,
        loads.p_mw,
        loads.name,
        chp.xy,
        chp.mw_e,
        chp.aux_p_mw,
        dh.src_ids[:2],
        np.array([-(radius + 4000.0), 0.0]),  # the national-grid node, west of the city
        xy_m_to_lonlat,
        n,
        sizing_p_mw=loads.sizing_p_mw,
    )
    tables = assign_backup(_city_tables(b, f, dh, loads, chp, layout, grid, rng), seed)
    for t in tables.values():
        t.reset_index(drop=True, inplace=True)
    name = name if name is not None else f"Synthetic city, {n} buildings, seed {seed}"
    return _with_pump_heads(City(name=name, net=grid.net, tables=tables))


def _with_pump_heads(city: City) -> City:
    """The city with every source's pump head sized so that the intact network passes every
    consumer's design flow with the differential pressure it needs
    (:func:`coldstart.heat.pressure.design_heads_bar`)."""
    model = HeatModel.from_city(city)
    params = city_hydraulic_params(city, model)
    sources = city.heat_sources.copy()
    pos = model.source_ids.get_indexer(sources["source_id"])
    sources["pump_head_bar"] = np.asarray(params.source_plift_bar, float)[pos]
    return City(name=city.name, net=city.net, tables={**city.tables, "heat_sources": sources})


def _heat_tables(
    heat: HeatBuild,
    src_ids: list[str],
    src_xy: np.ndarray,
    src_cap: np.ndarray,
    gen_id: np.ndarray,
    aux_bus: np.ndarray,
    aux_p_mw: np.ndarray,
) -> dict[str, pd.DataFrame]:
    """Heat nodes, pipes and sources as schema tables."""
    lon, lat = xy_m_to_lonlat(heat.node_xy[:, 0], heat.node_xy[:, 1])
    nodes = pd.DataFrame(
        {"node_id": heat.node_id, "lon": np.round(lon, 7), "lat": np.round(lat, 7)}
    )
    ids = np.asarray(heat.node_id, dtype=object)
    pipes = pd.DataFrame(
        {
            "pipe_id": [f"p_{k + 1:06d}" for k in range(len(heat.pipe_from))],
            "from_node": ids[heat.pipe_from],
            "to_node": ids[heat.pipe_to],
            "length_m": heat.pipe_length_m,
            "dn_mm": heat.pipe_dn_mm,
            "roughness_mm": PIPE_ROUGHNESS_MM,
        }
    )
    n_bh = len(src_ids) - 2
    slon, slat = xy_m_to_lonlat(src_xy[:, 0], src_xy[:, 1])
    backup = np.zeros(len(src_ids))
    fuel = np.zeros(len(src_ids))
    # a couple of boiler houses with their own generators (the first and the middle one)
    for k in sorted({2, 2 + n_bh // 2}):
        backup[k] = np.ceil(1200.0 * aux_p_mw[k])
        fuel[k] = 24.0 + 48.0 * (k % 2)
    sources = pd.DataFrame(
        {
            "source_id": src_ids,
            "kind": ["chp", "chp"] + ["boiler_house"] * n_bh,
            "lon": np.round(slon, 7),
            "lat": np.round(slat, 7),
            "capacity_mw_th": src_cap,
            "node_id": ids[heat.source_node],
            "gen_id": gen_id,
            "aux_bus": aux_bus,
            "aux_p_mw": aux_p_mw,
            "backup_power_kw": backup,
            "backup_fuel_h": fuel,
        }
    )
    return {"heat_nodes": nodes, "heat_pipes": pipes, "heat_sources": sources}


def _pump_table(
    heat: HeatBuild, pump_ids: list[str], pump_xy: np.ndarray, bus: np.ndarray
) -> pd.DataFrame:
    """Booster pumping stations as a schema table (no backup generators)."""
    lon, lat = xy_m_to_lonlat(pump_xy[:, 0], pump_xy[:, 1])
    return pd.DataFrame(
        {
            "pump_id": pump_ids,
            "pipe_id": [f"p_{k + 1:06d}" for k in heat.pump_pipe],
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "bus": np.asarray(bus, dtype=np.int64),
            "p_mw": heat.pump_p_mw,
            "backup_power_kw": 0.0,
            "backup_fuel_h": 0.0,
            "head_bar": BOOSTER_HEAD_BAR,
        }
    )


def _assets(
    tables: dict[str, pd.DataFrame],
    heat: HeatBuild,
    layout: GridLayout,
    grid: GridBuild,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Everything that can be struck: plants, substations, stations, 110 kV lines, mains, pumps."""
    rows: list[tuple] = []
    src = tables["heat_sources"]
    for sid, kind, lon, lat in zip(
        src["source_id"], src["kind"], src["lon"], src["lat"], strict=True
    ):
        k = "chp_plant" if kind == "chp" else "boiler_house"
        rows.append((f"a_{sid}", k, "heat_sources", sid, lon, lat, "none", ""))
    slon, slat = xy_m_to_lonlat(layout.sub_xy[:, 0], layout.sub_xy[:, 1])
    prot = np.where(rng.uniform(0, 1, len(slon)) < 0.3, "sandbags", "none")
    for k, bus in enumerate(grid.sub_mv_bus):
        rows.append(
            (
                f"a_sub_{k + 1}",
                "hv_substation",
                "grid.bus",
                str(int(bus)),
                slon[k],
                slat[k],
                str(prot[k]),
                "hv_transformer",
            )
        )
    tlon, tlat = xy_m_to_lonlat(layout.station_xy[:, 0], layout.station_xy[:, 1])
    for k, t in enumerate(grid.station_trafo):
        rows.append(
            (
                f"a_ts_{k + 1}",
                "transformer_station",
                "grid.trafo",
                str(int(t)),
                tlon[k],
                tlat[k],
                "none",
                "mv_transformer",
            )
        )
    llon, llat = xy_m_to_lonlat(grid.hv_line_mid_xy[:, 0], grid.hv_line_mid_xy[:, 1])
    for k, li in enumerate(grid.hv_lines):
        rows.append(
            (
                f"a_line_{int(li)}",
                "power_line",
                "grid.line",
                str(int(li)),
                llon[k],
                llat[k],
                "none",
                "",
            )
        )
    pipes = tables["heat_pipes"]
    mid = (heat.node_xy[heat.pipe_from] + heat.node_xy[heat.pipe_to]) / 2.0
    plon, plat = xy_m_to_lonlat(mid[:, 0], mid[:, 1])
    for k in np.flatnonzero(pipes["dn_mm"].to_numpy() >= 400):
        pid = pipes["pipe_id"].iat[k]
        rows.append((f"a_{pid}", "heat_main", "heat_pipes", pid, plon[k], plat[k], "none", ""))
    ps = tables["pumping_stations"]
    for pid, lon, lat in zip(ps["pump_id"], ps["lon"], ps["lat"], strict=True):
        rows.append((f"a_{pid}", "pumping_station", "pumping_stations", pid, lon, lat, "none", ""))
    a = pd.DataFrame(
        rows,
        columns=[
            "asset_id",
            "kind",
            "ref_table",
            "ref_id",
            "lon",
            "lat",
            "protection_level",
            "spare_class",
        ],
    )
    a["lon"] = np.round(a["lon"].astype(float), 7)
    a["lat"] = np.round(a["lat"].astype(float), 7)
    return a
