"""The exception hierarchy of nazorg, in one place.

The core raises these with a message a user can act on (in Dutch, the users' language); the CLI
turns every one of them into a single line on stderr and exit code 1. Nothing else in the code
base formats errors for people.
"""


class NazorgError(Exception):
    """Base class: an expected failure with a message that names the fix."""


class ConfigError(NazorgError):
    """A setting or the configuration file is wrong."""


class DatabaseError(NazorgError):
    """The database cannot be reached or is not initialised."""


class ValidationError(NazorgError):
    """Input was refused; nothing was written. `field` names the input it is about, where one
    does, so that a form can show the message next to that field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(ValidationError):
    """An id or personnel number does not exist."""


class DuplicateError(ValidationError):
    """The same thing was registered before."""


class ImportRowsError(ValidationError):
    """A CSV import was refused as a whole; every bad row is listed."""

    def __init__(self, filename: str, problems: list[tuple[int, str]]) -> None:
        self.filename = filename
        self.problems = problems
        lines = "; ".join(f"regel {line}: {msg}" for line, msg in problems)
        super().__init__(f"{filename}: niets geïmporteerd, {len(problems)} foute regel(s): {lines}")


class OutboxError(NazorgError):
    """The outbox folder cannot be written; pending versions stay pending."""


class AccessDenied(NazorgError):
    """The user's role does not allow this; nothing was shown or written (web: 403)."""
