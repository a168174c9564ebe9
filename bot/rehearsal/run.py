"""``ccei-bot rehearse``: the real bot against the built-in Discord stand-in, the day compressed.

Organisers see exactly what viewers will get, without a token: every message the bot posts (or edits)
is printed with its event time. The program runs ``speed`` times faster than real time, starting a few
real seconds before the first reminder is due. The stream's recording becomes available a few
minutes after the end; the day closes with the replay post, the organisers' report (10 minutes after
the end) and the chapter list a moderator gets from ``/admin chapters``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import Clock, ScaledClock
from bot.config import Config, DiscordSection, YouTubeSection
from bot.core import CompanionBot
from bot.lifecycle import build_services, start_bot, stop_bot
from bot.rehearsal.discord_standin import Cursor, DiscordStandIn, MessageEvent, message_text
from bot.rehearsal.youtube_standin import DEFAULT_HANDLE, YouTubeStandIn, play_stream
from bot.settings import SecretStr, Settings

log = logging.getLogger(__name__)

#: Real seconds between starting the rehearsal and the first reminder.
LEAD_SECONDS = 5.0
#: Event time kept after the program ends, so the closing posts are seen: the recording is
#: available RECORDING_AFTER the end, the relay sees it within a poll_idle, the report comes 10
#: minutes after the end.
TAIL = timedelta(minutes=15)
RECORDING_AFTER = timedelta(minutes=3)
#: Real seconds the rehearsal waits after its tail for the closing posts (drawing the report's
#: chart takes real time, which is many event minutes at high speeds).
CLOSING_WAIT = 30.0
EPHEMERAL = 1 << 6


def standin_config(config: Config, standin: DiscordStandIn) -> Config:
    """The same event, with the stand-in's server, channels and roles in ``[discord]``."""
    section = DiscordSection(
        guild_id=standin.guild_id,
        announce_channel_id=standin.channels["announce"],
        qna_channel_id=standin.channels["qna"],
        audit_channel_id=standin.channels["audit"],
        reminder_role_id=standin.roles["reminder"],
        moderator_role_id=standin.roles["moderator"],
        locale=config.discord.locale,
        auto_answer_channel_ids=config.discord.auto_answer_channel_ids,
        auto_answer_cooldown=config.discord.auto_answer_cooldown,
    )
    return dataclasses.replace(config, discord=section)


def standin_settings(standin: DiscordStandIn, base: Settings | None = None) -> Settings:
    """``base`` (default settings) with Discord pointed at the stand-in."""
    return dataclasses.replace(
        base or Settings(),
        discord_token=SecretStr(standin.token),
        discord_api_base=standin.rest_base,
        discord_gateway_url=standin.gateway_url,
    )


@dataclass
class StandInBot:
    """A started bot connected to a stand-in; ``stop()`` shuts it down like SIGTERM would."""

    bot: CompanionBot
    task: asyncio.Task[None]
    stopped: bool = field(default=False)

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            await stop_bot(self.bot, self.task)


async def start_against_standin(
    standin: DiscordStandIn,
    config: Config,
    *,
    data_dir: Path,
    clock: Clock | None = None,
    settings: Settings | None = None,
    extensions: Sequence[str] | None = None,
    ready_timeout: float = 10.0,
) -> StandInBot:
    """Build the services and start the real bot against ``standin``; returns once it is ready,
    has loaded its features and synced its commands."""
    services = await build_services(
        config, settings or standin_settings(standin), clock=clock, data_dir=data_dir
    )
    bot, task = await start_bot(
        services,
        standin.token,
        extensions=extensions,
        guild_ready_timeout=0.05,
        reidentify_delay=0.0,
    )
    ready = asyncio.ensure_future(bot.wait_until_ready())
    done, _ = await asyncio.wait(
        {ready, task}, timeout=ready_timeout, return_when="FIRST_COMPLETED"
    )
    if ready not in done:
        ready.cancel()
        await stop_bot(bot, task)
        if task in done and task.exception() is not None:
            raise RuntimeError("the bot stopped before it was ready") from task.exception()
        raise TimeoutError("the bot did not become ready against the stand-in")
    if bot.startup is not None:
        # The features load and the commands are synced after READY: a viewer can use them
        # once this is done.
        await asyncio.wait_for(asyncio.shield(bot.startup), ready_timeout)
    return StandInBot(bot, task)


def _youtube_standin(config: Config, clock: Clock) -> YouTubeStandIn:
    """A local YouTube whose channel is the configured one (handle or id)."""
    channel = config.youtube.channel
    if channel.startswith("UC"):
        return YouTubeStandIn(clock=clock, channel_id=channel)
    return YouTubeStandIn(clock=clock, handle=channel or DEFAULT_HANDLE)


#: The fastest the relay polls in a rehearsal, in real seconds: at high speeds the configured 10 s of
#: event time would be a few milliseconds, and the polling would starve everything else.
MIN_REAL_POLL_SECONDS = 0.25


def _rehearsal_youtube(section: YouTubeSection, speed: float) -> YouTubeSection:
    poll_active = max(section.poll_active, timedelta(seconds=MIN_REAL_POLL_SECONDS * speed))
    return dataclasses.replace(
        section,
        channel=section.channel or ("" if section.video_id else DEFAULT_HANDLE),
        poll_active=poll_active,
        poll_idle=max(section.poll_idle, poll_active),
    )


