"""Polish of the review (items 14, 15): refusals before announcements, singular counts."""

from __future__ import annotations

from coldstart.report.fmt import count_text


def test_too_many_sites_refused_before_any_announcement(cli, small_city_dir, short_scenario,
                                                        tmp_path):  # fmt: skip
    out = tmp_path / "sh"
    code, stdout, stderr = cli("plan", "shelters", small_city_dir, short_scenario,
                               "--open", "500", "--draws", "2", "--out", out)  # fmt: skip
    assert code == 2 and not out.exists()
    assert "only" in stderr and "candidate sites" in stderr
    assert "planning" not in stderr and "simulations" not in stderr  # no promise of work
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "--open" in errors[0]


def test_count_text_is_singular_for_one():
    assert count_text(1, "generator") == "1 generator"
    assert count_text(2, "mobile generator") == "2 mobile generators"
    assert count_text(1200, "site") == "1,200 sites"
