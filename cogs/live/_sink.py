"""DiscordLiveSink: what the relay decided, posted and edited on Discord.

A class of its own rather than the cog, because LiveSink's ``on_*`` methods would be taken for gateway
event listeners. Channel posts go to every event server's announce channel in that server's language;
moderator notices go through the core's once-only notices (``bot.notices``: the audit channel, else
the announce channel). Every request names its allowed_mentions: only the live status message may
ping, and only the server's opt-in reminder role.

Failure policy, so the relay's "owed again at the next poll" never duplicates a post: a post that
reached at least one server counts as delivered (the others are logged); edits are idempotent, so a
transient edit failure raises and the whole announcement is redone; a message someone deleted is
left alone (an ended stream then gets its "ended" text in the summary post instead).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.guilds import GuildSettings
from bot.mentions import only_role
from cogs.live._notices import ModeratorNotice, StreamVanishedNotice
from cogs.live._render import (
    CHART_FILE_NAME,
    Rendered,
    notice_text,
    presence_text,
    render_ended,
    render_live,
    render_summary,
    render_upcoming,
    render_vanished,
)
from cogs.live._state import Broadcast, MessageRef, Summary

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

#: Failures worth another try at the next poll (Discord down, 5xx, a timeout).
TRANSIENT = (discord.HTTPException, aiohttp.ClientError, TimeoutError)
#: A moderator notice that Discord does not take within this time is given up (and logged).
NOTICE_TIMEOUT = 30.0

Render = Callable[[GuildSettings], Rendered]


class DeliveryFailed(Exception):
    """Nothing reached Discord: the relay owes the announcement again at the next poll."""


def to_embed(rendered: Rendered) -> discord.Embed | None:
    return discord.Embed.from_dict(rendered.embed) if rendered.embed else None


def mentions_for(rendered: Rendered) -> discord.AllowedMentions:
    """Exactly the role the rendering names (the reminder role on the live post), else nobody."""
    return only_role(rendered.mention_role_id)


class DiscordLiveSink:
    """Implements :class:`cogs.live._relay.LiveSink` for the running bot."""

    def __init__(self, bot: CompanionBot) -> None:
        self.bot = bot
        self.services = bot.services
        #: What the presence should show (None: no activity) and what this gateway session got.
        self.wanted_presence: str | None = None
        self._shown_presence: str | None = None
        #: Messages Discord no longer has (deleted by a moderator): not edited again.
        self._gone: set[int] = set()
        #: Notices that came before the first READY (the core finds channels in the gateway cache).
        self._unsent: list[ModeratorNotice] = []

    # -- LiveSink -----------------------------------------------------------------------------------

    async def on_upcoming(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        catalog = self.services.catalog
        return await self._post(lambda s: render_upcoming(catalog, s.locale, broadcast))

    async def on_live(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        catalog = self.services.catalog
        refs = await self._post(
            lambda s: render_live(catalog, s.locale, broadcast, role_id=s.reminder_role_id)
        )
        await self.show_presence(presence_text(broadcast))
        return refs

    async def on_viewers(self, broadcast: Broadcast) -> None:
        catalog = self.services.catalog
        await self.show_presence(presence_text(broadcast))
        # The same text as the post (role mention included, so the message reads the same); an
        # edit never notifies anyone.
        await self._edit(
            broadcast.live_messages,
            lambda s: render_live(catalog, s.locale, broadcast, role_id=s.reminder_role_id),
        )

    async def on_ended(self, broadcast: Broadcast, summary: Summary) -> None:
        catalog = self.services.catalog
        await self._clear_presence(broadcast)
        # Ended during a quota outage, never seen live: the upcoming announcement is the status.
        refs = broadcast.live_messages or broadcast.upcoming_messages
        edited = await self._edit(
            refs, lambda s: render_ended(catalog, s.locale, broadcast, summary)
        )

        def summary_for(settings: GuildSettings) -> Rendered:
            rendered = render_summary(catalog, settings.locale, broadcast, summary)
            if settings.announce_channel_id in edited:
                return rendered
            # No status message here to edit: the summary itself says that the stream ended.
            ended = render_ended(catalog, settings.locale, broadcast, summary)
            return replace(rendered, content=ended.content)

        await self._post(summary_for, chart=summary.chart_png)

    async def on_vanished(self, broadcast: Broadcast) -> None:
        catalog = self.services.catalog
        await self._clear_presence(broadcast)
        refs = broadcast.live_messages or broadcast.upcoming_messages
        await self._edit(refs, lambda s: render_vanished(catalog, s.locale, broadcast))
        await self.tell_moderators(StreamVanishedNotice(broadcast.video_id, broadcast.title))

    # -- Moderators ---------------------------------------------------------------------------------

    async def tell_moderators(self, notice: ModeratorNotice) -> None:
        if not self.bot.is_ready():
            # The first poll often runs before READY (a rejected key, say): told once it is ready.
            log.info("live: notice %s waits for READY", notice.once_kind)
            self._unsent.append(notice)
            return
        key, values = notice_text(notice)
        try:
            async with asyncio.timeout(NOTICE_TIMEOUT):
                for settings in await self.services.event_guilds():
                    await self.bot.notices.tell_once(
                        settings.guild_id, notice.once_kind, key, **values
                    )
        except Exception:
            log.exception("live: could not tell moderators %s", notice.once_kind)

    async def withdraw_notice(self, notice: ModeratorNotice) -> None:
        self._unsent = [n for n in self._unsent if n.once_kind != notice.once_kind]
        try:
            for settings in await self.services.event_guilds():
                await self.bot.notices.clear(settings.guild_id, notice.once_kind)
        except Exception:
            log.exception("live: could not withdraw the notice %s", notice.once_kind)

    async def tell_unsent(self) -> None:
        """At READY: the notices that came before it."""
        unsent, self._unsent = self._unsent, []
        for notice in unsent:
            await self.tell_moderators(notice)

    # -- presence -----------------------------------------------------------------------------------

    async def show_presence(self, name: str | None) -> None:
        """Watching ``name`` (None: no activity); sent now if connected, else at the next READY."""
        self.wanted_presence = name
        await self.sync_presence()

    def new_session(self) -> None:
        """A new gateway session (READY) starts without an activity."""
        self._shown_presence = None

    async def sync_presence(self) -> None:
        wanted = self.wanted_presence
        if wanted == self._shown_presence or not self.bot.is_ready() or self.bot.is_closed():
            return
        activity = (
            discord.Activity(type=discord.ActivityType.watching, name=wanted) if wanted else None
        )
        try:
            await self.bot.change_presence(activity=activity)
        except Exception:
            # Presence is decoration: never let it fail an announcement. Retried on RESUMED/READY.
            log.warning("live: could not update the presence", exc_info=True)
            return
        self._shown_presence = wanted

    async def _clear_presence(self, broadcast: Broadcast) -> None:
        if self.wanted_presence == presence_text(broadcast):
            await self.show_presence(None)

    # -- Discord ------------------------------------------------------------------------------------

    async def _post(self, render: Render, *, chart: bytes | None = None) -> list[MessageRef]:
        """One message in every event server's announce channel; the references of those posted."""
        targets = [s for s in await self.services.event_guilds() if s.announce_channel_id]
        if not targets:
            log.warning("live: no event server has an announce channel; nothing posted")
            return []
        refs: list[MessageRef] = []
        for settings in targets:
            rendered = render(settings)
            channel = self.bot.get_partial_messageable(
                settings.announce_channel_id, guild_id=settings.guild_id or None
            )
            embed = to_embed(rendered)
            files = []
            if rendered.attach_chart and chart is not None:
                files.append(discord.File(io.BytesIO(chart), filename=CHART_FILE_NAME))
            try:
                message = await channel.send(
                    rendered.content,
                    embeds=[embed] if embed is not None else [],
                    files=files,
                    allowed_mentions=mentions_for(rendered),
                )
            except TRANSIENT as error:
                log.warning(
                    "live: posting to channel %s (server %s) failed: %s",
                    settings.announce_channel_id,
                    settings.guild_id,
                    error,
                )
                continue
            refs.append(MessageRef(settings.announce_channel_id, message.id))
        if not refs:
            raise DeliveryFailed("no announce channel took the message")
        return refs

    async def _edit(self, refs: Sequence[MessageRef], render: Render) -> set[int]:
        """Edit each message in place; returns the channels whose message was edited.

        Raises :class:`DeliveryFailed` after trying them all when one failed for a passing reason.
        """
        known = {s.announce_channel_id: s for s in await self.services.event_guilds()}
        edited: set[int] = set()
        failed = 0
        for ref in refs:
            if ref.message_id in self._gone:
                continue
            settings = await self._settings_for(ref.channel_id, known)
            rendered = render(settings)
            channel = self.bot.get_partial_messageable(
                ref.channel_id, guild_id=settings.guild_id or None
            )
            try:
                await channel.get_partial_message(ref.message_id).edit(
                    content=rendered.content,
                    embed=to_embed(rendered),
                    allowed_mentions=mentions_for(rendered),
                )
            except (discord.NotFound, discord.Forbidden) as error:
                log.warning(
                    "live: message %s in channel %s cannot be edited (%s); leaving it alone",
                    ref.message_id,
                    ref.channel_id,
                    error,
                )
                self._gone.add(ref.message_id)
                continue
            except TRANSIENT as error:
                log.warning("live: editing message %s failed: %s", ref.message_id, error)
                failed += 1
                continue
            edited.add(ref.channel_id)
        if failed:
            raise DeliveryFailed(f"{failed} of {len(refs)} edits failed")
        return edited

    async def _settings_for(
        self, channel_id: int, known: Mapping[int, GuildSettings]
    ) -> GuildSettings:
        """The settings of the server a message lives in (its language, its reminder role)."""
        if channel_id in known:
            return known[channel_id]
        guild = getattr(self.bot.get_channel(channel_id), "guild", None)
        if isinstance(guild, discord.Guild):
            return await self.services.guild(guild.id)
        return GuildSettings(guild_id=0, locale=self.services.config.discord.locale)
