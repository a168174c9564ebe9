"""``/live`` in Korean and English; the relay without an API key; a config reload."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.clock import ScaledClock
from bot.config import Config
from bot.program import Session, effective_program
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.run import standin_settings
from bot.rehearsal.youtube_standin import YouTubeStandIn
from bot.settings import Settings
from tests.cogs.live.conftest import (
    KEY,
    LINK,
    TITLE,
    VIDEO,
    WAIT,
    LiveLauncher,
    ask_live,
    polls,
    relay_of,
)
from tests.conftest import Launcher


async def test_live_command_for_nothing_upcoming_and_live_in_both_languages(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    clock: ScaledClock,
    live_config: Config,
) -> None:
    relay = relay_of(await start_live())
    await polls(youtube, 1, method="feed")

    def recorded(flag: str) -> Callable[[], bool]:
        """The relay has recorded the post (it answers /live from its record, not Discord)."""
        return lambda: getattr(relay.broadcasts.get(VIDEO), flag, False)

    # Nothing on YouTube: say so, and when the next program session starts.
    lecture = int(live_config.starts_at.timestamp())
    ko = await ask_live(standin, "ko")
    assert "예정된 방송도 아직 없어요" in ko
    assert "강연: 오픈이노베이션, 무엇에 집중해야 하는가?" in ko
    assert f"<t:{lecture}:F>" in ko
    assert "https://www.youtube.com/@CCEISAY/live" in ko
    en = await ask_live(standin, "en-US")
    assert "Nothing is live right now" in en
    assert "Lecture: Open innovation - what should we focus on?" in en
    assert f"<t:{lecture}:R>" in en

    # Scheduled.
    scheduled = clock.now() + timedelta(minutes=30)
    youtube.schedule(VIDEO, TITLE, scheduled)
    cursor = standin.cursor()
    await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    await youtube.wait_until(recorded("upcoming_announced"), within=WAIT)
    unix = int(scheduled.timestamp())
    ko = await ask_live(standin, "ko")
    assert "다음 생중계" in ko
    assert TITLE in ko
    assert f"<t:{unix}:F>" in ko
    en = await ask_live(standin, "en-GB")
    assert "Next live stream" in en
    assert f"<t:{unix}:R>" in en
    assert LINK in en

    # Live, with the viewer count.
    cursor = standin.cursor()
    youtube.go_live(VIDEO)
    youtube.set_viewers(VIDEO, 1234)
    await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    await youtube.wait_until(recorded("live_announced"), within=WAIT)
    ko = await ask_live(standin, "ko")
    assert "지금 생중계 중이에요" in ko
    assert "1,234명" in ko
    assert LINK in ko
    en = await ask_live(standin, "en-US")
    assert "Live now" in en
    assert "1,234 watching" in en


async def test_live_command_names_the_next_session_after_the_schedules_delays(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    live_config: Config,
) -> None:
    running = await start_live()
    await polls(youtube, 1, method="feed")
    delay = timedelta(minutes=20)

    class DelayedSchedule:
        failing = False

        async def sessions(self) -> list[Session]:
            if self.failing:
                raise RuntimeError("database is locked (test)")
            return [
                dataclasses.replace(s, start=s.start + delay, end=s.end + delay)
                for s in effective_program(live_config)
            ]

    schedule = DelayedSchedule()
    running.bot.services.use_program(schedule)
    delayed = int((live_config.starts_at + delay).timestamp())
    assert f"<t:{delayed}:F>" in await ask_live(standin, "en-US")
    # The schedule cannot answer: /live still names the session, at its configured time.
    schedule.failing = True
    text = await ask_live(standin, "en-US")
    assert "Lecture: Open innovation" in text
    assert f"<t:{int(live_config.starts_at.timestamp())}:F>" in text


async def test_without_an_api_key_the_relay_is_off_and_the_bot_works(
    launch: Launcher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    clock: ScaledClock,
    live_config: Config,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = standin_settings(
        standin,
        Settings(youtube_api_base=youtube.api_base, youtube_feed_base=youtube.feed_base),
    )
    running = await launch(
        config=live_config,
        clock=clock,
        settings=settings,
        extensions=["cogs.about", "cogs.admin", "cogs.live"],
    )
    ko = await ask_live(standin, "ko")
    assert "꺼져 있어요" in ko
    assert "강연" in ko  # the next session is still useful
    assert "is off" in await ask_live(standin, "en-US")

    handle = await standin.slash("owner", name="admin", subcommand="status", locale="en-US")
    assert "not configured" in message_text((await handle.response())["data"])
    about = await standin.slash("member", name="about", locale="en-US")
    assert "Pangyo" in message_text((await about.response())["data"])

    warnings = [r for r in caplog.records if "live relay is off" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "YOUTUBE_API_KEY" in warnings[0].getMessage()
    assert relay_of(running).status().mode == "not_configured"
    assert youtube.api_calls == youtube.feed_calls == 0
    assert standin.messages("announce") == []


async def test_a_reload_that_changes_youtube_restarts_the_relay(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    clock: ScaledClock,
    live_config: Config,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A stream on another channel: not in the watched feed, found only through youtube.video_id.
    other = youtube.add_channel("UCotherChannel0000000000", "@other", "Other")
    youtube.schedule("guestStream", "Guest stream", clock.now(), channel_id=other.channel_id)
    youtube.go_live("guestStream")
    running = await start_live()
    services = running.bot.services
    relay = relay_of(running)
    await polls(youtube, 2, method="feed")

    # A reload that leaves [youtube] and the program alone keeps the running relay.
    services.config = dataclasses.replace(live_config)
    running.bot.dispatch("config_reloaded", live_config, services.config)
    await polls(youtube, 1, method="feed")
    assert relay_of(running) is relay
    assert standin.messages("announce") == []

    new = dataclasses.replace(
        live_config, youtube=dataclasses.replace(live_config.youtube, video_id="guestStream")
    )
    cursor = standin.cursor()
    services.config = new
    running.bot.dispatch("config_reloaded", live_config, new)
    posted = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    assert "guestStream" in posted["content"]
    assert relay_of(running) is not relay
    assert relay.status().mode == "stopped"
    handle = await standin.slash("owner", name="admin", subcommand="status", locale="en-US")
    assert "polling fast" in message_text((await handle.response())["data"])
    assert KEY not in caplog.text
