"""The recorder's people counts per mask: the same floats as summing the masked residents."""

from __future__ import annotations

import numpy as np
import pytest

from coldstart.simulate.recorder import ResidentSum


def _same(a: float, b: float) -> bool:
    """Equal floats, the sign of a zero included."""
    return a == b and np.signbit(a) == np.signbit(b)


@pytest.mark.parametrize("seed", range(4))
def test_whole_residents_summed_as_integers_equal_the_float_sum(seed):
    rng = np.random.default_rng(seed)
    residents = rng.integers(0, 100_000, 5_000).astype(float)
    total = ResidentSum()
    for share in (0.0, 0.01, 0.5, 1.0):
        mask = rng.random(len(residents)) < share
        assert _same(total(residents, mask), float(residents[mask].sum()))
    assert total.ints is not None  # the integer path was taken


@pytest.mark.parametrize(
    "odd",
    [
        lambda r: r + 0.25,  # fractions of people
        lambda r: np.where(np.arange(len(r)) == 3, -0.0, r),  # a negative zero
        lambda r: np.where(np.arange(len(r)) == 5, np.nan, r),
        lambda r: r * 2.0**45,  # a total beyond 2**53
    ],
)
def test_other_residents_summed_as_floats(odd):
    rng = np.random.default_rng(7)
    residents = odd(rng.integers(0, 1_000, 400).astype(float))
    total = ResidentSum()
    for _ in range(5):
        mask = rng.random(len(residents)) < 0.4
        mask[3] = mask[5] = True
        want = float(residents[mask].sum())
        got = total(residents, mask)
        assert _same(got, want) or (np.isnan(got) and np.isnan(want))
    assert total.ints is None
    only_zero = np.zeros(len(residents), bool)
    only_zero[3] = True
    assert _same(total(residents, only_zero), float(residents[only_zero].sum()))


def test_a_new_residents_array_is_checked_again():
    total = ResidentSum()
    mask = np.array([True, False, True])
    assert total(np.array([1.0, 2.0, 3.0]), mask) == 4.0 and total.ints is not None
    assert total(np.array([1.5, 2.0, 3.0]), mask) == 4.5 and total.ints is None
