"""The YouTube live relay: stream announcements, viewer counts, the end summary, ``/live`` (docs/live.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    # Imported here so that importing the package (e.g. for its pure modules) needs no discord.
    from cogs.live._cog import LiveCog

    await bot.add_cog(LiveCog(bot))
