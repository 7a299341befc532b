"""Validation: building cooldown against published figures (docs/sources.md: [VANTAA-2007],
[KYIV-ENG-2026], [KYIV-RANK-2026], [KYIV-2026], [BAUMIT-2020]).

Each test writes the case as the source describes it, the archetype and inputs used, the band
asserted and, where the model and the source disagree, why. Unless said otherwise: typical
building of the archetype (``data/archetypes.toml``), heat stops at 20 degC from its heated
steady state, residents at home (90 W each), no power (no appliances, no heaters), constant
outdoor temperature, 10-minute steps. "Building average" is the air node; "worst flat" is a
top-floor corner flat.
"""

import numpy as np
import pytest

from coldstart.thermal.archetypes import (
    AIR_NODE_MULTIPLIER,
    H_MS_W_M2K,
    RHO_C_AIR_J_M3K,
    SLAB_M,
    RCParams,
    envelope_ua_w_k,
)
from coldstart.thermal.cooldown import cooldown, free_cooldown

SOVIET = ("panel_5", "panel_9", "panel_16", "brick_soviet")


def _at(c, hours):
    return float(np.interp(hours, c.hours, c.temp_air_c))


@pytest.mark.parametrize("arch", ["panel_9", "monolith_modern"])
def test_vantaa_2007_about_1k_per_3h_at_first(arch):
    # Source: Vantaa district heating break, 2007 (residents' report): flats lost about 1 degC
    # per 3 h at first. Case: a Finnish concrete block of the 1970s-2000s sits between our
    # panel_9 and monolith_modern; winter outdoor -15 degC (assumed, not in the report).
    # Band: 0.5-1.5 K lost between hour 1 and hour 4 (1 K +/- 50 %: a residents' estimate).
    # Disagreement: the two-node model also drops ~1-1.5 K in the first hour as the air
    # equalises with the mass; real radiators and their water keep giving heat for about an
    # hour (~1 h of design output stored at 60-70 degC), which the model does not hold, so the
    # "at first" rate is measured after that first hour.
    c = cooldown(arch, -15.0, hours=12, residents_home=True)
    drop = _at(c, 1.0) - _at(c, 4.0)
    assert 0.5 <= drop <= 1.5, drop
    assert 20.0 - _at(c, 1.0) <= 2.0  # the first-hour artefact stays within 2 K


@pytest.mark.parametrize("temp_out_c", [-14.0, -19.0])
def test_kyiv_2026_about_plus_10_after_one_day(temp_out_c):
    # Source: Kyiv reports, Jan 2026: flats after ~1 day without heat at -14...-19 degC about
    # +10 degC; +8...+12 degC. Case: the 1950s-80s archetypes, building average at 24 h.
    # Band: 7-13 degC (the reported +8...+12 widened by 1 K for the unknown start temperature
    # and building). Worst flats are colder (they are in the reports' lower tail).
    for arch in SOVIET:
        c = cooldown(arch, temp_out_c, hours=30, residents_home=True)
        assert 7.0 <= _at(c, 24.0) <= 13.0, (arch, _at(c, 24.0))
        assert float(np.interp(24.0, c.hours, c.temp_worst_c)) < _at(c, 24.0)


def test_kyiv_engineer_hold_plus_10_for_2_to_4_days():
    # Source: Kyiv heating engineer (inkorr.com, Jan 2026): blocks built in the 1950s-80s at
    # -14...-19 degC outside hold about +10 degC for 2-4 days.
    # Case: panel_5, panel_9, brick_soviet at -14 and -19 degC.
    # Disagreement: the model's building average reaches +10 degC after 0.9-1.6 days, not 2-4.
    # Staying above +10 for 2 days at -19 degC would need a slow time constant of ~150 h (4 days:
    # ~300 h), beyond the 40-120 h of Soviet blocks [TABULA] and contradicting the same month's
    # reports of +10 after ~1 day (test above). In reality residents add heat the model leaves
    # out (gas stoves, heaters in the hours with power, sealed windows and vents). What the
    # model defends: "about +10" read as the building average staying above +5 degC (within 5 K
    # of +10) for at least 1.5 days, and reaching +10 between 0.75 and 1.75 days.
    for arch in ("panel_5", "panel_9", "brick_soviet"):
        for temp_out_c in (-14.0, -19.0):
            c = cooldown(arch, temp_out_c, hours=96, residents_home=True)
            assert 18.0 <= c.hours_to_c["10"] <= 42.0, (arch, temp_out_c, c.hours_to_c)
            assert c.hours_to_c["5"] >= 36.0, (arch, temp_out_c, c.hours_to_c)