def rehearsal_clock(
    config: Config, speed: float, *, lead_seconds: float = LEAD_SECONDS
) -> ScaledClock:
    """Event time that reaches the first reminder ``lead_seconds`` real seconds from now."""
    first_due = config.starts_at - max(config.reminders.before, default=timedelta(0))
    return ScaledClock(first_due - timedelta(seconds=lead_seconds * speed), speed)


#: Event time between two printed edits of the same message (the live post's viewer count changes
#: every poll; the transcript shows how it evolves without a line per poll).
EDIT_PRINT_INTERVAL = timedelta(minutes=15)


@contextlib.asynccontextmanager
async def _printing(
    standin: DiscordStandIn, clock: Clock, config: Config, out: TextIO
) -> AsyncIterator[None]:
    last_edit_printed: dict[int, datetime] = {}

    def show(event: MessageEvent) -> None:
        # A private reply is printed by whoever asked for it (the chapters, at the end).
        if event.kind == "delete" or int(event.message.get("flags") or 0) & EPHEMERAL:
            return
        now = clock.now()
        if event.kind == "edit":
            previous = last_edit_printed.get(event.message_id)
            final = "종료" in str(event.message.get("content", "")) or "ended" in str(
                event.message.get("content", "")
            )
            if previous is not None and now - previous < EDIT_PRINT_INTERVAL and not final:
                return
            last_edit_printed[event.message_id] = now
        stamp = now.astimezone(config.tz).strftime("%H:%M:%S")
        marker = "" if event.kind == "create" else " (edited)"
        out.write(f"[{stamp}]{marker} {standin.describe(event.message)}\n")
        out.flush()

    unsubscribe = standin.subscribe(show)
    try:
        yield
    finally:
        unsubscribe()


async def _close_the_day(
    standin: DiscordStandIn,
    clock: Clock,
    config: Config,
    out: TextIO,
    *,
    since: Cursor,
    wait: float,
) -> None:
    """Wait for the replay post and the report, then print the chapters a moderator would copy."""
    for channel, seen in (
        ("announce", lambda m: "youtu.be/" in str(m.get("content", ""))),
        ("audit", lambda m: any(a["filename"].endswith(".png") for a in m["attachments"])),
    ):
        try:
            await standin.wait_for_message(channel, predicate=seen, after=since, timeout=wait)
        except TimeoutError:
            out.write(f"(no closing post in #{channel} within {wait:g} s)\n")
    handle = await standin.slash(
        "moderator", name="admin", subcommand="chapters", locale=config.discord.locale
    )
    reply = message_text((await handle.response())["data"])
    stamp = clock.now().astimezone(config.tz).strftime("%H:%M:%S")
    out.write(f"[{stamp}] /admin chapters (moderator, private):\n")
    out.write("".join(f"    {line}\n" for line in reply.splitlines()))
    out.flush()


async def rehearse(
    config: Config,
    *,
    speed: float = 60.0,
    duration: float | None = None,
    out: TextIO = sys.stdout,
    data_dir: Path | None = None,
    lead_seconds: float = LEAD_SECONDS,
) -> int:
    clock = rehearsal_clock(config, speed, lead_seconds=lead_seconds)
    end = config.ends_at + TAIL
    real_duration = (
        duration if duration is not None else (end - clock.now()).total_seconds() / speed
    )
    out.write(
        f"Rehearsal: {config.event.name.ko} at {speed:g}x speed against the local Discord stand-in "
        f"(~{real_duration:.0f} s). Press Ctrl+C to stop.\n"
    )
    with contextlib.ExitStack() as stack:
        directory = data_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        async with (
            DiscordStandIn() as standin,
            _youtube_standin(config, clock) as youtube,
        ):
            rehearsal = standin_config(config, standin)
            rehearsal = dataclasses.replace(
                rehearsal, youtube=_rehearsal_youtube(rehearsal.youtube, speed)
            )
            settings = standin_settings(
                standin,
                Settings(
                    youtube_api_key=SecretStr(youtube.api_key),
                    youtube_api_base=youtube.api_base,
                    youtube_feed_base=youtube.feed_base,
                ),
            )
            async with _printing(standin, clock, rehearsal, out):
                since = standin.cursor()
                running = await start_against_standin(
                    standin, rehearsal, data_dir=directory, clock=clock, settings=settings
                )
                # The stream, as YouTube would show it: scheduled now, live for the program.
                stream = asyncio.create_task(
                    play_stream(
                        youtube,
                        clock,
                        video_id=rehearsal.youtube.video_id or "rehearsal01",
                        title=rehearsal.event.name.ko,
                        starts_at=rehearsal.starts_at,
                        ends_at=rehearsal.ends_at,
                        recording_after=RECORDING_AFTER,
                    ),
                    name="rehearsal-stream",
                )
                try:
                    await asyncio.sleep(real_duration)
                    if duration is None:  # the whole day was played: show how it closes
                        await _close_the_day(
                            standin, clock, rehearsal, out, since=since, wait=CLOSING_WAIT
                        )
                finally:
                    stream.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await stream
                    await running.stop()
    out.write("Rehearsal finished.\n")
    return 0
