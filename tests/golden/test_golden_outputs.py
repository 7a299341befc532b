"""Golden digests of the runner's outputs: a refactor must keep them bit-identical.

Every configuration below runs :func:`coldstart.simulate.simulate` in-process on one small
synthetic city; each output (summary, meta, and every table) is reduced to the sha256 of a
canonical text and compared with ``digests.json`` next to this file.

When a change alters the outputs *on purpose* (a bug fix), regenerate the goldens in that change's
own commit with ``.venv/bin/python scripts/update_golden.py`` (it prints what changed) and say why
in the commit message. Never regenerate them to make a refactor pass.

The digests pin this environment's numerics (numpy, scipy, pandas versions and their
dtype names); an upgrade of those may move them without any change in coldstart.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from coldstart.city.synth import synth_city
from coldstart.compiled import CompiledCity, compile_city
from coldstart.result import Result
from coldstart.scenario import parse_scenario
from coldstart.scenario.model import Scenario
from coldstart.simulate import simulate

DIGESTS_PATH = Path(__file__).with_name("digests.json")
"""The goldens: digests, summaries and a few counts per configuration."""

CITY_BUILDINGS, CITY_SEED = 120, 0
"""The city: ``synth_city(120, seed=0)`` (5 heat districts joined by 4 normally-closed link
valves, 2 boosters, CHP plants ``a_chp_1``/``a_chp_2``, 3 boiler houses, one HV substation)."""

BASE_SCENARIO_TEXT = """\
# The built-in demo scenario (coldstart.scenario.example_scenario_text()), frozen here so that
# edits of the demo do not move the goldens, and cut down for the 120-building city:
# - horizon 48 h, the follow-up wave moved from 74 h to 30 h;
# - the import cap scaled to the city (the demo's 100 MW is for 2,000 buildings);
# - the city's single HV substation is no target (a hit blacks out everything and hides the rest);
# - CHP-2's repair fixed at 12 h, so heat comes back and drained buildings are refilled;
# - few crews, so that the dispatch policies differ;
# - grid overload settings and link valves written out (not left to the model's defaults).
name = "Night strike at -20 degC: golden configuration"
start = 2026-01-09T00:00:00
horizon_h = 48.0
step_min = 10
seed = 20260109
setpoint_c = 20.0

[weather]
kind = "cold_snap"
min_temp_c = -20.0
daily_amplitude_c = 5.0

[grid]
national_import_mw = 8.0
demand_per_c_below_0 = 0.01
heater_kw_per_resident = 0.5
overload_trips = true
overload_trip_margin = 1.5
trip_reset_h = 1.0

[[strikes]]
name = "night strike"
at_h = 2.0
threats = { ballistic = 2, cruise = 6, drone = 40 }
interception = { ballistic = 0.4, cruise = 0.8, drone = 0.85 }
target_weights = { chp_plant = 2.0, boiler_house = 2.0, power_line = 1.0, heat_main = 1.0, \
pumping_station = 1.0, transformer_station = 0.3 }
hits = [
  { asset_id = "a_chp_1", damage = "complete", beyond_repair = true },
  { asset_id = "a_chp_2", damage = "moderate", repair_h = 12.0 },
]

[[strikes]]
name = "follow-up drone wave"
at_h = 30.0
threats = { drone = 25 }
interception = { drone = 0.85 }
target_weights = { boiler_house = 2.0, pumping_station = 2.0, transformer_station = 1.0 }

[alerts]
with_waves = true
before_wave_h = 1.0
after_wave_h = 2.0
random_per_day = 2.0
mean_duration_h = 1.5
clearance_h = 0.5

[crews]
power_lines = 2
substations = 1
heat_network = 2
plants = 2
plumbing = 6
shift_h = 24.0

[policies]
dispatch = "fifo"
drain = "drain_at_signal"
shedding = "rotating_queues"
link_valves = "closed"

