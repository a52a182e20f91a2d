"""One renderer per run: the template environment of each language is built once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nazorg.core.payload import EscalationNotice, InviteVersion

if TYPE_CHECKING:
    import jinja2

    from nazorg.settings import Settings


class Renderer:
    """Renders versions to bytes; builds the template environment once per run."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._envs: dict[str, jinja2.Environment] = {}

    def env(self, language: str) -> jinja2.Environment:
        if language not in self._envs:
            from nazorg.emission.render.templating import make_environment

            self._envs[language] = make_environment(language, self._settings.templates_dir)
        return self._envs[language]

    def render(self, version: InviteVersion) -> tuple[bytes, bytes]:
        from nazorg.emission.render.draft import render_eml
        from nazorg.emission.render.invite import render_ics

        env = self.env(version.language)
        ics = render_ics(version, env)
        return ics, render_eml(version, ics, env)

    def render_message(self, version: InviteVersion, ics: bytes) -> bytes:
        """The message nazorg sends itself for `version` (SMTP), around the outbox's `ics`."""
        from nazorg.emission.render.draft import render_eml

        return render_eml(version, ics, self.env(version.language), draft=False)

    def render_escalation(self, notice: EscalationNotice) -> bytes:
        from nazorg.emission.render.escalation import render_escalation

        return render_escalation(notice, self.env(notice.language))
