"""DiscordLiveSink: what the relay decided, posted and edited on Discord.

A class of its own rather than the cog, because LiveSink's ``on_*`` methods would be taken for gateway
event listeners. Channel posts go to every event server's announce channel in that server's language;
moderator notices go through the core's once-only notices (``bot.notices``: the audit channel, else
the announce channel). Every request names its allowed_mentions: only the live status message may
ping, and only the server's opt-in reminder role.

Every post goes through the core outbox (``bot.outbox``) under a key that names it for good,
``live:<server>:<video>:<kind>`` (kind: upcoming, live, summary): the intent is stored before the
POST, a 503 or a timeout is tried again with the same nonce, and a post cut short by a crash is found
again (in flight, or in the channel's history by its marker) instead of being made twice. Edits go
through the outbox too, to the message it knows under that key (its marker kept).

Failure policy, so the relay's "owed again at the next poll" never duplicates a post: a change is
owed again while any server's post is unsettled (Discord down, the outcome unknown): posting a key
again returns the message already made, so only the missing ones go out. A server that refuses the
post (403, say) is logged and skipped unless every server refused. Edits are idempotent, so a
transient edit failure raises and the whole change is redone; a message someone deleted is left
alone (an ended stream then gets its "ended" text in the summary post instead).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord

from bot.guilds import GuildSettings
from bot.mentions import only_role
from bot.outbox import Attachment, Draft, Failed, Posted
from cogs.live._notices import GoodNews, ModeratorNotice, StreamVanishedNotice
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

#: A moderator notice that Discord does not take within this time is given up (and logged).
NOTICE_TIMEOUT = 30.0
#: How long the outbox keeps trying one post before the sink reports it undelivered. Short: the
#: relay owes the change again at its next poll, and posting the same key again is safe. With one
#: attempt's time limit (15 s) it fits in the relay's time limit for a sink call (30 s).
POST_GRACE = timedelta(seconds=15)

#: Which of a broadcast's messages a key names.
Kind = Literal["upcoming", "live", "summary"]
Render = Callable[[GuildSettings], Rendered]


class DeliveryFailed(Exception):
    """Not every server has the message: the relay owes the change again at the next poll."""


def message_key(guild_id: int, video_id: str, kind: Kind) -> str:
    """The outbox key of one of a broadcast's messages in one server."""
    return f"live:{guild_id}:{video_id}:{kind}"


def draft_of(rendered: Rendered, chart: bytes | None = None) -> Draft:
    """The message as the outbox takes it; the chart is attached only where the text shows it."""
    embeds = [discord.Embed.from_dict(rendered.embed)] if rendered.embed else []
    files = []
    if rendered.attach_chart and chart is not None:
        files.append(Attachment(CHART_FILE_NAME, chart))
    # Exactly the role the rendering names (the reminder role on the live post), else nobody.
    return Draft.of(
        rendered.content,
        mentions=only_role(rendered.mention_role_id),
        embeds=embeds,
        files=files,
    )


def status_messages(broadcast: Broadcast) -> tuple[Kind, Sequence[MessageRef]]:
    """The messages that show the broadcast's status: the live post, else (ended during a quota
    outage, never seen live) the upcoming announcement."""
    if broadcast.live_messages:
        return "live", broadcast.live_messages
    return "upcoming", broadcast.upcoming_messages


