"""What the cog decides by itself: which config reloads restart the relay, and when it starts."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from bot.config import Config
from bot.core import CompanionBot
from bot.lifecycle import build_services
from bot.settings import Settings
from cogs.live._cog import LiveCog, relay_inputs_changed


def test_only_youtube_and_program_times_restart_the_relay(base_config: Config) -> None:
    assert not relay_inputs_changed(base_config, dataclasses.replace(base_config))
    discord_only = dataclasses.replace(
        base_config, discord=dataclasses.replace(base_config.discord, locale="en")
    )
    assert not relay_inputs_changed(base_config, discord_only)
    youtube = dataclasses.replace(
        base_config, youtube=dataclasses.replace(base_config.youtube, video_id="abc")
    )
    assert relay_inputs_changed(base_config, youtube)
    other_zone = dataclasses.replace(
        base_config, event=dataclasses.replace(base_config.event, timezone="UTC")
    )
    assert relay_inputs_changed(base_config, other_zone)
    first = base_config.program[0]
    moved = dataclasses.replace(first, start=first.start.replace(minute=5))
    program = [moved, *base_config.program[1:]]
    assert relay_inputs_changed(base_config, dataclasses.replace(base_config, program=program))


async def test_the_relay_starts_at_ready_not_while_the_bot_starts_up(
    base_config: Config, tmp_path: Path
) -> None:
    # Its first poll loads the YouTube client (~0.25 s of CPU in a thread holding the GIL): that
    # must not slow start-up before READY.
    services = await build_services(base_config, Settings(), data_dir=tmp_path)
    bot = CompanionBot(services)
    try:
        cog = LiveCog(bot)
        await bot.add_cog(cog)  # cog_load, as during setup_hook
        assert cog.relay.status().mode == "stopped"
        await bot.on_connect()  # what discord.py calls when READY arrives
        assert cog._starting is not None
        await asyncio.wait_for(cog._starting, 5)
        assert cog.relay.status().mode == "not_configured"  # started (no YouTube key here)
        await bot.remove_cog(cog.qualified_name)
        assert cog.relay.status().mode == "stopped"
    finally:
        await services.store.close()
        if services.http is not None:
            await services.http.close()
