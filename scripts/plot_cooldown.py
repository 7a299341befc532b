"""Plot the cooldown of every archetype at -20 degC (building average and worst flat).

Writes ``docs/thermal/cooldown_minus20.png``. Run: ``.venv/bin/python scripts/plot_cooldown.py``.
Case: typical building of each archetype, heat stops at 20 degC, residents at home (body heat,
no power), constant -20 degC outdoors, 7 days (coldstart.thermal.cooldown).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from coldstart.thermal.archetypes import archetypes  # noqa: E402
from coldstart.thermal.cooldown import cooldown  # noqa: E402


def main(out: Path) -> None:
    """Draw the figure to ``out``."""
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    for i, name in enumerate(archetypes()):
        c = cooldown(name, -20.0, hours=168.0, residents_home=True)
        color = f"C{i}"
        ax.plot(c.hours, c.temp_air_c, color=color, label=f"{name} (tau {c.tau_h:.0f} h)")
        ax.plot(c.hours, c.temp_worst_c, color=color, ls=":", lw=1)
    for thr, label in ((18, "WHO 18"), (12, "12: cardiovascular strain"), (5, "5: hypothermia")):
        ax.axhline(thr, color="grey", lw=0.6)
        ax.text(167, thr + 0.3, label, ha="right", fontsize=8, color="grey")
    ax.set_xlabel("hours after heat stops")
    ax.set_ylabel("indoor air temperature [degC]")
    ax.set_title(
        "Cooldown at -20 degC, residents home, no power (solid: average, dotted: worst flat)"
    )
    ax.set_xlim(0, 168)
    ax.set_xticks(range(0, 169, 24))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/thermal/cooldown_minus20.png"))
