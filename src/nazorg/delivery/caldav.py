"""CalDAV: keep one calendar object resource per conversation in a collection (RFC 4791).

- The resource is `<collection>/<uid>.ics` (the UID with every character outside
  `A-Z a-z 0-9 . _ -` replaced by `_`): the same conversation always lands on the same resource,
  so a new SEQUENCE replaces the event instead of adding one, and repeating a PUT is harmless.
- The body is the outbox's .ics made into a stored object: without the METHOD property (RFC 4791
  4.1 forbids it in a collection; it belongs to the iTIP message) and with
  `SCHEDULE-AGENT=CLIENT` on ORGANIZER and ATTENDEE (RFC 6638 7.1), so that a server with
  scheduling (Nextcloud, SOGo, ...) does not send invitations of its own: nazorg's drafts and
  iMIP mails are how attendees are invited. Everything else is unchanged; lines are refolded at
  75 octets.
- A CANCEL is stored as the cancelled event (STATUS:CANCELLED, the highest SEQUENCE), or, with
  `on_cancel = "delete"`, the resource is deleted (a missing resource counts as deleted).
- Only the newest version of a resource matters: an older version still waiting when a newer one
  exists is retired without being sent (see service.py), so an old state never overwrites a new.
- HTTP Basic authentication, over https (verified certificates) or, only to 127.0.0.1, http.
"""

from __future__ import annotations

import base64
import http.client
import re
from urllib.parse import quote, urlsplit

from nazorg.delivery.base import (
    DeliveryError,
    Item,
    Outcome,
    describe_network_error,
    tls_context,
)
from nazorg.settings.delivery import OWNER, CaldavTarget

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_SCHEDULED = ("ORGANIZER", "ATTENDEE")
_NETWORK_ERRORS = (OSError, EOFError, http.client.HTTPException)
_RETRY_ON_REUSE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


def resource_name(uid: str) -> str:
    return _UNSAFE.sub("_", uid) + ".ics"


def resource_url(collection: str, owner: str, uid: str) -> str:
    """Where the conversation `uid` lives; `{owner}` in the collection URL becomes the owner's
    address (percent-encoded, `@` kept)."""
    return collection.replace(OWNER, quote(owner, safe="@")) + resource_name(uid)


def calendar_object(ics: bytes) -> bytes:
    """The .ics of a version as a stored calendar object (see the module docstring)."""
    from nazorg.emission.render.invite import fold

    text = re.sub(r"\r\n[ \t]", "", ics.decode("utf-8"))
    lines = []
    for line in text.split("\r\n"):
        if not line:
            continue
        match = _NAME.match(line)
        name = match.group(0).upper() if match else ""
        if name == "METHOD":
            continue
        if name in _SCHEDULED and "SCHEDULE-AGENT=" not in line.split(":", 1)[0].upper():
            line = line[: len(name)] + ";SCHEDULE-AGENT=CLIENT" + line[len(name) :]
        lines.append(fold(line))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _body_text(body: bytes) -> str:
    text = re.sub(r"<[^>]*>", " ", body.decode("utf-8", "replace"))
    return " ".join(text.split())[:200]


class CaldavClient:
    def __init__(self, config: CaldavTarget, password: str | None) -> None:
        self.config = config
        self.password = password
        self._conn: http.client.HTTPConnection | None = None
        self._conn_key: tuple[str, str, int] | None = None
        self._headers = {"User-Agent": "nazorg"}
        if config.username:
            token = base64.b64encode(f"{config.username}:{password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        if self._conn is None or self._conn_key != key:
            self.close()
            if scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    host,
                    port,
                    timeout=self.config.timeout,
                    context=tls_context(self.config.ca_file, "caldav"),
                )
            else:
                self._conn = http.client.HTTPConnection(host, port, timeout=self.config.timeout)
            self._conn_key = key
        return self._conn

    def request(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, str, str | None, bytes]:
        """One request: (status, reason, ETag, body); DeliveryError when the server is not
        reached."""
        return self._request(method, url, body, headers)

    def _request(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, str, str | None, bytes]:
        parts = urlsplit(url)
        scheme = parts.scheme
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        server = f"CalDAV-server {host}:{port}"
        for attempt in (1, 2):
            reused = self._conn is not None and self._conn_key == (scheme, host, port)
            conn = self._connection(scheme, host, port)
            try:
                conn.request(method, parts.path, body=body, headers={**self._headers, **headers})
                response = conn.getresponse()
                data = response.read()
            except _RETRY_ON_REUSE as exc:
                self.close()
                if reused and attempt == 1:
                    continue  # the server closed an idle connection: PUT/DELETE are idempotent
                raise DeliveryError(describe_network_error(exc, server)) from None
            except _NETWORK_ERRORS as exc:
                self.close()
                refused = isinstance(exc, ConnectionRefusedError | TimeoutError) or (
                    isinstance(exc, OSError) and not isinstance(exc, ConnectionError)
                )
                raise DeliveryError(
                    describe_network_error(exc, server), connection=refused
                ) from None
            if response.will_close:
                self.close()
            return response.status, response.reason, response.getheader("ETag"), data
        raise AssertionError("unreachable")

    def deliver(self, item: Item) -> Outcome:
        url = item.destination
        delete = item.method == "CANCEL" and self.config.on_cancel == "delete"
        if delete:
            status, reason, etag, data = self._request("DELETE", url, None, {})
            ok = status in (200, 204, 404, 410)
        else:
            if item.ics is None:
                raise DeliveryError("geen .ics bij deze versie", permanent=True)
            status, reason, etag, data = self._request(
                "PUT",
                url,
                calendar_object(item.ics),
                {"Content-Type": "text/calendar; charset=utf-8"},
            )
            ok = status in (200, 201, 204)
        if ok:
            return Outcome(remote_id=etag)
        host = urlsplit(url).hostname
        if status == 401:
            raise DeliveryError(
                f"aanmelding{' als ' + self.config.username if self.config.username else ''} "
                f"geweigerd door CalDAV-server {host} (401); controleer username en het "
                "wachtwoord",
                connection=True,
            )
        collection = url.rsplit("/", 1)[0] + "/"
        if status == 403:
            message = f"geen schrijfrechten op {collection} (403)"
        elif status in (404, 409) and not delete:
            message = (
                f"agenda {collection} bestaat niet ({status}); maak hem aan of controleer "
                "delivery.caldav.url"
            )
        else:
            message = f"CalDAV-server {host} antwoordde {status} {reason}"
        detail = _body_text(data)
        raise DeliveryError(f"{message}: {detail}" if detail else message)

    def close(self) -> None:
        conn, self._conn, self._conn_key = self._conn, None, None
        if conn is not None:
            conn.close()
