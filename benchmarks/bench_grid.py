"""Benchmark: islands + DC power flow per N-2 contingency, coldstart against pandapower.

For ``case1354pegase`` and ``case9241pegase`` (shipped with pandapower), the same random N-2
contingencies (two branches -- lines or trafos -- out) are answered twice in this process:

- peer: ``pandapower.topology.unsupplied_buses`` + ``pandapower.rundcpp`` on the net with the two
  elements out of service (set and reset in place, no copies, the cheapest way to drive it);
- coldstart: ``GridModel.dc_power_flow`` (labelled pandas results; the model is compiled once
  before timing, and the compile time is printed apart).

Every answer is compared (dead buses identical, line and trafo flows within 1e-6 MW) and the
number of disagreements is printed. Goal (issue 4): at least 50x faster than pandapower on
``case9241pegase`` with identical answers.

Run: ``.venv/bin/python benchmarks/bench_grid.py [N_CONTINGENCIES]`` (default 1000; pandapower
needs a few minutes for 1,000 cases of case9241pegase).
"""

from __future__ import annotations

import logging
import sys
import time
import warnings

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandapower.topology as top

from coldstart.grid import GridModel

TOL_MW = 1e-6


def contingencies(net: pp.pandapowerNet, n: int, seed: int = 0) -> list[dict[str, list[int]]]:
    """``n`` random pairs of distinct in-service branches (lines or trafos)."""
    rng = np.random.default_rng(seed)
    branches = [("line", int(i)) for i in net.line.index[net.line.in_service]]
    branches += [("trafo", int(i)) for i in net.trafo.index[net.trafo.in_service]]
    out = []
    for _ in range(n):
        a, b = rng.choice(len(branches), 2, replace=False)
        d: dict[str, list[int]] = {}
        for t, i in (branches[a], branches[b]):
            d.setdefault(t, []).append(i)
        out.append(d)
    return out


def peer(net: pp.pandapowerNet, out: dict) -> tuple[float, set, object]:
    """pandapower's answer and its wall time [s]."""
    t0 = time.perf_counter()
    for t, labels in out.items():
        net[t].loc[labels, "in_service"] = False
    dead = set(top.unsupplied_buses(net))
    pp.rundcpp(net)
    t1 = time.perf_counter()
    res = (net.res_line.p_from_mw.to_numpy().copy(), net.res_trafo.p_hv_mw.to_numpy().copy())
    for t, labels in out.items():
        net[t].loc[labels, "in_service"] = True
    return t1 - t0, dead, res


def agrees(r, dead: set, res) -> bool:
    """Same dead buses, and flows within :data:`TOL_MW` where ours are defined."""
    ours_dead = set(r.energized_bus.index[~r.energized_bus.to_numpy()])
    if ours_dead != dead:
        return False
    for ours, theirs in (
        (r.line_p_from_mw.to_numpy(), res[0]),
        (r.trafo_p_hv_mw.to_numpy(), res[1]),
    ):
        fin = np.isfinite(ours)
        if np.any(np.abs(ours[fin] - theirs[fin]) > TOL_MW):
            return False
        if np.any(np.abs(np.nan_to_num(theirs[~fin])) > 1e-9):
            return False
    return True


def bench(name: str, n: int) -> dict[str, float]:
    """Per-contingency times of both engines on ``n`` N-2 cases of network ``name``."""
    net = getattr(pn, name)()
    cases = contingencies(net, n)
    t0 = time.perf_counter()
    model = GridModel.from_pandapower(net)
    model.dc_power_flow({})  # the first base factorization
    compile_s = time.perf_counter() - t0
    ours_s, peer_s, bad = 0.0, 0.0, 0
    for out in cases:
        t1 = time.perf_counter()
        r = model.dc_power_flow(out)
        ours_s += time.perf_counter() - t1
        dt, dead, res = peer(net, out)
        peer_s += dt
        bad += not agrees(r, dead, res)
    return {
        "buses": len(net.bus),
        "compile_s": compile_s,
        "ours_ms": ours_s / n * 1e3,
        "peer_ms": peer_s / n * 1e3,
        "disagree": bad,
    }


def main(n: int) -> None:
    """Run both networks and print one line each with the ratio."""
    logging.getLogger("pandapower").setLevel(logging.ERROR)  # its "numba missing" notice
    try:
        import numba  # noqa: F401

        numba_note = "numba available to pandapower"
    except ImportError:
        numba_note = "numba NOT installed: pandapower runs its pure-Python/scipy paths"
    print(f"N-2 contingencies per network: {n}; {numba_note}")
    print(
        f"{'network':>16} {'buses':>6} {'compile s':>9} {'coldstart ms':>12} "
        f"{'pandapower ms':>13} {'ratio':>7} {'disagree':>8}"
    )
    for name in ("case1354pegase", "case9241pegase"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = bench(name, n)
        print(
            f"{name:>16} {r['buses']:>6,} {r['compile_s']:>9.2f} {r['ours_ms']:>12.2f} "
            f"{r['peer_ms']:>13.1f} {r['peer_ms'] / r['ours_ms']:>6.0f}x {r['disagree']:>8}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
