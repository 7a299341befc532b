"""End-to-end: ``coldstart cooldown`` and ``coldstart archetypes``."""

import json

import pytest

from coldstart.thermal.cooldown import cooldown

KEYS = ["18", "16", "12", "10", "5", "0"]


def test_cooldown_json_keys_and_values(cli):
    code, out, err = cli("cooldown", "--archetype", "panel_9", "--outdoor-c", "-20", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {
        "tau_h", "hours_to_c", "worst_flat_hours_to_c", "hours_to_drain_signal", "hours_to_freeze"
    }  # fmt: skip
    assert list(doc["hours_to_c"]) == KEYS and list(doc["worst_flat_hours_to_c"]) == KEYS
    ref = cooldown("panel_9", -20.0, hours=168.0)
    assert doc["hours_to_c"] == ref.hours_to_c
    assert doc["tau_h"] == pytest.approx(ref.tau_h, abs=0.01)
    assert 5.0 <= doc["hours_to_drain_signal"] <= 8.0  # [UA-HEAT-ENG-2026]: 0 degC in 6-8 h at -20
    assert 12.0 <= doc["hours_to_freeze"] <= 18.0  # [UA-HEAT-ENG-2026]: freezing after 12-18 h


def test_cooldown_nulls_when_not_reached_and_residents_flag(cli):
    code, out, _ = cli("cooldown", "--archetype", "monolith_modern", "--outdoor-c", "2",
                       "--hours", "24", "--json")  # fmt: skip
    doc = json.loads(out)
    assert code == 0 and doc["hours_to_c"]["0"] is None and doc["hours_to_freeze"] is None
    _, a, _ = cli("cooldown", "--archetype", "panel_5", "--outdoor-c", "-15", "--json")
    _, b, _ = cli("cooldown", "--archetype", "panel_5", "--outdoor-c", "-15", "--json",
                  "--residents-home", "--start-c", "21")  # fmt: skip
    assert json.loads(b)["hours_to_c"]["12"] > json.loads(a)["hours_to_c"]["12"]


def test_cooldown_text_and_weather_csv(cli, tmp_path):
    csv = tmp_path / "w.csv"
    csv.write_text("hours,temp_outdoor_c\n" + "".join(f"{h},-20\n" for h in range(49)))
    code, out, err = cli("cooldown", "--archetype", "panel_16", "--weather-csv", csv,
                         "--hours", "48")  # fmt: skip
    assert code == 0, err
    assert "worst flat" in out and "drain signal" in out and "o building average" in out
    _, js, _ = cli("cooldown", "--archetype", "panel_16", "--weather-csv", csv, "--hours", "48",
                   "--json")  # fmt: skip
    _, const, _ = cli("cooldown", "--archetype", "panel_16", "--outdoor-c", "-20", "--hours",
                      "48", "--json")  # fmt: skip
    assert json.loads(js) == json.loads(const)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--archetype", "tower_99", "--outdoor-c", "-20"], "unknown archetype 'tower_99'"),
        (["--archetype", "panel_9"], "give --outdoor-c or --weather-csv"),
        (["--archetype", "panel_9", "--outdoor-c", "-90"], "expected -60..30"),
        (
            ["--archetype", "panel_9", "--outdoor-c", "-9", "--hours", "0"],
            "expected one step (10 min) to 1440 h",
        ),
        (["--archetype", "panel_9", "--weather-csv", "missing.csv"], "missing.csv: file not found"),
    ],
)
def test_cooldown_bad_input_one_line_exit_2(cli, args, needle):
    code, out, err = cli("cooldown", *args)
    assert code == 2
    assert needle in err and "Traceback" not in err
    assert len([x for x in err.splitlines() if x.startswith("error:")]) == 1


def test_cooldown_bad_weather_values(cli, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("hours,temp_outdoor_c\n0,-20\n1,cold\n")
    code, _, err = cli("cooldown", "--archetype", "panel_9", "--weather-csv", csv)
    assert code == 2 and "line 3" in err and "temp_outdoor_c" in err


def test_archetypes_json_and_table(cli):
    code, out, _ = cli("archetypes", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows][:3] == ["panel_5", "panel_9", "panel_16"]
    for r in rows:
        for k in ("ua_w_k", "hm_w_k", "ca_j_k", "cm_j_k", "tau_h", "u_wall_w_m2k", "source"):
            assert k in r
        # slow tau ~ Cm (1/UA + 1/Hm) when the air node is light (two-node closed form)
        approx = r["cm_j_k"] * (1 / r["ua_w_k"] + 1 / r["hm_w_k"]) / 3600
        assert r["tau_h"] == pytest.approx(approx, rel=0.05)
    code, out, _ = cli("archetypes")
    assert code == 0 and "brick_soviet" in out and "tau h" in out
