"""The Jinja2 environment of the web pages: `templates/web/`, autoescaped (a name or note with
markup or template syntax is shown as text, never run), strict about unknown variables."""

from __future__ import annotations

import jinja2

from nazorg.core.access import LEADER, MANAGEMENT, REPORTS, STAFF
from nazorg.core.resources import templates_dir
from nazorg.web.format import filters
from nazorg.web.guidance import GUIDANCE
from nazorg.web.texts import translator


def make_environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "web"), encoding="utf-8"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters(language))
    env.globals.update(
        t=translator(language),
        language=language,
        STAFF=STAFF,
        LEADER=LEADER,
        MANAGEMENT=MANAGEMENT,
        REPORTS=REPORTS,
        guidance=GUIDANCE,
    )
    return env
