"""The shelter occupancy chart of the report."""

import pandas as pd

from coldstart.report.shelters import shelter_figure, shelter_figures


def test_chart_from_people_timeline_columns():
    tl = pd.DataFrame(
        {
            "time": pd.date_range("2026-01-09", periods=4, freq="h").astype(str),
            "hours": [0, 1, 2, 3],
            "people_in_metro_stations": [0, 10, 20, 30],
            "people_in_schools": [0, 5, 5, 0],
            "people_in_warming_points": [0, 1, 2, 3],
            "shelter_places_working": [100, 100, 90, 80],
            "people_unmet_shelter": [0, 0, 4, 9],
        }
    )
    fig = shelter_figure(tl)
    names = [t.name for t in fig.data]
    assert names[:3] == ["Metro stations", "Schools", "Warming points"]
    assert "Wanted a shelter, found none" in names
    assert list(fig.data[0].y) == [0, 10, 20, 30]
    html = fig.to_html(include_plotlyjs=False, full_html=False)
    assert "http://" not in html.replace("http://www.w3.org", "")  # no external links
    assert len(shelter_figures(tl)) == 1


def test_no_chart_for_first_version_timeline():
    tl = pd.DataFrame({"hours": [0, 1], "people_in_shelters": [0, 5]})
    assert shelter_figure(tl) is None and shelter_figures(tl) == []
