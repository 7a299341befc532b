"""Save and load a city as a folder of open formats.

A city folder holds ``city.toml`` (name, CRS and the file of each table), the grid as
pandapower JSON, and one file per table: GeoJSON (opens in QGIS), CSV or Parquet (open in
pandas), chosen by extension. Loading checks every table against its schema and every
reference across tables, and raises :class:`~coldstart.errors.CityError` listing every problem;
a city is never half-loaded.
"""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd

from coldstart.city.footprints import aligned, area_geometry, footprint_geojson, footprint_series
from coldstart.city.gridcheck import check_grid
from coldstart.city.model import NETWORKS, OPTIONAL_TABLES, TABLES, City
from coldstart.city.schema import coerce_table, table_specs
from coldstart.city.validate import check_references
from coldstart.csvfile import csv_line_label, read_csv_table, unreadable_hint
from coldstart.errors import CityError, InputError, Problem, suggest
from coldstart.grid.ppjson import read_pandapower_json
from coldstart.outdir import owned_output
from coldstart.safeio import is_dir, lexists, nesting_depth, paused_gc, read_bytes, read_text

DEFAULT_FILES = {
    "grid": "grid.json",
    "buildings": "buildings.geojson",
    "facilities": "facilities.geojson",
    "heat_nodes": "heat_nodes.geojson",
    "heat_pipes": "heat_pipes.geojson",
    "heat_valves": "heat_valves.geojson",
    "heat_sources": "heat_sources.geojson",
    "pumping_stations": "pumping_stations.geojson",
    "assets": "assets.geojson",
}


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if 0xD800 <= ord(ch) <= 0xDFFF:  # a lone surrogate (undecodable bytes in argv)
            ch = "\ufffd"
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _json_value(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def write_geojson(
    table: pd.DataFrame, path: Path, lines: list[list[tuple[float, float]]] | None = None
) -> None:
    """Write a table as a GeoJSON FeatureCollection (points from lon/lat, or given lines)."""
    text = _geojson_text_fast(table, lines)
    path.write_text(text if text is not None else geojson_text(table, lines))


def geojson_text(table: pd.DataFrame, lines: list[list[tuple[float, float]]] | None = None) -> str:
    """A table as GeoJSON FeatureCollection text, feature by feature (any column types)."""
    props = table.to_dict(orient="records")
    features = []
    for i, p in enumerate(props):
        if lines is not None:
            geom = {"type": "LineString", "coordinates": [list(c) for c in lines[i]]}
        else:
            geom = {"type": "Point", "coordinates": [float(p["lon"]), float(p["lat"])]}
        features.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {k: _json_value(v) for k, v in p.items()},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features})


def _json_cells(col: pd.Series) -> list[str] | None:
    """Each cell of a column as :func:`json.dumps` writes it, or None for a column of another
    kind than finite floats, ints, bools or text (written by :func:`geojson_text` instead)."""
    kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else "?"  # no pandas NA types
    if kind == "f":
        values = col.to_numpy()
        if not np.isfinite(values).all():
            return None
        return list(map(float.__repr__, values.tolist()))
    if kind in "iu":
        return list(map(int.__repr__, col.tolist()))
    if kind == "b":
        return ["true" if v else "false" for v in col.tolist()]
    if kind == "O":
        values = col.tolist()
        if set(map(type, values)) != {str}:
            return None
        return list(map(_encode_text, values))
    return None


_encode_text = json.encoder.encode_basestring_ascii
"""Text as :func:`json.dumps` writes it (quoted, non-ASCII escaped)."""


