"""Write a synthetic OpenStreetMap extract (for tests, the benchmark and the bundled example).

:func:`write_extract` lays out a city of rectangular blocks on a street grid around a centre and
writes it with pyosmium's writer, tagged the way Ukrainian cities are mapped: apartment blocks
with ``building:levels`` and often ``start_date``, private houses, ``building=yes`` of unknown
use, garages; schools and a hospital as areas with their buildings, clinics and social
facilities as nodes, metro stations with entrances, water works, substations, a 110 kV line, a
CHP plant and boiler houses. One building is a multipolygon relation with a courtyard, one
footprint is a self-intersecting "bow tie" (invalid, to be repaired) and one building relation
misses its outer way (as at an extract's edge: it cannot be assembled and is dropped).

Streets (``highway=residential``, one ``tertiary`` avenue) run on the grid between the blocks.

Nothing here is real data: it only exercises the importer. Every draw uses
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coldstart import geo

KHARKIV = (36.2304, 49.9935)
"""Default centre of the generated extract [deg lon, lat] (Kharkiv, Freedom Square)."""

BLOCK_M = 120.0
"""Street grid spacing [m] (one building per grid cell)."""

KINDS = (
    # building tag, levels (or "" untagged), year (or ""), footprint x, y [m], share
    ("apartments", "9", "1978", 60.0, 12.0, 0.22),
    ("apartments", "5", "1963", 60.0, 12.0, 0.16),
    ("apartments", "16", "1985", 30.0, 18.0, 0.08),
    ("apartments", "24", "2012", 30.0, 30.0, 0.04),
    ("apartments", "4", "1950", 40.0, 14.0, 0.04),
    ("apartments", "", "", 60.0, 12.0, 0.06),
    ("yes", "9", "", 60.0, 12.0, 0.06),
    ("house", "", "", 10.0, 10.0, 0.14),
    ("house", "2", "1995", 12.0, 10.0, 0.04),
    ("yes", "", "", 11.0, 11.0, 0.06),
    ("garages", "1", "", 30.0, 6.0, 0.05),
    ("commercial", "3", "", 30.0, 20.0, 0.05),
)
"""Kinds of generated buildings and their shares."""


@dataclass(frozen=True)
class ExtractFacts:
    """What :func:`write_extract` wrote (for tests to compare with the import).

    ``building_tags`` maps each building's ``osm_id`` to its (building, levels, year, height)
    tags (empty text when untagged).
    """

    path: Path
    building_tags: dict[str, tuple[str, str, str, str]]
    n_buildings: int


class _Ids:
    """Increasing node ids and node writing."""

    def __init__(self, writer, lon0: float, lat0: float) -> None:
        self.writer, self.lon0, self.lat0, self.next = writer, lon0, lat0, 1

    def node(self, x: float, y: float, tags: dict | None = None) -> int:
        import osmium

        lon, lat = geo.xy_m_to_lonlat(x, y, self.lon0, self.lat0)
        nid = self.next
        self.next += 1
        loc = (round(float(lon), 7), round(float(lat), 7))
        self.writer.add_node(osmium.osm.mutable.Node(id=nid, location=loc, tags=tags or {}))
        return nid

    def ring(self, x: float, y: float, w: float, h: float) -> list[int]:
        ids = [self.node(x, y), self.node(x + w, y), self.node(x + w, y + h), self.node(x, y + h)]
        return [*ids, ids[0]]


HEIGHT_SHARE = 0.3
"""Share of multi-storey buildings that also carry a ``height`` tag (storeys of 2.8-3.1 m)."""


FLATS_SHARE = 0.3
"""Share of apartment blocks with levels that also carry ``building:flats`` (their flat area,
gross / 1.2, over 55 m2 per flat, within +/-15 %)."""


def _building_tags(kind: tuple, height: str, flats: str) -> dict[str, str]:
    tags = {"building": kind[0]}
    pairs = (
        ("building:levels", kind[1]),
        ("start_date", kind[2]),
        ("height", height),
        ("building:flats", flats),
    )
    for key, value in pairs:
        if value:
            tags[key] = value
    return tags


def _flats(kind_of: np.ndarray, rng: np.random.Generator) -> list[str]:
    """A ``building:flats`` tag for :data:`FLATS_SHARE` of the apartment blocks with levels."""
    u, f = rng.uniform(0, 1, len(kind_of)), rng.uniform(0.85, 1.15, len(kind_of))
    out = []
    for k, a, g in zip(kind_of, u, f, strict=True):
        building, levels, _, w, h, _ = KINDS[k]
        ok = building == "apartments" and levels and a < FLATS_SHARE
        out.append(str(round(w * h * int(levels) / 1.2 / 55.0 * g)) if ok else "")
    return out


def _heights(kind_of: np.ndarray, rng: np.random.Generator) -> list[str]:
    """A ``height`` tag for :data:`HEIGHT_SHARE` of the apartment blocks: levels x 2.8-3.1 m,
    or 27-28 m (9 storeys) for blocks without levels."""
    u, storey = rng.uniform(0, 1, len(kind_of)), rng.uniform(2.8, 3.1, len(kind_of))
    out = []
    for k, a, h in zip(kind_of, u, storey, strict=True):
        building, levels = KINDS[k][0], KINDS[k][1]
        if building != "apartments" or a >= HEIGHT_SHARE:
            out.append("")
        else:
            out.append(f"{(int(levels) if levels else 9) * h:.1f}")
    return out


def _cells(n: int) -> np.ndarray:
    """Grid cells (column, row) of ``n`` buildings, centred on the origin."""
    side = int(np.ceil(np.sqrt(n)))
    k = np.arange(n)
    return np.stack([k % side - side / 2.0, k // side - side / 2.0], axis=1)


def _specials(ids: _Ids, ways: list, rels: list, side_m: float, way_id: int) -> int:
    """Facilities and energy assets (areas, nodes, lines) placed along the city's edges."""
    import osmium

    h = side_m / 2.0
    # school area holding a school building; hospital campus with one building
    for k, (tag, name, x) in enumerate(
        [("school", "School No. 1", -0.3 * h), ("hospital", "City hospital No. 2", 0.3 * h)]
    ):
        ways.append(
            osmium.osm.mutable.Way(
                id=way_id, nodes=ids.ring(x, h + 20, 120, 80), tags={"amenity": tag, "name": name}
            )
        )
        ways.append(
            osmium.osm.mutable.Way(
                id=way_id + 1,
                nodes=ids.ring(x + 20, h + 40, 70, 20),
                tags={"building": tag, "building:levels": "3" if k == 0 else "5"},
            )
        )
        way_id += 2
    ids.node(-0.3 * h + 100, h + 70, {"amenity": "school", "name": "School No. 1"})  # twice
    ids.node(-h - 40, 0, {"amenity": "clinic", "name": "Clinic No. 5"})
    ids.node(
        -h - 40,
        100,
        {
            "amenity": "social_facility",
            "social_facility": "outreach",
            "name": "Territorial social service centre",
        },
    )
    ids.node(0, 0, {"railway": "station", "station": "subway", "name": "Central"})
    ids.node(30, 20, {"railway": "subway_entrance"})
    ids.node(-25, -20, {"railway": "subway_entrance"})
    ids.node(h + 40, -100, {"man_made": "water_works", "name": "Water works"})
    # power: a 110 kV substation area and a line to it; a CHP plant; two boiler houses
    sub = ids.ring(-h - 200, -h - 200, 60, 40)
    ways.append(
        osmium.osm.mutable.Way(
            id=way_id, nodes=sub, tags={"power": "substation", "voltage": "110000;10000"}
        )
    )
    line = [ids.node(-h - 2000, -h - 180), ids.node(-h - 170, -h - 180)]
    ways.append(
        osmium.osm.mutable.Way(
            id=way_id + 1, nodes=line, tags={"power": "line", "voltage": "110000"}
        )
    )
    chp = ids.ring(h + 300, h + 300, 200, 150)
    ways.append(
        osmium.osm.mutable.Way(
            id=way_id + 2,
            nodes=chp,
            tags={
                "power": "plant",
                "plant:source": "gas",
                "plant:output:electricity": "120 MW",
                "plant:output:hot_water": "300 MW",
                "name": "CHP-3",
            },
        )
    )
    ids.node(
        -h - 60,
        h + 60,
        {"man_made": "works", "industrial": "heating_station", "name": "Boiler house West"},
    )
    bh = ids.ring(h + 60, -h - 60, 25, 15)
    ways.append(
        osmium.osm.mutable.Way(
            id=way_id + 3, nodes=bh, tags={"building": "industrial", "name": "Котельня"}
        )
    )
    # a building multipolygon with a courtyard, and a bow-tie footprint (invalid)
    outer, inner = ids.ring(-h - 300, h + 100, 80, 80), ids.ring(-h - 280, h + 120, 40, 40)
    ways.append(osmium.osm.mutable.Way(id=way_id + 4, nodes=outer, tags={}))
    ways.append(osmium.osm.mutable.Way(id=way_id + 5, nodes=inner, tags={}))
    rels.append(
        osmium.osm.mutable.Relation(
            id=1,
            members=[("w", way_id + 4, "outer"), ("w", way_id + 5, "inner")],
            tags={"type": "multipolygon", "building": "apartments", "building:levels": "6"},
        )
    )
    # a building relation whose outer way lies outside the extract (cut at its edge)
    rels.append(
        osmium.osm.mutable.Relation(
            id=2,
            members=[("w", 10**9, "outer")],
            tags={"type": "multipolygon", "building": "apartments"},
        )
    )
    a, b = ids.node(-h - 400, 0), ids.node(-h - 360, 30)
    c, d = ids.node(-h - 360, 0), ids.node(-h - 400, 30)
    ways.append(
        osmium.osm.mutable.Way(
            id=way_id + 6,
            nodes=[a, b, c, d, a],
            tags={"building": "apartments", "building:levels": "9"},
        )
    )
    return way_id + 7


