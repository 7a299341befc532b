"""Fixtures of the people tests: a small hand-made town with three shelters."""

import numpy as np
import pandas as pd
import pytest

from coldstart.people.config import People
from coldstart.people.model import PeopleModel


def shelters_frame(kinds, capacity, fuel_h=(0.0, 0.0, 0.0), gen_kw=(0.0, 0.0, 0.0), heat=None):
    n = len(kinds)
    return pd.DataFrame(
        {
            "facility_id": [f"s{i}" for i in range(n)],
            "kind": list(kinds),
            "capacity_people": list(capacity),
            "floor_area_m2": [4000.0 if k != "warming_point" else 200.0 for k in kinds],
            "backup_power_kw": list(gen_kw),
            "backup_fuel_h": list(fuel_h),
            "heat_supply": heat or ["own" if k != "school" else "district" for k in kinds],
        }
    )


@pytest.fixture()
def town():
    """60 buildings on a 3 km square, a metro, a school and a warming point."""

    def make(cfg=None, **kw):
        rng = np.random.default_rng(7)
        b_xy = rng.uniform(0, 3000, (60, 2))
        s_xy = np.array([[1500.0, 1500.0], [500.0, 500.0], [2500.0, 2600.0]])
        f = shelters_frame(
            kw.pop("kinds", ("metro_station", "school", "warming_point")),
            kw.pop("capacity", (300, 150, 60)),
            kw.pop("fuel_h", (48.0, 0.0, 6.0)),
            kw.pop("gen_kw", (300.0, 0.0, 40.0)),
        )
        return PeopleModel.from_arrays(
            b_xy,
            residents=rng.integers(50, 300, 60).astype(float),
            vulnerable_share=np.full(60, 0.3),
            immobile_share=np.full(60, 0.05),
            shelters=f,
            shelter_xy_m=s_xy,
            cfg=cfg or People(walk_limit_km=1.2),
            dt_h=1.0 / 6.0,
            **kw,
        )

    return make
