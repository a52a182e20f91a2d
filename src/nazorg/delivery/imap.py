"""IMAP: put each draft in a drafts folder (RFC 3501 APPEND), flagged `\\Draft` and `\\Seen`.

- TLS from the first byte (port 993) or STARTTLS (port 143); never a password over plain text.
  Certificates are verified (system store, plus `ca_file`).
- The message is the outbox's .eml byte for byte; its internal date is the version's DTSTAMP.
- Never twice: when an earlier attempt may have reached the server (a dropped connection, a
  crash after APPEND), the folder is searched for the draft's Message-ID first and a found draft
  counts as delivered.
- The folder is not created when it is missing (a typo would create a stray folder): the error
  names the setting instead. Names outside ASCII are sent in modified UTF-7 (RFC 3501 5.1.3).
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re

from nazorg.delivery.base import (
    DeliveryError,
    Item,
    Outcome,
    describe_network_error,
    tls_context,
)
from nazorg.settings.delivery import ImapTarget

FLAGS = r"(\Seen \Draft)"
_APPENDUID = re.compile(rb"\[(APPENDUID [0-9]+ [0-9]+)\]")
_NETWORK_ERRORS = (OSError, EOFError, imaplib.IMAP4.abort)


def imap_utf7(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7: printable ASCII as is (`&` as `&-`), anything
    else as `&<base64 of UTF-16BE with , for />-`."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def quoted(text: str) -> str:
    """An IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: object) -> str:
    """The server's response text (imaplib gives lists of bytes)."""
    if isinstance(data, list | tuple):
        parts = [_text(d) for d in data if d is not None]
        return " ".join(p for p in parts if p)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace").strip()
    return str(data).strip()


class ImapClient:
    def __init__(self, config: ImapTarget, password: str | None) -> None:
        self.config = config
        self.password = password or ""
        self.server = f"IMAP-server {config.host}:{config.effective_port}"
        self._conn: imaplib.IMAP4 | None = None

    def _connect(self) -> imaplib.IMAP4:
        config = self.config
        context = tls_context(config.ca_file, "imap")
        try:
            conn: imaplib.IMAP4
            if config.security == "tls":
                conn = imaplib.IMAP4_SSL(
                    config.host, config.effective_port, ssl_context=context, timeout=config.timeout
                )
            else:
                conn = imaplib.IMAP4(config.host, config.effective_port, timeout=config.timeout)
                if "STARTTLS" not in conn.capabilities:
                    conn.shutdown()
                    raise DeliveryError(
                        f'{self.server} biedt geen STARTTLS; kies security = "tls" '
                        "(poort 993) of vraag de beheerder STARTTLS aan te zetten",
                        connection=True,
                    )
                conn.starttls(ssl_context=context)
        except DeliveryError:
            raise
        except (*_NETWORK_ERRORS, imaplib.IMAP4.error) as exc:
            raise DeliveryError(describe_network_error(exc, self.server), connection=True) from None
        try:
            conn.login(config.username, self.password)
        except imaplib.IMAP4.abort as exc:
            raise DeliveryError(describe_network_error(exc, self.server), connection=True) from None
        except imaplib.IMAP4.error as exc:
            self._shutdown(conn)
            raise DeliveryError(
                f"aanmelding als {config.username} geweigerd door {self.server} "
                f"({_text(exc.args)}); controleer username en het wachtwoord",
                connection=True,
            ) from None
        except _NETWORK_ERRORS as exc:
            raise DeliveryError(describe_network_error(exc, self.server), connection=True) from None
        return conn

    @staticmethod
    def _shutdown(conn: imaplib.IMAP4) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.shutdown()

    def deliver(self, item: Item) -> Outcome:
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        folder = quoted(imap_utf7(item.destination))
        try:
            if not item.first_attempt:
                found = self._find(conn, folder, item.message_id)
                if found:
                    return Outcome(note="stond al in de map (Message-ID gevonden)")
            typ, data = conn.append(
                folder, FLAGS, imaplib.Time2Internaldate(item.dtstamp), item.eml
            )
        except DeliveryError:
            raise
        except (*_NETWORK_ERRORS, imaplib.IMAP4.error) as exc:
            self.close()
            message = (
                describe_network_error(exc, self.server)
                if isinstance(exc, _NETWORK_ERRORS)
                else f"{self.server} weigert APPEND: {_text(exc.args)}"
            )
            raise DeliveryError(message) from None
        if typ != "OK":
            text = _text(data)
            if "TRYCREATE" in text.upper() or "NONEXISTENT" in text.upper():
                raise DeliveryError(
                    f"map {item.destination!r} bestaat niet op {self.server}; maak hem aan of "
                    "zet delivery.imap.folder op de naam van de conceptenmap"
                )
            raise DeliveryError(f"{self.server} weigert APPEND naar {item.destination!r}: {text}")
        found_uid = _APPENDUID.search(data[0] if data and isinstance(data[0], bytes) else b"")
        return Outcome(remote_id=found_uid.group(1).decode("ascii") if found_uid else None)

    def _find(self, conn: imaplib.IMAP4, folder: str, message_id: str) -> bool:
        """Whether the folder holds a message with this Message-ID (read-only EXAMINE)."""
        typ, _data = conn.select(folder, readonly=True)
        if typ != "OK":
            return False  # APPEND will say what is wrong with the folder
        try:
            typ, data = conn.search(None, "HEADER", "Message-ID", quoted(f"<{message_id}>"))
        finally:
            conn.close()
        return typ == "OK" and bool(data and data[0] and data[0].split())

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.logout()
        except (*_NETWORK_ERRORS, imaplib.IMAP4.error):
            self._shutdown(conn)
