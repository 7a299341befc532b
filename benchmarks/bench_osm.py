"""Benchmark: ``coldstart city from-osm`` on a generated extract of 50,000 buildings.

The extract is written with pyosmium (:func:`coldstart.city.osm.extract.write_extract`, not
timed), then imported in a fresh process exactly as the CLI does it: read, repair and measure
the footprints, infer, synthesise the heat network and the grid, check the grid, compile, write
the folder and load it back. Printed: wall time of each stage and of the whole import, and the
peak resident memory of the importing process (``ru_maxrss``). Goal (issue 18): under 60 s and
2 GB.

Run: ``.venv/bin/python benchmarks/bench_osm.py [N_BUILDINGS]`` (default 50,000).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from coldstart.city.gridcheck import check_grid
from coldstart.city.osm import city_from_osm
from coldstart.city.osm.write import save_osm_city
from coldstart.cli import compile_checked
t1 = time.perf_counter()
imp = city_from_osm(sys.argv[1], seed=0)
t2 = time.perf_counter()
assert not check_grid(imp.city.net, sys.argv[1])
compile_checked(imp.city, sys.argv[1])
t3 = time.perf_counter()
save_osm_city(imp, Path(sys.argv[2]), sys.argv[1])
t4 = time.perf_counter()
d = imp.city.describe()
print(f"  imports {t1 - t0:.1f} s, city_from_osm {t2 - t1:.1f} s, check + compile "
      f"{t3 - t2:.1f} s, write + reload {t4 - t3:.1f} s")
print(f"  {d['buildings']:,} buildings, {d['residents']:,} residents, {d['grid_buses']:,} buses, "
      f"{d['heat_pipes']:,} heat pipes, {d['assets']:,} assets")
"""


def main(n: int = 50_000) -> None:
    """Write an extract of ``n`` buildings and time its import in a child process."""
    from coldstart.city.osm.extract import write_extract

    with tempfile.TemporaryDirectory() as tmp:
        pbf = Path(tmp) / "bench.osm.pbf"
        t0 = time.perf_counter()
        write_extract(pbf, n, seed=0)
        size_mb = pbf.stat().st_size / 1e6
        print(f"extract: {n:,} buildings, {size_mb:.1f} MB, written in "
              f"{time.perf_counter() - t0:.1f} s (not timed below)")  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", IMPORT, str(pbf), str(Path(tmp) / "city")],
                       check=True)  # fmt: skip
        wall = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"import: {wall:.1f} s wall (process start included), peak memory {peak_mb:,.0f} MB")
        print(
            f"goal: < 60 s and < 2,048 MB -> {'met' if wall < 60 and peak_mb < 2048 else 'MISSED'}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
