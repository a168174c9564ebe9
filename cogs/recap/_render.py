"""What the recap says, as plain text and embed dicts: chapters, the replay, the report.

Pure functions of (records, catalog, locale). Viewers' questions are echoed verbatim but inert: one
line, markdown escaped, mass mentions broken, clipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from bot.config import Locale
from bot.services import StreamRecord
from bot.text import clip
from bot.timefmt import discord_ts, zone_label
from cogs.recap._chapters import ChapterList
from cogs.recap._report import Report, ViewerStats
from cogs.recap._timeline import DaySession

#: The report's attachments (hyphenated: never mistaken for catalog keys).
CHART_FILE = "viewer-chart.png"
VIEWERS_FILE = "viewer-samples.csv"
QUESTIONS_FILE = "questions-asked.csv"
MESSAGE_CHARS = 2000
FIELD_CHARS = 1024
QUESTION_CHARS = 150
COLOUR = 0x5865F2
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]])")
_MASS_MENTION = re.compile(r"@(everyone|here)")


class Translate(Protocol):
    def __call__(self, key: str, locale: str, /, **values: object) -> str: ...


def inert(text: str, limit: int = QUESTION_CHARS) -> str:
    """A viewer's text as one harmless line: markdown escaped, @everyone/@here broken, clipped."""
    line = clip(" ".join(text.split()), limit)
    return _MASS_MENTION.sub("@\u200b\\1", _MARKDOWN.sub(r"\\\1", line))


def lines_within(lines: Sequence[str], limit: int, more: str) -> str:
    """As many whole lines as fit in ``limit`` characters, then ``more`` (``{count}`` left out)."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        tail = more.format(count=len(lines) - index)
        if len("\n".join([*kept, line])) + (len(tail) + 1 if index + 1 < len(lines) else 0) > limit:
            kept.append(tail)
            break
        kept.append(line)
    return "\n".join(kept)


# -- chapters ------------------------------------------------------------------------------------------


def chapters_reply(chapters: ChapterList, t: Translate, locale: Locale) -> str:
    """The list in a code block, ready to copy, then what had to be adjusted."""
    body = chapters.text.replace("```", "'''")
    parts = [t("recap.chapters.header", locale), f"```\n{body}\n```"]
    if chapters.notes:
        parts.append(t("recap.chapters.notes_header", locale))
        parts += [
            t(f"recap.chapters.note.{note.kind}", locale, title=note.title, kept=note.kept)
            for note in chapters.notes
        ]
    return clip("\n".join(parts), MESSAGE_CHARS)


# -- the replay ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionLink:
    session_id: str
    title: str
    url: str


def session_links(
    record: StreamRecord, sessions: Sequence[DaySession], locale: Locale
) -> list[SessionLink]:
    """A link into the recording at each streamed session's actual start (whole seconds, down)."""
    if record.actual_start is None:
        return []
    links = []
    for session in sorted(sessions, key=lambda s: (s.start, s.index)):
        if session.skipped or (
            record.actual_end is not None and session.start >= record.actual_end
        ):
            continue
        seconds = max(0, math.floor((session.start - record.actual_start).total_seconds()))
        title = " ".join(session.title.get(locale).split())
        links.append(SessionLink(session.id, title, f"{record.link}?t={seconds}"))
    return links


def replay_text(
    record: StreamRecord,
    sessions: Sequence[DaySession],
    event_name: str,
    t: Translate,
    locale: Locale,
) -> str:
    """The replay post (and ``/replay`` once the recording is ready): the link and one per session.

    Only the main link unfurls: the session links are in angle brackets, which Discord does not
    preview, so the post shows one video instead of one per session."""
    head = t("recap.replay.ready", locale, event=event_name, link=record.link)
    links = session_links(record, sessions, locale)
    if not links:
        return clip(head, MESSAGE_CHARS)
    lines = [t("recap.replay.session_line", locale, title=s.title, link=s.url) for s in links]
    more = t("recap.report.more", locale, count="{count}")
    room = MESSAGE_CHARS - len(head) - len(t("recap.replay.sessions_header", locale)) - 2
    return "\n".join(
        [head, t("recap.replay.sessions_header", locale), lines_within(lines, room, more)]
    )


def replay_reply(
    record: StreamRecord | None,
    sessions: Sequence[DaySession],
    *,
    program_start: datetime,
    program_end: datetime,
    event_name: str,
    t: Translate,
    locale: Locale,
) -> str:
    """``/replay``: the recording once it is ready; before that, when the stream is or was."""
    if record is not None and record.replay_link is not None:
        return replay_text(record, sessions, event_name, t, locale)
    if record is None or record.actual_start is None:
        return t(
            "recap.replay.planned",
            locale,
            start_full=discord_ts(program_start, "F"),
            start_relative=discord_ts(program_start, "R"),
            end_time=discord_ts(program_end, "t"),
        )
    if record.actual_end is None:
        return t(
            "recap.replay.live",
            locale,
            since_full=discord_ts(record.actual_start, "F"),
            link=record.link,
        )
    key = (
        "recap.replay.unavailable"
        if record.recording == "unavailable"
        else "recap.replay.processing"
    )
    return t(
        key,
        locale,
        start_full=discord_ts(record.actual_start, "F"),
        end_time=discord_ts(record.actual_end, "t"),
    )


# -- the report ----------------------------------------------------------------------------------------


