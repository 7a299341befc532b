"""Response plans judged over ensembles of strike draws (issue 15): where to put mobile
backup generators (:mod:`coldstart.plan.backups`)."""
