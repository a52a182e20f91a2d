"""The `[replies]` settings: the aftercare mailbox that receives the answers to our invites.

The connection works as for delivery (`[delivery.imap]`): TLS from the first byte (993) or
STARTTLS (143), certificates verified (plus `ca_file`), the password from
`NAZORG_REPLIES__PASSWORD`, a `password_file` readable by its owner only, or a private
configuration file. `folder` is read; a processed message is moved to `processed_folder` (or,
when the server cannot move or that folder does not exist, flagged with PROCESSED_FLAG and left
where it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from nazorg.core.errors import ConfigError
from nazorg.settings.delivery import ImapTarget, check_private_file

#: The IMAP keyword set on a message that was read but could not be moved.
PROCESSED_FLAG = "$NazorgVerwerkt"


class ReplyMailbox(ImapTarget):
    """`[replies]`: where the answers to the invites arrive (the organizer's mailbox)."""

    folder: str = Field(default="INBOX", min_length=1, max_length=500)
    processed_folder: str = Field(default="Verwerkt", min_length=1, max_length=500)
    # Minutes between two readings under `nazorg serve`.
    interval_minutes: int = Field(default=15, ge=1, le=1440)
    # At most this many messages per reading (the rest waits for the next one).
    max_messages: int = Field(default=500, ge=1, le=10000)

    @field_validator("processed_folder")
    @classmethod
    def _processed(cls, value: str) -> str:
        if any(ch in value for ch in '\r\n\0"\\'):
            raise ValueError("een mapnaam zonder aanhalingstekens, backslash of regeleinde")
        return value

    def password_value(self) -> str | None:
        """The password, read now; ConfigError names the fix when the file is unsafe."""
        try:
            return self.secret("replies")
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("delivery.replies.", "replies.")) from None


def check_replies_secret(values: Mapping[str, Any], path: Path) -> None:
    """A password in `[replies]` of the configuration file needs a file only its owner reads."""
    section = values.get("replies")
    if isinstance(section, Mapping) and "password" in section:
        try:
            check_private_file(path, "configuratiebestand")
        except ConfigError as exc:
            raise ConfigError(
                f"{exc} (het bevat replies.password; of gebruik password_file "
                "of NAZORG_REPLIES__PASSWORD)"
            ) from None