def _duration(value: timedelta, t: Translate, locale: Locale) -> str:
    hours, minutes = divmod(int(value.total_seconds() // 60), 60)
    if hours:
        return t("recap.report.duration.hours", locale, hours=hours, minutes=minutes)
    return t("recap.report.duration.minutes", locale, minutes=minutes)


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _viewers(stats: ViewerStats, tz: tzinfo, t: Translate, locale: Locale) -> str:
    if stats.peak is None or stats.peak_at is None:
        return t("recap.report.no_viewers", locale)
    return t(
        "recap.report.viewers",
        locale,
        peak=_count(stats.peak),
        peak_time=stats.peak_at.astimezone(tz).strftime("%H:%M"),
        average=_count(stats.average),
    )


def _stream_line(report: Report, tz: tzinfo, t: Translate, locale: Locale) -> str:
    stream = report.stream
    if stream is None:
        return t("recap.report.stream_none", locale)
    if stream.actual_start is None:
        return t("recap.report.stream_not_started", locale, link=stream.link)
    start = stream.actual_start.astimezone(tz)
    zone = zone_label(start, tz)
    if stream.actual_end is None or report.duration is None:
        return t("recap.report.stream_live", locale, start=start.strftime("%H:%M"), zone=zone)
    return t(
        "recap.report.stream",
        locale,
        start=start.strftime("%H:%M"),
        end=stream.actual_end.astimezone(tz).strftime("%H:%M"),
        zone=zone,
        duration=_duration(report.duration, t, locale),
        link=stream.link,
    )


def _session_lines(report: Report, tz: tzinfo, t: Translate, locale: Locale) -> list[str]:
    lines = []
    for item in report.sessions:
        session = item.session
        title = " ".join(session.title.get(locale).split())
        if session.skipped:
            lines.append(t("recap.report.session_skipped", locale, title=title))
            continue
        minutes = round(session.late_by.total_seconds() / 60)
        delay = t("recap.report.session_delay", locale, minutes=f"{minutes:+d}") if minutes else ""
        lines.append(
            t(
                "recap.report.session_line",
                locale,
                title=title,
                start=session.start.astimezone(tz).strftime("%H:%M:%S"),
                delay=delay,
                peak=_count(item.viewers.peak),
                average=_count(item.viewers.average),
            )
        )
    return lines


def report_embed(
    report: Report, *, event_name: str, tz: tzinfo, t: Translate, locale: Locale
) -> dict[str, Any]:
    """The report as one embed (within Discord's 6000 characters): a summary, then a field per part."""
    more = t("recap.report.more", locale, count="{count}")
    none = t("recap.report.none", locale)
    missing = t("recap.report.not_available", locale)
    description = "\n".join(
        [_stream_line(report, tz, t, locale), _viewers(report.viewers, tz, t, locale)]
    )
    fields: list[tuple[str, str]] = []
    fields.append(
        (
            t("recap.report.field.sessions", locale),
            lines_within(_session_lines(report, tz, t, locale), 900, more) or none,
        )
    )
    reminders = report.reminders
    fields.append(
        (
            t("recap.report.field.reminders", locale),
            missing
            if reminders is None
            else t(
                "recap.report.reminders",
                locale,
                sent=_count(reminders.sent),
                dm_sent=_count(reminders.dm_sent),
                role=_count(reminders.role_optins)
                if reminders.role_optins is not None
                else t("recap.report.unknown", locale),
                dm_optins=_count(reminders.dm_optins),
            ),
        )
    )
    questions = report.questions
    if questions is None:
        fields.append((t("recap.report.field.faq", locale), missing))
        fields.append((t("recap.report.field.ask", locale), missing))
    else:
        faq = [
            t(
                "recap.report.faq",
                locale,
                answered=_count(questions.faq_answered),
                suggested=_count(questions.faq_suggested),
                unanswered=_count(questions.faq_unanswered),
            )
        ]
        if questions.top_faq:
            faq.append(t("recap.report.faq_top_header", locale))
            faq += [
                t(
                    "recap.report.faq_top_line",
                    locale,
                    rank=rank,
                    question=inert(use.question.get(locale), 80),
                    uses=_count(use.uses),
                )
                for rank, use in enumerate(questions.top_faq[:5], start=1)
            ]
        fields.append((t("recap.report.field.faq", locale), lines_within(faq, 600, more)))
        unanswered = [
            t("recap.report.unanswered_line", locale, text=inert(u.text), asked=_count(u.asked))
            for u in questions.unanswered
        ]
        fields.append(
            (
                t("recap.report.field.unanswered", locale),
                lines_within(unanswered, FIELD_CHARS, more) or none,
            )
        )
        asked = [
            t(
                "recap.report.ask_line",
                locale,
                status=t(
                    "recap.report.ask_answered" if a.answered else "recap.report.ask_open", locale
                ),
                text=inert(a.text),
                votes=_count(a.votes),
            )
            for a in questions.asked
        ]
        fields.append(
            (t("recap.report.field.ask", locale), lines_within(asked, FIELD_CHARS, more) or none)
        )
    actions = [
        t("recap.report.action_item", locale, action=action, count=count)
        for action, count in report.actions
    ]
    fields.append(
        (t("recap.report.field.actions", locale), lines_within(actions, 400, more) or none)
    )
    return {
        "title": clip(t("recap.report.title", locale, event=event_name), 256),
        "description": description,
        "color": COLOUR,
        "fields": [{"name": name, "value": value, "inline": False} for name, value in fields],
        "image": {"url": f"attachment://{CHART_FILE}"},
    }
