"""Where reminders meet Discord: posting a :class:`Delivery`, finding one after a crash, and targets.

The schedule service decides *whether* a reminder goes out (exactly once per target); this adapter
only posts it. A server's announce channel gets the reminder with the delivery's nonce (discord.py
sends it with ``enforce_nonce``) and the nonce printed in the embed footer, pinging at most the
server's reminder role. The ``dm`` target is a batch: every user who opted in gets a copy.

Everything here works over REST alone, so it also runs during ``setup_hook`` (start-up
reconciliation and catch-up reminders) before the gateway has delivered the servers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord

from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS, only_role
from cogs.schedule._jobs import DM_TARGET, Delivery, ReminderNotSent, guild_target, target_guild_id
from cogs.schedule._ledger import PendingIntent, ScheduleLedger
from cogs.schedule._render import EmbedData, MessageData, ScheduleTexts

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

#: How far back the start-up lookup reads an announce channel for a reminder's marker. The announce
#: channel is quiet (moderators and the bot post there), so the last 100 messages cover hours.
HISTORY_LIMIT = 100


class LookupFailed(Exception):
    """Raised by the lookup when it cannot tell whether a reminder was posted (it counts as sent)."""


def to_embed(data: EmbedData) -> discord.Embed:
    return discord.Embed.from_dict(data.to_dict())


def embeds_of(message: MessageData) -> list[discord.Embed]:
    return [] if message.embed is None else [to_embed(message.embed)]


class ReminderPoster:
    """The ``send``, ``lookup`` and ``targets`` callbacks of the schedule service."""

    def __init__(
        self,
        bot: CompanionBot,
        ledger: ScheduleLedger,
        texts: Callable[[], ScheduleTexts],
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        # A callable, not the texts themselves: a config reload replaces them.
        self._texts = texts

    # -- targets ----------------------------------------------------------------------------------

    async def targets(self) -> list[str]:
        """Every event server with an announce channel, plus the DM batch when anyone opted in."""
        found = [
            guild_target(settings.guild_id)
            for settings in await self.bot.services.event_guilds()
            if settings.announce_channel_id
        ]
        if await self.ledger.dm_users():
            found.append(DM_TARGET)
        return found

    # -- send -------------------------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> int:
        """Post one reminder to its target; the message id (0 for the DM batch)."""
        if delivery.target == DM_TARGET:
            await self._send_dms(delivery)
            return 0
        guild_id = delivery.guild_id
        if guild_id is None:
            raise ReminderNotSent(f"unknown target {delivery.target!r}")
        settings = await self.bot.services.guild(guild_id)
        if not settings.announce_channel_id:
            raise ReminderNotSent(f"server {guild_id} has no announce channel")
        pings = self.bot.services.config.reminders.pings_at(delivery.reminder.offset)
        role_id = settings.reminder_role_id if pings else 0
        guild = self.bot.get_guild(guild_id)
        if role_id and guild is not None and guild.get_role(role_id) is None:
            # The role was deleted: post without a ping rather than "@deleted-role", and say so.
            role_id = 0
            await self.bot.notices.tell_once(
                guild_id, "reminder_role_missing", "notice.reminder_role_missing"
            )
        message = self._texts().reminder(
            delivery.reminder,
            settings.locale,
            late=delivery.late,
            now=delivery.now,
            marker=delivery.nonce,
            role_id=role_id,
        )
        channel = self.bot.get_partial_messageable(settings.announce_channel_id, guild_id=guild_id)
        try:
            posted = await channel.send(
                message.content,
                embeds=embeds_of(message),
                nonce=delivery.nonce,
                allowed_mentions=only_role(message.mention_role_id),
            )
        except (discord.Forbidden, discord.NotFound) as error:
            # Certainly not posted: the claim is released and a later run may try again.
            await self.bot.notices.tell_once(
                guild_id,
                "announce_unavailable",
                "notice.announce_unavailable",
                avoid_channel=settings.announce_channel_id,
                channel=f"<#{settings.announce_channel_id}>",
                error=f"{error.status} {error.text}",
            )
            raise ReminderNotSent(
                f"announce channel {settings.announce_channel_id}: {error}"
            ) from error
        await self.bot.notices.clear(guild_id, "announce_unavailable")
        self.bot.services.metrics.reminder_sent(late=delivery.late)
        return posted.id

    async def _send_dms(self, delivery: Delivery) -> None:
        texts = self._texts()
        for user_id, stored_locale in (await self.ledger.dm_users()).items():
            locale = locale_for(stored_locale)
            message = texts.dm_reminder(
                delivery.reminder, locale, late=delivery.late, now=delivery.now
            )
            try:
                await self.send_dm(user_id, message)
            except discord.Forbidden:
                # DMs closed (or no server in common any more): stop trying this user.
                await self.ledger.set_dm(
                    user_id, False, locale=locale, now=self.bot.services.clock.now()
                )
                log.info("user %s no longer accepts DMs; opted out of DM reminders", user_id)
            except discord.HTTPException as error:
                log.warning("DM reminder to user %s failed: %s", user_id, error)

    async def send_dm(self, user_id: int, message: MessageData) -> discord.Message:
        channel = await self.bot.create_dm(discord.Object(id=user_id))
        return await channel.send(
            message.content, embeds=embeds_of(message), allowed_mentions=NO_MENTIONS
        )

    # -- start-up reconciliation ------------------------------------------------------------------

    async def lookup(self, intent: PendingIntent) -> int | None:
        """The id of the message carrying ``intent``'s marker, None if certainly not posted.

        Message history does not return nonces, so the marker in the embed footer is what is
        searched. The DM batch cannot be searched: it raises, and the intent counts as sent.
        """
        if intent.target == DM_TARGET:
            raise LookupFailed("DM reminders cannot be looked up")
        guild_id = target_guild_id(intent.target)
        if guild_id is None:
            raise LookupFailed(f"unknown target {intent.target!r}")
        settings = await self.bot.services.guild(guild_id)
        if not settings.announce_channel_id:
            raise LookupFailed(f"server {guild_id} has no announce channel any more")
        me = self.bot.user
        if me is None:
            raise LookupFailed("not logged in")
        channel = self.bot.get_partial_messageable(settings.announce_channel_id, guild_id=guild_id)
        texts = self._texts()
        async for message in channel.history(limit=HISTORY_LIMIT):
            if message.author.id != me.id:
                continue
            if any(texts.marker_in(e.footer.text or "", intent.nonce) for e in message.embeds):
                self.bot.services.metrics.reminder_duplicate_suppressed()
                return message.id
        return None
