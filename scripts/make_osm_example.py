"""Write the bundled example extract ``examples/osm/kharkiv-synthetic.osm.pbf``.

The extract is generated (:func:`coldstart.city.osm.extract.write_extract`): 400 buildings on a
street grid around Kharkiv's centre, tagged as Ukrainian cities are mapped, with schools, a
hospital, a clinic, a social facility, a metro station with entrances, water works, a
substation, a 110 kV line, a CHP plant and two boiler houses. It is not real OpenStreetMap data
(this repository works offline); for a real city download an extract (e.g. from Geofabrik or
BBBike) and follow README, "Your own city".

Run: ``.venv/bin/python scripts/make_osm_example.py [--check]``; ``--check`` only verifies that
the bundled file is what the script writes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from coldstart.city.osm.extract import write_extract

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "osm" / "kharkiv-synthetic.osm.pbf"
BUILDINGS = 400
SEED = 0


def main(check: bool = False) -> int:
    """Write (or with ``check`` compare) the example extract; return the exit code."""
    if not check:
        write_extract(EXAMPLE, BUILDINGS, seed=SEED)
        print(f"wrote {EXAMPLE.relative_to(ROOT)} ({EXAMPLE.stat().st_size:,} bytes)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_extract(Path(tmp) / EXAMPLE.name, BUILDINGS, seed=SEED).path
        same = fresh.read_bytes() == EXAMPLE.read_bytes()
    print(f"{EXAMPLE.relative_to(ROOT)}: {'up to date' if same else 'differs: rerun the script'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