def _geojson_text_fast(
    table: pd.DataFrame, lines: list[list[tuple[float, float]]] | None
) -> str | None:
    """:func:`geojson_text`, column by column: the same text for tables of plain columns (the
    ones coldstart writes), None for any other table."""
    if not table.columns.is_unique or not all(isinstance(c, str) for c in table.columns):
        return None
    cells = [_json_cells(table[c]) for c in table.columns]
    if any(c is None for c in cells):
        return None
    props = ", ".join(_encode_text(c).replace("%", "%%") + ": %s" for c in table.columns)
    if lines is not None:
        geoms = [
            '{"type": "LineString", "coordinates": ['
            + ", ".join("[" + ", ".join(map(float.__repr__, map(float, c))) + "]" for c in line)
            + "]}"
            for line in lines
        ]
    else:
        if "lon" not in table.columns or "lat" not in table.columns:
            return None
        lon = list(map(float.__repr__, table["lon"].to_numpy(dtype=float).tolist()))
        lat = list(map(float.__repr__, table["lat"].to_numpy(dtype=float).tolist()))
        geoms = [
            f'{{"type": "Point", "coordinates": [{x}, {y}]}}' for x, y in zip(lon, lat, strict=True)
        ]
    row = '{"type": "Feature", "geometry": %s, "properties": {' + props + "}}"
    features = [row % values for values in zip(geoms, *cells, strict=True)]
    return '{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}"


OUTSIDE_HINT = "pass --allow-outside-city to read files outside the city folder"
"""How a user allows city.toml to name tables outside the city folder."""

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects in a GeoJSON table (a MultiPolygon is 4 levels)."""


def geojson_rows(data: bytes) -> pd.DataFrame:
    """Rows of a GeoJSON FeatureCollection: properties, plus lon/lat of Point geometries.

    Raises
    ------
    ValueError
        Not JSON, not a FeatureCollection, nested too deeply, or a feature that is not one.
    """
    return geojson_table(data)[0]


def geojson_table(data: bytes) -> tuple[pd.DataFrame, list[dict | None]]:
    """:func:`geojson_rows`, and the Polygon/MultiPolygon geometry of each feature (None for a
    feature with another geometry): the footprints of buildings.

    Raises
    ------
    ValueError
        As :func:`geojson_rows`.
    """
    doc = json.loads(data)
    if nesting_depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise ValueError(f"arrays or objects nested deeper than {MAX_DEPTH} levels")
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise ValueError("not a GeoJSON FeatureCollection (no 'features' list)")
    rows, areas, moved = [], [], []
    for k, f in enumerate(feats):
        if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict):
            raise ValueError(f"feature {k + 1} is not a GeoJSON feature")
        props = f.get("properties") or {}  # the parsed document is ours to change
        geom = f.get("geometry") or {}
        if not isinstance(geom, dict):
            raise ValueError(f"feature {k + 1}: geometry is not a GeoJSON object")
        coords = geom.get("coordinates")
        if geom.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
            try:
                if _point_moved(coords, props):
                    moved.append(k)
            except ValueError as exc:
                raise ValueError(f"feature {k + 1}: {exc}") from None
            props.setdefault("lon", coords[0])
            props.setdefault("lat", coords[1])
        rows.append(props)
        areas.append(area_geometry(geom))
    if moved:
        k = moved[0]
        n = len(moved) - 1
        more = f" (and {n} more feature{'s' if n > 1 else ''})" if n else ""
        (x, y), p = feats[k]["geometry"]["coordinates"][:2], rows[k]
        raise ValueError(
            f"feature {k + 1}: its Point geometry ({x}, {y}) and its lon/lat properties "
            f"({p['lon']}, {p['lat']}) are different places{more}; coldstart reads lon/lat, a "
            "GIS moves the geometry: make them equal (e.g. set lon and lat from the geometry)"
        )
    return pd.DataFrame(rows), areas


POINT_TOLERANCE_DEG = 1e-7
"""Largest difference between a Point geometry and its lon/lat properties taken as the same
place [deg] (about 1 cm; tools round coordinates differently)."""


def _point_moved(coords: list, props: dict) -> bool:
    """A feature's Point geometry is not where its numeric lon/lat properties say (a GIS edit
    moved only the geometry). Raises ValueError for a geometry off the globe (a projected
    export), with or without lon/lat properties."""
    number = lambda v: isinstance(v, int | float) and not isinstance(v, bool)  # noqa: E731
    if not all(number(v) for v in coords[:2]):
        return False
    x, y = float(coords[0]), float(coords[1])
    if not (abs(x) <= 180.0 and abs(y) <= 90.0):
        raise ValueError(
            f"Point geometry ({x}, {y}) is not longitude/latitude: GeoJSON is WGS84 "
            "(export the layer in EPSG:4326)"
        )
    pos = (props.get("lon"), props.get("lat"))
    if not all(number(v) for v in pos):
        return False
    return (
        abs(x - float(pos[0])) > POINT_TOLERANCE_DEG or abs(y - float(pos[1])) > POINT_TOLERANCE_DEG
    )


def read_raw_table(path: Path, inside: Path | None = None) -> tuple[pd.DataFrame, callable]:
    """Read a table file into raw rows, and return a function labelling rows for messages.

    Parameters
    ----------
    path : pathlib.Path
        A ``.geojson``/``.json``, ``.csv`` or ``.parquet`` file.
    inside : pathlib.Path, optional
        Folder the file must lie in (symbolic links resolved).

    Raises
    ------
    CityError
        As :func:`read_table_file`.
    """
    raw, label, _ = read_table_file(path, inside)
    return raw, label


def read_table_file(
    path: Path, inside: Path | None = None
) -> tuple[pd.DataFrame, callable, list[dict | None] | None]:
    """:func:`read_raw_table`, and the Polygon/MultiPolygon geometry of each row of a GeoJSON
    file (None for a CSV or Parquet file).

    Parameters
    ----------
    path : pathlib.Path
        A ``.geojson``/``.json``, ``.csv`` or ``.parquet`` file.
    inside : pathlib.Path, optional
        Folder the file must lie in (symbolic links resolved).

    Raises
    ------
    CityError
        When the file is missing, not a regular file, too large, outside ``inside`` or cannot be
        parsed.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".geojson", ".json"):
        raise CityError(Problem(str(path), "", "", "expected a .geojson, .csv or .parquet file"))
    data = read_bytes(path, "table", CityError, inside, OUTSIDE_HINT)
    try:
        if suffix == ".csv":
            raw = read_csv_table(data)
            return raw, csv_line_label(data, len(raw)), None
        if suffix == ".parquet":
            return pd.read_parquet(io.BytesIO(data)), lambda i: f"row {i + 1}", None
        rows, areas = geojson_table(data)
        return rows, lambda i: f"feature {i + 1}", areas
    except RecursionError:
        msg = "arrays or objects nested too deeply"
    except pd.errors.EmptyDataError:
        msg = "the file is empty"
    except Exception as exc:  # pandas, json and pyarrow raise many types for corrupt files
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    hint = unreadable_hint(data) if suffix == ".csv" else ""
    raise CityError(Problem(str(path), "", "", f"cannot be read: {msg}{hint}"))


