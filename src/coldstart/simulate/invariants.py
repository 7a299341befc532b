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
    """Per circuit: delivery plus losses within capacity; every supplied consumer gets the
    circuit's one level, or less where its flow share is lower (water-filling: a circuit short
    of capacity then uses all of it); every district building takes what the network gave it."""
    res = heat.arrays
    if res is None or res.consumer_circuit is None:
        return []
    circuit, cap = res.consumer_circuit, res.circuit_capacity_mw_th
    n_c = len(cap)
    sup = res.supplied
    level_c = np.zeros(n_c)
    np.maximum.at(level_c, circuit[sup], res.capacity_fraction[sup])
    flow = np.ones(len(sup)) if heat.flow_share is None else heat.flow_share
    delivered = res.fraction * heat.consumer_demand_mw_th
    use = np.bincount(circuit, delivered, minlength=n_c) + level_c * res.circuit_loss_mw_th
    out = []
    bad = np.flatnonzero(use > cap * (1 + REL_TOL) + 1e-9)
    if len(bad):
        c = int(bad[0])
        out.append(f"heat circuit {c} delivers {use[c]:.6f} MW_th > capacity {cap[c]:.6f}")
    demand = np.where(sup, heat.consumer_demand_mw_th, 0.0)
    short = (level_c < 1.0) & (np.bincount(circuit, demand, minlength=n_c) > 0)
    idle = np.flatnonzero(short & (use < cap * (1 - REL_TOL) - 1e-9))
    if len(idle):
        c = int(idle[0])
        out.append(f"heat circuit {c} at level {level_c[c]:.6f} uses {use[c]:.6f} MW_th of "
                   f"{cap[c]:.6f}")  # fmt: skip
    expect = np.minimum(flow, level_c[circuit])
    unequal = sup & ~np.isclose(res.fraction, expect, rtol=1e-9, atol=1e-12)
    if unequal.any():
        i = int(np.flatnonzero(unequal)[0])
        out.append(f"heat consumer {i} gets share {res.fraction[i]:.6f}, expected "
                   f"{expect[i]:.6f} (flow share {flow[i]:.6f}, circuit level "
                   f"{level_c[circuit[i]]:.6f})")  # fmt: skip
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
    """Nobody is lost or counted twice, at home, in each shelter or between them."""
    p, out = run.pstate, []
    sheltered_b = p.per_building(p.sheltered)
    over = p.people_home + sheltered_b - run.residents
    if (over > 1e-6).any():
        i = int(np.argmax(over))
        out.append(f"building {i}: {over[i]:.3f} people more at home and sheltered than live there")
    for name in ("people_home", "sheltered", "unmet", "occupancy", "held"):
        if (np.asarray(getattr(p, name)) < -1e-9).any():
            out.append(f"negative count in people.{name}")
    held_at = np.bincount(run.people.ent_shelter, weights=p.held, minlength=len(p.occupancy))
    if not np.array_equal(held_at.astype(np.int64), p.occupancy):
        i = int(np.flatnonzero(held_at.astype(np.int64) != p.occupancy)[0])
        out.append(f"shelter {i} holds {int(p.occupancy[i])} people, its assignments "
                   f"{int(held_at[i])}")  # fmt: skip
    if int(p.held.sum()) != int(p.sheltered.sum()):
        out.append(f"assignments {int(p.held.sum())} != sheltered {int(p.sheltered.sum())}")
    return out


def _power(power) -> list[str]:
    """Load served within demand, per consumer and in total, and the totals add up."""
    bal, out = power.balance, []
    demand = float(power.demand_mw.sum())
    served = float((power.demand_mw * bal.served).sum())
    if bal.served_mw > bal.demand_mw * (1 + REL_TOL) + 1e-9:
        out.append(f"load served {bal.served_mw:.6f} MW > demand {bal.demand_mw:.6f} MW")
    if (bal.served < -1e-12).any() or (bal.served > 1 + 1e-12).any():
        out.append("a consumer's served share is outside [0, 1]")
    if not np.isclose(bal.demand_mw, demand, rtol=1e-9, atol=1e-9) or not np.isclose(
        bal.served_mw, served, rtol=1e-9, atol=1e-9
    ):
        out.append(f"balance totals {bal.demand_mw:.6f}/{bal.served_mw:.6f} MW differ from the "
                   f"consumers' {demand:.6f}/{served:.6f} MW")  # fmt: skip
    return out


def _energy(run, power) -> list[str]:
    """Energy not served equals the integral of the consumers' shortfall (kept by the check)."""
    short_mw = float((power.demand_mw * (1.0 - power.balance.served)).sum())
    run.check_shortfall_mwh += short_mw * run.clock.dt_h
    ens = run.recorder.exposure.energy_not_served_mwh
    if not np.isclose(ens, run.check_shortfall_mwh, rtol=1e-9, atol=1e-6):
        return [f"energy not served {ens:.6f} MWh != integral {run.check_shortfall_mwh:.6f} MWh"]
    return []


def check_step(run, k: int, power, heat, heat_in) -> None:
    """Raise :class:`InvariantError` naming every invariant step ``k`` of ``run`` broke."""
    problems = (
        _heat(run, heat, heat_in.q_heat_w)
        + _counters(run)
        + _people(run)
        + _power(power)
        + _energy(run, power)
    )
    if problems:
        raise InvariantError(f"step {k} (t = {run.clock.t_h(k):g} h): " + "; ".join(problems))
