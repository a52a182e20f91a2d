"""The report in English (settings `language` "en"): every word a reader sees is English, the
Dutch report keeps its words, and the machine-readable formats stay the same in both."""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import re
import shutil
import subprocess
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from nazorg.services.report import Period, build
from nazorg.services.report.build import Report
from nazorg.services.report.render import as_json, to_csv, to_html, to_html_body, to_pdf
from nazorg.store.engine import transaction
from tests.test_report import OPTIONS, history

#: Dutch words an English reader should not meet (the fixture's February report has all of them
#: in Dutch: the period, the rows "Totaal" and "Overige teams", the charts, the page footer).
DUTCH = (
    "februari",
    "maart",
    "Totaal",
    "Overige",
    "overige",
    "aantal",
    "op tijd",
    "Op tijd",
    "pagina",
    "Incidenten",
    "Nazorg",
    "nazorg",
    "gesprek",
    "mrt",
    "okt",
    "minder dan",
    "niet getoond",
    "tot en met",
    "geweld",
    "bedreiging",
    "ongeval",
)
#: A sample of them that the Dutch report shows (where it says the same as the English one).
DUTCH_SHOWN = ("februari 2026", "Totaal", "Overige teams", "aantal", "% op tijd", "pagina ")


@pytest.fixture
def report(engine: Any) -> Report:
    with transaction(engine) as session:
        history(session, 2026)
    with transaction(engine) as session:
        return build(session, Period(date(2026, 2, 1)), OPTIONS)


def visible(html: str) -> str:
    """What a reader can meet: the text between tags (the charts' titles and descriptions too),
    the attributes read aloud, and the page footer of the print styles."""
    footer = " ".join(re.findall(r'content: ("[^;]*);', html))
    said = " ".join(re.findall(r'(?:aria-label|title|alt)="([^"]*)"', html))
    text = re.sub(r"(?s)<style>.*?</style>", " ", html)
    return unescape(" ".join([re.sub(r"<[^>]+>", " ", text), said, footer]))


def test_the_english_report_has_no_dutch_word_and_the_dutch_one_keeps_them(report: Report) -> None:
    english, dutch = visible(to_html(report, language="en")), visible(to_html(report))
    found = [word for word in DUTCH if word in english]
    assert not found, f"Dutch in the English report: {found}"
    for word in DUTCH_SHOWN:
        assert word in dutch, word
    assert "Aftercare following incidents: February 2026" in english
    assert "Other teams" in english and "Total" in english and "page " in english
    assert all(m in english for m in ("Mar", "Oct", "number", "% on time", "violence"))
    body = visible(to_html_body(report, language="en"))  # the web page's part
    assert not [word for word in DUTCH if word in body]


def test_a_period_of_months_reads_in_either_language() -> None:
    period = Period(date(2026, 2, 1), 4)
    assert period.label() == "november 2025 t/m februari 2026"
    assert period.label("en") == "November 2025 to February 2026"
    assert Period(date(2026, 5, 1)).label("en") == "May 2026"


def test_json_and_csv_do_not_depend_on_the_language(report: Report) -> None:
    """They are for machines: the rows keep their codes ("overige teams", "totaal") and names."""
    data = as_json(report)
    assert data["total"]["team"] == "totaal" and data["total"]["name"] == "Totaal"
    assert "overige teams" in [row["team"] for row in data["teams"]]
    assert json.dumps(data) == json.dumps(as_json(report))
    assert to_csv(report).splitlines()[0].startswith("team,name,incidents,")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_the_english_pdf_has_no_dutch_word(report: Report, tmp_path: Path) -> None:
    texts = {}
    for language in ("nl", "en"):
        path = tmp_path / f"{language}.pdf"
        path.write_bytes(to_pdf(report, language=language))
        texts[language] = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
    assert not [word for word in DUTCH if word in texts["en"]]
    assert "Total" in texts["en"] and "Other teams" in texts["en"] and "page 1 of" in texts["en"]
    for word in ("februari 2026", "Totaal", "Overige teams", "pagina 1 van"):
        assert word in texts["nl"], word


def test_the_monthly_draft_is_written_in_the_reports_language(tmp_path: Path) -> None:
    from nazorg.services.report.monthly import draft
    from nazorg.settings import Settings

    def message(language: str) -> email.message.EmailMessage:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'n.db'}",
            language=language,
            report={"management": ["sectorleiding@politie.example"], "k": 3},
        )
        data = draft(Period(date(2026, 2, 1), 4), b"%PDF-1.7", settings)
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed

    def words(m: email.message.EmailMessage) -> str:
        body = m.get_body(("plain",))
        assert body is not None
        files = [a.get_filename() or "" for a in m.iter_attachments()]
        signature = m["From"].addresses[0].display_name  # the organiser's configured name
        return " ".join([str(m["Subject"]), body.get_content().replace(signature, ""), *files])

    english, dutch = message("en"), message("nl")
    assert english["Subject"] == "Aftercare report November 2025 to February 2026"
    assert dutch["Subject"] == "Nazorgrapportage november 2025 t/m februari 2026"
    assert "Counts from 1 to 2 are hidden." in words(english)
    assert "aftercare-report-2025-11_2026-02.pdf" in words(english)
    found = [w for w in (*DUTCH, "Beste", "groet", "Bijgaand", "rapportage") if w in words(english)]
    assert not found, found
    assert "Aantallen van 1 tot 2 zijn verborgen." in words(dutch)
