"""The rotating-outage schedule for residents: a page and one calendar file per sub-queue.

``outage_schedule.html`` answers "when is my power off?": a resident finds their building (by
address or id) in a sub-queue and reads that queue's off-windows by day, in local clock time.
``outage_queue_<queue>.ics`` holds the same windows as iCalendar events (RFC 5545) to import
into a phone's calendar (one per sub-queue, as Ukrainian utilities publish their schedules
[UA-GPV]). Times are the run's local clock (the scenario's ``start``); a start
with a UTC offset is written in UTC in the calendars.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from coldstart.grid.rotation import SUB_QUEUES
from coldstart.outdir import write_text_atomic

if TYPE_CHECKING:  # the Result imports the report to write it; the report only reads it
    from coldstart.result import Result

PRODID = "-//coldstart//outage schedule//EN"
"""iCalendar product id."""

SCHEDULE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
  color: #1d2430; background: #f6f7f9; line-height: 1.45; }
main { max-width: 900px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; }
section { background: #fff; border-radius: 4px; padding: 0.4rem 1rem 0.8rem; margin: 0.8rem 0;
  box-shadow: 0 1px 3px rgba(0,0,0,0.08); }
ul.days { padding-left: 1.1rem; } .emergency { color: #c0392b; }
.ids { font-size: 0.9rem; overflow-wrap: anywhere; } nav a { margin-right: 0.7rem; }
nav { line-height: 2; }
"""
"""Style of the schedule page (system fonts only)."""


def windows(schedule: pd.DataFrame, horizon_h: float | None = None) -> pd.DataFrame:
    """The applied off-windows with parsed local start and end times.

    Parameters
    ----------
    schedule : pandas.DataFrame
        ``Result.outage_schedule`` (``queue, start, end, start_h, end_h, kind``).
    horizon_h : float, optional
        The run's horizon [h]: a window ending there was still open when the run ended (its
        end is the run's, not the power's return).

    Returns
    -------
    pandas.DataFrame
        One row per cut as residents see it (windows less than :data:`JOIN_GAP` apart joined,
        see :func:`_joined`): ``queue, kind, t0, t1, open_at_end, emergency, parts,
        n_windows, off_h`` (pandas Timestamps, timezone kept when the run has one), sorted by
        queue and start; windows without a valid start and end are dropped.
    """
    if schedule is None or schedule.empty or "queue" not in schedule.columns:
        return _joined(pd.DataFrame(columns=["queue", "kind", "t0", "t1", "open_at_end"]))
    t0 = schedule["start"].map(lambda v: pd.Timestamp(v) if isinstance(v, str) else pd.NaT)
    t1 = schedule["end"].map(lambda v: pd.Timestamp(v) if isinstance(v, str) else pd.NaT)
    kind = schedule["kind"] if "kind" in schedule.columns else "scheduled"
    open_at_end = False
    if horizon_h is not None and "end_h" in schedule.columns:
        open_at_end = pd.to_numeric(schedule["end_h"], errors="coerce") >= horizon_h - 1e-6
    w = pd.DataFrame(
        {
            "queue": schedule["queue"].astype(str),
            "kind": kind,
            "t0": t0,
            "t1": t1,
            "open_at_end": open_at_end,
        }
    ).dropna(subset=["t0", "t1"])
    w = w[w["t1"] > w["t0"]]
    order = {q: i for i, q in enumerate(SUB_QUEUES)}
    w = w.assign(_q=w["queue"].map(lambda q: order.get(q, len(order))))
    w = w.sort_values(["_q", "queue", "t0"], kind="stable").drop(columns="_q")
    return _joined(w.reset_index(drop=True))


JOIN_GAP = pd.Timedelta(minutes=15)
"""Off-windows of a queue less than this apart are one cut for residents: power back for a few
minutes (a rotation slot ending just before the next) is nothing to plan around."""


