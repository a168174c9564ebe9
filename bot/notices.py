"""One way to tell a server's moderators about a problem once, until the problem is gone.

Every feature uses this for its "told once" notices (missing permission, YouTube key refused, a late
reminder): the state lives in the core's settings table, so a restart does not repeat a notice, and
each notice is posted through the outbox (``bot.outbox``), so a crash in the middle of posting one
does not post it twice either.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.mentions import NO_MENTIONS
from bot.outbox import Draft, Posted

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

#: How long the outbox keeps trying a notice through Discord's failures before the next channel.
NOTICE_GRACE = timedelta(seconds=20)


class ModeratorNotices:
    def __init__(self, bot: CompanionBot) -> None:
        self._bot = bot

    async def tell_once(
        self,
        guild_id: int,
        kind: str,
        key: str,
        *,
        avoid_channel: int = 0,
        good_news: bool = False,
        **values: Any,
    ) -> bool:
        """Tell a server's moderators about a problem once per ``kind`` until :meth:`clear`.

        Goes to the audit channel, else the announce channel (never ``avoid_channel``, the one
        that is failing); pings nobody. A problem starts with ⚠️, ``good_news`` (a problem gone)
        with ✅. Returns whether a notice was posted now.
        """
        services = self._bot.services
        scope = f"notice:{guild_id}"
        if await services.store.get_setting(kind, scope=scope):
            return False
        settings = await services.guild(guild_id)
        text = ("✅ " if good_news else "⚠️ ") + services.t(key, settings.locale, **values)
        # Told again after a clear(): a new message, so a new outbox key.
        round_ = await services.store.get_setting(f"{kind}#round", scope=scope) or 0
        for channel_id in (settings.audit_channel_id, settings.announce_channel_id):
            if not channel_id or channel_id == avoid_channel:
                continue
            channel = self._bot.get_channel(channel_id)
            if not isinstance(channel, discord.TextChannel):
                continue
            try:
                result = await self._bot.outbox.post(
                    channel_id,
                    key=f"notice:{guild_id}:{kind}:{round_}:{channel_id}",
                    draft=Draft.of(text, mentions=NO_MENTIONS),
                    grace=NOTICE_GRACE,
                    guild_id=guild_id,
                )
            except sqlite3.Error:
                # The outbox cannot record it: the database cannot be written, which may be what
                # this notice says. Posted directly (a crash now could repeat it).
                if not await self._send_directly(channel, text):
                    continue
            else:
                if not isinstance(result, Posted):
                    log.warning(
                        "could not notify moderators in %s: %s (%s)",
                        channel_id,
                        result.reason,
                        result.detail,
                    )
                    continue
            await services.store.set_setting(kind, True, scope=scope)
            return True
        log.warning("no channel to tell the moderators of server %s: %s", guild_id, text)
        return False

    @staticmethod
    async def _send_directly(channel: discord.TextChannel, text: str) -> bool:
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("could not notify moderators in %s: %s", channel.id, error)
            return False
        return True

    async def clear(self, guild_id: int, kind: str) -> None:
        """The problem behind a notice is gone: tell moderators again if it comes back."""
        store = self._bot.services.store
        scope = f"notice:{guild_id}"
        if await store.get_setting(kind, scope=scope):
            await store.set_setting(kind, False, scope=scope)
            round_ = await store.get_setting(f"{kind}#round", scope=scope) or 0
            await store.set_setting(f"{kind}#round", round_ + 1, scope=scope)
