"""Checks on text that people type or import: names, emails, personnel numbers, notes."""

from __future__ import annotations

import unicodedata

from nazorg.core.errors import ValidationError


def has_control(value: str) -> bool:
    """True when `value` has a control or format character that could break a header or a file.

    Category Cc covers CR, LF, TAB, NUL and the C1 controls; line and paragraph separators (Zl,
    Zp) would split a line too; a lone surrogate (Cs) is invalid UTF-8 from a command line and
    cannot be stored. Right-to-left marks (Cf) are allowed in names: people need them.
    """
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") for ch in value)


def clean_line(value: str, what: str, max_length: int) -> str:
    """A single line of text: trimmed, not empty, no control characters, not too long."""
    value = value.strip()
    if not value:
        raise ValidationError(f"{what} ontbreekt")
    if has_control(value):
        raise ValidationError(f"{what} bevat een regeleinde of stuurteken; gebruik één regel tekst")
    if len(value) > max_length:
        raise ValidationError(f"{what} is te lang (meer dan {max_length} tekens)")
    return value


def clean_number(value: str) -> str:
    """A personnel number: letters, digits and dashes, at most 32."""
    value = value.strip()
    if not value:
        raise ValidationError("personeelsnummer ontbreekt")
    if len(value) > 32 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value):
        raise ValidationError(
            f"personeelsnummer '{printable(value)}' is ongeldig; gebruik letters, cijfers en '-'"
        )
    return value


def clean_email(value: str) -> str:
    """A syntactically valid address (no DNS look-up): drafts and invites go to it."""
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if not value:
        raise ValidationError("e-mailadres ontbreekt")
    if has_control(value) or len(value) > 254:
        raise ValidationError(f"e-mailadres '{printable(value)}' is ongeldig")
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValidationError(f"e-mailadres '{printable(value)}' is ongeldig") from None
    return str(result.normalized)


def clean_note(
    value: str | None, max_length: int = 4000, *, field: str | None = None
) -> str | None:
    """A free-text note: may span lines, but no other control characters."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if any(
        unicodedata.category(ch) == "Cs" or (unicodedata.category(ch) == "Cc" and ch not in "\n\t")
        for ch in value
    ):
        raise ValidationError("notitie bevat stuurtekens; gebruik gewone tekst", field=field)
    if len(value) > max_length:
        raise ValidationError(f"notitie is te lang (meer dan {max_length} tekens)", field=field)
    return value


def printable(value: str, limit: int = 40) -> str:
    """`value` made safe to echo in a one-line message: controls escaped, long text cut."""
    shown = "".join(ch if unicodedata.category(ch)[0] != "C" else repr(ch)[1:-1] for ch in value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
