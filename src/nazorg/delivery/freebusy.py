"""A holder's busy times from the CalDAV target (RFC 4791 §7.10 `free-busy-query`), as an option.

With `delivery.caldav.free_busy = true`, planning also avoids the busy times in the calendar the
target names for a leader (`{owner}` in its URL is the leader's address). A REPORT with a
`free-busy-query` over the days planned returns one VFREEBUSY whose FREEBUSY periods (BUSY,
BUSY-TENTATIVE, BUSY-UNAVAILABLE; not FREE) are the busy times. A calendar that cannot be read
gives no busy times and one log line: planning never fails because a calendar server is down.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from nazorg.delivery.base import DeliveryError
from nazorg.settings.delivery import OWNER, CaldavTarget

log = logging.getLogger(__name__)

_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
    '<C:time-range start="{start}" end="{end}"/></C:free-busy-query>'
)
_BUSY = ("BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_free_busy(data: bytes) -> list[tuple[datetime, datetime]]:
    """The busy periods of a free-busy answer, as aware UTC (start, end) pairs, sorted.

    A period is `start/end` or `start/duration` (RFC 5545 §3.3.9); FBTYPE FREE is left out.
    ValueError for an answer that is no calendar."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(data)
    busy: list[tuple[datetime, datetime]] = []
    for component in calendar.walk("VFREEBUSY"):
        periods = component.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            if str(period.params.get("FBTYPE", "BUSY")).upper() not in _BUSY:
                continue
            start, end = period.dt
            if isinstance(end, timedelta):
                end = start + end
            busy.append((start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(busy)


def busy_times(
    config: CaldavTarget, password: str | None, owner: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The busy periods between `start` and `end` in `owner`'s calendar at the CalDAV target;
    none (and a log line) when the calendar cannot be read."""
    from nazorg.delivery.caldav import CaldavClient

    url = config.url.replace(OWNER, owner)
    client = CaldavClient(config, password)
    body = _QUERY.format(start=_stamp(start), end=_stamp(end)).encode()
    try:
        status, reason, _, data = client.request(
            "REPORT", url, body, {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"}
        )
    except DeliveryError as exc:
        log.warning("vrij/bezet van %s niet gelezen: %s", url, exc)
        return []
    finally:
        client.close()
    if status != 200:
        log.warning("vrij/bezet van %s niet gelezen: %s %s", url, status, reason)
        return []
    try:
        return parse_free_busy(data)
    except ValueError as exc:
        log.warning("vrij/bezet van %s onleesbaar: %s", url, exc)
        return []
