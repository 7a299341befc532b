"""Read an OpenStreetMap extract with pyosmium: buildings, facilities and energy assets.

The reader is `pyosmium <https://osmcode.org/pyosmium/>`_ (the ``osmium`` package), the Python
binding of libosmium, maintained by the OSM community. It was chosen over pyrosm because it
reads ``.osm.pbf`` and ``.osm`` XML alike, assembles building multipolygons from relations in
C++ (:meth:`osmium.FileProcessor.with_areas`), writes extracts too (the tests and the benchmark
generate their extracts with it; pyrosm only reads), installs from a wheel without GDAL and
works without network access at run time; pyrosm returns GeoPandas frames, a dependency
coldstart does not otherwise need.

Only the tags coldstart uses are kept (:data:`BUILDING_TAGS`, :data:`POI_TAGS`); geometries are
kept as WKB and turned into shapely geometries in bulk by :mod:`coldstart.city.osm.geometry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import osmium
import pandas as pd

from coldstart.errors import CityError, Problem
from coldstart.safeio import is_dir, lexists

BUILDING_TAGS = (
    "building",
    "building:levels",
    "height",
    "start_date",
    "building:year",
    "building:flats",
    "amenity",
    "name",
)
"""Tags kept for every building."""

POI_TAGS = (
    "amenity",
    "social_facility",
    "station",
    "railway",
    "public_transport",
    "man_made",
    "power",
    "plant:source",
    "plant:output:electricity",
    "plant:output:hot_water",
    "plant:output:steam",
    "industrial",
    "voltage",
    "name",
    "building",
    "building:levels",
)
"""Tags kept for facilities and energy assets."""

POI_KEYS = ("amenity", "station", "railway", "man_made", "power", "industrial", "name")
"""An object with one of these keys is looked at as a possible facility or energy asset."""

STREET_KINDS = frozenset(
    f"{k}{link}" for k in ("motorway", "trunk", "primary", "secondary", "tertiary")
    for link in ("", "_link")
) | {"unclassified", "residential", "living_street", "service", "road"}  # fmt: skip
"""``highway=*`` values of the streets heat mains may follow (roads, not paths or steps)."""


@dataclass(frozen=True)
class OsmData:
    """What an extract holds for coldstart.

    Attributes
    ----------
    buildings : pandas.DataFrame
        One row per building: ``osm_id`` (``way/123`` or ``relation/45``), the
        :data:`BUILDING_TAGS` (empty text when untagged) and ``wkb``: a WGS84 multipolygon
        (relations), the closed ring as a linestring (ways), or None (nodes missing, or a
        relation that could not be assembled).
    pois : pandas.DataFrame
        Nodes and areas with a :data:`POI_KEYS` key: ``osm_id``, :data:`POI_TAGS`, ``lon``,
        ``lat`` (nodes) and ``wkb`` (areas, else None).
    power_lines : pandas.DataFrame
        Ways tagged ``power=line``: ``osm_id``, ``voltage``, ``wkb`` (a WGS84 linestring).
    streets : pandas.DataFrame
        Ways tagged ``highway=`` one of :data:`STREET_KINDS` (not areas): ``osm_id``,
        ``highway``, ``wkb`` (a WGS84 linestring).
    """

    buildings: pd.DataFrame
    pois: pd.DataFrame
    power_lines: pd.DataFrame
    streets: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["osm_id", "highway", "wkb"])
    )


def _is_building(tags) -> bool:
    return "building" in tags and tags["building"] != "no"


def _area_id(area) -> str:
    """``way/<id>`` or ``relation/<id>`` of the object an area was assembled from."""
    return f"{'way' if area.from_way() else 'relation'}/{area.orig_id()}"


def _is_poi(tags) -> bool:
    """Whether an object may be a facility or an energy asset (see :data:`POI_KEYS`)."""
    return any(k in tags for k in POI_KEYS[:-1]) or (
        "name" in tags and "building" in tags  # a named building may be a boiler house
    )


class _Collector:
    """Rows of buildings, POIs, power lines and streets, appended while the file is read."""

    def __init__(self) -> None:
        self.buildings: list[tuple] = []
        self.pois: list[tuple] = []
        self.lines: list[tuple] = []
        self.streets: list[tuple] = []
        self.relations: dict[str, tuple] = {}  # building multipolygons, to count failures
        self.assembled: set[str] = set()

    def relation(self, obj) -> None:
        tags = obj.tags
        if _is_building(tags) and tags.get("type") == "multipolygon":
            self.relations[f"relation/{obj.id}"] = tuple(tags.get(k, "") for k in BUILDING_TAGS)

    def unassembled(self) -> list[tuple]:
        """Building relations libosmium could not assemble (members missing at the extract's
        edge, broken rings), as rows without geometry: they are counted as dropped."""
        return [(o, *t, None) for o, t in self.relations.items() if o not in self.assembled]

    def area(self, obj, wkb_factory) -> None:
        tags = obj.tags
        # buildings mapped as closed ways are read from the way itself (see :meth:`way`): the
        # area assembler silently drops a self-intersecting ring, which should be repaired
        is_building = _is_building(tags) and not obj.from_way()
        poi = _is_poi(tags)
        if not (is_building or poi):
            return
        try:
            wkb = wkb_factory.create_multipolygon(obj)
        except RuntimeError:  # an area libosmium could assemble but not express (degenerate)
            return
        oid = _area_id(obj)
        if is_building:
            self.assembled.add(oid)
            self.buildings.append((oid, *(tags.get(k, "") for k in BUILDING_TAGS), wkb))
        if poi:
            self.pois.append((oid, *(tags.get(k, "") for k in POI_TAGS), None, None, wkb))

    def node(self, obj) -> None:
        tags = obj.tags
        if not _is_poi(tags) or not obj.location.valid():
            return
        loc = obj.location
        row = (f"node/{obj.id}", *(tags.get(k, "") for k in POI_TAGS), loc.lon, loc.lat, None)
        self.pois.append(row)

    def way(self, obj, wkb_factory) -> None:
        tags = obj.tags
        line = tags.get("power") == "line"
        ring = _is_building(tags) and obj.is_closed() and "type" not in tags
        street = tags.get("highway") in STREET_KINDS and tags.get("area") != "yes"
        if not (line or ring or street):
            return
        try:
            wkb = wkb_factory.create_linestring(obj)
        except Exception:  # noqa: BLE001 - missing node locations: the way is skipped
            wkb = None
        oid = f"way/{obj.id}"
        if ring:  # the closed ring as a linestring; unreadable ones are counted as dropped
            self.buildings.append((oid, *(tags.get(k, "") for k in BUILDING_TAGS), wkb))
        elif wkb is not None and line:
            self.lines.append((oid, tags.get("voltage", ""), wkb))
        elif wkb is not None:
            self.streets.append((oid, tags["highway"], wkb))


def read_osm(path: str | Path) -> OsmData:
    """Read the buildings, facilities and energy assets of an OSM extract.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.osm.pbf`` or ``.osm`` (XML) file.

    Returns
    -------
    OsmData

    Raises
    ------
    CityError
        When the file is missing, not a regular file, or cannot be read as OSM data (one
        problem naming the file).
    """
    p = Path(path)
    if not lexists(p, CityError) or is_dir(p, CityError):
        raise CityError(Problem(str(p), "", "", "OSM extract not found (expected a file)"))
    if not p.name.lower().endswith((".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")):
        raise CityError(Problem(str(p), "", "", "expected an .osm.pbf or .osm file"))
    rows = _Collector()
    wkb = osmium.geom.WKBFactory()
    try:
        fp = osmium.FileProcessor(str(p)).with_areas().with_filter(osmium.filter.EmptyTagFilter())
        for obj in fp:
            if obj.is_area():
                rows.area(obj, wkb)
            elif obj.is_node():
                rows.node(obj)
            elif obj.is_way():
                rows.way(obj, wkb)
            elif obj.is_relation():
                rows.relation(obj)
    except (RuntimeError, ValueError, OSError) as exc:  # libosmium: corrupt or truncated data
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CityError(Problem(str(p), "", "", f"cannot be read as OSM data: {first}")) from None
    return OsmData(
        buildings=pd.DataFrame(
            rows.buildings + rows.unassembled(), columns=["osm_id", *BUILDING_TAGS, "wkb"]
        ),
        pois=pd.DataFrame(rows.pois, columns=["osm_id", *POI_TAGS, "lon", "lat", "wkb"]),
        power_lines=pd.DataFrame(rows.lines, columns=["osm_id", "voltage", "wkb"]),
        streets=pd.DataFrame(rows.streets, columns=["osm_id", "highway", "wkb"]),
    )
