from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.config import Config, FaqEntry
from bot.schema import validate
from cogs.faq._answers import (
    answer_values,
    fill_placeholders,
    placeholder_id,
    render_answer,
    unknown_placeholders,
)


def _entry(config: Config, entry_id: str) -> FaqEntry:
    return next(e for e in config.faq if e.id == entry_id)


def test_times_come_from_the_program(config: Config) -> None:
    values = answer_values(config, "ko")
    assert values["start"] == "13:00"
    assert values["end"] == "16:30"
    assert values["start_talk_concert"] == "14:00"
    assert (
        values["start_talk_concert_ts"]
        == f"<t:{int(config.at(config.program[1].start).timestamp())}:t>"
    )
    assert values["date"] == "2022년 12월 15일(목)"
    assert answer_values(config, "en")["date"] == "Thu 15 Dec 2022"
    assert "6층" in values["venue"]
    assert values["stream_link"].startswith("https://www.youtube.com/")


def test_a_delay_moves_the_times_in_answers(config: Config) -> None:
    delay = timedelta(minutes=20)
    times = {
        item.id: (config.at(item.start) + delay, config.at(item.end) + delay)
        for item in config.program
        if item.id != "lecture"  # the lecture already ran on time
    }
    text = render_answer(_entry(config, "talk-concert"), "ko", config, times)
    assert "14:20" in text
    assert "15:20" in text
    assert "14:00" not in text
    when = render_answer(_entry(config, "when"), "en", config, times)
    assert "13:00" in when  # the lecture was not moved
    assert "16:50" in when
    program = render_answer(_entry(config, "program"), "en", config, times)
    assert "• 13:00–13:50" in program
    assert "• 14:20–15:20" in program


def test_program_times_must_be_aware(config: Config) -> None:
    naive = config.at(config.program[0].start).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        answer_values(config, "ko", {"lecture": (naive, naive)})


def test_unknown_ids_in_program_times_are_ignored(config: Config) -> None:
    start = config.at(config.program[0].start)
    assert answer_values(config, "ko", {"nope": (start, start)})["start"] == "13:00"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{", "{"),
        ("}", "}"),
        ("{}", "{}"),
        ("{{start}}", "{13:00}"),
        ("{0}", "{0}"),
        ("{start!r}", "{start!r}"),
        ("{start:>10}", "{start:>10}"),
        ("{오타}", "{오타}"),
        ("{unknown_name}", "{unknown_name}"),
        ("a {start", "a {start"),
    ],
)
def test_stray_braces_never_crash(config: Config, template: str, expected: str) -> None:
    assert fill_placeholders(template, answer_values(config, "ko")) == expected


def test_moderator_answer_with_odd_braces_renders(config: Config) -> None:
    entry = validate(
        FaqEntry,
        {
            "id": "odd",
            "question": {"ko": "질문", "en": "Question"},
            "answer": {"ko": "{start} 시작 {오타} {", "en": "starts {start} {typo} }"},
        },
    )
    assert render_answer(entry, "ko", config) == "13:00 시작 {오타} {"
    assert render_answer(entry, "en", config) == "starts 13:00 {typo} }"
    assert unknown_placeholders(entry.answer.en, config) == {"typo"}


def test_every_default_answer_fills_all_its_placeholders(config: Config) -> None:
    for entry in config.faq:
        for locale in ("ko", "en"):
            assert not unknown_placeholders(entry.answer.get(locale), config), entry.id
            assert "{" not in render_answer(entry, locale, config), (entry.id, locale)


def test_placeholder_id() -> None:
    assert placeholder_id("talk-concert") == "talk_concert"
    assert placeholder_id("lecture") == "lecture"


def test_missing_stream_link_reads_naturally(config: Config) -> None:
    bare = dataclasses.replace(config, youtube=dataclasses.replace(config.youtube, channel=""))
    assert answer_values(bare, "ko")["stream_link"] == "CCEI SAY 유튜브 채널"


def test_the_replay_link_is_the_recording_once_ready_else_the_stream(config: Config) -> None:
    replay = _entry(config, "replay")
    stream = answer_values(config, "ko")["stream_link"]
    assert answer_values(config, "ko")["replay_link"] == stream
    before = render_answer(replay, "ko", config)
    assert f"'CCEI SAY' 채널에서 다시보기로 볼 수 있어요: {stream}\n" in before
    after = render_answer(replay, "en", config, replay_link="https://youtu.be/ccei2022live")
    assert after == (
        "Once the stream is over and YouTube has processed the recording, the replay is on the "
        "'CCEI SAY' channel: https://youtu.be/ccei2022live\nWe will post it here when it is up, "
        "and `/replay` gives you a link to each session."
    )
    assert unknown_placeholders("{replay_link} {replay}", config) == {"replay"}
