"""Rendering one frozen version to bytes: the invite (`.ics`), the draft (`.eml`) and the
escalation draft, through the templates in `templates/<language>/`: pure functions of the
payload."""
