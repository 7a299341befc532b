"""District heating basics shared by the engine and the runner: design figures and demand by
outdoor temperature.

The heat state itself (circuits, capacity sharing, losses) comes from
:class:`coldstart.heat.engine.HeatModel`.
"""

from __future__ import annotations

import numpy as np

DESIGN_OUTDOOR_C = -22.0
"""Design outdoor temperature for heating in Kyiv [degC] (DSTU-N B V.1.1-27:2010, ~ -22 degC)."""

FACILITY_HEAT_LOSS_W_M2K = 1.4
"""Heat loss of schools and hospitals per m2 of floor [W/(m2 K)] (Soviet-era public buildings,
as the 1.4-1.8 W/m2K of large-panel blocks [TABULA])."""


def heat_demand_mw_th(
    design_mw_th: np.ndarray, temp_out_c: float, setpoint_c: float = 20.0
) -> np.ndarray:
    """Heat demand at the current outdoor temperature, scaled from the design load [MW_th].

    Linear in the indoor-outdoor difference (degree-hour method), zero above the setpoint.
    """
    scale = max(0.0, setpoint_c - temp_out_c) / (setpoint_c - DESIGN_OUTDOOR_C)
    return design_mw_th * scale
