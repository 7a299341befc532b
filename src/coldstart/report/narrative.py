"""The story at the top of the report, written from the run's own data.

Six short paragraphs: what struck when, what was lost, the worst hours, what came back and
when, the end state, and who is still cold. Every number comes from the Result (events, assets,
timeline, per-building service and the summary); nothing is hard-coded. Text from the Result
is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coldstart.report.fmt import count_text
from coldstart.report.waves import Wave, strike_waves

if TYPE_CHECKING:  # the Result imports the report to write it; the report only reads it
    from coldstart.result import Result

KIND_LABELS = {
    "chp_plant": "CHP plant",
    "boiler_house": "boiler house",
    "hv_substation": "HV substation",
    "transformer_station": "transformer station",
    "power_line": "power line",
    "heat_main": "heat main",
    "pumping_station": "pumping station",
}
"""Plain names of the asset kinds (``city/schema.toml``)."""

WORST_SHARE = 0.9
"""The worst hours: while people without heat stay at or above this share of the peak."""

MAX_LISTED = 8
"""Assets named one by one in a sentence; the rest are counted."""


class Clock:
    """Hours since the start as local clock times (``"Fri 09 Jan 02:00"``)."""

    def __init__(self, start: object) -> None:
        try:
            t = pd.Timestamp(start)
            self.start = None if pd.isna(t) else t
        except (ValueError, TypeError):
            self.start = None

    def at(self, hours: float) -> str:
        """Clock time ``hours`` after the start, and the hours in brackets."""
        if self.start is None:
            return f"hour {hours:,.1f}"
        t = (self.start + pd.Timedelta(hours=float(hours))).round("min")
        return f"{t.strftime('%a %d %b %H:%M')}, +{hours:,.1f} h"


def _kind(kind: str, n: int = 1) -> str:
    label = KIND_LABELS.get(kind, kind.replace("_", " "))
    return label if n == 1 else f"{label}s" if not label.endswith("s") else label


def _n(value: object) -> str:
    """A count with thousands separators ("—" when missing)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if not np.isfinite(number) else f"{number:,.0f}"


def _col(frame: pd.DataFrame | None, column: str) -> np.ndarray | None:
    if frame is None or column not in frame.columns or frame.empty:
        return None
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(float)


def waves_paragraph(waves: list[Wave], clock: Clock) -> str:
    """What struck when: one sentence per wave, with what it hit."""
    if not waves:
        return "No strike wave reached the city during the run."
    parts = []
    for w in waves:
        kinds = pd.Series([h.kind for h in w.hits]).value_counts() if w.hits else pd.Series()
        hit_text = ", ".join(f"{c} {_kind(k, c)}" for k, c in kinds.items()) or "nothing"
        launched = f" ({html.escape(w.detail)})" if w.detail else ""
        parts.append(
            f"<strong>{clock.at(w.hours)}</strong>: the wave “{html.escape(w.name)}” hit "
            f"{count_text(len(w.hits), 'asset')}: {html.escape(hit_text)}{launched}."
        )
    return " ".join(parts)


def short_before_strike(result: Result, clock: Clock | None = None) -> str:
    """A sentence when power was cut before the first wave struck ('' otherwise), plain text.

    Load shed before any strike is the supply's shortage (demand above generation and import),
    not the attack's doing: ``"Supply was already short before the first wave: rotating
    outages from Fri 09 Jan 00:20, +0.3 h (15,569 people)."`` (the peak of people without
    power before the wave). Without a wave, every cut counts.
    """
    clock = clock or Clock((result.meta or {}).get("start"))
    tl = result.timeline
    hours, cut = _col(tl, "hours"), _col(tl, "people_without_power")
    if hours is None or cut is None:
        return ""
    waves = strike_waves(result.events, result.assets)
    first = min(w.hours for w in waves) if waves else np.inf
    before = (hours < first - 1e-9) & (np.nan_to_num(cut) > 0)
    if not before.any():
        return ""
    k = int(np.argmax(before))
    queues = _col(tl, "queues_off")
    what = "rotating outages" if queues is not None and queues[before].max() > 0 else "power cuts"
    when = "before the first wave" if waves else "although nothing struck"
    return (
        f"Supply was already short {when}: {what} from {clock.at(hours[k])} "
        f"({_n(np.nanmax(cut[before]))} people)."
    )


