"""Power grid of the synthetic city: MV/LV stations, 10 kV feeders, HV/MV substations, 110 kV ring.

Everything here works in local metric coordinates (``x`` east, ``y`` north, metres from the city
centre); :mod:`coldstart.city.synth` converts to longitude/latitude through the ``to_lonlat``
callable it passes in. All choices are deterministic given the generator passed in.

Sources of the figures used below:

- Two-transformer HV/MV substations, each transformer rated at least peak/1.4, so that one carries
  the whole load at 40 % overload when the other fails: Soviet design practice (RD 34.20.185-94,
  GOST 14209-97 allows 40 % emergency overload for up to 5 days).
- TDN/TRDN 110/10 kV transformer data (``uk``, ``Pk``, ``P0``, ``I0``): GOST 12965-85 catalogue
  values; 115/11 kV ratio so that the 10 kV busbar sits near 10.5 kV.
- TM/TMG 10/0.4 kV transformer data: GOST 11920-85 / 16555-75 catalogue values.
- One MV/LV station per ~3-6 apartment blocks and 5-8 stations per 10 kV feeder: typical layout of
  Kyiv residential districts (a 2x630 kVA station per microdistrict quarter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandapower as pp
from scipy.spatial import cKDTree

from coldstart.grid.balance import QUEUES

ToLonLat = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

POWER_FACTOR = 0.95
"""Power factor of every load (residential winter evening, with some motors and electronics)."""

BUILDINGS_PER_SUBSTATION = 300
"""Buildings per HV/MV substation: ~20 MW at 110/10 kV, typical of a 2x25 MVA urban substation."""

STATIONS_PER_FEEDER = 6.5
"""MV/LV stations per 10 kV feeder (5-8)."""

STATION_MAX_SPAN_M = 400.0
"""A station's buildings lie within this distance of the first one (0.4 kV cables stay short)."""

STATION_MAX_LOAD_MW = 0.8
"""A station stops taking buildings at this load (a 2x630 kVA station at 80 % loading)."""

MVLV_RATINGS_MVA = (0.25, 0.4, 0.63, 1.0, 1.6, 2.5)
"""Standard TM/TMG 10/0.4 kV ratings."""

MVLV_PARAMS = {
    # sn_mva: (vk_percent, vkr_percent, pfe_kw, i0_percent), GOST 11920-85 / TMG catalogue
    0.25: (4.5, 1.48, 0.55, 1.5),
    0.4: (4.5, 1.38, 0.83, 1.3),
    0.63: (5.5, 1.21, 1.05, 1.1),
    1.0: (5.5, 1.08, 1.4, 1.0),
    1.6: (6.0, 1.03, 2.1, 0.8),
    2.5: (6.0, 0.96, 2.7, 0.7),
}

MVLV_MAX_LOADING = 0.8
"""MV/LV transformers are chosen so that the winter evening peak is at most 80 % of rating."""

HVMV_RATINGS_MVA = (16.0, 25.0, 40.0, 63.0)
"""Standard TDN/TRDN 110/10 kV ratings."""

HVMV_PARAMS = {
    # sn_mva: (vk_percent, vkr_percent, pfe_kw, i0_percent), GOST 12965-85
    16.0: (10.5, 0.53, 19.0, 0.70),
    25.0: (10.5, 0.48, 27.0, 0.70),
    40.0: (10.5, 0.43, 36.0, 0.65),
    63.0: (10.5, 0.41, 59.0, 0.60),
}

HVMV_EMERGENCY_OVERLOAD = 1.4
"""One of two transformers carries the substation's peak at 140 % (GOST 14209-97)."""

HV_LINE_TYPE = "243-AL1/39-ST1A 110.0"
"""110 kV overhead line (AC-240/39 class, ~120 MVA thermal rating)."""

MV_CABLE_TYPE = "NA2XS2Y 1x240 RM/25 12/20 kV"
"""10 kV cable (240 mm2 aluminium, ~7 MVA at 10 kV)."""