class DiscordLiveSink:
    """Implements :class:`cogs.live._relay.LiveSink` for the running bot."""

    def __init__(self, bot: CompanionBot) -> None:
        self.bot = bot
        self.services = bot.services
        #: What the presence should show (None: no activity) and what this gateway session got.
        self.wanted_presence: str | None = None
        self._shown_presence: str | None = None
        #: Messages not to edit again: deleted by a moderator, or out of the bot's reach.
        self._gone: set[int] = set()
        #: Notices that came before the first READY (the core finds channels in the gateway cache).
        self._unsent: list[ModeratorNotice] = []

    # -- LiveSink -----------------------------------------------------------------------------------

    async def on_upcoming(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        catalog = self.services.catalog
        return await self._post(
            broadcast, "upcoming", lambda s: render_upcoming(catalog, s.locale, broadcast)
        )

    async def on_live(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        catalog = self.services.catalog
        refs = await self._post(
            broadcast,
            "live",
            lambda s: render_live(catalog, s.locale, broadcast, role_id=s.reminder_role_id),
        )
        await self.show_presence(presence_text(broadcast))
        return refs

    async def on_viewers(self, broadcast: Broadcast) -> None:
        catalog = self.services.catalog
        await self.show_presence(presence_text(broadcast))
        # The same text as the post (role mention included, so the message reads the same); an
        # edit never notifies anyone.
        await self._edit(
            broadcast,
            "live",
            broadcast.live_messages,
            lambda s: render_live(catalog, s.locale, broadcast, role_id=s.reminder_role_id),
        )

    async def on_ended(self, broadcast: Broadcast, summary: Summary) -> None:
        catalog = self.services.catalog
        await self._clear_presence(broadcast)
        kind, refs = status_messages(broadcast)
        edited = await self._edit(
            broadcast, kind, refs, lambda s: render_ended(catalog, s.locale, broadcast, summary)
        )

        def summary_for(settings: GuildSettings) -> Rendered:
            rendered = render_summary(catalog, settings.locale, broadcast, summary)
            if settings.announce_channel_id in edited:
                return rendered
            # No status message here to edit: the summary itself says that the stream ended.
            ended = render_ended(catalog, settings.locale, broadcast, summary)
            return replace(rendered, content=ended.content)

        await self._post(broadcast, "summary", summary_for, chart=summary.chart_png)

    async def on_vanished(self, broadcast: Broadcast) -> None:
        catalog = self.services.catalog
        await self._clear_presence(broadcast)
        kind, refs = status_messages(broadcast)
        await self._edit(
            broadcast, kind, refs, lambda s: render_vanished(catalog, s.locale, broadcast)
        )
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
                        settings.guild_id,
                        notice.once_kind,
                        key,
                        good_news=isinstance(notice, GoodNews),
                        **values,
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

    async def _post(
        self, broadcast: Broadcast, kind: Kind, render: Render, *, chart: bytes | None = None
    ) -> list[MessageRef]:
        """One message in every event server's announce channel, each once through the outbox;
        the references of those in the channel (posted now or by an earlier try)."""
        targets = [s for s in await self.services.event_guilds() if s.announce_channel_id]
        if not targets:
            log.warning("live: no event server has an announce channel; nothing posted")
            return []
        refs: list[MessageRef] = []
        unsettled = refused = 0
        for settings in targets:
            key = message_key(settings.guild_id, broadcast.video_id, kind)
            result = await self._post_once(settings, key, draft_of(render(settings), chart))
            if isinstance(result, Posted):
                refs.append(MessageRef(result.channel_id, result.message_id))
            elif result.reason == "refused":
                refused += 1
                log.warning("live: %s refused in server %s", key, settings.guild_id)
            elif result.reason != "deleted":  # a deleted post was made: it is not made again
                unsettled += 1
                log.warning("live: %s not settled (%s); again at the next poll", key, result.reason)
        if unsettled or refused == len(targets):
            raise DeliveryFailed(f"{kind}: {unsettled + refused} of {len(targets)} not posted")
        return refs

    async def _post_once(self, settings: GuildSettings, key: str, draft: Draft) -> Posted | Failed:
        result = await self.bot.outbox.post(
            settings.announce_channel_id,
            key=key,
            draft=draft,
            grace=POST_GRACE,
            guild_id=settings.guild_id or None,
        )
        if not isinstance(result, Posted) or not result.outdated:
            return result
        # Made by an earlier try (cut short by a restart, say) with older figures: update it.
        updated = await self.bot.outbox.edit(key, draft)
        if isinstance(updated, Failed) and updated.reason in ("expired", "stopped"):
            return updated
        return result

    async def _edit(
        self, broadcast: Broadcast, kind: Kind, refs: Sequence[MessageRef], render: Render
    ) -> set[int]:
        """Edit each message in place through the outbox; returns the channels whose message was
        edited. Raises :class:`DeliveryFailed` after trying them all when one failed for a passing
        reason."""
        known = {s.announce_channel_id: s for s in await self.services.event_guilds()}
        edited: set[int] = set()
        failed = 0
        for ref in refs:
            if ref.message_id in self._gone:
                continue
            settings = await self._settings_for(ref.channel_id, known)
            key = message_key(settings.guild_id, broadcast.video_id, kind)
            result = await self.bot.outbox.edit(key, draft_of(render(settings)))
            if isinstance(result, Posted):
                edited.add(ref.channel_id)
            elif result.reason in ("expired", "stopped"):
                log.warning("live: editing message %s failed: %s", ref.message_id, result.detail)
                failed += 1
            else:  # deleted, refused (no access), or not a message the outbox posted
                log.warning(
                    "live: message %s in channel %s cannot be edited (%s %s); leaving it alone",
                    ref.message_id,
                    ref.channel_id,
                    result.reason,
                    result.detail,
                )
                self._gone.add(ref.message_id)
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
