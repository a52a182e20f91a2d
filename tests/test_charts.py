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


# --- English, and value labels that stay legible at any magnitude ------------------------------

DUTCH = ("mrt", "mei", "okt", "maart", "aantal", "op tijd", "minder dan", "niet getoond", "tot en")


def test_an_english_chart_has_english_months_unit_title_and_description() -> None:
    for chart in (incidents_chart, on_time_chart):
        root = parse(chart(YEAR, language="en"))
        words = [root[0].text or "", root[1].text or "", *texts(root)]
        assert "from March 2025 to February 2026" in words[1]
        months = [
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
            "Jan",
            "Feb",
        ]
        assert [t for t in words if t in months] == months
        for dutch in DUTCH:
            assert all(dutch not in text for text in words), dutch
    root = parse(incidents_chart(YEAR, language="en"))
    assert root[0].text == "Incidents per month" and "number" in texts(root)
    assert "April 2025: fewer than 5;" in (root[1].text or "")
    assert "September 2025: not shown;" in (root[1].text or "")
    root = parse(on_time_chart(YEAR, language="en"))
    assert root[0].text == "Aftercare check-ins held on time" and "% on time" in texts(root)


# The test's own estimate of a text's box (not the chart's): a digit is at most 0.65 em wide in
# the common sans-serif fonts (DejaVu Sans 0.64, Arial 0.56), any other character at most 1 em;
# glyphs rise 0.8 em above the baseline and fall 0.25 em below it.
Box = tuple[float, float, float, float]  # left, top, right, bottom


def box(element: ET.Element) -> Box:
    text, size = element.text or "", float(element.get("font-size", "13"))
    width = size * sum(0.65 if c.isdigit() else 1.0 for c in text)
    x, y = float(element.get("x", "0")), float(element.get("y", "0"))
    if "rotate(-90" in (element.get("transform") or ""):  # upright, reading upwards from (x, y)
        assert element.get("text-anchor") == "start"
        return (x - 0.8 * size, y - width, x + 0.25 * size, y)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[element.get("text-anchor", "")]
    return (left, y - 0.8 * size, left + width, y + 0.25 * size)


def overlapping(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def value_labels(root: ET.Element) -> list[ET.Element]:
    """The labels inside the plot: right of the axis, above the month axis."""
    return [
        t
        for t in root.iter(f"{SVG}text")
        if float(t.get("x", "0")) > 40 and float(t.get("y", "0")) < 200
    ]


def assert_legible(root: ET.Element, months: int) -> None:
    labels = value_labels(root)
    assert len(labels) == months
    boxes = [box(t) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlapping(a, b), (a, b)
    unit = next(t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "start")
    ticks = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    for element in [*labels, *ticks]:  # inside the chart, and clear of the unit above the axis
        left, top, right, bottom = box(element)
        assert left >= 0 and right <= 400 and top >= 0 and bottom <= 250, element.text
        assert not overlapping(box(element), box(unit)), element.text
    assert all(float(t.get("font-size", "0")) >= 10 for t in labels)


def year_of(values: list[int]) -> list[MonthFigures]:
    return [
        MonthFigures(date(2025 + (index + 2) // 12, (index + 2) % 12 + 1, 1), value, 100.0)
        for index, value in enumerate(values)
    ]


NATIONAL = [4245, 4107, 4246, 4110, 4244, 4107, 4246, 4110, 4244, 4107, 4246, 4110]


def test_four_digit_values_of_twelve_months_do_not_overlap() -> None:
    root = parse(incidents_chart(year_of(NATIONAL)))
    assert_legible(root, 12)
    labels = value_labels(root)
    assert [t.text for t in labels] == [str(v) for v in NATIONAL]  # the exact figures
    assert all(not t.get("transform") for t in labels)  # still horizontal


@pytest.mark.parametrize("digits", [1, 2, 3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("months", [1, 12, 24])
def test_value_labels_are_legible_at_any_magnitude(digits: int, months: int) -> None:
    high = 10**digits - 1
    values = [high - (i % 3) * (high // 40) for i in range(months)]
    values[months // 2] = SMALL if months > 1 else values[0]  # type: ignore[call-overload]
    root = parse(incidents_chart(year_of(values)[:months]))
    assert_legible(root, months)


@pytest.mark.parametrize("shares", [[100.0] * 12, [99.6, 100.0] * 6, [100.0, 96.0, 92.0] * 4])
def test_share_labels_of_twelve_months_do_not_overlap(shares: list[float]) -> None:
    months = [
        MonthFigures(m.month, 1, share) for m, share in zip(year_of([1] * 12), shares, strict=True)
    ]
    assert_legible(parse(on_time_chart(months)), 12)
