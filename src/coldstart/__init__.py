"""coldstart: a city's power, district heating and buildings after strikes in deep winter.

The public entry points are :func:`coldstart.simulate.simulate`, :class:`coldstart.city.City`,
:func:`coldstart.city.load_city`, :func:`coldstart.scenario.load_scenario` and the ``coldstart``
command line.
"""

__version__ = "0.1.0"
