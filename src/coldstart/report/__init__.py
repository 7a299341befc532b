"""The offline HTML report of a run.

:func:`write_report` writes one self-contained ``.html`` file (plotly.js inlined once, no
external links, no map tiles) that opens offline in any browser; :func:`render_report` returns
the same page as a string. Needs the ``plotly`` package (``pip install 'coldstart[report]'``).
"""

from coldstart.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
