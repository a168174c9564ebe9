"""The YouTube live relay: stream announcements, viewer counts, the end summary, ``/live`` (docs/live.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.live._cog import LiveCog

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    await bot.add_cog(LiveCog(bot))
