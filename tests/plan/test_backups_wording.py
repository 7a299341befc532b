"""What `plan backups` says when generators save nothing, and how it counts ties (review)."""

from __future__ import annotations

from pathlib import Path

from coldstart.cli.backups import _print
from coldstart.report.fmt import share_with_ties


def _doc(sites: list[str], gains: list[float], wins: float, ties: float) -> dict:
    arm = {"sites": sites, "person_hours_below_12c_mean": 10.0, "person_hours_below_12c_std": 1.0}
    return {
        "generators": len(sites),
        "plan": arm,
        "baseline": {**arm, "sites": ["x"] * len(sites)},
        "city_as_is": {**arm, "sites": []},
        "marginal_saving_person_hours": gains,
        "same_sites_as_baseline": False,
        "saved_person_hours_mean": 0.0,
        "evaluation_seeds": [4, 5, 6, 7],
        "plan_wins_share": wins,
        "ties_share": ties,
        "runs_simulated": 12,
        "runs_from_store": 0,
    }


def test_one_generator_that_saves_nothing_is_not_compared_with_others(capsys):
    _print(_doc(["chp_1"], [0.0], 0.0, 1.0), Path("bk"))
    text = " ".join(capsys.readouterr().out.split())
    assert "backup power plan: 1 generator" in text
    assert "no other site on the shortlist would" in text and "generators do not help" in text
    assert "beside the others" not in text and "fewer generators" not in text
    assert "wins on 0% (equal on 100%) of them" in text


def test_a_later_generator_that_saves_nothing_says_fewer_would_do(capsys):
    _print(_doc(["bh_1", "ps_2"], [500.0, 0.0], 0.5, 0.0), Path("bk"))
    text = " ".join(capsys.readouterr().out.split())
    assert "generator at ps_2 saves nothing on the choosing seeds beside the others" in text
    assert "fewer generators would do as well" in text and "wins on 50% of them" in text


def test_share_with_ties():
    assert share_with_ties({"plan_wins_share": 0.25, "ties_share": 0.0}) == "25%"
    assert share_with_ties({"plan_wins_share": 0.0, "ties_share": 1.0}) == "0% (equal on 100%)"
    assert share_with_ties({"plan_wins_share": 0.5}) == "50%"