def _joined(w: pd.DataFrame) -> pd.DataFrame:
    """``w`` (sorted by queue and start) with each queue's windows less than :data:`JOIN_GAP`
    apart joined into one cut, which keeps what it is made of.

    Returns
    -------
    pandas.DataFrame
        ``queue, t0, t1, open_at_end`` of each cut (open at the end if any part was);
        ``parts``: its windows as ``(kind, t0, t1)`` in order of start; ``kind``: the kinds
        of its parts in that order, repeats dropped (``"scheduled"``, ``"emergency"``,
        ``"scheduled, then emergency"``, ...); ``emergency``: any part was; ``n_windows``: how
        many windows it joins; ``off_h``: hours the power was off in it [h], the union of
        its windows, without the minutes the power was back between them (the sum of the
        schedule's windows when they do not overlap).
    """
    if w.empty:
        cols = ["queue", "kind", "t0", "t1", "open_at_end", "emergency", "parts", "n_windows"]
        return pd.DataFrame(columns=[*cols, "off_h"])
    # instants in UTC for the arithmetic: times with two UTC offsets (a run across a change
    # of daylight saving time) are a column of objects, without cummax; shown times stay local
    t0u, t1u = pd.to_datetime(w["t0"], utc=True), pd.to_datetime(w["t1"], utc=True)
    same_queue = w["queue"].eq(w["queue"].shift())
    reach = t1u.groupby(w["queue"], sort=False).cummax().shift().where(same_queue)
    new = ~same_queue | ((t0u - reach) >= JOIN_GAP)
    block = new.cumsum()
    # time off that no earlier window of the queue covered already (overlaps counted once)
    fresh_h = (t1u - t0u.where(~(reach > t0u), reach)).dt.total_seconds().clip(lower=0) / 3600
    g = w.groupby(block, sort=False)
    last = t1u.groupby(block, sort=False).idxmax()  # the row ending latest in each block
    parts = pd.Series(list(zip(w["kind"], w["t0"], w["t1"], strict=True)), index=w.index)
    parts = parts.groupby(block, sort=False).agg(list)
    return pd.DataFrame(
        {
            "queue": g["queue"].first(),
            "kind": parts.map(lambda ps: ", then ".join(_runs([k for k, _, _ in ps]))),
            "t0": g["t0"].first(),  # (sorted by start)
            "t1": w["t1"].loc[last.to_numpy()].set_axis(last.index),
            "open_at_end": g["open_at_end"].any(),
            "emergency": g["kind"].agg(lambda k: bool((k == "emergency").any())),
            "parts": parts,
            "n_windows": g.size(),
            "off_h": fresh_h.groupby(block, sort=False).sum(),
        }
    ).reset_index(drop=True)


def _runs(kinds: list[str]) -> list[str]:
    """``kinds`` with repeats in a row dropped: ``[s, s, e, s]`` -> ``[s, e, s]``."""
    return [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]


def _kind_label(parts: list[tuple[str, pd.Timestamp, pd.Timestamp]]) -> str:
    """What a cut is made of, for residents: ``""`` (scheduled only), ``"emergency"``, or
    each change of kind with its local time, ``"scheduled, then emergency from 04:50"``."""
    words, prev = [], None
    for kind, t0, _ in parts:
        if kind == prev:
            continue
        if prev is None:
            words.append(str(kind))
        else:
            when = t0.strftime("%H:%M" if t0.normalize() == parts[0][1].normalize() else "%a %H:%M")
            words.append(f"then {kind} from {when}")
        prev = kind
    return "" if words == ["scheduled"] else ", ".join(words)


def _window_text(t0: pd.Timestamp, t1: pd.Timestamp) -> str:
    """``"00:20–03:38"``, with the end's date when it falls on a later day."""
    end = t1.strftime("%H:%M")
    if t1.normalize() != t0.normalize():
        end = t1.strftime("%a %d %b %H:%M")
    return f"{t0.strftime('%H:%M')}–{end}"


