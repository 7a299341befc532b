"""Many runs of one scenario: policy comparisons over seeds (Monte Carlo sweeps later)."""