ROUTE_FACTOR = 1.2
"""Route length over straight-line distance for lines and pipes (streets are not straight)."""

HV_LINE_MAX_MW = 100.0
"""Planning limit of one 110 kV circuit [MW] (~80 % of the AC-240 thermal rating at pf 0.95)."""

HV_LINK_IMBALANCE = 1.5
"""Safety factor on the even share of a link's flow (links nearer the source carry more)."""

BUILDINGS_PER_NATIONAL_LINK = 2500
"""One 110 kV link from the national grid per ~2,500 blocks (~300 MW), at least two."""


def hilbert_order(xy: np.ndarray, bits: int = 16) -> np.ndarray:
    """Return the indices that sort points along a Hilbert curve over their bounding box.

    Consecutive points along the curve are close in space, so chunks of the sorted order make
    compact groups of equal size (stations, substations, heat quarters).

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Points [m].
    bits : int
        Resolution of the curve (``2**bits`` cells per side).

    Returns
    -------
    numpy.ndarray of int, shape (n,)
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lo = xy.min(axis=0)
    span = max(float((xy.max(axis=0) - lo).max()), 1e-9)
    side = 2**bits
    g = np.minimum(np.round((xy - lo) / span * (side - 1)).astype(np.int64), side - 1)
    x, y = g[:, 0].copy(), g[:, 1].copy()
    d = np.zeros(n, dtype=np.int64)
    s = side // 2
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s //= 2
    return np.argsort(d, kind="stable")


@dataclass(frozen=True)
class GridLayout:
    """Where the grid's elements are and who feeds whom (no pandapower yet).

    Attributes
    ----------
    station_xy : numpy.ndarray, shape (m, 2)
        MV/LV station positions [m].
    station_of_building : numpy.ndarray of int, shape (n,)
    sub_xy : numpy.ndarray, shape (s, 2)
        HV/MV substation positions [m].
    sub_of_station, feeder_of_station : numpy.ndarray of int, shape (m,)
    station_parent : numpy.ndarray of int, shape (m,)
        Upstream station along the feeder chain, -1 when fed directly from the substation.
    feeder_sub : numpy.ndarray of int, shape (f,)
    feeder_queue : numpy.ndarray of str, shape (f,)
        Rotating-outage queue of each feeder.
    """

    station_xy: np.ndarray
    station_of_building: np.ndarray
    sub_xy: np.ndarray
    sub_of_station: np.ndarray
    feeder_of_station: np.ndarray
    station_parent: np.ndarray
    feeder_sub: np.ndarray
    feeder_queue: np.ndarray


def _group_buildings(
    xy: np.ndarray, p_mw: np.ndarray, weight: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Group buildings along a Hilbert curve into stations of 3-6 blocks (houses count 0.1)."""
    n = len(xy)
    order = hilbert_order(xy)
    targets = rng.integers(3, 7, size=n)
    station_of = np.empty(n, dtype=np.int64)
    # Python lists and scalars: the same float operations as on numpy scalars, 4x faster
    x, y = xy[:, 0].tolist(), xy[:, 1].tolist()
    p, wt, tg = p_mw.tolist(), weight.tolist(), targets.tolist()
    hypot = np.hypot
    k, count, load, first = 0, 0.0, 0.0, int(order[0])
    for i in order.tolist():
        far = hypot(x[i] - x[first], y[i] - y[first]) > STATION_MAX_SPAN_M
        if count > 0 and (count >= tg[k] or load + p[i] > STATION_MAX_LOAD_MW or far):
            k, count, load, first = k + 1, 0.0, 0.0, i
        station_of[i] = k
        count += wt[i]
        load += p[i]
    return station_of


