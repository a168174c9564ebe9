"""The report's CSV attachments: viewer samples and questions, for the organisers' own analysis.

UTF-8 with a byte-order mark (Excel, which most organisers open CSVs with, reads Korean correctly
only then; Python's ``utf-8-sig`` and every other reader skip it) and a header row, also when there
are no rows. A cell of viewers' text that starts like a formula gets a leading apostrophe, so a
spreadsheet shows it instead of running it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, tzinfo

from bot.config import Locale
from bot.services import QuestionRecord, ViewerCount
from cogs.recap._report import SessionReport

VIEWERS_HEADER = ("time_utc", "time_local", "viewers", "session_id", "session_title")
QUESTIONS_HEADER = ("kind", "text", "times_asked", "votes", "answered", "asked_at_utc")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _encode(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def viewers_csv(
    samples: Sequence[ViewerCount], sessions: Sequence[SessionReport], tz: tzinfo, locale: Locale
) -> bytes:
    """One row per sample, with the session whose range it falls in (empty between sessions)."""

    def session_of(sample: ViewerCount) -> tuple[str, str]:
        for report in sessions:
            if report.session.start <= sample.at < report.until:
                return report.session.id, report.session.title.get(locale)
        return "", ""

    rows = []
    for sample in samples:
        session_id, title = session_of(sample)
        rows.append(
            (
                sample.at.astimezone(UTC).isoformat(timespec="seconds"),
                sample.at.astimezone(tz).isoformat(timespec="seconds"),
                sample.viewers,
                session_id,
                title,
            )
        )
    return _encode(VIEWERS_HEADER, rows)


def questions_csv(record: QuestionRecord | None) -> bytes:
    """Unanswered FAQ questions (``faq_unanswered``) and ``/ask`` questions (``ask``), verbatim."""
    rows: list[Sequence[object]] = []
    if record is not None:
        for item in record.unanswered:
            rows.append(("faq_unanswered", _inert(item.text), item.asked, "", "no", ""))
        for asked in record.asked:
            rows.append(
                (
                    "ask",
                    _inert(asked.text),
                    1,
                    asked.votes,
                    "yes" if asked.answered else "no",
                    asked.asked_at.astimezone(UTC).isoformat(timespec="seconds"),
                )
            )
    return _encode(QUESTIONS_HEADER, rows)
