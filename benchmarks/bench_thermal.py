"""Benchmark: the exact two-node RC step against scipy's solve_ivp, same buildings, same run.

10,000 buildings of the synthetic city's archetype mix (typical sizes) over 7 days at 10-minute
steps (1,008 steps, 10.08 million building-steps) with changing inputs (daily outdoor cycle,
heat on for 30 h and off for 30 h, gains). Prints:

- precompute: ``expm(A dt)`` for every building (once per run) [s];
- the stepping loop: building-steps per second (goal: >= 20 million on one core);
- the peer: ``scipy.integrate.solve_ivp`` (RK45, rtol 1e-6, atol 1e-6) building by building on
  the same equations and inputs, restarted at every input change (every hour). It is timed on a
  random subsample of buildings and extrapolated linearly to all 10,000 - said in the output;
  solve_ivp has no batched mode for independent systems, so a per-building loop is what a
  straightforward implementation would run;
- the ratio (goal: >= 1,000x) and the largest difference between the two on the subsample [K].

Run: ``.venv/bin/python benchmarks/bench_thermal.py [N_BUILDINGS] [SUBSAMPLE]``.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the goal says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from coldstart.thermal.archetypes import archetypes, rc_for  # noqa: E402
from coldstart.thermal.rc import RCStepper  # noqa: E402

STEPS_PER_HOUR = 6
HOURS = 168
SHARES = {"panel_5": 0.25, "panel_9": 0.35, "panel_16": 0.15, "brick_soviet": 0.10,
          "monolith_modern": 0.07, "house_private": 0.08}  # fmt: skip
"""Archetype mix of the synthetic city (coldstart.city.synth.ARCHETYPES)."""


def buildings(n: int, seed: int = 0):
    """Archetype, floors and floor area of ``n`` buildings (sizes +/-20 % around typical)."""
    rng = np.random.default_rng(seed)
    names = np.array(list(SHARES))
    arch = rng.choice(names, size=n, p=np.array(list(SHARES.values())))
    a = archetypes()
    floors = np.array([a[x].floors for x in arch])
    area = np.array([a[x].floor_area_m2 for x in arch]) * rng.uniform(0.8, 1.2, n)
    return rc_for(arch, floors, area)[0]


def inputs(hour: int, ua: np.ndarray):
    """Outdoor temperature and heat into air and mass over one hour."""
    to = -15.0 - 6.0 * np.cos(2 * np.pi * hour / 24.0)
    on = (hour // 30) % 2 == 0
    q_air = (0.7 * ua * 40.0 if on else 0.0 * ua) + 2000.0
    q_mass = (0.3 * ua * 40.0 if on else 0.0 * ua) + 2000.0
    return to, q_air, q_mass


def run_exact(p, dt_s: float):
    """Precompute and step all buildings; returns (precompute s, loop s, final air temps)."""
    t0 = time.perf_counter()
    stepper = RCStepper.build(p, dt_s)
    t1 = time.perf_counter()
    n = len(p.ua_w_k)
    ta, tm = np.full(n, 20.0), np.full(n, 20.0)
    hourly = [inputs(h, p.ua_w_k) for h in range(HOURS)]  # inputs are given, not timed
    t2 = time.perf_counter()
    for to, qa, qm in hourly:
        for _ in range(STEPS_PER_HOUR):
            ta, tm = stepper.step(ta, tm, to, qa, qm)
    t3 = time.perf_counter()
    return t1 - t0, t3 - t2, ta


def run_solve_ivp(p, idx: np.ndarray):
    """solve_ivp building by building; returns (seconds, final air temps)."""
    final = np.empty(len(idx))
    t0 = time.perf_counter()
    for j, i in enumerate(idx):
        ua, hm, ca, cm = p.ua_w_k[i], p.hm_w_k[i], p.ca_j_k[i], p.cm_j_k[i]
        x = np.array([20.0, 20.0])
        for h in range(HOURS):
            to, qa, qm = inputs(h, p.ua_w_k[i : i + 1])
            qa, qm = float(np.asarray(qa).ravel()[0]), float(np.asarray(qm).ravel()[0])

            def rhs(_t, y, to=to, qa=qa, qm=qm, ua=ua, hm=hm, ca=ca, cm=cm):
                return [(ua * (to - y[0]) + hm * (y[1] - y[0]) + qa) / ca,
                        (hm * (y[0] - y[1]) + qm) / cm]  # fmt: skip

            x = solve_ivp(rhs, (0.0, 3600.0), x, rtol=1e-6, atol=1e-6).y[:, -1]
        final[j] = x[0]
    return time.perf_counter() - t0, final


def main(n: int = 10_000, sub: int = 20) -> None:
    """Run and print the figures."""
    p = buildings(n)
    steps = HOURS * STEPS_PER_HOUR
    pre_s, loop_s, ta = run_exact(p, 3600.0 / STEPS_PER_HOUR)
    rate = n * steps / loop_s
    idx = np.random.default_rng(1).choice(n, size=min(sub, n), replace=False)
    ivp_s, ivp_ta = run_solve_ivp(p, idx)
    ivp_all_s = ivp_s / len(idx) * n
    print(f"buildings {n:,}, {steps:,} steps of 10 min: {n * steps / 1e6:.2f} M building-steps")
    print(f"exact RC  precompute expm {pre_s:.3f} s, loop {loop_s:.3f} s: "
          f"{rate / 1e6:.1f} M building-steps/s (goal >= 20 M)")  # fmt: skip
    print(f"solve_ivp {len(idx)} buildings measured in {ivp_s:.2f} s -> extrapolated to "
          f"{n:,}: {ivp_all_s:.0f} s (linear in buildings)")  # fmt: skip
    print(f"ratio     solve_ivp / exact loop: {ivp_all_s / loop_s:,.0f}x; including the expm "
          f"precompute: {ivp_all_s / (loop_s + pre_s):,.0f}x (goal >= 1,000x)")  # fmt: skip
    print(f"agreement max |dTa| on the subsample after 7 days: "
          f"{np.abs(ta[idx] - ivp_ta).max():.2e} K")  # fmt: skip


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