def lost_paragraph(result: Result, clock: Clock) -> str:
    """What was lost: buildings and people without heat and power, and the peaks (first, when
    power was cut before any strike, :func:`short_before_strike`)."""
    s, tl = result.summary or {}, result.timeline
    hours = _col(tl, "hours")
    short = short_before_strike(result, clock)
    bits = [f"<strong>{html.escape(short)}</strong>"] if short else []
    bits += [
        f"{_n(s.get('buildings_lost_heat'))} of {_n(s.get('buildings_total'))} buildings lost "
        f"heat and {_n(s.get('buildings_lost_power'))} lost power at some point."
    ]
    for column, what in (("people_without_heat", "heat"), ("people_without_power", "power")):
        y = _col(tl, column)
        if y is not None and hours is not None and np.isfinite(y).any() and np.nanmax(y) > 0:
            k = int(np.nanargmax(y))
            bits.append(
                f"At the peak, <strong>{_n(y[k])} people were without {what}</strong> "
                f"({clock.at(hours[k])})."
            )
    return " ".join(bits)


def worst_paragraph(result: Result, clock: Clock) -> str:
    """The worst hours: the stretch around the peak of people without heat, the cold."""
    tl = result.timeline
    hours, y = _col(tl, "hours"), _col(tl, "people_without_heat")
    if hours is None or y is None or not np.isfinite(y).any() or np.nanmax(y) <= 0:
        return "Nobody lost heat."
    k = int(np.nanargmax(y))
    bad = np.nan_to_num(y) >= WORST_SHARE * y[k]
    lo, hi = k, k
    while lo > 0 and bad[lo - 1]:
        lo -= 1
    while hi < len(y) - 1 and bad[hi + 1]:
        hi += 1
    step = float(np.median(np.diff(hours))) if len(hours) > 1 else 0.0
    text = (
        f"The worst hours ran from <strong>{clock.at(hours[lo])}</strong> to "
        f"<strong>{clock.at(hours[hi] + step)}</strong>, with at least "
        f"{_n(WORST_SHARE * y[k])} people without heat."
    )
    cold = _col(tl, "people_below_12c")
    if cold is not None and np.nanmax(cold) > 0:
        j = int(np.nanargmax(cold))
        text += f" Up to {_n(cold[j])} people were at home below 12 °C ({clock.at(hours[j])})."
    out = _col(tl, "temp_outdoor_c")
    if out is not None and np.isfinite(out).any():
        j = int(np.nanargmin(out))
        text += f" The coldest outdoor temperature was {out[j]:.1f} °C ({clock.at(hours[j])})."
    return text


def _restore_sentence(result: Result, what: str) -> str:
    s = result.summary or {}
    lost = s.get(f"buildings_lost_{what}")
    value = s.get(f"hours_to_restore_{what}_95pct")
    if not lost:
        return ""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return f"{what.capitalize()} did <strong>not</strong> come back for 95 % of buildings."
    return (
        f"{what.capitalize()} was back for 95 % of buildings {float(value):,.1f} h after the "
        "first hit."
    )


def back_paragraph(result: Result, clock: Clock) -> str:
    """What came back and when: repaired assets in order, restoration of heat and power."""
    a = result.assets
    bits = []
    back = _col(a, "restored_h")
    if back is not None and np.isfinite(back).any():
        done = a.assign(back_h=back)[np.isfinite(back)].sort_values("back_h", kind="stable")
        named = [
            f"{html.escape(_kind(str(r.kind)))} {html.escape(str(r.asset_id))} at "
            f"{clock.at(r.back_h)}"
            for r in done.head(MAX_LISTED).itertuples(index=False)
        ]
        more = f" and {len(done) - MAX_LISTED} more" if len(done) > MAX_LISTED else ""
        bits.append(f"Repaired: {'; '.join(named)}{more}.")
    else:
        bits.append("No damaged asset was repaired within the run.")
    bits += [_restore_sentence(result, "heat"), _restore_sentence(result, "power")]
    sv = result.service
    lost, ret = _col(sv, "heat_lost_h"), _col(sv, "hours_until_heat_returned")
    if lost is not None and ret is not None and np.isfinite(lost).any():
        n_lost, n_back = int(np.isfinite(lost).sum()), int(np.isfinite(ret).sum())
        text = f"Heat came back for good to {_n(n_back)} of the {_n(n_lost)} buildings that lost it"
        if n_back:
            text += f", a median {np.nanmedian(ret):,.1f} h after they lost it"
        bits.append(text + ".")
    return " ".join(b for b in bits if b)


