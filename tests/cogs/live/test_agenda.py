"""The next program session for /live, from the configured or the delayed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Config
from cogs.live._agenda import next_session
from cogs.live._cog import relay_inputs_changed

NOON = datetime(2022, 12, 15, 3, 0, tzinfo=UTC)  # 12:00 KST


def test_next_session_from_the_config(base_config: Config) -> None:
    assert next_session(base_config, NOON, "ko") == (
        "강연: 오픈이노베이션, 무엇에 집중해야 하는가?",
        base_config.starts_at,
    )
    after_lecture = base_config.at(base_config.program[1].start) - timedelta(minutes=1)
    title, _start = next_session(base_config, after_lecture, "en") or ("", NOON)
    assert title.startswith("Talk concert")
    assert next_session(base_config, base_config.ends_at, "en") is None


def test_next_session_follows_delays(base_config: Config) -> None:
    delay = timedelta(minutes=20)
    times = {
        item.id: (base_config.at(item.start) + delay, base_config.at(item.end) + delay)
        for item in base_config.program
    }
    # Ten minutes past the lecture's planned start it has not started yet: still next, later.
    now = base_config.starts_at + timedelta(minutes=10)
    assert next_session(base_config, now, "en", times) == (
        "Lecture: Open innovation - what should we focus on?",
        base_config.starts_at + delay,
    )


def test_only_youtube_and_program_changes_restart_the_relay(base_config: Config) -> None:
    same = base_config.model_copy()
    assert not relay_inputs_changed(base_config, same)
    discord_only = base_config.model_copy(
        update={"discord": base_config.discord.model_copy(update={"locale": "en"})}
    )
    assert not relay_inputs_changed(base_config, discord_only)
    youtube = base_config.model_copy(
        update={"youtube": base_config.youtube.model_copy(update={"video_id": "abc"})}
    )
    assert relay_inputs_changed(base_config, youtube)
