"""Strike waves: leakers through air defence, targets, damage states (first version).

Each threat is intercepted independently with the wave's probability for its type while
interceptors last (stocks run down over a campaign), and with a lower probability once they are
out; each leaker
picks an asset kind with probability proportional to the wave's weight for that kind, then one
asset of that kind at random; the damage state comes from the fragility table by threat and
protection level. An asset hit twice keeps the worse state. Explicit hits replay a known event
and override the draws for their asset; two explicit hits on one asset in one wave combine as
the worst (:func:`explicit_damage`). Waves inside a truce window do not come.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.scenario.model import Hit, Scenario, Wave
from coldstart.scenario.tables import DAMAGE_STATES, fragility

THREATS = ("ballistic", "cruise", "drone")
"""Threat types, in the order their draws are made."""


def shifted(p: np.ndarray, severity_shift: float) -> np.ndarray:
    """Damage-state probabilities tilted toward worse (``> 0``) or lighter (``< 0``) states:
    ``p_k exp(shift k)``, normalised; ``0`` leaves them as they are [-]."""
    if severity_shift == 0.0:
        return p
    w = p * np.exp(severity_shift * np.arange(len(p)))
    return w / w.sum()


def _draw_states(
    threat: str, protection: np.ndarray, rng: np.random.Generator, severity_shift: float = 0.0
) -> np.ndarray:
    """Damage state index of each leaker from the fragility table, one uniform draw each.

    The draws are those of ``rng.choice(5, p=row)`` called once per leaker in order (numpy's
    ``Generator.choice`` with ``p`` takes one ``random()`` and searches the normalised cumulative
    sum), so results equal the per-leaker loop of the first version, without its Python loop.
    ``severity_shift`` tilts the table's row (:func:`shifted`).
    """
    frag = fragility()
    u = rng.random(len(protection))
    out = np.empty(len(protection), dtype=np.int64)
    for prot in np.unique(protection):
        row = frag.loc[(threat, prot), [f"p_{s}" for s in DAMAGE_STATES]].to_numpy(float)
        cdf = shifted(row, severity_shift).cumsum()
        cdf /= cdf[-1]
        mask = protection == prot
        out[mask] = cdf.searchsorted(u[mask], side="right")
    return out


def _worst_per_asset(
    assets: pd.DataFrame,
    at_h: float,
    hit_pos: list[np.ndarray],
    hit_state: list[np.ndarray],
    hit_threat: list[np.ndarray],
) -> dict[str, Damage]:
    """The worst damage of each asset hit (the earliest leaker among equals), in order of hit."""
    if not hit_pos:
        return {}
    pos, state, threat = (np.concatenate(x) for x in (hit_pos, hit_state, hit_threat))
    seq = np.arange(len(pos))
    real = state > 0  # "none" leaves no damage
    pos, state, threat, seq = pos[real], state[real], threat[real], seq[real]
    # first leaker of each asset decides the order; worst state (earliest among ties) the damage
    _, first = np.unique(pos, return_index=True)
    order = np.lexsort((seq, -state, pos))
    _, pick = np.unique(pos[order], return_index=True)
    chosen = order[pick]  # per asset (sorted by position): its worst, earliest leaker
    chosen = chosen[np.argsort(seq[first], kind="stable")]
    ids = assets["asset_id"].to_numpy()
    return {
        ids[pos[i]]: Damage(ids[pos[i]], DAMAGE_STATES[state[i]], at_h, THREATS[threat[i]])
        for i in chosen
    }


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
    superseded: int = 0  # leakers drawn onto assets the wave names explicitly (theirs rules)


def in_truce(scenario: Scenario, t_h: float) -> bool:
    """Whether ``t_h`` falls inside a truce window."""
    return any(w.start_h <= t_h < w.end_h for w in scenario.truces)


def resolve_wave(
    wave: Wave,
    assets: pd.DataFrame,
    rng: np.random.Generator,
    stock: dict[str, int] | None = None,
    when_out: dict[str, float] | None = None,
    severity_shift: float = 0.0,
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
    severity_shift : float, optional
        Tilt of the fragility table toward worse states (:func:`shifted`; scenario
        ``damage.severity_shift``).

    Returns
    -------
    WaveOutcome
        With ``interceptors_used`` by type; the caller subtracts them from its stock.
    """
    stock = stock or {}
    when_out = when_out or {}
    kinds = assets["kind"].to_numpy()
    per_kind = assets["kind"].value_counts()
    # a kind's weight is its share of the leakers, split evenly over the assets of that kind
    weights = np.array([wave.target_weights.get(k, 0.0) / per_kind[k] for k in kinds], dtype=float)
    launched, leaked, used = {}, {}, {}
    hit_pos, hit_state, hit_threat = [], [], []
    for threat in THREATS:
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
        prot = assets["protection_level"].to_numpy()[targets]
        states = _draw_states(threat, prot, rng, severity_shift)
        hit_pos.append(targets)
        hit_state.append(states)
        hit_threat.append(np.full(k, THREATS.index(threat)))
    worst = _worst_per_asset(assets, wave.at_h, hit_pos, hit_state, hit_threat)
    explicit = explicit_damage(wave)
    superseded = 0
    if explicit and hit_pos:  # leakers drawn onto a named asset: counted, then overridden
        named = assets["asset_id"].astype(str).isin(list(explicit)).to_numpy()
        superseded = int(named[np.concatenate(hit_pos)].sum())
    for asset_id, hit in explicit.items():  # what happened: overrides the draws
        worst.pop(asset_id, None)
        if hit.damage != "none":
            worst[asset_id] = Damage(
                asset_id, hit.damage, wave.at_h, "explicit", hit.repair_h, hit.beyond_repair
            )
    return WaveOutcome(
        wave, launched, leaked, list(worst.values()), interceptors_used=used, superseded=superseded
    )


def explicit_damage(wave: Wave) -> dict[str, Hit]:
    """The explicit hits of one wave combined per asset, in the order each asset is first named.

    Hits naming one asset twice in a wave combine as hits in different waves do (the worse
    state is kept): the worst damage state, beyond repair if any hit says so, and the
    ``repair_h`` of the first hit of that worst state (its drawn repair time when it gives
    none: a lighter hit's repair time is not the worse damage's). Hits must name assets by id
    (:func:`coldstart.scenario.targets.resolve_hits`).
    """
    out: dict[str, Hit] = {}
    for hit in wave.hits:
        key = str(hit.asset_id)
        old = out.get(key)
        if old is None or DAMAGE_STATES.index(hit.damage) > DAMAGE_STATES.index(old.damage):
            kept = hit
        else:
            kept = old
        beyond = hit.beyond_repair or (old is not None and old.beyond_repair)
        out[key] = kept.model_copy(update={"beyond_repair": beyond})
    return out
