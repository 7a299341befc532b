"""Real cities from OpenStreetMap: ``coldstart city from-osm`` (see :mod:`.build`)."""

from coldstart.city.osm.build import OsmImport, city_from_osm

__all__ = ["OsmImport", "city_from_osm"]
