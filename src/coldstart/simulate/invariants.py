"""Invariants of a run, checked after every step in tests and with ``coldstart run --check``.

- heat: what each connected circuit of the district network delivers (to buildings, to
  facilities, and pipe losses) is within its working sources' capacity, and what every district
  building takes is what the network delivered to it;
- damage: no outage counter is negative;
- people: nobody is lost or counted twice (at home plus in a shelter never exceeds a building's
  residents; shelter occupancy equals the people the agents hold there);
- power: load served is within demand, every consumer's served share within [0, 1];
- energy not served equals the integral of the shortfall.
"""

from __future__ import annotations

import numpy as np

REL_TOL = 1e-9
"""Relative tolerance of the balance checks (float rounding only)."""


class InvariantError(AssertionError):
    """A run broke one of its invariants: a bug in coldstart, not bad input."""


def _heat(run, heat, taken_w: np.ndarray) -> list[str]:
    res = heat.arrays
    if res is None or res.consumer_circuit is None:
        return []
    delivered = res.fraction * heat.consumer_demand_mw_th
    n_c = len(res.circuit_capacity_mw_th)
    frac_c = np.zeros(n_c)
    np.maximum.at(frac_c, res.consumer_circuit, res.fraction)
    use = np.bincount(res.consumer_circuit, delivered, minlength=n_c)
    use += frac_c * res.circuit_loss_mw_th * (use > 0)
    cap = res.circuit_capacity_mw_th
    out = []
    bad = np.flatnonzero(use > cap * (1 + REL_TOL) + 1e-9)
    if len(bad):
        c = int(bad[0])
        out.append(f"heat circuit {c} delivers {use[c]:.6f} MW_th > capacity {cap[c]:.6f}")
    district = run.homes.district
    nd = int(district.sum())
    took = taken_w[district] / 1e6
    if not np.allclose(took, delivered[:nd], rtol=1e-9, atol=1e-12):
        i = int(np.argmax(np.abs(took - delivered[:nd])))
        out.append(f"district building {i} takes {took[i]:.6f} MW_th, network gave "
                   f"{delivered[:nd][i]:.6f}")  # fmt: skip
    return out


def _counters(run) -> list[str]:
    o = run.dmg.outage
    return [
        f"outage counter '{name}' below 0 at position {int(np.argmin(a))}"
        for name, a in vars(o).items()
        if len(a) and a.min() < 0
    ]


def _people(run) -> list[str]:
    p, out = run.pstate, []
    sheltered_b = p.per_building(p.sheltered)
    over = p.people_home + sheltered_b - run.residents
    if (over > 1e-6).any():
        i = int(np.argmax(over))
        out.append(f"building {i}: {over[i]:.3f} people more at home and sheltered than live there")
    for name in ("people_home", "sheltered", "unmet", "occupancy", "held"):
        if (np.asarray(getattr(p, name)) < -1e-9).any():
            out.append(f"negative count in people.{name}")
    if int(p.occupancy.sum()) != int(p.sheltered.sum()) or int(p.held.sum()) != int(
        p.sheltered.sum()
    ):
        out.append(
            f"shelters hold {int(p.occupancy.sum())} people, agents {int(p.sheltered.sum())}, "
            f"assignments {int(p.held.sum())}"
        )
    return out


def _power(power) -> list[str]:
    bal, out = power.balance, []
    if bal.served_mw > bal.demand_mw * (1 + REL_TOL) + 1e-9:
        out.append(f"load served {bal.served_mw:.6f} MW > demand {bal.demand_mw:.6f} MW")
    if (bal.served < -1e-12).any() or (bal.served > 1 + 1e-12).any():
        out.append("a consumer's served share is outside [0, 1]")
    return out


def _energy(run) -> list[str]:
    ex = run.recorder.exposure
    rows = ex.timeline
    # the timeline rounds to 0.001 MW; the accumulator integrates the unrounded values
    shortfall = sum((r["load_demand_mw"] - r["load_served_mw"]) for r in rows) * run.clock.dt_h
    tol = 1e-3 * len(rows) * run.clock.dt_h + 1e-6
    if abs(shortfall - ex.energy_not_served_mwh) > tol:
        return [f"energy not served {ex.energy_not_served_mwh:.6f} MWh != integral "
                f"{shortfall:.6f} MWh"]  # fmt: skip
    return []


def check_step(run, k: int, power, heat, heat_in) -> None:
    """Raise :class:`InvariantError` naming every invariant step ``k`` of ``run`` broke."""
    problems = (
        _heat(run, heat, heat_in.q_heat_w)
        + _counters(run)
        + _people(run)
        + _power(power)
        + _energy(run)
    )
    if problems:
        raise InvariantError(f"step {k} (t = {run.clock.t_h(k):g} h): " + "; ".join(problems))