[people]
at_home_night = 0.95
at_home_day = 0.6
leave_below_c = 14.0
leave_share_per_c = 0.06
leave_share_max = 0.6
walk_limit_km = 1.5
shelters_open_h = 0.0
refuel_every_h = 24.0
"""

CONFIGS: dict[str, dict] = {
    # the base: random strikes plus explicit CHP hits, rotating outages, drains and refills
    "fifo": {},
    "nearest": {"policies": {"dispatch": "nearest"}},
    "greatest_benefit": {"policies": {"dispatch": "greatest_benefit"}},
    "links_open_on_source_loss": {"policies": {"link_valves": "open_on_source_loss"}},
    "keep_circulating": {"policies": {"drain": "keep_circulating"}},
    # drains decided by the operators' expected outage; backup generators that fail to start
    "by_expected_outage": {
        "policies": {"drain": "by_expected_outage"},
        "backup": {"start_failure_prob": 0.3},
    },
    "shift_12h": {"crews": {"shift_h": 12.0}},
    # trip at 100 % loading instead of 150 %: many more lines and trafos trip
    "overload_trips": {"grid": {"overload_trips": True, "overload_trip_margin": 1.0}},
    # re-strikes (pins today's behaviour, a known bug to be fixed in its own commit): CHP-2 hit,
    # repaired, hit again; boiler house 2 hit again while its first repair is still under way
    "restrike": {
        "strikes": [
            {
                "name": "first",
                "at_h": 2.0,
                "hits": [
                    {"asset_id": "a_chp_2", "damage": "slight", "repair_h": 10.0},
                    {"asset_id": "a_bh_2", "damage": "moderate", "repair_h": 20.0},
                ],
            },
            {
                "name": "second",
                "at_h": 30.0,
                "hits": [
                    {"asset_id": "a_chp_2", "damage": "slight", "repair_h": 10.0},
                    {"asset_id": "a_bh_2", "damage": "slight", "repair_h": 4.0},
                ],
            },
        ]
    },
}
"""Configurations by name: updates deep-merged into the base scenario (then validated)."""

FRAMES = (
    "timeline",
    "buildings",
    "events",
    "assets",
    "shelters",
    "outage_schedule",
    "districts",
)
"""The Result's tables, each digested."""

DETERMINISM_CONFIG = "overload_trips"
"""The configuration run twice (strikes, alerts, repairs, rotation and trips all draw)."""


# --- inputs ------------------------------------------------------------------------------------


def make_city() -> CompiledCity:
    """The golden city, compiled."""
    return compile_city(synth_city(CITY_BUILDINGS, seed=CITY_SEED))


def _merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for k, v in update.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def scenario_for(name: str) -> Scenario:
    """The scenario of configuration ``name`` (validated like a scenario file)."""
    base = parse_scenario(BASE_SCENARIO_TEXT, "<golden base>")
    return Scenario.model_validate(_merge(base.model_dump(), CONFIGS[name]))


def run(cc: CompiledCity, name: str) -> Result:
    """Run configuration ``name`` on the compiled city."""
    return simulate(cc, scenario_for(name))


# --- canonical texts and digests ----------------------------------------------------------------


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _no_version(d: dict) -> dict:
    return {k: v for k, v in d.items() if "version" not in k}


def summary_text(summary: dict) -> str:
    """Canonical text of a summary (or meta) dict: sorted JSON, version keys left out."""
    return json.dumps(_no_version(summary), sort_keys=True)


def frame_text(df: pd.DataFrame) -> str:
    """Canonical text of a table: column names and dtypes, then CSV with exact floats."""
    head = ",".join(f"{c}:{t}" for c, t in zip(df.columns, df.dtypes.astype(str), strict=True))
    return head + "\n" + df.to_csv(index=False, float_format="%.17g", lineterminator="\n")


def output_digests(result: Result) -> dict[str, str]:
    """sha256 of every output of a run."""
    out = {"summary": _sha(summary_text(result.summary)), "meta": _sha(summary_text(result.meta))}
    for name in FRAMES:
        out[name] = _sha(frame_text(getattr(result, name)))
    return out


def city_digest(cc: CompiledCity) -> str:
    """sha256 of the golden city's tables and grid (tells an input change from a runner one)."""
    c = cc.city
    parts = [f"{name}\n{frame_text(df)}" for name, df in sorted(c.tables.items())]
    for table in ("bus", "line", "trafo", "trafo3w", "load", "gen", "sgen", "ext_grid", "switch"):
        if table in c.net:
            parts.append(f"net.{table}\n{frame_text(c.net[table])}")
    return _sha("\n".join(parts))


