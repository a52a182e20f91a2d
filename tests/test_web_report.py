"""`/rapportage`: management and staff see the anonymous report and download it; leaders are
refused before anything is read; every read is audited without figures about persons."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import select

from nazorg.store.engine import transaction
from nazorg.store.models import AuditEvent
from tests.webapp import Site


def test_management_and_staff_see_the_report(site: Site) -> None:
    for user in ("sector", "tineke"):
        client = site.client(user)
        page = client.get("/rapportage")
        assert page.status_code == 200, page.text
        text = page.text
        assert "Nazorg na incidenten: februari 2026" in text
        assert "<svg" in text and 'role="img"' in text
        assert "Eva Eerste" not in text and "Geheime notitie" not in text
        # A personnel number as a word of its own: random tokens on the page (CSRF) may hold "E1".
        assert not re.search(r"(?<![\w-])E1(?![\w-])", text) and "2026-02-20" not in text
        assert 'href="/rapportage/download?formaat=pdf&amp;periode=1&amp;maand=2026-02"' in text


def test_the_period_can_be_chosen(site: Site) -> None:
    client = site.client("sector")
    page = client.get("/rapportage?periode=4&maand=2026-02")
    assert page.status_code == 200
    assert "november 2025 t/m februari 2026" in page.text
    assert client.get("/rapportage?maand=2026-13").status_code == 400
    assert client.get("/rapportage?maand=2030-01").status_code == 400


def test_downloads_in_every_format(site: Site) -> None:
    client = site.client("sector")
    base = "/rapportage/download?periode=1&maand=2026-02&formaat="
    pdf = client.get(base + "pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert (
        pdf.headers["content-disposition"] == 'attachment; filename="nazorgrapportage-2026-02.pdf"'
    )
    data = json.loads(client.get(base + "json").content)
    assert set(data) == {"period", "k", "teams", "total", "trend", "cases"}
    assert data["period"] == {"from": "2026-02-01", "to": "2026-02-28"} and data["k"] == 5
    assert data["total"]["incidents"] == "<5"
    assert len(data["trend"]) == 12
    csv = client.get(base + "csv").text
    assert csv.splitlines()[0].startswith("team,name,incidents,")
    html = client.get(base + "html").text
    assert html.startswith("<!doctype html>")
    assert client.get(base + "exe").status_code == 400


def test_leaders_are_refused_and_nothing_is_read(site: Site) -> None:
    client = site.client("lars")
    for path in ("/rapportage", "/rapportage/download?formaat=pdf", "/rapportage?maand=nonsense"):
        response = client.get(path)
        assert response.status_code == 403, path
    with transaction(site.engine) as session:
        reads = session.exec(select(AuditEvent).where(AuditEvent.action == "report.read")).all()
    assert reads == []


def test_reads_are_audited_without_persons(site: Site) -> None:
    client = site.client("sector")
    client.get("/rapportage")
    client.get("/rapportage/download?formaat=csv&periode=1&maand=2026-02")
    with transaction(site.engine) as session:
        reads: list[Any] = list(
            session.exec(select(AuditEvent).where(AuditEvent.action == "report.read")).all()
        )
    assert [(e.actor, e.entity_id, e.employee_number) for e in reads] == [
        ("sector", "2026-02", None),
        ("sector", "2026-02", None),
    ]
    assert reads[1].details == "rapportage februari 2026, team alle, formaat csv"