def read_city_toml(folder: Path, allow_outside: bool = False) -> dict:
    """Read and check ``city.toml``; return name, crs and the file of every table.

    ``city.toml`` itself must lie in the folder (a symbolic link out of it is refused) unless
    ``allow_outside``.
    """
    path = folder / "city.toml"
    if not is_dir(folder, CityError):
        why = "city folder not found"
        if lexists(folder, CityError):
            why = "is a file, not a city folder (the city folder comes first, then the scenario)"
        raise CityError(Problem(str(folder), "", "", why))
    if not lexists(path, CityError):
        raise CityError(Problem(str(path), "", "", "file not found (every city folder has one)"))
    text = read_text(path, "city_toml", CityError, None if allow_outside else folder, OUTSIDE_HINT)
    try:
        doc = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, and integers of more than 4,300 digits
        raise CityError(Problem(str(path), "", "", f"malformed TOML: {exc}")) from None
    except RecursionError:
        raise CityError(Problem(str(path), "", "", "arrays nested too deeply")) from None
    problems = []
    name = doc.get("name", folder.name)
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        problems.append(Problem(str(path), "key 'name'", "", "expected a text of 1-200 characters"))
    allowed = {"name", "crs", "files", "description", "synthetic_networks"}
    for k in doc:
        if k not in allowed:
            why = f"unknown key{suggest(k, sorted(allowed))} (expected {sorted(allowed)})"
            problems.append(Problem(str(path), f"key '{k}'", "", why))
    files = dict(DEFAULT_FILES)
    user_files = doc.get("files", {})
    if not isinstance(user_files, dict):
        problems.append(Problem(str(path), "key 'files'", "", "expected a table"))
        user_files = {}
    for k, v in user_files.items():
        if k not in DEFAULT_FILES:
            problems.append(
                Problem(
                    str(path),
                    f"key 'files.{k}'",
                    "",
                    f"unknown table{suggest(k, DEFAULT_FILES)} (expected one of "
                    f"{', '.join(DEFAULT_FILES)})",
                )
            )
        elif not isinstance(v, str) or not v or len(v) > 1024 or "\0" in v:
            problems.append(Problem(str(path), f"key 'files.{k}'", "", "expected a file name"))
        else:
            files[k] = v
    crs = doc.get("crs", "EPSG:4326")
    if crs not in ("EPSG:4326", "WGS84", "OGC:CRS84"):
        problems.append(
            Problem(str(path), "key 'crs'", "", f"expected EPSG:4326 (lon/lat), got {crs!r}")
        )
    description = doc.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem(str(path), "key 'description'", "", "expected a text"))
        description = ""
    synthetic = _synthetic_networks(doc, description, str(path), problems)
    if problems:
        raise CityError(problems)
    return {
        "name": name,
        "crs": "EPSG:4326",
        "files": files,
        "description": description,
        "synthetic_networks": synthetic,
    }