def test_kyiv_specialists_ranking_time_to_lose_heat():
    # Source: Kyiv specialists' ranking (money.comments.ua, telegraf, Jan 2026), time to "lose
    # heat": 16-storey panel 3-12 h, 9-storey 12-24 h, 5-storey panel 36-48 h, brick 45-50 h.
    # Definition: "lose heat" = the building average falls below 12 degC, [KYIV-RANK-2026]'s first
    # health threshold past discomfort (cardiovascular strain) and the runner's "hours of
    # safety". 18 and 16 degC are passed within hours in every block, which cannot produce the
    # 3-50 h spread; 10 degC and below give far longer times for the 16-storey block.
    # Case: -17 degC (middle of the month's -14...-19), residents home, no power.
    # Bands: 16-storey 3-15 h (source +25 %), 9-storey 12-24 h (source), 16-storey first and
    # brick last (source). Disagreement: the model gives the 5-storey panel and brick blocks
    # 15-30 h, about half the source's 36-50 h, and does not put the 5-storey panel after the
    # 9-storey: by geometry a 5-storey block has more roof and basement per m2 and thinner
    # (100 mm) slabs; only lower air change (weaker stack effect, built into the data) works
    # the other way. The source's 36-50 h would need slow time constants of ~200 h.
    t = {a: cooldown(a, -17.0, hours=96, residents_home=True).hours_to_c["12"] for a in SOVIET}
    assert 3.0 <= t["panel_16"] <= 15.0, t
    assert 12.0 <= t["panel_9"] <= 24.0, t
    assert 15.0 <= t["panel_5"] <= 30.0 and 15.0 <= t["brick_soviet"] <= 30.0, t
    assert t["panel_16"] < min(t["panel_5"], t["panel_9"]), t
    assert t["brick_soviet"] > max(t["panel_5"], t["panel_9"]), t


def test_kyiv_electrically_heated_block_5_to_7c_after_a_day():
    # Source: Kyiv reports, Jan 2026: 5-7 degC after ~1 day in an electrically heated block
    # (-14...-19 degC). Such a block loses all heat with its power; we take the fastest-cooling
    # Soviet archetype, panel_16, at -19 degC, residents home.
    # Band: the reported 5-7 degC must lie between the model's worst flat and building average
    # at 24 h (worst <= 7, average >= 5), and the average within 3 K of the range.
    # Disagreement: the building average (~7.5 degC) is a little warmer than reported; the
    # reports come from individual flats, which spread between the worst flat and the average.
    c = cooldown("panel_16", -19.0, hours=30, residents_home=True)
    avg = _at(c, 24.0)
    worst = float(np.interp(24.0, c.hours, c.temp_worst_c))
    assert worst <= 7.0 and avg >= 5.0, (worst, avg)
    assert avg <= 10.0, avg


def _baumit_house(u_wall_w_m2k: float, wall_cm_j_k: float) -> RCParams:
    # Baumit Viva research park test houses: one room 3 m x 4 m inside, 2.83 m high, one window
    # and one door (3.2 m2 together, U 1.2 assumed), identical insulated roof (U 0.2) and floor
    # (U 0.3, b 0.6) over a 25 cm concrete base plate with a 6.5 cm heating screed (underfloor
    # heating; assumed typical Austrian construction) - 7.9 MJ/K shared by every house; air
    # changes 0.4/h with doors shut (assumed); thermal bridges 0.05 W/m2K.
    h = 2.83 + SLAB_M
    ua, vol = envelope_ua_w_k(
        np.array([1]), np.array([12.0]), h, 3.0, 3.2 / (14.0 * h), u_wall_w_m2k, 1.2, 0.2, 1.0,
        0.3, 0.6, 0.05, 0.4,
    )  # fmt: skip
    floor_cm = 12.0 * (0.25 * 2400 * 0.88 + 0.065 * 2000 * 1.0) * 1e3
    return RCParams(
        ua_w_k=ua,
        hm_w_k=np.array([H_MS_W_M2K * (36.0 + 12.0)]),  # walls and floor surfaces
        ca_j_k=AIR_NODE_MULTIPLIER * RHO_C_AIR_J_M3K * vol,
        cm_j_k=np.array([wall_cm_j_k + floor_cm]),
    )


def test_baumit_test_houses_48h_at_plus_3():
    # Source: Baumit Viva research park, Feb 2020 (measured; int.baumit.com blog "best house for
    # heating failure", OTS press release 2021-11-11): heating off at 21 degC inside, +3 degC
    # outside, after 48 h: uninsulated 25 cm brick ~10 degC, insulated massive ~17 degC,
    # lightweight (insulated timber frame) ~14 degC.
    # Case: the same RC equations (envelope_ua_w_k) on the test houses' geometry. Walls:
    # uninsulated 25 cm hollow brick U 1.0, the inner half (800 kg/m3) storing heat; insulated
    # massive 18 cm concrete inside the insulation, U 0.2; lightweight: two gypsum boards and
    # timber, U 0.2. Underfloor heating: all heat went to the mass node. No occupants.
    # Band: each within 2 K of the measurement; order brick < lightweight < massive.
    # Note: these are single-room houses, not our archetypes; the shared slab is what keeps the
    # lightweight house at ~14 degC (without it the model gives ~7 degC).
    houses = {
        "brick": (_baumit_house(1.0, 36 * 0.125 * 800 * 0.9 * 1e3), 10.0),
        "massive": (_baumit_house(0.2, 36 * 0.18 * 2400 * 0.88 * 1e3), 17.0),
        "light": (_baumit_house(0.2, 36 * (0.025 * 1000 * 1.0 + 0.01 * 500 * 1.6) * 1e3), 14.0),
    }
    got = {}
    for name, (p, measured) in houses.items():
        ta, _, _ = free_cooldown(p, p, np.full(288, 3.0), 1 / 6, 21.0, 0.0,
                                 radiator_mass_fraction=1.0)  # fmt: skip
        got[name] = ta[-1]
        assert abs(ta[-1] - measured) <= 2.0, (name, ta[-1], measured)
    assert got["brick"] < got["light"] < got["massive"]
