"""The Result of a run: summary, timeline, per-building table, events; and saving it.

A Result is separate from the city and the scenario: it holds only what the run produced.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from coldstart.outdir import owned_output
from coldstart.outputs import check_outputs, columns, output_specs

SUMMARY_KEYS = columns("summary")
"""Keys of ``summary.json`` (described with units and meanings in ``data/outputs.toml``)."""

TIMELINE_COLUMNS = columns("timeline")
"""Columns of ``timeline.csv``, one row per thermal step."""

BUILDING_COLUMNS = columns("buildings")
"""Columns of ``buildings.parquet``."""

EVENT_COLUMNS = columns("events")
"""Columns of ``events.csv``."""


@dataclass(frozen=True)
class Result:
    """What a run produced.

    Parameters
    ----------
    Every key and column, with its unit and meaning, is described in ``data/outputs.toml``
    (:mod:`coldstart.outputs`).

    summary : dict
        Headline figures. Units in the key names.
    timeline : pandas.DataFrame
        One row per step.
    buildings : pandas.DataFrame
        One row per building.
    events : pandas.DataFrame
        Waves, hits, repairs, alerts, trips, drains, freezes, refills, shelter events.
    assets : pandas.DataFrame
        Struck assets: worst state, hits, first and last hit, restored.
    shelters : pandas.DataFrame
        Shelters with peak occupancy, person-hours, failures.
    outage_schedule : pandas.DataFrame
        Rotating-outage windows applied (``scheduled`` or ``emergency``).
    districts : pandas.DataFrame
        Heat districts (one per source): blocks that lost heat, drained and frozen buildings,
        hours the source ran on backup power.
    meta : dict
        City and scenario names, horizon, step, seed, coldstart version.
    service : pandas.DataFrame
        Per building: its outage queue, when it lost heat and when heat came back for good.
    network : pandas.DataFrame
        Power lines and heat pipes with geometry, state at the end and hours out.
    footprints : pandas.Series, optional
        The city's building footprints (shapely geometries by ``building_id``,
        :attr:`coldstart.city.model.City.footprints`): drawn on the report's map, not a file.
    shelter_design_want : pandas.DataFrame, optional
        People of each building (rows, in the city's order) wanting shelter at each day's
        design hour (columns: the hour [h since start] of the day's peak of people wanting
        shelter), for shelter siting over several design hours; not a file.
    """

    summary: dict
    timeline: pd.DataFrame
    buildings: pd.DataFrame
    events: pd.DataFrame
    assets: pd.DataFrame = field(default_factory=pd.DataFrame)
    shelters: pd.DataFrame = field(default_factory=pd.DataFrame)
    outage_schedule: pd.DataFrame = field(default_factory=pd.DataFrame)
    districts: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: dict = field(default_factory=dict)
    service: pd.DataFrame = field(default_factory=pd.DataFrame)
    network: pd.DataFrame = field(default_factory=pd.DataFrame)
    footprints: pd.Series | None = field(default=None, compare=False)
    shelter_design_want: pd.DataFrame | None = field(default=None, compare=False)

    def save(
        self,
        out_dir: str | Path,
        report: bool = True,
        inputs: tuple[str | Path, ...] = (),
        made_utc: datetime | None = None,
    ) -> Path:
        """Write the output folder all at once (see :mod:`coldstart.outdir` for the rules).

        Files: ``summary.json``, ``timeline.csv``, ``buildings.parquet``, ``events.csv``,
        ``assets.csv``, ``shelters.csv``, ``outage_schedule.csv``, ``districts.csv``,
        ``results.gpkg``, ``outage_schedule.html``, one ``outage_queue_<queue>.ics`` per
        sub-queue and, when ``report`` is true, ``report.html``. Either all land or none does;
        ``out_dir`` is replaced only when it is empty or an earlier coldstart output, never when
        it holds other files or is one of ``inputs``. ``made_utc``: as :meth:`write_into`.

        Raises
        ------
        coldstart.errors.OutputError
            When ``out_dir`` may not be written.
        """
        with owned_output(out_dir, command="coldstart run", inputs=inputs) as tmp:
            self.write_into(tmp, report=report, made_utc=made_utc)
        return Path(out_dir)

    def write_into(
        self, folder: Path, report: bool = True, made_utc: datetime | None = None
    ) -> None:
        """Write every output file into an existing (temporary) folder.

        ``summary.json`` is strict JSON: a non-finite figure is written as ``null``. Every
        output is first checked against its description (``data/outputs.toml``).

        ``made_utc`` (time-zone aware) is when the files are made, the ``DTSTAMP`` of the
        calendar files; None takes the current UTC time, read once here. Every other file
        depends on the Result alone.
        """
        made_utc = datetime.now(UTC) if made_utc is None else made_utc
        check_outputs(self)
        summary = strict_json(self.summary)
        (folder / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
        specs = output_specs()
        rounded(self.timeline, specs["timeline"].whole).to_csv(folder / "timeline.csv", index=False)
        self.buildings.to_parquet(folder / "buildings.parquet", index=False)
        for name in ("events", "assets", "shelters", "outage_schedule", "districts"):
            rounded(getattr(self, name), specs[name].whole).to_csv(
                folder / f"{name}.csv", index=False
            )
        from coldstart.report.gis import write_gpkg
        from coldstart.report.schedule import write_schedule_files

        write_gpkg(self, folder / "results.gpkg")
        write_schedule_files(self, folder, made_utc)
        if report:
            from coldstart.report import write_report

            write_report(self, folder / "report.html")


CSV_DECIMALS = 4
"""Decimals of the numbers in the CSV outputs (hours to 0.36 s, MW to 0.1 kW, °C to 1e-4);
``lon``/``lat`` keep 7 (1 cm). Parquet keeps full precision."""


def rounded(df: pd.DataFrame, whole: frozenset[str] | set[str] = frozenset()) -> pd.DataFrame:
    """A copy of ``df`` with float columns rounded for a CSV (:data:`CSV_DECIMALS`).

    The float columns named in ``whole`` (counts of people, whole by construction: ``31782``,
    not ``31782.0``) are written as integers when every value is whole; every other float
    column keeps its decimal point, so a column reads as the same type in every run (a column
    of hours that happen to be whole in one run is still ``12.0``).
    """
    floats = df.select_dtypes("floating").columns
    if not len(floats):
        return df
    decimals = {c: 7 if c in ("lon", "lat") else CSV_DECIMALS for c in floats}
    out = df.round(decimals)
    for c in floats.intersection(list(whole)):
        v = out[c].to_numpy()
        ok = len(v) and np.isfinite(v).all() and (v == np.round(v)).all()
        if ok and np.abs(v).max() < 2**53:  # (exact as integers)
            out[c] = v.astype(np.int64)
    return out


def strict_json(value: object) -> object:
    """A copy of ``value`` in which every NaN or infinite float is None (JSON ``null``).

    JSON has no NaN or Infinity; Python's ``json`` writes them anyway unless told not to, and
    the file is then invalid for every other reader.
    """
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