IMPORTED_SYNTHETIC = {
    "grid and heat network synthetic.": ("grid", "heat_network"),
    "grid synthetic.": ("grid",),
    "heat network synthetic.": ("heat_network",),
}
"""How the description of a city imported before ``synthetic_networks`` existed ends, by the
networks it marks synthetic (:func:`coldstart.city.osm.write.description`)."""


def _synthetic_networks(
    doc: dict, description: str, path: str, problems: list[Problem]
) -> tuple[str, ...]:
    """``city.toml``'s ``synthetic_networks`` (checked; a problem appended when wrong), or what
    an imported city's description says when the key is absent."""
    if "synthetic_networks" not in doc:
        ends = [v for k, v in IMPORTED_SYNTHETIC.items() if description.endswith("; " + k)]
        return ends[0] if ends else ()
    value = doc["synthetic_networks"]
    if not isinstance(value, list) or not all(v in NETWORKS for v in value):
        problems.append(
            Problem(path, "key 'synthetic_networks'", "",
                    f"expected a list of {', '.join(map(repr, NETWORKS))}")
        )  # fmt: skip
        return ()
    return tuple(k for k in NETWORKS if k in value)


def city_toml_text(city: City, files: dict[str, str]) -> str:
    """``city.toml`` of ``city``: name, CRS, description and synthetic networks when it has
    them, and the file of every table."""
    toml = [f"name = {toml_string(city.name)}", f"crs = {toml_string(city.crs)}"]
    if city.description:
        toml.append(f"description = {toml_string(city.description)}")
    if city.synthetic_networks:
        names = ", ".join(toml_string(k) for k in city.synthetic_networks)
        toml.append(f"synthetic_networks = [{names}]")
    toml += ["", "[files]", *(f"{k} = {toml_string(v)}" for k, v in files.items())]
    return "\n".join(toml) + "\n"


def load_city(folder: str | Path, allow_outside: bool = False) -> City:
    """Load and check a city folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        Folder holding ``city.toml``.
    allow_outside : bool, optional
        Read tables that ``city.toml`` names outside the folder (absolute paths, ``..``,
        symbolic links out). Off by default: a city folder someone sent you reads only itself.

    Returns
    -------
    City

    Raises
    ------
    CityError
        Listing every problem found (file, row, field, what was expected).
    """
    with paused_gc():  # millions of parsed values, none in a cycle: no collection passes
        return _load_city(Path(folder), allow_outside)


