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
- Dutch month labels from a fixed table ("jan", "feb", "mrt", ...), never from the locale.
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
    title: str = "Incidenten per maand",
    chart_id: str = "incidenten",
) -> str:
    """A bar chart of incidents per month; a hidden count is a hatched bar labelled `<k`.

    `chart_id` prefixes the ids of the title and description: give each chart on a page its own.
    """
    _check(months, chart_id)
    counts = [m.incidents for m in months]
    ceiling = max([c if isinstance(c, int) else c.k for c in counts] + [1])
    top, step = _scale(ceiling)
    body = _grid([(v, str(v)) for v in range(0, top + 1, step)], top, "aantal")
    width = (RIGHT - LEFT) / len(months)
    for index, count in enumerate(counts):
        middle = LEFT + width * (index + 0.5)
        left, bar = middle - width * 0.3, width * 0.6
        if isinstance(count, int):
            height = (BOTTOM - TOP) * count / top
            if count:
                body.append(_rect(left, BOTTOM - height, bar, height, fill=BAR))
            body.append(_text(middle, BOTTOM - height - 4, str(count)))
        elif count.kind == "primary":
            height = (BOTTOM - TOP) * count.k / top
            body.append(_rect(left, BOTTOM - height, bar, height, fill=HIDDEN_FILL, stroke=HATCH))
            body.append(_hatch(left, BOTTOM - height, bar, height))
            body.append(_text(middle, BOTTOM - height - 4, count.label))
        else:
            body.append(_text(middle, BOTTOM - 4, count.label))
    body += _month_axis(months)
    words = "; ".join(f"{_month_long(m.month)}: {_count_words(m.incidents)}" for m in months)
    desc = f"Staafdiagram van het aantal incidenten per maand, {_span(months)}. {words}."
    return _svg(chart_id, title, desc, body)


def on_time_chart(
    months: Sequence[MonthFigures],
    *,
    title: str = "Nazorggesprekken op tijd gehouden",
    chart_id: str = "op-tijd",
) -> str:
    """A line chart of the share of check-ins held on time (0-100 %), with gaps where not shown."""
    _check(months, chart_id)
    for m in months:
        if m.on_time is not None and not 0 <= m.on_time <= 100:
            raise ValueError(f"share {m.on_time} for {m.month:%Y-%m} is not between 0 and 100")
    body = _grid([(v, f"{v}%") for v in range(0, 101, 25)], 100, "% op tijd")
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
    for m, point in zip(months, points, strict=True):
        if point is not None and m.on_time is not None:
            x, y = point
            body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{BAR}"/>')
            body.append(_text(x, y - 8, f"{_percent(m.on_time)}%", size=11))
    body += _month_axis(months)
    words = "; ".join(
        f"{_month_long(m.month)}: "
        + ("niet getoond" if m.on_time is None else f"{_percent(m.on_time)}%")
        for m in months
    )
    desc = (
        "Lijndiagram van het percentage nazorggesprekken dat op tijd is gehouden, per maand, "
        f"{_span(months)}. {words}."
    )
    return _svg(chart_id, title, desc, body)


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


def _grid(ticks: list[tuple[int, str]], top: int, unit: str) -> list[str]:
    """Horizontal grid lines with their labels, the unit above the axis."""
    lines = [_text(LEFT - 6, TOP - 18, unit, anchor="start", size=11, fill=MUTED)]
    for value, label in ticks:
        y = BOTTOM - (BOTTOM - TOP) * value / top
        colour = MUTED if value == 0 else GRID
        lines.append(
            f'<line x1="{LEFT}" y1="{_n(y)}" x2="{RIGHT}" y2="{_n(y)}" stroke="{colour}"'
            ' stroke-width="1"/>'
        )
        lines.append(_text(LEFT - 6, y + 4, label, anchor="end", size=11, fill=MUTED))
    return lines


def _month_axis(months: Sequence[MonthFigures]) -> list[str]:
    """Dutch month abbreviations; the year under the first month and under every January."""
    width = (RIGHT - LEFT) / len(months)
    labels = []
    for index, m in enumerate(months):
        x = LEFT + width * (index + 0.5)
        labels.append(_text(x, BOTTOM + 18, MONTHS_SHORT[m.month.month - 1], fill=INK))
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


def _count_words(count: Cell) -> str:
    if isinstance(count, Hidden):
        return f"minder dan {count.k}" if count.kind == "primary" else "niet getoond"
    return str(count)


def _month_long(month: date) -> str:
    return f"{MONTHS_LONG[month.month - 1]} {month.year}"


def _span(months: Sequence[MonthFigures]) -> str:
    first, last = _month_long(months[0].month), _month_long(months[-1].month)
    return f"{first}" if first == last else f"van {first} tot en met {last}"
