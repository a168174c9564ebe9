"""Features load right after READY; interactions that arrive meanwhile wait and are answered."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Config
from bot.core import CompanionBot, discover_extensions
from bot.lifecycle import build_services, start_bot, stop_bot
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.run import standin_settings
from tests.bot import slow_gate


async def start(
    standin: DiscordStandIn, config: Config, tmp_path: Path, extensions: list[str]
) -> tuple[CompanionBot, asyncio.Task[None]]:
    """The bot, logged in and connecting (not waiting for its features: that is what is tested)."""
    services = await build_services(config, standin_settings(standin), data_dir=tmp_path / "data")
    return await start_bot(
        services,
        standin.token,
        extensions=extensions,
        guild_ready_timeout=0.05,
        reidentify_delay=0.0,
    )


async def start_with_a_slow_feature(
    standin: DiscordStandIn, config: Config, tmp_path: Path
) -> tuple[CompanionBot, asyncio.Task[None], asyncio.Event]:
    """/about, and a feature that finishes loading once the returned event is set."""
    slow_gate.release = release = asyncio.Event()
    slow_gate.loading.clear()
    bot, task = await start(standin, config, tmp_path, ["cogs.about", "tests.bot.slow_extension"])
    return bot, task, release


async def stop(bot: CompanionBot, task: asyncio.Task[None]) -> None:
    # on_ready comes guild_ready_timeout after READY: stopping before it would race discord.py's
    # ready task (it dispatches on_ready to a closed client).
    await asyncio.wait_for(bot.wait_until_ready(), 10)
    await stop_bot(bot, task)


async def test_interactions_during_feature_loading_are_held_then_answered_in_order(
    standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    bot, task, release = await start_with_a_slow_feature(standin, event_config, tmp_path)
    try:
        await asyncio.wait_for(bot.wait_until_connected(), 10)
        # READY is in; /about is loaded, /slow is still loading.
        await asyncio.wait_for(slow_gate.loading.wait(), 10)
        assert not bot.started
        about = await standin.slash("member", name="about", locale="en-US")
        slow = await standin.slash("member2", name="slow", locale="en-US")
        await standin.gateway_barrier()  # the bot has read both
        assert standin.interactions.records[about.id].callback is None
        assert standin.interactions.records[slow.id].callback is None

        release.set()
        # Without the hold, /slow would have found no command and never been answered.
        assert message_text((await slow.response(timeout=10))["data"]) == "loaded"
        assert "CCEI" in message_text((await about.response(timeout=10))["data"])
        assert bot.started
        # Handled in the order they arrived.
        answered = [
            int(r.path.split("/")[2])
            for r in standin.requests
            if r.route == "/interactions/{interaction_id}/{interaction_token}/callback"
        ]
        assert answered == [about.id, slow.id]
        assert bot.startup is not None
        await asyncio.wait_for(asyncio.shield(bot.startup), 10)  # the sync, before stopping
    finally:
        slow_gate.release = None
        await stop(bot, task)


async def test_a_feature_that_fails_to_load_leaves_the_others_running(
    standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    bot, task = await start(
        standin, event_config, tmp_path, ["tests.bot.no_such_feature", "cogs.about"]
    )
    try:
        assert bot.startup is not None
        await asyncio.wait_for(asyncio.shield(bot.startup), 10)
        assert bot.started
        answer = await (await standin.slash("member", name="about", locale="en-US")).response()
        assert "CCEI" in message_text(answer["data"])
    finally:
        await stop(bot, task)


async def test_a_feature_still_loading_after_the_hold_limit_does_not_hold_the_others_back(
    standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    bot, task, release = await start_with_a_slow_feature(standin, event_config, tmp_path)
    bot.hold_limit = 0.2  # real seconds: a feature stuck loading (never released here)
    try:
        await asyncio.wait_for(slow_gate.loading.wait(), 10)
        about = await standin.slash("member", name="about", locale="en-US")
        assert "CCEI" in message_text((await about.response(timeout=10))["data"])
        assert not bot.started  # answered by the loaded feature while the other still loads
    finally:
        release.set()
        slow_gate.release = None
        if bot.startup is not None:
            await asyncio.wait_for(asyncio.shield(bot.startup), 10)
        await stop(bot, task)


def test_the_schedule_loads_first_then_the_features_by_name() -> None:
    # A reminder missed while the bot was down goes out before the other features load, and they
    # read the program with its delays (the schedule registers it).
    assert discover_extensions() == [
        "cogs.schedule",
        "cogs.about",
        "cogs.admin",
        "cogs.faq",
        "cogs.live",
        "cogs.recap",
    ]
