"""Save and load a city as a folder of open formats.

A city folder holds ``city.toml`` (name, CRS and the file of each table), the grid as
pandapower JSON, and one file per table: GeoJSON (opens in QGIS), CSV or Parquet (open in
pandas), chosen by extension. Loading checks every table against its schema and every
reference across tables, and raises :class:`~coldstart.errors.CityError` listing every problem;
a city is never half-loaded.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd

from coldstart.atomic import atomic_dir
from coldstart.city.model import OPTIONAL_TABLES, TABLES, City
from coldstart.city.schema import coerce_table, table_specs
from coldstart.city.validate import check_references
from coldstart.errors import CityError, Problem

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
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def read_raw_table(path: Path) -> tuple[pd.DataFrame, callable]:
    """Read a table file into raw rows, and return a function labelling rows for messages.

    Raises
    ------
    CityError
        When the file is missing or cannot be parsed.
    """
    name = path.name
    if not path.exists():
        raise CityError(Problem(str(path), "", "", "file not found"))
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            raw = pd.read_csv(path, dtype=object, keep_default_na=False, skipinitialspace=True)
            return raw, lambda i: f"line {i + 2}"
        if suffix == ".parquet":
            return pd.read_parquet(path), lambda i: f"row {i + 1}"
        if suffix in (".geojson", ".json"):
            doc = json.loads(path.read_text())
            feats = doc.get("features") if isinstance(doc, dict) else None
            if not isinstance(feats, list):
                raise ValueError("not a GeoJSON FeatureCollection (no 'features' list)")
            rows = []
            for k, f in enumerate(feats):
                if not isinstance(f, dict) or not isinstance(f.get("properties", {}), dict):
                    raise ValueError(f"feature {k + 1} is not a GeoJSON feature")
                props = dict(f.get("properties") or {})
                geom = f.get("geometry") or {}
                if geom.get("type") == "Point":
                    coords = geom.get("coordinates") or [None, None]
                    props.setdefault("lon", coords[0])
                    props.setdefault("lat", coords[1])
                rows.append(props)
            return pd.DataFrame(rows), lambda i: f"feature {i + 1}"
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CityError(Problem(str(path), "", "", f"cannot be read: {msg}")) from None
    except Exception as exc:  # pyarrow raises its own types for corrupt Parquet
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CityError(Problem(str(path), "", "", f"cannot be read: {msg}")) from None
    raise CityError(Problem(name, "", "", "expected a .geojson, .csv or .parquet file"))


def read_city_toml(folder: Path) -> dict:
    """Read and check ``city.toml``; return name, crs and the file of every table."""
    path = folder / "city.toml"
    if not folder.is_dir():
        raise CityError(Problem(str(folder), "", "", "city folder not found"))
    if not path.exists():
        raise CityError(Problem(str(path), "", "", "file not found (every city folder has one)"))
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise CityError(Problem(str(path), "", "", f"malformed TOML: {exc}")) from None
    problems = []
    allowed = {"name", "crs", "files", "description"}
    for k in doc:
        if k not in allowed:
            problems.append(
                Problem(str(path), f"key '{k}'", "", f"unknown key (expected {sorted(allowed)})")
            )
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
                    f"unknown table (expected one of {', '.join(DEFAULT_FILES)})",
                )
            )
        elif not isinstance(v, str):
            problems.append(Problem(str(path), f"key 'files.{k}'", "", "expected a file name"))
        else:
            files[k] = v
    crs = doc.get("crs", "EPSG:4326")
    if crs not in ("EPSG:4326", "WGS84", "OGC:CRS84"):
        problems.append(
            Problem(str(path), "key 'crs'", "", f"expected EPSG:4326 (lon/lat), got {crs!r}")
        )
    if problems:
        raise CityError(problems)
    return {"name": str(doc.get("name", folder.name)), "crs": "EPSG:4326", "files": files}


def load_city(folder: str | Path) -> City:
    """Load and check a city folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        Folder holding ``city.toml``.

    Returns
    -------
    City

    Raises
    ------
    CityError
        Listing every problem found (file, row, field, what was expected).
    """
    folder = Path(folder)
    meta = read_city_toml(folder)
    files = meta["files"]
    grid_path = folder / files["grid"]
    problems: list[Problem] = []
    net = None
    if not grid_path.exists():
        problems.append(Problem(str(grid_path), "", "", "file not found"))
    else:
        try:
            net = pp.from_json(str(grid_path))
        except Exception as exc:  # pandapower raises many types on a bad file
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            problems.append(Problem(str(grid_path), "", "", f"not a pandapower JSON net: {first}"))
    if net is not None:
        problems += check_grid(net, str(grid_path))
    specs = table_specs()
    tables: dict[str, pd.DataFrame] = {}
    labels = {}
    names = {}
    for t in TABLES:
        path = folder / files[t]
        names[t] = str(path)
        if t in OPTIONAL_TABLES and not path.exists():
            raw, label = pd.DataFrame(), (lambda i: f"row {i + 1}")
            table, _ = coerce_table(raw, specs[t], str(path), label)
            tables[t], labels[t] = table, label
            continue
        try:
            raw, label = read_raw_table(path)
        except CityError as exc:
            problems += exc.problems
            continue
        table, probs = coerce_table(raw, specs[t], str(path), label)
        problems += probs
        tables[t] = table
        labels[t] = label
    if not problems and net is not None:
        problems += check_references(tables, net, names, labels)
    if problems:
        raise CityError(problems)
    return City(name=meta["name"], net=net, tables=tables, crs=meta["crs"])


def check_grid(net: pp.pandapowerNet, file: str) -> list[Problem]:
    """Check the grid's own numbers: no negative ratings, capacities or lengths."""
    checks = [
        ("line", "length_km", 0.0, False),
        ("line", "max_i_ka", 0.0, False),
        ("trafo", "sn_mva", 0.0, False),
        ("gen", "p_mw", 0.0, True),
        ("load", "p_mw", 0.0, True),
        ("bus", "vn_kv", 0.0, False),
    ]
    problems = []
    for table, col, lo, allow_zero in checks:
        if table not in net or col not in net[table] or len(net[table]) == 0:
            continue
        vals = net[table][col].astype(float)
        bad = vals.isna() | ((vals < lo) if allow_zero else (vals <= lo))
        for idx in list(vals.index[bad])[:20]:
            expected = ">= 0" if allow_zero else "> 0"
            problems.append(
                Problem(file, f"{table} {idx}", col, f"expected {expected}, got {vals[idx]!r}")
            )
    return problems


def save_city(city: City, folder: str | Path) -> Path:
    """Write a city folder atomically (``city.toml``, grid JSON, one GeoJSON per table).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    folder = Path(folder)
    with atomic_dir(folder) as tmp:
        files = dict(DEFAULT_FILES)
        pp.to_json(city.net, str(tmp / files["grid"]))
        nodes = city.heat_nodes.set_index("node_id")
        for t in TABLES:
            table = city.tables[t] if t in city.tables else city.heat_valves
            lines = None
            if t == "heat_pipes":
                fr = nodes.loc[table["from_node"], ["lon", "lat"]].to_numpy()
                to = nodes.loc[table["to_node"], ["lon", "lat"]].to_numpy()
                lines = [[tuple(a), tuple(b)] for a, b in zip(fr, to, strict=True)]
            write_geojson(table, tmp / files[t], lines=lines)
        toml = [f'name = "{city.name}"', f'crs = "{city.crs}"', "", "[files]"]
        toml += [f'{k} = "{v}"' for k, v in files.items()]
        (tmp / "city.toml").write_text("\n".join(toml) + "\n")
    return folder
