"""One way to tell a server's moderators about a problem once, until the problem is gone.

Every feature uses this for its "told once" notices (missing permission, YouTube key refused, a late
reminder): the state lives in the core's settings table, so a restart does not repeat a notice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.mentions import NO_MENTIONS

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)


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
        for channel_id in (settings.audit_channel_id, settings.announce_channel_id):
            if not channel_id or channel_id == avoid_channel:
                continue
            channel = self._bot.get_channel(channel_id)
            if not isinstance(channel, discord.TextChannel):
                continue
            try:
                await channel.send(text, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as error:
                log.warning("could not notify moderators in %s: %s", channel_id, error)
                continue
            await services.store.set_setting(kind, True, scope=scope)
            return True
        log.warning("no channel to tell the moderators of server %s: %s", guild_id, text)
        return False

    async def clear(self, guild_id: int, kind: str) -> None:
        """The problem behind a notice is gone: tell moderators again if it comes back."""
        scope = f"notice:{guild_id}"
        if await self._bot.services.store.get_setting(kind, scope=scope):
            await self._bot.services.store.set_setting(kind, False, scope=scope)
