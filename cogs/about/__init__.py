"""``/about``: what, when and where the event is, and where to watch."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    # Imported here so that importing the package (e.g. for its pure modules) needs no discord.
    from cogs.about._cog import AboutCog

    await bot.add_cog(AboutCog(bot.services))
