"""`/rapportage`: the anonymous report for sector leadership and staff, with the period to
choose and the downloads (html, pdf, csv, json). Leaders and others: 403, before anything is read.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from nazorg.core.access import MANAGEMENT, STAFF
from nazorg.services import report
from nazorg.services.report.period import Period, choose, key, shift
from nazorg.services.report.render import MEDIA_TYPES
from nazorg.web.auth import User
from nazorg.web.context import web

router = APIRouter()
SPANS = {"1": None, "4": 4, "8": 8, "12": 12}


def _period(request: Request, periode: str, maand: str) -> Period:
    today = web(request).today()
    months = SPANS.get(periode.strip() or "1")
    chosen = maand.strip() or None
    if months is None:
        return choose(chosen, None, None, today)
    return choose(None, months, chosen, today)


@router.get("/rapportage")
def page(request: Request, principal: User, periode: str = "1", maand: str = "") -> Response:
    principal.require(MANAGEMENT, STAFF)
    ctx = web(request)
    period = _period(request, periode, maand)
    with ctx.transaction() as session:
        _, body = report.read(
            session, principal, period, settings=ctx.settings, now=ctx.now(), fmt="body"
        )
    latest = shift(ctx.today().replace(day=1), -1)
    query = f"periode={period.span}&maand={key(period.until)}"
    return ctx.render(
        request,
        "report.html",
        body=Markup(body.decode()),
        period=period,
        values={"periode": str(period.span), "maand": key(period.until)},
        latest=key(latest),
        downloads=[(fmt, f"/rapportage/download?formaat={fmt}&{query}") for fmt in MEDIA_TYPES],
    )


@router.get("/rapportage/download")
def download(
    request: Request, principal: User, formaat: str = "pdf", periode: str = "1", maand: str = ""
) -> Response:
    principal.require(MANAGEMENT, STAFF)
    ctx = web(request)
    period = _period(request, periode, maand)
    with ctx.transaction() as session:
        _, data = report.read(
            session, principal, period, settings=ctx.settings, now=ctx.now(), fmt=formaat
        )
    name = f"nazorgrapportage-{period.slug()}.{formaat}"
    return Response(
        data,
        media_type=MEDIA_TYPES[formaat],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