STREET_OFFSET_M = 15.0
"""Streets run this far before each grid line (in the 30 m gap between the blocks)."""


def _streets(ids: _Ids, ways: list, cells: np.ndarray, way_id: int) -> int:
    """The street grid between the blocks: ``highway=residential`` ways along every grid line,
    sharing their crossing nodes (as mapped streets do)."""
    import osmium

    lo, hi = cells.min(axis=0), cells.max(axis=0) + BLOCK_M
    xs = np.arange(lo[0], hi[0] + 1.0, BLOCK_M) - STREET_OFFSET_M
    ys = np.arange(lo[1], hi[1] + 1.0, BLOCK_M) - STREET_OFFSET_M
    node = [[ids.node(float(x), float(y)) for y in ys] for x in xs]
    for i in range(len(xs)):
        tags = {"highway": "residential", "name": f"Street {i + 1}"}
        ways.append(osmium.osm.mutable.Way(id=way_id, nodes=node[i], tags=tags))
        way_id += 1
    for j in range(len(ys)):
        tags = {"highway": "tertiary" if j == len(ys) // 2 else "residential",
                "name": f"Avenue {j + 1}"}  # fmt: skip
        ways.append(osmium.osm.mutable.Way(id=way_id, nodes=[n[j] for n in node], tags=tags))
        way_id += 1
    return way_id


