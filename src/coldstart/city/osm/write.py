"""Write an imported city folder: the usual tables, buildings with their real footprints.

The folder is the one :func:`coldstart.city.io.save_city` writes (``city.toml``, ``grid.json``,
one GeoJSON per table), except that ``buildings.geojson`` holds each building's footprint as
its Polygon or MultiPolygon geometry (the centroid stays in the ``lon``/``lat`` properties, which
is what coldstart reads), and three files are added:

- ``osm_import.json``: the import summary (counts from tags and from rules, agreement, what is
  synthetic);
- ``osm_import.md``: the same as a short note for people;
- ``city.toml`` carries a ``description`` saying the networks are synthetic where they are,
  and ``synthetic_networks`` listing them (read into
  :attr:`coldstart.city.model.City.synthetic_networks`, kept by
  :func:`coldstart.city.io.save_city`, shown in the report).

The folder is written whole or not at all (:func:`coldstart.outdir.owned_output`) and loaded
back and checked before it replaces ``out_dir``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from coldstart.city.osm.build import OsmImport, synthetic_networks
from coldstart.outdir import owned_output

COMMAND = "coldstart city"
"""Output command tag: the same as ``city synth``/``from-grid`` (a city folder is a city
folder, whichever command made it)."""


def note_text(summary: dict, source: str) -> str:
    """``osm_import.md``: how the city was made from the extract, in a few lines."""
    s = summary
    fl, ag = s["floors_from"], s["agreement"]
    streets = ""
    if s["heat_network"] == "synthetic":
        n_main = s.get("heat_main_assets", 0)
        struck = (
            f"{n_main:,} of the network's pipes {'is' if n_main == 1 else 'are'} large enough "
            "(DN >= 400) to be a heat main a strike can hit"
            if n_main
            else "no pipe is large enough (DN >= 400) to be a heat main a strike can hit, so "
            "the scenario's heat_main weight hits nothing here"
        )
        streets = (
            f" ({s.get('heat_mains_on_streets', 0):,} pipe runs along the extract's "
            f"{s.get('osm_streets', 0):,} streets; {struck})"
        )
    lines = [
        f"# City imported from {source}",
        "",
        f"- {s['buildings']:,} buildings kept of {s['buildings_read']:,} read "
        f"({s['footprints_repaired']} footprints repaired, {s['footprints_dropped']} dropped, "
        f"{s['outside_bbox']} outside the bounding box); "
        f"areas measured in {s['crs_for_measuring']}.",
        f"- Floors: {fl.get('building:levels', 0):,} from building:levels, "
        f"{fl.get('height', 0):,} from height, {fl.get('rule', 0):,} from rules.",
        f"- Archetypes by the rules of data/osm_building_rules.csv: {s['archetype_rule']}; "
        f"{s['year_tagged']:,} buildings have a construction year.",
        f"- Residents: {s['residents']:,}, all inferred ({s['residents_rule']}).",
        f"- Agreement where tags overlap: {_agreement(ag)}.",
        f"- Facilities: {s['facilities']} (floor area from {s['facility_floor_area_from']}).",
        f"- Heat sources: {s['heat_sources']}; heat network: {s['heat_network']}{streets}.",
        f"- Grid: {s['grid']}; {s['osm_substations']} OSM substations "
        f"({s['substations_at_osm_sites']} used as HV/MV sites), "
        f"{s['osm_power_lines']} power lines.",
    ]
    return "\n".join(lines) + "\n"


def _agreement(ag: dict) -> str:
    """How far inferred floors, archetypes and flats agree with the tags that say them, one
    clause per check; a check no building has both tags for says so (was "n/a of 0")."""

    def clause(what: str, share: str, n: str, tail: str = "") -> str:
        if not ag[n]:
            return f"{what}: no building has both tags"
        return f"{what} for {ag[share]:.0%} of {ag[n]:,}{tail}"

    ratio = ag["flats_median_ratio"]
    return "; ".join(
        [
            clause("floors from height within 1 of building:levels",
                   "height_within_1_floor_share", "height_and_levels_tagged"),
            clause("archetype unchanged without the year",
                   "archetype_same_without_year_share", "levels_and_year_tagged"),
            clause("flats (from floor area) within 25 % of building:flats",
                   "flats_within_25pct_share", "flats_tagged",
                   f" (median ratio {ratio:.2f})" if ratio == ratio else ""),
        ]
    )  # fmt: skip


def description(summary: dict, source: str) -> str:
    """``city.toml``'s description: the source and which networks are synthetic."""
    names = {"grid": "grid", "heat_network": "heat network"}
    synthetic = [names[k] for k in synthetic_networks(summary)]
    what = " and ".join(synthetic) + " synthetic" if synthetic else "networks given"
    return f"Buildings and facilities from OpenStreetMap ({source}); {what}."


def save_osm_city(imp: OsmImport, folder: str | Path, source: str, inputs=()) -> Path:
    """Write, reload and check the city folder (see the module doc).

    Raises
    ------
    CityError
        When the written folder would not pass ``coldstart city check`` (nothing is left).
    coldstart.errors.OutputError
        When ``folder`` may not be written.
    """
    folder = Path(folder)
    city = dataclasses.replace(imp.city, description=description(imp.summary, source))
    with owned_output(folder, command=COMMAND, inputs=inputs) as tmp:
        from coldstart.city.io import check_written, write_city_files

        write_city_files(city, tmp)
        summary = _no_nan({"source": source, **imp.summary})
        (tmp / "osm_import.json").write_text(json.dumps(summary, indent=1, default=_plain))
        (tmp / "osm_import.md").write_text(note_text(imp.summary, source))
        check_written(tmp, f"city from {source}")
    return folder


def _no_nan(v):
    """``v`` with every float NaN (in nested dicts) as None (JSON has no NaN)."""
    if isinstance(v, dict):
        return {k: _no_nan(x) for k, x in v.items()}
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def _plain(v):
    """JSON for numpy scalars; NaN as null."""
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    raise TypeError(type(v).__name__)
