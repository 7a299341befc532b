"""Many runs of one scenario: policy comparisons over seeds (:mod:`~coldstart.sweep.compare`)
and one-at-a-time parameter sensitivity (:mod:`~coldstart.sweep.sensitivity`)."""
