"""Fill an FAQ answer's placeholders from the live program.

Placeholders (``{name}``) in answers, filled at answer time so a delay or a new event updates them:

========================================  ============================================================
``{event_name}`` ``{venue}``              from ``[event]``, in the asker's language
``{date}``                                the event day: ``2022년 12월 15일(목)`` / ``Thu 15 Dec 2022``
``{start}`` ``{end}``                     first start / last end as ``HH:MM`` in the event's time zone
``{start_ts}`` ``{end_ts}``               the same as Discord ``<t:UNIX:t>`` (each viewer's own zone)
``{stream_link}``                         where to watch (``youtube.stream_link``)
``{replay_link}``                         the recording once YouTube has it ready (the live relay
                                          says so), else the same as ``{stream_link}``
``{program}``                             one line per program item: ``• 13:00–13:50 (<t:…:t>) title``
``{start_<id>}`` ``{end_<id>}``           one program item's times, ``HH:MM``
``{start_<id>_ts}`` ``{end_<id>_ts}``     the same as Discord timestamps
``{title_<id>}``                          the item's title
========================================  ============================================================

``<id>`` is the program item's id with ``-`` written as ``_`` (a placeholder name must be one word):
``{start_talk_concert}`` for the item ``talk-concert``.

Only these names are replaced; anything else in braces (a moderator's ``{오타}`` or a lone ``{``) is
left exactly as written, so an answer can never fail to render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from bot.config import Config, FaqEntry, ProgramTimes
from bot.timefmt import discord_ts, hhmm

__all__ = [
    "ProgramTimes",
    "answer_values",
    "fill_placeholders",
    "format_hhmm",
    "placeholder_id",
    "render_answer",
    "unknown_placeholders",
]


_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
_ANY_BRACED = re.compile(r"\{([^{}\s]+)\}")
_WEEKDAYS_KO = "월화수목금토일"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NO_LINK = {"ko": "CCEI SAY 유튜브 채널", "en": "the CCEI SAY YouTube channel"}


def placeholder_id(item_id: str) -> str:
    """The placeholder form of a program id: ``talk-concert`` → ``talk_concert``."""
    return item_id.replace("-", "_")


def format_hhmm(moment: datetime, config: Config) -> str:
    """``HH:MM`` in the event's time zone (``moment`` must be aware)."""
    return hhmm(moment, config.tz)


def discord_time(moment: datetime) -> str:
    """``<t:UNIX:t>``: the time of day in each viewer's own zone."""
    return discord_ts(moment, "t")


def effective_times(
    config: Config, program_times: ProgramTimes | None
) -> dict[str, tuple[datetime, datetime]]:
    times = {item.id: (config.at(item.start), config.at(item.end)) for item in config.program}
    for item_id, (start, end) in (program_times or {}).items():
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError(f"program time for {item_id!r} must be timezone-aware")
        if item_id in times:
            times[item_id] = (start, end)
    return times


def _format_date(moment: datetime, locale: str) -> str:
    if locale == "ko":
        return f"{moment.year}년 {moment.month}월 {moment.day}일({_WEEKDAYS_KO[moment.weekday()]})"
    return f"{_WEEKDAYS_EN[moment.weekday()]} {moment.day} {_MONTHS_EN[moment.month - 1]} {moment.year}"


def answer_values(
    config: Config,
    locale: str,
    program_times: ProgramTimes | None = None,
    replay_link: str | None = None,
) -> dict[str, str]:
    """Every placeholder's value for ``locale`` (``"ko"`` or anything else for English);
    ``replay_link`` is the recording's link once it is ready."""
    lang = "ko" if locale == "ko" else "en"
    times = effective_times(config, program_times)
    ordered = [times[item.id] for item in config.program]
    first_start = min(start for start, _ in ordered)
    last_end = max(end for _, end in ordered)
    values = {
        "event_name": config.event.name.get(lang),
        "venue": config.event.venue.get(lang),
        "date": _format_date(first_start.astimezone(config.tz), lang),
        "start": format_hhmm(first_start, config),
        "end": format_hhmm(last_end, config),
        "start_ts": discord_time(first_start),
        "end_ts": discord_time(last_end),
        "stream_link": config.youtube.stream_link or _NO_LINK[lang],
    }
    values["replay_link"] = replay_link or values["stream_link"]
    lines = []
    for item in config.program:
        start, end = times[item.id]
        key = placeholder_id(item.id)
        title = item.title.get(lang)
        values[f"start_{key}"] = format_hhmm(start, config)
        values[f"end_{key}"] = format_hhmm(end, config)
        values[f"start_{key}_ts"] = discord_time(start)
        values[f"end_{key}_ts"] = discord_time(end)
        values[f"title_{key}"] = title
        lines.append(
            f"• {format_hhmm(start, config)}–{format_hhmm(end, config)} ({discord_time(start)}) {title}"
        )
    values["program"] = "\n".join(lines)
    return values


def fill_placeholders(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{name}`` for the names in ``values``; leave every other character as it is."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)


def render_answer(
    entry: FaqEntry,
    locale: str,
    config: Config,
    program_times: ProgramTimes | None = None,
    replay_link: str | None = None,
) -> str:
    """The entry's answer in ``locale`` with the live program's values filled in."""
    values = answer_values(config, locale, program_times, replay_link)
    return fill_placeholders(entry.answer.get(locale), values)


def unknown_placeholders(text: str, config: Config) -> set[str]:
    """Names in braces that would not be filled (to warn a moderator about a typo such as ``{strat}``)."""
    known = answer_values(config, "en")
    return {name for name in _ANY_BRACED.findall(text) if name not in known}
