"""The live relay wired to the bot: its lifecycle, ``/live``, presence across sessions, config reloads.

Thin on purpose: :class:`~cogs.live._relay.LiveRelay` decides, :class:`~cogs.live._sink.DiscordLiveSink`
posts, ``_render`` words it. The cog starts the relay in ``cog_load`` and stops it in ``cog_unload``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.config import Config
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from cogs.live._agenda import next_session
from cogs.live._relay import LiveRelay
from cogs.live._render import LiveStatusFields, presence_text, render_live_command
from cogs.live._sink import DiscordLiveSink

if TYPE_CHECKING:
    from bot.core import CompanionBot
    from bot.services import Services

log = logging.getLogger(__name__)

FEATURE = "live"


def build_relay(services: Services, config: Config, sink: DiscordLiveSink) -> LiveRelay:
    settings = services.settings
    return LiveRelay.from_config(
        config,
        store=services.store,
        clock=services.clock,
        sink=sink,
        api_key=settings.youtube_api_key.get_secret_value(),
        api_base=settings.youtube_api_base,
        feed_base=settings.youtube_feed_base,
        session=services.http,
    )


def relay_inputs_changed(old: Config, new: Config) -> bool:
    """Whether a reloaded config changes what the relay watches or how (its window, its zone)."""
    return (
        old.youtube != new.youtube
        or (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at)
        or old.event.timezone != new.event.timezone
    )


class LiveCog(commands.Cog):
    def __init__(self, bot: CompanionBot) -> None:
        self.bot = bot
        self.services = bot.services
        self.sink = DiscordLiveSink(bot)
        self.relay = build_relay(self.services, self.services.config, self.sink)
        self._restart_lock = asyncio.Lock()

    async def cog_load(self) -> None:
        self.services.status_sources[FEATURE] = LiveStatusFields(self.relay, self.services.catalog)
        self.services.youtube_status = self.relay
        await self.relay.start()

    async def cog_unload(self) -> None:
        await self.relay.stop()
        self.services.status_sources.pop(FEATURE, None)
        self.services.youtube_status = None

    # -- gateway sessions and config ----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # A new session shows no activity: put "Watching" back if a stream is live. Only trust the
        # relay's view once it has heard from YouTube in this run (the database may be stale).
        status = self.relay.status()
        if self.sink.wanted_presence is None and status.live and status.last_success is not None:
            self.sink.wanted_presence = presence_text(status.live[0])
        self.sink.new_session()
        await self.sink.sync_presence()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        await self.sink.sync_presence()  # an update that failed while disconnected

    @commands.Cog.listener()
    async def on_config_reloaded(self, old: Config, new: Config) -> None:
        if not relay_inputs_changed(old, new):
            return
        async with self._restart_lock:
            # Everything the relay knows is in SQLite: a fresh one carries on where this one stops.
            await self.relay.stop()
            self.relay = build_relay(self.services, new, self.sink)
            self.services.status_sources[FEATURE] = LiveStatusFields(
                self.relay, self.services.catalog
            )
            self.services.youtube_status = self.relay
            await self.relay.start()
        log.info("live relay restarted for the reloaded config")

    # -- /live --------------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("live", key="cmd.live.name"),
        description=locale_str(
            "Is the YouTube stream live, and when does it start", key="cmd.live.description"
        ),
    )
    async def live(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        config, status = self.services.config, self.relay.status()
        times = await self.services.program_times()
        rendered = render_live_command(
            self.services.catalog,
            locale,
            status,
            stream_link=config.youtube.stream_link,
            next_session=next_session(config, status.now, locale, times),
        )
        await interaction.response.send_message(
            rendered.content, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