def _load_city(folder: Path, allow_outside: bool) -> City:
    """:func:`load_city`, with the garbage collector paused by the caller."""
    meta = read_city_toml(folder, allow_outside)
    files = meta["files"]
    inside = None if allow_outside else folder
    grid_path = folder / files["grid"]
    problems: list[Problem] = []
    net = None
    try:
        data = read_bytes(grid_path, "grid", CityError, inside, OUTSIDE_HINT)
        net = read_pandapower_json(data, str(grid_path))
    except InputError as exc:
        problems += exc.problems
    if net is not None:
        problems += check_grid(net, str(grid_path))
    specs = table_specs()
    tables: dict[str, pd.DataFrame] = {}
    labels = {}
    names = {}
    areas = None
    for t in TABLES:
        path = folder / files[t]
        names[t] = str(path)
        if t in OPTIONAL_TABLES and not lexists(path, CityError):
            raw, label = pd.DataFrame(), (lambda i: f"row {i + 1}")
            table, _ = coerce_table(raw, specs[t], str(path), label)
            tables[t], labels[t] = table, label
            continue
        try:
            raw, label, geoms = read_table_file(path, inside)
        except CityError as exc:
            problems += exc.problems
            continue
        areas = geoms if t == "buildings" else areas
        table, probs = coerce_table(raw, specs[t], str(path), label)
        problems += probs
        tables[t] = table
        labels[t] = label
    if not problems and net is not None:
        problems += check_references(tables, net, names, labels)
    if problems:
        raise CityError(problems)
    footprints = None
    if areas is not None:
        footprints = footprint_series(tables["buildings"]["building_id"], areas)
    return City(
        name=meta["name"], net=net, tables=tables, crs=meta["crs"], footprints=footprints,
        synthetic_networks=meta["synthetic_networks"], description=meta["description"],
    )  # fmt: skip


def write_city_files(city: City, folder: Path) -> None:
    """Write a city's files into ``folder`` (being written): the grid JSON, one GeoJSON per
    table (buildings with a footprint as their geometry, heat pipes as lines between their
    nodes) and ``city.toml``."""
    files = dict(DEFAULT_FILES)
    pp.to_json(city.net, str(folder / files["grid"]))
    nodes = city.heat_nodes.set_index("node_id")
    for t in TABLES:
        table = city.tables[t] if t in city.tables else city.heat_valves
        if t == "buildings" and city.footprints is not None:
            geoms = aligned(city.footprints, table["building_id"])
            (folder / files[t]).write_text(footprint_geojson(table, geoms))
            continue
        lines = None
        if t == "heat_pipes":
            fr = nodes.loc[table["from_node"], ["lon", "lat"]].to_numpy()
            to = nodes.loc[table["to_node"], ["lon", "lat"]].to_numpy()
            lines = [[tuple(a), tuple(b)] for a, b in zip(fr, to, strict=True)]
        write_geojson(table, folder / files[t], lines=lines)
    (folder / "city.toml").write_text(city_toml_text(city, files))


def check_written(folder: Path, label: str) -> None:
    """Load a city folder just written like any city; its problems name ``label`` (e.g. the
    source it was made from) instead of the temporary folder.

    Raises
    ------
    CityError
        What ``coldstart city check`` would refuse.
    """
    try:
        load_city(folder)
    except CityError as exc:
        raise CityError(
            [
                Problem(p.file.replace(str(folder), label), p.where, p.field, p.message)
                if isinstance(p, Problem)
                else p
                for p in exc.problems
            ]
        ) from None


def save_city(
    city: City, folder: str | Path, inputs: tuple[str | Path, ...] = (), verify: str = ""
) -> Path:
    """Write a city folder all at once (``city.toml``, grid JSON, one GeoJSON per table).

    Buildings with a footprint (:attr:`City.footprints`) are written with it as their geometry,
    the others as points; ``city.toml`` keeps the description and synthetic networks.

    ``folder`` is replaced only when it is empty or an earlier coldstart output (see
    :mod:`coldstart.outdir`), never when it holds other files or is one of ``inputs``. With
    ``verify`` (a label for messages, e.g. the source network), the written folder is loaded
    and checked like any city before it replaces ``folder``: coldstart never writes a city its
    own ``city check`` would refuse.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    coldstart.errors.OutputError
        When ``folder`` may not be written.
    """
    folder = Path(folder)
    with owned_output(folder, command="coldstart city", inputs=inputs) as tmp:
        write_city_files(city, tmp)
        if verify:
            check_written(tmp, verify)
    return folder