def repair_state(events: pd.DataFrame | None, asset_id: str, clock: Clock) -> str:
    """`` (why)`` an asset is still out at the end, from its events: beyond repair, under
    repair since when (with the work its crew faces), or its repair not started (crews busy,
    spares or power awaited); ``""`` without events."""
    if events is None or "kind" not in events:
        return ""
    mine = events[(events["asset_id"] == asset_id) & events["kind"].isin(REPAIR_EVENTS)]
    if mine.empty:
        return " (repair not started)"
    last = mine.iloc[-1]
    if last["kind"] == "beyond_repair":
        return " (beyond repair)"
    work = str(last.get("detail", "")).rsplit(", ", 1)[-1]
    work = f", {html.escape(work)}" if work.endswith(" of work") else ""
    return f" (under repair since {clock.at(float(last['hours']))}{work})"


REPAIR_EVENTS = ("repair_start", "beyond_repair")
"""Events that say where an asset's repair stands."""


def end_paragraph(result: Result, clock: Clock) -> str:
    """The end state: who is still without heat or power, which assets are still out."""
    tl = result.timeline
    hours = _col(tl, "hours")
    if hours is None or not len(hours):
        return "The run recorded no timeline."
    last = tl.iloc[-1]
    step = float(np.median(np.diff(hours))) if len(hours) > 1 else 0.0
    text = (
        f"At the end ({clock.at(hours[-1] + step)}), <strong>{_n(last.get('people_without_heat'))}"
        f" people</strong> in {_n(last.get('buildings_without_heat'))} buildings were still "
        f"without heat and {_n(last.get('people_without_power'))} people without power."
    )
    back = _col(result.assets, "restored_h")
    if back is not None and (~np.isfinite(back)).any():
        out = result.assets[~np.isfinite(back)]
        named = ", ".join(
            f"{html.escape(_kind(str(k)))} {html.escape(str(i))}"
            f"{repair_state(result.events, str(i), clock)}"
            for k, i in zip(out["kind"].head(MAX_LISTED), out["asset_id"].head(MAX_LISTED),
                            strict=True)
        )  # fmt: skip
        more = f" and {len(out) - MAX_LISTED} more" if len(out) > MAX_LISTED else ""
        text += f" Still out: {named}{more}."
    return text


SYSTEM_EVENTS = {"drain": False, "freeze": False, "restart_failed": False, "refilled": True}
"""Events that change a building's heating system, and whether it works after each."""


def still_drained(events: pd.DataFrame | None) -> tuple[int, int] | None:
    """Buildings drained or frozen at some point whose system works again at the end (their
    last system event is a refill), and those still drained or frozen; None without events."""
    if events is None or "kind" not in events or "asset_id" not in events:
        return None
    sel = events[events["kind"].isin(list(SYSTEM_EVENTS))]
    works = sel.groupby("asset_id", sort=False)["kind"].last().map(SYSTEM_EVENTS)
    touched = sel.loc[sel["kind"].isin(["drain", "freeze"]), "asset_id"].unique()
    works = works[works.index.isin(touched)]
    return int(works.sum()), int((~works).sum())


