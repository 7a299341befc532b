"""The report's events table, filterable by kind.

A run logs thousands of events, most of them shelters opening and heating systems drained or
refilled. The table holds every event of the key kinds (waves, hits, repairs, trips, freezes)
and the first :data:`MAX_PER_KIND` of each other kind, in time order with waves and hits first
within an hour; a drop-down shows one kind, the key events (the default) or all rows held.
"""

from __future__ import annotations

import html

import pandas as pd

KEY_KINDS = (
    "wave",
    "wave_cancelled",
    "hit",
    "beyond_repair",
    "repair_end",
    "trip",
    "freeze",
    "burst",
    "backup_failed",
    "shelter_fail",
)
"""Kinds shown by default (the story's events)."""

MAX_PER_KIND = 300
"""Rows held per event kind outside :data:`KEY_KINDS` (all are in ``events.csv``)."""

MAX_KEY_ROWS = 2000
"""Rows held of the key kinds together."""

SCRIPT = """
(function () {
  var sel = document.getElementById('event-kind');
  if (!sel) return;
  var rows = document.querySelectorAll('#events-table tbody tr');
  var count = document.getElementById('event-count');
  function apply() {
    var v = sel.value, shown = 0;
    rows.forEach(function (r) {
      var k = r.getAttribute('data-kind');
      var on = v === 'all' || (v === 'key' ? r.getAttribute('data-key') === '1' : k === v);
      r.hidden = !on;
      if (on) shown += 1;
    });
    count.textContent = shown + ' row(s) shown';
  }
  sel.addEventListener('change', apply);
  apply();
})();
"""
"""Filter of the events table (no library)."""


def _order(events: pd.DataFrame) -> pd.DataFrame:
    """Events by time, waves and hits first within the same hour."""
    rank = {k: i for i, k in enumerate(KEY_KINDS)}
    hours = pd.to_numeric(events["hours"], errors="coerce") if "hours" in events else 0.0
    kind_rank = events["kind"].astype(str).map(lambda k: rank.get(k, len(rank)))
    e = events.assign(_h=hours, _r=kind_rank)
    return e.sort_values(["_h", "_r"], kind="stable", na_position="last")


def events_table(events: pd.DataFrame) -> str:
    """The events as a filterable table.

    Parameters
    ----------
    events : pandas.DataFrame
        ``Result.events`` (``time, hours, kind, asset_id, detail``).

    Returns
    -------
    str
        HTML: a kind selector, a note on what is held, the table in a scrolling box and its
        filter script; a sentence when there were no events.
    """
    if events is None or events.empty or "kind" not in events.columns:
        return '<p class="empty">No events were recorded.</p>'
    e = _order(events)
    kinds = e["kind"].astype(str)
    is_key = kinds.isin(KEY_KINDS)
    keep = (is_key & (is_key.cumsum() <= MAX_KEY_ROWS)) | (
        ~is_key & (e.groupby(kinds).cumcount() < MAX_PER_KIND)
    )
    held = e[keep]
    counts = kinds.value_counts()
    options = ['<option value="key" selected>Key events (waves, hits, repairs, trips)</option>',
               '<option value="all">All kinds</option>'] + [
        f'<option value="{html.escape(k)}">{html.escape(k)} ({n:,})</option>'
        for k, n in sorted(counts.items())
    ]  # fmt: skip
    rows = []
    for rec in held.itertuples(index=False):
        kind = html.escape(str(rec.kind))
        hours = pd.to_numeric(pd.Series([getattr(rec, "hours", None)]), errors="coerce")[0]
        time = getattr(rec, "time", "")
        time_text = "" if pd.isna(time) else str(time).replace("T", " ")[:16]
        detail = "" if pd.isna(getattr(rec, "detail", "")) else str(rec.detail)
        target = "" if pd.isna(getattr(rec, "asset_id", "")) else str(rec.asset_id)
        rows.append(
            f'<tr data-kind="{kind}" data-key="{int(str(rec.kind) in KEY_KINDS)}">'
            f"<td>{html.escape(time_text)}</td>"
            f'<td class="num">{"" if pd.isna(hours) else f"{hours:,.2f}"}</td>'
            f"<td>{kind}</td><td>{html.escape(target)}</td><td>{html.escape(detail)}</td></tr>"
        )
    note = (
        f"{len(events):,} events; this table holds every key event and the first "
        f"{MAX_PER_KIND} of each other kind ({len(held):,} rows). All are in "
        "<code>events.csv</code>."
    )
    return (
        f'<p class="note">{note}</p><label for="event-kind">Show: </label>'
        f'<select id="event-kind">{"".join(options)}</select> '
        f'<span id="event-count" class="note"></span>'
        '<div class="scroll"><table id="events-table"><thead><tr><th>Time</th>'
        '<th class="num">Hour</th><th>Event</th><th>Target</th><th>Detail</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div><script>{SCRIPT}</script>"
    )
