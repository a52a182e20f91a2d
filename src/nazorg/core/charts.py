"""Trend charts for the monthly report, as inline SVG: incidents per month, and check-ins on time.

The rules a chart follows (issue: monthly report to sector leadership):

- It is a string of SVG to inline in the HTML page, which WeasyPrint also turns into the PDF.
- No JavaScript, no external fonts, images or other resources (the font is the generic
  `sans-serif`), and no `style` attributes or elements: the page's Content-Security-Policy forbids
  inline styles, so all looks are presentation attributes (`fill`, `stroke`, `font-size`, ...).
  No patterns or other `url(#id)` references either, so two charts on one page cannot clash.
- Readable on paper and on a phone: a `viewBox` with `width="100%"`, so it scales to the column;
  text of at least 11 units on a 400-unit-wide chart.
- Accessible: `role="img"`, a `<title>` and a `<desc>` that gives every month's figure in words,
  tied to the chart with `aria-labelledby`.
- In the report's language (`language`: "nl", the default, or "en"; any other reads Dutch): the
  month labels from a fixed table ("jan", "feb", "mrt", ... or "Jan", "Feb", "Mar", ...), never
  from the locale, and the axis unit, title and description.
- Every figure stays legible at any magnitude: a bar's value label is as large as fits its month's
  slot (13 down to 10 units, by the advance widths of DejaVu Sans, the `sans-serif` of the PDF and
  wider than Arial or Helvetica); a label that does not fit even at 10 stands upright (rotated)
  at 11 units above its bar, and the axis then leaves room above the highest bar for it. A share's
  label that would overlap the one before it stands below its point instead.
- A hidden small count (`<5`) is a grey, hatched bar up to k, labelled `<5`; a figure hidden to
  protect another (`x`) gets no bar, only its label. A share that may not be shown is a gap in the
  line.

Why hand-written SVG rather than pygal or matplotlib: the two charts are a few dozen elements, and
writing them directly gives byte-for-byte deterministic output (a golden test can pin it), no
`style` attributes (matplotlib's SVG uses them, pygal's embeds CSS and scripts), and no new
dependency in the pure core.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

from nazorg.core.suppression import Cell, Hidden

MONTHS_SHORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MONTHS_SHORT_EN = (
    "Jan",
    "Feb",
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
)
MONTHS_LONG = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_LONG_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: The words of the charts per language (the month names are in the tables above).
WORDS = {
    "nl": {
        "incidents_title": "Incidenten per maand",
        "on_time_title": "Nazorggesprekken op tijd gehouden",
        "count_unit": "aantal",
        "share_unit": "% op tijd",
        "incidents_desc": "Staafdiagram van het aantal incidenten per maand",
        "on_time_desc": "Lijndiagram van het percentage nazorggesprekken dat op tijd is gehouden, "
        "per maand",
        "fewer_than": "minder dan {k}",
        "not_shown": "niet getoond",
        "span": "van {first} tot en met {last}",
        "thousands": "× 1000",
    },
    "en": {
        "incidents_title": "Incidents per month",
        "on_time_title": "Aftercare check-ins held on time",
        "count_unit": "number",
        "share_unit": "% on time",
        "incidents_desc": "Bar chart of the number of incidents per month",
        "on_time_desc": "Line chart of the percentage of aftercare check-ins held on time, "
        "per month",
        "fewer_than": "fewer than {k}",
        "not_shown": "not shown",
        "span": "from {first} to {last}",
        "thousands": "× 1,000",
    },
}

WIDTH, HEIGHT = 400, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 394, 30, 200  # the plot area
INK, MUTED, GRID, BAR, HIDDEN_FILL, HATCH = (
    "#1a1a1a",
    "#595959",
    "#d0d0d0",
    "#1f4e79",
    "#e0e0e0",
    "#707070",
)
_ID = re.compile(r"[a-z][a-z0-9-]*")
#: Advance widths (em) of DejaVu Sans for the characters of the value labels; others count 1 em.
ADVANCE = {**dict.fromkeys("0123456789", 0.637), "%": 0.951, "<": 0.838, "x": 0.592}
VALUE_SIZES = (13, 12, 11, 10)  # a bar's value label: the largest that fits its month's slot
UPRIGHT_SIZE = 11  # a value label that does not fit at 10, rotated
GAP = 2  # units at least between two value labels


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month of the trend, as published (after suppression).

    `month`: any day of the month (only year and month count). `incidents`: the count or `Hidden`.
    `on_time`: the share of due check-ins held on time, 0-100, or `None` where it is not shown.
    """

    month: date
    incidents: Cell
    on_time: float | None