def why_frozen(events: pd.DataFrame | None) -> tuple[int, int, int] | None:
    """Why the frozen buildings froze: ``(ordered, never_ordered, cancelled)``: a drain was
    ordered and still waiting for a plumbing crew when the water froze; no drain was ordered
    before (the drain policy held on, e.g. heat was expected back sooner); or a drain was
    ordered and then called off as circulation came back, which stopped again. None without
    events or freezes."""
    if events is None or not {"kind", "asset_id", "hours"} <= set(events.columns):
        return None
    ev = events[events["kind"].isin(["drain_order", "drain_cancelled", "freeze"])]
    ev = ev.sort_values("hours", kind="stable")
    frozen = ev.loc[ev["kind"] == "freeze"].drop_duplicates("asset_id")
    if frozen.empty:
        return None
    # the last drain order or call-off of each frozen building before it first froze
    orders = ev.loc[ev["kind"] != "freeze", ["asset_id", "hours", "kind"]].merge(
        frozen[["asset_id", "hours"]], on="asset_id", suffixes=("", "_froze")
    )
    last = orders[orders["hours"] <= orders["hours_froze"]].groupby("asset_id")["kind"].last()
    ordered = int((last == "drain_order").sum())
    cancelled = int((last == "drain_cancelled").sum())
    never = len(frozen) - ordered - cancelled
    return ordered, never, cancelled


def _frozen_sentence(events: pd.DataFrame | None) -> str:
    """One sentence on why the frozen buildings froze ('' when none froze)."""
    why = why_frozen(events)
    if why is None:
        return ""
    ordered, never, cancelled = why
    parts = []
    if ordered:
        parts.append(f"{_n(ordered)} had a drain ordered that no plumbing crew reached in time")
    if never:
        parts.append(
            f"{_n(never)} were never ordered drained (the drain policy expected heat back first)"
        )
    if cancelled:
        parts.append(f"{_n(cancelled)} had their drain called off when circulation came back")
    return f"Of the buildings that froze, {', '.join(parts)}."


def cold_paragraph(result: Result) -> str:
    """Who is still cold at the end: people below 12 °C, drained or frozen homes, no shelter."""
    s, tl = result.summary or {}, result.timeline
    bits = []
    cold = _col(tl, "people_below_12c")
    if cold is not None and len(cold):
        bits.append(f"{_n(cold[-1])} people were at home in flats below 12 °C at the end.")
    b = result.buildings
    mins = _col(b, "min_temp_c")
    if mins is not None and "residents" in b.columns:
        res = pd.to_numeric(b["residents"], errors="coerce").fillna(0).to_numpy(float)
        bits.append(
            f"{_n(res[mins < 5].sum())} residents of {_n((mins < 5).sum())} buildings saw their "
            "flats fall below 5 °C at some point."
        )
    drained = (
        f"{_n(s.get('buildings_drained'))} buildings had their heating drained and "
        f"{_n(s.get('buildings_frozen'))} froze"
    )
    left = still_drained(result.events)
    if left is None:
        bits.append(f"{drained}: they need refilling or repair before heat returns.")
    else:
        back, still = left
        bits.append(
            f"{drained}; {_n(back)} of them were refilled by the end, {_n(still)} still need "
            "refilling or repair before heat returns."
        )
    if frozen := _frozen_sentence(result.events):
        bits.append(frozen)
    if s.get("peak_people_unmet_shelter"):
        bits.append(
            f"Up to {_n(s.get('peak_people_unmet_shelter'))} people wanted a shelter within "
            "walking distance and found no room."
        )
    return " ".join(bits)


def story(result: Result) -> list[tuple[str, str]]:
    """The report's story as ``(heading, HTML paragraph)`` pairs, in reading order.

    Parameters
    ----------
    result : Result
        The run.

    Returns
    -------
    list of (str, str)
        "What struck", "What was lost", "The worst hours", "What came back", "The end",
        "Who is still cold".
    """
    clock = Clock((result.meta or {}).get("start"))
    waves = strike_waves(result.events, result.assets)
    return [
        ("What struck", waves_paragraph(waves, clock)),
        ("What was lost", lost_paragraph(result, clock)),
        ("The worst hours", worst_paragraph(result, clock)),
        ("What came back", back_paragraph(result, clock)),
        ("The end", end_paragraph(result, clock)),
        ("Who is still cold", cold_paragraph(result)),
    ]


def story_html(result: Result) -> str:
    """The story as an HTML block (``<section id="story">``)."""
    items = "".join(f"<p><strong>{h}.</strong> {p}</p>" for h, p in story(result))
    return f'<section class="card story" id="story-text">{items}</section>'