def _queue_section(queue: str, w: pd.DataFrame, homes: pd.DataFrame) -> str:
    """One queue: windows by day and the buildings in it."""
    days = []
    for day, part in w.groupby(w["t0"].map(lambda t: t.normalize()), sort=True):
        items = []
        for rec in part.itertuples(index=False):
            cls = ' class="emergency"' if rec.emergency else ""
            kind = _kind_label(rec.parts)
            label = f" ({kind})" if kind else ""
            if rec.open_at_end:
                label += " (still off when the run ended)"
            items.append(f"<span{cls}>{_window_text(rec.t0, rec.t1)}{label}</span>")
        days.append(f"<li><strong>{day.strftime('%a %d %b')}</strong>: {', '.join(items)}</li>")
    names = [
        f"{html.escape(str(a))} ({html.escape(str(b))})" if str(a) else html.escape(str(b))
        for a, b in zip(homes["address"], homes["building_id"], strict=True)
    ]
    ids = ", ".join(names) if names else "none"
    body = "".join(days) if days else "<li>No power cut for this queue during the run.</li>"
    cal = (
        f' Calendar: <a href="outage_queue_{html.escape(queue)}.ics">'
        f"outage_queue_{html.escape(queue)}.ics</a>."
        if len(w)
        else ""
    )
    return (
        f'<section id="q{html.escape(queue)}"><h2>Queue {html.escape(queue)}</h2>'
        f"<p>{_count_text(w)}{cal}</p>"
        f'<ul class="days">{body}</ul>'
        f"<details><summary>{len(homes):,} building(s) in queue {html.escape(queue)}</summary>"
        f'<p class="ids">{ids}</p></details></section>'
    )


def _count_text(w: pd.DataFrame) -> str:
    """``"4 power cuts (7 windows in the schedule, joined where the power was back for less
    than 15 minutes), 29.7 h without power in all."``: the hours are those the power was off
    (the schedule's windows), never the minutes between joined windows."""
    n_cuts, n_windows = len(w), int(w["n_windows"].sum()) if len(w) else 0
    off_h = float(w["off_h"].sum()) if len(w) else 0.0
    text = f"{n_cuts:,} power cut{'' if n_cuts == 1 else 's'}"
    if n_windows != n_cuts:
        text += (
            f" ({n_windows:,} windows in the schedule, joined where the power was back for "
            f"less than {JOIN_GAP.seconds // 60} minutes)"
        )
    return f"{text}, {off_h:,.1f} h without power in all."


def schedule_html(result: Result) -> str:
    """The resident's outage schedule as one self-contained HTML page.

    Parameters
    ----------
    result : Result
        The run (``outage_schedule``, ``service`` for the buildings of each queue, ``meta``).

    Returns
    -------
    str
        The page: per sub-queue, the off-windows by day in local clock time and the buildings
        (addresses or ids) in it.
    """
    meta = result.meta or {}
    w = windows(result.outage_schedule, _horizon_h(meta))
    service = result.service if result.service is not None else pd.DataFrame()
    if service.empty:
        service = pd.DataFrame(columns=["building_id", "outage_queue", "address"])
    queues = [q for q in SUB_QUEUES if q in set(w["queue"]) | set(service["outage_queue"])]
    queues += sorted(set(w["queue"]) - set(SUB_QUEUES))
    city = html.escape(str(meta.get("city_name") or "the city"))
    scenario = html.escape(str(meta.get("scenario_name") or "the scenario"))
    has_seed = meta.get("seed") is not None and str(meta.get("seed")) not in ("", "nan")
    seed = f" (run seed {html.escape(str(meta['seed']))})" if has_seed else ""
    nav = " ".join(f'<a href="#q{html.escape(q)}">{html.escape(q)}</a>' for q in queues)
    sections = [
        _queue_section(q, w[w["queue"] == q], service[service["outage_queue"] == q]) for q in queues
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Power cut schedule: {city}</title><style>{SCHEDULE_CSS}</style></head>",
            f"<body><main><h1>Power cut schedule — {city}</h1>",
            f"<p>Scenario: {scenario}. Times are local clock time. Find your building (address "
            "or id) under a queue below; your power is off during that queue's windows. "
            "Each queue's calendar file can be imported into a phone's calendar. Cuts less "
            f"than {JOIN_GAP.seconds // 60} minutes apart are shown as one, with what they are "
            "made of (scheduled or emergency); the hours without power leave out the minutes "
            "the power was back between them.</p>",
            f'<p class="note">Simulated: the schedule of one run{seed}, one possible course of '
            "the scenario, not a published plan.</p>",
            f"<nav>Queues: {nav or 'none'}</nav>",
            *(sections or ["<p>No rotating power cuts were applied in this run.</p>"]),
            "</main></body></html>",
            "",
        ]
    )


def _horizon_h(meta: dict) -> float | None:
    """The run's horizon [h] from its meta, when known."""
    try:
        return float(meta["horizon_h"])
    except (KeyError, TypeError, ValueError):
        return None


def _ics_time(t: pd.Timestamp) -> str:
    """An iCalendar date-time: floating local time, or UTC (``Z``) when ``t`` has a zone."""
    if t.tzinfo is not None:
        return t.tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")
    return t.strftime("%Y%m%dT%H%M%S")