def golden_entry(name: str, result: Result) -> dict:
    """What digests.json holds for one configuration."""
    summary = json.loads(summary_text(result.summary))  # a copy as JSON reads it back
    return {
        "scenario": _sha(scenario_for(name).model_dump_json()),
        "digests": output_digests(result),
        "rows": {f: int(len(getattr(result, f))) for f in FRAMES},
        "event_counts": {
            str(k): int(v) for k, v in sorted(result.events["kind"].value_counts().items())
        },
        "summary": summary,
    }


def compute_goldens(cc: CompiledCity | None = None, names=None) -> dict:
    """The full content of digests.json (runs every configuration)."""
    cc = make_city() if cc is None else cc
    return {
        "city": {"buildings": CITY_BUILDINGS, "seed": CITY_SEED, "digest": city_digest(cc)},
        "configurations": {n: golden_entry(n, run(cc, n)) for n in (names or CONFIGS)},
    }


def load_goldens(path: Path = DIGESTS_PATH) -> dict:
    return json.loads(path.read_text())


def write_goldens(goldens: dict, path: Path = DIGESTS_PATH) -> None:
    path.write_text(json.dumps(goldens, indent=1, sort_keys=True) + "\n")


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def differences(old: dict, new: dict) -> list[str]:
    """Readable lines: which outputs of one configuration differ, and how (when known)."""
    lines = []
    if old.get("scenario") != new.get("scenario"):
        lines.append("  the configuration's scenario itself changed (inputs, not the runner)")
    od, nd = old.get("digests", {}), new.get("digests", {})
    for out in sorted(set(od) | set(nd)):
        if od.get(out) == nd.get(out):
            continue
        lines.append(f"  {out}: digest differs")
        if out == "summary":
            os_, ns = old.get("summary", {}), new.get("summary", {})
            for k in sorted(set(os_) | set(ns)):
                a, b = os_.get(k, "<missing>"), ns.get(k, "<missing>")
                if not _same(a, b):
                    lines.append(f"    {k}: {a!r} -> {b!r}")
        elif out in old.get("rows", {}) and old["rows"][out] != new["rows"].get(out):
            lines.append(f"    rows: {old['rows'][out]} -> {new['rows'].get(out)}")
        if out == "events":
            oc, nc = old.get("event_counts", {}), new.get("event_counts", {})
            for k in sorted(set(oc) | set(nc)):
                if oc.get(k, 0) != nc.get(k, 0):
                    lines.append(f"    {k} events: {oc.get(k, 0)} -> {nc.get(k, 0)}")
    return lines


# --- tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city() -> CompiledCity:
    return make_city()


@pytest.fixture(scope="module")
def goldens() -> dict:
    return load_goldens()


@pytest.fixture(scope="module")
def entries() -> dict:
    """Golden entries computed in this session, by configuration (each run once)."""
    return {}


def _entry(city: CompiledCity, entries: dict, name: str) -> dict:
    if name not in entries:
        entries[name] = golden_entry(name, run(city, name))
    return entries[name]


HINT = "if the change is intended, run `.venv/bin/python scripts/update_golden.py`"


def test_every_configuration_has_goldens(goldens):
    assert sorted(goldens["configurations"]) == sorted(CONFIGS), HINT


def test_city_is_unchanged(city, goldens):
    assert city_digest(city) == goldens["city"]["digest"], (
        f"synth_city({CITY_BUILDINGS}, seed={CITY_SEED}) changed, and every golden with it; " + HINT
    )


@pytest.mark.parametrize("name", list(CONFIGS))
def test_outputs_match_goldens(city, goldens, entries, name):
    old = goldens["configurations"].get(name)
    if old is None:
        pytest.fail(f"no goldens for configuration {name!r}; {HINT}")
    new = _entry(city, entries, name)
    if new["digests"] != old["digests"]:
        lines = differences(old, new)
        pytest.fail(
            f"outputs of configuration {name!r} changed:\n" + "\n".join(lines) + f"\n{HINT}"
        )


def test_same_seed_same_digests(city, entries):
    """One configuration twice, the second time on a freshly compiled city: same digests (the
    run is deterministic and leaves the shared compiled city as it found it)."""
    first = _entry(city, entries, DETERMINISM_CONFIG)
    again = golden_entry(DETERMINISM_CONFIG, run(make_city(), DETERMINISM_CONFIG))
    assert again["digests"] == first["digests"], "\n".join(differences(first, again))
