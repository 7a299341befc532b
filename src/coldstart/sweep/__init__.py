"""Many runs of one scenario: sweeps of seeds x policies x variants on Dask with a DuckDB run
store (:mod:`~coldstart.sweep.plan`, :mod:`~coldstart.sweep.run`,
:mod:`~coldstart.sweep.execute`, :mod:`~coldstart.sweep.engine`,
:mod:`~coldstart.sweep.store`, :mod:`~coldstart.sweep.stats`), policy comparisons over seeds
(:mod:`~coldstart.sweep.compare`) and one-at-a-time parameter sensitivity
(:mod:`~coldstart.sweep.sensitivity`)."""
