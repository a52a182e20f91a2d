"""The report in its formats: JSON, CSV, HTML (with the trend charts as inline SVG) and PDF.

Rules: every format shows the same published figures (a hidden count reads `<k` or `x`, a share
or median that may not be shown is empty or null); nothing about a person, no date of a single
incident. The output is deterministic: the same report gives the same bytes (the PDF carries no
creation time). The HTML comes from the templates `report.html` / `report_body.html` of the
project's template folders (an operator's `templates_dir` first); the PDF is that HTML through
WeasyPrint, with the system's fonts.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from dataclasses import replace
from typing import Any, TypeVar

from markupsafe import Markup

from nazorg.core.charts import incidents_chart, on_time_chart
from nazorg.core.errors import ConfigError
from nazorg.core.labels import incident_kind
from nazorg.core.suppression import OTHER_TEAMS, Cell, Hidden
from nazorg.emission.render.templating import make_environment, render
from nazorg.services.report.build import TOTAL, Report, Row
from nazorg.services.report.cases import COLUMNS as CASE_COLUMNS
from nazorg.services.report.cases import CaseRow
from nazorg.services.report.figures import CYCLES, PARTITION, kind_column

FORMATS = ("html", "pdf", "csv", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
#: Dutch labels of the figures, as the report shows them.
LABELS = {
    "incidents": "Incidenten",
    "employees_affected": "Betrokken medewerkers",
    "registration_days_median": "Dagen tot registratie (mediaan)",
    "checkins_due": "Nazorggesprekken gepland",
    "held_on_time": "Op tijd gehouden",
    "held_late": "Te laat gehouden",
    "overdue": "Achterstallig",
    "open": "Nog open",
    "declined": "Afgeslagen",
    "cancelled": "Vervallen",
    "referred": "Doorverwezen",
    "held_on_time_share": "Op tijd (%)",
    "feedback_360_due": "360°-feedback gepland",
    "feedback_360_done": "360°-feedback gedaan",
    "development_plan_due": "Ontwikkelplan gepland",
    "development_plan_done": "Ontwikkelplan gedaan",
    "ro_due": "R&O gepland",
    "ro_held": "R&O gehouden",
    "ro_with_violence_point": "R&O met agendapunt geweld",
    "open_investigations": "Lopende onderzoeken",
    "buddy_contacts_due": "Buddycontacten gepland",
    "buddy_contacts_held_on_time": "Buddycontacten op tijd",
    "buddy_contacts_not_on_time": "Buddycontacten niet op tijd",
    "plans_started": "Herstelplannen gestart",
    "plans_completed": "Herstelplannen afgerond",
}
CYCLE_COLUMNS = (*(name for pair in CYCLES for name in pair), "ro_with_violence_point")
#: The names of the merged and total rows in another language than Dutch (their codes stay).
ROW_NAMES = {"en": {OTHER_TEAMS: "Other teams", TOTAL: "Total"}}
Named = TypeVar("Named", Row, CaseRow)


def cell_json(cell: Cell) -> int | str:
    return cell.label if isinstance(cell, Hidden) else cell


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def row_json(report: Report, row: Row) -> dict[str, Any]:
    """One row as the issue names the figures."""
    cells = row.cells
    result: dict[str, Any] = {"team": row.team, "name": row.name}
    result["incidents"] = cell_json(cells["incidents"])
    result["incidents_by_kind"] = {k: cell_json(cells[kind_column(k)]) for k in report.kinds}
    result["employees_affected"] = cell_json(cells["employees_affected"])
    result["registration_days_median"] = row.registration_days_median
    for name in ("checkins_due", *PARTITION, "referred"):
        result[name] = cell_json(cells[name])
    result["held_on_time_share"] = _share(row.held_on_time_share)
    for name in CYCLE_COLUMNS:
        result[name] = cell_json(cells[name])
    return result


def case_row_json(row: CaseRow) -> dict[str, Any]:
    """One row of the investigations, buddy contacts and recovery plans (issue 15)."""
    return {"team": row.team, "name": row.name} | {c: cell_json(row.cells[c]) for c in CASE_COLUMNS}


def as_json(report: Report) -> dict[str, Any]:
    """`{"period": {"from", "to"}, "k", "teams": [...], "total": {...}, "trend": [...],
    "cases": {"teams": [...], "total": {...}}}`."""
    return {
        "period": {
            "from": report.period.first.isoformat(),
            "to": report.period.last.isoformat(),
        },
        "k": report.k,
        "teams": [row_json(report, row) for row in report.teams],
        "total": row_json(report, report.total),
        "trend": [
            {
                "month": f"{m.month:%Y-%m}",
                "incidents": cell_json(m.incidents),
                "held_on_time_share": _share(m.on_time),
            }
            for m in report.trend
        ],
        "cases": {
            "teams": [case_row_json(row) for row in report.cases[:-1]],
            "total": case_row_json(report.cases[-1]),
        }
        if report.cases
        else None,
    }


def to_json(report: Report) -> str:
    return json.dumps(as_json(report), ensure_ascii=False, indent=2) + "\n"


def to_csv(report: Report) -> str:
    """One row per team, then the total row; nested kinds flattened to `incidents_<kind>`; the
    case figures (issue 15) as the last columns of the same rows."""
    rows = [row_json(report, row) for row in (*report.teams, report.total)]
    cases = {row.team: case_row_json(row) for row in report.cases}
    flat: list[dict[str, Any]] = []
    for row in rows:
        kinds = row.pop("incidents_by_kind")
        out: dict[str, Any] = {}
        for name, value in row.items():
            out[name] = "" if value is None else value
            if name == "incidents":
                out.update({f"incidents_{k}": v for k, v in kinds.items()})
        if cases:
            out.update({c: cases[row["team"]][c] for c in CASE_COLUMNS})
        flat.append(out)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(flat[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


#: The PDF's tables: one monospaced line per row (characters: the team, then each figure).
NAME_WIDTH, FIGURE_WIDTH = 40, 12
#: The PDF's tables leave a blank line after every fifth team row.
GROUP_OF = 5


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def _line(name: str, values: list[Any]) -> str:
    """A row as one line: the name left (wrapped onto lines of its own when long), each figure
    right-aligned in its column, the columns as wide as the header cells above them."""
    words = textwrap.wrap(name, NAME_WIDTH - 1) or [""]
    figures = "".join(str(v).rjust(FIGURE_WIDTH - 1) + " " for v in values)
    return "\n".join([words[0].ljust(NAME_WIDTH) + figures, *words[1:]])


def print_lines(report: Report) -> dict[str, Any]:
    """The rows of the four tables as text: (False, the team rows as lines, a blank line after
    every `GROUP_OF`, as statistical tables group their rows), then (True, the total row). The
    PDF prints the team rows as one table cell that runs over the pages under the repeated
    header: WeasyPrint lays that out far quicker than a cell per figure or a row per team
    (national scale: 160 teams, four tables). The HTML file and the web page keep their cells."""
    rows = [*report.teams, report.total]
    tables: dict[str, list[list[Any]]] = {"incidents": [], "checkins": [], "cycles": []}
    for row in rows:
        c = row.cells
        tables["incidents"].append(
            [
                c["incidents"],
                *(c[kind_column(k)] for k in report.kinds),
                c["employees_affected"],
                _number(row.registration_days_median),
            ]
        )
        tables["checkins"].append(
            [
                c["checkins_due"],
                *(c[name] for name in PARTITION),
                _percent(row.held_on_time_share),
                c["referred"],
            ]
        )
        tables["cycles"].append([c[name] for name in CYCLE_COLUMNS])
    result: dict[str, Any] = {}
    named: dict[str, list[tuple[str, list[Any]]]] = {
        key: [(row.name, v) for row, v in zip(rows, values, strict=True)]
        for key, values in tables.items()
    }
    named["cases"] = [(row.name, [row.cells[c] for c in CASE_COLUMNS]) for row in report.cases]
    for key, pairs in named.items():
        teams = [_line(name, v) for name, v in pairs[:-1]]
        groups = ["\n".join(teams[i : i + GROUP_OF]) for i in range(0, len(teams), GROUP_OF)]
        result[key] = [(False, "\n\n".join(groups)), (True, _line(*pairs[-1]))] if pairs else []
        figures = len(pairs[0][1]) if pairs else 0
        result[f"{key}_columns"] = figures + 1
        result[f"{key}_width"] = NAME_WIDTH + FIGURE_WIDTH * figures
    return result


def localised(report: Report, language: str) -> Report:
    """The report with the merged and total rows named in `language` (`ROW_NAMES`; Dutch as
    built otherwise): for the pages people read; JSON and CSV keep the built names."""
    names = ROW_NAMES.get(language, {})
    if not names:
        return report

    def rename(row: Named) -> Named:
        return replace(row, name=names[row.team]) if row.team in names else row

    return replace(
        report,
        teams=tuple(rename(row) for row in report.teams),
        total=rename(report.total),
        cases=tuple(rename(row) for row in report.cases),
    )


def _context(report: Report, language: str, *, compact: bool = False) -> dict[str, Any]:
    report = localised(report, language)
    kinds = [(kind_column(k), incident_kind(k, language)) for k in report.kinds]
    return {
        "lines": print_lines(report) if compact else None,
        "report": report,
        "period_label": report.period.label(language),
        "k": report.k,
        "rows": [*report.teams, report.total],
        "kinds": kinds,
        "labels": LABELS,
        "partition": PARTITION,
        "cycle_columns": CYCLE_COLUMNS,
        "case_columns": CASE_COLUMNS,
        "incidents_chart": Markup(incidents_chart(report.trend, language=language)),
        "on_time_chart": Markup(on_time_chart(report.trend, language=language)),
    }


def to_html_body(report: Report, *, language: str = "nl", override: Any = None) -> str:
    """The report without page frame: for the web page, which has its own."""
    env = make_environment(language, override)
    return render(env, "report_body.html", _context(report, language))


def to_html(
    report: Report, *, language: str = "nl", override: Any = None, compact: bool = False
) -> str:
    """The report as one HTML document (its own styles, for the file, print and the PDF);
    `compact`: the tables' rows as lines (`print_lines`), for the PDF."""
    env = make_environment(language, override)
    return render(env, "report.html", _context(report, language, compact=compact))


