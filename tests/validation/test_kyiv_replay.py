"""Validation: the 9 January 2026 strike on Kyiv, replayed over ten seeds, against the reports.

Reported apartment blocks without heat [KYIV-2026]: ~6,000 on 9 Jan at 12:00, more than 1,000 on
11-12 Jan, ~400 on 14 Jan, ~100 on 16 Jan. The bands the seed median must lie in are those of
``data/kyiv_2026_reported.csv`` (4,000-9,000; 700-3,000; 130-1,200; 30-400): the reports are
rounded press figures about one real event, the city is synthetic at Kyiv's scale, so a factor of
about two is what agreement can mean here.

Speed: the replay runs with 30-minute steps instead of the scenario's 10 (the thermal and water
models are exact exponential steps, the drain decisions are hourly, crews and alerts keep their
own times); `scripts/plot_replay.py` runs the full 10-minute replay for the documentation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.scenario import load_scenario
from coldstart.validation.kyiv import KYIV_BUILDINGS, band, replay, reported

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(1, 11)
STEP_MIN = 30


@pytest.fixture(scope="module")
def runs():
    cc = compile_city(synth_city(KYIV_BUILDINGS, seed=0))
    sc = load_scenario(ROOT / "examples" / "kyiv-2026-01-09.toml")
    sc = sc.model_copy(update={"step_min": STEP_MIN})
    return replay(cc, sc, list(SEEDS))


def test_median_blocks_without_heat_lie_in_the_reported_bands(runs):
    b = band(runs)
    for _, row in b.iterrows():
        assert row.low <= row["median"] <= row.high, (
            f"{row.when}: median {row['median']:.0f} blocks without heat outside "
            f"[{row.low}, {row.high}] (reported ~{row.reported})"
        )


def test_drains_are_decided_not_universal(runs):
    """Drained buildings are a minority of the blocks that lost heat (seed median), never more
    than 60 % in any seed, and draining happens. With the network's hydraulics in the run the
    far blocks of a CHP district fed through a narrow link get no flow and are drained, so the
    share rose from ~4 % to 35-50 % (seeds 1-10); blocks a link still reaches keep circulating
    and are not drained, which is the decision this test guards."""
    share = runs.buildings_drained / runs.blocks_lost_heat
    assert float(np.median(share)) < 0.5
    assert (share < 0.6).all()
    assert float(np.median(runs.buildings_drained)) > 0


def test_the_tail_comes_down(runs):
    """Fewer blocks without heat on 16 than on 14 Jan, and on 14 than on 11-12 Jan (median)."""
    med = [float(np.median(runs[f"blocks_at_{h:g}h"])) for h in reported().hours]
    assert med[0] > med[1] > med[2] >= med[3]