def incidents_chart(
    months: Sequence[MonthFigures],
    *,
    title: str | None = None,
    chart_id: str = "incidenten",
    language: str = "nl",
) -> str:
    """A bar chart of incidents per month; a hidden count is a hatched bar labelled `<k`.

    `chart_id` prefixes the ids of the title and description: give each chart on a page its own.
    `title`: by default "Incidenten per maand" in `language`.
    """
    _check(months, chart_id)
    words = _words(language)
    counts = [m.incidents for m in months]
    heights = [c if isinstance(c, int) else c.k for c in counts]
    labels = [str(c) if isinstance(c, int) else c.label for c in counts]
    width = (RIGHT - LEFT) / len(months)
    size = next((s for s in VALUE_SIZES if _fits(labels, s, width)), None)
    ceiling = max([*heights, 1])
    if size is None:  # upright labels: the highest bar leaves room for its label under TOP - 10
        room = BOTTOM - TOP + 6 - max(text_width(label, UPRIGHT_SIZE) for label in labels)
        ceiling = max(ceiling, math.ceil(max(heights) * (BOTTOM - TOP) / room))
    top, step = _scale(ceiling)
    body = _grid(*_count_ticks(top, step, words), top)
    for index, (count, label) in enumerate(zip(counts, labels, strict=True)):
        middle = LEFT + width * (index + 0.5)
        left, bar = middle - width * 0.3, width * 0.6
        height = (BOTTOM - TOP) * heights[index] / top
        if isinstance(count, int):
            if count:
                body.append(_rect(left, BOTTOM - height, bar, height, fill=BAR))
        elif count.kind == "primary":
            body.append(_rect(left, BOTTOM - height, bar, height, fill=HIDDEN_FILL, stroke=HATCH))
            body.append(_hatch(left, BOTTOM - height, bar, height))
        else:
            height = 0
        body.append(_value(middle, BOTTOM - height - 4, label, size))
    body += _month_axis(months, language)
    figures = "; ".join(
        f"{month_long(m.month, language)}: {_count_words(m.incidents, words)}" for m in months
    )
    desc = f"{words['incidents_desc']}, {_span(months, language)}. {figures}."
    return _svg(chart_id, words["incidents_title"] if title is None else title, desc, body)


def on_time_chart(
    months: Sequence[MonthFigures],
    *,
    title: str | None = None,
    chart_id: str = "op-tijd",
    language: str = "nl",
) -> str:
    """A line chart of the share of check-ins held on time (0-100 %), with gaps where not shown.
    `title`: by default "Nazorggesprekken op tijd gehouden" in `language`."""
    _check(months, chart_id)
    words = _words(language)
    for m in months:
        if m.on_time is not None and not 0 <= m.on_time <= 100:
            raise ValueError(f"share {m.on_time} for {m.month:%Y-%m} is not between 0 and 100")
    body = _grid([(v, f"{v}%") for v in range(0, 101, 25)], words["share_unit"], 100)
    width = (RIGHT - LEFT) / len(months)
    points = [
        None
        if m.on_time is None
        else (LEFT + width * (index + 0.5), BOTTOM - (BOTTOM - TOP) * m.on_time / 100)
        for index, m in enumerate(months)
    ]
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    for run in runs:
        if len(run) > 1:
            d = " ".join(f"{'M' if i == 0 else 'L'}{_n(x)} {_n(y)}" for i, (x, y) in enumerate(run))
            body.append(
                f'<path d="{d}" fill="none" stroke="{BAR}" stroke-width="2.5"'
                ' stroke-linejoin="round"/>'
            )
    placed: list[tuple[float, float, str]] = []
    for m, point in zip(months, points, strict=True):
        if point is not None and m.on_time is not None:
            x, y = point
            body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{BAR}"/>')
            label, baseline = f"{_percent(m.on_time)}%", y - 8
            if any(_overlap((x, baseline, label), p) for p in placed) and y + 19 < BOTTOM - 4:
                baseline = y + 19  # under its point: above, it would overlap the one before
            placed.append((x, baseline, label))
            body.append(_text(x, baseline, label, size=11))
    body += _month_axis(months, language)
    figures = "; ".join(
        f"{month_long(m.month, language)}: "
        + (words["not_shown"] if m.on_time is None else f"{_percent(m.on_time)}%")
        for m in months
    )
    desc = f"{words['on_time_desc']}, {_span(months, language)}. {figures}."
    return _svg(chart_id, words["on_time_title"] if title is None else title, desc, body)


