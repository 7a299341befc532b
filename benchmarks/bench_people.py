"""People model benchmark: 10,000 buildings and 1,000 shelters.

Prints, measured in the same process:

- the spatial index (two k-d trees) against a brute-force building x shelter distance matrix;
- one assignment of everyone who wants a shelter (vectorised deferred acceptance) against the
  first-version loop it replaces (``assign_sequential``), with a check that they agree;
- a whole ``PeopleModel.step`` (shelter thermal model, fuel, opening, failing, hourly decisions)
  averaged over a simulated day at 10-minute steps, against the first-version loop alone;
- the model's placing of newcomers on the open entries only (needy agents to shelters with
  room) against deferred acceptance over the whole entry table, with a check that they agree.

Run: ``.venv/bin/python benchmarks/bench_people.py``
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from coldstart.people.config import People
from coldstart.people.model import PeopleModel, home_rank
from coldstart.people.shelter import (
    ShelterIndex,
    assign,
    assign_sequential,
    deferred_acceptance,
)

N_BUILDINGS, N_SHELTERS = 10_000, 1_000
SIDE_M = 25_000.0  # a 25 km square: ~1.6 shelters per km2, as Kyiv's ~1,300 warming points


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    b_xy = rng.uniform(0, SIDE_M, (N_BUILDINGS, 2))
    s_xy = rng.uniform(0, SIDE_M, (N_SHELTERS, 2))
    limit_km = 1.5

    t_index = best_of(lambda: ShelterIndex.build(b_xy, s_xy, limit_km))

    def brute():
        d = np.hypot(*(b_xy[:, None, :] - s_xy[None, :, :]).transpose(2, 0, 1)) / 1000.0
        near = d <= limit_km
        return [np.flatnonzero(row)[np.argsort(dr[row])] for row, dr in zip(near, d, strict=True)]

    t_brute = best_of(brute, repeat=1)
    print(
        f"index: k-d trees {t_index * 1e3:.1f} ms, brute-force distance matrix "
        f"{t_brute * 1e3:.1f} ms, ratio {t_brute / t_index:.1f}x"
    )

    idx = ShelterIndex.build(b_xy, s_xy, limit_km)
    cap = rng.integers(50, 800, N_SHELTERS)
    prio = rng.uniform(0, 15, N_BUILDINGS)
    for label, hi in (("light load", 20), ("capacity short", 120)):
        want = rng.integers(0, hi, N_BUILDINGS)
        fast = assign(idx, want, prio, cap)
        slow = assign_sequential(idx, want, prio, cap)
        same = all((a == b).all() for a, b in zip(fast, slow, strict=True))
        t_fast = best_of(lambda: assign(idx, want, prio, cap))  # noqa: B023
        t_slow = best_of(lambda: assign_sequential(idx, want, prio, cap))  # noqa: B023
        print(
            f"assign ({label}: {want.sum():,} want, {cap.sum():,} places): vectorised "
            f"{t_fast * 1e3:.1f} ms, first-version loop {t_slow * 1e3:.1f} ms, ratio "
            f"{t_slow / t_fast:.1f}x, identical: {same}"
        )

    kinds = rng.choice(
        ["metro_station", "school", "warming_point"], N_SHELTERS, p=[0.05, 0.35, 0.6]
    )
    shelters = pd.DataFrame(
        {
            "facility_id": [f"s{i}" for i in range(N_SHELTERS)],
            "kind": kinds,
            "capacity_people": cap,
            "floor_area_m2": np.where(kinds == "warming_point", 250.0, 5000.0),
            "backup_power_kw": np.where(kinds == "school", 0.0, 50.0),
            "backup_fuel_h": np.where(kinds == "school", 0.0, 18.0),
            "heat_supply": np.where(kinds == "school", "district", "own"),
        }
    )
    model = PeopleModel.from_arrays(
        b_xy,
        rng.integers(20, 300, N_BUILDINGS).astype(float),
        np.full(N_BUILDINGS, 0.27),
        np.full(N_BUILDINGS, 0.05),
        shelters,
        s_xy,
        People(refuel_every_h=24.0),
        dt_h=1.0 / 6.0,
    )
    state = model.initial_state()
    steps = 144
    temps = [rng.uniform(0, 20, N_BUILDINGS) for _ in range(24)]
    grid = rng.uniform(0, 1, (24, N_SHELTERS)) > 0.2
    heat = rng.uniform(0, 1, (24, N_SHELTERS))
    t0 = time.perf_counter()
    for k in range(steps):
        t = k / 6.0
        h = int(t)
        state = model.step(state, t, -18.0, temps[h], grid[h], heat[h])
    per_step = (time.perf_counter() - t0) / steps
    want = state.want[:N_BUILDINGS] + state.want[N_BUILDINGS:]
    t_loop = best_of(lambda: assign_sequential(idx, want, temps[-1], cap))
    print(
        f"PeopleModel.step: {per_step * 1e3:.2f} ms per 10-min step on average over a day "
        f"(decisions hourly; {state.people_in_shelters:,} people in shelters at the end); "
        f"the first-version loop alone takes {t_loop * 1e3:.1f} ms per hourly decision, "
        f"i.e. {t_loop / 6 * 1e3:.2f} ms per step: ratio {t_loop / 6 / per_step:.2f}x"
    )
    bench_open_entries(model, state, temps[-1])


def best_cpu(*fns, repeat: int = 15) -> list[float]:
    """Best CPU time [s] of each function, run in turn ``repeat`` times (CPU time and
    alternation: steadier than wall time on a shared machine)."""
    best = [np.inf] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.process_time()
            fn()
            best[i] = min(best[i], time.process_time() - t)
    return best


def bench_open_entries(model: PeopleModel, state, temp_air_c: np.ndarray):
    """Place newcomers both ways, in the working shelters at the end of the day: those left
    without a place then (the shelters as full as they are), and everyone wanting a shelter
    into empty shelters."""
    nb = model.n_buildings
    agents = np.concatenate([np.arange(nb), np.arange(nb)])
    entries = (model.ent_start, model.ent_end, model.ent_shelter, model.ent_agent)
    empty = np.zeros(model.n_shelters, np.int64)
    for label, need, occ in (
        ("unmet at the end of the day", state.unmet, state.occupancy),
        ("everyone wanting, empty shelters", state.want, empty),
    ):
        free = np.maximum(np.where(state.works, model.stock.capacity_people - occ, 0), 0)

        def whole(need=need, free=free):
            i, rank = model.index, home_rank(temp_air_c)  # every agent ranked, as before
            return deferred_acceptance(i.indptr, i.shelter, agents, need, rank, free, entries)

        def open_only(need=need, occ=occ):
            return model._place(need, state.works, temp_air_c, occ)

        ent, people = open_only()
        held = np.zeros(len(model.ent_agent), np.int64)
        held[ent] = people
        same = bool((held == whole()).all())
        t_open, t_whole = best_cpu(open_only, whole)
        print(
            f"placing ({label}: {need.sum():,} people, {free.sum():,} free places): open "
            f"entries only {t_open * 1e3:.1f} ms CPU, whole entry table {t_whole * 1e3:.1f} ms, "
            f"ratio {t_whole / t_open:.1f}x, identical: {same}"
        )


if __name__ == "__main__":
    main()
