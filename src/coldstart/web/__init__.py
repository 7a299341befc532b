"""The web dashboard of ``coldstart serve``: a FastAPI application over the run store.

Modules, one topic each: :mod:`.config` (the server's settings), :mod:`.security` (token,
loopback rule, body limits, error bodies), :mod:`.uploads` (zip checks), :mod:`.cities` (the
demo, server and uploaded cities), :mod:`.storegate` (short, locked use of the DuckDB run store
shared with ``coldstart sweep``), :mod:`.jobs` (the bounded job queue), :mod:`.runner` (one run
with its hourly indoor temperatures and output files), :mod:`.mapview` (the map at an hour),
the routes per resource (:mod:`.routes_cities`, :mod:`.routes_runs`, :mod:`.routes_sweeps`,
:mod:`.routes_page`) and :mod:`.app` (the application factory). The page is
``static/index.html`` with ``static/dashboard.js``; plotly.js is served from the installed
``plotly`` package, so nothing is fetched from the network.
"""
