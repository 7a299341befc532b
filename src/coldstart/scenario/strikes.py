"""Strike waves: leakers through air defence, targets, damage states (first version).

Each threat is intercepted independently with the wave's probability for its type while
interceptors last (stocks run down over a campaign), and with a lower probability once they are
out; each leaker
picks an asset kind with probability proportional to the wave's weight for that kind, then one
asset of that kind at random; the damage state comes from the fragility table by threat and
protection level. An asset hit twice keeps the worse state. Explicit hits replay a known event
and override the draws for their asset. Waves inside a truce window do not come.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.scenario.model import Scenario, Wave
from coldstart.scenario.tables import DAMAGE_STATES, fragility


@dataclass(frozen=True)
class Damage:
    """One asset damaged by one wave."""

    asset_id: str
    state: str
    at_h: float
    threat: str  # "ballistic", "cruise", "drone" or "explicit"
    repair_h: float | None = None
    beyond_repair: bool = False


@dataclass(frozen=True)
class WaveOutcome:
    """What a wave did: threat counts, leakers, and damage."""

    wave: Wave
    launched: dict[str, int]
    leaked: dict[str, int]
    damage: list[Damage]
    cancelled_by_truce: bool = False
    interceptors_used: dict[str, int] | None = None


def in_truce(scenario: Scenario, t_h: float) -> bool:
    """Whether ``t_h`` falls inside a truce window."""
    return any(w.start_h <= t_h < w.end_h for w in scenario.truces)


def resolve_wave(
    wave: Wave,
    assets: pd.DataFrame,
    rng: np.random.Generator,
    stock: dict[str, int] | None = None,
    when_out: dict[str, float] | None = None,
) -> WaveOutcome:
    """Draw the outcome of one wave.

    Parameters
    ----------
    wave : Wave
        Threat counts, interception probabilities, target weights, explicit hits.
    assets : pandas.DataFrame
        The city's assets table (``asset_id``, ``kind``, ``protection_level``).
    rng : numpy.random.Generator
        Source of every random draw.
    stock : dict, optional
        Interceptors left by threat type before this wave (a type not in it: unlimited).
    when_out : dict, optional
        Interception probability by threat type once its stock is out (default 0).

    Returns
    -------
    WaveOutcome
        With ``interceptors_used`` by type; the caller subtracts them from its stock.
    """
    stock = stock or {}
    when_out = when_out or {}
    frag = fragility()
    kinds = assets["kind"].to_numpy()
    per_kind = assets["kind"].value_counts()
    # a kind's weight is its share of the leakers, split evenly over the assets of that kind
    weights = np.array([wave.target_weights.get(k, 0.0) / per_kind[k] for k in kinds], dtype=float)
    launched, leaked, used, worst = {}, {}, {}, {}
    order = {s: i for i, s in enumerate(DAMAGE_STATES)}
    for threat in ("ballistic", "cruise", "drone"):
        n = int(wave.threats.get(threat, 0))
        launched[threat] = n
        p_int = float(wave.interception.get(threat, 0.0))
        engaged = n if threat not in stock else min(n, max(0, int(stock[threat])))
        used[threat] = engaged if threat in stock else 0
        p_out = float(when_out.get(threat, 0.0))
        k = int(rng.binomial(engaged, 1.0 - p_int)) if engaged else 0
        k += int(rng.binomial(n - engaged, 1.0 - p_out)) if n > engaged else 0
        leaked[threat] = k
        if k == 0 or weights.sum() <= 0:
            continue
        targets = rng.choice(len(assets), size=k, p=weights / weights.sum())
        for t in targets:
            prot = assets["protection_level"].iat[t]
            probs = frag.loc[(threat, prot), [f"p_{s}" for s in DAMAGE_STATES]].to_numpy(float)
            state = DAMAGE_STATES[int(rng.choice(len(DAMAGE_STATES), p=probs))]
            aid = assets["asset_id"].iat[t]
            if state == "none":
                continue
            prev = worst.get(aid)
            if prev is None or order[state] > order[prev.state]:
                worst[aid] = Damage(aid, state, wave.at_h, threat)
    for hit in wave.hits:  # an explicit hit states what happened: it overrides the draws
        worst.pop(hit.asset_id, None)
        if hit.damage != "none":
            worst[hit.asset_id] = Damage(
                hit.asset_id, hit.damage, wave.at_h, "explicit", hit.repair_h, hit.beyond_repair
            )
    return WaveOutcome(wave, launched, leaked, list(worst.values()), interceptors_used=used)
