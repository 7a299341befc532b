"""Power grid engine: compiled topology, islands, DC power flow, power balance, shedding.

:class:`GridModel` (:mod:`coldstart.grid.dcflow`) compiles a pandapower net once and answers
contingencies with the energized buses and DC flows, agreeing with ``pandapower.rundcpp`` and
``pandapower.topology.unsupplied_buses``.
"""

from coldstart.grid.dcflow import GridModel
from coldstart.grid.dcresult import DCArrays, DCResult, State

__all__ = ["DCArrays", "DCResult", "GridModel", "State"]