def _chain(start: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Order points as a greedy nearest-neighbour chain starting next to ``start``."""
    left = list(range(len(pts)))
    order = []
    cur = start
    while left:
        d = np.hypot(*(pts[left] - cur).T)
        j = left.pop(int(np.argmin(d)))
        order.append(j)
        cur = pts[j]
    return np.asarray(order, dtype=np.int64)


def layout_grid(
    building_xy: np.ndarray,
    building_p_mw: np.ndarray,
    building_weight: np.ndarray,
    rng: np.random.Generator,
) -> GridLayout:
    """Group buildings into MV/LV stations, stations into feeders and substations.

    Parameters
    ----------
    building_xy : numpy.ndarray, shape (n, 2)
        Building positions [m].
    building_p_mw : numpy.ndarray, shape (n,)
        Winter evening electric demand [MW].
    building_weight : numpy.ndarray, shape (n,)
        How much a building counts toward the 3-6 blocks of a station (1 for a block, 0.1 for a
        private house: one 250 kVA station feeds dozens of houses).
    rng : numpy.random.Generator

    Returns
    -------
    GridLayout
    """
    n = len(building_xy)
    station_of = _group_buildings(building_xy, building_p_mw, building_weight, rng)
    m = int(station_of.max()) + 1
    cnt = np.bincount(station_of, minlength=m)
    station_xy = np.stack(
        [np.bincount(station_of, building_xy[:, c], minlength=m) / cnt for c in (0, 1)], axis=1
    )
    station_p = np.bincount(station_of, building_p_mw, minlength=m)
    # substations: equal-load chunks of stations along a Hilbert curve
    s = min(max(1, int(np.ceil(n / BUILDINGS_PER_SUBSTATION))), m)
    order = hilbert_order(station_xy)
    cum = np.cumsum(station_p[order])
    chunk = np.minimum((cum - station_p[order] / 2) / cum[-1] * s, s - 1).astype(np.int64)
    sub_of_station = np.empty(m, dtype=np.int64)
    sub_of_station[order] = chunk
    w = np.bincount(sub_of_station, station_p, minlength=s)
    sub_xy = np.stack(
        [
            np.bincount(sub_of_station, station_p * station_xy[:, c], minlength=s) / w
            for c in (0, 1)
        ],
        axis=1,
    )
    # feeders: angular sectors around each substation, chained by nearest neighbour
    feeder_of_station = np.empty(m, dtype=np.int64)
    station_parent = np.full(m, -1, dtype=np.int64)
    feeder_sub: list[int] = []
    for k in range(s):
        members = np.flatnonzero(sub_of_station == k)
        rel = station_xy[members] - sub_xy[k]
        members = members[np.argsort(np.arctan2(rel[:, 1], rel[:, 0]), kind="stable")]
        n_f = max(1, int(round(len(members) / STATIONS_PER_FEEDER)))
        for part in np.array_split(members, n_f):
            if len(part) == 0:
                continue
            f = len(feeder_sub)
            feeder_sub.append(k)
            chain = part[_chain(sub_xy[k], station_xy[part])]
            feeder_of_station[chain] = f
            station_parent[chain[1:]] = chain[:-1]
    n_feeders = len(feeder_sub)
    # queues: longest-processing-time balancing of feeder load over the 12 queues
    feeder_p = np.bincount(feeder_of_station, station_p, minlength=n_feeders)
    queue_load = np.zeros(len(QUEUES))
    feeder_queue = np.empty(n_feeders, dtype=object)
    for f in np.argsort(-feeder_p, kind="stable"):
        q = int(np.argmin(queue_load))
        feeder_queue[f] = QUEUES[q]
        queue_load[q] += feeder_p[f]
    return GridLayout(
        station_xy=station_xy,
        station_of_building=station_of,
        sub_xy=sub_xy,
        sub_of_station=sub_of_station,
        feeder_of_station=feeder_of_station,
        station_parent=station_parent,
        feeder_sub=np.asarray(feeder_sub, dtype=np.int64),
        feeder_queue=feeder_queue,
    )


@dataclass(frozen=True)
class GridBuild:
    """The pandapower net and where the synthetic elements landed in it.

    Attributes
    ----------
    net : pandapower.pandapowerNet
    station_lv_bus, station_mv_bus, station_trafo : numpy.ndarray of int, shape (m,)
    sub_hv_bus, sub_mv_bus : numpy.ndarray of int, shape (s,)
    chp_bus, chp_aux_bus, chp_gen : numpy.ndarray of int, shape (2,)
    hv_lines : numpy.ndarray of int
        Indices of the 110 kV lines.
    hv_line_mid_xy : numpy.ndarray, shape (len(hv_lines), 2)
        Midpoints of the 110 kV lines [m].
    """

    net: pp.pandapowerNet
    station_lv_bus: np.ndarray
    station_mv_bus: np.ndarray
    station_trafo: np.ndarray
    sub_hv_bus: np.ndarray
    sub_mv_bus: np.ndarray
    chp_bus: np.ndarray
    chp_aux_bus: np.ndarray
    chp_gen: np.ndarray
    hv_lines: np.ndarray
    hv_line_mid_xy: np.ndarray


def _length_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum(ROUTE_FACTOR * np.hypot(*(a - b).T) / 1000.0, 0.01)


def _circuits(p_mw: float) -> int:
    """Parallel 110 kV circuits needed to carry ``p_mw`` at most :data:`HV_LINE_MAX_MW` each."""
    return max(1, int(np.ceil(p_mw / HV_LINE_MAX_MW)))


def _mvlv_size(s_mva: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rating [MVA] and number of parallel units of each MV/LV station."""
    need = s_mva / MVLV_MAX_LOADING
    biggest = MVLV_RATINGS_MVA[-1]
    parallel = np.maximum(1, np.ceil(need / biggest)).astype(np.int64)
    ratings = np.asarray(MVLV_RATINGS_MVA)
    idx = np.searchsorted(ratings, need / parallel - 1e-9)
    return ratings[np.minimum(idx, len(ratings) - 1)], parallel


@dataclass(frozen=True)
class _Buses:
    """Bus indices of the synthetic grid's elements, in ``net.bus``."""

    national: int
    sub_hv: np.ndarray
    sub_mv: np.ndarray
    chp: np.ndarray
    chp_aux: np.ndarray
    station_mv: np.ndarray
    station_lv: np.ndarray
    station_names: list[str]


_HvRoute = tuple[int, int, str, np.ndarray, np.ndarray, int]
"""One 110 kV connection: from bus, to bus, name, from position, to position, circuits."""


def _geo(xy: np.ndarray, to_lonlat: ToLonLat) -> list[tuple[float, float]]:
    """``(lon, lat)`` of each point, as pandapower geodata."""
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    lon_l, lat_l = np.asarray(lon, dtype=float).tolist(), np.asarray(lat, dtype=float).tolist()
    return list(zip(lon_l, lat_l, strict=True))


def _line_geo(a: np.ndarray, b: np.ndarray, to_lonlat: ToLonLat) -> list[list[tuple[float, float]]]:
    """Straight two-point geodata of lines from ``a`` to ``b``."""
    ga, gb = _geo(a, to_lonlat), _geo(b, to_lonlat)
    return [[p, q] for p, q in zip(ga, gb, strict=True)]


def _create_buses(
    net: pp.pandapowerNet,
    layout: GridLayout,
    chp_xy: np.ndarray,
    chp_names: list[str],
    national_xy: np.ndarray,
    to_lonlat: ToLonLat,
) -> _Buses:
    """Create every bus and the national ``ext_grid``; return where they landed."""
    m = len(layout.station_xy)
    s = len(layout.sub_xy)

    def geo(xy: np.ndarray) -> list[tuple[float, float]]:
        return _geo(xy, to_lonlat)

    national = int(pp.create_bus(net, 110.0, name="national", geodata=geo(national_xy[None, :])[0]))
    sub_hv = pp.create_buses(
        net, s, 110.0, name=[f"sub_{k + 1}_110kV" for k in range(s)], geodata=geo(layout.sub_xy)
    )
    sub_mv = pp.create_buses(
        net, s, 10.0, name=[f"sub_{k + 1}_10kV" for k in range(s)], geodata=geo(layout.sub_xy)
    )
    chp_bus = pp.create_buses(
        net, len(chp_xy), 110.0, name=[f"{c}_110kV" for c in chp_names], geodata=geo(chp_xy)
    )
    chp_aux = pp.create_buses(
        net, len(chp_xy), 10.0, name=[f"{c}_aux_10kV" for c in chp_names], geodata=geo(chp_xy)
    )
    st_names = [f"ts_{k + 1}" for k in range(m)]
    st_mv = pp.create_buses(
        net, m, 10.0, name=[f"{t}_10kV" for t in st_names], geodata=geo(layout.station_xy)
    )
    st_lv = pp.create_buses(
        net, m, 0.4, name=[f"{t}_0.4kV" for t in st_names], geodata=geo(layout.station_xy)
    )
    pp.create_ext_grid(net, national, vm_pu=1.0, name="national", s_sc_max_mva=10000.0)
    return _Buses(national, sub_hv, sub_mv, chp_bus, chp_aux, st_mv, st_lv, st_names)


def _ring_routes(layout: GridLayout, buses: _Buses, ring: np.ndarray) -> list[_HvRoute]:
    """110 kV ring through the substations in ``ring`` order (one line for two substations)."""
    s = len(layout.sub_xy)
    if s < 2:
        return []
    pairs = [(ring[i], ring[(i + 1) % s]) for i in range(s if s >= 3 else 1)]
    return [
        (
            int(buses.sub_hv[i]),
            int(buses.sub_hv[j]),
            f"ring_sub_{i + 1}_sub_{j + 1}",
            layout.sub_xy[i],
            layout.sub_xy[j],
            1,
        )
        for i, j in pairs
    ]


def _national_routes(
    layout: GridLayout,
    buses: _Buses,
    ring: np.ndarray,
    national_xy: np.ndarray,
    n_buildings: int,
    import_mw: float,
) -> list[_HvRoute]:
    """National links at evenly spaced ring positions, starting from the nearest substation."""
    s = len(layout.sub_xy)
    n_links = max(2, int(np.ceil(n_buildings / BUILDINGS_PER_NATIONAL_LINK)))
    circuits = _circuits(HV_LINK_IMBALANCE * import_mw / n_links)
    pos0 = int(np.argmin(np.hypot(*(layout.sub_xy[ring] - national_xy).T)))
    routes: list[_HvRoute] = []
    for j in range(n_links):
        k = int(ring[(pos0 + int(round(j * s / n_links))) % s])
        routes.append(
            (
                buses.national,
                int(buses.sub_hv[k]),
                f"national_sub_{k + 1}_{j + 1}",
                national_xy,
                layout.sub_xy[k],
                circuits,
            )
        )
    return routes


def _chp_routes(
    layout: GridLayout,
    buses: _Buses,
    chp_xy: np.ndarray,
    chp_cap_mw: np.ndarray,
    chp_names: list[str],
) -> list[_HvRoute]:
    """Each CHP plant to its two nearest substations (twice to one when there is only one)."""
    routes: list[_HvRoute] = []
    for c, name in enumerate(chp_names):
        circuits = _circuits(HV_LINK_IMBALANCE * float(chp_cap_mw[c]) / 2.0)
        near = np.argsort(np.hypot(*(layout.sub_xy - chp_xy[c]).T), kind="stable")[:2]
        if len(near) == 1:
            near = np.array([near[0], near[0]])
        for j, k in enumerate(near):
            routes.append(
                (
                    int(buses.chp[c]),
                    int(buses.sub_hv[k]),
                    f"{name}_sub_{k + 1}_{j + 1}",
                    chp_xy[c],
                    layout.sub_xy[k],
                    circuits,
                )
            )
    return routes


def _create_hv_lines(
    net: pp.pandapowerNet, routes: list[_HvRoute], to_lonlat: ToLonLat
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Create the 110 kV lines; return their indices and end positions ``a``, ``b`` [m]."""
    hv_from = [r[0] for r in routes]
    hv_to = [r[1] for r in routes]
    hv_names = [r[2] for r in routes]
    a, b = np.asarray([r[3] for r in routes]), np.asarray([r[4] for r in routes])
    hv_lines = pp.create_lines(
        net,
        hv_from,
        hv_to,
        _length_km(a, b),
        HV_LINE_TYPE,
        name=hv_names,
        geodata=_line_geo(a, b, to_lonlat),
        parallel=[r[5] for r in routes],
    )
    return hv_lines, a, b


def _create_feeders(
    net: pp.pandapowerNet, layout: GridLayout, buses: _Buses, to_lonlat: ToLonLat
) -> None:
    """10 kV feeders: a chain of cables from the substation's 10 kV bus through its stations."""
    m = len(layout.station_xy)
    parent = layout.station_parent
    st_mv = buses.station_mv
    from_bus = np.where(
        parent >= 0, st_mv[np.maximum(parent, 0)], buses.sub_mv[layout.sub_of_station]
    )
    from_xy = np.where(
        (parent >= 0)[:, None],
        layout.station_xy[np.maximum(parent, 0)],
        layout.sub_xy[layout.sub_of_station],
    )
    names = buses.station_names
    pp.create_lines(
        net,
        from_bus,
        st_mv,
        _length_km(from_xy, layout.station_xy),
        MV_CABLE_TYPE,
        name=[f"feeder_{layout.feeder_of_station[k] + 1}_{names[k]}" for k in range(m)],
        geodata=_line_geo(from_xy, layout.station_xy, to_lonlat),
    )


def _create_station_trafos(
    net: pp.pandapowerNet, buses: _Buses, station_p: np.ndarray
) -> np.ndarray:
    """MV/LV transformers sized for each station's design load ``station_p`` [MW]."""
    rating, parallel = _mvlv_size(station_p / POWER_FACTOR)
    par = np.array([MVLV_PARAMS[float(r)] for r in rating])
    return pp.create_transformers_from_parameters(
        net,
        buses.station_mv,
        buses.station_lv,
        sn_mva=rating,
        vn_hv_kv=10.0,
        vn_lv_kv=0.4,
        vk_percent=par[:, 0],
        vkr_percent=par[:, 1],
        pfe_kw=par[:, 2],
        i0_percent=par[:, 3],
        parallel=parallel,
        tap_side="hv",
        tap_neutral=0,
        tap_min=-2,
        tap_max=2,
        tap_step_percent=2.5,
        tap_pos=0,
        tap_changer_type="Ratio",
        vector_group="Dyn11",
        name=buses.station_names,
    )


def _hvmv_units(
    stations: list[tuple[int, int, float, str]],
) -> tuple[list[int], list[int], list[float], list[str]]:
    """HV/MV transformers of each ``(hv bus, lv bus, peak MW, name)``: two (or more), each
    >= peak / 1.4 (a CHP's station-service ones, named ``*_aux``, each >= peak / 1.4)."""
    hvmv_hv: list[int] = []
    hvmv_lv: list[int] = []
    hvmv_sn: list[float] = []
    hvmv_name: list[str] = []
    for hb, lb, p, name in stations:
        s_peak = p / POWER_FACTOR
        units = 2
        while s_peak / (HVMV_EMERGENCY_OVERLOAD * (units - 1)) > HVMV_RATINGS_MVA[-1]:
            units += 1
        need = s_peak / (HVMV_EMERGENCY_OVERLOAD * (units - 1))
        if name.endswith("_aux"):  # a CHP's station-service transformers
            need = s_peak / HVMV_EMERGENCY_OVERLOAD
        sn = next((r for r in HVMV_RATINGS_MVA if r >= need), HVMV_RATINGS_MVA[-1])
        for u in range(units):
            hvmv_hv.append(hb)
            hvmv_lv.append(lb)
            hvmv_sn.append(sn)
            hvmv_name.append(f"{name}_T{u + 1}")
    return hvmv_hv, hvmv_lv, hvmv_sn, hvmv_name


def _create_hvmv_trafos(
    net: pp.pandapowerNet,
    layout: GridLayout,
    buses: _Buses,
    station_p: np.ndarray,
    chp_aux_p_mw: np.ndarray,
    chp_names: list[str],
) -> None:
    """110/10 kV transformers of the substations and of the CHP plants' station service."""
    s = len(layout.sub_xy)
    sub_p = np.bincount(layout.sub_of_station, station_p, minlength=s)
    aux = [
        (int(buses.chp[c]), int(buses.chp_aux[c]), float(chp_aux_p_mw[c]), f"{n}_aux")
        for c, n in enumerate(chp_names)
    ]
    subs = [
        (int(buses.sub_hv[k]), int(buses.sub_mv[k]), float(sub_p[k]), f"sub_{k + 1}")
        for k in range(s)
    ]
    hvmv_hv, hvmv_lv, hvmv_sn, hvmv_name = _hvmv_units(subs + aux)
    par = np.array([HVMV_PARAMS[sn] for sn in hvmv_sn])
    pp.create_transformers_from_parameters(
        net,
        hvmv_hv,
        hvmv_lv,
        sn_mva=hvmv_sn,
        vn_hv_kv=115.0,
        vn_lv_kv=11.0,
        vk_percent=par[:, 0],
        vkr_percent=par[:, 1],
        pfe_kw=par[:, 2],
        i0_percent=par[:, 3],
        tap_side="hv",
        tap_neutral=0,
        tap_min=-9,
        tap_max=9,
        tap_step_percent=1.78,
        tap_pos=0,
        tap_changer_type="Ratio",
        vector_group="YNd11",
        name=hvmv_name,
    )


def _create_loads(
    net: pp.pandapowerNet,
    buses: _Buses,
    load_station: np.ndarray,
    load_p_mw: np.ndarray,
    load_name: list[str],
    chp_aux_p_mw: np.ndarray,
    chp_names: list[str],
) -> None:
    """Every building, facility, pump and source at its station's 0.4 kV bus; CHP auxiliaries."""
    tan_phi = np.tan(np.arccos(POWER_FACTOR))
    pp.create_loads(
        net,
        buses.station_lv[load_station],
        load_p_mw,
        q_mvar=load_p_mw * tan_phi,
        name=load_name,
    )
    pp.create_loads(
        net,
        buses.chp_aux,
        chp_aux_p_mw,
        q_mvar=np.asarray(chp_aux_p_mw) * tan_phi,
        name=list(chp_names),
    )


def _create_chp_gens(
    net: pp.pandapowerNet, buses: _Buses, chp_cap_mw: np.ndarray, chp_names: list[str]
) -> list[int]:
    """One ``gen`` per CHP plant, running at 80 % of its capacity."""
    gens = []
    for c, name in enumerate(chp_names):
        cap = float(chp_cap_mw[c])
        gens.append(
            pp.create_gen(
                net,
                int(buses.chp[c]),
                p_mw=0.8 * cap,
                vm_pu=1.0,
                sn_mva=cap / 0.8,
                name=name,
                max_p_mw=cap,
                min_p_mw=0.0,
                max_q_mvar=0.6 * cap,
                min_q_mvar=-0.3 * cap,
                type="CHP",
            )
        )
    return gens


def build_net(
    layout: GridLayout,
    load_station: np.ndarray,
    load_p_mw: np.ndarray,
    load_name: list[str],
    chp_xy: np.ndarray,
    chp_cap_mw: np.ndarray,
    chp_aux_p_mw: np.ndarray,
    chp_names: list[str],
    national_xy: np.ndarray,
    to_lonlat: ToLonLat,
    n_buildings: int,
    sizing_p_mw: np.ndarray | None = None,
) -> GridBuild:
    """Build the pandapower net from a layout and the loads at each MV/LV station.

    Parameters
    ----------
    layout : GridLayout
    load_station : numpy.ndarray of int
        Station whose 0.4 kV bus feeds each load.
    load_p_mw : numpy.ndarray
        Active power of each load [MW]; reactive power follows from :data:`POWER_FACTOR`.
    load_name : list of str
        Name of each load (the id of the building, facility, pump or source).
    chp_xy : numpy.ndarray, shape (2, 2)
        CHP plant positions [m].
    chp_cap_mw : numpy.ndarray, shape (2,)
        Electric capacity of each CHP plant [MW_e]; the gen runs at 80 % of it.
    chp_aux_p_mw : numpy.ndarray, shape (2,)
        Auxiliaries and network pumps of each CHP plant [MW], fed by its own 110/10 kV
        station-service transformer.
    chp_names : list of str
    national_xy : numpy.ndarray, shape (2,)
        Position of the national-grid node [m].
    to_lonlat : callable
        Converts ``(x, y)`` [m] to ``(lon, lat)`` [deg].
    n_buildings : int
        Number of buildings (sets how many national links feed the ring).
    sizing_p_mw : numpy.ndarray, optional
        Design load of each load that MV/LV stations are sized for [MW] (e.g. with the space
        heating of electrically heated blocks); ``load_p_mw`` when omitted.

    Returns
    -------
    GridBuild
    """
    net = pp.create_empty_network(name="coldstart synthetic grid", f_hz=50.0)
    buses = _create_buses(net, layout, chp_xy, chp_names, national_xy, to_lonlat)
    # 110 kV: ring through the substations (sorted by bearing from the centre), national links at
    # evenly spaced ring positions starting from the nearest, each CHP to its two nearest
    ring = np.argsort(np.arctan2(layout.sub_xy[:, 1], layout.sub_xy[:, 0]), kind="stable")
    total_p = float(np.sum(load_p_mw) + np.sum(chp_aux_p_mw))
    import_mw = max(total_p - 0.8 * float(np.sum(chp_cap_mw)), 0.0)
    routes = (
        _ring_routes(layout, buses, ring)
        + _national_routes(layout, buses, ring, national_xy, n_buildings, import_mw)
        + _chp_routes(layout, buses, chp_xy, chp_cap_mw, chp_names)
    )
    hv_lines, a, b = _create_hv_lines(net, routes, to_lonlat)
    _create_feeders(net, layout, buses, to_lonlat)
    # MV/LV stations sized from their loads, HV/MV substations from their stations
    sizing = load_p_mw if sizing_p_mw is None else sizing_p_mw
    station_p = np.bincount(load_station, sizing, minlength=len(layout.station_xy))
    st_trafo = _create_station_trafos(net, buses, station_p)
    _create_hvmv_trafos(net, layout, buses, station_p, chp_aux_p_mw, chp_names)
    _create_loads(net, buses, load_station, load_p_mw, load_name, chp_aux_p_mw, chp_names)
    gens = _create_chp_gens(net, buses, chp_cap_mw, chp_names)
    return GridBuild(
        net=net,
        station_lv_bus=np.asarray(buses.station_lv, dtype=np.int64),
        station_mv_bus=np.asarray(buses.station_mv, dtype=np.int64),
        station_trafo=np.asarray(st_trafo, dtype=np.int64),
        sub_hv_bus=np.asarray(buses.sub_hv, dtype=np.int64),
        sub_mv_bus=np.asarray(buses.sub_mv, dtype=np.int64),
        chp_bus=np.asarray(buses.chp, dtype=np.int64),
        chp_aux_bus=np.asarray(buses.chp_aux, dtype=np.int64),
        chp_gen=np.asarray(gens, dtype=np.int64),
        hv_lines=np.asarray(hv_lines, dtype=np.int64),
        hv_line_mid_xy=(a + b) / 2.0,
    )


def nearest_station(layout: GridLayout, xy: np.ndarray) -> np.ndarray:
    """Index of the MV/LV station nearest to each point."""
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    return cKDTree(layout.station_xy).query(xy)[1].astype(np.int64)
