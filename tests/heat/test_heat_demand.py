"""Heat demand by outdoor temperature (degree-hour scaling from the design load)."""

import numpy as np
import pytest

from coldstart.heat.model import heat_demand_mw_th


def test_demand_scales_with_outdoor_temperature():
    # Design load at the -22 degC design temperature, half of it at -1 degC, none above 20.
    assert heat_demand_mw_th(np.array([42.0]), -22.0)[0] == pytest.approx(42.0)
    assert heat_demand_mw_th(np.array([42.0]), -1.0)[0] == pytest.approx(21.0)
    assert heat_demand_mw_th(np.array([42.0]), 25.0)[0] == 0.0
