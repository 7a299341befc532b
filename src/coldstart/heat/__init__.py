"""District heating: the network engine (connectivity, capacity sharing, losses), demand and
freezing of network pipes.

``from coldstart.heat import HeatModel`` gives the engine (:mod:`coldstart.heat.engine`).
"""

from coldstart.heat.engine import HeatModel

__all__ = ["HeatModel"]
