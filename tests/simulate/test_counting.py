"""Counting heat as the city counts it, and individual heating that stops only when it does
(issue 12): ``blocks_without_heat`` counts apartment blocks on district heating; a gas-heated
building keeps its heat for :data:`~coldstart.simulate.heat.GAS_COAST_H` after losing power, an
electrically heated one loses it at once."""

from __future__ import annotations

import numpy as np
import pytest

from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.scenario import parse_scenario
from coldstart.simulate import Run, simulate
from coldstart.simulate.heat import GAS_COAST_H

SCEN = """
name = "counting"
start = 2026-01-09T00:00:00
horizon_h = 24.0
seed = 3
[weather]
kind = "constant"
min_temp_c = -10.0
[grid]
national_import_mw = {mw}
[[strikes]]
at_h = 1.0
hits = [{{ asset_id = "a_chp_1", damage = "moderate", repair_h = 10.0 }}]
"""


@pytest.fixture(scope="module")
def cc():
    return compile_city(synth_city(300, seed=1))


def test_blocks_are_district_apartment_blocks_without_heat(cc):
    r = simulate(cc, parse_scenario(SCEN.format(mw=2.0)))
    tl, b = r.timeline, cc.city.buildings
    assert (tl.blocks_without_heat <= tl.buildings_without_heat).all()
    assert tl.blocks_without_heat.max() == r.summary["blocks_without_heat_peak"] > 0
    blocks = (b.heat_supply == "district") & (b.archetype != "house_private")
    assert r.summary["blocks_total"] == int(blocks.sum())
    assert r.summary["blocks_lost_heat"] <= r.summary["buildings_lost_heat"]


def test_gas_heating_coasts_through_the_first_hour_of_an_outage(cc):
    """A rotating-outage window: electric heating is cold from the first step without power,
    gas heating only after GAS_COAST_H."""
    run = Run(cc, parse_scenario(SCEN.format(mw=0.5)), 3)
    supply = cc.b_heat_supply
    dt = run.clock.dt_h
    off_steps = np.zeros(cc.n_build, int)
    seen = {"coast": 0, "cold": 0}
    for k in range(run.clock.steps):
        power, heat, _ = run.step(k)
        b_power = power.powered[cc.consumers.slice("building", cc.n_build)]
        off_steps = np.where(b_power, 0, off_steps + 1)
        gas, el = supply == "individual_gas", supply == "electric"
        assert (heat.frac[el & ~b_power] == 0).all()
        coast = gas & ~b_power & (off_steps * dt <= GAS_COAST_H + 1e-9)
        cold = gas & ~b_power & (off_steps * dt > GAS_COAST_H + 1e-9)
        assert (heat.frac[coast] == 1).all()
        assert (heat.frac[cold] == 0).all()
        seen["coast"] += int(coast.sum())
        seen["cold"] += int(cold.sum())
    assert seen["coast"] > 0 and seen["cold"] > 0  # both paths were exercised
