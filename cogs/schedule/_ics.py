"""An RFC 5545 calendar of the program, written by hand (no dependency at run time).

Times are written in UTC ("Z" form) so no VTIMEZONE block is needed and every calendar app places
the sessions right whatever its own zone. Lines end in CRLF and are folded at 75 octets without
splitting a UTF-8 sequence (Korean titles are 3 octets a character).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bot.config import Config, Locale
from bot.program import Session

PRODID = "-//CCEI Companion//Program schedule//KO"
DEFAULT_UID_DOMAIN = "ccei-companion.invalid"
_MAX_OCTETS = 75


def escape_text(value: str) -> str:
    r"""Escape a TEXT value (RFC 5545 §3.3.11): ``\`` ``;`` ``,`` and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line into CRLF-joined chunks of at most 75 octets (§3.1)."""
    chunks: list[str] = []
    current = ""
    current_octets = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if current_octets + size > _MAX_OCTETS:
            chunks.append(current)
            # A continuation line starts with one space, which counts toward its 75 octets.
            current, current_octets = " ", 1
        current += char
        current_octets += size
    chunks.append(current)
    return "\r\n".join(chunks)


def _utc_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _session_description(session: Session, locale: Locale, stream_link: str) -> str:
    parts: list[str] = []
    if session.speakers is not None:
        parts.append(session.speakers.get(locale))
    if session.description is not None:
        parts.append(session.description.get(locale))
    if stream_link:
        parts.append(stream_link)
    return "\n".join(parts)


def _lines(
    config: Config,
    sessions: Sequence[Session],
    *,
    now: datetime,
    version: int,
    locale: Locale,
    domain: str,
) -> Iterable[str]:
    stream_link = config.youtube.stream_link
    name = config.event.name.get(locale)
    yield "BEGIN:VCALENDAR"
    yield f"PRODID:{PRODID}"
    yield "VERSION:2.0"
    yield "CALSCALE:GREGORIAN"
    yield "METHOD:PUBLISH"
    yield f"NAME:{escape_text(name)}"
    yield f"X-WR-CALNAME:{escape_text(name)}"
    for session in sessions:
        yield "BEGIN:VEVENT"
        # Stable across downloads and delays, so re-importing updates instead of duplicating.
        yield f"UID:{session.id}-{config.event.date:%Y%m%d}@{domain}"
        yield f"DTSTAMP:{_utc_stamp(now)}"
        yield f"SEQUENCE:{max(version, 0)}"
        yield f"DTSTART:{_utc_stamp(session.start)}"
        yield f"DTEND:{_utc_stamp(session.end)}"
        yield f"SUMMARY:{escape_text(session.title.get(locale))}"
        description = _session_description(session, locale, stream_link)
        if description:
            yield f"DESCRIPTION:{escape_text(description)}"
        yield f"LOCATION:{escape_text(config.event.venue.get(locale))}"
        if stream_link:
            yield f"URL:{stream_link}"
        yield "STATUS:CONFIRMED"
        yield "TRANSP:OPAQUE"
        yield "END:VEVENT"
    yield "END:VCALENDAR"


def program_ics(
    config: Config,
    sessions: Sequence[Session],
    *,
    now: datetime,
    version: int = 1,
    locale: Locale = "ko",
    domain: str = DEFAULT_UID_DOMAIN,
) -> str:
    """The program as an iCalendar document (CRLF line endings, folded)."""
    lines = _lines(config, sessions, now=now, version=version, locale=locale, domain=domain)
    return "".join(fold(line) + "\r\n" for line in lines)


def program_ics_bytes(
    config: Config,
    sessions: Sequence[Session],
    *,
    now: datetime,
    version: int = 1,
    locale: Locale = "ko",
    domain: str = DEFAULT_UID_DOMAIN,
) -> bytes:
    text = program_ics(config, sessions, now=now, version=version, locale=locale, domain=domain)
    return text.encode("utf-8")


def ics_filename(config: Config) -> str:
    return f"ccei-program-{config.event.date:%Y%m%d}.ics"
