"""The live relay wired to the bot: ``/live``, presence across gateway sessions, config reloads, the
``/admin status`` field.

Thin on purpose: :class:`~cogs.live._relay.LiveRelay` owns the feature's lifecycle and decides,
:class:`~cogs.live._sink.DiscordLiveSink` posts, ``_render`` words it. The cog starts the relay once
the gateway is READY (from ``cog_load``) and stops it in ``cog_unload``.
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
from bot.program import current_and_next, effective_program
from cogs.live._relay import LiveRelay, Watch, build_relay
from cogs.live._render import presence_text, render_live_command, status_fields
from cogs.live._sink import DiscordLiveSink
from cogs.live._youtube import Endpoints

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

FEATURE = "live"


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
        self.relay = self._relay_for(self.services.config)
        self._restart_lock = asyncio.Lock()
        self._starting: asyncio.Task[None] | None = None

    def _relay_for(self, config: Config) -> LiveRelay:
        settings = self.services.settings
        return build_relay(
            Watch.from_config(config),
            api_key=settings.youtube_api_key.get_secret_value(),
            endpoints=Endpoints(
                api_base=settings.youtube_api_base, feed_base=settings.youtube_feed_base
            ),
            store=self.services.store,
            clock=self.services.clock,
            sink=self.sink,
            session=self.services.http,
            dispatch=self.bot.dispatch,
        )

    async def cog_load(self) -> None:
        self.services.status_sources[FEATURE] = self
        self.services.youtube_status = self.relay
        self.services.stream_records = self.relay
        # Features load at READY (bot/core.py), so this starts the relay at once. (Loaded after
        # on_ready, as in tests, a fresh sink already is what on_ready would make it.)
        self._starting = asyncio.create_task(self._start_when_connected(), name="live-start")

    async def _start_when_connected(self) -> None:
        await self.bot.wait_until_connected()
        async with self._restart_lock:
            await self.relay.start()

    async def cog_unload(self) -> None:
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        async with self._restart_lock:
            await self.relay.stop()
        self.services.status_sources.pop(FEATURE, None)
        self.services.youtube_status = None
        self.services.stream_records = None

    async def status_fields(self, locale: str) -> list[tuple[str, str]]:
        """The ``/admin status`` field (this cog is the feature's StatusSource)."""
        return status_fields(self.services.catalog, locale_for(locale), self.relay.status())

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
        await self.sink.tell_unsent()

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
            self.relay = self._relay_for(new)
            self.services.youtube_status = self.relay
            self.services.stream_records = self.relay
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
        try:
            sessions = await self.services.program.sessions()
        except Exception:
            # /live still names the next session, at its configured time.
            log.exception("the program source failed; /live uses the configured times")
            sessions = effective_program(config)
        _running, upcoming = current_and_next(sessions, status.now)
        rendered = render_live_command(
            self.services.catalog,
            locale,
            status,
            stream_link=config.youtube.stream_link,
            next_session=(upcoming.title.get(locale), upcoming.start) if upcoming else None,
        )
        await interaction.response.send_message(
            rendered.content, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