def _dtstamp(made_utc: datetime) -> str:
    """``DTSTAMP`` of every event: when the file was made, in UTC (RFC 5545 section 3.8.7.2).

    Raises
    ------
    ValueError
        ``made_utc`` has no time zone (a local clock time cannot be written as UTC).
    """
    if made_utc.tzinfo is None or made_utc.utcoffset() is None:
        raise ValueError("made_utc must carry a time zone (e.g. datetime.now(UTC))")
    return made_utc.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def queue_ics(queue: str, w: pd.DataFrame, city: str, made_utc: datetime) -> str:
    """One sub-queue's off-windows as an iCalendar file (RFC 5545, CRLF line ends).

    Parameters
    ----------
    queue : str
        Sub-queue, e.g. ``"1.1"``.
    w : pandas.DataFrame
        Its cuts from :func:`windows`.
    city : str
        City name, in each event's summary.
    made_utc : datetime.datetime
        When the file is made (time-zone aware): every event's ``DTSTAMP``, in UTC. Passed in,
        never read from the clock here.

    Returns
    -------
    str
        ``BEGIN:VCALENDAR`` ... ``END:VCALENDAR`` with one ``VEVENT`` per cut (windows less
        than :data:`JOIN_GAP` apart are one, its summary naming its kinds in order, its
        description listing its windows and the hours without power).
    """
    end_text = ": still off when the run ended"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    stamp = _dtstamp(made_utc)
    for i, rec in enumerate(w.itertuples(index=False)):
        lines += [
            "BEGIN:VEVENT",
            f"UID:coldstart-{queue}-{i}-{_ics_time(rec.t0)}@coldstart",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(rec.t0)}",
            f"DTEND:{_ics_time(rec.t1)}",
            f"SUMMARY:{_ics_text(f'Power off - queue {queue} ({rec.kind})')}",
            f"DESCRIPTION:{_ics_text(_ics_description(city, rec.parts, rec.off_h))}"
            f"{end_text if rec.open_at_end else ''}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _ics_text(text: str) -> str:
    """``text`` as an iCalendar TEXT value (RFC 5545 section 3.3.11: ``\\ , ;`` and line ends
    escaped)."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _ics_description(
    city: str, parts: list[tuple[str, pd.Timestamp, pd.Timestamp]], off_h: float
) -> str:
    """An event's description: the city and, for a cut joining windows less than
    :data:`JOIN_GAP` apart (``parts``, see :func:`_joined`), its windows with their kinds in
    local time and the hours without power ``off_h`` [h]."""
    if len(parts) < 2:
        return city
    windows_text = ", ".join(f"{_window_text(t0, t1)} {kind}" for kind, t0, t1 in parts)
    return (
        f"{city}. One cut joining windows less than {JOIN_GAP.seconds // 60} min apart "
        f"(local time): {windows_text}; {off_h:.1f} h without power"
    )


def _fold(line: str, limit: int = 75) -> str:
    """A content line folded as RFC 5545 section 3.1 asks: at most ``limit`` octets per line,
    each continuation starting with a space (never splitting a UTF-8 character)."""
    parts, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size = " ", 1
        current += ch
        size += n
    parts.append(current)
    return "\r\n".join(parts)


def write_schedule_files(result: Result, folder: str | Path, made_utc: datetime) -> list[Path]:
    """Write ``outage_schedule.html`` and one ``outage_queue_<queue>.ics`` per sub-queue with
    at least one window (an iCalendar file needs one event).

    Parameters
    ----------
    result : Result
        The run.
    folder : str or pathlib.Path
        The (temporary) output folder.
    made_utc : datetime.datetime
        When the files are made (time-zone aware): the calendars' ``DTSTAMP``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    page = folder / "outage_schedule.html"
    write_text_atomic(page, schedule_html(result))
    written = [page]
    w = windows(result.outage_schedule, _horizon_h(result.meta or {}))
    city = str((result.meta or {}).get("city_name") or "coldstart")
    for queue, part in w.groupby("queue", sort=False):
        path = folder / f"outage_queue_{queue}.ics"
        write_text_atomic(path, queue_ics(str(queue), part, city, made_utc), newline="")
        written.append(path)
    return written
