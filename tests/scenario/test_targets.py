"""Hits by asset kind and rank, and did-you-mean suggestions (issue 16)."""

from __future__ import annotations

from functools import cache

import pytest

from coldstart.city.synth import synth_city
from coldstart.errors import ScenarioError
from coldstart.scenario import example_scenario, parse_scenario
from coldstart.scenario.check import check_against_city, notes_against_city
from coldstart.scenario.targets import asset_size, ranked, resolve_hits


@cache
def _city():
    return synth_city(120, seed=0)


def _one_wave(hits: str):
    """A one-day scenario with one wave of these explicit hits (TOML inline tables)."""
    return parse_scenario(
        f"start = 2026-01-09T02:00:00\nhorizon_h = 24\n[[strikes]]\nat_h = 1.0\nhits = [{hits}]\n"
    )


def test_rank_one_is_the_largest_of_its_kind():
    city = _city()
    src = city.heat_sources.set_index("source_id")["capacity_mw_th"]
    chp = ranked(city, "chp_plant")
    assert [src[a.removeprefix("a_")] for a in chp] == sorted(src[["chp_1", "chp_2"]], reverse=True)
    size = asset_size(city)
    boilers = ranked(city, "boiler_house")
    assert list(size[boilers]) == sorted(size[boilers], reverse=True)


def test_demo_hits_resolve_to_the_cities_chp_plants():
    city = _city()
    sc = resolve_hits(example_scenario(), city)
    hits = [h for w in sc.strikes for h in w.hits]
    assert [h.asset_id for h in hits] == ranked(city, "chp_plant")[:2]
    assert hits[0].beyond_repair and hits[0].damage == "complete"
    assert check_against_city(example_scenario(), city, "demo.toml") == []


def test_rank_beyond_the_city_is_a_note_and_left_out():
    hits = '{ kind = "chp_plant", rank = 3, damage = "complete" }'
    sc, city = _one_wave(hits), _city()
    assert check_against_city(sc, city, "s.toml") == []
    notes = [str(n) for n in notes_against_city(sc, city, "s.toml")]
    assert any("rank 3 of kind 'chp_plant', but the city has 2" in n for n in notes)
    assert [h for w in resolve_hits(sc, city).strikes for h in w.hits] == []


def test_unknown_asset_suggests_the_closest_id():
    hits = '{ asset_id = "a_chp1", damage = "complete" }'
    problems = [str(p) for p in check_against_city(_one_wave(hits), _city(), "s.toml")]
    assert len(problems) == 1 and "did you mean 'a_chp_1'?" in problems[0]


def test_a_hit_names_an_id_or_a_kind():
    hits = '{ asset_id = "a_chp_1", kind = "chp_plant", damage = "complete" }'
    with pytest.raises(ScenarioError, match="either 'asset_id' or 'kind'"):
        _one_wave(hits)


def test_unknown_key_suggests_the_closest():
    with pytest.raises(ScenarioError, match="did you mean 'link_valves'"):
        parse_scenario(
            'start = 2026-01-09T02:00:00\nhorizon_h = 24\n[policies]\nlink_valve = "x"\n'
        )


def test_scenario_keys_page_is_generated(cli):
    # docs/scenario-keys.md is the output of `coldstart scenario schema --markdown`
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "scenario-keys.md").read_text()
    code, out, _ = cli("scenario", "schema", "--markdown")
    assert code == 0
    assert out in page and out.count("\n") > 80
    for key in ("`policies.heat_hydraulics`", "`strikes[].hits[].rank`", "`horizon_h`"):
        assert key in out
    # review 3: the bound of a table's values (10,000 threats) was enforced but not shown
    threats = next(ln for ln in out.splitlines() if ln.startswith("| `strikes[].threats`"))
    assert "each value >= 0, <= 10,000" in threats


def test_every_scenario_key_has_a_meaning():
    # `coldstart scenario schema` and docs/scenario-keys.md explain every key, tables too
    from coldstart.scenario.reference import scenario_keys

    keys = scenario_keys()
    assert len(keys) > 90
    assert [k.key for k in keys if not k.meaning.strip()] == []
    weather = {k.key: k.meaning for k in keys}["weather.csv"]
    for words in ("temp_outdoor_c", "hours", "time", "relative to the scenario file"):
        assert words in weather


def test_city_assets_lists_ranks(cli, tmp_path):
    import json

    from coldstart.city import save_city

    save_city(_city(), tmp_path / "c")
    code, out, _ = cli("city", "assets", tmp_path / "c", "--kind", "chp_plant", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["rank"] for r in rows] == [1, 2]
    # review: the JSON's size mixed MW_th, MVA and mm without saying which
    assert {r["size_unit"] for r in rows} == {"MW_th"}
    code, out, _ = cli("city", "assets", tmp_path / "c", "--kind", "chp_plant")
    assert f"{rows[0]['size']:g} MW_th" in out
    assert [r["asset_id"] for r in rows] == ranked(_city(), "chp_plant")
    code, _, err = cli("city", "assets", tmp_path / "c", "--kind", "chp_plan")
    assert code == 2 and "did you mean 'chp_plant'" in err


def test_schema_piped_keeps_cells_whole(cli):
    # review item 14: `coldstart scenario schema | less` wrapped type and bound cells into
    # fragments ('cold_s' / 'nap'); into a pipe tables take up to 200 columns, so each key's
    # type, unit, default and bounds stay on its own line, whole
    from coldstart.scenario.reference import scenario_keys

    code, out, _ = cli("scenario", "schema")
    assert code == 0
    lines = out.splitlines()
    assert all(line[-1] in "│┃┓┫┛┩┘┤" for line in lines)  # nothing cropped on the right
    for k in scenario_keys():
        if max(len(k.type), len(k.default), len(k.bounds)) > 40:
            continue  # a list of 8 asset kinds may fold, in its own column
        row = next(line for line in lines if line.startswith(f"│ {k.key} "))
        for cell in (k.type, k.unit, k.default, k.bounds):
            assert cell in row, (k.key, cell, row)


def test_a_piped_sentence_is_one_line(cli, small_city_dir, tmp_path):
    # review item 14: `compare ... | cat` broke "greatest_benefit vs fifo, same damage: ... on
    # average; better on N of N seeds" over two lines at 80 columns; a pipe gets it whole
    from demo_texts import short_demo_text

    scenario = tmp_path / "s.toml"
    scenario.write_text(short_demo_text(6, 4))
    code, out, err = cli("compare", small_city_dir, scenario, "--seeds", "2",
                         "--policies", "fifo,greatest_benefit", "--workers", "1")  # fmt: skip
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("greatest_benefit vs fifo"))
    assert len(line) > 80 and line.endswith(" seeds")


def test_an_empty_table_prints_its_header():
    # code review: a city without assets made `city assets` an internal error (max of nothing)
    from coldstart.cli.reference import ASSET_COLUMNS, _table

    t = _table(ASSET_COLUMNS, [])
    assert [c.header for c in t.columns] == list(ASSET_COLUMNS) and t.row_count == 0
