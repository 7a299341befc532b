"""Replay of Kyiv, 9 January 2026, over seeds: blocks without heat against the reports.

Builds the synthetic city at Kyiv's scale (12,000 buildings, seed 0), runs
``examples/kyiv-2026-01-09.toml`` once per seed (``coldstart.validation.kyiv.replay``), prints
the median and 5-95 % of apartment blocks without heat at the reported hours beside the reports
[KYIV-2026] and their acceptance bands, and plots the band over seeds
(``docs/kyiv-replay.png``).

Run: ``.venv/bin/python scripts/plot_replay.py [--seeds 10] [--step-min 10]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from coldstart.city.synth import synth_city  # noqa: E402
from coldstart.compiled import compile_city  # noqa: E402
from coldstart.scenario import load_scenario  # noqa: E402
from coldstart.validation.kyiv import KYIV_BUILDINGS, band, replay, reported  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the replay over seeds, print the comparison and write the plot."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--step-min", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "kyiv-replay.png")
    args = ap.parse_args()
    cc = compile_city(synth_city(KYIV_BUILDINGS, seed=0))
    sc = load_scenario(ROOT / "examples" / "kyiv-2026-01-09.toml")
    sc = sc.model_copy(update={"step_min": args.step_min})
    curves: list = []
    t0 = time.perf_counter()
    runs = replay(cc, sc, list(range(1, args.seeds + 1)), curves=curves,
                  progress=lambda d, n: print(f"run {d}/{n}", flush=True))  # fmt: skip
    print(f"{args.seeds} runs in {time.perf_counter() - t0:.0f} s")
    b = band(runs)
    print("| when | reported | band | model median | model 5-95 % |")
    print("|---|---|---|---|---|")
    for _, r in b.iterrows():
        print(f"| {r.when} | ~{r.reported:,} | {r.low:,}-{r.high:,} | {r['median']:,.0f} | "
              f"{r.p5:,.0f}-{r.p95:,.0f} |")  # fmt: skip
    for col in ("blocks_lost_heat", "buildings_drained", "buildings_frozen", "peak_metro",
                "peak_people_in_shelters"):  # fmt: skip
        v = runs[col].to_numpy(float)
        print(f"{col}: median {np.median(v):,.0f}, 5-95 % {np.percentile(v, 5):,.0f}-"
              f"{np.percentile(v, 95):,.0f}")  # fmt: skip
    hours = curves[0].hours.to_numpy()
    y = np.array([c.blocks_without_heat.to_numpy() for c in curves])
    fig, ax = plt.subplots(figsize=(9, 4.8))
    ax.fill_between(hours / 24, np.percentile(y, 5, axis=0), np.percentile(y, 95, axis=0),
                    alpha=0.25, label=f"coldstart, 5-95 % over {args.seeds} seeds")  # fmt: skip
    ax.plot(hours / 24, np.median(y, axis=0), label="coldstart, median")
    rep = reported()
    ax.errorbar(rep.hours / 24, rep.blocks_without_heat,
                yerr=[rep.blocks_without_heat - rep.low, rep.high - rep.blocks_without_heat],
                fmt="o", color="crimson", capsize=4,
                label="reported (Kyiv, Jan 2026) and test band")  # fmt: skip
    ax.set_xlabel("days since 9 January 2026, 00:00")
    ax.set_ylabel("apartment blocks without heat")
    ax.set_title("Replay of the 9 January 2026 strike on a city at Kyiv's scale")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