def write_extract(
    path: str | Path,
    n_buildings: int = 200,
    seed: int = 0,
    centre: tuple[float, float] = KHARKIV,
) -> ExtractFacts:
    """Write a synthetic city of about ``n_buildings`` buildings as an OSM file.

    Parameters
    ----------
    path : str or pathlib.Path
        File to write (``.osm.pbf`` or ``.osm``); replaced when it exists.
    n_buildings : int
        Buildings on the street grid (plus the facilities' buildings, a courtyard
        multipolygon, a boiler house and one bow-tie footprint).
    seed : int
        Seed of the kinds and sizes drawn.
    centre : tuple of float
        Longitude and latitude of the centre [deg].

    Returns
    -------
    ExtractFacts
    """
    import osmium

    path = Path(path)
    path.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    shares = np.array([k[5] for k in KINDS])
    kind_of = rng.choice(len(KINDS), size=n_buildings, p=shares / shares.sum())
    jitter = rng.uniform(0.0, 30.0, size=(n_buildings, 2))
    cells = _cells(n_buildings) * BLOCK_M
    heights, flats = _heights(kind_of, rng), _flats(kind_of, rng)
    writer = osmium.SimpleWriter(str(path))
    ids = _Ids(writer, *centre)
    ways, rels, tags_of = [], [], {}
    for i in range(n_buildings):
        kind = KINDS[kind_of[i]]
        x, y = cells[i] + jitter[i]
        ways.append(
            osmium.osm.mutable.Way(
                id=i + 1,
                nodes=ids.ring(x, y, kind[3], kind[4]),
                tags=_building_tags(kind, heights[i], flats[i]),
            )
        )
        tags_of[f"way/{i + 1}"] = (*kind[:3], heights[i])
    next_way = _specials(ids, ways, rels, float(np.ptp(cells[:, 0]) + BLOCK_M), n_buildings + 1)
    _streets(ids, ways, cells, next_way)
    for w in ways:
        writer.add_way(w)
    for r in rels:
        writer.add_relation(r)
    writer.close()
    return ExtractFacts(path=path, building_tags=tags_of, n_buildings=n_buildings)
