"""/schedule's agenda is rendered once per state (language, current and next session, sessions
ended) and anew when time, the program or the texts change."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import default_config_path, load_config
from bot.i18n import Catalog
from bot.program import effective_program
from cogs.schedule._render import AgendaCache, ScheduleTexts

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 12, 15, hour, minute, tzinfo=SEOUL)


def test_agenda_rendered_once_per_state_and_anew_when_time_program_or_texts_change() -> None:
    config = load_config(default_config_path())
    catalog = Catalog.load()
    texts = ScheduleTexts(config, catalog.t)
    sessions = tuple(effective_program(config))
    cache = AgendaCache()

    at = seoul(13, 30)  # the lecture is on, the talk concert is next
    first = cache.agenda(texts, sessions, at, "ko")
    assert first == texts.agenda(sessions, at, "ko")
    assert cache.agenda(texts, sessions, at + timedelta(minutes=5), "ko") is first
    english = cache.agenda(texts, sessions, at, "en")
    assert english == texts.agenda(sessions, at, "en") != first

    later = seoul(13, 55)  # the lecture has ended, the talk concert is next
    between = cache.agenda(texts, sessions, later, "ko")
    assert between == texts.agenda(sessions, later, "ko") != first
    assert "✔️" in between.description

    # A delay is a new program: the agenda follows it at once.
    moved = tuple(
        dataclasses.replace(
            s, start=s.start + timedelta(minutes=15), end=s.end + timedelta(minutes=15)
        )
        if s.start > later
        else s
        for s in sessions
    )
    delayed = cache.agenda(texts, moved, later, "ko")
    assert delayed == texts.agenda(moved, later, "ko") != between
    assert "14:15" in delayed.description

    # A reloaded config gives new texts: the agenda follows them too.
    venue = dataclasses.replace(config.event.venue, ko="새 장소")
    reloaded = ScheduleTexts(
        dataclasses.replace(config, event=dataclasses.replace(config.event, venue=venue)),
        catalog.t,
    )
    assert "새 장소" in cache.agenda(reloaded, moved, later, "ko").description
