"""Statistics of a sweep: per policy and variant, and paired against the first policy.

For every group of runs (one policy, one variant) and every summary figure: mean, standard
deviation (over seeds, ``ddof=1``), and the 5, 50 and 95 % quantiles (linear interpolation, as
DuckDB's ``quantile_cont``). Hours to restore not reached within the horizon (null in the
summary) count as the run's horizon, a lower bound; ``censored`` says in how many runs.

Every policy after the first is also compared with the first on the same seeds and variant
(paired: the damage, repair draws and alerts are the same, so the difference is the policy's
own): mean and standard deviation of the difference, and the share of seeds on which it did
better. Lower is better for every figure except :data:`HIGHER_IS_BETTER`; figures that are the
same in every run (the city's counts) are left out of the paired comparison.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from coldstart.sweep.store import FIGURES

HIGHER_IS_BETTER = frozenset({"min_temp_c", "assets_restored"})
"""Figures for which a larger value is the better outcome."""

QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles reported per figure (keys ``q05``, ``q50``, ``q95``)."""

CENSORED = ("hours_to_restore_heat_95pct", "hours_to_restore_power_95pct")
"""Figures that are null when not reached within the horizon (counted as the horizon)."""

DECIMALS = 4
"""Decimals kept of every statistic."""


def json_number(x: float) -> float | None:
    """A finite float, or None (JSON has no infinity or NaN)."""
    return float(x) if np.isfinite(x) else None


def _r(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), DECIMALS)


def figure_values(frame: pd.DataFrame, figure: str) -> np.ndarray:
    """The figure of every run of ``frame``; a censored time is the run's horizon [h]."""
    v = frame[figure].to_numpy(float)
    if figure in CENSORED:
        v = np.where(np.isnan(v), frame["horizon_h"].to_numpy(float), v)
    return v


def describe(values: np.ndarray) -> dict[str, float | None]:
    """Mean, std (ddof=1; 0 for one value), q05, q50, q95 of the finite values."""
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return {"mean": None, "std": None, "q05": None, "q50": None, "q95": None}
    q = np.quantile(v, QUANTILES)
    std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return {"mean": _r(v.mean()), "std": _r(std), "q05": _r(q[0]), "q50": _r(q[1]), "q95": _r(q[2])}


def _paired(group: pd.DataFrame, ref: pd.DataFrame, figures: Sequence[str]) -> dict:
    """Differences of ``group`` against ``ref`` on the seeds both have."""
    both = group.merge(ref, on="seed", suffixes=("", "_ref"))
    out = {}
    for f in figures:
        a, b = figure_values(both, f), figure_values(both.assign(**{f: both[f + "_ref"]}), f)
        d = a - b
        d = d[np.isfinite(d)]
        if len(d) == 0:
            continue
        better = d > 0 if f in HIGHER_IS_BETTER else d < 0
        out[f] = {
            "diff_mean": _r(d.mean()),
            "diff_std": _r(d.std(ddof=1) if len(d) > 1 else 0.0),
            "share_better": _r(better.mean()),
            "share_equal": _r((d == 0).mean()),
            "seeds": int(len(d)),
        }
    return out


def group_stats(
    runs: pd.DataFrame,
    policies: Sequence[str],
    variants: Sequence[str],
    figures: Sequence[str] = FIGURES,
) -> list[dict]:
    """Statistics of every (variant, policy) group of a sweep's runs.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run: ``seed``, ``policy``, ``variant`` (JSON text), ``horizon_h``,
        ``status`` and the figures (the store's ``runs`` table or
        :attr:`coldstart.sweep.engine.SweepRun.runs`). Failed runs are counted, not used.
    policies : sequence of str
        Policies in order; the first is the reference of the paired comparison.
    variants : sequence of str
        Variants (JSON text) in order.
    figures : sequence of str
        Figures described.

    Returns
    -------
    list of dict
        Per group: ``policy``, ``variant`` (dict), ``runs`` (finished ok), ``failed``,
        ``figures`` (per figure ``mean``, ``std``, ``q05``, ``q50``, ``q95`` in the figure's
        unit, and ``censored`` for hours to restore) and, for every policy after the first,
        ``paired_vs`` and ``paired`` (per figure ``diff_mean``, ``diff_std``,
        ``share_better``, ``share_equal``, ``seeds``).
    """
    ok = runs[runs["status"] == "ok"]
    constant = {f for f in figures if ok[f].nunique(dropna=False) <= 1}
    out = []
    for var in variants:
        ref = ok[(ok["variant"] == var) & (ok["policy"] == policies[0])]
        for pol in policies:
            sel = (runs["variant"] == var) & (runs["policy"] == pol)
            g = ok[(ok["variant"] == var) & (ok["policy"] == pol)]
            stats = {}
            for f in figures:
                stats[f] = describe(figure_values(g, f))
                if f in CENSORED:
                    stats[f]["censored"] = int(g[f].isna().sum())
            row = {
                "policy": pol,
                "variant": json.loads(var),
                "runs": int(len(g)),
                "failed": int((runs[sel]["status"] != "ok").sum()),
                "figures": stats,
            }
            if pol != policies[0]:
                row["paired_vs"] = policies[0]
                paired_figures = [f for f in figures if f not in constant]
                row["paired"] = _paired(g, ref, paired_figures)
            out.append(row)
    return out


CONFIDENCE = 0.95
"""Level of the confidence intervals of paired differences."""


def paired_interval(diff: np.ndarray, level: float = CONFIDENCE) -> dict[str, float]:
    """Mean of paired differences and its Student-t confidence interval [LAW-2015].

    The paired-t interval ``mean +- t(1 - (1 - level) / 2, n - 1) * std / sqrt(n)`` of the
    differences between two systems run on the same seeds (common random numbers): valid
    whatever the correlation between the two, assuming the differences are about normal.

    Parameters
    ----------
    diff : numpy.ndarray
        One difference per seed (in the figure's unit); NaN entries are left out.
    level : float
        Confidence level, in (0, 1).

    Returns
    -------
    dict
        ``mean``, ``ci_low``, ``ci_high``, ``std`` (ddof=1) and ``seeds``; with one seed the
        interval is unbounded (``-inf``, ``inf``); with none every value is NaN.
    """
    from scipy.stats import t as student_t

    d = np.asarray(diff, float)
    d = d[np.isfinite(d)]
    n = len(d)
    if n == 0:
        nan = float("nan")
        return {"mean": nan, "ci_low": nan, "ci_high": nan, "std": nan, "seeds": 0}
    mean = float(d.mean())
    if n == 1:
        return {"mean": mean, "ci_low": -np.inf, "ci_high": np.inf, "std": 0.0, "seeds": 1}
    std = float(d.std(ddof=1))
    half = float(student_t.ppf(0.5 + level / 2, n - 1)) * std / np.sqrt(n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "std": std, "seeds": n}
