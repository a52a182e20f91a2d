"""Reading the aftercare mailbox over IMAP (RFC 3501, RFC 6851 MOVE) for answers to invites.

- The connection is made as for delivering drafts (nazorg.delivery.imap): TLS or STARTTLS,
  certificates verified, the login refused politely.
- Messages are found by UID among those not yet marked processed (`UNKEYWORD` PROCESSED_FLAG,
  not deleted), at most `max_messages` per reading, oldest first. Each is fetched with
  `BODY.PEEK[]` (not marking it read); one larger than `MAX_MESSAGE_BYTES` is not downloaded.
- Done with a message: it is moved to `processed_folder` when the server can MOVE and that
  folder exists; otherwise it is flagged with PROCESSED_FLAG (and `\\Seen`) where it is. The
  caller marks a message only after its answers are committed, so a crash in between means the
  message is read again, and the unique key on (message, attendee) records it once.
- Network and protocol errors become DeliveryError with one Dutch line naming the fix.
"""

from __future__ import annotations

import imaplib
import re

from nazorg.delivery.base import DeliveryError
from nazorg.delivery.imap import ImapClient, imap_utf7, quoted
from nazorg.settings.replies import PROCESSED_FLAG, ReplyMailbox

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
_SIZE = re.compile(rb"RFC822\.SIZE ([0-9]+)")
_ERRORS = (OSError, EOFError, imaplib.IMAP4.error)


class MailboxReader(ImapClient):
    """One session with the reply mailbox: `open`, then `unprocessed`, `fetch`, `done`."""

    def __init__(self, config: ReplyMailbox, password: str | None) -> None:
        super().__init__(config, password)
        self.mailbox = config
        self.moved = False  # whether `done` moves (else it flags)

    def open(self) -> None:
        """Log in and select the folder; decide whether processed messages can be moved."""
        self._conn = self._connect()
        conn = self._conn
        config = self.mailbox
        try:
            typ, _data = conn.select(quoted(imap_utf7(config.folder)))
            if typ != "OK":
                raise DeliveryError(
                    f"map {config.folder!r} bestaat niet op {self.server}; zet replies.folder op "
                    "de map waarin de antwoorden binnenkomen (meestal INBOX)"
                )
            target = quoted(imap_utf7(config.processed_folder))
            typ, found = conn.list('""', target)
            exists = typ == "OK" and any(item for item in found if item)
            # The greeting's capabilities are those before login; ask again (RFC 3501 6.1.1).
            typ, caps = conn.capability()
            words = b" ".join(c for c in caps if isinstance(c, bytes)).upper().split()
            self.moved = exists and typ == "OK" and b"MOVE" in words
        except _ERRORS as exc:
            self.close()
            raise DeliveryError(f"{self.server}: {exc}", connection=True) from None

    def unprocessed(self) -> list[str]:
        """The UIDs of the messages not yet processed, oldest first, at most `max_messages`."""
        conn = self._require()
        try:
            typ, data = conn.uid("SEARCH", "UNDELETED", "UNKEYWORD", PROCESSED_FLAG)
        except _ERRORS as exc:
            raise DeliveryError(f"{self.server} weigert SEARCH: {exc}") from None
        if typ != "OK" or not data or not data[0]:
            return []
        uids = data[0].decode("ascii", "replace").split() if isinstance(data[0], bytes) else []
        return sorted((u for u in uids if u.isdigit()), key=int)[: self.mailbox.max_messages]

    def fetch(self, uid: str) -> bytes | None:
        """The message's bytes (not marked read); None when it is too large or gone."""
        conn = self._require()
        try:
            typ, data = conn.uid("FETCH", uid, "(RFC822.SIZE)")
            head = b" ".join(d if isinstance(d, bytes) else b"" for d in data or [])
            size = _SIZE.search(head)
            if typ != "OK" or size is None:
                return None
            if int(size.group(1)) > MAX_MESSAGE_BYTES:
                return None
            typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        except _ERRORS as exc:
            raise DeliveryError(f"{self.server} weigert FETCH: {exc}") from None
        for part in data or []:
            if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
                return part[1]
        return None

    def done(self, uid: str) -> str:
        """Mark a message processed: moved (returns the folder) or flagged (returns the flag)."""
        conn = self._require()
        try:
            if self.moved:
                folder = quoted(imap_utf7(self.mailbox.processed_folder))
                typ, _data = conn.uid("MOVE", uid, folder)
                if typ == "OK":
                    return self.mailbox.processed_folder
            typ, _data = conn.uid("STORE", uid, "+FLAGS", f"({PROCESSED_FLAG} \\Seen)")
        except _ERRORS as exc:
            raise DeliveryError(f"{self.server} weigert het markeren: {exc}") from None
        if typ != "OK":
            raise DeliveryError(f"{self.server} weigert het markeren van bericht {uid}")
        return PROCESSED_FLAG

    def _require(self) -> imaplib.IMAP4:
        if self._conn is None:
            raise DeliveryError("geen verbinding met de antwoordenmap")
        return self._conn
