"""The city: what exists before anything happens (see README, "Concepts")."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandapower as pp
import pandas as pd

TABLES = (
    "buildings",
    "facilities",
    "heat_nodes",
    "heat_pipes",
    "heat_valves",
    "heat_sources",
    "pumping_stations",
    "assets",
)
"""Names of the city's tables besides the grid, in load order."""

OPTIONAL_TABLES = ("heat_valves",)
"""Tables a city folder may leave out (they load empty)."""

NETWORKS = {
    "grid": "power grid",
    "heat_network": "district heating network",
    "positions": "positions of buses, buildings and facilities",
}
"""What a city may mark as synthetic (:attr:`City.synthetic_networks`), with names for people:
the networks synthesised around real buildings, and ``positions`` when the city was built
around a grid without geographic coordinates (laid out around the synthetic city's centre, so
walk distances, crew travel times and the map are invented)."""


@dataclass(frozen=True)
class City:
    """A city: a pandapower grid plus typed tables.

    Parameters
    ----------
    name : str
        Human-readable name.
    net : pandapower.pandapowerNet
        The electricity grid (buses with geodata, lines, trafos, gens, ext_grid, loads).
    tables : dict of str to pandas.DataFrame
        ``buildings``, ``facilities``, ``heat_nodes``, ``heat_pipes``, ``heat_sources``,
        ``pumping_stations``, ``assets``; columns as in ``schema.toml``.
    crs : str
        Coordinate reference system of lon/lat columns (always WGS84 longitude/latitude).
    footprints : pandas.Series, optional
        Building footprints (shapely Polygon/MultiPolygon in lon/lat) indexed by
        ``building_id``, for the buildings that have one (:mod:`coldstart.city.footprints`);
        None for a city of points. Only drawn and written, never simulated.
    synthetic_networks : tuple of str
        Keys of :data:`NETWORKS` that were synthesised around real buildings (a city imported
        from OpenStreetMap without ``--grid``/``--heat``, the heat network of ``city
        from-grid``), plus ``positions`` when the positions were invented (``city from-grid``
        on a net without geographic coordinates); empty when the networks are given or the
        whole city is synthetic.
    description : str
        ``city.toml``'s description (where the city came from), empty when it has none.

    Notes
    -----
    Nothing in coldstart mutates a City; the runner compiles it into arrays once.
    """

    name: str
    net: pp.pandapowerNet
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    crs: str = "EPSG:4326"
    footprints: pd.Series | None = field(default=None, compare=False)
    synthetic_networks: tuple[str, ...] = ()
    description: str = ""

    @property
    def buildings(self) -> pd.DataFrame:
        """Residential buildings."""
        return self.tables["buildings"]

    @property
    def facilities(self) -> pd.DataFrame:
        """Metro stations, schools, warming points, hospitals, water pumping."""
        return self.tables["facilities"]

    @property
    def heat_nodes(self) -> pd.DataFrame:
        """District heating junctions."""
        return self.tables["heat_nodes"]

    @property
    def heat_pipes(self) -> pd.DataFrame:
        """District heating pipes."""
        return self.tables["heat_pipes"]

    @property
    def heat_valves(self) -> pd.DataFrame:
        """Valves on heat pipes (may be empty)."""
        from coldstart.city.schema import table_specs

        empty = pd.DataFrame(columns=table_specs()["heat_valves"].columns)
        return self.tables.get("heat_valves", empty)

    @property
    def heat_sources(self) -> pd.DataFrame:
        """CHP plants and boiler houses."""
        return self.tables["heat_sources"]

    @property
    def pumping_stations(self) -> pd.DataFrame:
        """Booster pumping stations on heat mains."""
        return self.tables["pumping_stations"]

    @property
    def assets(self) -> pd.DataFrame:
        """Everything that can be struck and repaired."""
        return self.tables["assets"]

    def describe(self) -> dict[str, float]:
        """Headline counts of the city (buildings, residents, buses, pipes, ...)."""
        b = self.buildings
        return {
            "buildings": int(len(b)),
            "residents": int(b["residents"].sum()),
            "facilities": int(len(self.facilities)),
            "grid_buses": int(len(self.net.bus)),
            "grid_lines": int(len(self.net.line)),
            "grid_trafos": int(len(self.net.trafo)),
            "heat_sources": int(len(self.heat_sources)),
            "heat_pipes": int(len(self.heat_pipes)),
            "pumping_stations": int(len(self.pumping_stations)),
            "assets": int(len(self.assets)),
            # to the watt: a sum of floats carries noise in its last digits (23.222420000000003)
            "heat_capacity_mw_th": round(float(self.heat_sources["capacity_mw_th"].sum()), 6),
            "electric_demand_mw": round(float(b["p_mw"].sum() + self.facilities["p_mw"].sum()), 6),
        }
