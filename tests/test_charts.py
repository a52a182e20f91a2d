"""Trend charts as inline SVG: well-formed, self-contained, accessible, Dutch, deterministic."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date

import pytest

from nazorg.core.charts import MonthFigures, incidents_chart, on_time_chart
from nazorg.core.suppression import Hidden
from tests.factories import assert_golden

SVG = "{http://www.w3.org/2000/svg}"
Chart = Callable[..., str]
SMALL = Hidden("primary", 5)
PARTNER = Hidden("secondary", 5)

# March 2025 to February 2026: a year boundary, a hidden small count, a hidden partner, a zero.
INCIDENTS: list[int | Hidden] = [12, SMALL, 7, 0, 23, 9, PARTNER, 15, 18, 11, 6, 31]
ON_TIME = [83.3, None, 100.0, None, 50.0, 66.5, None, 90.0, 75.0, 80.0, None, 40.0]
YEAR = [
    MonthFigures(date(2025 + (index + 2) // 12, (index + 2) % 12 + 1, 1), count, share)
    for index, (count, share) in enumerate(zip(INCIDENTS, ON_TIME, strict=True))
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("chart", [incidents_chart, on_time_chart])
def test_the_chart_is_self_contained_and_obeys_the_content_security_policy(chart: Chart) -> None:
    svg = chart(YEAR)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 400 250"
    assert root.get("width") == "100%"
    assert root.get("font-family") == "sans-serif"
    forbidden = {"script", "style", "foreignObject", "image", "use", "a", "pattern"}
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in forbidden
        for name in element.attrib:
            assert name != "style", f"inline style on <{element.tag}>"
            assert not name.startswith("on"), f"event handler {name}"
            assert "href" not in name
    assert "url(" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize(
    ("chart", "chart_id"), [(incidents_chart, "incidenten"), (on_time_chart, "op-tijd")]
)
def test_the_chart_is_an_accessible_image(chart: Chart, chart_id: str) -> None:
    root = parse(chart(YEAR))
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (f"{SVG}title", f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert (title.get("id"), desc.get("id")) == (f"{chart_id}-title", f"{chart_id}-desc")
    assert "van maart 2025 tot en met februari 2026" in (desc.text or "")


def test_the_incidents_description_gives_every_month_in_words() -> None:
    desc = parse(incidents_chart(YEAR))[1].text or ""
    assert desc.startswith("Staafdiagram van het aantal incidenten per maand")
    for words in (
        "maart 2025: 12;",
        "april 2025: minder dan 5;",
        "juni 2025: 0;",
        "september 2025: niet getoond;",
        "januari 2026: 6;",
        "februari 2026: 31.",
    ):
        assert words in desc


def test_the_on_time_description_gives_every_month_in_words() -> None:
    desc = parse(on_time_chart(YEAR))[1].text or ""
    assert desc.startswith("Lijndiagram van het percentage nazorggesprekken")
    # 83.3 rounds to 83, 66.5 to 67 (halves up), a hidden share is "niet getoond".
    for words in ("maart 2025: 83%;", "april 2025: niet getoond;", "augustus 2025: 67%;"):
        assert words in desc


def test_month_labels_are_dutch_from_a_fixed_table_with_the_year_at_the_start_and_january() -> None:
    labels = texts(parse(incidents_chart(YEAR)))
    months = ["mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec", "jan", "feb"]
    assert [t for t in labels if t in months] == months
    assert [t for t in labels if len(t) == 4 and t.isdigit()] == ["2025", "2026"]


def test_bars_are_proportional_and_a_hidden_small_count_is_a_hatched_grey_bar() -> None:
    root = parse(incidents_chart(YEAR))
    bars = list(root.iter(f"{SVG}rect"))
    blue = [float(r.get("height", "0")) for r in bars if r.get("fill") == "#1f4e79"]
    assert len(blue) == 9  # 12 months less the zero, the small count and the partner
    assert blue[0] / blue[1] == pytest.approx(12 / 7, abs=0.02)
    grey = [r for r in bars if r.get("fill") == "#e0e0e0"]
    assert len(grey) == 1  # April, drawn up to k = 5 as the range it may lie in
    assert float(grey[0].get("height", "0")) == pytest.approx(blue[0] * 5 / 12, abs=0.1)
    hatch = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#707070"]
    assert len(hatch) == 1 and (hatch[0].get("d") or "").count("M") >= 3
    labels = texts(root)
    assert "<5" in labels and "x" in labels and "0" in labels and "31" in labels


def test_the_on_time_line_breaks_where_a_share_is_not_shown() -> None:
    root = parse(on_time_chart(YEAR))
    # Shown: mrt | mei | jul aug | okt nov dec | feb -> lines only for runs of two or more months.
    lines = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "none"]
    assert [(p.get("d") or "").count("L") for p in lines] == [1, 2]
    assert len(list(root.iter(f"{SVG}circle"))) == 8
    assert "83%" in texts(root) and "100%" in texts(root)


def test_the_output_is_deterministic_and_pinned_by_golden_files() -> None:
    assert incidents_chart(YEAR) == incidents_chart(list(YEAR))
    assert_golden("chart_incidents.svg", incidents_chart(YEAR).encode())
    assert_golden("chart_on_time.svg", on_time_chart(YEAR).encode())


def test_text_from_the_caller_is_escaped() -> None:
    root = parse(incidents_chart(YEAR, title='Incidenten <Centrum> & "Noord"', chart_id="c-2"))
    assert root[0].text == 'Incidenten <Centrum> & "Noord"'
    assert root.get("aria-labelledby") == "c-2-title c-2-desc"


def test_a_single_month_and_a_month_with_only_zeros() -> None:
    month = [MonthFigures(date(2026, 2, 14), 0, None)]
    root = parse(incidents_chart(month))
    assert "februari 2026: 0." in (root[1].text or "")
    assert "per maand, februari 2026." in (root[1].text or "")
    parse(on_time_chart(month))


@pytest.mark.parametrize(
    ("months", "message"),
    [
        ([], "1 to 24"),
        (
            [MonthFigures(date(2026, 1, 1), 1, None), MonthFigures(date(2026, 3, 1), 1, None)],
            "consec",
        ),
        (
            [MonthFigures(date(2026, 2, 1), 1, None), MonthFigures(date(2026, 1, 1), 1, None)],
            "consec",
        ),
        ([MonthFigures(date(2026, 1, 1), -1, None)], "negative"),
    ],
)
def test_input_that_would_draw_a_misleading_chart_is_refused(
    months: list[MonthFigures], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        incidents_chart(months)


def test_a_share_outside_0_to_100_and_a_bad_id_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        on_time_chart([MonthFigures(date(2026, 1, 1), 1, 101.0)])
    with pytest.raises(ValueError, match="chart_id"):
        incidents_chart(YEAR, chart_id='x" onload="alert(1)')