# --- pieces ------------------------------------------------------------------------------------


def _check(months: Sequence[MonthFigures], chart_id: str) -> None:
    """Rule: a trend is 1 to 24 consecutive calendar months, oldest first, counts not negative."""
    if not 1 <= len(months) <= 24:
        raise ValueError("a trend chart shows 1 to 24 months")
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"chart_id {chart_id!r}: use lower-case letters, digits and '-'")
    indexes = [m.month.year * 12 + m.month.month for m in months]
    if any(b != a + 1 for a, b in pairwise(indexes)):
        raise ValueError("the months must be consecutive calendar months, oldest first")
    if any(isinstance(m.incidents, int) and m.incidents < 0 for m in months):
        raise ValueError("a count of incidents cannot be negative")


def _scale(ceiling: int) -> tuple[int, int]:
    """The axis top and step: a step of 1, 2 or 5 times a power of ten, at most 5 intervals."""
    step = 1
    while math.ceil(ceiling / step) > 5:
        step = _next_step(step)
    return step * math.ceil(ceiling / step), step


def _next_step(step: int) -> int:
    """The step after `step` in 1, 2, 5, 10, 20, 50, ..."""
    lead = int(str(step)[0])
    return step * 5 // 2 if lead == 2 else step * 2


def _count_ticks(top: int, step: int, words: dict[str, str]) -> tuple[list[tuple[int, str]], str]:
    """The count axis' ticks and unit; ticks of 6 digits or more in thousands ("aantal (× 1000)")
    so that they fit left of the axis (a step of 20 000 or more divides by 1000)."""
    if top < 100_000:
        return [(v, str(v)) for v in range(0, top + 1, step)], words["count_unit"]
    ticks = [(v, str(v // 1000)) for v in range(0, top + 1, step)]
    return ticks, f"{words['count_unit']} ({words['thousands']})"


def _grid(ticks: list[tuple[int, str]], unit: str, top: int) -> list[str]:
    """Horizontal grid lines with their labels, the unit above the axis (high enough to clear a
    value label at the top of the plot); the labels at 11 units, smaller (down to 8) where the
    widest would not fit left of the axis."""
    lines = [_text(LEFT - 6, TOP - 20, unit, anchor="start", size=11, fill=MUTED)]
    widest = max(text_width(label, 1) for _, label in ticks)
    size = next((s for s in (11, 10, 9) if widest * s <= LEFT - 8), 8)
    for value, label in ticks:
        y = BOTTOM - (BOTTOM - TOP) * value / top
        colour = MUTED if value == 0 else GRID
        lines.append(
            f'<line x1="{LEFT}" y1="{_n(y)}" x2="{RIGHT}" y2="{_n(y)}" stroke="{colour}"'
            ' stroke-width="1"/>'
        )
        lines.append(_text(LEFT - 6, y + 4, label, anchor="end", size=size, fill=MUTED))
    return lines


def _month_axis(months: Sequence[MonthFigures], language: str) -> list[str]:
    """Month abbreviations; the year under the first month and under every January."""
    width = (RIGHT - LEFT) / len(months)
    short = MONTHS_SHORT_EN if language == "en" else MONTHS_SHORT
    labels = []
    for index, m in enumerate(months):
        x = LEFT + width * (index + 0.5)
        labels.append(_text(x, BOTTOM + 18, short[m.month.month - 1], fill=INK))
        if index == 0 or m.month.month == 1:
            labels.append(_text(x, BOTTOM + 36, str(m.month.year), size=11, fill=MUTED))
    return labels


def _hatch(x: float, y: float, width: float, height: float, spacing: float = 6) -> str:
    """Diagonal lines inside the rectangle, computed here (no pattern, no url() reference)."""
    bottom = y + height
    segments = []
    c = spacing
    while c < width + height:
        u1, v1 = max(0.0, c - height), min(height, c)
        u2, v2 = min(width, c), max(0.0, c - width)
        segments.append(f"M{_n(x + u1)} {_n(bottom - v1)}L{_n(x + u2)} {_n(bottom - v2)}")
        c += spacing
    return f'<path d="{"".join(segments)}" stroke="{HATCH}" stroke-width="1" fill="none"/>'


def _svg(chart_id: str, title: str, desc: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        ' font-family="sans-serif" font-size="13">'
    )
    return "\n".join(
        [
            head,
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _rect(x: float, y: float, width: float, height: float, *, fill: str, stroke: str = "") -> str:
    outline = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}"'
        f' fill="{fill}"{outline}/>'
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "middle", size: int = 13, fill: str = INK
) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}"'
        f" fill={quoteattr(fill)}>{escape(text)}</text>"
    )


def _n(value: float) -> str:
    """A coordinate with at most one decimal, so the output is the same on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _percent(share: float) -> int:
    """A share rounded to a whole percent, halves up (not Python's round-half-to-even)."""
    return math.floor(share + 0.5)


def _count_words(count: Cell, words: dict[str, str]) -> str:
    if isinstance(count, Hidden):
        return (
            words["fewer_than"].format(k=count.k) if count.kind == "primary" else words["not_shown"]
        )
    return str(count)


def _words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["nl"])


def month_long(month: date, language: str = "nl") -> str:
    """`februari 2026`, or in English `February 2026`."""
    names = MONTHS_LONG_EN if language == "en" else MONTHS_LONG
    return f"{names[month.month - 1]} {month.year}"


def _span(months: Sequence[MonthFigures], language: str) -> str:
    first, last = month_long(months[0].month, language), month_long(months[-1].month, language)
    return first if first == last else _words(language)["span"].format(first=first, last=last)


# --- value labels ------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """The estimated width of `text` at `size` (`ADVANCE`, 1 em for a character not in it)."""
    return size * sum(ADVANCE.get(c, 1.0) for c in text)


def _fits(labels: Sequence[str], size: int, slot: float) -> bool:
    """Rule: every label at `size`, with GAP beside it, is no wider than a month's slot."""
    return all(text_width(label, size) + GAP <= slot for label in labels)


def _overlap(a: tuple[float, float, str], b: tuple[float, float, str], size: int = 11) -> bool:
    """Whether two centred labels (x, baseline, text) at `size` would touch, GAP included."""
    half = (text_width(a[2], size) + text_width(b[2], size)) / 2 + GAP
    return abs(a[0] - b[0]) < half and abs(a[1] - b[1]) < size + GAP


def _value(x: float, y: float, label: str, size: int | None) -> str:
    """A value label centred above (x, y), or upright from there at UPRIGHT_SIZE (`size` None)."""
    if size is not None:
        return _text(x, y, label, size=size)
    x += UPRIGHT_SIZE * 0.36  # the baseline right of the middle, so the glyphs centre on it
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="start" font-size="{UPRIGHT_SIZE}"'
        f' fill="{INK}" transform="rotate(-90 {_n(x)} {_n(y)})">{escape(label)}</text>'
    )
