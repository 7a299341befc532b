"""``coldstart compare`` refuses what it cannot run before it runs anything."""


def test_compare_refuses_seeds_past_the_largest(cli, tmp_path, small_city_dir):
    # review 3: compare --seeds 2 from the largest seed failed halfway with a DuckDB
    # conversion error after storing one run; now refused before any run, as sweep does
    from coldstart.scenario import example_scenario_text

    text = example_scenario_text().replace("seed = 20260109", "seed = 9223372036854775807")
    assert "9223372036854775807" in text
    scen = tmp_path / "s.toml"
    scen.write_text(text)
    store = tmp_path / "store"
    code, _, err = cli("compare", small_city_dir, scen, "--seeds", "2", "--policies", "fifo",
                       "--store", store)  # fmt: skip
    assert code == 2, err
    assert "error: --seeds: seed 9223372036854775807 + 1 passes the largest seed" in err
    assert not store.exists()