def preload_pdf_engine() -> None:
    """Start importing WeasyPrint on a thread of its own, to overlap with building the report.
    Its import is about a second of pure Python (it parses its C declarations) while building
    spends much of its time in the database, which lets other threads run. `to_pdf` then finds
    it imported, or waits for the import to end; a failed import is reported there."""
    import threading

    def load() -> None:
        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError):
            return

    threading.Thread(target=load, name="weasyprint-import", daemon=True).start()


def to_pdf(report: Report, *, language: str = "nl", override: Any = None) -> bytes:
    """The HTML document as PDF (WeasyPrint), without creation time: same report, same bytes.
    Without WeasyPrint's system libraries (Pango) the PDF is refused with the fix, in one line."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise ConfigError(
            "een PDF kan hier niet gemaakt worden (WeasyPrint mist Pango of een lettertype): "
            "installeer libpango-1.0-0, libpangoft2-1.0-0 en fonts-dejavu-core (`make servers`), "
            "of kies een ander --format"
        ) from error

    html = to_html(report, language=language, override=override, compact=True)
    pdf: bytes = HTML(string=html).write_pdf(uncompressed_pdf=False)
    return pdf


def render_format(report: Report, fmt: str, **kwargs: Any) -> bytes:
    """The report in `fmt` (one of FORMATS) as bytes."""
    if fmt == "pdf":
        return to_pdf(report, **kwargs)
    if fmt == "html":
        return to_html(report, **kwargs).encode()
    if fmt == "body":
        return to_html_body(report, **kwargs).encode()
    if fmt == "csv":
        return to_csv(report).encode()
    if fmt == "json":
        return to_json(report).encode()
    raise ValueError(f"unknown format {fmt!r}")
